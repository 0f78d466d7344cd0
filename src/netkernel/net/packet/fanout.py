"""Packet fanout (net/packet/af_packet.c, fanout_*; struct packet_fanout in net/packet/internal.h).

A fanout group is one packet_type hook shared by up to max_num_members sockets of one network
namespace; packet_rcv_fanout picks one member per frame and hands it to that member's own receive
function. Groups live in `net.packet_fanouts` (the kernel's fanout_list, filtered by netns).

The model has one CPU (CPU 0, as SKF_AD_CPU reads) and single-queue devices (queue mapping 0).

DIVERGENCE(#fanout-defrag): PACKET_FANOUT_FLAG_DEFRAG is accepted, stored and reported, but no IP
defragmentation is modelled, so fragments are demultiplexed as they arrive.
DIVERGENCE(#fanout-ebpf): there are no eBPF programs here. PACKET_FANOUT_DATA on an EBPF group
takes a file descriptor as 5.15 does: an fd that is not open gives EBADF, an open fd (which can
never be a BPF program) gives EINVAL, exactly as 5.15 answers for an fd that is not a BPF program.
"""
from __future__ import annotations

LINUX_SOURCE = "net/packet/af_packet.c"
# not kernel functions (see netkernel.trace): parts of packet_getsockopt
MODEL_HELPERS = ("fanout_getsockopt_value", "rollover_stats")

import random

from netkernel.kernel.sched import current
from netkernel.include.linux.uaccess import copy_from_user
from netkernel.include.linux.sockptr import copy_from_sockptr
from netkernel.net.core.dev import PacketType, __dev_remove_pack, dev_add_pack
from netkernel.net.core.filter import SOCK_FILTER_LOCKED, bpf_prog_create_from_user, bpf_prog_run
from netkernel.include.linux.skbuff import skb_get_hash
from netkernel.net.core.flow_dissector import __skb_get_hash_symmetric
from netkernel.uapi import errno as E
from netkernel.uapi.filter import SOCK_FPROG_SIZE, sock_fprog_unpack
from netkernel.uapi.if_packet import (PACKET_FANOUT_CBPF, PACKET_FANOUT_CPU, PACKET_FANOUT_EBPF,
                                      PACKET_FANOUT_FLAG_ROLLOVER, PACKET_FANOUT_FLAG_UNIQUEID,
                                      PACKET_FANOUT_HASH, PACKET_FANOUT_LB, PACKET_FANOUT_MAX,
                                      PACKET_FANOUT_QM, PACKET_FANOUT_RND, PACKET_FANOUT_ROLLOVER,
                                      TPACKET_ROLLOVER_STATS)
from netkernel.uapi.socket import AF_PACKET

ROLLOVER_HLEN = 16          # L1_CACHE_BYTES / sizeof(u32)
ROOM_POW_OFF = 2            # "normal" room: more than a quarter of the buffer left
ROOM_NONE, ROOM_LOW, ROOM_NORMAL = 0, 1, 2
FANOUT_LEGACY_MAX = 256     # max_num_members when the caller gives none
SMP_PROCESSOR_ID = 0        # the model runs everything on CPU 0
_FLAG_ROLLOVER = PACKET_FANOUT_FLAG_ROLLOVER >> 8
_FLAG_UNIQUEID = PACKET_FANOUT_FLAG_UNIQUEID >> 8


class PacketFanout:
    """struct packet_fanout: id, mode and flag byte, the member array (its length is
    num_members), the shared hook, and per-mode data (rr_cur for LB, bpf_prog for CBPF/EBPF).
    Lock order: machine lock only (fanout_mutex and f->lock are folded into it)."""
    __slots__ = ("net", "id", "type", "flags", "max_num_members", "arr", "sk_ref", "rr_cur",
                 "bpf_prog", "prot_hook")

    def __init__(self, net, id: int, type: int, flags: int, max_num_members: int, po):
        self.net = net
        self.id = id
        self.type = type
        self.flags = flags
        self.max_num_members = max_num_members
        self.arr: list = []
        self.sk_ref = 0
        self.rr_cur = 0
        self.bpf_prog = None
        hook = PacketType(po.prot_hook.type, packet_rcv_fanout, self)
        hook.dev = po.prot_hook.dev
        hook.id_match = match_fanout_group
        self.prot_hook = hook


