"""PACKET_FANOUT (§5 rules 15, 16, 23, 24; §2 rule 4; §3 rule 27; §8 rule 8; peer-tests §3.1).

Group control (every errno of fanout_add and PACKET_FANOUT_DATA, getsockopt values, bind after
joining) and the datapath: LB order, ROLLOVER on a full receive buffer, CBPF steering, CPU and QM
(single sender thread pinned to CPU 0; veth has one queue), the group skipping its members' own
transmissions, and unlink/relink on device down/up.

Hash and RND placement is not comparable (Linux seeds its flow hash at boot): those scenarios only
observe properties that hold on both — one flow (and its reverse) reaches one member, frames with
no IP flow all reach one member, every frame is delivered once.
Unique group ids come from a machine-wide cursor, so only their relations are observed.
"""
import ctypes
import os
import struct

from ._common import *  # noqa: F401,F403
from .bpf import I, LD_B_ABS, RET_A, RET_K, fprog, fprog_raw

PACKET_FANOUT, PACKET_ROLLOVER_STATS, PACKET_FANOUT_DATA = 18, 21, 22
HASH, LB, CPU, ROLLOVER, RND, QM, CBPF, EBPF = range(8)
F_ROLLOVER, F_UNIQUEID, F_IGNORE_OUTGOING, F_DEFRAG = 0x1000, 0x2000, 0x4000, 0x8000
SO_LOCK_FILTER = 44
GID = 0x4242


def join(b, s, id, type_flags, max_members=None, optlen=None):
    if max_members is None:
        raw = struct.pack("<HH", id, type_flags)
    else:
        raw = struct.pack("<HHI", id, type_flags, max_members)
    if optlen is not None:
        raw = (raw + bytes(16))[:optlen]
    return only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_FANOUT, raw))


def fanout_val(b, s):
    return "%08x" % struct.unpack("<I", b.sys_getsockopt(s, SOL_PACKET, PACKET_FANOUT, 4))[0]


def rollover_stats(b, s):
    r = attempt(b.sys_getsockopt, s, SOL_PACKET, PACKET_ROLLOVER_STATS, 24)
    if r[0] == "err":
        return r[1]
    return list(struct.unpack("<QQQ", bytes.fromhex(r[1])))


def set_data(b, s, raw):
    return only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_FANOUT_DATA, raw))


def lo_sock(b, proto=ETH_P_EX):
    return psock(b, SOCK_RAW, proto, bind_to="lo")


def members(b, n, mode, dev="veth1", proto=ETH_P_EX, max_members=None, rcvbuf=None, id=GID):
    out = []
    for _ in range(n):
        s = psock(b, SOCK_RAW, proto, bind_to=dev)
        if rcvbuf is not None:
            setint(b, s, SOL_SOCKET, SO_RCVBUF, rcvbuf)
        r = join(b, s, id, mode, max_members)
        assert r == "ok", r
        out.append(s)
    return out


def tags(b, socks, at=14):
    """Per member: the tag byte (first payload byte) of every frame it queued, in order."""
    out = []
    for s in socks:
        got = []
        for _ in range(200):
            try:
                _, data, _ = b.sys_recvfrom(s, 2048, MSG_DONTWAIT)
            except BlockingIOError:
                break
            except OSError as e:          # a pending sk_err (ENETDOWN after a device bounce)
                got.append(errname(e))
                continue
            got.append(data[at])
        out.append(got)
    return out


def send_tagged(b, tx, n, dev="veth0", etype=ETH_P_EX, size=60, first=0):
    ix = ifx(b, dev)
    for i in range(first, first + n):
        b.sys_sendto(tx, eth(MAC_B, MAC_A, etype, bytes([i]) * 4, size), 0, sll(ix, etype))


def udp_frame(src, dst, sport, dport, tag):
    payload = bytes([tag]) * 8
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), 0, 0, 64, 17, 0,
                     bytes(src), bytes(dst))
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    return mac(MAC_B) + mac(MAC_A) + struct.pack("!H", ETH_P_IP) + ip + udp + payload


