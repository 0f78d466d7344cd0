"""struct sock and the SOL_SOCKET options (net/core/sock.c, include/net/sock.h).

Functions return what C returns: 0 or a value, or a negative errno.
"""
from __future__ import annotations

LINUX_SOURCE = "net/core/sock.c"
MODEL_HELPERS = ("sock_wait",)   # not a kernel function (see netkernel.trace)
# sk_data_ready / sk_error_report / sk_write_space are the sk->sk_* callbacks, bound to their
# defaults (sock_def_readable, sock_def_error_report, sock_def_write_space); sock.h's inline
# helpers are in netkernel.include.net.sock (re-exported below).

import itertools
import threading
import time
from collections import deque

from netkernel.include.net.sock import (  # noqa: F401 (sock.h's inlines and flags, re-exported)
    SK_DEFAULT_STAMP, SK_FLAGS_TIMESTAMP, SOCK_RCVTSTAMP, SOCK_RCVTSTAMPNS, SOCK_TIMESTAMP,
    SOCK_TIMESTAMPING_RX_SOFTWARE, SOCK_TSTAMP_NEW, sk_sleep, skb_set_owner_r, sock_error,
    sock_min_rcvbuf, sock_needs_netstamp, sock_recv_timestamp, sock_recv_ts_and_drops,
    sock_skb_dropcount, sock_tx_timestamp)
from netkernel.include.linux.skbuff import SKBTX_HW_TSTAMP, SKBTX_SCHED_TSTAMP, SKBTX_SW_TSTAMP
from netkernel.include.linux.sockptr import copy_from_sockptr
from netkernel.include.linux.uaccess import copy_from_user, put_user_arg
from netkernel.kernel.capability import capable, ns_capable
from netkernel.net.core.filter import (SOCK_FILTER_LOCKED, sk_attach_bpf, sk_attach_filter,
                                       sk_detach_filter, sk_get_filter, sk_reuseport_attach_bpf,
                                       sk_reuseport_attach_filter)
from netkernel.net.core.scm import put_cmsg
from netkernel.net.core.skbuff import (SkBuff, alloc_skb, alloc_skb_with_frags, kfree_skb,
                                      sock_dequeue_err_skb)
from netkernel.net.core.sock_reuseport import reuseport_detach_prog
from netkernel.uapi import errno as E
from netkernel.uapi.capability import CAP_NET_ADMIN, CAP_NET_RAW
from netkernel.uapi.filter import SKF_AD_MAX, SOCK_FPROG_SIZE, sock_fprog_unpack
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
from netkernel.uapi.socket import (IFNAMSIZ, LINGER, SK_MEMINFO, SOCK_BUF_LOCK_MASK, TXTIME,
                                   SOF_TXTIME_DEADLINE_MODE, SOF_TXTIME_FLAGS_MASK,
                                   SOF_TXTIME_REPORT_ERRORS, U64, UCRED, SO_ACCEPTCONN,
                                   SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_CBPF,
                                   SO_ATTACH_REUSEPORT_EBPF, SO_BINDTODEVICE, SO_BINDTOIFINDEX,
                                   SO_BPF_EXTENSIONS, SO_BSDCOMPAT, SO_BUF_LOCK, SO_BUSY_POLL,
                                   SO_BUSY_POLL_BUDGET, SO_CNX_ADVICE, SO_COOKIE,
                                   SO_DETACH_REUSEPORT_BPF, SO_INCOMING_CPU, SO_INCOMING_NAPI_ID,
                                   SO_LINGER, SO_MAX_PACING_RATE, SO_MEMINFO, SO_NETNS_COOKIE,
                                   SO_PASSCRED, SO_PASSSEC, SO_PEEK_OFF, SO_PEERCRED,
                                   SO_PEERGROUPS, SO_PEERNAME, SO_PEERSEC, SO_PREFER_BUSY_POLL,
                                   SO_RCVTIMEO_NEW, SO_SNDLOWAT, SO_SNDTIMEO_NEW, SO_TXTIME,
                                   SO_WIFI_STATUS, SO_ZEROCOPY)
