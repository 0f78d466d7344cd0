"""The DMA API drivers call, as Linux 5.15 defines it inline in include/linux/dma-mapping.h (the
allocator and the bouncing: kernel/dma/mapping.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/dma-mapping.h"

DMA_TO_DEVICE = 1       # enum dma_data_direction (include/linux/dma-direction.h)
DMA_FROM_DEVICE = 2
DMA_MAPPING_ERROR = 0   # DIVERGENCE(#4): Linux uses ~0; address 0 is never handed out here


def dma_alloc_coherent(dev, size: int) -> int:
    """dma_alloc_coherent: dma_alloc_attrs with no attributes."""
    return _mapping.dma_alloc_attrs(dev, size)


def dma_free_coherent(dev, size: int, addr: int) -> None:
    """dma_free_coherent: dma_free_attrs with no attributes."""
    _mapping.dma_free_attrs(dev, size, addr)


def dma_map_single(dev, buf: bytearray, offset: int, size: int, direction: int) -> int:
    """dma_map_single: map a CPU buffer for one transfer (dma_map_page_attrs)."""
    return _mapping.dma_map_page_attrs(dev, buf, offset, size, direction)


def dma_mapping_error(dev, addr: int) -> bool:
    """dma_mapping_error: the address a failed mapping returns."""
    return addr == DMA_MAPPING_ERROR


def dma_unmap_single(dev, addr: int, size: int, direction: int) -> None:
    """dma_unmap_single: end a streaming mapping (dma_unmap_page_attrs)."""
    _mapping.dma_unmap_page_attrs(dev, addr, size, direction)


# mapping.c re-exports this API: bound last, as a module, so either side may be imported first.
from netkernel.kernel.dma import mapping as _mapping  # noqa: E402
