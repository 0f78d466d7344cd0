"""What SOL_SOCKET options do, and do not do, to a packet socket (§6): SO_BINDTODEVICE and
SO_BINDTOIFINDEX store a device that packet_rcv and packet_snd never look at (bind() and the
sockaddr_ll pick the device), SO_RCVLOWAT is never consulted, SO_MEMINFO shows the live buffer
counters."""
import struct

from ._common import *  # noqa: F401,F403
from .sol_socket import (SO_BINDTODEVICE, SO_BINDTOIFINDEX, SO_INCOMING_CPU, SO_INCOMING_NAPI_ID,
                         SO_MEMINFO, SO_PEERNAME, SO_RCVLOWAT, i32, sget, sget_int, sset)

MEMINFO_NAMES = ("rmem_alloc", "rcvbuf", "wmem_alloc", "sndbuf", "fwd_alloc", "wmem_queued",
                 "optmem", "backlog", "drops")


def meminfo(b, s):
    raw = bytes.fromhex(sget(b, s, SO_MEMINFO, 36))
    return dict(zip(MEMINFO_NAMES, struct.unpack("<9I", raw)))


def scenario_sol_bindtodevice_names(b):
    """Names: at most 15 bytes are read (a longer name is cut), NUL-padded; "" or optlen 0 unbinds;
    unknown: ENODEV; a buffer shorter than optlen (up to 15) faults."""
    b.link_add("abcdefghijklmno", "veth", peer="sol_peer")
    s = psock(b)
    out = {}
    for name, val, n in (("lo", b"lo\0", None), ("lo_no_nul", b"lo", None), ("empty", b"", None),
                         ("lo_again", b"lo\0junk", None), ("optlen0", b"lo\0", 0),
                         ("unknown", b"nosuch\0", None), ("long15", b"abcdefghijklmno", None),
                         ("long18", b"abcdefghijklmnoXYZ", None), ("unknown16", b"abcdefghijklmnxy", None),
                         ("null0", None, 0), ("null4", None, 4), ("short_buf", b"lo\0", 8),
                         ("lo_pad16", b"lo".ljust(16, b"\0"), None), ("space", b" lo\0", None)):
        out[name] = [sset(b, s, SO_BINDTODEVICE, val, n), sget(b, s, SO_BINDTODEVICE, 16),
                     "dev" if sget_int(b, s, SO_BINDTOIFINDEX) else 0]
    return out


def scenario_sol_bindtodevice_get_lengths(b):
    s = psock(b)
    out = {"unbound": {n: sget(b, s, SO_BINDTODEVICE, n) for n in (-1, 0, 4, 16, 64)}}
    sset(b, s, SO_BINDTODEVICE, b"lo\0")
    out["bound"] = {n: sget(b, s, SO_BINDTODEVICE, n) for n in (-1, 0, 3, 15, 16, 17, 64)}
    return out


def scenario_sol_bindtodevice_device_gone(b):
    """The index stays after its device is deleted; the name lookup then says ENODEV."""
    b.link_add("sol_gone", "veth", peer="sol_gone_p")
    s = psock(b)
    ix = ifx(b, "sol_gone")
    out = {"set": sset(b, s, SO_BINDTODEVICE, b"sol_gone\0"), "name": sget(b, s, SO_BINDTODEVICE, 16)}
    b.link_del("sol_gone")
    out["after_del"] = [sget(b, s, SO_BINDTODEVICE, 16), sget_int(b, s, SO_BINDTOIFINDEX) == ix]
    out["by_index_absent"] = [sset(b, s, SO_BINDTOIFINDEX, 4242), sget(b, s, SO_BINDTODEVICE, 16)]
    return out


def _rx_both(b, s, names):
    """A frame from veth1 (arrives on veth0) and one on lo; what the socket queued."""
    tx = psock(b, SOCK_RAW, 0)
    send(b, tx, eth(MAC_A, MAC_B, ETH_P_EX, b"via-veth", 60), ifx(b, "veth1"), ETH_P_EX)
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, b"via-lo", 60), ifx(b, "lo"), ETH_P_EX)
    return [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, s, names, show_data=True)
            if "sll" in f]


def scenario_sol_bindtodevice_ignored_on_receive(b):
    """An unbound socket with SO_BINDTODEVICE veth0 still gets frames of every device; one bound
    to veth0 with SO_BINDTODEVICE lo still gets only veth0's."""
    names = setup_veth(b)
    free = psock(b, SOCK_RAW, ETH_P_EX)
    sset(b, free, SO_BINDTODEVICE, b"veth0\0")
    bound = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
    sset(b, bound, SO_BINDTODEVICE, b"lo\0")
    idx = psock(b, SOCK_DGRAM, ETH_P_EX)
    sset(b, idx, SO_BINDTOIFINDEX, ifx(b, "lo"))
    frames = _rx_both(b, free, names)   # sends once; every socket below sees the same frames
    return {"free": sorted(frames), "bound": sorted(_drain_pairs(b, bound, names)),
            "by_index_dgram": sorted(_drain_pairs(b, idx, names))}


