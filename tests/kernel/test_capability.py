"""capable() (kernel/capability.c): the current task's capabilities decide; kernel work done
outside any task (no current) is the machine's own and always allowed."""
import socket

import pytest

import netkernel
from netkernel.kernel import sched
from netkernel.kernel.capability import capable, ns_capable
from netkernel.uapi.capability import CAP_NET_ADMIN, CAP_NET_RAW


def test_capable_follows_the_current_task():
    k = netkernel.Kernel()
    task = k.process(caps={CAP_NET_ADMIN})._task
    prev = getattr(sched._tls, "task", None)
    sched._tls.task = task
    try:
        assert capable(CAP_NET_ADMIN) and not capable(CAP_NET_RAW)
        assert ns_capable(CAP_NET_ADMIN) and not ns_capable(CAP_NET_RAW)
    finally:
        sched._tls.task = prev


def test_capable_without_a_current_task_is_the_machine_itself():
    assert getattr(sched._tls, "task", None) is None
    assert capable(CAP_NET_RAW)


def test_packet_socket_needs_cap_net_raw():
    k = netkernel.Kernel()
    p = k.process(caps=set())
    with pytest.raises(PermissionError):
        p.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
