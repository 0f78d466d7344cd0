"""Packet sockets (net/packet/af_packet.c): AF_PACKET SOCK_RAW / SOCK_DGRAM / SOCK_PACKET.

Functions on the traced path keep the kernel's names and return what C returns (a count or a
negative errno). Rules are cited per function; see ../shared/spec/afpacket-semantics.md.
"""
from __future__ import annotations

LINUX_SOURCE = "net/packet/af_packet.c"
# not kernel functions (see netkernel.trace)
MODEL_HELPERS = ("packet_nofcs_extra_len", "spkt_device_name")

from collections import deque

from netkernel.kernel.capability import capable, ns_capable
from netkernel.net.core import dev as netdev
from netkernel.include.linux.netdevice import (dev_hard_header, dev_validate_header,
                                               ll_reserved_space)
from netkernel.include.linux.skbuff import pskb_trim
from netkernel.include.linux.virtio_net import virtio_net_hdr_from_skb, virtio_net_hdr_to_skb
from netkernel.net.core.dev_addr_lists import dev_mc_add, dev_mc_del, dev_uc_add, dev_uc_del
from netkernel.net.core.datagram import (datagram_poll, skb_copy_datagram_from_iter,
                                         skb_free_datagram,
                                         skb_recv_datagram)
from netkernel.net.core.dev import (PacketType, __dev_remove_pack, dev_add_pack, dev_direct_xmit,
                                    dev_queue_xmit)
from netkernel.net.core.filter import bpf_prog_run, sk_filter
from netkernel.net.core.net_procfs import proc_create_net
from netkernel.net.core.skbuff import (CHECKSUM_COMPLETE, CHECKSUM_PARTIAL, CHECKSUM_UNNECESSARY,
                                      SkBuff, kfree_skb, skb_pull, skb_push, skb_put,
                                      skb_reserve)
from netkernel.net.core.scm import put_cmsg
from netkernel.net.packet import ring as _ring
from netkernel.net.packet.fanout import (__fanout_link, __fanout_unlink, fanout_add,
                                         fanout_getsockopt_value, fanout_release,
                                         fanout_set_data, packet_rcv_try_clear_pressure,
                                         rollover_stats)
from netkernel.net.core.sock import (SK_DEFAULT_STAMP, NetProtoFamily, ProtoOps, Sock, SockcmCookie,
                                     sk_data_ready, sock_gettstamp,
                                     sk_error_report, skb_set_owner_r, sock_alloc_send_pskb,
                                     sock_cmsg_send, sock_recv_errqueue, sock_recv_ts_and_drops,
                                     sock_skb_dropcount, sock_tx_timestamp, sock_wmalloc)
from netkernel.kernel.uaccess import put_user_arg
from netkernel.include.linux.uaccess import user_bytes
from netkernel.include.linux.sockptr import copy_from_sockptr
from netkernel.include.linux.skbuff import skb_copy_datagram_msg
from netkernel.net.ipv4.af_inet import inet_ioctl
from netkernel.uapi import errno as E
from netkernel.uapi.sockios import (SIOCADDRT, SIOCDARP, SIOCDELRT, SIOCGARP, SIOCGIFADDR,
                                    SIOCGIFBRDADDR, SIOCGIFDSTADDR, SIOCGIFNETMASK, SIOCINQ,
                                    SIOCOUTQ, SIOCSARP, SIOCSIFADDR, SIOCSIFBRDADDR,
                                    SIOCSIFDSTADDR, SIOCSIFFLAGS, SIOCSIFNETMASK)
from netkernel.uapi.capability import CAP_NET_RAW, CAP_SYS_RAWIO
from netkernel.uapi.if_ import IFF_UP
from netkernel.uapi.if_arp import ARPHRD_ETHER
from netkernel.uapi.if_ether import ETH_HLEN, ETH_H_PROTO, ETH_P_ALL, ETH_P_8021Q, VLAN_HLEN
from netkernel.uapi.if_packet import (PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP,
                                      PACKET_MR_ALLMULTI, PACKET_MR_MULTICAST, PACKET_MR_PROMISC,
                                      PACKET_MR_UNICAST, PACKET_MREQ, PACKET_MREQ_ADDR_OFFSET,
                                      PACKET_MREQ_MAX_SIZE, PACKET_MREQ_SIZE, TPACKET_HDR_SIZES,
                                      PACKET_AUXDATA, PACKET_COPY_THRESH, PACKET_FANOUT,
                                      PACKET_FANOUT_DATA, FANOUT_ARGS, FANOUT_ARGS_SIZE,
                                      PACKET_HDRLEN, PACKET_IGNORE_OUTGOING, PACKET_LOOPBACK,
                                      PACKET_LOSS, PACKET_ORIGDEV, PACKET_OUTGOING,
                                      PACKET_QDISC_BYPASS, PACKET_RESERVE,
                                      PACKET_ROLLOVER_STATS, PACKET_STATISTICS, PACKET_TIMESTAMP,
                                      PACKET_TX_HAS_OFF, PACKET_TX_TIMESTAMP, PACKET_VERSION,
                                      PACKET_VNET_HDR,
                                      SOCKADDR_LL_ADDR_OFFSET, SOCKADDR_LL_SIZE, SOCKADDR_PKT_SIZE,
                                      SOL_PACKET, SPKT_DEVICE_SIZE, sockaddr_pkt_pack,
                                      sockaddr_pkt_unpack,
                                      TPACKET_AUXDATA, TPACKET_STATS, TPACKET_V1, TPACKET_V2,
                                      PACKET_RX_RING, PACKET_TX_RING, TPACKET_REQ,
                                      TPACKET_REQ_SIZE, TPACKET_REQ3, TPACKET_REQ3_SIZE,
                                      TPACKET_STATS_V3,
                                      TP_STATUS_CSUM_VALID, TP_STATUS_CSUMNOTREADY,
                                      TPACKET_V3, TP_STATUS_USER, TP_STATUS_VLAN_TPID_VALID,
                                      TP_STATUS_VLAN_VALID, packet_cb_origlen_alias,
                                      sockaddr_ll_pack, sockaddr_ll_unpack,
                                      proto_from_user)
from netkernel.uapi.virtio_net import (VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE,
                                       VIRTIO_NET_HDR_SIZE, virtio_net_hdr_unpack)
from netkernel.uapi.socket import (AF_PACKET, INT, MSG_CTRUNC, MSG_DONTWAIT, MSG_ERRQUEUE,
                                   MSG_PEEK, MSG_TRUNC, MSG_CMSG_COMPAT, SOCK_DGRAM, SOCK_PACKET,
                                   SOCK_RAW, SO_NOFCS)