def _drain_pairs(b, s, names):
    return [(f["sll"]["ifindex"], f["sll"]["pkttype"]) for f in drain(b, s, names) if "sll" in f]


def scenario_sol_bindtodevice_ignored_on_send(b):
    """Without bind() or an address, SO_BINDTODEVICE gives no device (ENXIO); an address still
    picks any device."""
    names = setup_veth(b)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    out = {}
    for t in (SOCK_RAW, SOCK_DGRAM):
        s = psock(b, t, ETH_P_EX)
        sset(b, s, SO_BINDTODEVICE, b"veth0\0")
        frame = eth(MAC_B, MAC_A, ETH_P_EX, b"x", 60) if t == SOCK_RAW else b"payload"
        kw = {"halen": 6, "addr": MAC_B} if t == SOCK_DGRAM else {}
        out[t] = {"no_addr": send(b, s, frame), "to_veth0": send(b, s, frame, ifx(b, "veth0"), ETH_P_EX, **kw),
                  "to_lo": send(b, s, frame, ifx(b, "lo"), ETH_P_EX, **kw)}
        sset(b, s, SO_BINDTOIFINDEX, ifx(b, "veth0"))
        out[t]["no_addr_by_index"] = send(b, s, frame)
    out["arrived_on_veth1"] = len(drain(b, rx, names))
    return out


def scenario_sol_bindtodevice_bind_after(b):
    """bind() to another device after SO_BINDTODEVICE is fine and leaves the option as it was."""
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_EX)
    sset(b, s, SO_BINDTODEVICE, b"lo\0")
    r = attempt(b.sys_bind, s, sll(ifx(b, "veth0"), ETH_P_EX))
    return {"bind": only_err(r), "opt": sget(b, s, SO_BINDTODEVICE, 16),
            "name": dec_sll(b.sys_getsockname(s), names_of(b, "lo", "veth0"))}


def scenario_sol_meminfo_queued_frames(b):
    """rmem_alloc grows with each queued frame and falls as they are read; drops count."""
    lo = ifx(b, "lo")
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="lo")
    tx = psock(b, SOCK_RAW, 0)
    out = {"empty": meminfo(b, rx)}
    for n in (1000, 1400):       # small frames' truesize changed after 5.15 (small-head cache)
        send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=n), lo, ETH_P_EX)
    out["two_queued"] = meminfo(b, rx)
    recv1(b, rx, show_data=False)
    out["one_read"] = meminfo(b, rx)
    setint(b, rx, SOL_SOCKET, SO_RCVBUF, 1)
    for _ in range(6):
        send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=1000), lo, ETH_P_EX)
    out["small_rcvbuf"] = meminfo(b, rx)
    out["stats"] = stats(b, rx)
    out["sender"] = meminfo(b, tx)
    return out


@kernel_differs("struct bpf_prog grew by 24 bytes (measured: 96-byte header on 6.18, 72 on 5.15 x86_64), "
                "so a one-instruction filter (5 eBPF instructions) charges 136 instead of 112",
                "the bpf_prog header change is from a 6.x commit not pinned down (see "
                "bpf.bpf_optmem_exact_threshold)",
                {"none": 0, "attach": "ok", "with_filter": 112, "detach": "ok", "after": 0}, since="6.2")
def scenario_sol_meminfo_filter_optmem(b):
    """An attached filter is charged to optmem; detaching gives it back."""
    from .bpf import ACCEPT, attach, detach
    s = psock(b)
    out = {"none": meminfo(b, s)["optmem"]}
    out["attach"] = attach(b, s, ACCEPT)
    out["with_filter"] = meminfo(b, s)["optmem"]
    out["detach"] = detach(b, s)
    out["after"] = meminfo(b, s)["optmem"]
    return out


def scenario_sol_meminfo_buffers_follow_options(b):
    s = psock(b, SOCK_DGRAM)
    setint(b, s, SOL_SOCKET, SO_RCVBUF, 5000)
    setint(b, s, SOL_SOCKET, SO_SNDBUF, 7000)
    m = meminfo(b, s)
    return {"rcvbuf": m["rcvbuf"], "sndbuf": m["sndbuf"], "rcvbuf_opt": getint(b, s, SOL_SOCKET, SO_RCVBUF)}