# ---------------------------------------------------------------- control: errnos

def scenario_fanout_optlen(b):
    """optlen must be 4 (legacy int) or 8 (fanout_args); anything else is EINVAL."""
    s = lo_sock(b)
    out = {n: join(b, s, GID, HASH, 0, optlen=n) for n in (0, 2, 3, 5, 7, 9, 12, 16)}
    out["member_after"] = fanout_val(b, s)
    out[4] = join(b, s, GID, HASH, 0, optlen=4)
    return out


def scenario_fanout_mode_and_flag_errnos(b):
    """Modes above 7 and ROLLOVER mode with the ROLLOVER flag are EINVAL; a member joining again
    is EALREADY; unknown flag bits pass and are kept."""
    out = {}
    for name, tf in (("mode8", 8), ("mode255", 0xFF), ("rollover_flag_rollover", ROLLOVER | F_ROLLOVER),
                     ("uniqueid_explicit_id", HASH | F_UNIQUEID)):
        s = lo_sock(b)
        out[name] = join(b, s, GID, tf)
        out[name + "_val"] = fanout_val(b, s)
    s = lo_sock(b)
    out["first"] = join(b, s, GID, LB)
    out["again_same"] = join(b, s, GID, LB)
    out["again_other"] = join(b, s, GID + 1, HASH)
    out["val"] = fanout_val(b, s)
    s2 = lo_sock(b)
    out["unknown_flag_0x0100"] = join(b, s2, GID + 2, HASH | 0x0100)
    out["unknown_flag_val"] = fanout_val(b, s2)
    return out


def scenario_fanout_group_mismatch(b):
    """L-FO-2: flags and mode must equal the group's; protocol and device must equal the
    creator's; a plain HASH join then succeeds."""
    a = lo_sock(b)
    out = {"create": join(b, a, GID, HASH)}
    c = lo_sock(b)
    for name, tf in (("defrag", HASH | F_DEFRAG), ("rollover", HASH | F_ROLLOVER), ("cpu", CPU),
                     ("lb", LB)):
        out[name] = join(b, c, GID, tf)
    other_proto = lo_sock(b, ETH_P_EX2)
    out["other_proto"] = join(b, other_proto, GID, HASH)
    all_dev = psock(b, SOCK_RAW, ETH_P_EX)
    out["all_devices"] = join(b, all_dev, GID, HASH)
    out["hash"] = join(b, c, GID, HASH)
    out["vals"] = [fanout_val(b, x) for x in (a, c, other_proto, all_dev)]
    return out


def scenario_fanout_max_num_members(b):
    """L-FO-3: fanout_args size above 65536 is EINVAL; a given size must match the group's; the
    legacy form joins any size; a full group is ENOSPC."""
    a, c, d, e = (lo_sock(b) for _ in range(4))
    out = {"65537": join(b, a, GID, HASH, 65537),
           "create_256": join(b, a, GID, HASH, 256),
           "join_257": join(b, c, GID, HASH, 257),
           "join_256": join(b, c, GID, HASH, 256),
           "join_legacy": join(b, d, GID, HASH),
           "join_args_0": join(b, e, GID, HASH, 0)}
    f, g = lo_sock(b), lo_sock(b)
    out["create_max1"] = join(b, f, GID + 1, LB, 1)
    out["full"] = join(b, g, GID + 1, LB, 1)
    out["full_legacy"] = join(b, g, GID + 1, LB)
    out["full_val"] = fanout_val(b, g)
    h, i = lo_sock(b), lo_sock(b)
    out["create_65536"] = join(b, h, GID + 2, HASH, 65536)
    out["legacy_into_65536"] = join(b, i, GID + 2, HASH)
    return out


def scenario_fanout_legacy_group_holds_256(b):
    """A legacy group holds 256 members; the 257th is ENOSPC."""
    res = [join(b, lo_sock(b), GID, LB) for _ in range(257)]
    return {"ok": res.count("ok"), "last": res[-1]}