from netkernel.uapi.errqueue import SOCK_EXTENDED_ERR
from netkernel.uapi.net_tstamp import (SO_TIMESTAMPING_SIZE, SO_TIMESTAMPING_STRUCT,
                                       SOF_TIMESTAMPING_BIND_PHC, SOF_TIMESTAMPING_MASK,
                                       SOF_TIMESTAMPING_OPT_ID, SOF_TIMESTAMPING_OPT_STATS,
                                       SOF_TIMESTAMPING_OPT_TSONLY, SOF_TIMESTAMPING_RX_SOFTWARE,
                                       SOF_TIMESTAMPING_TX_HARDWARE,
                                       SOF_TIMESTAMPING_TX_RECORD_MASK, SOF_TIMESTAMPING_TX_SCHED,
                                       SOF_TIMESTAMPING_TX_SOFTWARE)
from netkernel.uapi.socket import (MSG_ERRQUEUE, MSG_TRUNC, SO_SELECT_ERR_QUEUE,
                                   SO_TIMESTAMPING_NEW)

INT_MAX = 0x7FFFFFFF
MAX_SCHEDULE_TIMEOUT = (1 << 63) - 1   # LONG_MAX jiffies: wait forever
SOCK_RCVBUF_LOCK = 2
SOCK_SNDBUF_LOCK = 1
SOCK_LINGER = "SOCK_LINGER"           # sk_flags (enum sock_flags) set by SO_LINGER / SO_TXTIME
SOCK_TXTIME = "SOCK_TXTIME"
CLOCK_MONOTONIC = 1
U16_MAX = 0xFFFF
ULONG_MAX = (1 << 64) - 1
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
                 "sk_stamp", "sk_bound_dev_if", "sk_lingertime", "sk_ll_usec",
                 "sk_prefer_busy_poll", "sk_busy_poll_budget", "sk_max_pacing_rate",
                 "sk_pacing_rate", "sk_incoming_cpu", "sk_napi_id", "sk_cookie", "sk_clockid",
                 "sk_txtime_deadline_mode", "sk_txtime_report_errors", "sk_write_sleepers",
                 "__weakref__",
                 "sk_error_queue", "sk_tsflags", "sk_tskey", "sk_bind_phc")

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
        self.sk_write_sleepers = 0    # ... of them, those write space concerns (not a poll
                                      # for input only: pollwake filters by the wakeup's key)
        self.sk_filter = None         # SkFilter (net/core/filter.py) or None
        self.sk_omem_alloc = 0        # option memory: the attached filter's charge
        self.sk_stamp = SK_DEFAULT_STAMP  # last receive time (SIOCGSTAMP), CLOCK_REALTIME ns
        self.sk_error_queue: deque = deque()  # transmit timestamps (sock_queue_err_skb)
        self.sk_tsflags = 0           # SO_TIMESTAMPING flags (a u16 in 5.15)
        self.sk_tskey = 0             # SOF_TIMESTAMPING_OPT_ID's counter
        self.sk_bind_phc = 0          # SOF_TIMESTAMPING_BIND_PHC's clock index
        # sock_init_data's defaults for the rest of what SOL_SOCKET options reach
        self.sk_bound_dev_if = 0      # SO_BINDTODEVICE / SO_BINDTOIFINDEX (unused by af_packet)
        self.sk_lingertime = 0        # jiffies (SO_LINGER)
        self.sk_ll_usec = sysctl.get("net.core.busy_read", 0)
        self.sk_prefer_busy_poll = 0
        self.sk_busy_poll_budget = 0
        self.sk_max_pacing_rate = ULONG_MAX
        self.sk_pacing_rate = ULONG_MAX
        self.sk_incoming_cpu = -1
        self.sk_napi_id = 0
        self.sk_cookie = 0            # sock_gen_cookie: drawn on first use
        self.sk_clockid = 0           # SO_TXTIME
        self.sk_txtime_deadline_mode = 0
        self.sk_txtime_report_errors = 0


def sock_def_readable(sk: Sock) -> None:
    """sock_def_readable: wake the sleepers, if there are any (skwq_has_sleeper)."""
    if sk.sk_sleepers:
        sk.sk_wq.notify_all()


def sock_def_error_report(sk: Sock) -> None:
    """sock_def_error_report: wake the sleepers (EPOLLERR)."""
    if sk.sk_sleepers:
        sk.sk_wq.notify_all()


