"""Device events reaching bound sockets: down, up, unregister (spec §8).

On veth, only the end that was bounced is used for sending afterwards: the other end's queueing
discipline is re-attached asynchronously by the real kernel's link watch.
"""
from ._common import *  # noqa: F401,F403


def scenario_ev_down_enetdown_once_recv(b):
    names = setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    b.link_set("veth0", up=False)
    return {"recv": [only_err(attempt(b.sys_recvfrom, s, 100, MSG_DONTWAIT)) for _ in range(3)],
            "so_error": getint(b, s, SOL_SOCKET, SO_ERROR),
            "name": dec_sll(b.sys_getsockname(s), names)}


def scenario_ev_down_so_error(b):
    setup_veth(b)
    s = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="veth0")
    b.link_set("veth0", up=False)
    return [getint(b, s, SOL_SOCKET, SO_ERROR), getint(b, s, SOL_SOCKET, SO_ERROR),
            only_err(attempt(b.sys_recvfrom, s, 100, MSG_DONTWAIT))]


def scenario_ev_down_send_flag_check_keeps_error(b):
    """While down every send fails with ENETDOWN by the flag test; the pending sk_err survives."""
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    b.link_set("veth0", up=False)
    sends = [only_err(attempt(b.sys_sendto, s, eth(size=60), 0, None)) for _ in range(2)]
    return {"sends": sends, "so_error": getint(b, s, SOL_SOCKET, SO_ERROR)}


def scenario_ev_down_up_send_reports_once(b):
    """After down+up the first send returns the stale ENETDOWN, the second succeeds."""
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    b.link_set("veth0", up=False)
    b.link_set("veth0", up=True)
    return [only_err(attempt(b.sys_sendto, s, eth(MAC_B, MAC_A, size=60), 0, None)) for _ in range(3)]


def scenario_ev_down_keeps_queued_frames(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    for i in range(2):
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, bytes([i]) * 46), ifx(b, "veth0"), ETH_P_EX)
    b.link_set("veth1", up=False)
    return drain(b, s, names, show_data=False)


def scenario_ev_down_up_rehooks_lo(b):
    """NETDEV_UP re-registers the hook; the ENETDOWN from the down stays pending until read."""
    names = names_of(b, "lo")
    lo = ifx(b, "lo")
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="lo")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    b.link_set("lo", up=False)
    while_down = only_err(send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), lo, ETH_P_EX))
    b.link_set("lo", up=True)
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, b"back", 60), lo, ETH_P_EX)
    return {"while_down": while_down, "rx": drain(b, s, names, show_data=False)}


def scenario_ev_down_deaf_while_down_lo(b):
    """While lo is down even an all-devices socket gets nothing (nothing is transmitted)."""
    names = names_of(b, "lo")
    lo = ifx(b, "lo")
    s_all = psock(b, SOCK_RAW, ETH_P_ALL)
    b.link_set("lo", up=False)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    r = only_err(send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), lo, ETH_P_EX))
    return {"send": r, "rx": drain(b, s_all, names), "so_error": getint(b, s_all, SOL_SOCKET, SO_ERROR)}


def scenario_ev_unbound_and_proto0_unaffected(b):
    setup_veth(b)
    s_all = psock(b, SOCK_RAW, ETH_P_ALL)
    s_any = psock(b, SOCK_RAW, ETH_P_ALL, bind_to=0)
    s_zero = psock(b, SOCK_RAW, 0, bind_to="veth0")
    b.link_set("veth0", up=False)
    return [getint(b, s, SOL_SOCKET, SO_ERROR) for s in (s_all, s_any, s_zero)]


def scenario_ev_other_device_unaffected(b):
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    b.link_set("veth0", up=False)
    return {"so_error": getint(b, s, SOL_SOCKET, SO_ERROR),
            "recv": only_err(attempt(b.sys_recvfrom, s, 100, MSG_DONTWAIT))}


