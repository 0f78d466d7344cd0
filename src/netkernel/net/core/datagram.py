"""Datagram receive helpers (net/core/datagram.c)."""
from __future__ import annotations

LINUX_SOURCE = "net/core/datagram.c"

from netkernel.include.linux.uaccess import PartialUserBuffer
from netkernel.lib.iov_iter import _copy_to_iter
from netkernel.net.core.skbuff import consume_skb
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


def __skb_try_recv_from_queue(sk: Sock, queue, flags: int):
    """__skb_try_recv_from_queue: the queue's first frame, left there with MSG_PEEK, unlinked
    otherwise; None when the queue is empty."""
    if queue:
        if flags & MSG_PEEK:
            return queue[0]
        return queue.popleft()
    return None


def __skb_try_recv_datagram(sk: Sock, flags: int):
    """__skb_try_recv_datagram: a pending error comes first (and is cleared); then the head of the
    queue. Returns an skb, None when empty, or a negative errno."""
    err = sock_error(sk)
    if err:
        return err
    return __skb_try_recv_from_queue(sk, sk.sk_receive_queue, flags)


def skb_recv_datagram(sk: Sock, flags: int, noblock: bool):
    """skb_recv_datagram: __skb_recv_datagram on the receive queue, non-blocking as asked."""
    return __skb_recv_datagram(sk, flags, noblock)


def __skb_recv_datagram(sk: Sock, flags: int, noblock: bool):
    """__skb_recv_datagram: dequeue one frame, sleeping up to SO_RCVTIMEO unless non-blocking;
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


def skb_copy_datagram_iter(skb, offset: int, msg, size: int, head: bytes = b"") -> int:
    """skb_copy_datagram_iter: copy `size` bytes of the frame, from `offset` past its data, to the
    reader (after `head`): msg.data, and when the reader handed its own buffers (msg.iov) they
    are written now — -EFAULT when one lies in a page that cannot be written (the bytes before
    it are)."""
    start = skb.data + offset
    data = head + bytes(skb.buf[start:start + size])
    msg.data = data
    if msg.iov is None:
        return 0
    msg.iov_done = True
    return 0 if _copy_to_iter(data, msg.iov) == len(data) else -E.EFAULT


def skb_free_datagram(sk: Sock, skb) -> None:
    """skb_free_datagram: the reader is done with the frame (consume_skb gives its charge back
    through sock_rfree)."""
    consume_skb(skb)


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