def sock_def_write_space(sk: Sock) -> None:
    """sock_def_write_space: wake_up_interruptible_sync_poll(EPOLLOUT|EPOLLWRNORM|EPOLLWRBAND):
    a poll waiting for input only is not woken (its pollwake sees the key does not concern it)."""
    if sk.sk_write_sleepers:
        sk.sk_wq.notify_all()


# sk->sk_data_ready, sk->sk_write_space: every socket here keeps the defaults sock_init_data
# installs, so the calls go straight to them (drawn under their names)
sk_data_ready = sock_def_readable
sk_write_space = sock_def_write_space


def sk_error_report(sk: Sock) -> None:
    """sk_error_report (a function since 5.13): sk->sk_error_report, the default one."""
    sock_def_error_report(sk)


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
    skb = alloc_skb_with_frags(sk.sk_net.core.profile, header_len, data_len)
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


def _set_timeout(optval, optlen: int, hz: int):
    """sock_set_timeout: a struct __kernel_old_timeval (SO_*TIMEO_OLD) or __kernel_sock_timeval
    (SO_*TIMEO_NEW), the same 16 bytes on x86_64 → jiffies. Returns (errno or 0, jiffies)."""
    if optlen < TIMEVAL_SIZE:
        return -E.EINVAL, 0
    raw = copy_from_sockptr(optval, TIMEVAL_SIZE)
    if isinstance(raw, int):
        return raw, 0
    sec, usec = TIMEVAL.unpack(raw)
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


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


# SOL_SOCKET options that are plain booleans on a packet socket (stored, read back as 0/1):
# sock_valbool_flag options and SO_PASSCRED/SO_PASSSEC (bits of struct socket's flags).
_BOOL_OPTS = (SO_DONTROUTE, SO_BROADCAST, SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK, SO_REUSEPORT,
              SO_NOFCS, SO_PASSCRED, SO_PASSSEC, SO_WIFI_STATUS, SO_RXQ_OVFL)

# cookies: gen_cookie_next(&sock_cookie) hands out increasing 64-bit numbers from 1
_sock_cookie = itertools.count(1)


def sock_gen_cookie(sk: Sock) -> int:
    """sock_gen_cookie (net/core/sock_diag.c in 5.15): the socket's cookie, drawn on first use."""
    if not sk.sk_cookie:
        sk.sk_cookie = next(_sock_cookie)
    return sk.sk_cookie


def sock_bindtoindex(sk: Sock, ifindex: int) -> int:
    """sock_bindtoindex_locked: changing an existing binding needs CAP_NET_RAW in the namespace
    (EPERM); a negative index is EINVAL; any other index is taken as is, existing or not."""
    if sk.sk_bound_dev_if and not ns_capable(CAP_NET_RAW):
        return -E.EPERM
    if ifindex < 0:
        return -E.EINVAL
    sk.sk_bound_dev_if = ifindex
    return 0


def sock_setbindtodevice(sk: Sock, optval, optlen: int) -> int:
    """sock_setbindtodevice: at most IFNAMSIZ-1 bytes are read (EFAULT) as a NUL-padded name; an
    empty name (or optlen 0) unbinds; an unknown name is ENODEV."""
    raw = copy_from_sockptr(optval, min(optlen, IFNAMSIZ - 1))
    if isinstance(raw, int):
        return raw
    name = raw.split(b"\0", 1)[0]
    index = 0
    if name:
        dev = sk.sk_net.dev_by_name.get(name.decode("utf-8", "surrogateescape"))
        if dev is None:
            return -E.ENODEV
        index = dev.ifindex
    return sock_bindtoindex(sk, index)


def sock_getbindtodevice(sk: Sock, len: int) -> bytes | int:
    """sock_getbindtodevice: unbound → nothing (optlen 0); else the NUL-terminated name, which
    needs a buffer of IFNAMSIZ (EINVAL); an index without a device is ENODEV."""
    if not sk.sk_bound_dev_if:
        return b""
    if len < IFNAMSIZ:
        return -E.EINVAL
    dev = sk.sk_net.dev_by_index.get(sk.sk_bound_dev_if)
    if dev is None:
        return -E.ENODEV
    return dev.name.encode() + b"\0"