def scenario_fanout_uniqueid(b):
    """L-FO-4: UNIQUEID picks an unused id (not reported as a flag); others join that id without
    the flag; a second UNIQUEID request makes another group."""
    z = lo_sock(b)
    out = {"id0": join(b, z, 0, LB)}     # id 0 taken, so the unique id is never 0
    a = lo_sock(b)
    out["create"] = join(b, a, 0, HASH | F_UNIQUEID)
    val = int(fanout_val(b, a), 16)
    out["type_flags"] = "%04x" % (val >> 16)
    gid = val & 0xFFFF
    c = lo_sock(b)
    out["join_cpu"] = join(b, c, gid, CPU)
    out["join_with_flag"] = join(b, c, gid, HASH | F_UNIQUEID)
    out["join_hash"] = join(b, c, gid, HASH)
    out["same_group"] = fanout_val(b, c) == fanout_val(b, a)
    d = lo_sock(b)
    out["second"] = join(b, d, 0, HASH | F_UNIQUEID)
    out["second_differs"] = (int(fanout_val(b, d), 16) & 0xFFFF) != gid
    return out


def scenario_fanout_join_needs_running_hook(b):
    """Joining needs a hooked socket: protocol 0 and never bound → EINVAL (5.15)."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"proto0": join(b, s, GID, HASH), "val": fanout_val(b, s)}
    t = b.socket(AF_PACKET, SOCK_RAW, 0)
    b.sys_bind(t, sll(ifx(b, "lo"), 0))
    out["bound_proto0"] = join(b, t, GID, HASH)
    out["then_proto_group_ok"] = join(b, lo_sock(b), GID, HASH)
    return out



@kernel_differs("6.x lets a socket bound to a down device join (it is linked on NETDEV_UP)",
                "af_packet: allow fanout_add when socket is not RUNNING (Gur Stavi, 2024)",
                {"join_while_down": "EINVAL", "val": "00000000", "so_error": 100,
                 "rx_after_up": [[0, 1, 2, 3], ["ENETDOWN", 0, 1, 2, 3]]},
                since="6.10")
def scenario_fanout_join_down_device(b):
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    first = members(b, 1, LB, id=GID)[0]
    b.link_set("veth1", up=False)
    out = {"join_while_down": join(b, s, GID, LB), "val": fanout_val(b, s),
           "so_error": getint(b, s, SOL_SOCKET, SO_ERROR)}
    b.link_set("veth1", up=True)
    wait_path(b, "veth0", "veth1")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send_tagged(b, tx, 4)
    out["rx_after_up"] = tags(b, [s, first])
    return out


def scenario_fanout_bind_after_join_is_einval(b):
    """§2 rule 4: a member cannot rebind (any address); its name stays."""
    names = setup_veth(b)
    s = members(b, 1, HASH)[0]
    out = {"rebind_same": only_err(attempt(b.sys_bind, s, sll(ifx(b, "veth1"), ETH_P_EX))),
           "rebind_other": only_err(attempt(b.sys_bind, s, sll(ifx(b, "veth0"), ETH_P_EX))),
           "rebind_all": only_err(attempt(b.sys_bind, s, sll(0, 0))),
           "name": dec_sll(b.sys_getsockname(s), names)}
    return out


def scenario_fanout_getsockopt_values(b):
    """§5 rules 23-24: PACKET_FANOUT is 0 outside a group, else id | mode << 16 | flags << 24;
    rollover statistics only with rollover state; short buffers are cut."""
    s = lo_sock(b)
    out = {"none": fanout_val(b, s), "stats_none": rollover_stats(b, s)}
    join(b, s, GID, LB | F_ROLLOVER | F_DEFRAG)
    out["lb_rollover_defrag"] = fanout_val(b, s)
    out["stats"] = rollover_stats(b, s)
    out["short2"] = b.sys_getsockopt(s, SOL_PACKET, PACKET_FANOUT, 2).hex()
    out["stats_short8"] = b.sys_getsockopt(s, SOL_PACKET, PACKET_ROLLOVER_STATS, 8).hex()
    t = lo_sock(b)
    join(b, t, GID + 1, ROLLOVER)
    out["rollover"] = fanout_val(b, t)
    out["stats_rollover_mode"] = rollover_stats(b, t)
    u = lo_sock(b)
    join(b, u, GID + 2, HASH)
    out["stats_hash"] = rollover_stats(b, u)
    return out


def scenario_fanout_data_errnos(b):
    """§5 rule 16: PACKET_FANOUT_DATA outside a group and on non-BPF groups is EINVAL; CBPF takes
    exactly a sock_fprog with a valid program; EBPF takes a 4-byte fd; SO_LOCK_FILTER makes both EPERM."""
    ok_prog = fprog([I(RET_K, 1)])
    out = {"not_member": set_data(b, lo_sock(b), ok_prog)}
    h = lo_sock(b)
    join(b, h, GID, HASH)
    out["hash_group"] = set_data(b, h, ok_prog)
    c = lo_sock(b)
    join(b, c, GID + 1, CBPF)
    out["cbpf_len8"] = set_data(b, c, ok_prog[:8])
    out["cbpf_len4"] = set_data(b, c, ok_prog[:4])
    out["cbpf_len24"] = set_data(b, c, ok_prog + bytes(8))
    out["cbpf_null"] = set_data(b, c, fprog_raw(1, 0))
    out["cbpf_len0"] = set_data(b, c, fprog([I(RET_K, 1)], length=0))
    out["cbpf_bad_ptr"] = set_data(b, c, fprog_raw(1, 0xDEADBEEF000))
    out["cbpf_bad_prog"] = set_data(b, c, fprog([I(0xFFFF), I(RET_K, 0)]))
    out["cbpf_no_ret"] = set_data(b, c, fprog([I(LD_B_ABS, 0)]))
    out["cbpf_ok"] = set_data(b, c, ok_prog)
    out["cbpf_replace"] = set_data(b, c, fprog([I(LD_B_ABS, 0), I(RET_A)]))
    e = lo_sock(b)
    join(b, e, GID + 2, EBPF)
    out["ebpf_len8"] = set_data(b, e, struct.pack("<ii", e.fileno(), 0))
    out["ebpf_len2"] = set_data(b, e, struct.pack("<h", e.fileno()))
    out["ebpf_closed_fd"] = set_data(b, e, struct.pack("<i", 1000000))
    out["ebpf_neg_fd"] = set_data(b, e, struct.pack("<i", -1))
    out["ebpf_socket_fd"] = set_data(b, e, struct.pack("<i", e.fileno()))
    setint(b, c, SOL_SOCKET, SO_LOCK_FILTER, 1)
    setint(b, e, SOL_SOCKET, SO_LOCK_FILTER, 1)
    out["cbpf_locked"] = set_data(b, c, ok_prog)
    out["cbpf_locked_badlen"] = set_data(b, c, ok_prog[:8])
    out["ebpf_locked"] = set_data(b, e, struct.pack("<i", e.fileno()))
    return out


def scenario_fanout_close_releases_group(b):
    """A group disappears when its last member closes: the id can be recreated with another mode."""
    a, c = lo_sock(b), lo_sock(b)
    out = {"a": join(b, a, GID, HASH), "c": join(b, c, GID, HASH)}
    a.close()
    out["while_one_left"] = join(b, lo_sock(b), GID, LB)
    c.close()
    out["after_all_closed"] = join(b, lo_sock(b), GID, LB)
    return out


# ---------------------------------------------------------------- datapath

def scenario_fanout_lb_round_robin(b):
    """L-FO-7: LB counts before choosing, so frame 0 goes to the second member; N frames over 3."""
    setup_veth(b)
    socks = members(b, 3, LB)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send_tagged(b, tx, 10)
    out = {"first": tags(b, socks)}
    late = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    join(b, late, GID, LB)
    send_tagged(b, tx, 8, first=10)
    out["after_fourth"] = tags(b, socks + [late])
    out["stats"] = [stats(b, s) for s in socks + [late]]
    return out


def scenario_fanout_rollover_full_rcvbuf(b):
    """L-FO-8: ROLLOVER keeps the current member until its buffer lacks normal room, then moves on;
    all full → frames go to the first member's packet_rcv (dropped) and count as failed."""
    setup_veth(b)
    socks = members(b, 2, ROLLOVER, rcvbuf=1)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send_tagged(b, tx, 10, size=200)
    rx = tags(b, socks)
    st = [stats(b, s) for s in socks]
    ro = [rollover_stats(b, s) for s in socks]
    # How many frames fit before room runs short depends on skb truesize, which the model does
    # not reproduce exactly for the host kernel (see the report): observe the rules' shape only.
    return {"first_to_member0": rx[0][:1] == [0], "member1_got_some": bool(rx[1]),
            "each_once": sorted(rx[0] + rx[1]) == sorted(set(rx[0] + rx[1])),
            "all_accounted": sum(x["packets"] for x in st) == 10,
            "drops_on_member0_only": st[0]["drops"] > 0 and st[1]["drops"] == 0,
            "member0_counts": [ro[0][0] > 0, ro[0][1], ro[0][2] > 0], "member1_counts": ro[1],
            "rolled_plus_failed": ro[0][0] + ro[0][2] == 10}