class PacketRollover:
    """struct packet_rollover: where the last rollover went, the recent flow hashes, counters."""
    __slots__ = ("sock", "num", "num_huge", "num_failed", "history")

    def __init__(self):
        self.sock = 0
        self.num = 0
        self.num_huge = 0
        self.num_failed = 0
        self.history = [0] * ROLLOVER_HLEN


# ---------------------------------------------------------------- receive-room checks

def __packet_rcv_has_room(po, skb) -> int:
    """__packet_rcv_has_room: NORMAL while more than a quarter of sk_rcvbuf stays free after this
    frame, LOW while some room stays, else NONE; with an RX ring, the ring's free slots decide."""
    if po.rx_ring.pg_vec is not None:            # the hook is tpacket_rcv
        from netkernel.net.packet.ring import tpacket_rcv_has_room
        return tpacket_rcv_has_room(po)
    rcvbuf = po.sk_rcvbuf
    avail = rcvbuf - po.sk_rmem_alloc - (skb.truesize if skb is not None else 0)
    if avail > rcvbuf >> ROOM_POW_OFF:
        return ROOM_NORMAL
    if avail > 0:
        return ROOM_LOW
    return ROOM_NONE


def packet_rcv_has_room(po, skb) -> int:
    """packet_rcv_has_room: the room check, remembering in po.pressure whether room was short."""
    ret = __packet_rcv_has_room(po, skb)
    po.pressure = ret != ROOM_NORMAL
    return ret


def packet_rcv_try_clear_pressure(po) -> None:
    """packet_rcv_try_clear_pressure: a reader that made normal room again lifts the pressure."""
    if po.pressure and __packet_rcv_has_room(po, None) == ROOM_NORMAL:
        po.pressure = False


# ---------------------------------------------------------------- demultiplexing

def fanout_flow_is_huge(po, skb) -> bool:
    """fanout_flow_is_huge: the flow holds more than half of the recent-hash history (one random
    slot of which is overwritten with this frame's hash)."""
    history = po.rollover.history
    rxhash = skb_get_hash(skb, po.sk_net.core)
    count = history.count(rxhash)
    history[random.randrange(ROLLOVER_HLEN)] = rxhash
    return count > ROLLOVER_HLEN >> 1


def fanout_demux_hash(f: PacketFanout, skb, num: int) -> int:
    """fanout_demux_hash: the symmetric flow hash scaled onto the members."""
    return (__skb_get_hash_symmetric(skb, f.net.core) * num) >> 32


def fanout_demux_lb(f: PacketFanout, skb, num: int) -> int:
    """fanout_demux_lb: round robin; the counter is incremented first, so frame 1 goes to index 1."""
    f.rr_cur = (f.rr_cur + 1) & 0xFFFFFFFF
    return f.rr_cur % num


def fanout_demux_cpu(f: PacketFanout, skb, num: int) -> int:
    """fanout_demux_cpu: the receiving CPU's number modulo the members (always CPU 0 here)."""
    return SMP_PROCESSOR_ID % num


def fanout_demux_rnd(f: PacketFanout, skb, num: int) -> int:
    """fanout_demux_rnd: a uniformly random member."""
    return random.randrange(num)


def fanout_demux_qm(f: PacketFanout, skb, num: int) -> int:
    """fanout_demux_qm: the recorded queue mapping modulo the members (single-queue devices: 0)."""
    return 0


def fanout_demux_bpf(f: PacketFanout, skb, num: int) -> int:
    """fanout_demux_bpf: the group program's return value modulo the members; no program: 0."""
    prog = f.bpf_prog
    if prog is None:
        return 0
    return bpf_prog_run(prog, skb) % num


def fanout_demux_rollover(f: PacketFanout, skb, idx: int, try_self: bool, num: int) -> int:
    """fanout_demux_rollover: keep `idx` if it has normal room (or low room and the flow is not
    huge) when try_self; otherwise scan from the last rollover target for a member without
    pressure and with normal room. Counts land on the member first chosen."""
    po = f.arr[idx]
    room = ROOM_NONE
    po_skip = None
    if try_self:
        room = packet_rcv_has_room(po, skb)
        if room == ROOM_NORMAL or (room == ROOM_LOW and not fanout_flow_is_huge(po, skb)):
            return idx
        po_skip = po
    ro = po.rollover
    i = j = min(ro.sock, num - 1)
    while True:
        po_next = f.arr[i]
        if (po_next is not po_skip and not po_next.pressure
                and packet_rcv_has_room(po_next, skb) == ROOM_NORMAL):
            if i != j:
                ro.sock = i
            ro.num += 1
            if room == ROOM_LOW:
                ro.num_huge += 1
            return i
        i += 1
        if i == num:
            i = 0
        if i == j:
            break
    ro.num_failed += 1
    return idx