SOCKADDR_SIZE = 16      # sizeof(struct sockaddr)
SA_DATA_OFFSET = 2      # struct sockaddr: sa_data after sa_family
IPV6HDR_LEN = 40
TPACKET_HDRLEN_V1_V2 = 32
TPACKET3_HDRLEN = 48


class PacketCB:
    """struct packet_skb_cb: the address a received frame is reported with, its length before
    the filter's trim, and (sock_skb_cb) the socket's drop count when it was queued, for
    SO_RXQ_OVFL. `origlen` is the union's first u32, which sll_family/sll_protocol overwrite
    when packet_recvmsg reads the frame (packet_cb_origlen_alias)."""
    __slots__ = ("hatype", "pkttype", "ifindex", "halen", "addr", "origlen", "dropcount")

    def __init__(self, hatype, pkttype, ifindex, halen, addr, origlen, dropcount=0):
        self.hatype = hatype
        self.pkttype = pkttype
        self.ifindex = ifindex
        self.halen = halen
        self.addr = addr
        self.origlen = origlen
        self.dropcount = dropcount


class PacketMclist:
    """struct packet_mclist: one membership (device, type, address) with its use count."""
    __slots__ = ("ifindex", "type", "alen", "addr", "count")

    def __init__(self, ifindex: int, type: int, alen: int, addr: bytes):
        self.ifindex = ifindex
        self.type = type
        self.alen = alen
        self.addr = addr
        self.count = 1


class PacketSock(Sock):
    """struct packet_sock. Lock order: machine lock only (bind_lock is folded into it)."""
    __slots__ = ("num", "ifindex", "prot_hook", "running", "cached_dev", "auxdata", "origdev",
                 "tp_version", "tp_reserve", "tp_loss", "tp_tstamp", "tp_tx_has_off",
                 "copy_thresh", "has_vnet_hdr", "qdisc_bypass", "stat_packets", "stat_drops",
                 "fanout", "rollover", "pressure", "rx_ring", "tx_ring", "mclist", "tp_hdrlen",
                 "mapped", "stat_freeze_q_cnt", "fp_q", "fp_rq")

    def __init__(self, net, type: int, lock):
        self.fp_q = deque()             # frames queued by the fast path, as compact records
        super().__init__(net, AF_PACKET, type, lock)
        self.num = 0
        self.ifindex = 0
        self.prot_hook = PacketType(0, packet_rcv, self)
        self.running = False
        self.cached_dev = None
        self.auxdata = False
        self.origdev = False
        self.tp_version = TPACKET_V1
        self.tp_reserve = 0
        self.tp_loss = False
        self.tp_tstamp = 0
        self.tp_tx_has_off = False
        self.copy_thresh = 0
        self.has_vnet_hdr = False
        self.qdisc_bypass = False
        self.stat_packets = 0
        self.stat_drops = 0
        self.fanout = None
        self.rollover = None
        self.pressure = False
        self.rx_ring = _ring.PacketRingBuffer()
        self.tx_ring = _ring.PacketRingBuffer()
        self.mclist: list[PacketMclist] = []
        self.tp_hdrlen = 0
        self.mapped = 0               # mappings of the rings (packet_mm_open/close)
        self.stat_freeze_q_cnt = 0    # V3: times the block queue froze (tpacket_stats_v3)

    # The receive queue as the structured path sees it: the fast path's records (fp_q, always
    # younger than what sk_buffs are queued) first become the sk_buffs they stand for
    # (netkernel/fastpath.py). `fp_rq` is the same deque, for the fast path's own tests.
    @property
    def sk_receive_queue(self) -> deque:
        if self.fp_q:
            # (under the machine lock: a reader outside the machine, like netkernel run's
            # readiness check, must not interleave with a fast receive)
            lock = self.sk_net.core.lock
            lock.acquire()
            try:
                fp_materialize(self)
            finally:
                lock.release()
        return self.fp_rq

    @sk_receive_queue.setter
    def sk_receive_queue(self, q: deque) -> None:
        self.fp_rq = q


# ---------------------------------------------------------------- hooks

def __register_prot_hook(sk: PacketSock) -> None:
    """__register_prot_hook: put the socket's packet_type on the device/protocol lists (a fanout
    member rejoins its group's member array instead)."""
    if not sk.running:
        if sk.fanout is not None:
            __fanout_link(sk)
        else:
            dev_add_pack(sk.prot_hook, sk.sk_net.core)
        sk.running = True


def register_prot_hook(sk: PacketSock) -> None:
    __register_prot_hook(sk)


def __unregister_prot_hook(sk: PacketSock) -> None:
    sk.running = False
    if sk.fanout is not None:
        __fanout_unlink(sk)
    else:
        __dev_remove_pack(sk.prot_hook, sk.sk_net.core)


def unregister_prot_hook(sk: PacketSock) -> None:
    if sk.running:
        __unregister_prot_hook(sk)


# ---------------------------------------------------------------- create / release

def packet_create(net, sock, protocol: int, kern: bool) -> int:
    """packet_create: CAP_NET_RAW first (EPERM), then the type (ESOCKTNOSUPPORT); a non-zero
    protocol hooks the socket on every device at once."""
    if not ns_capable(CAP_NET_RAW):
        return -E.EPERM
    if sock.type not in (SOCK_DGRAM, SOCK_RAW, SOCK_PACKET):
        return -E.ESOCKTNOSUPPORT
    sk = PacketSock(net, sock.type, net.core.lock)
    sk.sk_socket = sock
    sock.sk = sk
    sock.ops = PACKET_OPS_SPKT if sock.type == SOCK_PACKET else PACKET_OPS
    proto = proto_from_user(protocol)
    sk.num = proto
    if sock.type == SOCK_PACKET:
        sk.prot_hook.func = packet_rcv_spkt
    if proto:
        sk.prot_hook.type = proto
        __register_prot_hook(sk)
    net.packet_sklist.append(sk)
    return 0


def packet_release(sock) -> int:
    """packet_release: unlink, unhook, drop queued frames, mark dead (wakes blocked callers)."""
    sk = sock.sk
    if sk is None:
        return 0
    try:
        sk.sk_net.packet_sklist.remove(sk)
    except ValueError:
        pass
    unregister_prot_hook(sk)
    packet_flush_mclist(sk)
    sk.prot_hook.dev = None
    sk.cached_dev = None
    _ring.packet_rings_release(sk)
    fanout_release(sk)
    q = sk.sk_receive_queue
    while q:
        kfree_skb(q.popleft())
    q = sk.sk_error_queue       # (packet_sock_destruct, once the last reference goes)
    while q:
        kfree_skb(q.popleft())
    sk.sk_dead = True
    sk_error_report(sk)
    sock.sk = None
    return 0


