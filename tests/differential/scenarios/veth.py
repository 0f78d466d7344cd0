"""veth specifics: ifindex order, carrier, peer MTU, both directions, address change."""
from ._common import *  # noqa: F401,F403


def scenario_veth_ifindex_order(b):
    """The peer end is registered first, so it gets the lower ifindex."""
    b.link_add("veth0", "veth", peer="veth1")
    b.link_add("va", "veth", peer="vb")
    return {n: b.if_nametoindex(n) for n in ("lo", "veth0", "veth1", "va", "vb")}


def scenario_veth_both_directions(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    r0 = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="veth0")
    r1 = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="veth1")
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"0->1", 60), ifx(b, "veth0"), ETH_P_EX)
    send(b, tx, eth(MAC_A, MAC_B, ETH_P_EX, b"1->0", 60), ifx(b, "veth1"), ETH_P_EX)
    return {"veth0": drain(b, r0, names), "veth1": drain(b, r1, names)}


def scenario_veth_peer_down_no_carrier(b):
    """veth0 up, veth1 never up: no carrier; the send still reports success, nobody sees the frame."""
    b.link_add("veth0", "veth", peer="veth1")
    b.link_set("veth0", address=MAC_A)
    b.link_set("veth1", address=MAC_B)
    b.link_set("veth0", up=True)
    names = names_of(b, "lo", "veth0", "veth1")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    allsock = psock(b, SOCK_RAW, ETH_P_ALL)
    r = send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
    return {"send": r, "tap": drain(b, tap, names), "all": drain(b, allsock, names)}


def scenario_veth_address_change_otherhost(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
    b.link_set("veth1", address=MAC_C)
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
    send(b, tx, eth(MAC_C, MAC_A, ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
    return [f["sll"]["pkttype"] for f in drain(b, rx, names, show_data=False)]


def scenario_veth_peer_mtu_bounds_rx(b):
    """The receiving end accepts up to its MTU + 14 + 4 bytes; larger frames vanish (sender's view: ok)."""
    names = setup_veth(b)
    b.link_set("veth1", mtu=1000)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    rs = [send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=n), ifx(b, "veth0"), ETH_P_EX) for n in (1014, 1018)]
    return {"send": rs, "rx": [f["ret"] for f in drain(b, rx, names, show_data=False)]}


@kernel_differs(
    reason="veth_xmit reports a peer-side drop as NET_XMIT_DROP, which packet_snd turns into ENOBUFS; "
           "5.15.0 returned NETDEV_TX_OK so the send reported the full length",
    commit="151e887d8ff9 veth: Fixing transmit return status for dropped packets (v6.6; also in later 5.15.y stable)",
    expected_515={"send": [["ok", 1019], ["ok", 1514]], "rx": [], "tap": 2}, since="6.6",
    backported={"6.1": "6.1.y stable carries 151e887d8ff9 (Debian 6.1.192 has it)"})
def scenario_veth_peer_mtu_drop_send_result(b):
    names = setup_veth(b)
    b.link_set("veth1", mtu=1000)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    rs = [send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=n), ifx(b, "veth0"), ETH_P_EX) for n in (1019, 1514)]
    return {"send": rs, "rx": [f["ret"] for f in drain(b, rx, names, show_data=False)],
            "tap": len(drain(b, tap, names))}


def scenario_veth_getsockname_both_ends(b):
    names = setup_veth(b)
    s0 = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    s1 = psock(b, SOCK_DGRAM, ETH_P_IP, bind_to="veth1")
    return [dec_sll(b.sys_getsockname(s0), names), dec_sll(b.sys_getsockname(s1), names)]
