"""PACKET_ADD_MEMBERSHIP / PACKET_DROP_MEMBERSHIP (§5 rule 5) and PACKET_HDRLEN (§5 rule 22)."""
import struct

from ._common import *  # noqa: F401,F403

PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP, PACKET_HDRLEN = 1, 2, 11
MR_MULTICAST, MR_PROMISC, MR_ALLMULTI, MR_UNICAST = 0, 1, 2, 3


def mreq(ifindex, type, alen=0, addr=b"", size=16):
    body = struct.pack("<iHH", ifindex, type, alen) + addr
    return body.ljust(size, b"\0")[:max(size, len(body))] if size >= len(body) else body[:size]


def add(b, s, m):
    return only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, m))


def drop(b, s, m):
    return only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_DROP_MEMBERSHIP, m))


def scenario_mreq_length_rules(b):
    """optlen < 16 → EINVAL; mr_alen + 8 beyond the (≤ 40 byte) buffer → EINVAL."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    v = ifx(b, "veth0")
    out = {}
    for size in (0, 8, 15, 16, 17, 40, 41, 64):
        out[f"multicast_len{size}"] = add(b, s, mreq(v, MR_MULTICAST, 6, mac(MCAST4), size))
    out["alen9_in16"] = add(b, s, mreq(v, MR_ALLMULTI, 9, b"", 16))
    out["alen8_in16"] = add(b, s, mreq(v, MR_ALLMULTI, 8, b"", 16))
    out["alen33_in64"] = add(b, s, mreq(v, MR_ALLMULTI, 33, b"", 64))
    out["alen32_in64"] = add(b, s, mreq(v, MR_ALLMULTI, 32, b"", 64))
    out["drop_short"] = drop(b, s, mreq(v, MR_PROMISC, 0, b"", 12))
    return out


def scenario_mreq_device_and_address_rules(b):
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    v = ifx(b, "veth0")
    return {
        "ifindex0": add(b, s, mreq(0, MR_PROMISC)),
        "ifindex_unknown": add(b, s, mreq(9999, MR_PROMISC)),
        "ifindex_negative": add(b, s, mreq(-1, MR_PROMISC)),
        "alen_too_long": add(b, s, mreq(v, MR_PROMISC, 7, bytes(7))),
        "multicast_short_addr": add(b, s, mreq(v, MR_MULTICAST, 4, bytes(4))),
        "unicast_short_addr": add(b, s, mreq(v, MR_UNICAST, 0)),
        "unknown_type": add(b, s, mreq(v, 77, 0)),
        "multicast_ok": add(b, s, mreq(v, MR_MULTICAST, 6, mac(MCAST4))),
        "unicast_ok": add(b, s, mreq(v, MR_UNICAST, 6, mac(MAC_C))),
        "drop_unknown": drop(b, s, mreq(v, MR_MULTICAST, 6, mac(MCAST6))),
        "drop_no_device": drop(b, s, mreq(9999, MR_PROMISC)),
        "lo_multicast": add(b, s, mreq(ifx(b, "lo"), MR_MULTICAST, 6, mac(MCAST4))),
    }


def scenario_membership_promisc_counts(b):
    """PROMISC/ALLMULTI memberships raise the device counters (identical ones only add a
    reference); drop and close undo them; the PROMISC flag itself stays hidden."""
    setup_veth(b)
    v = ifx(b, "veth0")
    s1 = b.socket(AF_PACKET, SOCK_RAW, 0)
    s2 = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"start": b.link_info("veth0")}
    add(b, s1, mreq(v, MR_PROMISC))
    add(b, s1, mreq(v, MR_PROMISC))        # same entry: refcount, no second promiscuity step
    add(b, s2, mreq(v, MR_PROMISC))
    add(b, s2, mreq(v, MR_ALLMULTI))
    out["added"] = b.link_info("veth0")
    drop(b, s1, mreq(v, MR_PROMISC))
    out["s1_dropped_once"] = b.link_info("veth0")
    drop(b, s1, mreq(v, MR_PROMISC))
    out["s1_dropped_twice"] = b.link_info("veth0")
    s2.close()
    out["s2_closed"] = b.link_info("veth0")
    return out


def scenario_membership_removed_at_unregister(b):
    setup_veth(b)
    b.link_add("veth2", "veth", peer="veth3")
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    add(b, s, mreq(ifx(b, "veth2"), MR_PROMISC))
    add(b, s, mreq(ifx(b, "veth0"), MR_PROMISC))
    before = b.link_info("veth0")
    b.link_del("veth2")
    # the veth2 entry is gone: dropping it is a no-op, and veth0's entry still works
    r = drop(b, s, mreq(9999, MR_PROMISC))
    mid = b.link_info("veth0")
    s.close()
    return {"before": before, "drop": r, "mid": mid, "after_close": b.link_info("veth0")}


def scenario_packet_hdrlen(b):
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {}
    for ver in (0, 1, 2, 3, -1):
        for optlen in (0, 3, 4, 8):
            out[f"v{ver}_len{optlen}"] = attempt(b.sys_getsockopt, s, SOL_PACKET, PACKET_HDRLEN, optlen,
                                                  struct.pack("<i", ver) + bytes(4))
    out["set"] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_HDRLEN, struct.pack("<i", 0)))
    return out