# ---------------------------------------------------------------- bind / getname

def packet_do_bind(sk: PacketSock, name: str | None, ifindex: int, proto: int) -> int:
    """packet_do_bind: find the device (by name or index; unknown → ENODEV, 0 → all devices),
    rehook only if device or protocol changed; a down device leaves the hook off and sets
    sk_err = ENETDOWN."""
    if sk.fanout is not None:
        return -E.EINVAL
    net = sk.sk_net
    dev = None
    if name is not None:
        dev = net.dev_by_name.get(name)
        if dev is None:
            return -E.ENODEV
    elif ifindex:
        dev = net.dev_by_index.get(ifindex)
        if dev is None:
            return -E.ENODEV
    need_rehook = sk.prot_hook.type != proto or sk.prot_hook.dev is not dev
    if need_rehook:
        if sk.running:
            __unregister_prot_hook(sk)
        sk.num = proto
        sk.prot_hook.type = proto
        sk.prot_hook.dev = dev
        sk.ifindex = dev.ifindex if dev is not None else 0
        sk.cached_dev = dev
    if proto == 0 or not need_rehook:
        return 0
    if dev is None or dev.flags & IFF_UP:
        register_prot_hook(sk)
    else:
        sk.sk_err = E.ENETDOWN
        if not sk.sk_dead:
            sk_error_report(sk)
    return 0


def packet_bind(sock, uaddr: bytes, addr_len: int) -> int:
    """packet_bind: needs a whole sockaddr_ll of family AF_PACKET; protocol 0 keeps the current."""
    if addr_len < SOCKADDR_LL_SIZE:
        return -E.EINVAL
    family, proto, ifindex, _, _, _, _ = sockaddr_ll_unpack(uaddr)
    if family != AF_PACKET:
        return -E.EINVAL
    sk = sock.sk
    return packet_do_bind(sk, None, ifindex, proto or sk.num)


def packet_bind_spkt(sock, uaddr: bytes, addr_len: int) -> int:
    """packet_bind_spkt: exactly a struct sockaddr; the device is named in sa_data."""
    if addr_len != SOCKADDR_SIZE:
        return -E.EINVAL
    name = bytes(uaddr[SA_DATA_OFFSET:SOCKADDR_SIZE]).split(b"\0", 1)[0].decode("latin-1")
    sk = sock.sk
    return packet_do_bind(sk, name, 0, sk.num)


def packet_getname(sock, peer: bool) -> bytes | int:
    """packet_getname: 12 bytes + the device address (none when unbound or the device is gone)."""
    if peer:
        return -E.EOPNOTSUPP
    sk = sock.sk
    dev = sk.sk_net.dev_by_index.get(sk.ifindex)
    if dev is not None:
        return sockaddr_ll_pack(sk.num, sk.ifindex, dev.type, 0, dev.addr_len, dev.dev_addr)
    return sockaddr_ll_pack(sk.num, sk.ifindex, 0, 0, 0, b"")


def packet_getname_spkt(sock, peer: bool) -> bytes | int:
    if peer:
        return -E.EOPNOTSUPP
    sk = sock.sk
    dev = sk.sk_net.dev_by_index.get(sk.ifindex)
    name = spkt_device_name(dev.name) if dev is not None else b""
    return sockaddr_pkt_pack(AF_PACKET, name, 0)[:SOCKADDR_SIZE]    # struct sockaddr: no protocol


def spkt_device_name(name: str) -> bytes:
    """strlcpy(spkt_device, dev->name, 14): at most 13 characters, always NUL-ended."""
    return name.encode()[:SPKT_DEVICE_SIZE - 1]


# ---------------------------------------------------------------- send

def packet_extra_vlan_len_allowed(dev, skb: SkBuff) -> bool:
    """packet_extra_vlan_len_allowed: an Ethernet frame whose type field says 802.1Q may carry
    VLAN_HLEN more bytes than the MTU allows."""
    if dev.type != ARPHRD_ETHER:
        return False
    d = skb.data
    return (skb.tail - d >= ETH_HLEN
            and ((skb.buf[d + ETH_H_PROTO] << 8) | skb.buf[d + ETH_H_PROTO + 1]) == ETH_P_8021Q)


def packet_alloc_skb(sk: PacketSock, prepad: int, reserve: int, len: int, linear: int, noblock: bool):
    """packet_alloc_skb: `linear` bytes in the head after `prepad`, the rest in page fragments —
    unless the whole frame fits under a page, which then goes in the head."""
    if prepad + len < 4096 or not linear:
        linear = len
    skb = sock_alloc_send_pskb(sk, prepad + linear, len - linear, noblock,
                               sk.sk_net.core.sysctl["kernel.hz"])
    if isinstance(skb, int):
        return skb
    skb_reserve(skb, reserve)
    skb_put(skb, len)
    return skb


def packet_parse_headers(skb: SkBuff, sock) -> None:
    """packet_parse_headers: a SOCK_RAW frame sent with protocol 0 or ETH_P_ALL takes its protocol
    from the link header it carries."""
    if (skb.protocol == 0 or skb.protocol == ETH_P_ALL) and sock.type == SOCK_RAW:
        skb.mac_header = skb.data
        ops = skb.dev.header_ops
        skb.protocol = ops.parse_protocol(skb) if ops is not None and ops.parse_protocol else 0


def packet_snd_vnet_parse(data, len: int):
    """packet_snd_vnet_parse: the frame starts with a virtio_net_hdr (EINVAL when shorter); a
    checksum request widens hdr_len to cover the checksum field; hdr_len beyond the frame is EINVAL.
    Returns the header fields (list) or a negative errno."""
    if len < VIRTIO_NET_HDR_SIZE:
        return -E.EINVAL
    raw = user_bytes(data, VIRTIO_NET_HDR_SIZE)
    if type(raw) is int:
        return raw
    hdr = list(virtio_net_hdr_unpack(raw))
    flags, _, hdr_len, _, csum_start, csum_offset = hdr
    if flags & VIRTIO_NET_HDR_F_NEEDS_CSUM and csum_start + csum_offset + 2 > hdr_len:
        hdr[2] = hdr_len = (csum_start + csum_offset + 2) & 0xFFFF
    if hdr_len > len - VIRTIO_NET_HDR_SIZE:
        return -E.EINVAL
    return hdr


