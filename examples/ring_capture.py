#!/usr/bin/env python3
"""Capture through a TPACKET_V3 ring, the way libpcap's reader loop does, on real packet sockets.

The capture socket on the second interface gets a V3 RX ring (PACKET_VERSION, PACKET_RX_RING with
a tpacket_req3) and maps it; a sender on the first interface sends frames of growing size. The
reader then loops as libpcap's pcap_read_linux_mmap_v3 does: poll() for POLLIN, walk every block
the kernel handed over (block_status & TP_STATUS_USER) packet by packet along tp_next_offset,
print each packet, and hand the block back (block_status = TP_STATUS_KERNEL). Full blocks are
handed over at once, the last one when its retire timer fires.

Runs unchanged as root on a real kernel, or under
`netkernel run --topology examples/veth.topology -- python examples/ring_capture.py veth0 veth1`,
and prints the same.
"""
import mmap
import select
import socket
import struct
import sys
import time

SOL_PACKET, PACKET_RX_RING, PACKET_VERSION, PACKET_STATISTICS = 263, 5, 10, 6
TPACKET_V3, TP_STATUS_KERNEL, TP_STATUS_USER = 2, 0, 1
ETH_P_EX, ETH_P_PROBE = 0x88B5, 0x88B6
BLOCK_SIZE, BLOCK_NR, FRAME_SIZE, RETIRE_TOV_MS = 8192, 4, 2048, 100
COUNT = 12

# struct tpacket_block_desc (with tpacket_hdr_v1) and struct tpacket3_hdr, linux/if_packet.h
BLOCK_DESC = struct.Struct("=IIIIIIQ")      # version, offset_to_priv, block_status, num_pkts,
#                                             offset_to_first_pkt, blk_len, seq_num
TPACKET3_HDR = struct.Struct("=IIIIIIHH")   # next_offset, sec, nsec, snaplen, len, status, mac, net
SOCKADDR_LL = struct.Struct("=HHiHBB8s")


def wait_for_link(send_if: str, recv_if: str) -> None:
    """A veth end just brought up may drop the first frames while its queue is attached: send
    probes until one comes through."""
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_PROBE))
    rx.bind((recv_if, 0))
    rx.settimeout(0.01)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_PROBE))
    tx.bind((send_if, 0))
    try:
        for _ in range(300):
            probe = b"\xff" * 6 + b"\x02" + bytes(5) + struct.pack("!H", ETH_P_PROBE) + bytes(46)
            tx.send(probe)
            try:
                rx.recv(100)
                return
            except (socket.timeout, BlockingIOError):
                continue
        raise SystemExit("no frames pass between the interfaces")
    finally:
        tx.close()
        rx.close()


def open_ring(ifname: str):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_EX))
    s.bind((ifname, 0))
    s.setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V3)
    req3 = struct.pack("=7I", BLOCK_SIZE, BLOCK_NR, FRAME_SIZE, BLOCK_SIZE // FRAME_SIZE * BLOCK_NR,
                       RETIRE_TOV_MS, 0, 0)
    s.setsockopt(SOL_PACKET, PACKET_RX_RING, req3)
    ring = mmap.mmap(s.fileno(), BLOCK_SIZE * BLOCK_NR, mmap.MAP_SHARED,
                     mmap.PROT_READ | mmap.PROT_WRITE)
    return s, ring


def walk_block(ring, block: int, seen: list) -> None:
    """Every packet of a block the kernel handed over, then the block back to the kernel."""
    base = block * BLOCK_SIZE
    _, _, status, num_pkts, first, _, _ = BLOCK_DESC.unpack_from(ring, base)
    off = base + first
    for _ in range(num_pkts):
        nxt, _, _, snaplen, length, _, mac, net = TPACKET3_HDR.unpack_from(ring, off)
        _, proto, ifindex, _, pkttype, _, _ = SOCKADDR_LL.unpack_from(ring, off + 48)
        data = bytes(ring[off + mac:off + mac + snaplen])
        seen.append(f"{len(seen)}: {socket.if_indextoname(ifindex)} pkttype={pkttype} "
                    f"proto=0x{socket.ntohs(proto):04x} len={length} snaplen={snaplen} "
                    f"mac={mac} net={net} {data[:18].hex()}")
        off += nxt
    struct.pack_into("=I", ring, base + 8, TP_STATUS_KERNEL)


def main(send_if: str, capture_if: str) -> int:
    wait_for_link(send_if, capture_if)
    s, ring = open_ring(capture_if)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_EX))
    tx.bind((send_if, 0))
    dst, src = tx.getsockname()[4], b"\x02\x00\x00\x00\x00\x99"
    for i in range(COUNT):
        frame = b"\xff" * 6 + src + struct.pack("!H", ETH_P_EX) + bytes([i]) * (46 + 97 * i)
        tx.send(frame)
    poller = select.poll()
    poller.register(s, select.POLLIN | select.POLLERR)
    seen: list = []
    block = 0
    deadline = time.monotonic() + 5
    while len(seen) < COUNT and time.monotonic() < deadline:
        status = BLOCK_DESC.unpack_from(ring, block * BLOCK_SIZE)[2]
        if not status & TP_STATUS_USER:
            poller.poll(1000)
            continue
        walk_block(ring, block, seen)
        block = (block + 1) % BLOCK_NR
    for line in seen:
        print(line)
    packets, drops, freezes = struct.unpack("=3I", s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 12))
    print(f"{len(seen)} packets captured, kernel: packets={packets} drops={drops} "
          f"freezes={freezes} (sender's address {dst.hex(':')})")
    ring.close()
    s.close()
    tx.close()
    return 0 if len(seen) == COUNT else 1


if __name__ == "__main__":
    sys.exit(main(*(sys.argv[1:3] if len(sys.argv) >= 3 else ("veth0", "veth1"))))
