"""Outgoing taps (dev_queue_xmit_nit): who sees locally sent frames (spec §3 rules 25-29)."""
from ._common import *  # noqa: F401,F403


def scenario_tap_sender_excluded(b):
    names = setup_veth(b)
    sender = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    other = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    r = attempt(b.sys_sendto, sender, eth(MAC_B, MAC_A, ETH_P_EX, b"mine", 60), 0, None)
    return {"send": r, "sender": drain(b, sender, names), "other": drain(b, other, names, show_data=False)}


def scenario_tap_unbound_sender_excluded(b):
    names = setup_veth(b)
    sender = psock(b, SOCK_RAW, ETH_P_ALL)
    other = psock(b, SOCK_RAW, ETH_P_ALL)
    send(b, sender, eth(MAC_B, MAC_A, ETH_P_EX, b"x", 60), ifx(b, "veth0"), ETH_P_EX)
    return {"sender": [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, sender, names)],
            "other": [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, other, names)]}


def scenario_tap_protocol_specific_excluded(b):
    """Sockets bound to a protocol never see locally transmitted frames."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    bound_ex = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
    unbound_ex = psock(b, SOCK_RAW, ETH_P_EX)
    bound_all = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
    return {"bound_ex": drain(b, bound_ex, names, show_data=False),
            "unbound_ex": [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, unbound_ex, names)],
            "bound_all": [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, bound_all, names)]}


def scenario_tap_ignore_outgoing(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    out = {"set1": attempt(setint, b, s, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1),
           "get": getint(b, s, SOL_PACKET, PACKET_IGNORE_OUTGOING)}
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"out1", 60), ifx(b, "veth0"), ETH_P_EX)
    send(b, tx, eth(MAC_A, MAC_B, ETH_P_EX, b"in1", 60), ifx(b, "veth1"), ETH_P_EX)
    out["ignoring"] = [(f["sll"]["pkttype"], f["data"][28:36]) for f in drain(b, s, names)]
    out["set0"] = attempt(setint, b, s, SOL_PACKET, PACKET_IGNORE_OUTGOING, 0)
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"out2", 60), ifx(b, "veth0"), ETH_P_EX)
    out["again"] = [(f["sll"]["pkttype"], f["data"][28:36]) for f in drain(b, s, names)]
    return out


def scenario_tap_ignore_outgoing_lo(b):
    """On lo an ignore-outgoing socket sees only the re-injected copy."""
    names = names_of(b, "lo")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="lo")
    setint(b, s, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    return [f["sll"]["pkttype"] for f in drain(b, s, names)]


def scenario_tap_outgoing_fields(b):
    """OUTGOING copy: pkttype 4, device type, source MAC from the frame; DGRAM taps start at the payload."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    raw = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    dgram = psock(b, SOCK_DGRAM, ETH_P_ALL, bind_to="veth0")
    send(b, tx, b"cooked-payload", ifx(b, "veth0"), ETH_P_EX, halen=6, addr=BCAST)
    return {"raw": drain(b, raw, names), "dgram": drain(b, dgram, names)}


def scenario_tap_order_outgoing_before_peer(b):
    """An unbound ETH_P_ALL socket sees the OUTGOING copy on veth0 before the peer's incoming copy."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    obs = psock(b, SOCK_DGRAM, ETH_P_ALL)
    for i in range(3):
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, bytes([i]) * 46), ifx(b, "veth0"), ETH_P_EX)
    return [(f["sll"]["ifindex"], f["sll"]["pkttype"], f["data"][:2]) for f in drain(b, obs, names)]


_VLAN_FRAME = vlan_eth(MAC_B, MAC_A, ETH_P_8021Q, 0x2005, ETH_P_EX, b"vlan", 60)
_VLAN_SLL_515 = {"len": 20, "family": 17, "protocol": "8100", "ifindex": "veth0", "hatype": 1, "pkttype": 4,
                 "halen": 6, "addr": "02000000000a0000"}


@kernel_differs(
    reason="since 6.10 a SOCK_DGRAM tap of an OUTGOING 802.1Q frame gets the inner protocol and the data after "
           "the tag (tag via auxdata); 5.15 reports protocol 8100 and the data from offset 14 (tag first)",
    commit="79eecf631c14 af_packet: Handle outgoing VLAN packets without hardware offloading "
           "(v6.10, Cc stable: later stable releases may carry it)",
    expected_515={"raw": [{"ret": 60, "sll": _VLAN_SLL_515, "data": _VLAN_FRAME.hex()}],
                  "dgram": [{"ret": 46, "sll": _VLAN_SLL_515, "data": _VLAN_FRAME[14:].hex()}]},
    since="6.10",
    backported={"6.1": "6.1.y stable carries 79eecf631c14 (Debian 6.1.192 has it)"})
def scenario_tap_outgoing_vlan_dgram(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    raw = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    dgram = psock(b, SOCK_DGRAM, ETH_P_ALL, bind_to="veth0")
    send(b, tx, _VLAN_FRAME, ifx(b, "veth0"), 0)
    return {"raw": drain(b, raw, names), "dgram": drain(b, dgram, names)}