def packet_nofcs_extra_len(sk: PacketSock, dev) -> int:
    """SO_NOFCS: the frame may carry 4 more bytes, on devices that support it (else
    EPROTONOSUPPORT)."""
    if SO_NOFCS not in sk.sk_flags:
        return 0
    return 4 if dev.supp_nofcs else -E.EPROTONOSUPPORT


def packet_snd(sock, msg, len: int) -> int:
    """packet_snd: pick device and protocol (bound ones, or from the address), check them, size
    the frame against the MTU, build the skb (link header via dev_hard_header for SOCK_DGRAM, a
    validated user header for SOCK_RAW) and hand it to dev_queue_xmit. Returns len."""
    sk = sock.sk
    net = sk.sk_net
    addr = None
    if msg.name is None:
        dev = sk.cached_dev
        proto = sk.num
    else:
        namelen = msg.namelen
        if namelen < SOCKADDR_LL_SIZE:
            return -E.EINVAL
        _, proto, ifindex, _, _, halen, sll_addr = sockaddr_ll_unpack(msg.name)
        if namelen < halen + SOCKADDR_LL_ADDR_OFFSET:
            return -E.EINVAL
        dev = net.dev_by_index.get(ifindex) if ifindex else None
        if sock.type == SOCK_DGRAM:
            if dev is not None and namelen < dev.addr_len + SOCKADDR_LL_ADDR_OFFSET:
                return -E.EINVAL
            addr = bytes(msg.name[SOCKADDR_LL_ADDR_OFFSET:
                                  SOCKADDR_LL_ADDR_OFFSET + max(dev.addr_len if dev else 8, 8)])
    if dev is None or dev.reg_state != netdev.NETREG_REGISTERED:
        return -E.ENXIO
    if not dev.flags & IFF_UP:
        return -E.ENETDOWN
    sockc = None
    if msg.ancdata:
        sockc = SockcmCookie(sk)
        err = sock_cmsg_send(sk, msg.ancdata, sockc, capable)
        if err:
            return err
    reserve = dev.hard_header_len if sock.type == SOCK_RAW else 0
    data = msg.data
    vnet = None
    gso = False
    if sk.has_vnet_hdr:
        vnet = packet_snd_vnet_parse(data, len)
        if isinstance(vnet, int):
            return vnet
        len -= VIRTIO_NET_HDR_SIZE
        data = data[VIRTIO_NET_HDR_SIZE:]
        gso = vnet[1] != VIRTIO_NET_HDR_GSO_NONE
    extra_len = packet_nofcs_extra_len(sk, dev)
    if extra_len < 0:
        return extra_len
    if not gso and len > dev.mtu + reserve + VLAN_HLEN + extra_len:
        return -E.EMSGSIZE
    hlen = ll_reserved_space(dev)
    tlen = dev.needed_tailroom
    linear = max(vnet[2] if vnet else 0, min(len, dev.hard_header_len))
    skb = packet_alloc_skb(sk, hlen + tlen, hlen, len, linear, bool(msg.flags & MSG_DONTWAIT))
    if isinstance(skb, int):
        return skb
    skb.network_header = skb.data
    offset = 0
    if sock.type == SOCK_DGRAM:
        offset = dev_hard_header(skb, dev, proto, addr, None, len)
        if offset < 0:
            kfree_skb(skb)
            return -E.EINVAL
    elif reserve:
        skb_reserve(skb, -reserve)
        if len < reserve + IPV6HDR_LEN and dev.min_header_len != dev.hard_header_len:
            skb.network_header = skb.data
    err = skb_copy_datagram_from_iter(skb, offset, data, len)
    if err:
        kfree_skb(skb)
        return err
    if sock.type == SOCK_RAW and not dev_validate_header(dev, skb, len):
        kfree_skb(skb)
        return -E.EINVAL
    if not gso and len > dev.mtu + reserve + extra_len and \
            not packet_extra_vlan_len_allowed(dev, skb):
        kfree_skb(skb)
        return -E.EMSGSIZE
    skb.protocol = proto
    skb.dev = dev
    skb.priority = sk.sk_priority
    if sockc is None:
        skb.mark = sk.sk_mark
        if sk.sk_tsflags:
            skb.tx_flags = sock_tx_timestamp(sk, sk.sk_tsflags)
    else:
        skb.mark = sockc.mark
        skb.tstamp = sockc.transmit_time
        if sockc.tsflags:
            skb.tx_flags = sock_tx_timestamp(sk, sockc.tsflags)
    packet_parse_headers(skb, sock)
    if vnet is not None:
        headlen = len + offset if hlen + tlen + len < 4096 else max(linear, offset)
        err = virtio_net_hdr_to_skb(skb, vnet, headlen)
        if err:
            kfree_skb(skb)
            return err
        len += VIRTIO_NET_HDR_SIZE
    err = dev_direct_xmit(skb) if sk.qdisc_bypass else dev_queue_xmit(skb)
    if err > 0:
        err = 0 if err == netdev.NET_XMIT_CN else -E.ENOBUFS
        if err:
            return err
    return len


def packet_sendmsg(sock, msg, len: int) -> int:
    """packet_sendmsg: with a TX ring the call sends the ring's frames (tpacket_snd, the buffer
    is not looked at); without one the buffer goes through packet_snd."""
    sk = sock.sk
    if sk.tx_ring.pg_vec is not None:
        return _ring.tpacket_snd(sk, msg)
    return packet_snd(sock, msg, len)


def packet_sendmsg_spkt(sock, msg, len: int) -> int:
    """packet_sendmsg_spkt: the device is named in a sockaddr_pkt; the frame is sent as given."""
    sk = sock.sk
    if msg.name is None:
        return -E.ENOTCONN
    if msg.namelen < SOCKADDR_SIZE:
        return -E.EINVAL
    head = bytes(msg.name[:SOCKADDR_PKT_SIZE]).ljust(SOCKADDR_PKT_SIZE, b"\0")
    _, device, proto = sockaddr_pkt_unpack(head)
    if msg.namelen != SOCKADDR_PKT_SIZE:
        proto = 0               # a plain struct sockaddr carries no protocol
    name = device[:SPKT_DEVICE_SIZE - 1].split(b"\0", 1)[0].decode("latin-1")   # NUL-terminated
    dev = sk.sk_net.dev_by_name.get(name)
    if dev is None:
        return -E.ENODEV
    if not dev.flags & IFF_UP:
        return -E.ENETDOWN
    extra_len = packet_nofcs_extra_len(sk, dev)
    if extra_len < 0:
        return extra_len
    if len > dev.mtu + dev.hard_header_len + VLAN_HLEN + extra_len:
        return -E.EMSGSIZE
    hlen = ll_reserved_space(dev)
    skb = sock_wmalloc(sk, len + hlen + dev.needed_tailroom)
    if skb is None:
        return -E.ENOBUFS
    skb_reserve(skb, hlen)
    skb_put(skb, len)
    skb.network_header = skb.data + dev.hard_header_len
    err = skb_copy_datagram_from_iter(skb, 0, msg.data, len)
    if err:
        kfree_skb(skb)
        return err
    if not dev_validate_header(dev, skb, len):
        kfree_skb(skb)
        return -E.EINVAL
    if len > dev.mtu + dev.hard_header_len + extra_len and \
            not packet_extra_vlan_len_allowed(dev, skb):
        kfree_skb(skb)
        return -E.EMSGSIZE
    sockc = SockcmCookie(sk)
    if msg.ancdata:
        err = sock_cmsg_send(sk, msg.ancdata, sockc, capable)
        if err:
            kfree_skb(skb)
            return err
    skb.protocol = proto
    skb.dev = dev
    skb.priority = sk.sk_priority
    skb.mark = sockc.mark
    if sockc.tsflags:
        skb.tx_flags = sock_tx_timestamp(sk, sockc.tsflags)
    dev_queue_xmit(skb)
    return len


