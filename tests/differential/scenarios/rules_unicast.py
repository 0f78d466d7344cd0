"""PACKET_MR_UNICAST memberships (§5 rule 5) and the device's promiscuity.

v5.15 net/packet/af_packet.c packet_dev_mc → dev_uc_add/dev_uc_del (net/core/dev_addr_lists.c:
a reference-counted secondary unicast list), then __dev_set_rx_mode (net/core/dev.c): a device
without IFF_UNICAST_FLT (veth, dummy, lo) turns promiscuous while its unicast list is non-empty
(__dev_set_promiscuity(dev, 1), once — dev->uc_promisc) and back when it empties. Nothing
happens while the device is down (__dev_set_rx_mode returns early; dev_open applies the list).
The promiscuity counter and IFF_PROMISC in dev->flags (/sys/class/net/X/flags) show it; the
flags user space reads through dev_get_flags (ip link, SIOCGIFFLAGS) do not.
"""
import struct

from ._common import *  # noqa: F401,F403
from .membership import MR_ALLMULTI, MR_PROMISC, MR_UNICAST, add, drop, mreq

UC1, UC2 = "02:00:00:00:01:01", "02:00:00:00:01:02"


def _uc(b, dev, addr):
    return mreq(ifx(b, dev), MR_UNICAST, 6, mac(addr))


def _state(b, dev="veth0"):
    info = b.link_info(dev)
    info["sys_flags"] = str(b.read_sysfs(f"class/net/{dev}/flags")).strip()
    return info


def scenario_unicast_makes_veth_promiscuous(b):
    """One unicast entry: promiscuity 1, IFF_PROMISC in /sys flags only; dropped: back to 0."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"start": _state(b)}
    out["add"] = add(b, s, _uc(b, "veth0", UC1))
    out["added"] = _state(b)
    out["drop"] = drop(b, s, _uc(b, "veth0", UC1))
    out["dropped"] = _state(b)
    return out


def scenario_unicast_refcounts_and_second_address(b):
    """The same address from two sockets and twice from one, then a second address: the device
    is made promiscuous once; it stays so until the last reference of the last address goes."""
    setup_veth(b)
    s1 = b.socket(AF_PACKET, SOCK_RAW, 0)
    s2 = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    out = {}
    out["s1a"] = [add(b, s1, _uc(b, "veth0", UC1)), add(b, s1, _uc(b, "veth0", UC1))]
    out["s2a"] = add(b, s2, _uc(b, "veth0", UC1))
    out["s2b"] = add(b, s2, _uc(b, "veth0", UC2))
    out["all"] = _state(b)
    drop(b, s1, _uc(b, "veth0", UC1))
    out["s1_drop1"] = _state(b)
    s1.close()
    out["s1_closed"] = _state(b)
    drop(b, s2, _uc(b, "veth0", UC1))
    out["s2_dropped_a"] = _state(b)
    s2.close()
    out["s2_closed"] = _state(b)
    return out


def scenario_unicast_with_promisc_and_allmulti(b):
    """A PROMISC membership and a unicast entry each hold one promiscuity reference; ALLMULTI
    is counted apart."""
    setup_veth(b)
    v = ifx(b, "veth0")
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {}
    add(b, s, mreq(v, MR_PROMISC))
    add(b, s, _uc(b, "veth0", UC1))
    add(b, s, mreq(v, MR_ALLMULTI))
    out["all"] = _state(b)
    drop(b, s, mreq(v, MR_PROMISC))
    out["promisc_dropped"] = _state(b)
    drop(b, s, _uc(b, "veth0", UC1))
    out["uc_dropped"] = _state(b)
    s.close()
    out["closed"] = _state(b)
    return out


def scenario_unicast_on_down_device(b):
    """Added while down: no promiscuity until the device comes up (dev_open applies the list);
    dropped while down: the device stays promiscuous until it is next brought up."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    b.link_set("veth0", up=False)
    out = {"add_down": add(b, s, _uc(b, "veth0", UC1)), "down": _state(b)}
    b.link_set("veth0", up=True)
    out["up"] = _state(b)
    b.link_set("veth0", up=False)
    out["down_again"] = _state(b)
    out["drop_down"] = drop(b, s, _uc(b, "veth0", UC1))
    out["dropped_down"] = _state(b)
    b.link_set("veth0", up=True)
    out["up_again"] = _state(b)
    return out


def scenario_unicast_close_undoes(b):
    """Closing the socket deletes its entries (packet_flush_mclist): promiscuity back to 0."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    for a in (UC1, UC2, MAC_A):
        add(b, s, _uc(b, "veth0", a))
    out = {"added": _state(b)}
    s.close()
    out["closed"] = _state(b)
    return out


def scenario_unicast_on_lo(b):
    """lo has no unicast filter either (and a 6-byte, all-zero address)."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"add": add(b, s, _uc(b, "lo", UC1)), "added": _state(b, "lo")}
    drop(b, s, _uc(b, "lo", UC1))
    out["dropped"] = _state(b, "lo")
    return out


def scenario_unicast_with_user_promisc(b):
    """`ip link set promisc on` (IFF_PROMISC through dev_change_flags) adds its own reference
    and shows in the flags; the unicast entry adds one more."""
    import subprocess
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    v = ifx(b, "veth0")
    # SIOCSIFFLAGS through the packet socket: the current flags | IFF_PROMISC
    ifr = b"veth0".ljust(16, b"\0") + bytes(24)
    _, got = b.ioctl(s, 0x8913, ifr)
    flags = struct.unpack_from("<H", got, 16)[0]
    b.ioctl(s, 0x8914, got[:16] + struct.pack("<H", flags | 0x100) + got[18:])
    out = {"user": _state(b)}
    add(b, s, _uc(b, "veth0", UC1))
    out["user_uc"] = _state(b)
    drop(b, s, _uc(b, "veth0", UC1))
    out["user_only"] = _state(b)
    return out


_DUMMY_515 = {"start": {"promiscuity": 0, "sys_flags": "0x83"}, "add": "ok",
              "added": {"promiscuity": 1, "sys_flags": "0x183"},
              "dropped": {"promiscuity": 0, "sys_flags": "0x83"}}


@host_may_lack("the dummy module", _DUMMY_515)
def scenario_unicast_on_dummy(b):
    """dummy has no unicast filter: the same promiscuity step (dummy_setup: NOARP, no
    MULTICAST, so the flags read 0x83 up)."""
    b.link_add("dm0", "dummy")
    b.link_set("dm0", up=True)

    def st():
        i = b.link_info("dm0")
        return {"promiscuity": i["promiscuity"],
                "sys_flags": str(b.read_sysfs("class/net/dm0/flags")).strip()}
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"start": st(), "add": add(b, s, _uc(b, "dm0", UC1)), "added": st()}
    drop(b, s, _uc(b, "dm0", UC1))
    out["dropped"] = st()
    return out
