"""sendto(): addressing, validation, size limits, header building (spec §3)."""
from ._common import *  # noqa: F401,F403


def scenario_send_unbound_no_address(b):
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW):
        s = b.socket(AF_PACKET, t, htons(ETH_P_ALL))
        out[t] = only_err(attempt(b.sys_sendto, s, eth(size=60), 0, None))
    return out


def scenario_send_address_lengths(b):
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    a = sll(ifx(b, "lo"), ETH_P_EX, halen=6)
    f = eth(ZERO, ZERO, size=60)
    out = {}
    for n in (0, 1, 12, 19, 20, 21, 128, 129):
        out[n] = only_err(attempt(b.sys_sendto, s, f, 0, a.ljust(n, b"\0")[:n]))
    return out


def scenario_send_address_halen_vs_namelen(b):
    """namelen must cover 12 + sll_halen when halen > 8."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    lo = ifx(b, "lo")
    f = eth(ZERO, ZERO, size=60)
    out = {}
    for halen, n in ((8, 20), (9, 20), (9, 21), (20, 31), (20, 32), (255, 128)):
        a = sll(lo, ETH_P_EX, halen=halen).ljust(n, b"\0")
        out[f"{halen}/{n}"] = only_err(attempt(b.sys_sendto, s, f, 0, a))
    return out


def scenario_send_ifindex_zero_or_unknown_g_ps_6(b):
    """A destination address overrides the binding; ifindex 0 or unknown means no device."""
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW):
        s = b.socket(AF_PACKET, t, htons(0xFFFF))
        b.sys_bind(s, sll(ifx(b, "lo"), 0xFFFF))
        frame = eth(ZERO, ZERO, 0xFFFF, b"\x01" * 8)
        out[t] = [only_err(send(b, s, frame, ifx(b, "lo"), 0xFFFF, halen=6)),
                  only_err(send(b, s, frame, 0, 0xFFFF, halen=6)),
                  only_err(send(b, s, frame, 9999, 0xFFFF, halen=6)),
                  only_err(send(b, s, frame, -1, 0xFFFF, halen=6))]
        out[f"{t}_ret"] = send(b, s, frame, ifx(b, "lo"), 0xFFFF, halen=6)
    return out


def scenario_send_family_not_checked(b):
    names = names_of(b, "lo")
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    obs = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    rs = [send(b, s, eth(ZERO, ZERO, size=40), ifx(b, "lo"), ETH_P_EX, family=fam) for fam in (0, 2, 0xFFFF)]
    return {"send": rs, "rx": len(drain(b, obs, names))}


def scenario_send_down_device(b):
    """A down device refuses every send (flag test, not a one-shot error)."""
    setup_veth(b)
    b.link_set("veth0", up=False)
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW):
        s = b.socket(AF_PACKET, t, 0)
        out[t] = [only_err(send(b, s, eth(size=60), ifx(b, "veth0"), ETH_P_EX, halen=6))
                  for _ in range(3)]
        out[f"{t}_so_error"] = getint(b, s, SOL_SOCKET, SO_ERROR)
    return out


def scenario_send_raw_short_frames(b):
    """SOCK_RAW frames shorter than the link header are refused; exactly a header is fine (L-SND-16/17)."""
    names = setup_veth(b)
    out = {}
    for dev in ("lo", "veth0"):
        s = b.socket(AF_PACKET, SOCK_RAW, 0)
        out[dev] = {n: only_err(send(b, s, eth(ZERO, ZERO)[:n], ifx(b, dev), ETH_P_EX)) for n in (0, 1, 13, 14, 15)}
    return out


def scenario_send_dgram_zero_length(b):
    """SOCK_DGRAM may send an empty payload: the kernel builds the header."""
    names = setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    r = send(b, s, b"", ifx(b, "veth0"), ETH_P_EX, halen=6, addr=MAC_B)
    return {"send": r, "rx": drain(b, rx, names)}


def scenario_send_raw_mtu_veth(b):
    """RAW on Ethernet: mtu+14, and mtu+18 only for 802.1Q-tagged frames (L-SND-11/12)."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    v0 = ifx(b, "veth0")
    out = {}
    for n in (1514, 1515, 1518):
        out[f"plain_{n}"] = only_err(send(b, s, eth(size=n), v0, ETH_P_EX))
    for n in (1515, 1518, 1519):
        out[f"q_{n}"] = only_err(send(b, s, vlan_eth(size=n), v0, ETH_P_EX))
        out[f"ad_{n}"] = only_err(send(b, s, vlan_eth(tpid=ETH_P_8021AD, size=n), v0, ETH_P_EX))
    return out


