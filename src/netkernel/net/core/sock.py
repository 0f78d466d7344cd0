"""struct sock and the SOL_SOCKET options (net/core/sock.c, include/net/sock.h).

Functions return what C returns: 0 or a value, or a negative errno.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/sock.c"
MODEL_HELPERS = ("sock_wait",)   # not a kernel function (see netkernel.trace)
# sk_data_ready / sk_write_space model the sk->sk_data_ready / sk->sk_write_space calls, whose
# defaults (sock_def_readable, sock_def_write_space) are here in 5.15; sock.h's inline helpers
# are in netkernel.include.net.sock (re-exported below).

import threading
import time
from collections import deque

from netkernel.include.net.sock import (  # noqa: F401 (sock.h's inlines and flags, re-exported)
    SK_DEFAULT_STAMP, SOCK_RCVTSTAMP, SOCK_RCVTSTAMPNS, SOCK_TIMESTAMP, SOCK_TSTAMP_NEW, sk_sleep,
    skb_set_owner_r, sock_error, sock_min_rcvbuf, sock_recv_ts_and_drops, sock_skb_dropcount)
from netkernel.include.linux.uaccess import copy_from_user, put_user_arg
from netkernel.net.core.filter import (SOCK_FILTER_LOCKED, sk_attach_filter, sk_detach_filter,
                                       sk_get_filter)
from netkernel.net.core.scm import put_cmsg
from netkernel.net.core.skbuff import SkBuff, alloc_skb
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.filter import SOCK_FPROG_SIZE, sock_fprog_unpack
from netkernel.uapi.socket import SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_LOCK_FILTER
from netkernel.uapi.socket import (INT, TIMEVAL, TIMEVAL_SIZE, SO_BROADCAST, SO_DEBUG, SO_DOMAIN,
                                   SO_DONTROUTE, SO_ERROR, SO_KEEPALIVE, SO_MARK, SO_NO_CHECK,
                                   SO_OOBINLINE, SO_PRIORITY, SO_PROTOCOL, SO_RCVBUF,
                                   SO_RCVBUFFORCE, SO_RCVLOWAT, SO_RCVTIMEO, SO_REUSEADDR,
                                   SO_REUSEPORT, SO_SNDBUF, SO_SNDBUFFORCE, SO_SNDTIMEO, SO_TYPE,
                                   SO_NOFCS, SO_TIMESTAMPING_OLD, SCM_TXTIME, SCM_RIGHTS,
                                   SCM_CREDENTIALS, SOL_SOCKET, UINT, SO_RXQ_OVFL,
                                   SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD, SO_TIMESTAMP_NEW,
                                   SO_TIMESTAMPNS_NEW, TIMESPEC)

INT_MAX = 0x7FFFFFFF
MAX_SCHEDULE_TIMEOUT = (1 << 63) - 1   # LONG_MAX jiffies: wait forever
SOCK_RCVBUF_LOCK = 2
SOCK_SNDBUF_LOCK = 1
RCV_SHUTDOWN = 1
SEND_SHUTDOWN = 2


class ProtoOps:
    """struct proto_ops: a family's socket calls. Each is a function taking the KernelSocket."""
    __slots__ = ("family", "release", "bind", "connect", "socketpair", "accept", "getname", "poll",
                 "ioctl", "gettstamp", "listen", "shutdown", "setsockopt", "getsockopt", "sendmsg",
                 "recvmsg", "mmap")

    def __init__(self, **ops):
        for name in self.__slots__:
            setattr(self, name, ops.get(name))


class NetProtoFamily:
    """struct net_proto_family: `create(net, sock, protocol, kern, task)`."""
    __slots__ = ("family", "create")

    def __init__(self, family: int, create):
        self.family = family
        self.create = create


