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


def test_anonymous_mapping_ignores_the_descriptor_and_mmap_file_gives_the_memfd():
    from netkernel.mm.mmap import MAP_ANONYMOUS, mmap_file
    k = netkernel.Kernel()
    a = k.sys_mmap(-1, 4096, 3, MAP_PRIVATE | MAP_ANONYMOUS, 0)
    a[0] = 7
    assert a[0] == 7
    s = ring_socket(k)
    memfd, munmap = k._call(mmap_file, s.fileno(), 8192, 3, MAP_SHARED, 0)
    import mmap
    with mmap.mmap(memfd, 8192) as m:            # what a supervisor maps into a real process
        assert len(m) == 8192 and m[:4] == bytes(4)
    with pytest.raises(OSError):
        s.setsockopt(263, 5, struct.pack("4I", 0, 0, 0, 0))    # still mapped: EBUSY
    munmap()
    s.setsockopt(263, 5, struct.pack("4I", 0, 0, 0, 0))