def scenario_send_raw_mtu_lo(b):
    """No 802.1Q allowance on lo (ARPHRD_LOOPBACK) (L-SND-13); default MTU 65536."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    lo = ifx(b, "lo")
    out = {"65550": only_err(send(b, s, eth(ZERO, ZERO, size=65550), lo, ETH_P_EX)),
           "65551": only_err(send(b, s, eth(ZERO, ZERO, size=65551), lo, ETH_P_EX))}
    b.link_set("lo", mtu=1500)
    for n in (1514, 1515):
        out[f"plain_{n}"] = only_err(send(b, s, eth(ZERO, ZERO, size=n), lo, ETH_P_EX))
    for n in (1515, 1518):
        out[f"q_{n}"] = only_err(send(b, s, vlan_eth(ZERO, ZERO, size=n), lo, ETH_P_EX))
    return out


def scenario_send_dgram_mtu_veth(b):
    """DGRAM: payload up to mtu, mtu+4 only when the protocol is 802.1Q (L-SND-14/15)."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    v0 = ifx(b, "veth0")
    out = {}
    for n in (1500, 1501, 1504, 1505):
        out[f"ex_{n}"] = only_err(send(b, s, bytes(n), v0, ETH_P_EX, halen=6, addr=MAC_B))
        out[f"q_{n}"] = only_err(send(b, s, bytes(n), v0, ETH_P_8021Q, halen=6, addr=MAC_B))
    return out


def scenario_send_mtu_change(b):
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    d = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    v0 = ifx(b, "veth0")
    out = {}
    for mtu in (1280, 68, 9000):
        b.link_set("veth0", mtu=mtu)
        b.link_set("veth1", mtu=mtu)      # the peer's MTU bounds what it accepts
        out[mtu] = [only_err(send(b, s, eth(size=mtu + 14), v0, ETH_P_EX)),
                    only_err(send(b, s, eth(size=mtu + 15), v0, ETH_P_EX)),
                    only_err(send(b, d, bytes(mtu), v0, ETH_P_EX, halen=6, addr=MAC_B)),
                    only_err(send(b, d, bytes(mtu + 1), v0, ETH_P_EX, halen=6, addr=MAC_B))]
    return out


def scenario_send_dgram_bound_no_address(b):
    """Bound SOCK_DGRAM without address: EINVAL on Ethernet (no destination), zero destination on lo."""
    names = setup_veth(b)
    out = {}
    for dev in ("veth0", "lo"):
        s = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to=dev)
        obs = psock(b, SOCK_RAW, ETH_P_ALL, bind_to=dev)
        out[dev] = {"send": attempt(b.sys_sendto, s, b"payload-123", 0, None),
                    "tap": drain(b, obs, names)}
    return out


def scenario_send_raw_bound_no_address(b):
    """Bound SOCK_RAW without address uses the bound device and protocol (L-SND-4)."""
    names = setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
    rx = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    r = attempt(b.sys_sendto, s, eth(MAC_B, MAC_A, ETH_P_EX, b"bound", 60), 0, None)
    return {"send": r, "rx": drain(b, rx, names)}


def scenario_send_dgram_header_built(b):
    """SOCK_DGRAM: destination from sll_addr (even with halen 0), source = device MAC, type = protocol."""
    names = setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    rx = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    v0 = ifx(b, "veth0")
    rs = [send(b, s, b"p1" * 10, v0, ETH_P_EX, halen=6, addr=MAC_B),
          send(b, s, b"p2" * 10, v0, ETH_P_EX, halen=0, addr=MAC_B),
          send(b, s, b"p3" * 10, v0, ETH_P_EX, halen=3, addr=BCAST),
          send(b, s, b"p4" * 10, v0, 0, halen=6, addr=MAC_B)]
    return {"send": rs, "rx": drain(b, rx, names)}


def scenario_send_dgram_802_3_length_field(b):
    """DGRAM with ETH_P_802_3 / 802_2 writes the payload length in the type field; RX classifies it."""
    names = setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    rx = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    v0 = ifx(b, "veth0")
    rs = [send(b, s, b"\xff\xff" + b"x" * 30, v0, ETH_P_802_3, halen=6, addr=MAC_B),
          send(b, s, b"\xaa\xaa" + b"y" * 40, v0, ETH_P_802_2, halen=6, addr=MAC_B),
          send(b, s, b"\xff\xff" + b"z" * 20, v0, 0x0100, halen=6, addr=MAC_B)]
    return {"send": rs, "rx": drain(b, rx, names)}


def scenario_send_flags_ignored(b):
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    lo = ifx(b, "lo")
    f = eth(ZERO, ZERO, size=60)
    return {fl: only_err(send(b, s, f, lo, ETH_P_EX, flags=fl))
            for fl in (MSG_DONTWAIT, MSG_MORE, MSG_CONFIRM, MSG_OOB, MSG_NOSIGNAL, MSG_EOR, MSG_WAITALL, MSG_PEEK)}


def scenario_send_returns_length(b):
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    d = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    lo = ifx(b, "lo")
    return [send(b, s, eth(ZERO, ZERO, size=n), lo, ETH_P_EX) for n in (14, 15, 60, 1000, 9000)] + \
           [send(b, d, bytes(n), lo, ETH_P_EX, halen=6) for n in (0, 1, 46, 1000)]