# ---------------------------------------------------------------- receive

def run_filter(skb: SkBuff, sk: PacketSock, res: int) -> int:
    """run_filter: the socket filter's verdict on the frame; without a filter, its length — so an
    empty frame counts as rejected."""
    f = sk.sk_filter
    if f is not None:
        res = bpf_prog_run(f.prog, skb)
    return res


def packet_rcv(skb: SkBuff, dev, pt: PacketType, orig_dev) -> int:
    """packet_rcv: skip looped-back and foreign-namespace frames; start the data at the link
    header (SOCK_RAW) or network header (SOCK_DGRAM); drop and count when sk_rmem_alloc has
    reached sk_rcvbuf; record the address; charge truesize; queue; wake the reader."""
    if skb.pkt_type == PACKET_LOOPBACK:
        return 0
    sk = pt.af_packet_priv
    if dev.nd_net is not sk.sk_net:
        return 0
    skb.dev = dev
    ops = dev.header_ops
    if ops is not None and ops.create is not None:
        if sk.sk_type != SOCK_DGRAM:
            skb_push(skb, skb.data - skb.mac_header)
        elif skb.pkt_type == PACKET_OUTGOING:
            skb_pull(skb, skb.network_header - skb.data)
    snaplen = skb.tail - skb.data
    res = run_filter(skb, sk, snaplen)
    if not res:
        return 0
    if snaplen > res:
        snaplen = res
    if sk.sk_rmem_alloc >= sk.sk_rcvbuf:
        sk.stat_drops += 1
        sk.sk_drops += 1
        return 0
    if ops is not None and ops.parse is not None:
        haddr = ops.parse(skb)
    else:
        haddr = b""
    # origlen: skb->len before the trim to the filter's snaplen
    skb.cb = PacketCB(dev.type, skb.pkt_type, orig_dev.ifindex if sk.origdev else dev.ifindex,
                      len(haddr), haddr, skb.tail - skb.data, sock_skb_dropcount(sk))
    pskb_trim(skb, snaplen)
    skb_set_owner_r(skb, sk)
    skb.dev = None
    sk.stat_packets += 1
    sk.sk_receive_queue.append(skb)
    sk_data_ready(sk)
    return 0


def packet_rcv_spkt(skb: SkBuff, dev, pt: PacketType, orig_dev) -> int:
    """packet_rcv_spkt: SOCK_PACKET sees whole frames from the link header, addressed by name;
    a full receive buffer drops the frame (counted in sk_drops only) — the same admission test
    as packet_rcv's, on sk_rmem_alloc before the new frame is charged."""
    sk = pt.af_packet_priv
    if skb.pkt_type == PACKET_LOOPBACK or dev.nd_net is not sk.sk_net:
        return 0
    skb_push(skb, skb.data - skb.mac_header)
    # sock_queue_rcv_skb: the socket filter first (drop uncounted, or trim), then the buffer
    if sk.sk_filter is not None and sk_filter(sk, skb):
        return 0
    if sk.sk_rmem_alloc >= sk.sk_rcvbuf:     # __sock_queue_rcv_skb: tested before charging
        sk.sk_drops += 1
        return 0
    skb.cb = PacketCB(dev.type, skb.pkt_type, dev.ifindex, 0, dev.name, skb.len,
                      sock_skb_dropcount(sk))
    skb_set_owner_r(skb, sk)
    sk.sk_receive_queue.append(skb)
    sk_data_ready(sk)
    return 0


