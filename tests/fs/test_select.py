"""poll(2) on a model socket: a sleeper is woken only by what concerns it (fs/select.c pollwake
filters by the wakeup's key; sock_def_write_space wakes with EPOLLOUT|EPOLLWRNORM|EPOLLWRBAND)."""
import socket
import threading

import netkernel
from polling import wait_until

EPOLLIN = 0x1


def _sleeping_poll(k, fd, sk, events):
    """A thread asleep in poll(fd, events) (100 ms); counts the times its wait queue is woken."""
    woken = []
    wq = sk.sk_wq
    notify_all = wq.notify_all

    def counting_notify_all():
        woken.append(1)
        notify_all()
    wq.notify_all = counting_notify_all
    t = threading.Thread(target=k.sys_poll, args=(fd, events, 0.1))
    t.start()
    assert wait_until(lambda: sk.sk_sleepers == 1)
    return t, woken


def _sock(k, s):
    return k._task.files[s.fileno()].private_data.sk


def test_a_poll_for_input_is_not_woken_by_the_sockets_own_sends():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)        # protocol 0: receives nothing
    s.bind(("lo", 0))
    sk = _sock(k, s)
    t, woken = _sleeping_poll(k, s.fileno(), sk, EPOLLIN)
    for _ in range(3):
        s.send(b"\xff" * 12 + b"\x88\xb5" + bytes(46))      # freed at once: write space
    t.join()
    assert woken == [] and sk.sk_write_sleepers == 0

