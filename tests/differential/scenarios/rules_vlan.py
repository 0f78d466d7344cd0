"""VLAN receive (§4.1 rule 2): stacked tags whose outer VID is 0, and tagged frames too short to
untag.

v5.15 net/core/dev.c __netif_receive_skb_core: an 802.1Q/802.1ad frame is untagged once
(skb_vlan_untag) before the taps, which therefore see the inner tag still in the data and the
outer one in auxdata. With no VLAN device (vlan_do_receive finds none), the check_vlan_id block
runs before the protocol handlers: a non-zero VID makes the frame PACKET_OTHERHOST; a VID 0
(priority tag) whose inner protocol is again a VLAN type has that inner tag stripped too
(skb_vlan_untag again, then the same checks for the inner VID); the tag is then cleared. So a
protocol-specific socket sees the frame with both tags gone and no tag in auxdata.
net/core/skbuff.c skb_vlan_untag: needs VLAN_HLEN + 2 bytes past the link header
(pskb_may_pull), else the frame is freed — before any tap, counted nowhere.
"""
import struct

from ._common import *  # noqa: F401,F403
from .rules_auxdata import aux_of

PACKET_AUXDATA = 8


def _socks(b, dev="veth1"):
    out = {}
    for key, type, proto in (("all_raw", SOCK_RAW, ETH_P_ALL), ("all_dgram", SOCK_DGRAM, ETH_P_ALL),
                             ("ex", SOCK_RAW, ETH_P_EX), ("q", SOCK_RAW, ETH_P_8021Q),
                             ("ad", SOCK_RAW, ETH_P_8021AD), ("ip", SOCK_DGRAM, ETH_P_IP)):
        s = psock(b, type, proto, bind_to=dev)
        setint(b, s, SOL_PACKET, PACKET_AUXDATA, 1)
        out[key] = s
    return out


def _read_all(socks):
    res = {}
    for key, s in socks.items():
        got = []
        while True:
            try:
                data, anc, fl, addr = s.recvmsg(2048, 256, MSG_DONTWAIT)
            except BlockingIOError:
                break
            a = aux_of(anc)
            # a SOCK_DGRAM reader's sll_protocol for a frame still tagged after the untag is
            # the tag's type in 5.15, the parsed inner type since 6.10 (scenarios/taps.py)
            got.append({"data": data[:26].hex(), "len": len(data),
                        "proto": None if key == "all_dgram" else enc(addr[1]),
                        "pkttype": addr[2],
                        "tag": None if a is None or not a["status"] & 0x10 else [a["tci"], a["tpid"]]})
        res[key] = got
    return res


def qinq(outer_tpid, outer_tci, inner_tpid, inner_tci, etype=ETH_P_EX, size=64, dst=MAC_B):
    f = mac(dst) + mac(MAC_A) + struct.pack("!HHHHH", outer_tpid, outer_tci, inner_tpid, inner_tci,
                                            etype)
    return (f + bytes(range(256)))[:size]


def _run(b, frames):
    setup_veth(b)
    socks = _socks(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    sent = [only_err(send(b, tx, f, ifx(b, "veth0"), 0)) for f in frames]
    return {"sent": sent, "rx": _read_all(socks)}


def scenario_vlan_qinq_outer_vid0_ad(b):
    """802.1ad VID 0 outside, 802.1Q VID 5 inside: taps see the inner tag in the data; the
    EtherType socket sees the frame with no tag, as OTHERHOST (inner VID 5, no VLAN device)."""
    return _run(b, [qinq(ETH_P_8021AD, 0x0000, ETH_P_8021Q, 0x0005)])


def scenario_vlan_qinq_outer_vid0_q(b):
    """802.1Q priority tag (PCP 3, VID 0) outside, 802.1Q VID 9 inside."""
    return _run(b, [qinq(ETH_P_8021Q, 0x6000, ETH_P_8021Q, 0x0009)])


def scenario_vlan_qinq_both_vid0(b):
    """Two priority tags: both stripped, the frame stays PACKET_HOST."""
    return _run(b, [qinq(ETH_P_8021Q, 0x0000, ETH_P_8021Q, 0x2000),
                    qinq(ETH_P_8021AD, 0x0000, ETH_P_8021AD, 0x0000, ETH_P_IP)])


def scenario_vlan_qinq_outer_nonzero(b):
    """A non-zero outer VID: only the outer tag is taken; OTHERHOST; the protocol handlers are
    those of the inner tag's type (the 802.1Q socket gets it with the inner tag in the data)."""
    return _run(b, [qinq(ETH_P_8021AD, 0x0007, ETH_P_8021Q, 0x0005),
                    qinq(ETH_P_8021Q, 0x0003, ETH_P_8021AD, 0x0000)])


def scenario_vlan_priority_tag_single(b):
    """One priority tag (VID 0) over IPv4 and over the test EtherType, and to a broadcast
    address: the pkttype stays as eth_type_trans set it."""
    return _run(b, [vlan_eth(MAC_B, MAC_A, ETH_P_8021Q, 0xE000, ETH_P_IP, size=64),
                    vlan_eth(BCAST, MAC_A, ETH_P_8021AD, 0x0000, ETH_P_EX, size=64),
                    vlan_eth(MAC_OTHER, MAC_A, ETH_P_8021Q, 0x0000, ETH_P_EX, size=64)])


def _stats(b, dev):
    keys = ("rx_packets", "rx_bytes", "rx_dropped", "rx_errors", "rx_length_errors")
    got = b.read_sysfs_many([f"class/net/{dev}/statistics/{k}" for k in keys])
    return {k: int(str(got[f"class/net/{dev}/statistics/{k}"]).strip()) for k in keys}


def scenario_vlan_short_tagged_frames(b):
    """802.1Q/802.1ad frames of 14..21 bytes: under 20 (ETH_HLEN + VLAN_HLEN + 2) skb_vlan_untag
    frees them before any tap; the device counted them received, nothing counts the drop."""
    setup_veth(b)
    socks = _socks(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    before = _stats(b, "veth1")
    sent = {}
    for tpid in (ETH_P_8021Q, ETH_P_8021AD):
        for n in range(14, 22):
            f = vlan_eth(MAC_B, MAC_A, tpid, 0x0005, ETH_P_EX, size=n)
            sent[f"{tpid:x}_{n}"] = only_err(send(b, tx, f, ifx(b, "veth0"), 0))
    after = _stats(b, "veth1")
    return {"sent": sent, "rx": _read_all(socks),
            "stats": {k: after[k] - before[k] for k in after}}


def scenario_vlan_short_inner_tag(b):
    """An outer priority tag with an inner tag that is too short to take off: the taps see the
    frame (outer tag in auxdata), then the second untag frees it."""
    setup_veth(b)
    socks = _socks(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    before = _stats(b, "veth1")
    sent = [only_err(send(b, tx, qinq(ETH_P_8021Q, 0, ETH_P_8021Q, 5, size=n), ifx(b, "veth0"), 0))
            for n in (20, 22, 23, 24, 25)]
    after = _stats(b, "veth1")
    return {"sent": sent, "rx": _read_all(socks),
            "stats": {k: after[k] - before[k] for k in after}}