def scenario_ev_mtu_and_address_change_no_error(b):
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    b.link_set("veth0", mtu=1400)
    b.link_set("veth0", address=MAC_C)
    return {"so_error": getint(b, s, SOL_SOCKET, SO_ERROR),
            "big": only_err(attempt(b.sys_sendto, s, eth(size=1415), 0, None)),
            "fits": only_err(attempt(b.sys_sendto, s, eth(size=1414), 0, None))}


def scenario_ev_unregister(b):
    """Unregister: ENETDOWN once, ifindex -1, sends without address ENXIO, deaf even after a no-op rebind."""
    names = setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    b.link_del("veth0")
    out = {"recv": [only_err(attempt(b.sys_recvfrom, s, 100, MSG_DONTWAIT)) for _ in range(2)],
           "name": dec_sll(b.sys_getsockname(s), names),
           "send": only_err(attempt(b.sys_sendto, s, eth(size=60), 0, None)),
           "so_error": getint(b, s, SOL_SOCKET, SO_ERROR)}
    out["rebind_any_same_proto"] = attempt(b.sys_bind, s, sll(0, ETH_P_ALL))
    out["name2"] = dec_sll(b.sys_getsockname(s), names)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    out["deaf"] = drain(b, s, names, show_data=False)
    out["rebind_lo"] = attempt(b.sys_bind, s, sll(ifx(b, "lo"), ETH_P_ALL))
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    out["hears"] = [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, s, names, show_data=False)]
    return out


def scenario_ev_unregister_rebind_other_protocol(b):
    """Rebinding to ifindex 0 with a different protocol does re-register the hook."""
    names = setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    b.link_del("veth0")
    first = only_err(attempt(b.sys_recvfrom, s, 100, MSG_DONTWAIT))
    r = attempt(b.sys_bind, s, sll(0, ETH_P_EX))
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    return {"first": first, "bind": r, "name": dec_sll(b.sys_getsockname(s), names),
            "rx": [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, s, names, show_data=False)]}


def scenario_ev_unregister_after_down_single_error(b):
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    b.link_set("veth0", up=False)
    first = getint(b, s, SOL_SOCKET, SO_ERROR)
    b.link_del("veth0")
    return {"first": first, "after_del": getint(b, s, SOL_SOCKET, SO_ERROR),
            "name": dec_sll(b.sys_getsockname(s))}


def scenario_ev_unregister_peer_end(b):
    """Deleting one veth end unregisters the other; sockets on both get ifindex -1."""
    setup_veth(b)
    s0 = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    s1 = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="veth1")
    b.link_del("veth0")
    return [[getint(b, s, SOL_SOCKET, SO_ERROR), dec_sll(b.sys_getsockname(s))] for s in (s0, s1)]


def scenario_ev_unregister_proto0_socket(b):
    """A proto-0 socket was never hooked: no error, but ifindex still becomes -1."""
    setup_veth(b)
    s = psock(b, SOCK_RAW, 0, bind_to="veth0")
    b.link_del("veth0")
    return {"so_error": getint(b, s, SOL_SOCKET, SO_ERROR), "name": dec_sll(b.sys_getsockname(s))}


def scenario_ev_unregister_keeps_queued(b):
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    s = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="veth1")
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"kept", 60), ifx(b, "veth0"), ETH_P_EX)
    b.link_del("veth1")
    return drain(b, s, names)


def scenario_ev_blocked_reader_woken_by_down(b):
    """A reader blocked in recv gets ENETDOWN when the device goes down (same outcome if it was not yet
    blocked: the pending error is reported first)."""
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    set_rcvtimeo(b, s, 5.0)
    join = in_thread(b.sys_recvfrom, s, 100, 0)
    b.link_set("veth0", up=False)
    return only_err(join())


def scenario_ev_bind_after_down_then_unregister(b):
    setup_veth(b)
    b.link_set("veth0", up=False)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    e1 = getint(b, s, SOL_SOCKET, SO_ERROR)
    b.link_del("veth0")
    return [e1, getint(b, s, SOL_SOCKET, SO_ERROR), dec_sll(b.sys_getsockname(s)),
            only_err(attempt(b.sys_sendto, s, eth(size=60), 0, None))]
