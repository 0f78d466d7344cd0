"""A child's memory from the supervisor (process_vm_readv/writev), and copy_from_user reading the
calling task's memory: the served process's inside kthread_use_mm, ours elsewhere."""
import ctypes
import os
import threading

import pytest

from netkernel.include.linux.uaccess import copy_from_user, kthread_unuse_mm, kthread_use_mm
from netkernel.platform.memory import ProcessMemory
from netkernel.uapi import errno as E


@pytest.fixture
def child():
    """A forked child holding a buffer at a known address (ours, before the fork: same in it)."""
    buf = ctypes.create_string_buffer(b"child's bytes", 64)
    r, w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(w)
        buf.value = b"changed in the child"
        os.write(ready_w, b"!")
        os.read(r, 1)                     # wait until the parent is done
        os._exit(0)
    os.close(r)
    os.close(ready_w)
    assert os.read(ready_r, 1) == b"!"
    os.close(ready_r)
    yield pid, ctypes.addressof(buf)
    os.close(w)
    os.waitpid(pid, 0)


def test_read_write_and_efault(child):
    pid, addr = child
    mem = ProcessMemory(pid)
    assert mem.read(addr, 20) == b"changed in the child"
    mem.write_many([(addr, b"AB"), (addr + 10, b"Z")])
    assert mem.read(addr, 12) == b"ABanged inZt"
    for bad in (0, 8, 1 << 47, (1 << 64) - 8):
        with pytest.raises(OSError) as e:
            mem.read(bad, 8)
        assert e.value.errno == E.EFAULT
    assert mem.read_cstr(addr) == b"ABanged inZthe child"
    with pytest.raises(OSError) as e:     # (the pieces before the bad one may be written)
        mem.write_many([(addr, b"x"), (8, b"y")])
    assert e.value.errno == E.EFAULT
    assert mem.copy_from_user(8, 4) == -E.EFAULT


def test_copy_from_user_reads_the_served_tasks_memory_on_that_thread_only(child):
    pid, addr = child
    mine = ctypes.string_at(addr, 20)
    seen = {}

    def serving():
        kthread_use_mm(ProcessMemory(pid))
        try:
            seen["served"] = copy_from_user(addr, 20)
            seen["bad"] = copy_from_user(8, 4)
        finally:
            kthread_unuse_mm()
        seen["after"] = copy_from_user(addr, 20)

    t = threading.Thread(target=serving)
    t.start()
    t.join(10)
    assert seen == {"served": b"changed in the child", "bad": -E.EFAULT, "after": mine}
    assert copy_from_user(addr, 20) == mine             # this thread never borrowed it
