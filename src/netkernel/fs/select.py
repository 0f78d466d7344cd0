"""poll(2) (fs/select.c), for one socket."""
from __future__ import annotations

LINUX_SOURCE = "fs/select.c"

import time

from netkernel.include.net.sock import sk_sleep
from netkernel.net.core.datagram import EPOLLERR
from netkernel.net.socket import sockfd_lookup_light


def sys_poll(task, fd: int, events: int, timeout: float | None) -> int:
    """do_sys_poll (fs/select.c) for one socket: its poll mask once it meets `events` (or shows an
    error), 0 when `timeout` seconds pass first (None: wait forever)."""
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    sk = sock.sk
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        if sock.ops is None:
            return 0x20   # POLLNVAL
        mask = sock.ops.poll(sock)
        if mask & (events | EPOLLERR):
            return mask
        if deadline is None:
            sk_sleep(sk, None, events)
        else:
            left = deadline - time.monotonic()
            if left <= 0:
                return 0
            sk_sleep(sk, left, events)
