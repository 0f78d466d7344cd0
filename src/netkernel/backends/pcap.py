"""A pcapng writer: the few block types a capture needs, written plainly with `struct`.

Blocks (IETF draft-ietf-opsawg-pcapng): a Section Header Block, one Interface Description Block per
device (if_name, LINKTYPE_ETHERNET, if_tsresol = 9 so timestamps are nanoseconds), then one
Enhanced Packet Block per frame with epb_flags carrying the direction (inbound/outbound) and, for
inbound frames, the reception type. All multi-byte fields are little-endian, blocks are padded to
32 bits, and a block's total length is repeated at its end.

Hand-written because it is the fastest option (about 5 M blocks/s for the header work alone,
against 0.3 M/s for dpkt.pcapng and 64 k/s for python-pcapng, ecosystem.md §3.5); the capture hook
runs on the machine's hot path.
"""
from __future__ import annotations

import struct

# Block types
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_IDB = 0x00000001
PCAPNG_EPB = 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D

LINKTYPE_ETHERNET = 1

# Option codes
OPT_ENDOFOPT = 0
OPT_COMMENT = 1
SHB_USERAPPL = 4
IF_NAME = 2
IF_DESCRIPTION = 3
IF_TSRESOL = 9
EPB_FLAGS = 2

# epb_flags: bits 0-1 direction, bits 2-4 reception type
EPB_DIR_INBOUND = 0x1
EPB_DIR_OUTBOUND = 0x2
EPB_RECV_UNICAST = 0x1 << 2
EPB_RECV_MULTICAST = 0x2 << 2
EPB_RECV_BROADCAST = 0x3 << 2
EPB_RECV_PROMISCUOUS = 0x4 << 2

_BLOCK_HEAD = struct.Struct("<II")
_U32 = struct.Struct("<I")
_OPT = struct.Struct("<HH")
_SHB_BODY = struct.Struct("<IHHq")
_IDB_BODY = struct.Struct("<HHI")
# EPB: type, total length, interface id, ts high, ts low, captured length, original length
_EPB_HEAD = struct.Struct("<IIIIIII")
# epb_flags option, end of options, trailing total length
_EPB_TAIL = struct.Struct("<HHIHHI")
_PAD = (b"", b"\0\0\0", b"\0\0", b"\0")


def _option(code: int, value: bytes) -> bytes:
    return _OPT.pack(code, len(value)) + value + _PAD[len(value) & 3]


def _block(btype: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return _BLOCK_HEAD.pack(btype, total) + body + _U32.pack(total)


def section_header_block(userappl: str = "netkernel") -> bytes:
    """SHB: byte-order magic, version 1.0, section length unknown (-1), shb_userappl."""
    opts = _option(SHB_USERAPPL, userappl.encode()) + _OPT.pack(OPT_ENDOFOPT, 0)
    return _block(PCAPNG_SHB, _SHB_BODY.pack(BYTE_ORDER_MAGIC, 1, 0, -1) + opts)


def interface_description_block(name: str, linktype: int = LINKTYPE_ETHERNET, snaplen: int = 0,
                                description: str | None = None) -> bytes:
    """IDB: link type, snap length (0: no limit), if_name, optional if_description, if_tsresol 9."""
    opts = _option(IF_NAME, name.encode())
    if description:
        opts += _option(IF_DESCRIPTION, description.encode())
    opts += _option(IF_TSRESOL, b"\x09") + _OPT.pack(OPT_ENDOFOPT, 0)
    return _block(PCAPNG_IDB, _IDB_BODY.pack(linktype, 0, snaplen) + opts)


def enhanced_packet_block(interface_id: int, ts_ns: int, data, flags: int) -> bytes:
    """EPB with epb_flags: the whole frame, timestamp in the interface's resolution (ns)."""
    n = len(data)
    total = 28 + n + (-n & 3) + 16
    return b"".join((_EPB_HEAD.pack(PCAPNG_EPB, total, interface_id, (ts_ns >> 32) & 0xFFFFFFFF,
                                    ts_ns & 0xFFFFFFFF, n, n),
                     data, _PAD[n & 3],
                     _EPB_TAIL.pack(EPB_FLAGS, 4, flags, OPT_ENDOFOPT, 0, total)))


class PcapngWriter:
    """Writes one pcapng section to a binary file: `add_interface` per device, then `write`."""
    __slots__ = ("f", "interfaces", "packets", "_write")

    def __init__(self, f, userappl: str = "netkernel"):
        self.f = f
        self.interfaces = 0
        self.packets = 0
        self._write = f.write
        f.write(section_header_block(userappl))

    def add_interface(self, name: str, linktype: int = LINKTYPE_ETHERNET, snaplen: int = 0,
                      description: str | None = None) -> int:
        """Write an IDB; returns the interface id that packets refer to."""
        self._write(interface_description_block(name, linktype, snaplen, description))
        self.interfaces += 1
        return self.interfaces - 1

    def write(self, interface_id: int, ts_ns: int, data, flags: int = 0) -> None:
        """Append one EPB; `packets` counts it only once the file has taken it (errors raise)."""
        n = len(data)
        total = 28 + n + (-n & 3) + 16
        # one write per block: a file that fails takes a block whole or not at all
        self._write(b"".join((_EPB_HEAD.pack(PCAPNG_EPB, total, interface_id,
                                             (ts_ns >> 32) & 0xFFFFFFFF, ts_ns & 0xFFFFFFFF, n, n),
                              data, _PAD[n & 3],
                              _EPB_TAIL.pack(EPB_FLAGS, 4, flags, OPT_ENDOFOPT, 0, total))))
        self.packets += 1

    def flush(self) -> None:
        self.f.flush()

    def close(self) -> None:
        self.f.close()


def read_blocks(data: bytes):
    """Split a little-endian pcapng byte string into (block type, body) pairs (for tests/tools)."""
    off = 0
    while off + 12 <= len(data):
        btype, total = _BLOCK_HEAD.unpack_from(data, off)
        if total < 12 or off + total > len(data):
            raise ValueError(f"truncated block at offset {off}")
        yield btype, data[off + 8:off + total - 4]
        off += total
