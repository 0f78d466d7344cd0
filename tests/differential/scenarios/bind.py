"""bind() and getsockname() (spec §2)."""
import struct

from ._common import *  # noqa: F401,F403


def scenario_bind_addrlen(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    lo = ifx(b, "lo")
    full = sll(lo, ETH_P_ALL)
    out = {}
    for n in (0, 1, 12, 19, 20, 21, 128, 129):
        out[n] = only_err(attempt(b.sys_bind, s, full.ljust(n, b"\xaa")[:n]))
    return out


def scenario_bind_addrlen_dgram_g_dg_8(b):
    s = b.socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP))
    return {"one_byte": only_err(attempt(b.sys_bind, s, b"\x11")),
            "sixteen": only_err(attempt(b.sys_bind, s, sll(ifx(b, "lo"), ETH_P_IP)[:16]))}


def scenario_bind_bad_family(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    lo = ifx(b, "lo")
    return {f: only_err(attempt(b.sys_bind, s, sll(lo, ETH_P_ALL, family=f))) for f in (0, 2, 16, 18, 0xFFFF)}


def scenario_bind_unknown_ifindex(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    return {ix: only_err(attempt(b.sys_bind, s, sll(ix, ETH_P_ALL))) for ix in (9999, 0xFFFF, -1, -100, 0x7FFFFFFF)}


def scenario_bind_ifindex0_all_devices(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP))
    r = attempt(b.sys_bind, s, sll(0, ETH_P_ALL))
    return {"bind": r, "name": dec_sll(b.sys_getsockname(s)),
            "send_noaddr": only_err(attempt(b.sys_sendto, s, eth(size=60), 0, None))}


def scenario_bind_lo_getsockname_g_ps_3(b):
    out = {}
    names = names_of(b, "lo")
    for t in (SOCK_DGRAM, SOCK_RAW):
        s = b.socket(AF_PACKET, t, 0)
        before = dec_sll(b.sys_getsockname(s), names)
        r = attempt(b.sys_bind, s, sll(ifx(b, "lo"), ETH_P_IP))
        out[t] = {"before": before, "bind": r, "after": dec_sll(b.sys_getsockname(s), names)}
    return out


def scenario_bind_veth_getsockname(b):
    names = setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL))
    b.sys_bind(s, sll(ifx(b, "veth0"), ETH_P_EX))
    return dec_sll(b.sys_getsockname(s), names)


def scenario_bind_ignores_other_fields(b):
    names = names_of(b, "lo")
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    r = attempt(b.sys_bind, s, sll(ifx(b, "lo"), ETH_P_EX, hatype=0xABCD, pkttype=7, halen=200,
                                   addr=b"\x01\x02\x03\x04\x05\x06\x07\x08"))
    return {"bind": r, "name": dec_sll(b.sys_getsockname(s), names)}


def scenario_bind_proto0_keeps_protocol(b):
    """sll_protocol 0 in bind keeps the socket's protocol (and its receiving)."""
    names = names_of(b, "lo")
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    r = attempt(b.sys_bind, s, sll(ifx(b, "lo"), 0))
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX2, size=60), ifx(b, "lo"), ETH_P_EX2)
    return {"bind": r, "name": dec_sll(b.sys_getsockname(s), names),
            "rx": drain(b, s, names, show_data=False)}


def scenario_bind_rebind_protocol_g_ps_4(b):
    """G-PS-4 with injected frames: proto-0 socket deaf; rebinding switches the protocol."""
    names = names_of(b, "lo")
    lo = ifx(b, "lo")
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW):
        s = b.socket(AF_PACKET, t, 0)
        tx = b.socket(AF_PACKET, SOCK_RAW, 0)

        def inject(n):
            return send(b, tx, eth(ZERO, ZERO, ETH_P_IP, bytes([n]) * 36), lo, ETH_P_IP)[0]

        steps = []
        inject(1)
        steps.append(drain(b, s, names))
        b.sys_bind(s, sll(lo, ETH_P_IP))
        inject(2)
        steps.append(drain(b, s, names))
        b.sys_bind(s, sll(lo, 255))
        inject(3)
        steps.append(drain(b, s, names))
        b.sys_bind(s, sll(lo, ETH_P_IP))
        inject(4)
        steps.append(drain(b, s, names))
        b.sys_bind(s, sll(lo, 0))
        inject(5)
        steps.append(drain(b, s, names))
        out[t] = steps
    return out


def scenario_bind_twice_g_dg_5(b):
    s = b.socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP))
    a = sll(ifx(b, "lo"), ETH_P_IP)
    return [only_err(attempt(b.sys_bind, s, a)), only_err(attempt(b.sys_bind, s, a))]


def scenario_bind_rebind_device(b):
    names = setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
    tx0 = psock(b, SOCK_RAW, 0)
    frames = []
    send(b, tx0, eth(BCAST, MAC_C, ETH_P_EX, b"one", 60), ifx(b, "veth1"), ETH_P_EX)   # arrives on veth0
    frames.append(drain(b, s, names, show_data=False))
    b.sys_bind(s, sll(ifx(b, "veth1"), ETH_P_EX))
    send(b, tx0, eth(BCAST, MAC_C, ETH_P_EX, b"two", 60), ifx(b, "veth1"), ETH_P_EX)   # arrives on veth0
    send(b, tx0, eth(BCAST, MAC_C, ETH_P_EX, b"three", 60), ifx(b, "veth0"), ETH_P_EX)  # arrives on veth1
    frames.append(drain(b, s, names, show_data=False))
    frames.append(dec_sll(b.sys_getsockname(s), names))
    return frames


