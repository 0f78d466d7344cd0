"""Memory-mapped rings of packet sockets: PACKET_RX_RING / PACKET_TX_RING, TPACKET_V1/V2/V3.

Every function here lives in net/packet/af_packet.c in Linux 5.15 and keeps its name there; they
sit in their own module only to keep the ring code together (af_packet.py calls in).

Memory: a ring's blocks are pages of a memfd (`Pgv`) that the model writes through its own
mapping; `packet_mmap` hands the caller a mapping of the very same file, so frames written here
appear in the user's `mmap.mmap` (and in a real process that maps the file) with no copy. The
user's view is laid out as Linux lays it out: RX ring blocks, then TX ring blocks. Offsets below
are byte offsets into a ring's file; a "frame" is the offset of its header.
"""
from __future__ import annotations

LINUX_SOURCE = "net/packet/af_packet.c"
KERNEL_NAMES = ("_prb_refresh_rx_retire_blk_timer",)
# not kernel functions (see netkernel.trace): macros, and model pieces of packet_poll,
# packet_release and __packet_rcv_has_room
MODEL_HELPERS = ("BLK_PLUS_PRIV", "TOTAL_PKT_LEN_INCL_ALIGN", "tpacket_rcv_has_room",
                 "packet_poll_rings", "packet_rings_release")

import mmap
import os
import struct
import weakref

from netkernel.kernel.time.timekeeping import ktime_get_real_ts64
from netkernel.kernel.time.timer import (TimerList, del_timer_sync, jiffies, mod_timer,
                                         msecs_to_jiffies, timer_setup)
from netkernel.net.core import dev as netdev
from netkernel.net.core.skbuff import (CHECKSUM_COMPLETE, CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY,
                                      PAGE_SIZE, kfree_skb, skb_clone, skb_pull, skb_push,
                                      skb_put, skb_reserve)
from netkernel.include.linux.skbuff import skb_get_hash
from netkernel.net.core.sock import (SockcmCookie, sk_data_ready, sk_sleep, sock_alloc_send_pskb,
                                     sock_cmsg_send, sock_tx_timestamp, sock_wait, sock_wfree,
                                     skb_set_owner_r)
from netkernel.include.linux.netdevice import (dev_hard_header, dev_validate_header,
                                               ll_reserved_space)
from netkernel.include.linux.virtio_net import virtio_net_hdr_from_skb, virtio_net_hdr_to_skb
from netkernel.kernel.capability import capable
from netkernel.net.packet import af_packet as ap
from netkernel.uapi import errno as E
from netkernel.uapi.if_ import IFF_UP
from netkernel.uapi.if_ether import VLAN_HLEN
from netkernel.uapi.if_packet import (
    BD_BLK_LEN, BD_BLOCK_STATUS, BD_NUM_PKTS, BD_OFFSET_TO_FIRST_PKT, BD_OFFSET_TO_PRIV,
    BD_SEQ_NUM, BD_TS_FIRST_NSEC, BD_TS_FIRST_SEC, BD_TS_LAST_NSEC, BD_TS_LAST_SEC, BD_VERSION,
    PACKET_OUTGOING, PACKET_LOOPBACK, SOCKADDR_LL_SIZE, TP1_LEN, TP1_MAC, TP1_NET, TP1_SEC,
    TP1_USEC, TP2_LEN, TP2_MAC, TP2_NET, TP2_NSEC, TP2_SEC, TP3_HV1_PADDING, TP3_LEN, TP3_MAC,
    TP3_NET, TP3_NEXT_OFFSET, TP3_NSEC, TP3_PADDING, TP3_RXHASH, TP3_SEC, TP3_SNAPLEN,
    TP3_STATUS, TP3_VLAN_TCI, TP3_VLAN_TPID, TPACKET_ALIGN, TPACKET_ALIGNMENT,
    TPACKET_BLOCK_DESC_SIZE, TPACKET_HDR, TPACKET2_HDR, TPACKET_HDRLEN, TPACKET2_HDRLEN, TPACKET3_HDRLEN,
    TPACKET_HDR_SIZE, TPACKET2_HDR_SIZE, TPACKET3_HDR_SIZE, TPACKET_V1, TPACKET_V2,
    TPACKET_V3, TP_FT_REQ_FILL_RXHASH, TP_STATUS_AVAILABLE, TP_STATUS_BLK_TMO, TP_STATUS_COPY,
    TP_STATUS_CSUM_VALID, TP_STATUS_CSUMNOTREADY, TP_STATUS_KERNEL, TP_STATUS_LOSING,
    TP_STATUS_SEND_REQUEST, TP_STATUS_SENDING, TP_STATUS_TS_SOFTWARE, TP_STATUS_USER,
    TP_STATUS_VLAN_TPID_VALID, TP_STATUS_VLAN_VALID, TP_STATUS_WRONG_FORMAT,
    VIRTIO_NET_HDR_SIZE)
from netkernel.uapi.net_tstamp import SOF_TIMESTAMPING_SOFTWARE
from netkernel.uapi.socket import MSG_DONTWAIT, SOCK_DGRAM, SOCK_RAW

V3_ALIGNMENT = 8
BLK_HDR_LEN = (TPACKET_BLOCK_DESC_SIZE + V3_ALIGNMENT - 1) & ~(V3_ALIGNMENT - 1)
DEFAULT_PRB_RETIRE_TOV = 8          # ms
SPEED_1000 = 1000
UINT_MAX = 0xFFFFFFFF
USHRT_MAX = 0xFFFF
KMALLOC_MAX_SIZE = 1 << 22          # x86_64: 2^(MAX_ORDER - 1) pages
ROOM_NONE, ROOM_LOW, ROOM_NORMAL = 0, 1, 2
ROOM_POW_OFF = 2
# DIVERGENCE(#9): ring memory is a memfd, so what Linux can allocate depends on the host's free
# memory; the model refuses rings larger than this (ENOMEM), Linux's vzalloc fallback may not.
RING_MEMORY_LIMIT = 1 << 32

_U32 = struct.Struct("=I")
_U64 = struct.Struct("=Q")
_U16 = struct.Struct("=H")
_SLL_HEAD = struct.Struct("=HHiHBB")   # family, protocol (already big-endian bytes as u16), ...


def BLK_PLUS_PRIV(sz_of_priv: int) -> int:
    return BLK_HDR_LEN + ((sz_of_priv + V3_ALIGNMENT - 1) & ~(V3_ALIGNMENT - 1))


def TOTAL_PKT_LEN_INCL_ALIGN(length: int) -> int:
    return (length + V3_ALIGNMENT - 1) & ~(V3_ALIGNMENT - 1)


# ---------------------------------------------------------------- ring memory

