"""/sys/class/net and /proc/net text views (net_sysfs.py, net_procfs.py, packet_seq_show)."""
import socket

import pytest

import netkernel
from netkernel.uapi import errno as E


@pytest.fixture
def k():
    k = netkernel.Kernel(seed=1)
    k.link_add("veth0", "veth", peer="veth1")
    k.link_set("veth0", address="02:00:00:00:00:0a")
    return k


def test_attributes_of_a_veth_end(k):
    assert k.sysfs("class/net") == ["lo", "veth0", "veth1"]
    assert k.sysfs("class/net/veth0/address") == "02:00:00:00:00:0a\n"
    assert k.sysfs("class/net/veth0/broadcast") == "ff:ff:ff:ff:ff:ff\n"
    assert k.sysfs("class/net/veth0/iflink") == "2\n" and k.sysfs("class/net/veth1/iflink") == "3\n"
    assert k.sysfs("class/net/veth0/flags") == "0x1002\n"
    assert k.sysfs("class/net/veth0/operstate") == "down\n"
    for attr in ("carrier", "dormant", "speed", "duplex", "testing"):
        with pytest.raises(OSError) as e:
            k.sysfs(f"class/net/veth0/{attr}")
        assert e.value.errno == E.EINVAL
    k.link_set("veth0", up=True)
    assert k.sysfs("class/net/veth0/operstate") == "lowerlayerdown\n"
    assert k.sysfs("class/net/veth0/carrier") == "0\n"
    assert k.sysfs("class/net/veth0/speed") == "10000\n" and k.sysfs("class/net/veth0/duplex") == "full\n"
    k.link_set("veth1", up=True)
    assert k.sysfs("class/net/veth0/operstate") == "up\n" and k.sysfs("class/net/veth0/carrier") == "1\n"
    assert k.sysfs("class/net/veth0/carrier_changes") == "2\n"
    assert k.sysfs("class/net/veth0/ifalias") == ""


def test_absolute_paths(k):
    assert k.sysfs("/sys/class/net/lo/ifindex") == k.sysfs("class/net/lo/ifindex") == "1\n"
    assert k.procfs("/proc/net/dev") == k.procfs("net/dev")


def test_lo(k):
    assert k.sysfs("class/net/lo/operstate") == "unknown\n"
    assert k.sysfs("class/net/lo/flags") == "0x9\n" and k.sysfs("class/net/lo/type") == "772\n"
    assert k.sysfs("class/net/lo/address") == "00:00:00:00:00:00\n"


def test_missing_paths_are_enoent(k):
    for p in ("class/net/nosuch", "class/net/veth0/nosuch", "class/net/veth0/statistics/x",
              "block/sda", "class/net/veth0/mtu/x"):
        with pytest.raises(OSError) as e:
            k.sysfs(p)
        assert e.value.errno == E.ENOENT
    with pytest.raises(OSError) as e:
        k.procfs("net/nosuch")
    assert e.value.errno == E.ENOENT


def test_statistics_and_proc_net_dev_after_traffic(k):
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    for _ in range(3):
        s.sendto(bytes.fromhex("02000000000b02000000000a88b5") + bytes(86), ("veth0", 0))
    assert k.sysfs("class/net/veth0/statistics/tx_packets") == "3\n"
    assert k.sysfs("class/net/veth1/statistics/rx_bytes") == "300\n"
    assert k.sysfs("class/net/veth1/statistics/rx_dropped") == "3\n"     # nobody takes 0x88b5
    lines = k.procfs("net/dev").splitlines()
    assert lines[0].startswith("Inter-|   Receive") and len(lines) == 5
    assert lines[4] == (" veth0:       0       0    0    0    0     0          0         0      300"
                        "       3    0    0    0     0       0          0")


def test_views_follow_the_namespace(k):
    ns = k.netns_add("a")
    k.link_set("veth1", netns="a")
    assert k.sysfs("class/net") == ["lo", "veth0"]
    assert ns.sysfs("class/net") == ["lo", "veth1"]
    assert [x.split(":")[0].strip() for x in ns.procfs("net/dev").splitlines()[2:]] == ["lo", "veth1"]
    s = ns.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x88B5))
    assert len(ns.procfs("net/packet").splitlines()) == 2
    assert len(k.procfs("net/packet").splitlines()) == 1
    s.close()
    assert len(ns.procfs("net/packet").splitlines()) == 1


def test_proc_net_packet_columns(k):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    d = k.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
    lines = k.procfs("net/packet").splitlines()
    assert lines[0] == "sk               RefCnt Type Proto  Iface R Rmem   User   Inode"
    cols = [line.split() for line in lines[1:]]
    assert [c[1:8] for c in cols] == [["3", "3", "0003", "0", "1", "0", "0"],
                                      ["2", "2", "0000", "0", "0", "0", "0"]]
    assert len(cols[0][0]) == 16 and cols[0][0] != cols[1][0]
    s.close()
    d.close()


def test_proc_net_dev_mcast_lists_memberships(k):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    mreq = (3).to_bytes(4, "little") + (0).to_bytes(2, "little") + (6).to_bytes(2, "little") \
        + bytes.fromhex("01005e0000fb") + bytes(2)           # PACKET_MR_MULTICAST on veth0
    s2 = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.setsockopt(263, 1, mreq)
    s.setsockopt(263, 1, mreq)        # the same socket again: its own count, one device reference
    s2.setsockopt(263, 1, mreq)
    assert k.procfs("net/dev_mcast") == "3    veth0           2     0     01005e0000fb\n"
    s.close()
    s2.close()
    assert k.procfs("net/dev_mcast") == ""