_DEMUX = {PACKET_FANOUT_HASH: fanout_demux_hash, PACKET_FANOUT_LB: fanout_demux_lb,
          PACKET_FANOUT_CPU: fanout_demux_cpu, PACKET_FANOUT_RND: fanout_demux_rnd,
          PACKET_FANOUT_QM: fanout_demux_qm, PACKET_FANOUT_CBPF: fanout_demux_bpf,
          PACKET_FANOUT_EBPF: fanout_demux_bpf}


def packet_rcv_fanout(skb, dev, pt: PacketType, orig_dev) -> int:
    """packet_rcv_fanout: frames of another netns or for an empty group are dropped; the mode picks
    a member (then the ROLLOVER flag may move it on), whose own receive function takes the frame."""
    f = pt.af_packet_priv
    arr = f.arr
    num = len(arr)
    if dev.nd_net is not f.net or not num:
        return 0
    if f.type == PACKET_FANOUT_ROLLOVER:
        idx = fanout_demux_rollover(f, skb, 0, False, num)
    else:
        idx = _DEMUX[f.type](f, skb, num)
    if f.flags & _FLAG_ROLLOVER:
        idx = fanout_demux_rollover(f, skb, idx, True, num)
    po = arr[idx]
    return po.prot_hook.func(skb, dev, po.prot_hook, orig_dev)


# ---------------------------------------------------------------- membership

def match_fanout_group(ptype: PacketType, sk) -> bool:
    """match_fanout_group: a packet socket that is a member of the group owning this hook (so the
    group does not see its members' own transmissions)."""
    return sk.sk_family == AF_PACKET and ptype.af_packet_priv is sk.fanout


def __fanout_link(sk) -> None:
    """__fanout_link: append the socket to the member array; the first member hooks the group."""
    f = sk.fanout
    f.arr.append(sk)
    if len(f.arr) == 1:
        dev_add_pack(f.prot_hook, f.net.core)


def __fanout_unlink(sk) -> None:
    """__fanout_unlink: the last member takes the leaver's slot; the last leaver unhooks the group."""
    f = sk.fanout
    arr = f.arr
    i = arr.index(sk)
    arr[i] = arr[-1]
    arr.pop()
    if not arr:
        __dev_remove_pack(f.prot_hook, f.net.core)


def fanout_find_new_id(net) -> int:
    """fanout_find_new_id: the first id from the machine-wide cursor that no group of this netns
    uses; -1 when all 65536 are taken."""
    core = net.core
    start = id = core.fanout_next_id
    groups = net.packet_fanouts
    while True:
        if id not in groups:
            core.fanout_next_id = (id + 1) & 0xFFFF
            return id
        id = (id + 1) & 0xFFFF
        if id == start:
            return -1


def fanout_add(sk, id: int, type_flags: int, max_num_members: int) -> int:
    """fanout_add: check mode and flags (EINVAL), membership (EALREADY), pick a unique id (EINVAL
    with an explicit id, ENOMEM when none is free); find the group of that id in the netns (flags
    and a given size must match it) or create one (size at most 65536, 0 means 256); then join if
    the socket's hook runs with the group's mode, protocol and device (else EINVAL; full: ENOSPC).
    A group created for a failed join is discarded again."""
    type = type_flags & 0xFF
    flags = type_flags >> 8
    if type == PACKET_FANOUT_ROLLOVER:
        if type_flags & PACKET_FANOUT_FLAG_ROLLOVER:
            return -E.EINVAL
    elif type > PACKET_FANOUT_EBPF:
        return -E.EINVAL
    if sk.fanout is not None:
        return -E.EALREADY
    rollover = None
    if type == PACKET_FANOUT_ROLLOVER or type_flags & PACKET_FANOUT_FLAG_ROLLOVER:
        rollover = PacketRollover()
    net = sk.sk_net
    if type_flags & PACKET_FANOUT_FLAG_UNIQUEID:
        if id != 0:
            return -E.EINVAL
        id = fanout_find_new_id(net)
        if id < 0:
            return -E.ENOMEM
        flags &= ~_FLAG_UNIQUEID         # the flag only asks for an id; the group does not keep it
    match = net.packet_fanouts.get(id)
    if match is not None:
        if match.flags != flags:
            return -E.EINVAL
        if max_num_members and max_num_members != match.max_num_members:
            return -E.EINVAL
    else:
        if max_num_members > PACKET_FANOUT_MAX:
            return -E.EINVAL
        match = PacketFanout(net, id, type, flags, max_num_members or FANOUT_LEGACY_MAX, sk)
        net.packet_fanouts[id] = match
    err = -E.EINVAL
    if (sk.running and match.type == type and match.prot_hook.type == sk.prot_hook.type
            and match.prot_hook.dev is sk.prot_hook.dev):
        err = -E.ENOSPC
        if match.sk_ref < match.max_num_members:
            __dev_remove_pack(sk.prot_hook, net.core)
            sk.fanout = match
            sk.rollover = rollover
            match.sk_ref += 1
            __fanout_link(sk)
            err = 0
    if err and not match.sk_ref:
        del net.packet_fanouts[id]
    return err