def packet_recvmsg(sock, msg, len: int, flags: int) -> int:
    """packet_recvmsg: only PEEK/DONTWAIT/TRUNC/ERRQUEUE flags; copy min(len, frame); report
    the sender's address (padded to sizeof(sockaddr_ll)) and PACKET_AUXDATA if asked; return the
    copied length, or the whole frame length with MSG_TRUNC."""
    if flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_COMPAT | MSG_ERRQUEUE):
        return -E.EINVAL
    sk = sock.sk
    if flags & MSG_ERRQUEUE:
        return sock_recv_errqueue(sk, msg, len, SOL_PACKET, PACKET_TX_TIMESTAMP)
    skb = skb_recv_datagram(sk, flags, bool(flags & MSG_DONTWAIT))
    if isinstance(skb, int):
        return skb
    vnet_hdr = b""
    if sk.has_vnet_hdr:
        if len < VIRTIO_NET_HDR_SIZE:
            if not flags & MSG_PEEK:
                kfree_skb(skb)
            return -E.EINVAL
        len -= VIRTIO_NET_HDR_SIZE
        vnet_hdr = virtio_net_hdr_from_skb(skb)
    flen = skb.tail - skb.data
    copied = flen
    if copied > len:
        copied = len
        msg.flags |= MSG_TRUNC
    err = skb_copy_datagram_msg(skb, 0, msg, copied, vnet_hdr)
    if err:
        # out_free: the frame is gone (unless peeked), no stamp, address or auxdata recorded
        if not flags & MSG_PEEK:
            kfree_skb(skb)
        if sk.pressure:
            packet_rcv_try_clear_pressure(sk)
        return err
    cb = skb.cb
    origlen = cb.origlen
    if sock.type != SOCK_PACKET:
        # sll_family/sll_protocol are written into the cb now, over origlen: a frame read again
        # (after MSG_PEEK) reports them as its tp_len
        cb.origlen = packet_cb_origlen_alias(skb.protocol)
    if sk.sk_flags or sk.sk_tsflags or sk.sk_stamp == SK_DEFAULT_STAMP:
        sock_recv_ts_and_drops(msg, sk, skb, cb.dropcount)
    if msg.want_name:
        if sock.type == SOCK_PACKET:
            name = spkt_device_name(cb.addr) if isinstance(cb.addr, str) else b""
            msg.name = sockaddr_pkt_pack(cb.hatype, name, skb.protocol)
        else:
            addr = cb.addr[:8].ljust(8, b"\0")
            msg.name = sockaddr_ll_pack(skb.protocol, cb.ifindex, cb.hatype, cb.pkttype,
                                        cb.halen, addr)
            if SOCKADDR_LL_ADDR_OFFSET + cb.halen > SOCKADDR_LL_SIZE:
                msg.name = msg.name[:SOCKADDR_LL_ADDR_OFFSET + cb.halen]
    if sk.auxdata and sock.type != SOCK_PACKET:
        status = TP_STATUS_USER
        if skb.ip_summed == CHECKSUM_PARTIAL:
            status |= TP_STATUS_CSUMNOTREADY
        elif skb.pkt_type != PACKET_OUTGOING and skb.ip_summed in (CHECKSUM_COMPLETE,
                                                                   CHECKSUM_UNNECESSARY):
            status |= TP_STATUS_CSUM_VALID      # e.g. ftgmac100's RX checksum offload
        tci = tpid = 0
        if skb.vlan_tci >= 0:
            tci, tpid = skb.vlan_tci, skb.vlan_proto
            status |= TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID
        net_off = skb.network_header - skb.data
        put_cmsg(msg, SOL_PACKET, PACKET_AUXDATA,
                 TPACKET_AUXDATA.pack(status, origlen, flen, 0, net_off, tci, tpid))
    if not flags & MSG_PEEK:
        skb_free_datagram(sk, skb)
    if sk.pressure:
        packet_rcv_try_clear_pressure(sk)
    return (VIRTIO_NET_HDR_SIZE if vnet_hdr else 0) + (flen if flags & MSG_TRUNC else copied)


def packet_poll(sock) -> int:
    """packet_poll: datagram_poll, plus the rings (readable when the frame or block before the
    head is the user's, writable when the TX head frame is free); lifts a fanout member's
    pressure if it has room again."""
    sk = sock.sk
    mask = datagram_poll(sk)
    if sk.rx_ring.pg_vec is not None or sk.tx_ring.pg_vec is not None:
        mask = _ring.packet_poll_rings(sk, mask)
    if sk.pressure:
        packet_rcv_try_clear_pressure(sk)
    return mask


# ---------------------------------------------------------------- memberships

def packet_dev_mc(dev, i: PacketMclist, what: int) -> int:
    """packet_dev_mc: apply (+1) or undo (-1) a membership on the device. Multicast and unicast
    entries need a full-length address (EINVAL); unknown types have no effect."""
    if i.type == PACKET_MR_MULTICAST or i.type == PACKET_MR_UNICAST:
        if i.alen != dev.addr_len:
            return -E.EINVAL
        addr = i.addr[:i.alen]
        if i.type == PACKET_MR_MULTICAST:
            return dev_mc_add(dev, addr) if what > 0 else dev_mc_del(dev, addr)
        return dev_uc_add(dev, addr) if what > 0 else dev_uc_del(dev, addr)
    if i.type == PACKET_MR_PROMISC:
        return netdev.dev_set_promiscuity(dev, what)
    if i.type == PACKET_MR_ALLMULTI:
        return netdev.dev_set_allmulti(dev, what)
    return 0


def packet_mc_add(sk: PacketSock, ifindex: int, type: int, alen: int, addr: bytes) -> int:
    """packet_mc_add: the device must exist (ENODEV) and take an address that long (EINVAL); an
    identical membership only gains a reference."""
    dev = sk.sk_net.dev_by_index.get(ifindex)
    if dev is None:
        return -E.ENODEV
    if alen > dev.addr_len:
        return -E.EINVAL
    addr = addr[:alen].ljust(32, b"\0")
    for ml in sk.mclist:
        if ml.ifindex == ifindex and ml.type == type and ml.alen == alen and ml.addr == addr:
            ml.count += 1
            return 0
    i = PacketMclist(ifindex, type, alen, addr)
    sk.mclist.insert(0, i)
    err = packet_dev_mc(dev, i, 1)
    if err:
        sk.mclist.remove(i)
    return err


def packet_mc_drop(sk: PacketSock, ifindex: int, type: int, alen: int, addr: bytes) -> int:
    """packet_mc_drop: release one reference of a matching membership; always succeeds."""
    addr = addr[:alen].ljust(32, b"\0")
    for ml in sk.mclist:
        if ml.ifindex == ifindex and ml.type == type and ml.alen == alen and ml.addr == addr:
            ml.count -= 1
            if ml.count == 0:
                sk.mclist.remove(ml)
                dev = sk.sk_net.dev_by_index.get(ml.ifindex)
                if dev is not None:
                    packet_dev_mc(dev, ml, -1)
            break
    return 0


def packet_flush_mclist(sk: PacketSock, dev=None) -> None:
    """packet_flush_mclist (all, at close) / packet_dev_mclist_delete (one device, at unregister)."""
    for ml in list(sk.mclist):
        if dev is not None and ml.ifindex != dev.ifindex:
            continue
        sk.mclist.remove(ml)
        d = dev if dev is not None else sk.sk_net.dev_by_index.get(ml.ifindex)
        if d is not None:
            packet_dev_mc(d, ml, -1)


# ---------------------------------------------------------------- options

def _int_opt(optval, optlen: int, exact: bool):
    """The option's int: -EINVAL for a wrong optlen (exactly an int, or at least one), -EFAULT
    when copying it faults."""
    if optlen != INT.size if exact else optlen < INT.size:
        return -E.EINVAL, 0
    raw = copy_from_sockptr(optval, INT.size)
    return (raw, 0) if type(raw) is int else (0, INT.unpack(raw)[0])