class Sock:
    """struct sock: buffers and their accounting, the receive queue, the pending error, timeouts.
    Lock: the machine lock (NetCore.lock) guards every field; `sk_wq` waits on it."""
    __slots__ = ("sk_family", "sk_type", "sk_protocol", "sk_net", "sk_socket", "sk_rcvbuf",
                 "sk_sndbuf", "sk_rmem_alloc", "sk_wmem_alloc", "sk_err", "sk_err_soft",
                 "sk_receive_queue", "sk_drops", "sk_rcvtimeo", "sk_sndtimeo", "sk_wq",
                 "sk_userlocks", "sk_priority", "sk_mark", "sk_shutdown", "sk_dead", "sk_flags",
                 "sk_rcvlowat", "sk_reuse", "sk_reuseport", "sk_sleepers", "sk_filter", "sk_omem_alloc",
                 "sk_stamp", "__weakref__")

    def __init__(self, net, family: int, type: int, lock):
        sysctl = net.core.sysctl
        self.sk_family = family
        self.sk_type = type
        self.sk_protocol = 0
        self.sk_net = net
        self.sk_socket = None
        self.sk_rcvbuf = sysctl["net.core.rmem_default"]
        self.sk_sndbuf = sysctl["net.core.wmem_default"]
        self.sk_rmem_alloc = 0
        self.sk_wmem_alloc = 0
        self.sk_err = 0
        self.sk_err_soft = 0
        self.sk_receive_queue: deque = deque()
        self.sk_drops = 0
        self.sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT
        self.sk_sndtimeo = MAX_SCHEDULE_TIMEOUT
        self.sk_wq = threading.Condition(lock)
        self.sk_userlocks = 0
        self.sk_priority = 0
        self.sk_mark = 0
        self.sk_shutdown = 0
        self.sk_dead = False
        self.sk_flags = set()   # SOCK_DBG, SOCK_KEEPOPEN, ... by option number
        self.sk_rcvlowat = 1
        self.sk_reuse = 0
        self.sk_reuseport = 0
        self.sk_sleepers = 0          # tasks asleep on sk_wq (wq_has_sleeper)
        self.sk_filter = None         # SkFilter (net/core/filter.py) or None
        self.sk_omem_alloc = 0        # option memory: the attached filter's charge
        self.sk_stamp = SK_DEFAULT_STAMP  # last receive time (SIOCGSTAMP), CLOCK_REALTIME ns


def sk_data_ready(sk: Sock) -> None:
    """sock_def_readable: wake the sleepers, if there are any (skwq_has_sleeper)."""
    if sk.sk_sleepers:
        sk.sk_wq.notify_all()


def sk_error_report(sk: Sock) -> None:
    if sk.sk_sleepers:
        sk.sk_wq.notify_all()


def sk_write_space(sk: Sock) -> None:
    if sk.sk_sleepers:
        sk.sk_wq.notify_all()


def sock_rfree(skb: SkBuff) -> None:
    sk = skb.sk
    sk.sk_rmem_alloc -= skb.truesize


def sock_wfree(skb: SkBuff) -> None:
    sk = skb.sk
    sk.sk_wmem_alloc -= skb.truesize
    if not sk.sk_dead:
        sk_write_space(sk)


def skb_set_owner_w(skb: SkBuff, sk: Sock) -> None:
    skb.sk = sk
    skb.destructor = sock_wfree
    sk.sk_wmem_alloc += skb.truesize