def scenario_sol_rcvlowat_ignored(b):
    """SO_RCVLOWAT is stored but a packet socket's read and poll never look at it."""
    lo = ifx(b, "lo")
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="lo")
    tx = psock(b, SOCK_RAW, 0)
    out = {"set": sset(b, rx, SO_RCVLOWAT, 100000), "value": sget_int(b, rx, SO_RCVLOWAT)}
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), lo, ETH_P_EX)
    out["poll"] = b.poll(rx, 1, 0)
    out["read"] = recv1(b, rx, flags=MSG_DONTWAIT, show_data=False)
    return out


def scenario_sol_incoming_cpu_and_napi_after_receive(b):
    """packet_rcv records neither the receiving CPU nor a NAPI id."""
    names = setup_veth(b)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
    tx = psock(b, SOCK_RAW, 0)
    send(b, tx, eth(MAC_A, MAC_B, ETH_P_EX, size=60), ifx(b, "veth1"), ETH_P_EX)
    got = len(drain(b, rx, names))
    return {"frames": got, "cpu": sget_int(b, rx, SO_INCOMING_CPU), "napi": sget_int(b, rx, SO_INCOMING_NAPI_ID)}


def scenario_sol_small_sndbuf_still_sends(b):
    """A send is admitted while nothing of the socket is in flight: a frame larger than the
    smallest send buffer still goes out, many in a row on lo."""
    lo = ifx(b, "lo")
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="lo")
    setint(b, rx, SOL_SOCKET, SO_RCVBUF, 1 << 20)
    tx = psock(b, SOCK_RAW, 0)
    setint(b, tx, SOL_SOCKET, SO_SNDBUF, 1)
    res = [send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=9000), lo, ETH_P_EX, flags=MSG_DONTWAIT)
           for _ in range(5)]
    return {"sndbuf": getint(b, tx, SOL_SOCKET, SO_SNDBUF), "sends": res,
            "received": len(drain(b, rx, show_data=False, size=10000)), "wmem": meminfo(b, tx)["wmem_alloc"]}


def scenario_sol_peername_any_state(b):
    """packet_getname refuses the peer name, bound or not, on every type: ENOTCONN."""
    out = {}
    for t in (SOCK_RAW, SOCK_DGRAM, SOCK_PACKET):
        s = b.socket(AF_PACKET, t, htons(ETH_P_ALL))
        out[t] = [sget(b, s, SO_PEERNAME, 128)]
        if t != SOCK_PACKET:
            b.sys_bind(s, sll(ifx(b, "lo"), ETH_P_ALL))
            out[t].append(sget(b, s, SO_PEERNAME, 128))
    return out


def scenario_sol_options_survive_bind_and_link_changes(b):
    """Socket-level values are the socket's: bind, a device going down and up keep them."""
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_EX)
    for opt, v in ((SO_PRIORITY_, 5), (SO_MARK_, 77), (SO_RCVLOWAT, 9), (SO_INCOMING_CPU, 3)):
        sset(b, s, opt, v)
    sset(b, s, SO_BINDTODEVICE, b"veth0\0")
    b.sys_bind(s, sll(ifx(b, "veth0"), ETH_P_EX))
    b.link_set("veth0", up=False)
    b.link_set("veth0", up=True)
    return {o: sget_int(b, s, o) for o in (SO_PRIORITY_, SO_MARK_, SO_RCVLOWAT, SO_INCOMING_CPU)} | {
        "dev": sget(b, s, SO_BINDTODEVICE, 16), "err": sget_int(b, s, SO_ERROR)}


SO_PRIORITY_, SO_MARK_ = 12, 36


def scenario_sol_bindtodevice_and_timestamping_bind_phc(b):
    """SOF_TIMESTAMPING_BIND_PHC needs a device binding (EOPNOTSUPP without one), then a PTP
    virtual clock on it, which lo and veth lack (EINVAL)."""
    setup_veth(b)
    s = psock(b)
    ts = struct.pack("<ii", (1 << 15) | (1 << 4), 0)      # BIND_PHC | SOFTWARE, phc 0
    out = {"unbound": sset(b, s, SO_TIMESTAMPING_OLD_, ts)}
    sset(b, s, SO_BINDTODEVICE, b"veth0\0")
    out["bound"] = sset(b, s, SO_TIMESTAMPING_OLD_, ts)
    sset(b, s, SO_BINDTOIFINDEX, 4242)
    out["bound_absent"] = sset(b, s, SO_TIMESTAMPING_OLD_, ts)
    return out


SO_TIMESTAMPING_OLD_ = 37