def packet_setsockopt(sock, level: int, optname: int, optval, optlen: int) -> int:
    """packet_setsockopt: SOL_PACKET only (else ENOPROTOOPT); per-option length rules, checked
    before the value is copied (`optval`: the readable bytes of the user's buffer, None for NULL;
    a copy past them is EFAULT)."""
    if level != SOL_PACKET:
        return -E.ENOPROTOOPT
    sk = sock.sk
    has_ring = sk.rx_ring.pg_vec is not None or sk.tx_ring.pg_vec is not None
    if optname == PACKET_ADD_MEMBERSHIP or optname == PACKET_DROP_MEMBERSHIP:
        if optlen < PACKET_MREQ_SIZE:
            return -E.EINVAL
        n = min(optlen, PACKET_MREQ_MAX_SIZE)
        mreq = copy_from_sockptr(optval, n)
        if isinstance(mreq, int):
            return mreq
        mreq = mreq.ljust(PACKET_MREQ_MAX_SIZE, b"\0")
        ifindex, type, alen = PACKET_MREQ.unpack_from(mreq, 0)
        if n < alen + PACKET_MREQ_ADDR_OFFSET:
            return -E.EINVAL
        addr = mreq[PACKET_MREQ_ADDR_OFFSET:]
        if optname == PACKET_ADD_MEMBERSHIP:
            return packet_mc_add(sk, ifindex, type, alen, addr)
        return packet_mc_drop(sk, ifindex, type, alen, addr)
    if optname == PACKET_VERSION:
        err, val = _int_opt(optval, optlen, True)
        if err:
            return err
        if val not in (TPACKET_V1, TPACKET_V2, TPACKET_V3):
            return -E.EINVAL
        if has_ring:
            return -E.EBUSY
        sk.tp_version = val
        return 0
    if optname == PACKET_IGNORE_OUTGOING:
        err, val = _int_opt(optval, optlen, True)
        if err:
            return err
        if val < 0 or val > 1:
            return -E.EINVAL
        sk.prot_hook.ignore_outgoing = bool(val)
        return 0
    if optname in (PACKET_AUXDATA, PACKET_ORIGDEV):
        err, val = _int_opt(optval, optlen, False)
        if err:
            return err
        if optname == PACKET_AUXDATA:
            sk.auxdata = bool(val)
        else:
            sk.origdev = bool(val)
        return 0
    if optname == PACKET_VNET_HDR:
        if sock.type != SOCK_RAW:
            return -E.EINVAL
        err, val = _int_opt(optval, optlen, False)
        if err:
            return err
        if has_ring:
            return -E.EBUSY
        sk.has_vnet_hdr = bool(val)
        return 0
    if optname in (PACKET_RESERVE, PACKET_LOSS, PACKET_TIMESTAMP, PACKET_COPY_THRESH,
                   PACKET_TX_HAS_OFF, PACKET_QDISC_BYPASS):
        err, val = _int_opt(optval, optlen, True)
        if err:
            return err
        if optname == PACKET_RESERVE:
            if val < 0:
                return -E.EINVAL
            if has_ring:
                return -E.EBUSY
            sk.tp_reserve = val
        elif optname == PACKET_LOSS:
            if has_ring:
                return -E.EBUSY
            sk.tp_loss = bool(val)
        elif optname == PACKET_TIMESTAMP:
            sk.tp_tstamp = val
        elif optname == PACKET_COPY_THRESH:
            sk.copy_thresh = val
        elif optname == PACKET_TX_HAS_OFF:
            if not has_ring:
                sk.tp_tx_has_off = bool(val)
        else:
            sk.qdisc_bypass = bool(val)
        return 0
    if optname == PACKET_FANOUT:
        # a legacy int (id | type_flags << 16) or a whole struct fanout_args
        if optlen != 4 and optlen != FANOUT_ARGS_SIZE:
            return -E.EINVAL
        raw = copy_from_sockptr(optval, optlen)
        if isinstance(raw, int):
            return raw
        id, type_flags, max_num_members = FANOUT_ARGS.unpack(raw.ljust(8, b"\0"))
        return fanout_add(sk, id, type_flags, max_num_members)
    if optname == PACKET_FANOUT_DATA:
        if sk.fanout is None:
            return -E.EINVAL
        return fanout_set_data(sk, optval, optlen)
    if optname == PACKET_RX_RING or optname == PACKET_TX_RING:
        # a tpacket_req for V1/V2, a tpacket_req3 for V3; longer is fine
        size = TPACKET_REQ3_SIZE if sk.tp_version == TPACKET_V3 else TPACKET_REQ_SIZE
        if optlen < size:
            return -E.EINVAL
        raw = copy_from_sockptr(optval, size)
        if isinstance(raw, int):
            return raw
        if sk.tp_version == TPACKET_V3:
            req = TPACKET_REQ3.unpack(raw)
        else:
            req = TPACKET_REQ.unpack(raw) + (0, 0, 0)
        return _ring.packet_set_ring(sk, req, False, optname == PACKET_TX_RING)
    return -E.ENOPROTOOPT


def packet_getsockopt(sock, level: int, optname: int, optlen: int,
                      optval: bytes = b"") -> bytes | int:
    """packet_getsockopt: SOL_PACKET only; the value cut to optlen. PACKET_STATISTICS reports
    packets including drops, then resets both counters."""
    if level != SOL_PACKET:
        return -E.ENOPROTOOPT
    if optlen < 0:
        return -E.EINVAL
    sk = sock.sk
    if optname == PACKET_STATISTICS:
        drops = sk.stat_drops
        if sk.tp_version == TPACKET_V3:
            data = TPACKET_STATS_V3.pack(sk.stat_packets + drops, drops, sk.stat_freeze_q_cnt)
        else:
            data = TPACKET_STATS.pack(sk.stat_packets + drops, drops)
        sk.stat_packets = 0
        sk.stat_drops = 0
        sk.stat_freeze_q_cnt = 0
        return data[:optlen]
    if optname == PACKET_HDRLEN:
        # the user's buffer is input too: the version whose header size is asked for
        if optlen > 4:
            optlen = 4
        if optlen < 4:
            return -E.EINVAL
        version = INT.unpack(bytes(optval[:4]).ljust(4, b"\0"))[0]
        if version not in TPACKET_HDR_SIZES:
            return -E.EINVAL
        return INT.pack(TPACKET_HDR_SIZES[version])
    values = {
        PACKET_AUXDATA: sk.auxdata, PACKET_ORIGDEV: sk.origdev, PACKET_VNET_HDR: sk.has_vnet_hdr,
        PACKET_VERSION: sk.tp_version, PACKET_RESERVE: sk.tp_reserve, PACKET_LOSS: sk.tp_loss,
        PACKET_TIMESTAMP: sk.tp_tstamp,
        PACKET_IGNORE_OUTGOING: sk.prot_hook.ignore_outgoing,
        PACKET_TX_HAS_OFF: sk.tp_tx_has_off, PACKET_QDISC_BYPASS: sk.qdisc_bypass,
    }
    if optname in values:
        return INT.pack(int(values[optname]))[:optlen]
    if optname == PACKET_FANOUT:
        return fanout_getsockopt_value(sk).to_bytes(4, "little")[:optlen]
    if optname == PACKET_ROLLOVER_STATS:
        data = rollover_stats(sk)
        return data if isinstance(data, int) else data[:optlen]
    return -E.ENOPROTOOPT