def scenario_send_sock_packet(b):
    """SOCK_PACKET sends by device name; protocol only from an 18-byte sockaddr_pkt."""
    names = setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_PACKET, 0)
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    f = eth(MAC_B, MAC_A, ETH_P_EX, size=60)
    out = {
        "noaddr": only_err(attempt(b.sys_sendto, s, f, 0, None)),
        "len15": only_err(attempt(b.sys_sendto, s, f, 0, spkt("veth0", length=15))),
        "unknown": only_err(attempt(b.sys_sendto, s, f, 0, spkt("nosuch0"))),
        "short_frame": only_err(attempt(b.sys_sendto, s, f[:13], 0, spkt("veth0"))),
        "len16": attempt(b.sys_sendto, s, f, 0, spkt("veth0")),
        "len18": attempt(b.sys_sendto, s, f, 0, spkt("veth0", proto=ETH_P_IP)),
        "len20": attempt(b.sys_sendto, s, f, 0, spkt("veth0", proto=ETH_P_IP, length=20)),
        "mtu_1514": only_err(attempt(b.sys_sendto, s, eth(size=1514), 0, spkt("veth0"))),
        "mtu_1515": only_err(attempt(b.sys_sendto, s, eth(size=1515), 0, spkt("veth0"))),
        "mtu_q_1518": only_err(attempt(b.sys_sendto, s, vlan_eth(size=1518), 0, spkt("veth0"))),
        "mtu_q_1519": only_err(attempt(b.sys_sendto, s, vlan_eth(size=1519), 0, spkt("veth0"))),
    }
    out["tap"] = drain(b, tap, names, show_data=False)
    b.link_set("veth0", up=False)
    out["down"] = only_err(attempt(b.sys_sendto, s, f, 0, spkt("veth0")))
    return out


def scenario_send_raw_protocol_field_on_tap(b):
    """RAW send: sll_protocol becomes skb->protocol (seen by taps); 0/ALL means parse the frame."""
    names = setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    peer = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    v0 = ifx(b, "veth0")
    for p in (0x1234, 0, ETH_P_ALL, ETH_P_IP):
        send(b, s, eth(MAC_B, MAC_A, ETH_P_EX, size=60), v0, p)
    return {"tap": [f["sll"]["protocol"] for f in drain(b, tap, names, show_data=False)],
            "peer": [f["sll"]["protocol"] for f in drain(b, peer, names, show_data=False)]}


SO_NOFCS, SO_MARK, SO_PRIORITY, SCM_RIGHTS = 43, 36, 12, 1


def scenario_send_nofcs_unsupported(b):
    """SO_NOFCS on a device without IFF_SUPP_NOFCS: sends fail with EPROTONOSUPPORT (also SOCK_PACKET)."""
    setup_veth(b)
    out = {}
    for t in (SOCK_RAW, SOCK_DGRAM):
        s = b.socket(AF_PACKET, t, 0)
        out[f"{t}_set"] = only_err(attempt(setint, b, s, SOL_SOCKET, SO_NOFCS, 1))
        payload = eth(size=60) if t == SOCK_RAW else bytes(46)
        out[f"{t}_veth"] = only_err(send(b, s, payload, ifx(b, "veth0"), ETH_P_EX, halen=6, addr=MAC_B))
        out[f"{t}_lo"] = only_err(send(b, s, payload, ifx(b, "lo"), ETH_P_EX, halen=6))
    sp = b.socket(AF_PACKET, SOCK_PACKET, 0)
    out["spkt_set"] = only_err(attempt(setint, b, sp, SOL_SOCKET, SO_NOFCS, 1))
    out["spkt"] = only_err(attempt(b.sys_sendto, sp, eth(size=60), 0, spkt("veth0")))
    return out


def scenario_send_cmsg_handling(b):
    """sendmsg control messages: only SOL_SOCKET ones are looked at; unknown SOL_SOCKET types are EINVAL."""
    import struct as _s
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    f = eth(ZERO, ZERO, ETH_P_EX, size=60)
    addr = ("lo", ETH_P_EX)
    cases = {
        "none": [],
        "other_level": [(SOL_PACKET, 99, _s.pack("<i", 1))],
        "sol_socket_unknown": [(SOL_SOCKET, 9999, _s.pack("<i", 1))],
        "so_mark_root": [(SOL_SOCKET, SO_MARK, _s.pack("<I", 7))],
        "so_mark_short": [(SOL_SOCKET, SO_MARK, b"\x07")],
    }
    return {k: only_err(attempt(s.sendmsg, [f], anc, 0, addr)) for k, anc in cases.items()}


@kernel_differs(
    reason="an SO_PRIORITY control message is accepted by newer kernels; 5.15's SOL_SOCKET cmsg parser only "
           "knows SO_MARK, SO_TIMESTAMPING and SCM_TXTIME and rejects the rest with EINVAL",
    commit="a32f3e9d1ed1 sock: support SO_PRIORITY cmsg (v6.14)",
    expected_515="EINVAL", since="6.14")
def scenario_send_cmsg_so_priority(b):
    import struct as _s
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    return only_err(attempt(s.sendmsg, [eth(ZERO, ZERO, ETH_P_EX, size=60)],
                            [(SOL_SOCKET, SO_PRIORITY, _s.pack("<i", 1))], 0, ("lo", ETH_P_EX)))