class Pgv:
    """The pages of one ring (or of both, once mapped together): a memfd and the kernel's
    mapping of it. `users` counts the rings whose blocks live in it."""
    __slots__ = ("fd", "mm", "size", "users")

    def __init__(self, size: int):
        self.fd = os.memfd_create("netkernel-packet-ring", os.MFD_CLOEXEC)
        try:
            os.ftruncate(self.fd, size)
            self.mm = mmap.mmap(self.fd, size)
        except BaseException:
            os.close(self.fd)
            raise
        self.size = size
        self.users = 1

    def put(self) -> None:
        self.users -= 1
        if self.users == 0:
            self.mm.close()
            os.close(self.fd)
            self.fd = -1


class TpacketKbdqCore:
    """struct tpacket_kbdq_core: the V3 block queue. Offsets are relative to the ring's start."""
    __slots__ = ("kactive_blk_num", "last_kactive_blk_num", "blk_sizeof_priv", "kblk_size",
                 "knum_blocks", "knxt_seq_num", "prev", "pkblk_start", "pkblk_end", "nxt_offset",
                 "max_frame_len", "reset_pending_on_curr_blk", "delete_blk_timer",
                 "retire_blk_tov", "tov_in_jiffies", "version", "hdrlen", "feature_req_word",
                 "retire_blk_timer", "skb")

    def __init__(self):
        for f in self.__slots__:
            setattr(self, f, 0)
        self.retire_blk_timer = None
        self.skb = None


class PacketRingBuffer:
    """struct packet_ring_buffer. `pg_vec` is the ring's Pgv (None: no ring); `base` the ring's
    first byte in it; block i starts at base + i * block_size."""
    __slots__ = ("pg_vec", "mm", "base", "block_size", "frames_per_block", "frame_size",
                 "frame_max", "head", "pg_vec_len", "pg_vec_pages", "pg_vec_order",
                 "pending_refcnt", "prb_bdqc", "skb_completion")

    def __init__(self):
        self.pg_vec = None
        self.mm = None
        self.base = 0
        self.block_size = 0
        self.frames_per_block = 0
        self.frame_size = 0
        self.frame_max = 0
        self.head = 0
        self.pg_vec_len = 0
        self.pg_vec_pages = 0
        self.pg_vec_order = 0
        self.pending_refcnt = 0       # TX frames handed to the device and not yet freed
        self.prb_bdqc = None          # TpacketKbdqCore of a V3 RX ring
        self.skb_completion = 0       # po->skb_completion: "pending reached 0" events

    def size(self) -> int:
        return self.pg_vec_len * self.pg_vec_pages * PAGE_SIZE


# ---------------------------------------------------------------- frame status and timestamps

# DIVERGENCE(#9): the TPACKET_V1 header (tp_status an unsigned long) is laid out as on x86_64 on
# every machine profile; on a 32-bit armv7 kernel it is 24 bytes with a 4-byte tp_status.
def __packet_set_status(po, rb: PacketRingBuffer, frame: int, status: int) -> None:
    """__packet_set_status: the status word of a frame (V1: an unsigned long)."""
    v = po.tp_version
    if v == TPACKET_V1:
        _U64.pack_into(rb.mm, frame, status)
    elif v == TPACKET_V2:
        _U32.pack_into(rb.mm, frame, status)
    else:
        _U32.pack_into(rb.mm, frame + TP3_STATUS, status)


def __packet_get_status(po, rb: PacketRingBuffer, frame: int) -> int:
    v = po.tp_version
    if v == TPACKET_V1:
        return _U64.unpack_from(rb.mm, frame)[0]
    if v == TPACKET_V2:
        return _U32.unpack_from(rb.mm, frame)[0]
    return _U32.unpack_from(rb.mm, frame + TP3_STATUS)[0]


def tpacket_get_timestamp(skb, flags: int, core):
    """tpacket_get_timestamp: (TP_STATUS_TS_* source, ns since the epoch) — the frame's software
    stamp when asked for one and present, else (0, None). No hardware stamps in the model."""
    if flags & SOF_TIMESTAMPING_SOFTWARE and skb.tstamp:
        return TP_STATUS_TS_SOFTWARE, skb.tstamp + core.realtime_offset
    return 0, None


