"""Loopback: double delivery (OUTGOING + re-injected copy), pkttypes by destination, lo's sll fields."""
from ._common import *  # noqa: F401,F403


def scenario_lo_double_delivery_g_ps_5(b):
    """Other ETH_P_ALL sockets see OUTGOING then HOST; the sender sees only the incoming copy;
    protocol-specific sockets see the incoming copy once."""
    names = names_of(b, "lo")
    lo = ifx(b, "lo")
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW):
        sender = psock(b, t, ETH_P_ALL, bind_to="lo")
        other = psock(b, t, ETH_P_ALL, bind_to="lo")
        ip = psock(b, t, ETH_P_IP, bind_to="lo")
        frame = eth(ZERO, ZERO, ETH_P_IP, b"\x45" + bytes(27) + b"udp-data")
        payload = frame if t == SOCK_RAW else frame[14:]
        r = send(b, sender, payload, lo, ETH_P_IP, halen=6)
        out[t] = {"send": r, "sender": drain(b, sender, names), "other": drain(b, other, names),
                  "ip": drain(b, ip, names, show_data=False)}
        for s in (sender, other, ip):
            s.close()
    return out


def scenario_lo_pkttypes(b):
    names = names_of(b, "lo")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="lo")
    for dst in (ZERO, BCAST, MCAST4, MCAST6, MAC_OTHER):
        send(b, tx, eth(dst, MAC_A, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    return [(f["sll"]["pkttype"], f["sll"]["addr"], f["sll"]["hatype"]) for f in drain(b, rx, names, show_data=False)]


def scenario_lo_dgram_send_g_dg_3(b):
    """G-DG-3 stack-free: a cooked IPv4 datagram sent to lo comes back byte-identical."""
    names = names_of(b, "lo")
    out = {}
    for p in (ETH_P_IP, ETH_P_ALL):
        s = psock(b, SOCK_DGRAM, p)
        pkt = bytes.fromhex("4500002f00004000401100007f0000017f000001") + bytes.fromhex("9c409c40001b0000") + b"A" * 19
        r = send(b, s, pkt, ifx(b, "lo"), ETH_P_IP, halen=6)
        out[hex(p)] = {"send": r, "rx": drain(b, s, names)}
        s.close()
    return out


def scenario_lo_raw_send_g_rw_2(b):
    names = names_of(b, "lo")
    out = {}
    for p in (ETH_P_IP, ETH_P_ALL):
        s = psock(b, SOCK_RAW, p)
        frame = eth(ZERO, ZERO, ETH_P_IP, bytes.fromhex("4500003000004000401100007f0000017f000001")
                    + bytes.fromhex("9c409c40001c0000") + b"B" * 20)
        r = send(b, s, frame, ifx(b, "lo"), ETH_P_IP, halen=6)
        out[hex(p)] = {"send": r, "rx": drain(b, s, names)}
        s.close()
    return out


def scenario_lo_unbound_sender_sees_incoming_only(b):
    names = names_of(b, "lo")
    s = psock(b, SOCK_RAW, ETH_P_ALL)
    send(b, s, eth(ZERO, ZERO, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    return [f["sll"]["pkttype"] for f in drain(b, s, names, show_data=False)]


def scenario_lo_802_3_protocol(b):
    names = names_of(b, "lo")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="lo")
    send(b, tx, eth(ZERO, ZERO, 0x0030, b"\xff\xff" + bytes(46)), ifx(b, "lo"), 0)
    send(b, tx, eth(ZERO, ZERO, 0x0030, b"\xfe\xfe" + bytes(46)), ifx(b, "lo"), 0)
    return [(f["sll"]["pkttype"], f["sll"]["protocol"]) for f in drain(b, rx, names, show_data=False)]


def scenario_lo_dgram_view_of_outgoing(b):
    """SOCK_DGRAM taps get the OUTGOING copy with the link header pulled off."""
    names = names_of(b, "lo")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_DGRAM, ETH_P_ALL, bind_to="lo")
    send(b, tx, eth(ZERO, MAC_C, ETH_P_EX, b"cooked-view"), ifx(b, "lo"), ETH_P_EX)
    return drain(b, rx, names)


def scenario_lo_ifindex_is_1(b):
    return {"lo": b.if_nametoindex("lo")}