def fanout_release(sk) -> None:
    """fanout_release (at close, after the hook is gone): leave the group; the last member's
    departure removes it from the netns."""
    f = sk.fanout
    if f is None:
        return
    sk.fanout = None
    sk.rollover = None
    f.sk_ref -= 1
    if not f.sk_ref:
        if f.net.packet_fanouts.get(f.id) is f:
            del f.net.packet_fanouts[f.id]
        f.bpf_prog = None


# ---------------------------------------------------------------- options

def fanout_set_data_cbpf(sk, optval, optlen: int) -> int:
    """fanout_set_data_cbpf: EPERM under SO_LOCK_FILTER; exactly a struct sock_fprog (EINVAL),
    copied (EFAULT); the program is checked as a classic filter and replaces the group's."""
    if SOCK_FILTER_LOCKED in sk.sk_flags:
        return -E.EPERM
    if optlen != SOCK_FPROG_SIZE:
        return -E.EINVAL
    raw = copy_from_sockptr(optval, SOCK_FPROG_SIZE)
    if isinstance(raw, int):
        return raw
    flen, ufilter = sock_fprog_unpack(raw)
    prog = bpf_prog_create_from_user(flen, ufilter, copy_from_user)
    if isinstance(prog, int):
        return prog
    sk.fanout.bpf_prog = prog
    return 0


def fanout_set_data_ebpf(sk, optval, optlen: int) -> int:
    """fanout_set_data_ebpf: EPERM under SO_LOCK_FILTER; a 4-byte fd (EINVAL), copied (EFAULT);
    bpf_prog_get_type: no such open file → EBADF, a file that is not a BPF program → EINVAL
    (every file, here)."""
    if SOCK_FILTER_LOCKED in sk.sk_flags:
        return -E.EPERM
    if optlen != 4:
        return -E.EINVAL
    raw = copy_from_sockptr(optval, 4)
    if isinstance(raw, int):
        return raw
    fd = int.from_bytes(raw, "little", signed=True)
    if current().files.get(fd) is None:
        return -E.EBADF
    return -E.EINVAL


def fanout_set_data(sk, optval, optlen: int) -> int:
    """fanout_set_data: only CBPF and EBPF groups take data (else EINVAL)."""
    t = sk.fanout.type
    if t == PACKET_FANOUT_CBPF:
        return fanout_set_data_cbpf(sk, optval, optlen)
    if t == PACKET_FANOUT_EBPF:
        return fanout_set_data_ebpf(sk, optval, optlen)
    return -E.EINVAL


def fanout_getsockopt_value(sk) -> int:
    """PACKET_FANOUT (get): 0 outside a group, else id | mode << 16 | flag byte << 24."""
    f = sk.fanout
    if f is None:
        return 0
    return f.id | f.type << 16 | f.flags << 24


def rollover_stats(sk) -> bytes | int:
    """PACKET_ROLLOVER_STATS (get): EINVAL without rollover state, else tp_all, tp_huge,
    tp_failed (never reset)."""
    ro = sk.rollover
    if ro is None:
        return -E.EINVAL
    return TPACKET_ROLLOVER_STATS.pack(ro.num, ro.num_huge, ro.num_failed)