def scenario_fanout_lb_flag_rollover_full_rcvbuf(b):
    """LB with the ROLLOVER flag: a chosen member without normal room hands the frame on."""
    setup_veth(b)
    socks = members(b, 2, LB | F_ROLLOVER, rcvbuf=1)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send_tagged(b, tx, 8, size=1000)
    return {"rx": tags(b, socks), "stats": [stats(b, s) for s in socks],
            "rollover": [rollover_stats(b, s) for s in socks]}


def scenario_fanout_cbpf_steering(b):
    """L-FO-9: the CBPF program's return value modulo the members picks the member; the program
    sees the frame from the network header (incoming); no program → member 0."""
    setup_veth(b)
    socks = members(b, 3, CBPF)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send_tagged(b, tx, 3)
    out = {"no_prog": tags(b, socks)}
    out["set"] = set_data(b, socks[1], fprog([I(LD_B_ABS, 0), I(RET_A)]))
    send_tagged(b, tx, 7, first=0)
    out["by_tag"] = tags(b, socks)
    out["set_const"] = set_data(b, socks[2], fprog([I(RET_K, 0xFFFFFFFF)]))
    send_tagged(b, tx, 3, first=20)
    out["const"] = tags(b, socks)
    return out


def _pinned(fn):
    old = os.sched_getaffinity(0)
    if 0 not in old:
        return fn()
    os.sched_setaffinity(0, {0})
    try:
        return fn()
    finally:
        os.sched_setaffinity(0, old)


