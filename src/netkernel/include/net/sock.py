"""Helpers Linux 5.15 defines inline in include/net/sock.h: the socket's wait queue, its pending
error, receive ownership, and the control messages added at receive (struct sock itself:
net/core/sock.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/net/sock.h"

from netkernel.net.core.scm import put_cmsg
from netkernel.uapi.socket import (SO_RXQ_OVFL, SO_TIMESTAMP_NEW, SO_TIMESTAMP_OLD,
                                   SO_TIMESTAMPNS_NEW, SO_TIMESTAMPNS_OLD, SOL_SOCKET, TIMESPEC,
                                   TIMEVAL, UINT)

# internal sk_flags (include/net/sock.h enum sock_flags) next to the option numbers kept there
SOCK_RCVTSTAMP = "SOCK_RCVTSTAMP"
SOCK_RCVTSTAMPNS = "SOCK_RCVTSTAMPNS"
SOCK_TSTAMP_NEW = "SOCK_TSTAMP_NEW"
SOCK_TIMESTAMP = "SOCK_TIMESTAMP"     # SIOCGSTAMP was asked: each read records its frame's time
SK_DEFAULT_STAMP = -1_000_000_000     # sk_stamp before any read: -1 s (SIOCGSTAMP: ENOENT)


# the events a write-space wakeup carries as its key (sock_def_write_space)
WRITE_SPACE_KEY = 0x4 | 0x100 | 0x200        # EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND


def sk_sleep(sk, timeout: float | None = None, events: int | None = None) -> None:
    """Sleep on the socket's wait queue (releasing the machine lock) until woken or `timeout`
    seconds pass. `events`: what a poll waits for (None: any wakeup concerns the sleeper, as
    for a task blocked in a call)."""
    write = events is None or bool(events & WRITE_SPACE_KEY)
    sk.sk_sleepers += 1
    sk.sk_write_sleepers += write
    try:
        sk.sk_wq.wait(timeout)
    finally:
        sk.sk_sleepers -= 1
        sk.sk_write_sleepers -= write


def sock_min_rcvbuf(profile) -> int:
    """SOCK_MIN_RCVBUF: 2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)); SOCK_MIN_SNDBUF: twice."""
    return 2048 + profile.data_align(profile.sizeof_sk_buff)


def sock_error(sk) -> int:
    """sock_error: take the pending error (returned negative, cleared)."""
    err = sk.sk_err
    if not err:
        return 0
    sk.sk_err = 0
    return -err


def skb_set_owner_r(skb, sk) -> None:
    """skb_set_owner_r: charge the buffer's truesize to the receiver."""
    skb.sk = sk
    skb.destructor = _sock.sock_rfree
    sk.sk_rmem_alloc += skb.truesize


def sock_skb_dropcount(sk) -> int:
    """sock_skb_set_dropcount: with SO_RXQ_OVFL on, a queued frame remembers sk_drops."""
    return sk.sk_drops if SO_RXQ_OVFL in sk.sk_flags else 0


def sock_recv_ts_and_drops(msg, sk, skb, dropcount: int) -> None:
    """sock_recv_ts_and_drops: the receive timestamp (SO_TIMESTAMP[NS], old or new layout), then
    the drop count at queueing time (SO_RXQ_OVFL, only when non-zero). Without a timestamp
    option the frame's time is only remembered for SIOCGSTAMP (sock_write_timestamp): always
    once SIOCGSTAMP was asked (SOCK_TIMESTAMP) or SO_RXQ_OVFL is on, else as 0 on the first read
    ("read, no time": SIOCGSTAMP then latches the current time)."""
    f = sk.sk_flags
    if SOCK_RCVTSTAMP not in f and SO_RXQ_OVFL not in f:
        if SOCK_TIMESTAMP in f:
            sk.sk_stamp = skb.tstamp + sk.sk_net.core.realtime_offset if skb.tstamp else 0
        elif sk.sk_stamp == SK_DEFAULT_STAMP:
            sk.sk_stamp = 0
        return
    if SOCK_RCVTSTAMP not in f:
        sk.sk_stamp = skb.tstamp + sk.sk_net.core.realtime_offset if skb.tstamp else 0
    else:
        core = sk.sk_net.core
        if not skb.tstamp:
            skb.tstamp = core.clock()
        t = skb.tstamp + core.realtime_offset
        sec, ns = divmod(t, 1_000_000_000)
        new = SOCK_TSTAMP_NEW in f
        if SOCK_RCVTSTAMPNS in f:
            put_cmsg(msg, SOL_SOCKET, SO_TIMESTAMPNS_NEW if new else SO_TIMESTAMPNS_OLD,
                     TIMESPEC.pack(sec, ns))
        else:
            put_cmsg(msg, SOL_SOCKET, SO_TIMESTAMP_NEW if new else SO_TIMESTAMP_OLD,
                     TIMEVAL.pack(sec, ns // 1000))
    if SO_RXQ_OVFL in f and dropcount:
        put_cmsg(msg, SOL_SOCKET, SO_RXQ_OVFL, UINT.pack(dropcount & 0xFFFFFFFF))


# sock.h's skb_set_owner_r installs net/core/sock.c's sock_rfree, and sock.c uses these helpers:
# bound last, as a module, so that either side may be imported first.
from netkernel.net.core import sock as _sock  # noqa: E402