def __packet_set_timestamp(po, rb: PacketRingBuffer, frame: int, skb) -> int:
    """__packet_set_timestamp: write the TX completion stamp if PACKET_TIMESTAMP asks for one."""
    ts_status, ns = tpacket_get_timestamp(skb, po.tp_tstamp, po.sk_net.core)
    if not ts_status:
        return 0
    sec, nsec = divmod(ns, 1_000_000_000)
    mm = rb.mm
    v = po.tp_version
    if v == TPACKET_V1:
        _U32.pack_into(mm, frame + TP1_SEC, sec & UINT_MAX)
        _U32.pack_into(mm, frame + TP1_USEC, nsec // 1000)
    elif v == TPACKET_V2:
        _U32.pack_into(mm, frame + TP2_SEC, sec & UINT_MAX)
        _U32.pack_into(mm, frame + TP2_NSEC, nsec)
    else:
        _U32.pack_into(mm, frame + TP3_SEC, sec & UINT_MAX)
        _U32.pack_into(mm, frame + TP3_NSEC, nsec)
    return ts_status


# ---------------------------------------------------------------- V1/V2 frames

def packet_lookup_frame(po, rb: PacketRingBuffer, position: int, status: int):
    """packet_lookup_frame: the frame at `position` if its status is `status`, else None."""
    fpb = rb.frames_per_block
    frame = rb.base + (position // fpb) * rb.block_size + (position % fpb) * rb.frame_size
    if status != __packet_get_status(po, rb, frame):
        return None
    return frame


def packet_current_frame(po, rb: PacketRingBuffer, status: int):
    return packet_lookup_frame(po, rb, rb.head, status)


def packet_previous_frame(po, rb: PacketRingBuffer, status: int):
    previous = rb.head - 1 if rb.head else rb.frame_max
    return packet_lookup_frame(po, rb, previous, status)


def packet_increment_head(rb: PacketRingBuffer) -> None:
    rb.head = rb.head + 1 if rb.head != rb.frame_max else 0


def packet_read_pending(rb: PacketRingBuffer) -> int:
    return rb.pending_refcnt


# ---------------------------------------------------------------- V3 blocks

def _block(pkc: TpacketKbdqCore, rb: PacketRingBuffer, num: int) -> int:
    return rb.base + num * pkc.kblk_size


def prb_calc_retire_blk_tmo(po, blk_size_in_bytes: int) -> int:
    """prb_calc_retire_blk_tmo: 8 ms unless the bound device reports a link speed of 1 Gb/s or
    more; then the time (ms) to fill a block at that speed, plus one."""
    dev = po.sk_net.dev_by_index.get(po.ifindex)
    if dev is None:
        return DEFAULT_PRB_RETIRE_TOV
    speed = _ethtool_link_speed(dev)
    if speed is None or speed < SPEED_1000:
        return DEFAULT_PRB_RETIRE_TOV
    div = speed // 1000
    mbits = (blk_size_in_bytes * 8) // (1024 * 1024)
    if div:
        mbits //= div
        return mbits + 1
    return mbits


def _ethtool_link_speed(dev):
    """The speed __ethtool_get_link_ksettings reports (Mb/s), or None when the driver has no
    get_link_ksettings (lo, dummy): veth says 10000, tun/tap 10, a PHY-driven MAC its PHY's."""
    kind = dev.link_ops.kind if dev.link_ops is not None else None
    if kind == "veth":
        return 10000
    if kind in ("tap", "qemu"):
        return 10
    phy = getattr(dev.priv, "phydev", None)
    if phy is not None:
        return getattr(phy, "speed", None)
    return None


def init_prb_bdqc(po, rb: PacketRingBuffer, req3) -> None:
    """init_prb_bdqc: set up the block queue of a new V3 RX ring and open its first block."""
    block_size, block_nr, _, _, tov, sizeof_priv, feature_req_word = req3
    p1 = rb.prb_bdqc = TpacketKbdqCore()
    p1.knxt_seq_num = 1
    p1.pkblk_start = 0
    p1.kblk_size = block_size
    p1.knum_blocks = block_nr
    p1.hdrlen = po.tp_hdrlen
    p1.version = po.tp_version
    p1.last_kactive_blk_num = 0
    po.stat_freeze_q_cnt = 0
    p1.retire_blk_tov = tov if tov else prb_calc_retire_blk_tmo(po, block_size)
    p1.tov_in_jiffies = msecs_to_jiffies(po.sk_net.core, p1.retire_blk_tov)
    p1.blk_sizeof_priv = sizeof_priv
    p1.max_frame_len = p1.kblk_size - BLK_PLUS_PRIV(p1.blk_sizeof_priv)
    p1.feature_req_word = feature_req_word
    prb_setup_retire_blk_timer(po)
    prb_open_block(po, p1, 0)


def prb_setup_retire_blk_timer(po) -> None:
    pkc = po.rx_ring.prb_bdqc
    ref = weakref.ref(po)

    def expired(timer, ref=ref):
        sk = ref()
        if sk is not None:
            prb_retire_rx_blk_timer_expired(sk)
    pkc.retire_blk_timer = TimerList(expired)
    timer_setup(pkc.retire_blk_timer, expired)


def _prb_refresh_rx_retire_blk_timer(po, pkc: TpacketKbdqCore) -> None:
    """Re-arm the retire timer for one timeout from now, remembering the active block."""
    core = po.sk_net.core
    mod_timer(core, pkc.retire_blk_timer, jiffies(core) + pkc.tov_in_jiffies)
    pkc.last_kactive_blk_num = pkc.kactive_blk_num


def prb_retire_rx_blk_timer_expired(po) -> None:
    """prb_retire_rx_blk_timer_expired: if the block that was active at the last refresh is still
    active, close it (BLK_TMO) when it holds packets and open the next; a frozen queue whose
    block came back is reopened; otherwise just refresh."""
    rb = po.rx_ring
    pkc = rb.prb_bdqc
    if pkc.delete_blk_timer or rb.pg_vec is None:
        return
    frozen = prb_queue_frozen(pkc)
    pbd = _block(pkc, rb, pkc.kactive_blk_num)
    if pkc.last_kactive_blk_num == pkc.kactive_blk_num:
        if not frozen:
            if not _U32.unpack_from(rb.mm, pbd + BD_NUM_PKTS)[0]:
                _prb_refresh_rx_retire_blk_timer(po, pkc)
                return
            prb_retire_current_block(po, pkc, TP_STATUS_BLK_TMO)
            if prb_dispatch_next_block(po, pkc) is None:
                _prb_refresh_rx_retire_blk_timer(po, pkc)
            return
        if prb_curr_blk_in_use(rb, pbd):
            _prb_refresh_rx_retire_blk_timer(po, pkc)
            return
        prb_open_block(po, pkc, pbd)
        return
    _prb_refresh_rx_retire_blk_timer(po, pkc)


def prb_shutdown_retire_blk_timer(po, pkc: TpacketKbdqCore) -> None:
    pkc.delete_blk_timer = 1
    if pkc.retire_blk_timer is not None:
        del_timer_sync(po.sk_net.core, pkc.retire_blk_timer)


def prb_close_block(po, pkc: TpacketKbdqCore, pbd1: int, stat: int) -> None:
    """prb_close_block: hand the block to user space (USER | stat, LOSING after drops), ending
    the packet chain and stamping the last packet's time; the next block becomes active."""
    rb = po.rx_ring
    mm = rb.mm
    status = TP_STATUS_USER | stat
    if po.stat_drops:
        status |= TP_STATUS_LOSING
    last_pkt = rb.base + pkc.prev
    _U32.pack_into(mm, last_pkt + TP3_NEXT_OFFSET, 0)
    if _U32.unpack_from(mm, pbd1 + BD_NUM_PKTS)[0]:
        sec = _U32.unpack_from(mm, last_pkt + TP3_SEC)[0]
        nsec = _U32.unpack_from(mm, last_pkt + TP3_NSEC)[0]
    else:
        sec, nsec = ktime_get_real_ts64(po.sk_net.core)
    _U32.pack_into(mm, pbd1 + BD_TS_LAST_SEC, sec & UINT_MAX)
    _U32.pack_into(mm, pbd1 + BD_TS_LAST_NSEC, nsec)
    _U32.pack_into(mm, pbd1 + BD_BLOCK_STATUS, status)      # prb_flush_block
    sk_data_ready(po)
    nxt = pkc.kactive_blk_num + 1
    pkc.kactive_blk_num = nxt if nxt < pkc.knum_blocks else 0


def prb_thaw_queue(pkc: TpacketKbdqCore) -> None:
    pkc.reset_pending_on_curr_blk = 0


def prb_open_block(po, pkc1: TpacketKbdqCore, pbd1: int) -> None:
    """prb_open_block: a fresh sequence number, no packets, the first packet right after the
    header and private area, the open time; thaws the queue and re-arms the timer."""
    rb = po.rx_ring
    mm = rb.mm
    first = BLK_PLUS_PRIV(pkc1.blk_sizeof_priv)
    _U64.pack_into(mm, pbd1 + BD_SEQ_NUM, pkc1.knxt_seq_num)
    pkc1.knxt_seq_num += 1
    _U32.pack_into(mm, pbd1 + BD_NUM_PKTS, 0)
    _U32.pack_into(mm, pbd1 + BD_BLK_LEN, first)
    sec, nsec = ktime_get_real_ts64(po.sk_net.core)
    _U32.pack_into(mm, pbd1 + BD_TS_FIRST_SEC, sec & UINT_MAX)
    _U32.pack_into(mm, pbd1 + BD_TS_FIRST_NSEC, nsec)
    pkc1.pkblk_start = pbd1 - rb.base
    pkc1.nxt_offset = pkc1.pkblk_start + first
    _U32.pack_into(mm, pbd1 + BD_OFFSET_TO_FIRST_PKT, first)
    _U32.pack_into(mm, pbd1 + BD_OFFSET_TO_PRIV, BLK_HDR_LEN)
    _U32.pack_into(mm, pbd1 + BD_VERSION, pkc1.version)
    pkc1.prev = pkc1.nxt_offset
    pkc1.pkblk_end = pkc1.pkblk_start + pkc1.kblk_size
    prb_thaw_queue(pkc1)
    _prb_refresh_rx_retire_blk_timer(po, pkc1)


def prb_freeze_queue(po, pkc: TpacketKbdqCore) -> None:
    """prb_freeze_queue: user space still holds the next block; count the freeze."""
    pkc.reset_pending_on_curr_blk = 1
    po.stat_freeze_q_cnt += 1


def prb_dispatch_next_block(po, pkc: TpacketKbdqCore):
    """prb_dispatch_next_block: open the (new) active block, or freeze if user space holds it.
    Returns the offset for the first packet, or None."""
    rb = po.rx_ring
    pbd = _block(pkc, rb, pkc.kactive_blk_num)
    if TP_STATUS_USER & _U32.unpack_from(rb.mm, pbd + BD_BLOCK_STATUS)[0]:
        prb_freeze_queue(po, pkc)
        return None
    prb_open_block(po, pkc, pbd)
    return pkc.nxt_offset


def prb_retire_current_block(po, pkc: TpacketKbdqCore, status: int) -> None:
    """prb_retire_current_block: close the active block if the kernel still owns it."""
    rb = po.rx_ring
    pbd = _block(pkc, rb, pkc.kactive_blk_num)
    if _U32.unpack_from(rb.mm, pbd + BD_BLOCK_STATUS)[0] == TP_STATUS_KERNEL:
        prb_close_block(po, pkc, pbd, status)


def prb_curr_blk_in_use(rb: PacketRingBuffer, pbd: int) -> int:
    return TP_STATUS_USER & _U32.unpack_from(rb.mm, pbd + BD_BLOCK_STATUS)[0]


def prb_queue_frozen(pkc: TpacketKbdqCore) -> int:
    return pkc.reset_pending_on_curr_blk


def prb_fill_vlan_info(pkc: TpacketKbdqCore, mm, ppd: int) -> None:
    """prb_fill_vlan_info: the tag and TPID of a tagged frame (status VLAN_VALID|TPID_VALID),
    else zeros (status AVAILABLE)."""
    skb = pkc.skb
    if skb.vlan_tci >= 0:
        _U32.pack_into(mm, ppd + TP3_VLAN_TCI, skb.vlan_tci)
        _U16.pack_into(mm, ppd + TP3_VLAN_TPID, skb.vlan_proto)
        _U32.pack_into(mm, ppd + TP3_STATUS, TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID)
    else:
        _U32.pack_into(mm, ppd + TP3_VLAN_TCI, 0)
        _U16.pack_into(mm, ppd + TP3_VLAN_TPID, 0)
        _U32.pack_into(mm, ppd + TP3_STATUS, TP_STATUS_AVAILABLE)


def prb_run_all_ft_ops(pkc: TpacketKbdqCore, mm, ppd: int) -> None:
    """prb_run_all_ft_ops: hv1 padding, VLAN info, and the rx hash if TP_FT_REQ_FILL_RXHASH."""
    _U16.pack_into(mm, ppd + TP3_HV1_PADDING, 0)
    prb_fill_vlan_info(pkc, mm, ppd)
    if pkc.feature_req_word & TP_FT_REQ_FILL_RXHASH:
        skb = pkc.skb
        _U32.pack_into(mm, ppd + TP3_RXHASH, skb_get_hash(skb, skb.dev.nd_net.core))
    else:
        _U32.pack_into(mm, ppd + TP3_RXHASH, 0)


def prb_fill_curr_block(curr: int, pkc: TpacketKbdqCore, rb: PacketRingBuffer, pbd: int,
                        length: int) -> None:
    """prb_fill_curr_block: claim `length` (8-aligned) bytes of the block for one packet."""
    mm = rb.mm
    ppd = rb.base + curr
    size = TOTAL_PKT_LEN_INCL_ALIGN(length)
    _U32.pack_into(mm, ppd + TP3_NEXT_OFFSET, size)
    pkc.prev = curr
    pkc.nxt_offset += size
    _U32.pack_into(mm, pbd + BD_BLK_LEN, _U32.unpack_from(mm, pbd + BD_BLK_LEN)[0] + size)
    _U32.pack_into(mm, pbd + BD_NUM_PKTS, _U32.unpack_from(mm, pbd + BD_NUM_PKTS)[0] + 1)
    prb_run_all_ft_ops(pkc, mm, ppd)


def __packet_lookup_frame_in_block(po, skb, length: int):
    """__packet_lookup_frame_in_block: room for `length` bytes in the active block, else close it
    and move to the next (freezing the queue when user space still holds that one)."""
    rb = po.rx_ring
    pkc = rb.prb_bdqc
    pbd = _block(pkc, rb, pkc.kactive_blk_num)
    if prb_queue_frozen(pkc):
        if prb_curr_blk_in_use(rb, pbd):
            return None
        prb_open_block(po, pkc, pbd)
    curr = pkc.nxt_offset
    pkc.skb = skb
    end = pkc.pkblk_start + pkc.kblk_size
    if curr + TOTAL_PKT_LEN_INCL_ALIGN(length) < end:
        prb_fill_curr_block(curr, pkc, rb, pbd, length)
        return rb.base + curr
    prb_retire_current_block(po, pkc, 0)
    curr = prb_dispatch_next_block(po, pkc)
    if curr is not None:
        pbd = _block(pkc, rb, pkc.kactive_blk_num)
        prb_fill_curr_block(curr, pkc, rb, pbd, length)
        return rb.base + curr
    return None


def packet_current_rx_frame(po, skb, status: int, length: int):
    if po.tp_version <= TPACKET_V2:
        rb = po.rx_ring
        return packet_lookup_frame(po, rb, rb.head, status)
    return __packet_lookup_frame_in_block(po, skb, length)


def prb_lookup_block(po, rb: PacketRingBuffer, idx: int, status: int):
    pbd = _block(rb.prb_bdqc, rb, idx)
    if status != _U32.unpack_from(rb.mm, pbd + BD_BLOCK_STATUS)[0]:
        return None
    return pbd


def prb_previous_blk_num(rb: PacketRingBuffer) -> int:
    pkc = rb.prb_bdqc
    return pkc.kactive_blk_num - 1 if pkc.kactive_blk_num else pkc.knum_blocks - 1


def __prb_previous_block(po, rb: PacketRingBuffer, status: int):
    return prb_lookup_block(po, rb, prb_previous_blk_num(rb), status)


def packet_previous_rx_frame(po, rb: PacketRingBuffer, status: int):
    if po.tp_version <= TPACKET_V2:
        return packet_previous_frame(po, rb, status)
    return __prb_previous_block(po, rb, status)


# ---------------------------------------------------------------- room (fanout, drops)

def __tpacket_has_room(po, pow_off: int) -> bool:
    rb = po.rx_ring
    length = rb.frame_max + 1
    idx = rb.head
    if pow_off:
        idx += length >> pow_off
    if idx >= length:
        idx -= length
    return packet_lookup_frame(po, rb, idx, TP_STATUS_KERNEL) is not None


def __tpacket_v3_has_room(po, pow_off: int) -> bool:
    rb = po.rx_ring
    length = rb.prb_bdqc.knum_blocks
    idx = rb.prb_bdqc.kactive_blk_num
    if pow_off:
        idx += length >> pow_off
    if idx >= length:
        idx -= length
    return prb_lookup_block(po, rb, idx, TP_STATUS_KERNEL) is not None


def tpacket_rcv_has_room(po) -> int:
    """The ring half of __packet_rcv_has_room: NORMAL when the slot a quarter of the ring ahead is
    free, LOW when only the current one is, else NONE."""
    if po.tp_version == TPACKET_V3:
        if __tpacket_v3_has_room(po, ROOM_POW_OFF):
            return ROOM_NORMAL
        if __tpacket_v3_has_room(po, 0):
            return ROOM_LOW
        return ROOM_NONE
    if __tpacket_has_room(po, ROOM_POW_OFF):
        return ROOM_NORMAL
    if __tpacket_has_room(po, 0):
        return ROOM_LOW
    return ROOM_NONE


# ---------------------------------------------------------------- receive

def tpacket_rcv(skb, dev, pt, orig_dev) -> int:
    """tpacket_rcv: the receive hook of a socket with an RX ring. Same skips and filter as
    packet_rcv; then the frame's bytes go into the current frame (V1/V2) or block (V3) at tp_mac,
    behind a tpacket header and a sockaddr_ll. A full ring drops and counts (tp_drops); a frame
    bigger than the slot is cut (and, with PACKET_COPY_THRESH, also queued whole)."""
    if skb.pkt_type == PACKET_LOOPBACK:
        return 0
    po = pt.af_packet_priv
    if dev.nd_net is not po.sk_net:
        return 0
    skb.dev = dev
    ops = dev.header_ops
    if ops is not None and ops.create is not None:
        if po.sk_type != SOCK_DGRAM:
            skb_push(skb, skb.data - skb.mac_header)
        elif skb.pkt_type == PACKET_OUTGOING:
            skb_pull(skb, skb.network_header - skb.data)
    snaplen = skb.tail - skb.data
    res = ap.run_filter(skb, po, snaplen)
    if not res:
        return 0
    if tpacket_rcv_has_room(po) == ROOM_NONE:
        po.stat_drops += 1
        return 0
    status = TP_STATUS_USER
    if skb.ip_summed == CHECKSUM_PARTIAL:
        status |= TP_STATUS_CSUMNOTREADY
    elif skb.pkt_type != PACKET_OUTGOING and skb.ip_summed in (CHECKSUM_COMPLETE,
                                                               CHECKSUM_UNNECESSARY):
        status |= TP_STATUS_CSUM_VALID
    if snaplen > res:
        snaplen = res
    version = po.tp_version
    rb = po.rx_ring
    do_vnet = False
    if po.sk_type == SOCK_DGRAM:
        macoff = netoff = TPACKET_ALIGN(po.tp_hdrlen) + 16 + po.tp_reserve
    else:
        maclen = skb.network_header - skb.data
        netoff = TPACKET_ALIGN(po.tp_hdrlen + (maclen if maclen > 16 else 16)) + po.tp_reserve
        if po.has_vnet_hdr:
            netoff += VIRTIO_NET_HDR_SIZE
            do_vnet = True
        macoff = netoff - maclen
    if netoff > USHRT_MAX:
        po.stat_drops += 1
        return 0
    copy_skb = None
    if version <= TPACKET_V2:
        if macoff + snaplen > rb.frame_size:
            if po.copy_thresh and po.sk_rmem_alloc < po.sk_rcvbuf:
                copy_skb = skb_clone(skb)
                skb_set_owner_r(copy_skb, po)
            snaplen = rb.frame_size - macoff
            if snaplen < 0:
                snaplen = 0
                do_vnet = False
    else:
        max_frame_len = rb.prb_bdqc.max_frame_len
        if macoff + snaplen > max_frame_len:
            snaplen = max_frame_len - macoff
            if snaplen < 0:
                snaplen = 0
                macoff = max_frame_len
                do_vnet = False
    h = packet_current_rx_frame(po, skb, TP_STATUS_KERNEL, macoff + snaplen)
    if h is None:
        po.stat_drops += 1
        sk_data_ready(po)
        if copy_skb is not None:
            kfree_skb(copy_skb)
        return 0
    mm = rb.mm
    if do_vnet:
        vnet = virtio_net_hdr_from_skb(skb)
        mm[h + macoff - VIRTIO_NET_HDR_SIZE:h + macoff] = vnet
    if version <= TPACKET_V2:
        packet_increment_head(rb)
        if po.stat_drops:
            status |= TP_STATUS_LOSING
    po.stat_packets += 1
    if copy_skb is not None:
        status |= TP_STATUS_COPY
        # tpacket_rcv records no address for the copy: its control block is the zeroed one
        copy_skb.cb = ap.PacketCB(0, 0, 0, 0, b"", 0)
        po.sk_receive_queue.append(copy_skb)
    d = skb.data
    mm[h + macoff:h + macoff + snaplen] = skb.buf[d:d + snaplen]
    core = po.sk_net.core
    ts_status, ns = tpacket_get_timestamp(skb, po.tp_tstamp | SOF_TIMESTAMPING_SOFTWARE, core)
    if ts_status:
        sec, nsec = divmod(ns, 1_000_000_000)
    else:
        sec, nsec = ktime_get_real_ts64(core)
    status |= ts_status
    sec &= UINT_MAX
    skb_len = skb.tail - d
    if version == TPACKET_V1:
        TPACKET_HDR.pack_into(mm, h, 0, skb_len, snaplen, macoff, netoff, sec, nsec // 1000)
        hdrlen = TPACKET_HDR_SIZE
    elif version == TPACKET_V2:
        if skb.vlan_tci >= 0:
            tci, tpid = skb.vlan_tci, skb.vlan_proto
            status |= TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID
        else:
            tci = tpid = 0
        TPACKET2_HDR.pack_into(mm, h, 0, skb_len, snaplen, macoff, netoff, sec, nsec, tci, tpid)
        hdrlen = TPACKET2_HDR_SIZE
    else:
        # tp_next_offset, the hv1 fields and the VLAN status bits are already in place
        _U32.pack_into(mm, h + TP3_STATUS, _U32.unpack_from(mm, h + TP3_STATUS)[0] | status)
        _U32.pack_into(mm, h + TP3_LEN, skb_len)
        _U32.pack_into(mm, h + TP3_SNAPLEN, snaplen)
        _U16.pack_into(mm, h + TP3_MAC, macoff)
        _U16.pack_into(mm, h + TP3_NET, netoff)
        _U32.pack_into(mm, h + TP3_SEC, sec)
        _U32.pack_into(mm, h + TP3_NSEC, nsec)
        mm[h + TP3_PADDING:h + TP3_PADDING + 8] = bytes(8)
        hdrlen = TPACKET3_HDR_SIZE
    sll = h + TPACKET_ALIGN(hdrlen)
    halen = 0
    if ops is not None and ops.parse is not None:
        haddr = ops.parse(skb)
        halen = len(haddr)
        mm[sll + 12:sll + 12 + halen] = haddr
    mm[sll:sll + 12] = _SLL_HEAD.pack(17, int.from_bytes(skb.protocol.to_bytes(2, "big"), "little"),
                                      orig_dev.ifindex if po.origdev else dev.ifindex, dev.type,
                                      skb.pkt_type, halen)
    if version <= TPACKET_V2:
        __packet_set_status(po, rb, h, status)
        sk_data_ready(po)
    elif copy_skb is not None:
        sk_data_ready(po)
    return 0


# ---------------------------------------------------------------- transmit

def tpacket_destruct_skb(skb, ph: int) -> None:
    """tpacket_destruct_skb: the device is done with a ring frame: it becomes AVAILABLE again
    (with a completion timestamp if PACKET_TIMESTAMP asks), and the sender may be waiting."""
    po = skb.sk
    rb = po.tx_ring
    if rb.pg_vec is not None:
        rb.pending_refcnt -= 1
        ts = __packet_set_timestamp(po, rb, ph, skb)
        __packet_set_status(po, rb, ph, TP_STATUS_AVAILABLE | ts)
        if not rb.pending_refcnt:
            rb.skb_completion += 1
            sk_data_ready(po)
    sock_wfree(skb)


def tpacket_parse_header(po, frame: int, size_max: int):
    """tpacket_parse_header: the frame's tp_len (EMSGSIZE above size_max; a V3 frame must not
    chain) and where its data starts: right after the header, or at tp_mac/tp_net with
    PACKET_TX_HAS_OFF (EINVAL outside the frame). Returns (tp_len, data) or (-errno, 0)."""
    rb = po.tx_ring
    mm = rb.mm
    v = po.tp_version
    if v == TPACKET_V3:
        if _U32.unpack_from(mm, frame + TP3_NEXT_OFFSET)[0] != 0:
            return -E.EINVAL, 0
        tp_len = _U32.unpack_from(mm, frame + TP3_LEN)[0]
        mac_off, net_off = TP3_MAC, TP3_NET
    elif v == TPACKET_V2:
        tp_len = _U32.unpack_from(mm, frame + TP2_LEN)[0]
        mac_off, net_off = TP2_MAC, TP2_NET
    else:
        tp_len = _U32.unpack_from(mm, frame + TP1_LEN)[0]
        mac_off, net_off = TP1_MAC, TP1_NET
    if tp_len >= 0x80000000:
        tp_len -= 1 << 32          # an int in C
    if tp_len > size_max:
        return -E.EMSGSIZE, 0
    if po.tp_tx_has_off:
        off_min = po.tp_hdrlen - SOCKADDR_LL_SIZE
        off_max = rb.frame_size - tp_len
        off = _U16.unpack_from(mm, frame + (net_off if po.sk_type == SOCK_DGRAM else mac_off))[0]
        if off < off_min or off_max < off:
            return -E.EINVAL, 0
    else:
        off = po.tp_hdrlen - SOCKADDR_LL_SIZE
    return tp_len, frame + off


def tpacket_fill_skb(po, skb, frame: int, dev, data: int, tp_len: int, proto: int, addr,
                     hlen: int, copylen: int, sockc) -> int:
    """tpacket_fill_skb: build the frame from ring memory: the link header (SOCK_DGRAM) or the
    user's validated header (SOCK_RAW), then the rest as page data charged to the socket."""
    mm = po.tx_ring.mm
    sock = po.sk_socket
    skb.protocol = proto
    skb.dev = dev
    skb.priority = po.sk_priority
    skb.mark = po.sk_mark
    skb.tstamp = sockc.transmit_time
    if sockc.tsflags:
        skb.tx_flags = sock_tx_timestamp(po, sockc.tsflags)
    skb_reserve(skb, hlen)
    skb.network_header = skb.data
    to_write = tp_len
    if sock.type == SOCK_DGRAM:
        err = dev_hard_header(skb, dev, proto, addr, None, tp_len)
        if err < 0:
            return -E.EINVAL
    elif copylen:
        hdrlen = min(copylen, tp_len)
        skb_push(skb, dev.hard_header_len)
        skb_put(skb, copylen - dev.hard_header_len)
        skb.buf[skb.data:skb.data + hdrlen] = mm[data:data + hdrlen]
        if not dev_validate_header(dev, skb, hdrlen):
            return -E.EINVAL
        data += hdrlen
        to_write -= hdrlen
    if to_write > 0:
        t = skb.tail
        buf = skb.buf
        need = t + to_write - len(buf)
        if need > 0:
            buf.extend(bytes(need))
            skb.end = len(buf)
        buf[t:t + to_write] = mm[data:data + to_write]
        skb.tail = t + to_write
        skb.truesize += to_write
        po.sk_wmem_alloc += to_write
    ap.packet_parse_headers(skb, sock)
    return tp_len


def _wait_for_completion(po, rb: PacketRingBuffer, timeo: int) -> int:
    """wait_for_completion_interruptible_timeout(&po->skb_completion): jiffies left, 0 when the
    send timeout passed first."""
    hz = po.sk_net.core.sysctl["kernel.hz"]
    left = sock_wait(po, timeo, lambda: rb.skb_completion > 0 or po.sk_dead, hz)
    if rb.skb_completion > 0:
        rb.skb_completion -= 1
        return max(left, 1)
    return 0


def tpacket_snd(po, msg) -> int:
    """tpacket_snd: send every frame marked SEND_REQUEST, from the ring's head on (SENDING while
    the device holds it, AVAILABLE when freed). A bad frame stops the call with WRONG_FORMAT and
    the error — or, with PACKET_LOSS, is skipped (AVAILABLE). A blocking call waits until the
    frames it sent are done. Returns the bytes sent."""
    rb = po.tx_ring
    if rb.pg_vec is None:
        return -E.EBUSY
    need_wait = not (msg.flags & MSG_DONTWAIT)
    net = po.sk_net
    addr = None
    if msg.name is None:
        dev = po.cached_dev
        proto = po.num
    else:
        namelen = msg.namelen
        if namelen < SOCKADDR_LL_SIZE:
            return -E.EINVAL
        _, proto, ifindex, _, _, halen, _ = ap.sockaddr_ll_unpack(msg.name)
        if namelen < halen + 12:
            return -E.EINVAL
        dev = net.dev_by_index.get(ifindex) if ifindex else None
        if po.sk_socket.type == SOCK_DGRAM:
            if dev is not None and namelen < dev.addr_len + 12:
                return -E.EINVAL
            addr = bytes(msg.name[12:12 + max(dev.addr_len if dev else 8, 8)])
    if dev is None or dev.reg_state != netdev.NETREG_REGISTERED:
        return -E.ENXIO
    if not dev.flags & IFF_UP:
        return -E.ENETDOWN
    sockc = SockcmCookie(po)
    if msg.ancdata:
        err = sock_cmsg_send(po, msg.ancdata, sockc, capable)
        if err:
            return err
    reserve = dev.hard_header_len if po.sk_socket.type == SOCK_RAW else 0
    size_max = rb.frame_size - (po.tp_hdrlen - SOCKADDR_LL_SIZE)
    if size_max > dev.mtu + reserve + VLAN_HLEN and not po.has_vnet_hdr:
        size_max = dev.mtu + reserve + VLAN_HLEN
    rb.skb_completion = 0
    hz = net.core.sysctl["kernel.hz"]
    skb = None
    len_sum = 0
    while True:
        ph = packet_current_frame(po, rb, TP_STATUS_SEND_REQUEST)
        if ph is None:
            if need_wait and skb is not None:
                timeo = _wait_for_completion(po, rb, po.sk_sndtimeo)
                if timeo <= 0:
                    return -E.ETIMEDOUT
            elif need_wait and packet_read_pending(rb):
                # DIVERGENCE(#9): 5.15 spins here until the device frees the frames of an
                # earlier call; the model sleeps on the socket instead of spinning under the
                # machine lock (the frames can only be freed by someone taking it)
                sk_sleep(po, 0.001)
            if need_wait and packet_read_pending(rb):
                continue
            break
        skb = None
        tp_len, data = tpacket_parse_header(po, ph, size_max)
        err = 0
        if tp_len >= 0:
            hlen = ll_reserved_space(dev)
            tlen = dev.needed_tailroom
            vnet = None
            copylen = 0
            if po.has_vnet_hdr:
                tp_len -= VIRTIO_NET_HDR_SIZE
                vnet = ap.packet_snd_vnet_parse(bytes(rb.mm[data:data + VIRTIO_NET_HDR_SIZE])
                                                 if tp_len >= 0 else b"",
                                                 tp_len + VIRTIO_NET_HDR_SIZE)
                data += VIRTIO_NET_HDR_SIZE
                if tp_len < 0 or isinstance(vnet, int):
                    tp_len = -E.EINVAL
                else:
                    copylen = vnet[2]
            if tp_len >= 0:
                copylen = max(copylen, dev.hard_header_len)
                skb = sock_alloc_send_pskb(po, hlen + tlen + SOCKADDR_LL_SIZE
                                           + (copylen - dev.hard_header_len), 0, not need_wait, hz)
                if isinstance(skb, int):
                    err = skb
                    skb = None
                    # out_status: the frame keeps SEND_REQUEST
                    return len_sum if len_sum > 0 else err
                tp_len = tpacket_fill_skb(po, skb, ph, dev, data, tp_len, proto, addr, hlen,
                                          copylen, sockc)
                if tp_len >= 0 and tp_len > dev.mtu + reserve and not po.has_vnet_hdr and \
                        not ap.packet_extra_vlan_len_allowed(dev, skb):
                    tp_len = -E.EMSGSIZE
                if tp_len >= 0 and vnet is not None:
                    if virtio_net_hdr_to_skb(skb, vnet, copylen):
                        tp_len = -E.EINVAL
        if tp_len < 0:
            # tpacket_error
            if po.tp_loss:
                # the freed skb stays "the last one sent": a blocking call then waits for a
                # completion, as 5.15 does
                __packet_set_status(po, rb, ph, TP_STATUS_AVAILABLE)
                packet_increment_head(rb)
                if skb is not None:
                    kfree_skb(skb)
                continue
            __packet_set_status(po, rb, ph, TP_STATUS_WRONG_FORMAT)
            if skb is not None:
                kfree_skb(skb)
            return tp_len
        skb.destructor = lambda s, ph=ph: tpacket_destruct_skb(s, ph)
        __packet_set_status(po, rb, ph, TP_STATUS_SENDING)
        rb.pending_refcnt += 1
        err = netdev.dev_direct_xmit(skb) if po.qdisc_bypass else netdev.dev_queue_xmit(skb)
        if err > 0:
            err = 0 if err == netdev.NET_XMIT_CN else -E.ENOBUFS
            if err and __packet_get_status(po, rb, ph) == TP_STATUS_AVAILABLE:
                __packet_set_status(po, rb, ph, TP_STATUS_SEND_REQUEST)
                return err
        packet_increment_head(rb)
        len_sum += tp_len
    return len_sum


# ---------------------------------------------------------------- setup, teardown, mmap

def alloc_pg_vec(block_nr: int, block_size: int):
    """alloc_pg_vec: the ring's blocks, zero-filled (all frames KERNEL / AVAILABLE). None when the
    block array or the memory cannot be had (ENOMEM)."""
    if block_nr * 8 > KMALLOC_MAX_SIZE:         # kcalloc of the pgv array
        return None
    size = block_nr * block_size
    if size > RING_MEMORY_LIMIT:
        return None
    try:
        return Pgv(size)
    except OSError:
        return None


def packet_set_ring(po, req: tuple, closing: bool, tx_ring: bool) -> int:
    """packet_set_ring: create (tp_block_nr != 0) or destroy a ring after 5.15's checks; the
    socket is unhooked meanwhile, and the queue the ring replaces is purged. `req` is the
    tpacket_req3 fields (the last three zero for a tpacket_req)."""
    rb = po.tx_ring if tx_ring else po.rx_ring
    block_size, block_nr, frame_size, frame_nr = req[:4]
    if not closing:
        if po.mapped:
            return -E.EBUSY
        if packet_read_pending(rb):
            return -E.EBUSY
    pg_vec = None
    fpb = 0
    if block_nr:
        if rb.pg_vec is not None:
            return -E.EBUSY
        po.tp_hdrlen = (TPACKET_HDRLEN, TPACKET2_HDRLEN, TPACKET3_HDRLEN)[po.tp_version]
        if block_size == 0 or block_size >= 0x80000000:
            return -E.EINVAL
        if block_size % PAGE_SIZE:
            return -E.EINVAL
        min_frame_size = po.tp_hdrlen + po.tp_reserve
        if po.tp_version >= TPACKET_V3 and block_size < BLK_PLUS_PRIV(req[5]) + min_frame_size:
            return -E.EINVAL
        if frame_size < min_frame_size:
            return -E.EINVAL
        if frame_size & (TPACKET_ALIGNMENT - 1):
            return -E.EINVAL
        fpb = block_size // frame_size
        if fpb == 0:
            return -E.EINVAL
        if fpb > UINT_MAX // block_nr:
            return -E.EINVAL
        if fpb * block_nr != frame_nr:
            return -E.EINVAL
        pg_vec = alloc_pg_vec(block_nr, block_size)
        if pg_vec is None:
            return -E.ENOMEM
        if po.tp_version == TPACKET_V3 and tx_ring and (req[4] or req[5] or req[6]):
            pg_vec.put()
            return -E.EINVAL
    elif frame_nr:
        return -E.EINVAL
    # detach the socket from the network while the ring changes
    was_running = po.running
    num = po.num
    if was_running:
        po.num = 0
        ap.__unregister_prot_hook(po)
    err = -E.EBUSY
    if closing or not po.mapped:
        err = 0
        old = rb.pg_vec
        if old is not None and po.tp_version > TPACKET_V2 and not tx_ring:
            prb_shutdown_retire_blk_timer(po, rb.prb_bdqc)
        rb.pg_vec = pg_vec
        rb.mm = pg_vec.mm if pg_vec is not None else None
        rb.base = 0
        rb.frame_max = frame_nr - 1
        rb.head = 0
        rb.frame_size = frame_size
        rb.frames_per_block = fpb
        rb.block_size = block_size
        rb.pg_vec_len = block_nr
        rb.pg_vec_pages = block_size // PAGE_SIZE
        if pg_vec is not None and po.tp_version == TPACKET_V3 and not tx_ring:
            init_prb_bdqc(po, rb, req)
        po.prot_hook.func = tpacket_rcv if po.rx_ring.pg_vec is not None else ap.packet_rcv
        if not tx_ring:                      # skb_queue_purge (the write queue is always empty)
            q = po.sk_receive_queue
            while q:
                kfree_skb(q.popleft())
        pg_vec = old
    if was_running:
        po.num = num
        ap.register_prot_hook(po)
    if pg_vec is not None:
        pg_vec.put()
    return err


def packet_rings_release(po) -> None:
    """packet_release's ring part: both rings destroyed as if by a zero request, mapped or not."""
    if po.rx_ring.pg_vec is not None:
        packet_set_ring(po, (0, 0, 0, 0, 0, 0, 0), True, False)
    if po.tx_ring.pg_vec is not None:
        packet_set_ring(po, (0, 0, 0, 0, 0, 0, 0), True, True)


def _ring_file(po):
    """The file the caller maps: the single ring's, or one holding the RX ring then the TX ring
    (made on the first mapping of two rings; nobody maps the old files meanwhile: changing a ring
    is refused while mapped, and a new mapping of two separate files is what brings us here)."""
    rx, tx = po.rx_ring, po.tx_ring
    rings = [rb for rb in (rx, tx) if rb.pg_vec is not None]
    if len(rings) == 1:
        return rings[0].pg_vec
    if rx.pg_vec is tx.pg_vec:
        return rx.pg_vec
    rx_size, tx_size = rx.size(), tx.size()
    both = Pgv(rx_size + tx_size)
    both.mm[0:rx_size] = rx.mm[rx.base:rx.base + rx_size]
    both.mm[rx_size:rx_size + tx_size] = tx.mm[tx.base:tx.base + tx_size]
    for rb, base in ((rx, 0), (tx, rx_size)):
        rb.pg_vec.put()
        rb.pg_vec = both
        rb.mm = both.mm
        rb.base = base
    both.users = 2
    return both


def packet_mmap(sock, length: int, pgoff: int):
    """packet_mmap: offset 0 only, some ring present, and a length (page-rounded by the caller)
    covering exactly the RX ring plus the TX ring (EINVAL otherwise). Returns (the Pgv to map,
    the area's vm_ops close callback) or a negative errno; the new mapping is counted."""
    po = sock.sk
    if pgoff:
        return -E.EINVAL
    expected_size = 0
    for rb in (po.rx_ring, po.tx_ring):
        if rb.pg_vec is not None:
            expected_size += rb.pg_vec_len * rb.pg_vec_pages * PAGE_SIZE
    if expected_size == 0:
        return -E.EINVAL
    if length != expected_size:
        return -E.EINVAL
    pgv = _ring_file(po)
    po.mapped += 1

    def vm_close(sock=sock, po=po):
        if sock.sk is po:
            packet_mm_close(po)
    return pgv, vm_close


def packet_mm_open(po) -> None:
    po.mapped += 1


def packet_mm_close(po) -> None:
    po.mapped -= 1


def packet_poll_rings(po, mask: int) -> int:
    """packet_poll's ring part: readable when the frame/block before the head is the user's;
    writable when the TX head frame is AVAILABLE."""
    rx = po.rx_ring
    if rx.pg_vec is not None:
        if packet_previous_rx_frame(po, rx, TP_STATUS_KERNEL) is None:
            mask |= 0x1 | 0x40                     # EPOLLIN | EPOLLRDNORM
    tx = po.tx_ring
    if tx.pg_vec is not None:
        if packet_current_frame(po, tx, TP_STATUS_AVAILABLE) is not None:
            mask |= 0x4 | 0x100                    # EPOLLOUT | EPOLLWRNORM
    return mask