def scenario_fanout_cpu_pinned_cpu0(b):
    """L-FO-11: CPU mode on a sender pinned to CPU 0 (veth receives on the sending CPU): member 0."""
    setup_veth(b)
    socks = members(b, 3, CPU)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    _pinned(lambda: send_tagged(b, tx, 6))
    return tags(b, socks)


def scenario_fanout_qm_single_queue(b):
    """QM: veth has one queue and records none on receive, so every frame goes to member 0."""
    setup_veth(b)
    socks = members(b, 3, QM)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send_tagged(b, tx, 6)
    return tags(b, socks)


def scenario_fanout_rnd_delivers_each_once(b):
    setup_veth(b)
    socks = members(b, 3, RND)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send_tagged(b, tx, 30)
    got = tags(b, socks)
    return sorted(t for g in got for t in g)


def scenario_fanout_hash_flow_properties(b):
    """L-FO-5 (properties only): each UDP flow, with its reverse, reaches a single member; frames
    with no IP flow (one EtherType) all reach a single member; nothing is lost or duplicated."""
    setup_veth(b)
    socks = members(b, 4, HASH, proto=ETH_P_IP)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    ix = ifx(b, "veth0")
    a, c = (10, 0, 0, 1), (10, 0, 0, 2)
    flows = [(a, c, 1000 + i, 2000 + i) for i in range(6)]
    tag = 0
    flow_tags = []
    for src, dst, sp, dp in flows:
        mine = []
        for rev in (False, True):
            for _ in range(3):
                f = udp_frame(dst, src, dp, sp, tag) if rev else udp_frame(src, dst, sp, dp, tag)
                b.sys_sendto(tx, f, 0, sll(ix, ETH_P_IP))
                mine.append(tag)
                tag += 1
        flow_tags.append(mine)
    got = tags(b, socks, at=42)
    owners = [sorted({i for i, g in enumerate(got) for t in g if t in ft}) for ft in flow_tags]
    return {"flows_on_one_member": [len(o) for o in owners],
            "frames": sorted(t for g in got for t in g)}


