"""CRC32 as the kernel's helpers name it (include/linux/crc32.h over lib/crc32.c)."""
from __future__ import annotations

LINUX_SOURCE = "include/linux/crc32.h"

import zlib


def ether_crc_le(data: bytes) -> int:
    """ether_crc_le(length, data): crc32_le seeded with ~0 and not inverted at the end — the
    CRC Ethernet MACs hash multicast addresses with (zlib's CRC-32 is its inversion)."""
    return zlib.crc32(data) ^ 0xFFFFFFFF
