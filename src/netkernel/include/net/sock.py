"""Helpers Linux 5.15 defines inline in include/net/sock.h: the socket's wait queue, its pending
error, receive ownership, and the control messages added at receive (struct sock itself:
net/core/sock.py)."""
from __future__ import annotations

LINUX_SOURCE = "include/net/sock.h"

from netkernel.kernel.sched import defer_fput
from netkernel.net.core.scm import put_cmsg
from netkernel.uapi.net_tstamp import (SOF_TIMESTAMPING_RAW_HARDWARE,
                                       SOF_TIMESTAMPING_RX_SOFTWARE, SOF_TIMESTAMPING_SOFTWARE)
from netkernel.uapi.socket import AF_UNIX, AF_UNSPEC, SO_RXQ_OVFL, SOL_SOCKET, UINT

# internal sk_flags (include/net/sock.h enum sock_flags) next to the option numbers kept there
SOCK_RCVTSTAMP = "SOCK_RCVTSTAMP"
SOCK_RCVTSTAMPNS = "SOCK_RCVTSTAMPNS"
SOCK_TSTAMP_NEW = "SOCK_TSTAMP_NEW"
SOCK_TIMESTAMP = "SOCK_TIMESTAMP"     # SIOCGSTAMP was asked: each read records its frame's time
SOCK_TIMESTAMPING_RX_SOFTWARE = "SOCK_TIMESTAMPING_RX_SOFTWARE"   # SO_TIMESTAMPING's RX_SOFTWARE
SK_FLAGS_TIMESTAMP = (SOCK_TIMESTAMP, SOCK_TIMESTAMPING_RX_SOFTWARE)  # either keeps stamping on
SK_DEFAULT_STAMP = -1_000_000_000     # sk_stamp before any read: -1 s (SIOCGSTAMP: ENOENT)
TSFLAGS_ANY = SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_RAW_HARDWARE


# the events a write-space wakeup carries as its key (sock_def_write_space)
WRITE_SPACE_KEY = 0x4 | 0x100 | 0x200        # EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND


def sk_sleep(sk, timeout: float | None = None, events: int | None = None) -> None:
    """Sleep on the socket's wait queue (releasing the machine lock) until woken or `timeout`
    seconds pass. `events`: what a poll waits for (None: any wakeup concerns the sleeper, as
    for a task blocked in a call). Its file is referenced first, until the syscall returns:
    another thread may close the descriptor meanwhile (sockfd_lookup_light takes no reference)."""
    sock = sk.sk_socket
    f = sock.file if sock is not None else None
    if f is not None:
        defer_fput(f)
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


def sock_needs_netstamp(sk) -> bool:
    """sock_needs_netstamp: whether the socket's timestamp options count as users of the
    machine's receive stamping — every family but AF_UNSPEC and AF_UNIX."""
    return sk.sk_family != AF_UNSPEC and sk.sk_family != AF_UNIX


def sock_write_timestamp(sk, kt: int) -> None:
    """sock_write_timestamp: remember a read frame's time for SIOCGSTAMP (0: it had none)."""
    sk.sk_stamp = kt + sk.sk_net.core.realtime_offset if kt else 0


def sock_recv_timestamp(msg, sk, skb) -> None:
    """sock_recv_timestamp: control messages when SO_TIMESTAMP[NS] is on, software receive
    stamping was asked (SOF_TIMESTAMPING_RX_SOFTWARE), or the frame has a stamp and software
    stamps are to be reported (SOF_TIMESTAMPING_SOFTWARE); otherwise only sk_stamp is written.
    (No hardware stamps in the model.) A frame has a stamp only if some socket of the machine
    asked for receive stamps when it arrived (netstamp_needed_key): SOFTWARE without
    RX_SOFTWARE, on a machine where nothing asked, reports none."""
    tsflags = sk.sk_tsflags
    if SOCK_RCVTSTAMP in sk.sk_flags or tsflags & SOF_TIMESTAMPING_RX_SOFTWARE or \
            (skb.tstamp and tsflags & SOF_TIMESTAMPING_SOFTWARE):
        from netkernel.net import socket as _socket     # net/socket.c's, called from sock.h
        _socket.__sock_recv_timestamp(msg, sk, skb)
    else:
        sock_write_timestamp(sk, skb.tstamp)


def sock_recv_ts_and_drops(msg, sk, skb, dropcount: int) -> None:
    """sock_recv_ts_and_drops: with a timestamp option (SO_TIMESTAMP[NS], or SO_TIMESTAMPING
    reporting software/hardware stamps) or SO_RXQ_OVFL: the timestamps (sock_recv_timestamp),
    then the drop count at queueing time (SO_RXQ_OVFL, only when non-zero). Otherwise the
    frame's time is only remembered for SIOCGSTAMP (sock_write_timestamp): always once SIOCGSTAMP
    was asked (SOCK_TIMESTAMP), else as 0 on the first read ("read, no time": SIOCGSTAMP then
    latches the current time)."""
    f = sk.sk_flags
    if SOCK_RCVTSTAMP not in f and SO_RXQ_OVFL not in f and not sk.sk_tsflags & TSFLAGS_ANY:
        if SOCK_TIMESTAMP in f:
            sock_write_timestamp(sk, skb.tstamp)
        elif sk.sk_stamp == SK_DEFAULT_STAMP:
            sk.sk_stamp = 0
        return
    sock_recv_timestamp(msg, sk, skb)
    if SO_RXQ_OVFL in f and dropcount:
        put_cmsg(msg, SOL_SOCKET, SO_RXQ_OVFL, UINT.pack(dropcount & 0xFFFFFFFF))


def sock_tx_timestamp(sk, tsflags: int) -> int:
    """sock_tx_timestamp: the SKBTX_* requests a frame sent with these flags carries (callers test
    for flags first: the inline's `unlikely(tsflags)`, so an idle send draws no box). 5.15.0
    gives packet sockets no OPT_ID key (skb_setup_tx_timestamp, which draws sk_tskey for them,
    is 5.18's 8f932f762e79): their records report ee_data 0."""
    if tsflags:
        return _sock.__sock_tx_timestamp(tsflags)
    return 0


# sock.h's skb_set_owner_r installs net/core/sock.c's sock_rfree, and sock.c uses these helpers:
# bound last, as a module, so that either side may be imported first.
from netkernel.net.core import sock as _sock  # noqa: E402
