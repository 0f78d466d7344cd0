"""struct sk_buff and its buffer arithmetic (net/core/skbuff.c, include/linux/skbuff.h).

The data lives in one bytearray shared by clones; head/data/tail/end are offsets into it, so
push/pull/put/reserve are arithmetic. `truesize` is what the kernel would charge a socket for the
buffer: computed from the machine profile exactly as __alloc_skb/alloc_skb_with_frags size it.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/skbuff.c"

from netkernel.include.linux.skbuff import (  # noqa: F401 (skbuff.h's inlines, re-exported)
    SKBTX_ANY_TSTAMP, SKBTX_IN_PROGRESS, alloc_skb, skb_get_hash, skb_orphan, skb_reserve)
from netkernel.uapi import errno as E
from netkernel.uapi.errqueue import SCM_TSTAMP_SND, SO_EE_ORIGIN_TIMESTAMPING
from netkernel.uapi.if_packet import PACKET_OUTGOING
from netkernel.uapi.net_tstamp import (SOF_TIMESTAMPING_OPT_ID, SOF_TIMESTAMPING_OPT_TSONLY,
                                       SOF_TIMESTAMPING_OPT_TX_SWHW)

from netkernel.uapi.if_ether import (ETH_H_PROTO, ETH_P_802_2, ETH_P_802_3, ETH_P_802_3_MIN,
                                     VLAN_HLEN, vlan_hdr_unpack)

PAGE_SIZE = 4096
CHECKSUM_NONE = 0
CHECKSUM_UNNECESSARY = 1
CHECKSUM_COMPLETE = 2
CHECKSUM_PARTIAL = 3


class MachineProfile:
    """Per-architecture sizes users can observe through truesize/rcvbuf accounting."""
    __slots__ = ("name", "cache_line", "sizeof_sk_buff", "sizeof_shinfo", "kmalloc_max_cache",
                 "_truesize")

    def __init__(self, name: str, cache_line: int, sizeof_sk_buff: int, sizeof_shinfo: int):
        self.name = name
        self.cache_line = cache_line
        self.sizeof_sk_buff = sizeof_sk_buff
        self.sizeof_shinfo = sizeof_shinfo
        self.kmalloc_max_cache = 2 * PAGE_SIZE
        self._truesize: dict[int, int] = {}   # head size → truesize (a pure function: memoised)

    def data_align(self, n: int) -> int:
        """SKB_DATA_ALIGN: round up to the cache line."""
        a = self.cache_line - 1
        return (n + a) & ~a

    def ksize(self, n: int) -> int:
        """Size of the kmalloc object that serves a request of n bytes (SLUB buckets)."""
        if n > self.kmalloc_max_cache:
            size = PAGE_SIZE
            while size < n:
                size <<= 1
            return size
        if n <= 8:
            return 8
        if 64 < n <= 96:
            return 96
        if 128 < n <= 192:
            return 192
        size = 16
        while size < n:
            size <<= 1
        return size

    def head_truesize(self, size: int) -> int:
        """truesize of alloc_skb(size): the kmalloc'd head (data + shared info) plus the sk_buff."""
        t = self._truesize.get(size)
        if t is None:
            shinfo = self.data_align(self.sizeof_shinfo)
            t = self._truesize[size] = (self.ksize(self.data_align(size) + shinfo)
                                        + self.data_align(self.sizeof_sk_buff))
        return t


# x86_64, 5.15 defconfig: sizeof(struct sk_buff) = 232, sizeof(struct skb_shared_info) = 320.
X86_64 = MachineProfile("x86_64", 64, 232, 320)
# armv7 (the AST2500 machine): 32-bit pointers and 32-byte cache lines. The struct sizes are
# estimates for a 32-bit 5.15 build, not measured on a target (no armv7 oracle here).
ARMV7 = MachineProfile("armv7", 32, 168, 164)
PROFILES = {"x86_64": X86_64, "armv7": ARMV7}


