"""Receive path over veth: pkttypes, SOCK_RAW vs SOCK_DGRAM, protocol matching, sll fields (spec §4)."""
from ._common import *  # noqa: F401,F403


def _pkttype_frames():
    return [eth(MAC_B, MAC_A, ETH_P_EX, b"host", 60),
            eth(BCAST, MAC_A, ETH_P_EX, b"bcast", 60),
            eth(MCAST4, MAC_A, ETH_P_EX, b"mcast4", 60),
            eth(MCAST6, MAC_A, ETH_P_EX, b"mcast6", 60),
            eth(MAC_OTHER, MAC_A, ETH_P_EX, b"other", 60),
            eth(ZERO, MAC_A, ETH_P_EX, b"zero", 60)]


def scenario_rx_pkttypes_veth(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    rs = [send(b, tx, f, ifx(b, "veth0"), ETH_P_EX)[0] for f in _pkttype_frames()]
    return {"send": rs,
            "veth1": [(f["sll"]["pkttype"], f["sll"]["addr"]) for f in drain(b, rx, names, show_data=False)],
            "veth0": [(f["sll"]["pkttype"], f["sll"]["addr"]) for f in drain(b, tap, names, show_data=False)]}


def scenario_rx_raw_vs_dgram(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    raw = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    dgram = psock(b, SOCK_DGRAM, ETH_P_ALL, bind_to="veth1")
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"abcdefgh" * 5), ifx(b, "veth0"), ETH_P_EX)
    return {"raw": drain(b, raw, names), "dgram": drain(b, dgram, names)}


def scenario_rx_min_frame(b):
    """A bare 14-byte Ethernet header: RAW reads 14 bytes, DGRAM an empty datagram."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    raw = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    dgram = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="veth1")
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX), ifx(b, "veth0"), ETH_P_EX)
    return {"raw": drain(b, raw, names), "dgram": drain(b, dgram, names),
            "stats": [stats(b, raw), stats(b, dgram)]}


def scenario_rx_protocol_match(b):
    """Protocol-specific sockets see only their EtherType; ETH_P_ALL sees all."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    socks = {p: psock(b, SOCK_RAW, p, bind_to="veth1") for p in (ETH_P_ALL, ETH_P_IP, ETH_P_EX, ETH_P_IPV6)}
    unbound_ip = psock(b, SOCK_RAW, ETH_P_IP)
    for et in (ETH_P_IP, ETH_P_EX, ETH_P_IP, 0x9000):
        send(b, tx, eth(MAC_B, MAC_A, et, size=60), ifx(b, "veth0"), et)
    out = {hex(p): [f["sll"]["protocol"] for f in drain(b, s, names, show_data=False)] for p, s in socks.items()}
    out["unbound_ip"] = [(f["sll"]["protocol"], f["sll"]["ifindex"], f["sll"]["pkttype"])
                         for f in drain(b, unbound_ip, names, show_data=False)]
    return out


def scenario_rx_unbound_sees_all_devices(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    obs = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"v", 60), ifx(b, "veth0"), ETH_P_EX)
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, b"l", 60), ifx(b, "lo"), ETH_P_EX)
    return [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, obs, names, show_data=False)]


def scenario_rx_bound_device_only(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    obs = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, b"lo", 60), ifx(b, "lo"), ETH_P_EX)
    send(b, tx, eth(MAC_A, MAC_B, ETH_P_EX, b"to-veth0", 60), ifx(b, "veth1"), ETH_P_EX)
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"to-veth1", 60), ifx(b, "veth0"), ETH_P_EX)
    return [(f["sll"]["ifindex"], f["sll"]["pkttype"], f["data"][28:44])
            for f in drain(b, obs, names)]


def scenario_rx_vlan_tagged_incoming(b):
    """802.1Q frames are untagged before the taps: the receiver sees the inner type, no tag bytes."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    raw = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    dgram = psock(b, SOCK_DGRAM, ETH_P_ALL, bind_to="veth1")
    inner = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    q = psock(b, SOCK_RAW, ETH_P_8021Q, bind_to="veth1")
    send(b, tx, vlan_eth(MAC_B, MAC_A, ETH_P_8021Q, 0x2005, ETH_P_EX, b"tagged", 60), ifx(b, "veth0"), ETH_P_EX)
    send(b, tx, vlan_eth(MAC_B, MAC_A, ETH_P_8021Q, 0x6000, ETH_P_EX, b"prio-only", 60), ifx(b, "veth0"), ETH_P_EX)
    return {"raw": drain(b, raw, names), "dgram": drain(b, dgram, names),
            "inner": drain(b, inner, names, show_data=False), "q": drain(b, q, names, show_data=False)}


def scenario_rx_ethertype_below_0600(b):
    """Type/length field < 0x600: protocol is 802.3 (payload starts ffff) or 802.2."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    r8022 = psock(b, SOCK_RAW, ETH_P_802_2, bind_to="veth1")
    for et, pl in ((0x0040, b"\xff\xff" + b"a" * 50), (0x0040, b"\xaa\xaa" + b"b" * 50), (0x05FF, b"\x00" * 50),
                   (0x0600, b"\xff\xff" + b"c" * 50)):
        send(b, tx, eth(MAC_B, MAC_A, et, pl), ifx(b, "veth0"), 0)
    return {"all": [f["sll"]["protocol"] for f in drain(b, rx, names, show_data=False)],
            "8022": len(drain(b, r8022, names))}


def scenario_rx_several_sockets_each_get_copy(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rxs = [psock(b, t, ETH_P_ALL, bind_to="veth1") for t in (SOCK_RAW, SOCK_RAW, SOCK_DGRAM)]
    for i in range(3):
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, bytes([i]) * 46), ifx(b, "veth0"), ETH_P_EX)
    return [[f["ret"] for f in drain(b, r, names, show_data=False)] + [stats(b, r)] for r in rxs]


def scenario_rx_recvfrom_name_padding(b):
    """recvfrom reports 20 bytes: sll_addr = 6-byte source + 2 zero bytes."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="veth1")
    send(b, tx, eth(MAC_B, "12:34:56:78:9a:bc", ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
    ret, data, addr = b.sys_recvfrom(rx, 100, MSG_DONTWAIT)
    return {"ret": ret, "addr": addr.hex()}


def scenario_rx_python_recvfrom_tuple(b):
    """The Python-level address tuple (ifname, proto, pkttype, hatype, addr)."""
    setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    send(b, tx, eth(BCAST, MAC_A, ETH_P_EX, b"tuple", 60), ifx(b, "veth0"), ETH_P_EX)
    rx.settimeout(READ_TIMEOUT)
    data, addr = rx.recvfrom(2048)
    return {"len": len(data), "addr": enc(list(addr)), "name": enc(list(rx.getsockname()))}


def scenario_rx_source_mac_arbitrary(b):
    """The reported address is the frame's source field, whatever it is."""
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    for src in (BCAST, ZERO, MCAST4):
        send(b, tx, eth(MAC_B, src, ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
    return [f["sll"]["addr"] for f in drain(b, rx, names, show_data=False)]


def scenario_rx_large_frame_veth(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    r = send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=1514), ifx(b, "veth0"), ETH_P_EX)
    f = drain(b, rx, names, size=4096, show_data=False)
    return {"send": r, "rx": f}
