"""Network namespaces: isolation, moving a veth end, per-namespace ifindex lookups."""
from ._common import *  # noqa: F401,F403


def scenario_ns_lo_isolation(b):
    """A socket never sees another namespace's frames."""
    a = b.netns_add("a")
    root_all = psock(b, SOCK_RAW, ETH_P_ALL)
    a_all = psock(a, SOCK_RAW, ETH_P_ALL)
    tx = a.socket(AF_PACKET, SOCK_RAW, 0)
    r = send(a, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), a.if_nametoindex("lo"), ETH_P_EX)
    return {"send": r, "root": drain(b, root_all, {}), "a": [f["sll"]["pkttype"] for f in drain(a, a_all, {})],
            "root_stats": stats(b, root_all)}


def scenario_ns_lo_index_and_name_lookup(b):
    a = b.netns_add("a")
    b.link_add("veth0", "veth", peer="veth1")
    return {"root": {n: attempt(b.if_nametoindex, n) for n in ("lo", "veth0", "veth1")},
            "a": {n: attempt(a.if_nametoindex, n) for n in ("lo", "veth0", "veth1")}}


def _moved(b):
    a = b.netns_add("a")
    b.link_add("veth0", "veth", peer="veth1")
    b.link_set("veth0", address=MAC_A)
    b.link_set("veth1", address=MAC_B)
    b.link_set("veth1", netns="a")
    b.link_set("veth0", up=True)
    a.link_set("veth1", up=True)
    wait_path(b, "veth0", "veth1", b_dst=a)
    wait_path(a, "veth1", "veth0", b_dst=b)
    return a


def scenario_ns_veth_moved_traffic(b):
    a = _moved(b)
    rn = names_of(b, "lo", "veth0")
    an = names_of(a, "lo", "veth1")
    root_all = psock(b, SOCK_RAW, ETH_P_ALL)
    a_all = psock(a, SOCK_RAW, ETH_P_ALL)
    a_bound = psock(a, SOCK_DGRAM, ETH_P_EX, bind_to="veth1")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    r = send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, b"cross", 60), b.if_nametoindex("veth0"), ETH_P_EX)
    return {"send": r,
            "root": [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, root_all, rn, show_data=False)],
            "a_all": [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(a, a_all, an, show_data=False)],
            "a_bound": drain(a, a_bound, an)}


def scenario_ns_veth_moved_reverse(b):
    a = _moved(b)
    rn = names_of(b, "lo", "veth0")
    an = names_of(a, "lo", "veth1")
    root_bound = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    a_tap = psock(a, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    tx = a.socket(AF_PACKET, SOCK_RAW, 0)
    r = send(a, tx, eth(BCAST, MAC_B, ETH_P_EX, b"back", 60), a.if_nametoindex("veth1"), ETH_P_EX)
    return {"send": r, "root": drain(b, root_bound, rn, show_data=False), "a": drain(a, a_tap, an, show_data=False)}


def scenario_ns_foreign_ifindex(b):
    """After the move, the root namespace no longer resolves veth1's index (bind ENODEV, sendto ENXIO)."""
    b.link_add("veth0", "veth", peer="veth1")
    ix1 = b.if_nametoindex("veth1")
    a = b.netns_add("a")
    b.link_set("veth1", netns="a")
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    return {"same_index_in_a": a.if_nametoindex("veth1") == ix1,
            "root_lookup": attempt(b.if_nametoindex, "veth1"),
            "bind": only_err(attempt(b.sys_bind, s, sll(ix1, ETH_P_ALL))),
            "sendto": only_err(send(b, s, eth(size=60), ix1, ETH_P_EX))}


def scenario_ns_move_bound_socket(b):
    """Moving a device away acts like down + unregister for sockets of the old namespace."""
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    b.netns_add("a")
    b.link_set("veth1", netns="a")
    return {"recv": [only_err(attempt(b.sys_recvfrom, s, 100, MSG_DONTWAIT)) for _ in range(2)],
            "name": dec_sll(b.sys_getsockname(s)),
            "send": only_err(attempt(b.sys_sendto, s, eth(size=60), 0, None))}


def scenario_ns_socket_in_namespace_binds_local(b):
    a = b.netns_add("a")
    a.link_add("veth0", "veth", peer="veth1")
    a.link_set("veth0", address=MAC_A)
    s = a.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    an = names_of(a, "lo", "veth0", "veth1")
    return {"bind_local": attempt(a.sys_bind, s, sll(a.if_nametoindex("veth0"), ETH_P_ALL)),
            "name": dec_sll(a.sys_getsockname(s), an),
            "root_lookup": attempt(b.if_nametoindex, "veth0"),
            "a_lo": a.if_nametoindex("lo")}


def scenario_ns_lo_down_in_other_ns_independent(b):
    a = b.netns_add("a")
    a.link_set("lo", up=False)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="lo")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    r = send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    return {"send": r, "so_error": getint(b, s, SOL_SOCKET, SO_ERROR), "rx": len(drain(b, s, {}))}