def sk_get_meminfo(sk: Sock) -> bytes:
    """sk_get_meminfo: the SK_MEMINFO_VARS u32 counters. A packet socket has no forward
    allocation, queued-write or backlog memory: those read 0."""
    return SK_MEMINFO.pack(sk.sk_rmem_alloc, sk.sk_rcvbuf, sk.sk_wmem_alloc, sk.sk_sndbuf, 0, 0,
                           sk.sk_omem_alloc, 0, sk.sk_drops & 0xFFFFFFFF)


def sock_gettstamp(sock, userstamp, timeval: bool, time32: bool) -> int:
    """sock_gettstamp (SIOCGSTAMP[NS]): turns SOCK_TIMESTAMP on; ENOENT before any frame was
    read; a read frame without a time gets the current time, latched; a timeval has µs. The
    old and new layouts are the same 16 bytes on x86_64."""
    sk = sock.sk
    sock_enable_timestamp(sk, SOCK_TIMESTAMP)
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
        self.tsflags = sk.sk_tsflags    # sockcm_init
        self.transmit_time = 0


def sock_cmsg_send(sk: Sock, ancdata, sockc: SockcmCookie, capable) -> int:
    """sock_cmsg_send / __sock_cmsg_send: only SOL_SOCKET messages count; SO_MARK (CAP_NET_ADMIN,
    a u32), SO_TIMESTAMPING (a u32 of recording flags only, replacing the socket's recording
    flags for this send) and SCM_TXTIME (a u64) set per-send values, SCM_RIGHTS and
    SCM_CREDENTIALS are ignored, any other type is EINVAL — SO_TIMESTAMPING_NEW too in 5.15
    (accepted from 6.8's 382a32018b74)."""
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
            tsflags = UINT.unpack(data)[0]
            if tsflags & ~SOF_TIMESTAMPING_TX_RECORD_MASK:
                return -E.EINVAL
            sockc.tsflags = (sockc.tsflags & ~SOF_TIMESTAMPING_TX_RECORD_MASK) | tsflags
        elif type == SCM_TXTIME:
            if len(data) != 8:
                return -E.EINVAL
            sockc.transmit_time = int.from_bytes(data, "little")
        elif type in (SCM_RIGHTS, SCM_CREDENTIALS):
            continue
        else:
            return -E.EINVAL
    return 0


def sock_timestamping_bind_phc(sk: Sock, phc_index: int) -> int:
    """sock_timestamping_bind_phc: the socket must be bound to an existing device
    (SO_BINDTODEVICE, else EOPNOTSUPP) whose PTP virtual clocks include `phc_index` — no model
    device has one (EINVAL)."""
    if sk.sk_net.dev_by_index.get(sk.sk_bound_dev_if) is None:   # unbound, or its device gone
        return -E.EOPNOTSUPP
    return -E.EINVAL


def sock_enable_timestamp(sk: Sock, flag: str) -> None:
    """sock_enable_timestamp: set the flag; the socket's first timestamp flag (SOCK_TIMESTAMP or
    SOCK_TIMESTAMPING_RX_SOFTWARE) makes it a user of the machine's receive stamping."""
    f = sk.sk_flags
    if flag in f:
        return
    previous = SOCK_TIMESTAMP in f or SOCK_TIMESTAMPING_RX_SOFTWARE in f
    f.add(flag)
    if sock_needs_netstamp(sk) and not previous:
        _dev.net_enable_timestamp(sk.sk_net.core)


def sock_disable_timestamp(sk: Sock, flags: tuple) -> None:
    """sock_disable_timestamp: clear the flags; a socket left with neither timestamp flag stops
    being a user of the machine's receive stamping."""
    f = sk.sk_flags
    if not any(flag in f for flag in flags):
        return
    f.difference_update(flags)
    if sock_needs_netstamp(sk) and SOCK_TIMESTAMP not in f and \
            SOCK_TIMESTAMPING_RX_SOFTWARE not in f:
        _dev.net_disable_timestamp(sk.sk_net.core)