def scenario_bind_failure_keeps_binding_g_rw_11(b):
    names = names_of(b, "lo")
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW):
        s = b.socket(AF_PACKET, t, htons(ETH_P_ALL))
        r1 = only_err(attempt(b.sys_bind, s, sll(ifx(b, "lo"), ETH_P_ALL)))
        e1 = getint(b, s, SOL_SOCKET, SO_ERROR)
        r2 = only_err(attempt(b.sys_bind, s, sll(0xFFFF, ETH_P_ALL)))
        e2 = getint(b, s, SOL_SOCKET, SO_ERROR)
        out[t] = [r1, e1, r2, e2, dec_sll(b.sys_getsockname(s), names)]
    return out


def scenario_bind_down_device(b):
    """Binding to a down device succeeds but leaves ENETDOWN pending (once)."""
    names = setup_veth(b)
    b.link_set("veth0", up=False)
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    r = attempt(b.sys_bind, s, sll(ifx(b, "veth0"), ETH_P_ALL))
    return {"bind": r, "so_error": [getint(b, s, SOL_SOCKET, SO_ERROR), getint(b, s, SOL_SOCKET, SO_ERROR)],
            "name": dec_sll(b.sys_getsockname(s), names)}


def scenario_bind_down_device_recv(b):
    setup_veth(b)
    b.link_set("veth0", up=False)
    s = b.socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL))
    b.sys_bind(s, sll(ifx(b, "veth0"), ETH_P_EX))
    return [only_err(attempt(b.sys_recvfrom, s, 100, MSG_DONTWAIT)) for _ in range(2)]


def scenario_bind_down_device_proto0(b):
    """Protocol 0: never hooked, so binding to a down device raises no error."""
    setup_veth(b)
    b.link_set("veth0", up=False)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    r = attempt(b.sys_bind, s, sll(ifx(b, "veth0"), 0))
    return {"bind": r, "so_error": getint(b, s, SOL_SOCKET, SO_ERROR)}


def scenario_bind_down_then_up_hooks(b):
    """The hook of a socket bound to a down device is registered by NETDEV_UP; ENETDOWN stays pending."""
    names = names_of(b, "lo")
    lo = ifx(b, "lo")
    b.link_set("lo", up=False)
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    b.sys_bind(s, sll(lo, ETH_P_EX))
    b.link_set("lo", up=True)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    r = send(b, tx, eth(ZERO, ZERO, ETH_P_EX, b"after-up", 60), lo, ETH_P_EX)
    return {"send": r, "rx": drain(b, s, names, show_data=False)}


def scenario_bind_addr_change_visible(b):
    """Device events other than down/up/unregister are ignored; getsockname shows the new MAC."""
    names = setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    before = dec_sll(b.sys_getsockname(s), names)
    b.link_set("veth0", address=MAC_C)
    b.link_set("veth0", mtu=1400)
    return {"before": before, "after": dec_sll(b.sys_getsockname(s), names),
            "so_error": getint(b, s, SOL_SOCKET, SO_ERROR)}


def scenario_bind_sock_packet(b):
    """SOCK_PACKET binds by name with an exactly 16-byte struct sockaddr."""
    s = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_ALL))
    out = {
        "len15": only_err(attempt(b.sys_bind, s, spkt("lo", length=15))),
        "len17": only_err(attempt(b.sys_bind, s, spkt("lo", length=17))),
        "len20": only_err(attempt(b.sys_bind, s, spkt("lo", length=20))),
        "unknown": only_err(attempt(b.sys_bind, s, spkt("nosuchdev0"))),
        "empty": only_err(attempt(b.sys_bind, s, spkt(""))),
        "family_inet": only_err(attempt(b.sys_bind, s, spkt("lo", family=2))),
    }
    out["name"] = b.sys_getsockname(s).hex()
    return out


def scenario_bind_sock_packet_receives(b):
    names = names_of(b, "lo")
    s = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_EX))
    b.sys_bind(s, spkt("lo"))
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send(b, tx, eth(ZERO, MAC_A, ETH_P_EX, b"spkt", 60), ifx(b, "lo"), ETH_P_EX)
    ret, data, addr = b.sys_recvfrom(s, 200, MSG_DONTWAIT)
    return {"ret": ret, "data": data.hex(), "addr": addr.hex(),
            "more": only_err(attempt(b.sys_recvfrom, s, 200, MSG_DONTWAIT))}


def scenario_bind_getsockname_short_buffers(b):
    """getsockname always reports the kernel's length (the backend asks with 128 bytes)."""
    names = names_of(b, "lo")
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    b.sys_bind(s, sll(ifx(b, "lo"), ETH_P_ALL) + b"\xff" * 20)
    raw = b.sys_getsockname(s)
    return {"len": len(raw), "sll": dec_sll(raw, names), "tail": struct.unpack("<H", raw[16:18])[0]}
