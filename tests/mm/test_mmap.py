"""mmap(2) on sockets (mm/mmap.py): the generic checks before the family's ->mmap."""
import socket
import struct

import pytest

import netkernel
from netkernel.mm.mmap import MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, VmArea


def ring_socket(k):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(263, 5, struct.pack("4I", 4096, 2, 2048, 4))
    return s


@pytest.mark.parametrize("flags,prot,length,err", [
    (0, 3, 8192, 22),                          # neither shared nor private
    (0x0F, 3, 8192, 22),                       # unknown mapping type
    (MAP_SHARED_VALIDATE | 0x80000, 3, 8192, 95),   # MAP_SYNC-like unknown flag: EOPNOTSUPP
    (MAP_SHARED, 3, (1 << 64) - 1, 12),        # rounds past the address space: ENOMEM
])
def test_do_mmap_checks(flags, prot, length, err):
    k = netkernel.Kernel()
    s = ring_socket(k)
    with pytest.raises(OSError) as e:
        k.sys_mmap(s.fileno(), length, prot, flags, 0)
    assert e.value.errno == err


def test_private_and_validated_shared_mappings_work():
    k = netkernel.Kernel()
    s = ring_socket(k)
    a = k.sys_mmap(s.fileno(), 8192, 3, MAP_PRIVATE, 0)
    b = k.sys_mmap(s.fileno(), 8191, 1, MAP_SHARED_VALIDATE, 0)
    assert isinstance(a, VmArea) and len(b) == 8191
    a.close()
    a.close()                                  # munmap runs once
    b.close()
    s.setsockopt(263, 5, struct.pack("4I", 0, 0, 0, 0))   # no mapping left: not EBUSY