def __sk_destruct(sk: Sock) -> None:
    """__sk_destruct, the part the model keeps: a socket that goes away gives up its use of the
    machine's receive stamping."""
    sock_disable_timestamp(sk, SK_FLAGS_TIMESTAMP)


def sock_set_timestamping(sk: Sock, optname: int, flags: int, bind_phc: int) -> int:
    """sock_set_timestamping: unknown bits are EINVAL; turning OPT_ID on restarts the key at 0
    (before the checks that follow, as in 5.15); OPT_STATS needs OPT_TSONLY; BIND_PHC needs a
    clock. Then the flags replace the old ones and SOCK_TSTAMP_NEW follows the option's layout."""
    if flags & ~SOF_TIMESTAMPING_MASK:
        return -E.EINVAL
    if flags & SOF_TIMESTAMPING_OPT_ID and not sk.sk_tsflags & SOF_TIMESTAMPING_OPT_ID:
        sk.sk_tskey = 0
    if flags & SOF_TIMESTAMPING_OPT_STATS and not flags & SOF_TIMESTAMPING_OPT_TSONLY:
        return -E.EINVAL
    if flags & SOF_TIMESTAMPING_BIND_PHC:
        err = sock_timestamping_bind_phc(sk, bind_phc)
        if err:
            return err
    sk.sk_tsflags = flags
    (sk.sk_flags.add if optname == SO_TIMESTAMPING_NEW else sk.sk_flags.discard)(SOCK_TSTAMP_NEW)
    if flags & SOF_TIMESTAMPING_RX_SOFTWARE:
        sock_enable_timestamp(sk, SOCK_TIMESTAMPING_RX_SOFTWARE)
    else:
        sock_disable_timestamp(sk, (SOCK_TIMESTAMPING_RX_SOFTWARE,))
    return 0


def __sock_tx_timestamp(tsflags: int) -> int:
    """__sock_tx_timestamp: the SKBTX_* requests for the recording flags."""
    tx_flags = 0
    if tsflags & SOF_TIMESTAMPING_TX_HARDWARE:
        tx_flags |= SKBTX_HW_TSTAMP
    if tsflags & SOF_TIMESTAMPING_TX_SOFTWARE:
        tx_flags |= SKBTX_SW_TSTAMP
    if tsflags & SOF_TIMESTAMPING_TX_SCHED:
        tx_flags |= SKBTX_SCHED_TSTAMP
    return tx_flags


def sock_recv_errqueue(sk: Sock, msg, len: int, level: int, type: int) -> int:
    """sock_recv_errqueue: take the oldest error-queue record (-EAGAIN when there is none; never
    waits, and MSG_PEEK does not keep it), copy up to `len` of its bytes (MSG_TRUNC when cut),
    add its timestamps (the socket's receive-timestamp settings) and the sock_extended_err as
    (level, type), and set MSG_ERRQUEUE. Returns the bytes copied."""
    skb = sock_dequeue_err_skb(sk)
    if skb is None:
        return -E.EAGAIN
    copied = skb.tail - skb.data
    if copied > len:
        msg.flags |= MSG_TRUNC
        copied = len
    msg.data = bytes(skb.buf[skb.data:skb.data + copied])
    sock_recv_timestamp(msg, sk, skb)
    ee = skb.cb
    put_cmsg(msg, level, type, SOCK_EXTENDED_ERR.pack(ee.ee_errno, ee.ee_origin, ee.ee_type,
                                                      ee.ee_code, 0, ee.ee_info, ee.ee_data))
    msg.flags |= MSG_ERRQUEUE
    kfree_skb(skb)
    return copied