class SkBuff:
    """struct sk_buff (include/linux/skbuff.h). Clones share `buf`; offsets are private."""
    __slots__ = ("buf", "head", "data", "tail", "end", "mac_header", "network_header",
                 "protocol", "pkt_type", "dev", "sk", "truesize", "priority", "mark", "tstamp",
                 "vlan_tci", "vlan_proto", "destructor", "ip_summed", "csum_start", "csum_offset",
                 "skb_iif", "cb", "tx_flags", "tskey")

    def __init__(self, buf: bytearray, truesize: int):
        self.buf = buf
        self.head = 0
        self.data = 0
        self.tail = 0
        self.end = len(buf)
        self.mac_header = -1
        self.network_header = -1
        self.protocol = 0
        self.pkt_type = 0
        self.dev = None
        self.sk = None
        self.truesize = truesize
        self.priority = 0
        self.mark = 0
        self.tstamp = 0
        self.vlan_tci = -1          # -1: no tag present
        self.vlan_proto = 0
        self.destructor = None
        self.ip_summed = 0          # CHECKSUM_NONE; CHECKSUM_PARTIAL = 3
        self.csum_start = 0         # with CHECKSUM_PARTIAL: buffer offset where summing starts
        self.csum_offset = 0
        self.skb_iif = 0
        self.cb = None              # skb->cb: the owning layer's private record
        self.tx_flags = 0           # skb_shinfo(skb)->tx_flags: SKBTX_* timestamp requests
        self.tskey = 0              # skb_shinfo(skb)->tskey: SOF_TIMESTAMPING_OPT_ID's key

    @property
    def len(self) -> int:
        return self.tail - self.data

    def bytes(self) -> bytes:
        return bytes(self.buf[self.data:self.tail])

    def view(self) -> memoryview:
        return memoryview(self.buf)[self.data:self.tail]

    def __repr__(self) -> str:
        return f"<sk_buff len={self.len} protocol=0x{self.protocol:04x} pkt_type={self.pkt_type}>"


def __alloc_skb(profile: MachineProfile, size: int, data_len: int = 0) -> SkBuff:
    """__alloc_skb: a kmalloc'd head of `size` bytes, charged as the head and the sk_buff.
    `data_len` more bytes are room for alloc_skb_with_frags's page fragments (which it charges):
    the model keeps every byte in one linear buffer."""
    return SkBuff(bytearray(size + data_len), profile.head_truesize(size))


def __netdev_alloc_skb(dev, length: int) -> SkBuff:
    """__netdev_alloc_skb: a receive buffer for `dev` with `length` bytes of room after
    NET_SKB_PAD (max(32, L1_CACHE_BYTES)) of headroom. (Linux carves buffers between 1 KiB and a
    page out of a page fragment, __build_skb; the model allocates and charges every buffer as
    alloc_skb does.)"""
    profile = dev.nd_net.core.profile
    pad = max(32, profile.cache_line)
    skb = __alloc_skb(profile, pad + length)
    skb_reserve(skb, pad)
    skb.dev = dev
    return skb


