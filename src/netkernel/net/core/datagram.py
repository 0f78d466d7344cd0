"""Datagram receive helpers (net/core/datagram.c)."""
from __future__ import annotations

LINUX_SOURCE = "net/core/datagram.c"

from netkernel.include.linux.uaccess import PartialUserBuffer
from netkernel.net.core.sock import Sock, sock_error, sock_wait, RCV_SHUTDOWN
from netkernel.uapi import errno as E
from netkernel.uapi.socket import MSG_PEEK, SO_SELECT_ERR_QUEUE

EPOLLIN = 0x1
EPOLLPRI = 0x2
EPOLLOUT = 0x4
EPOLLERR = 0x8
EPOLLRDNORM = 0x40
EPOLLWRNORM = 0x100
EPOLLWRBAND = 0x200


def __skb_try_recv_datagram(sk: Sock, flags: int):
    """__skb_try_recv_datagram: a pending error comes first (and is cleared); then the head of the
    queue (left there with MSG_PEEK). Returns an skb, None when empty, or a negative errno."""
    err = sock_error(sk)
    if err:
        return err
    q = sk.sk_receive_queue
    if q:
        if flags & MSG_PEEK:
            return q[0]
        return q.popleft()
    return None


def skb_recv_datagram(sk: Sock, flags: int, noblock: bool):
    """skb_recv_datagram: dequeue one frame, sleeping up to SO_RCVTIMEO unless non-blocking;
    an error raised while asleep (device down) wakes the reader. Timeout → -EAGAIN."""
    timeo = 0 if noblock else sk.sk_rcvtimeo
    hz = sk.sk_net.core.sysctl["kernel.hz"]
    while True:
        r = __skb_try_recv_datagram(sk, flags)
        if r is not None:
            return r
        if sk.sk_shutdown & RCV_SHUTDOWN:
            return 0
        if not timeo:
            return -E.EAGAIN
        # (a blocked reader holds the socket's file, so the socket cannot be released meanwhile)
        timeo = sock_wait(sk, timeo, lambda: sk.sk_receive_queue or sk.sk_err, hz)


def datagram_poll(sk: Sock) -> int:
    """datagram_poll: readable with queued frames, error with a pending sk_err or a queued
    error record (and priority too with SO_SELECT_ERR_QUEUE), writable while less than half the
    send buffer is in flight."""
    mask = 0
    if sk.sk_err or sk.sk_error_queue:
        mask |= EPOLLERR | (EPOLLPRI if SO_SELECT_ERR_QUEUE in sk.sk_flags else 0)
    if sk.sk_receive_queue:
        mask |= EPOLLIN | EPOLLRDNORM
    if sk.sk_wmem_alloc < (sk.sk_sndbuf >> 1):
        mask |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND
    return mask


def skb_copy_datagram_from_iter(skb, offset: int, data, len: int) -> int:
    """skb_copy_datagram_from_iter: copy the user's bytes into the buffer at `offset`; -EFAULT
    when they reach an unreadable page (the bytes before it are copied)."""
    start = skb.data + offset
    skb.buf[start:start + len] = data[:len]
    if type(data) is PartialUserBuffer and data.readable < len:
        return -E.EFAULT
    return 0