def sock_setsockopt(sk: Sock, optname: int, optval, optlen: int) -> int:
    """sock_setsockopt: `optval` holds the readable bytes of the user's buffer (None: NULL),
    `optlen` the length the caller gave. SO_BINDTODEVICE reads its own length; every other option
    needs at least an int (EINVAL), whose copy may fault (EFAULT); the first int is the value."""
    if optname == SO_BINDTODEVICE:
        return sock_setbindtodevice(sk, optval, optlen)
    if optlen < 4:
        return -E.EINVAL
    raw = copy_from_sockptr(optval, 4)
    if isinstance(raw, int):
        return raw
    val = INT.unpack(raw)[0]
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
    if optname in (SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW):
        err, timeo = _set_timeout(optval, optlen, hz)
        if err:
            return err
        if optname in (SO_RCVTIMEO, SO_RCVTIMEO_NEW):
            sk.sk_rcvtimeo = timeo
        else:
            sk.sk_sndtimeo = timeo
        return 0
    if optname == SO_PRIORITY:
        if not (0 <= val <= 6) and not ns_capable(CAP_NET_ADMIN):
            return -E.EPERM
        sk.sk_priority = val
        return 0
    if optname == SO_MARK:
        if not ns_capable(CAP_NET_ADMIN):
            return -E.EPERM
        sk.sk_mark = val & 0xFFFFFFFF
        return 0
    if optname == SO_DEBUG:
        if val and not capable(CAP_NET_ADMIN):
            return -E.EACCES
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
            sock_enable_timestamp(sk, SOCK_TIMESTAMP)   # stays on when the option is turned off
        else:
            flags.discard(SOCK_RCVTSTAMP)
            flags.discard(SOCK_RCVTSTAMPNS)
        return 0
    if optname == SO_TIMESTAMPING_OLD or optname == SO_TIMESTAMPING_NEW:
        # a whole struct so_timestamping, or else just the flags
        if optlen == SO_TIMESTAMPING_SIZE:
            raw = copy_from_sockptr(optval, SO_TIMESTAMPING_SIZE)
            if isinstance(raw, int):
                return raw
            flags, bind_phc = SO_TIMESTAMPING_STRUCT.unpack(raw)
        else:
            flags, bind_phc = val, 0
        return sock_set_timestamping(sk, optname, flags, bind_phc)
    if optname == SO_SELECT_ERR_QUEUE:
        (sk.sk_flags.add if val else sk.sk_flags.discard)(SO_SELECT_ERR_QUEUE)
        return 0
    if optname == SO_RCVLOWAT:
        # packet sockets have no set_rcvlowat: stored, read by nothing on their receive path
        if val < 0:
            val = INT_MAX
        sk.sk_rcvlowat = val or 1
        return 0
    if optname == SO_ATTACH_FILTER or optname == SO_ATTACH_REUSEPORT_CBPF:
        # copy_bpf_fprog_from_user: exactly a struct sock_fprog, whose `filter` is a user pointer
        if optlen != SOCK_FPROG_SIZE:
            return -E.EINVAL
        raw = copy_from_sockptr(optval, SOCK_FPROG_SIZE)
        if isinstance(raw, int):
            return raw
        flen, ufilter = sock_fprog_unpack(raw)
        if optname == SO_ATTACH_FILTER:
            return sk_attach_filter(sk, flen, ufilter, copy_from_user)
        return sk_reuseport_attach_filter(sk, flen, ufilter, copy_from_user)
    if optname == SO_ATTACH_BPF or optname == SO_ATTACH_REUSEPORT_EBPF:
        # a u32 descriptor of an eBPF program, exactly
        if optlen != 4:
            return -E.EINVAL
        ufd = val & 0xFFFFFFFF
        if optname == SO_ATTACH_BPF:
            return sk_attach_bpf(sk, ufd)
        return sk_reuseport_attach_bpf(sk, ufd)
    if optname == SO_DETACH_REUSEPORT_BPF:
        return reuseport_detach_prog(sk)
    if optname == SO_DETACH_FILTER:
        return sk_detach_filter(sk)
    if optname == SO_LOCK_FILTER:
        if SOCK_FILTER_LOCKED in sk.sk_flags and not val:
            return -E.EPERM
        (sk.sk_flags.add if val else sk.sk_flags.discard)(SOCK_FILTER_LOCKED)
        return 0
    if optname == SO_LINGER:
        if optlen < LINGER.size:
            return -E.EINVAL
        raw = copy_from_sockptr(optval, LINGER.size)
        if isinstance(raw, int):
            return raw
        onoff, linger = LINGER.unpack(raw)
        if not onoff:
            sk.sk_flags.discard(SOCK_LINGER)
        else:
            # 64-bit: the seconds are taken unsigned, in jiffies, without a cap
            sk.sk_lingertime = (linger & 0xFFFFFFFF) * hz
            sk.sk_flags.add(SOCK_LINGER)
        return 0
    if optname == SO_BSDCOMPAT or optname == SO_CNX_ADVICE:
        return 0     # SO_CNX_ADVICE 1: dst_negative_advice, and a packet socket has no route
    if optname == SO_PEEK_OFF:
        return -E.EOPNOTSUPP     # packet_ops has no set_peek_off
    if optname == SO_BUSY_POLL:
        # lowering is free; raising needs CAP_NET_ADMIN; negative is then EINVAL. sk_ll_usec is
        # an unsigned int, so a negative value compares as a huge one: EPERM without the capability
        if val & 0xFFFFFFFF > sk.sk_ll_usec and not capable(CAP_NET_ADMIN):
            return -E.EPERM
        if val < 0:
            return -E.EINVAL
        sk.sk_ll_usec = val
        return 0
    if optname == SO_PREFER_BUSY_POLL:
        if val and not capable(CAP_NET_ADMIN):
            return -E.EPERM
        sk.sk_prefer_busy_poll = 1 if val else 0
        return 0
    if optname == SO_BUSY_POLL_BUDGET:
        if val > sk.sk_busy_poll_budget and not capable(CAP_NET_ADMIN):
            return -E.EPERM
        if val < 0 or val > U16_MAX:
            return -E.EINVAL
        sk.sk_busy_poll_budget = val
        return 0
    if optname == SO_MAX_PACING_RATE:
        # an int (-1: unlimited) or, with optlen ≥ 8, an unsigned long
        rate = ULONG_MAX if val == -1 else val & 0xFFFFFFFF
        if optlen >= U64.size:
            raw = copy_from_sockptr(optval, U64.size)
            if isinstance(raw, int):
                return raw
            rate = U64.unpack(raw)[0]
        sk.sk_max_pacing_rate = rate
        sk.sk_pacing_rate = min(sk.sk_pacing_rate, rate)
        return 0
    if optname == SO_INCOMING_CPU:
        sk.sk_incoming_cpu = val
        return 0
    if optname == SO_ZEROCOPY:
        return -E.ENOTSUPP       # only TCP, UDP and RDS sockets take it
    if optname == SO_TXTIME:
        if optlen != TXTIME.size:
            return -E.EINVAL
        raw = copy_from_sockptr(optval, TXTIME.size)
        if isinstance(raw, int):
            return raw
        clockid, flags = TXTIME.unpack(raw)
        if flags & ~SOF_TXTIME_FLAGS_MASK:
            return -E.EINVAL
        if clockid != CLOCK_MONOTONIC and not ns_capable(CAP_NET_ADMIN):
            return -E.EPERM
        sk.sk_flags.add(SOCK_TXTIME)
        sk.sk_clockid = clockid & 0xFF      # sk_clockid is a u8: the id is stored truncated
        sk.sk_txtime_deadline_mode = 1 if flags & SOF_TXTIME_DEADLINE_MODE else 0
        sk.sk_txtime_report_errors = 1 if flags & SOF_TXTIME_REPORT_ERRORS else 0
        return 0
    if optname == SO_BINDTOIFINDEX:
        return sock_bindtoindex(sk, val)
    if optname == SO_BUF_LOCK:
        if val & ~SOCK_BUF_LOCK_MASK:
            return -E.EINVAL
        sk.sk_userlocks = val | (sk.sk_userlocks & ~SOCK_BUF_LOCK_MASK)
        return 0
    if optname in _BOOL_OPTS:
        (sk.sk_flags.add if val else sk.sk_flags.discard)(optname)
        return 0
    return -E.ENOPROTOOPT


