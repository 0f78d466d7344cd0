"""DMA mapping (kernel/dma/mapping.c, with kernel/dma/swiotlb.c's bouncing).

Guest memory is the SoC's DRAM. Coherent allocations (descriptor rings) live there and the CPU
reads and writes them in place. sk_buff data lives outside guest memory in this model, so
streaming mappings bounce through DRAM as swiotlb does: mapping copies a TO_DEVICE
buffer in, unmapping copies a FROM_DEVICE buffer back out (only the bytes unmapped).
"""
from __future__ import annotations

LINUX_SOURCE = "kernel/dma/mapping.c"

from netkernel.include.linux.dma_mapping import (  # noqa: F401 (dma-mapping.h's API, re-exported)
    DMA_FROM_DEVICE, DMA_MAPPING_ERROR, DMA_TO_DEVICE, dma_alloc_coherent, dma_free_coherent,
    dma_map_single, dma_mapping_error, dma_unmap_single)
_ALIGN = 64


class DmaRegion:
    """The part of guest memory the kernel hands out for DMA: a bump allocator with per-size
    free lists, and the table of live streaming mappings (dma address → cpu buffer)."""
    __slots__ = ("mem", "phys", "start", "next", "end", "free", "maps")

    def __init__(self, mem: bytearray, phys: int, start: int, end: int):
        self.mem = mem              # the DRAM bytearray; index = dma address - phys
        self.phys = phys
        self.start = start
        self.next = start
        self.end = end
        self.free: dict[int, list] = {}
        self.maps: dict[int, tuple] = {}

    def _alloc(self, size: int) -> int:
        size = (size + _ALIGN - 1) & ~(_ALIGN - 1)
        lst = self.free.get(size)
        if lst:
            return lst.pop()
        if self.next + size > self.end:
            return DMA_MAPPING_ERROR
        addr = self.phys + self.next
        self.next += size
        return addr

    def _release(self, addr: int, size: int) -> None:
        size = (size + _ALIGN - 1) & ~(_ALIGN - 1)
        self.free.setdefault(size, []).append(addr)


def dma_alloc_attrs(dev, size: int) -> int:
    """dma_alloc_attrs: zeroed memory both CPU and device see; returns its DMA address."""
    r = dev.dma
    addr = r._alloc(size)
    if addr:
        off = addr - r.phys
        r.mem[off:off + size] = bytes(size)
    return addr


def dma_free_attrs(dev, size: int, addr: int) -> None:
    """dma_free_attrs: give a coherent allocation back."""
    if addr:
        dev.dma._release(addr, size)


def dma_map_page_attrs(dev, buf: bytearray, offset: int, size: int, direction: int) -> int:
    """dma_map_page_attrs: a DMA address for buf[offset:offset+size] (bounced through DRAM)."""
    r = dev.dma
    addr = r._alloc(size)
    if not addr:
        return DMA_MAPPING_ERROR
    if direction == DMA_TO_DEVICE:
        off = addr - r.phys
        r.mem[off:off + size] = buf[offset:offset + size]
    r.maps[addr] = (buf, offset, size)
    return addr


def dma_unmap_page_attrs(dev, addr: int, size: int, direction: int) -> None:
    """dma_unmap_page_attrs: end the mapping; a FROM_DEVICE buffer gets the first `size` bytes."""
    r = dev.dma
    m = r.maps.pop(addr, None)
    if m is None:
        return
    buf, offset, mapped = m
    if direction == DMA_FROM_DEVICE:
        off = addr - r.phys
        n = min(size, mapped)
        buf[offset:offset + n] = r.mem[off:off + n]
    r._release(addr, mapped)


def _coherent_read32(dev, addr: int) -> int:
    """A CPU load from coherent memory (le32_to_cpu of a descriptor word)."""
    off = addr - dev.dma.phys
    return int.from_bytes(dev.dma.mem[off:off + 4], "little")


def _coherent_write32(dev, addr: int, value: int) -> None:
    """A CPU store to coherent memory (cpu_to_le32 into a descriptor word)."""
    off = addr - dev.dma.phys
    dev.dma.mem[off:off + 4] = (value & 0xFFFFFFFF).to_bytes(4, "little")