# ---------------------------------------------------------------- device events

def packet_notifier(event: int, dev) -> None:
    """packet_notifier: for sockets bound to this device — DOWN/UNREGISTER unhook a running socket
    and raise ENETDOWN (UNREGISTER also forgets the device: ifindex -1); UP rehooks when the
    socket has a protocol."""
    if event in (netdev.NETDEV_DOWN, netdev.NETDEV_UNREGISTER):
        for sk in list(dev.nd_net.packet_sklist):
            if event == netdev.NETDEV_UNREGISTER and sk.mclist:
                packet_flush_mclist(sk, dev)
            if sk.ifindex != dev.ifindex:
                continue
            if sk.running:
                __unregister_prot_hook(sk)
                sk.sk_err = E.ENETDOWN
                if not sk.sk_dead:
                    sk_error_report(sk)
            if event == netdev.NETDEV_UNREGISTER:
                sk.cached_dev = None
                sk.ifindex = -1
                sk.prot_hook.dev = None
    elif event == netdev.NETDEV_UP:
        for sk in list(dev.nd_net.packet_sklist):
            if sk.ifindex == dev.ifindex and sk.num:
                register_prot_hook(sk)


# ---------------------------------------------------------------- ioctl

def packet_ioctl(sock, cmd: int, arg) -> int:
    """packet_ioctl: SIOCOUTQ is the bytes of sent frames not yet freed (sk_wmem_alloc), SIOCINQ
    the length of the first queued frame (0 when none), both an int written at `arg` (EFAULT);
    the IPv4 interface, route and ARP requests (and SIOCSIFFLAGS) go to inet_ioctl as on an
    AF_INET datagram socket; anything else is ENOIOCTLCMD (sock_do_ioctl tries dev_ioctl)."""
    sk = sock.sk
    if cmd == SIOCOUTQ:
        return put_user_arg(arg, INT.pack(sk.sk_wmem_alloc))
    if cmd == SIOCINQ:
        q = sk.sk_receive_queue
        amount = 0
        if q:
            skb = q[0]
            amount = skb.tail - skb.data
        return put_user_arg(arg, INT.pack(amount))
    if cmd in _INET_IOCTLS:
        return inet_ioctl(sock, cmd, arg)
    return -E.ENOIOCTLCMD


_INET_IOCTLS = frozenset({SIOCADDRT, SIOCDELRT, SIOCDARP, SIOCGARP, SIOCSARP, SIOCGIFADDR,
                          SIOCSIFADDR, SIOCGIFBRDADDR, SIOCSIFBRDADDR, SIOCGIFNETMASK,
                          SIOCSIFNETMASK, SIOCGIFDSTADDR, SIOCSIFDSTADDR, SIOCSIFFLAGS})


def _no_op(err: int):
    def op(*args, **kwargs):
        return -err
    return op


PACKET_OPS = ProtoOps(
    family=AF_PACKET, release=packet_release, bind=packet_bind,
    connect=_no_op(E.EOPNOTSUPP), socketpair=_no_op(E.EOPNOTSUPP), accept=_no_op(E.EOPNOTSUPP),
    getname=packet_getname, poll=packet_poll, ioctl=packet_ioctl, gettstamp=sock_gettstamp,
    listen=_no_op(E.EOPNOTSUPP),
    shutdown=_no_op(E.EOPNOTSUPP), setsockopt=packet_setsockopt, getsockopt=packet_getsockopt,
    sendmsg=packet_sendmsg, recvmsg=packet_recvmsg, mmap=_ring.packet_mmap)

PACKET_OPS_SPKT = ProtoOps(
    family=AF_PACKET, release=packet_release, bind=packet_bind_spkt,
    connect=_no_op(E.EOPNOTSUPP), socketpair=_no_op(E.EOPNOTSUPP), accept=_no_op(E.EOPNOTSUPP),
    getname=packet_getname_spkt, poll=packet_poll, ioctl=packet_ioctl, gettstamp=sock_gettstamp,
    listen=_no_op(E.EOPNOTSUPP),
    shutdown=_no_op(E.EOPNOTSUPP), setsockopt=None, getsockopt=None,
    sendmsg=packet_sendmsg_spkt, recvmsg=packet_recvmsg, mmap=_no_op(E.ENODEV))

PACKET_FAMILY_OPS = NetProtoFamily(AF_PACKET, packet_create)


# ---------------------------------------------------------------- /proc/net/packet

# the kernel address %pK would print: a stable stand-in derived from the socket's inode
FAKE_SK_BASE = 0xFFFF888000000000
FAKE_SK_STRIDE = 0x800


def packet_seq_show(net) -> str:
    """packet_seq_show (/proc/net/packet): a header, then one line per packet socket of the
    namespace in creation order: sk, refcount (the socket list's and, while hooked, the
    protocol hook's hold on top of the owner's), type, protocol (host order), bound ifindex,
    running, sk_rmem_alloc, owner uid, inode. DIVERGENCE(#10): `sk` is a stand-in pointer
    (FAKE_SK_BASE + inode * FAKE_SK_STRIDE; Linux prints a hashed kernel address) and the inode
    comes from the model's own counter; every task here runs as uid 0."""
    out = ["%-17sRefCnt Type Proto  Iface R Rmem   User   Inode\n" % "sk"]
    for sk in list(net.packet_sklist):
        sock = sk.sk_socket
        ino = sock.ino if sock is not None else 0
        refcnt = 2 + (1 if sk.running else 0)
        out.append("%016x %-6d %-4d %04x   %-5d %1d %-6d %-6d %-6d\n" % (
            FAKE_SK_BASE + ino * FAKE_SK_STRIDE, refcnt, sk.sk_type,
            sk.num, sk.ifindex, 1 if sk.running else 0,
            sk.sk_rmem_alloc, 0, ino))
    return "".join(out)


def packet_init(core) -> None:
    """packet_init: register the family, the device notifier and /proc/net/packet."""
    core.net_families[AF_PACKET] = PACKET_FAMILY_OPS
    netdev.register_netdevice_notifier(core, packet_notifier)
    proc_create_net("packet", packet_seq_show)


# the fast path (netkernel/fastpath.py) turns its records into this module's sk_buffs: bound
# last, so that either side may be imported first.
from netkernel.fastpath import fp_materialize  # noqa: E402