def scenario_fanout_hash_non_ip_one_member(b):
    setup_veth(b)
    socks = members(b, 4, HASH)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send_tagged(b, tx, 12)
    got = tags(b, socks)
    return {"members_used": sum(1 for g in got if g), "frames": sorted(t for g in got for t in g)}


def scenario_fanout_group_skips_own_outgoing(b):
    """§3 rule 27: a member's transmission is not seen by its own group (match_fanout_group), but
    by other taps; a non-member's transmission reaches exactly one member."""
    setup_veth(b)
    socks = members(b, 2, LB, dev="veth0", proto=ETH_P_ALL)
    other = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    ix = ifx(b, "veth0")
    b.sys_sendto(socks[0], eth(MAC_B, MAC_A, ETH_P_EX, b"\x01" * 4, 60), 0, sll(ix, ETH_P_EX))
    b.sys_sendto(socks[1], eth(MAC_B, MAC_A, ETH_P_EX, b"\x02" * 4, 60), 0, sll(ix, ETH_P_EX))
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    b.sys_sendto(tx, eth(MAC_B, MAC_A, ETH_P_EX, b"\x03" * 4, 60), 0, sll(ix, ETH_P_EX))
    return {"group": tags(b, socks), "other": tags(b, [other])}


def scenario_fanout_down_up_relinks(b):
    """§8 rule 8: DOWN unlinks every member (ENETDOWN each), UP links them again in socket order;
    the LB counter carries on."""
    setup_veth(b)
    socks = members(b, 3, LB, dev="veth1", proto=ETH_P_ALL)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    ix = ifx(b, "veth1")

    def burst(first, n):
        for i in range(first, first + n):
            b.sys_sendto(tx, eth(MAC_A, MAC_B, ETH_P_EX, bytes([i]) * 4, 60), 0, sll(ix, ETH_P_EX))

    burst(0, 4)
    out = {"before": tags(b, socks)}
    b.link_set("veth1", up=False)
    out["so_error"] = [getint(b, s, SOL_SOCKET, SO_ERROR) for s in socks]
    out["vals"] = [fanout_val(b, s) for s in socks]
    b.link_set("veth1", up=True)
    burst(10, 6)
    out["after"] = tags(b, socks)
    return out


@kernel_differs("PACKET_FANOUT_FLAG_IGNORE_OUTGOING (0x4000) is a later flag: 6.x makes the group "
                "ignore outgoing frames; 5.15 stores it as an unknown flag bit",
                "packet: add PACKET_FANOUT_FLAG_IGNORE_OUTGOING (v6.2)",
                {"join": "ok", "val": "40014242", "rx": [[], [1]]}, since="6.2")
def scenario_fanout_flag_ignore_outgoing(b):
    setup_veth(b)
    socks = members(b, 2, LB | F_IGNORE_OUTGOING, dev="veth0", proto=ETH_P_ALL)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    b.sys_sendto(tx, eth(MAC_B, MAC_A, ETH_P_EX, b"\x01" * 4, 60), 0, sll(ifx(b, "veth0"), ETH_P_EX))
    return {"join": "ok", "val": fanout_val(b, socks[0]), "rx": tags(b, socks)}