def sock_wait(sk: Sock, timeo: int, ready, hz: int) -> int:
    """Sleep on sk_wq until `ready()` is true or `timeo` jiffies pass; returns jiffies left (0 on
    timeout). MAX_SCHEDULE_TIMEOUT waits forever. Waiting is real time (time.monotonic_ns), also
    on a machine with a virtual clock, whose time only moves when a test advances it."""
    clock = time.monotonic_ns
    if timeo >= MAX_SCHEDULE_TIMEOUT:
        while not ready():
            sk_sleep(sk)
        return timeo
    deadline = clock() + timeo * 1_000_000_000 // hz
    while not ready():
        left = deadline - clock()
        if left <= 0:
            return 0
        sk_sleep(sk, left / 1e9)
    return max(1, (deadline - clock()) * hz // 1_000_000_000)


def sock_alloc_send_pskb(sk: Sock, header_len: int, data_len: int, noblock: bool, hz: int):
    """sock_alloc_send_pskb: report a pending error first, wait for send-buffer room (or -EAGAIN),
    then allocate the skb charged to the sender. Returns an SkBuff or a negative errno."""
    timeo = 0 if noblock else sk.sk_sndtimeo
    while True:
        err = sock_error(sk)
        if err:
            return err
        if sk.sk_shutdown & SEND_SHUTDOWN:
            return -32  # EPIPE
        if sk.sk_wmem_alloc < sk.sk_sndbuf:
            break
        if not timeo:
            return -E.EAGAIN
        timeo = sock_wait(sk, timeo, lambda: sk.sk_wmem_alloc < sk.sk_sndbuf or sk.sk_err, hz)
    skb = alloc_skb(sk.sk_net.core.profile, header_len, data_len)
    skb_set_owner_w(skb, sk)
    return skb


def sock_wmalloc(sk: Sock, size: int):
    """sock_wmalloc: allocate at once while the send buffer has room, else None (no waiting, no
    pending-error check)."""
    if sk.sk_wmem_alloc >= sk.sk_sndbuf:
        return None
    skb = alloc_skb(sk.sk_net.core.profile, size)
    skb_set_owner_w(skb, sk)
    return skb


def _set_timeout(optval: bytes, hz: int):
    """sock_set_timeout: struct timeval → jiffies. Returns (errno or 0, jiffies)."""
    if len(optval) < TIMEVAL_SIZE:
        return -E.EINVAL, 0
    sec, usec = TIMEVAL.unpack_from(optval, 0)
    if usec < 0 or usec >= 1_000_000:
        return -E.EDOM, 0
    if sec < 0:
        return 0, 0
    if sec == 0 and usec == 0:
        return 0, MAX_SCHEDULE_TIMEOUT
    if sec < MAX_SCHEDULE_TIMEOUT // hz - 1:
        return 0, sec * hz + (usec + (1_000_000 // hz) - 1) // (1_000_000 // hz)
    return 0, MAX_SCHEDULE_TIMEOUT


def _get_timeout(timeo: int, hz: int) -> bytes:
    if timeo >= MAX_SCHEDULE_TIMEOUT:
        return TIMEVAL.pack(0, 0)
    return TIMEVAL.pack(timeo // hz, (timeo % hz) * 1_000_000 // hz)


# SOL_SOCKET options that are plain booleans on a packet socket (stored, read back as 0/1).
_BOOL_OPTS = (SO_DONTROUTE, SO_BROADCAST, SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK, SO_REUSEPORT,
              SO_NOFCS, 16)  # 16 = SO_PASSCRED




def sock_gettstamp(sock, userstamp, timeval: bool, time32: bool) -> int:
    """sock_gettstamp (SIOCGSTAMP[NS]): turns SOCK_TIMESTAMP on; ENOENT before any frame was
    read; a read frame without a time gets the current time, latched; a timeval has µs. The
    old and new layouts are the same 16 bytes on x86_64."""
    sk = sock.sk
    sk.sk_flags.add(SOCK_TIMESTAMP)
    sk.sk_net.core.netstamp_needed = True     # sock_enable_timestamp → net_enable_timestamp
    t = sk.sk_stamp
    if t == SK_DEFAULT_STAMP:
        return -E.ENOENT
    if t == 0:
        core = sk.sk_net.core
        t = sk.sk_stamp = core.clock() + core.realtime_offset
    sec, ns = divmod(t, 1_000_000_000)
    return put_user_arg(userstamp, TIMESPEC.pack(sec, ns // 1000 if timeval else ns))


class SockcmCookie:
    """struct sockcm_cookie: per-send overrides from control messages."""
    __slots__ = ("mark", "tsflags", "transmit_time")

    def __init__(self, sk: Sock):
        self.mark = sk.sk_mark
        self.tsflags = 0
        self.transmit_time = 0


def sock_cmsg_send(sk: Sock, ancdata, sockc: SockcmCookie, capable) -> int:
    """sock_cmsg_send / __sock_cmsg_send: only SOL_SOCKET messages count; SO_MARK (CAP_NET_ADMIN,
    a u32), SO_TIMESTAMPING (a u32) and SCM_TXTIME (a u64) set per-send values, SCM_RIGHTS and
    SCM_CREDENTIALS are ignored, any other type is EINVAL."""
    for level, type, data in ancdata:
        if level != SOL_SOCKET:
            continue
        if type == SO_MARK:
            if not capable(CAP_NET_ADMIN):
                return -E.EPERM
            if len(data) != 4:
                return -E.EINVAL
            sockc.mark = UINT.unpack(data)[0]
        elif type == SO_TIMESTAMPING_OLD:
            if len(data) != 4:
                return -E.EINVAL
            sockc.tsflags = UINT.unpack(data)[0]
        elif type == SCM_TXTIME:
            if len(data) != 8:
                return -E.EINVAL
            sockc.transmit_time = int.from_bytes(data, "little")
        elif type in (SCM_RIGHTS, SCM_CREDENTIALS):
            continue
        else:
            return -E.EINVAL
    return 0


def sock_setsockopt(sk: Sock, optname: int, optval: bytes, capable) -> int:
    """sock_setsockopt: every option needs at least an int; the first int is the value."""
    if len(optval) < 4:
        return -E.EINVAL
    val = INT.unpack_from(optval, 0)[0]
    sysctl = sk.sk_net.core.sysctl
    profile = sk.sk_net.core.profile
    hz = sk.sk_net.core.sysctl["kernel.hz"]
    if optname in (SO_RCVBUF, SO_RCVBUFFORCE, SO_SNDBUF, SO_SNDBUFFORCE):
        rcv = optname in (SO_RCVBUF, SO_RCVBUFFORCE)
        if optname in (SO_RCVBUF, SO_SNDBUF):
            # the plain options cap at the sysctl (a negative int, read unsigned, hits the cap)
            v = min(val & 0xFFFFFFFF, sysctl["net.core.rmem_max" if rcv else "net.core.wmem_max"])
        else:
            if not capable(CAP_NET_ADMIN):
                return -E.EPERM
            v = max(val, 0)
        # __sock_set_rcvbuf / sock_set_sndbuf: doubled (bookkeeping overhead), with a floor
        v = max(min(v, INT_MAX // 2) * 2, sock_min_rcvbuf(profile) * (1 if rcv else 2))
        if rcv:
            sk.sk_userlocks |= SOCK_RCVBUF_LOCK
            sk.sk_rcvbuf = v
        else:
            sk.sk_userlocks |= SOCK_SNDBUF_LOCK
            sk.sk_sndbuf = v
            sk_write_space(sk)
        return 0
    if optname == SO_RCVTIMEO or optname == SO_SNDTIMEO:
        err, timeo = _set_timeout(optval, hz)
        if err:
            return err
        if optname == SO_RCVTIMEO:
            sk.sk_rcvtimeo = timeo
        else:
            sk.sk_sndtimeo = timeo
        return 0
    if optname == SO_PRIORITY:
        if not (0 <= val <= 6) and not capable(CAP_NET_ADMIN):
            return -E.EPERM
        sk.sk_priority = val
        return 0
    if optname == SO_MARK:
        if not capable(CAP_NET_ADMIN):
            return -E.EPERM
        sk.sk_mark = val & 0xFFFFFFFF
        return 0
    if optname == SO_DEBUG:
        if val and not capable(CAP_NET_ADMIN):
            return -E.EPERM
        (sk.sk_flags.add if val else sk.sk_flags.discard)(SO_DEBUG)
        return 0
    if optname == SO_REUSEADDR:
        sk.sk_reuse = 1 if val else 0
        return 0
    if optname in (SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD, SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW):
        # __sock_set_timestamps: on picks the format (ns or µs, old or new layout); off clears both
        flags = sk.sk_flags
        if val:
            for flag, on in ((SOCK_TSTAMP_NEW, optname in (SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW)),
                             (SOCK_RCVTSTAMPNS, optname in (SO_TIMESTAMPNS_OLD, SO_TIMESTAMPNS_NEW)),
                             (SOCK_RCVTSTAMP, True)):
                (flags.add if on else flags.discard)(flag)
            flags.add(SOCK_TIMESTAMP)       # sock_enable_timestamp: stays on when turned off
        else:
            flags.discard(SOCK_RCVTSTAMP)
            flags.discard(SOCK_RCVTSTAMPNS)
        return 0
    if optname == SO_RXQ_OVFL:
        (sk.sk_flags.add if val else sk.sk_flags.discard)(SO_RXQ_OVFL)
        return 0
    if optname == SO_RCVLOWAT:
        if val < 0:
            val = INT_MAX
        sk.sk_rcvlowat = val or 1
        return 0
    if optname == SO_ATTACH_FILTER:
        # copy_bpf_fprog_from_user: exactly a struct sock_fprog, whose `filter` is a user pointer
        if len(optval) != SOCK_FPROG_SIZE:
            return -E.EINVAL
        flen, ufilter = sock_fprog_unpack(optval)
        return sk_attach_filter(sk, flen, ufilter, copy_from_user)
    if optname == SO_DETACH_FILTER:
        return sk_detach_filter(sk)
    if optname == SO_LOCK_FILTER:
        if SOCK_FILTER_LOCKED in sk.sk_flags and not val:
            return -E.EPERM
        (sk.sk_flags.add if val else sk.sk_flags.discard)(SOCK_FILTER_LOCKED)
        return 0
    if optname in _BOOL_OPTS:
        (sk.sk_flags.add if val else sk.sk_flags.discard)(optname)
        return 0
    return -E.ENOPROTOOPT


def sock_getsockopt(sk: Sock, optname: int, optlen: int) -> bytes | int:
    """sock_getsockopt: the value's bytes, cut to the caller's optlen (negative optlen: -EINVAL)."""
    if optlen < 0:
        return -E.EINVAL
    hz = sk.sk_net.core.sysctl["kernel.hz"]
    if optname == SO_TYPE:
        v = sk.sk_type
    elif optname == SO_PROTOCOL:
        v = sk.sk_protocol
    elif optname == SO_DOMAIN:
        v = sk.sk_family
    elif optname == SO_ERROR:
        v = -sock_error(sk) or sk.sk_err_soft
    elif optname == SO_RCVBUF:
        v = sk.sk_rcvbuf
    elif optname == SO_SNDBUF:
        v = sk.sk_sndbuf
    elif optname == SO_RCVTIMEO:
        return _get_timeout(sk.sk_rcvtimeo, hz)[:optlen]
    elif optname == SO_SNDTIMEO:
        return _get_timeout(sk.sk_sndtimeo, hz)[:optlen]
    elif optname == SO_PRIORITY:
        v = sk.sk_priority
    elif optname == SO_MARK:
        v = sk.sk_mark
    elif optname == SO_REUSEADDR:
        v = sk.sk_reuse
    elif optname == SO_RCVLOWAT:
        v = sk.sk_rcvlowat
    elif optname in (SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD, SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW):
        f = sk.sk_flags
        new = SOCK_TSTAMP_NEW in f
        ns = SOCK_RCVTSTAMPNS in f
        v = int({SO_TIMESTAMP_OLD: SOCK_RCVTSTAMP in f and not new and not ns,
                 SO_TIMESTAMPNS_OLD: ns and not new,
                 SO_TIMESTAMP_NEW: SOCK_RCVTSTAMP in f and new,
                 SO_TIMESTAMPNS_NEW: ns and new}[optname])
    elif optname == SO_ATTACH_FILTER:
        # SO_GET_FILTER: optlen counts instructions; the written *optlen with the copied bytes
        return sk_get_filter(sk, optlen)
    elif optname == SO_LOCK_FILTER:
        v = 1 if SOCK_FILTER_LOCKED in sk.sk_flags else 0
    elif optname == SO_DEBUG or optname == SO_RXQ_OVFL or optname in _BOOL_OPTS:
        v = 1 if optname in sk.sk_flags else 0
    else:
        return -E.ENOPROTOOPT
    return INT.pack(v if v < 0x80000000 else v - (1 << 32))[:optlen]