def sock_getsockopt(sk: Sock, optname: int, optlen: int) -> bytes | int:
    """sock_getsockopt: the value's bytes, cut to the caller's optlen (negative optlen: -EINVAL);
    their length is what the kernel writes back to *optlen."""
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
    elif optname in (SO_RCVTIMEO, SO_RCVTIMEO_NEW):
        return _get_timeout(sk.sk_rcvtimeo, hz)[:optlen]
    elif optname in (SO_SNDTIMEO, SO_SNDTIMEO_NEW):
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
    elif optname == SO_TIMESTAMPING_OLD:
        # struct so_timestamping; SO_TIMESTAMPING_NEW is not readable in 5.15 (ENOPROTOOPT below)
        return SO_TIMESTAMPING_STRUCT.pack(sk.sk_tsflags, sk.sk_bind_phc)[:optlen]
    elif optname == SO_SELECT_ERR_QUEUE:
        v = 1 if SO_SELECT_ERR_QUEUE in sk.sk_flags else 0
    elif optname == SO_ATTACH_FILTER:
        # SO_GET_FILTER: optlen counts instructions; the written *optlen with the copied bytes
        return sk_get_filter(sk, optlen)
    elif optname == SO_LOCK_FILTER:
        v = 1 if SOCK_FILTER_LOCKED in sk.sk_flags else 0
    elif optname == SO_DEBUG or optname in _BOOL_OPTS:
        v = 1 if optname in sk.sk_flags else 0
    elif optname == SO_LINGER:
        return LINGER.pack(1 if SOCK_LINGER in sk.sk_flags else 0,
                           _s32(sk.sk_lingertime // hz))[:optlen]
    elif optname == SO_BSDCOMPAT or optname == SO_ACCEPTCONN or optname == SO_ZEROCOPY:
        v = 0        # never listening; SO_ZEROCOPY can't be set on a packet socket
    elif optname == SO_SNDLOWAT:
        v = 1
    elif optname == SO_PEERCRED:
        # no peer: pid 0, uid and gid -1 (overflow ids); at most sizeof(struct ucred)
        return UCRED.pack(0, 0xFFFFFFFF, 0xFFFFFFFF)[:optlen]
    elif optname == SO_PEERGROUPS:
        return -E.ENODATA    # no peer credentials
    elif optname == SO_PEERNAME:
        return -E.ENOTCONN   # packet_getname refuses the peer name
    elif optname == SO_PEERSEC:
        return -E.ENOPROTOOPT    # security_socket_getpeersec_stream without an LSM that has it
    elif optname == SO_PEEK_OFF:
        return -E.EOPNOTSUPP
    elif optname == SO_BINDTODEVICE:
        return sock_getbindtodevice(sk, optlen)
    elif optname == SO_BPF_EXTENSIONS:
        v = SKF_AD_MAX       # bpf_tell_extensions
    elif optname == SO_BUSY_POLL:
        v = sk.sk_ll_usec
    elif optname == SO_PREFER_BUSY_POLL:
        v = sk.sk_prefer_busy_poll
    elif optname == SO_MAX_PACING_RATE:
        if optlen >= U64.size:
            return U64.pack(sk.sk_max_pacing_rate)
        v = min(0xFFFFFFFF, sk.sk_max_pacing_rate)
    elif optname == SO_INCOMING_CPU:
        v = sk.sk_incoming_cpu
    elif optname == SO_MEMINFO:
        return sk_get_meminfo(sk)[:optlen]
    elif optname == SO_INCOMING_NAPI_ID:
        v = sk.sk_napi_id    # packet_rcv never marks one
    elif optname == SO_COOKIE:
        if optlen < U64.size:
            return -E.EINVAL
        return U64.pack(sock_gen_cookie(sk))
    elif optname == SO_TXTIME:
        flags = ((SOF_TXTIME_DEADLINE_MODE if sk.sk_txtime_deadline_mode else 0)
                 | (SOF_TXTIME_REPORT_ERRORS if sk.sk_txtime_report_errors else 0))
        return TXTIME.pack(sk.sk_clockid, flags)[:optlen]
    elif optname == SO_BINDTOIFINDEX:
        v = sk.sk_bound_dev_if
    elif optname == SO_NETNS_COOKIE:
        if optlen != U64.size:
            return -E.EINVAL
        return U64.pack(sk.sk_net.net_cookie)
    elif optname == SO_BUF_LOCK:
        v = sk.sk_userlocks & SOCK_BUF_LOCK_MASK
    else:
        return -E.ENOPROTOOPT
    return INT.pack(_s32(v))[:optlen]


# net/core/dev.c keeps the machine's receive stamping switch; dev.py builds on skbuff.py, which
# binds this module last: imported as a module at the end so that either side may load first.
from netkernel.net.core import dev as _dev  # noqa: E402