def alloc_skb_with_frags(profile: MachineProfile, header_len: int, data_len: int) -> SkBuff:
    """alloc_skb_with_frags: a head of `header_len` bytes (alloc_skb) and `data_len` bytes in
    order-0 page fragments, each charged a whole page to truesize. The model keeps all the bytes
    in the one linear buffer; only truesize reflects the fragments."""
    skb = alloc_skb(profile, header_len, data_len)
    if data_len:
        skb.truesize += ((data_len + PAGE_SIZE - 1) // PAGE_SIZE) * PAGE_SIZE
    return skb


def skb_put(skb: SkBuff, n: int) -> int:
    """Extend the data area at the tail; returns the offset of the new bytes."""
    off = skb.tail
    skb.tail += n
    return off


def skb_push(skb: SkBuff, n: int) -> int:
    skb.data -= n
    return skb.data


def skb_pull(skb: SkBuff, n: int) -> int:
    skb.data += n
    return skb.data


def skb_trim(skb: SkBuff, n: int) -> None:
    if skb.tail - skb.data > n:
        skb.tail = skb.data + n


def __copy_skb_header(new: SkBuff, old: SkBuff) -> None:
    """__copy_skb_header: the header fields a copy keeps — device, header offsets, protocol,
    packet type, priority, mark, timestamp, VLAN tag, checksum state, incoming ifindex, cb."""
    new.tstamp = old.tstamp
    new.dev = old.dev
    new.mac_header = old.mac_header
    new.network_header = old.network_header
    new.cb = old.cb
    new.pkt_type = old.pkt_type
    new.ip_summed = old.ip_summed
    new.csum_start = old.csum_start
    new.csum_offset = old.csum_offset
    new.priority = old.priority
    new.skb_iif = old.skb_iif
    new.vlan_tci = old.vlan_tci
    new.vlan_proto = old.vlan_proto
    new.protocol = old.protocol
    new.mark = old.mark


def skb_clone(skb: SkBuff) -> SkBuff:
    """skb_clone (__skb_clone): a new sk_buff with a copy of the header, sharing the data buffer
    and its shared info (tx_flags, tskey), with the same truesize and no owner."""
    n = SkBuff.__new__(SkBuff)
    __copy_skb_header(n, skb)
    n.buf = skb.buf
    n.head = skb.head
    n.data = skb.data
    n.tail = skb.tail
    n.end = skb.end
    n.sk = None
    n.destructor = None
    n.truesize = skb.truesize
    n.tx_flags = skb.tx_flags       # (skb_shinfo lives in the shared buffer)
    n.tskey = skb.tskey
    return n


def skb_release_head_state(skb: SkBuff) -> None:
    """skb_release_head_state: run the owner's destructor (sock_rfree / sock_wfree give the
    charged truesize back). The model may free one sk_buff twice: the charge goes back once."""
    d = skb.destructor
    if d is not None:
        skb.destructor = None
        d(skb)
    skb.sk = None


def kfree_skb(skb: SkBuff) -> None:
    """kfree_skb: free a frame that was dropped (the drop monitor's point)."""
    skb_release_head_state(skb)


def consume_skb(skb: SkBuff) -> None:
    """consume_skb (dev_kfree_skb): free a frame that was used — sent, or read."""
    skb_release_head_state(skb)


def skb_vlan_untag(skb: SkBuff) -> bool:
    """skb_vlan_untag: move an 802.1Q/802.1AD tag from the data into vlan_tci (a frame already
    carrying one is left alone); fewer than VLAN_HLEN + 2 bytes past the link header (the tag
    and the type after it, pskb_may_pull) and the frame is freed (False), counted nowhere."""
    if skb.vlan_tci >= 0:
        return True
    buf = skb.buf
    d = skb.data
    if skb.tail - d < VLAN_HLEN + 2:
        kfree_skb(skb)
        return False
    skb.vlan_proto = skb.protocol
    skb.vlan_tci, inner = vlan_hdr_unpack(buf, d)
    # remove the tag: move the two MAC addresses up by VLAN_HLEN
    mac = skb.mac_header
    buf[mac + VLAN_HLEN:mac + ETH_H_PROTO + VLAN_HLEN] = bytes(buf[mac:mac + ETH_H_PROTO])
    skb.mac_header = mac + VLAN_HLEN
    skb.data = d + VLAN_HLEN
    if inner >= ETH_P_802_3_MIN:
        skb.protocol = inner
    elif skb.tail - skb.data >= 2 and buf[skb.data] == 0xFF and buf[skb.data + 1] == 0xFF:
        skb.protocol = ETH_P_802_3      # vlan_set_encap_proto: a length, then raw 802.3
    else:
        skb.protocol = ETH_P_802_2      # a length, then an 802.2 LLC header
    return True


# ---------------------------------------------------------------- the error queue

class SockExterrSkb:
    """struct sock_exterr_skb, SKB_EXT_ERR(skb): an error-queue record's sock_extended_err (the
    fields of include/uapi/linux/errqueue.h) and whether its data are TCP statistics."""
    __slots__ = ("ee_errno", "ee_origin", "ee_type", "ee_code", "ee_info", "ee_data", "opt_stats")

    def __init__(self, ee_errno: int, ee_origin: int, ee_info: int, ee_data: int,
                 opt_stats: bool = False):
        self.ee_errno = ee_errno
        self.ee_origin = ee_origin
        self.ee_type = 0
        self.ee_code = 0
        self.ee_info = ee_info
        self.ee_data = ee_data
        self.opt_stats = opt_stats


def sock_rmem_free(skb: SkBuff) -> None:
    """sock_rmem_free: an error-queue record gives its truesize back to sk_rmem_alloc."""
    skb.sk.sk_rmem_alloc -= skb.truesize


def sock_queue_err_skb(sk, skb: SkBuff) -> int:
    """sock_queue_err_skb: charge the record to the receive memory (refused with -ENOMEM when
    sk_rmem_alloc + its truesize would reach sk_rcvbuf), mark it PACKET_OUTGOING, queue it and
    report the error (EPOLLERR). sk_err is left alone."""
    if sk.sk_rmem_alloc + skb.truesize >= sk.sk_rcvbuf:
        return -E.ENOMEM
    skb_orphan(skb)
    skb.sk = sk
    skb.destructor = sock_rmem_free
    sk.sk_rmem_alloc += skb.truesize
    skb.pkt_type = PACKET_OUTGOING          # skb_set_err_queue
    sk.sk_error_queue.append(skb)
    if not sk.sk_dead:
        _sock.sk_error_report(sk)
    return 0


def sock_dequeue_err_skb(sk):
    """sock_dequeue_err_skb: take the oldest record (None when empty); if more remain, report
    again. (Only ICMP records touch sk_err; packet sockets have none.)"""
    q = sk.sk_error_queue
    if not q:
        return None
    skb = q.popleft()
    if q:
        _sock.sk_error_report(sk)
    return skb


def __skb_complete_tx_timestamp(skb: SkBuff, sk, tstype: int, opt_stats: bool) -> None:
    """__skb_complete_tx_timestamp: fill the record (ENOMSG, SO_EE_ORIGIN_TIMESTAMPING, the kind,
    with OPT_ID the frame's key) and queue it; a refused record is freed."""
    ee_data = skb.tskey if sk.sk_tsflags & SOF_TIMESTAMPING_OPT_ID else 0
    skb.cb = SockExterrSkb(E.ENOMSG, SO_EE_ORIGIN_TIMESTAMPING, tstype, ee_data, opt_stats)
    if sock_queue_err_skb(sk, skb):
        kfree_skb(skb)


def skb_may_tx_timestamp(sk, tsonly: bool) -> bool:
    """skb_may_tx_timestamp: a stamp carrying the frame's bytes needs net.core.tstamp_allow_data
    or a socket opened with CAP_NET_RAW. Every packet socket's opener had it (packet_create), and
    the model keeps no file credentials: an open socket qualifies."""
    if tsonly or sk.sk_net.core.sysctl["net.core.tstamp_allow_data"]:
        return True
    sock = sk.sk_socket
    return sock is not None and sock.file is not None


def __skb_tstamp_tx(orig_skb: SkBuff, ack_skb, hwtstamps, sk, tstype: int) -> None:
    """__skb_tstamp_tx: queue a software transmit stamp on the sender's error queue — a clone of
    the frame, or with OPT_TSONLY an empty record carrying only the key — stamped now."""
    if sk is None:
        return
    tsflags = sk.sk_tsflags
    if hwtstamps is None and not tsflags & SOF_TIMESTAMPING_OPT_TX_SWHW and \
            orig_skb.tx_flags & SKBTX_IN_PROGRESS:
        return
    tsonly = bool(tsflags & SOF_TIMESTAMPING_OPT_TSONLY)
    if not skb_may_tx_timestamp(sk, tsonly):
        return
    core = sk.sk_net.core
    if tsonly:
        # (OPT_STATS would attach TCP statistics instead: TCP only)
        skb = __alloc_skb(core.profile, 0)
        skb.tx_flags |= orig_skb.tx_flags & SKBTX_ANY_TSTAMP
        skb.tskey = orig_skb.tskey
    else:
        skb = skb_clone(orig_skb)
    skb.tstamp = core.clock()               # __net_timestamp (no hardware stamps in the model)
    __skb_complete_tx_timestamp(skb, sk, tstype, False)


def skb_tstamp_tx(orig_skb: SkBuff, hwtstamps) -> None:
    """skb_tstamp_tx: the driver-time (SCM_TSTAMP_SND) stamp for the frame's socket."""
    __skb_tstamp_tx(orig_skb, None, hwtstamps, orig_skb.sk, SCM_TSTAMP_SND)


# sock_queue_err_skb reports through net/core/sock.c, which builds on this module: bound last,
# as a module, so either side may be imported first.
from netkernel.net.core import sock as _sock  # noqa: E402
# skb_copy_datagram_msg (skbuff.h) copies through net/core/datagram.c, which builds on this
# module: bound the same way.
from netkernel.net.core import datagram as _datagram  # noqa: E402
