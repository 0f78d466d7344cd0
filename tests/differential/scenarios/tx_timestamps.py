"""SO_TIMESTAMPING on packet sockets: the flags (set, read back, refused), software receive stamps
(SCM_TIMESTAMPING), software transmit stamps on the error queue (sock_queue_err_skb → recvmsg with
MSG_ERRQUEUE: the frame or nothing, SCM_TIMESTAMPING and the SOL_PACKET/PACKET_TX_TIMESTAMP
sock_extended_err), POLLERR/POLLPRI, SO_ERROR, per-send control messages, and PACKET_TIMESTAMP on
a TX ring (§4.3 rule 15, §6 rule 15).

Times are never compared by value: a stamp is reported as lying in the wall-clock window of the
call that made it, and stamps are compared with each other by order.
"""
import struct
import time

from ._common import *  # noqa: F401,F403

SO_TIMESTAMPNS_OLD, SO_TIMESTAMPNS_NEW, SO_TIMESTAMP_OLD = 35, 64, 29
SO_TIMESTAMPING_OLD, SO_TIMESTAMPING_NEW, SO_SELECT_ERR_QUEUE = 37, 65, 45
SO_RXQ_OVFL = 40
PACKET_AUXDATA, PACKET_TX_RING, PACKET_TX_TIMESTAMP, PACKET_TIMESTAMP = 8, 13, 16, 17
PACKET_QDISC_BYPASS = 20
TX_HW, TX_SW, RX_HW, RX_SW, SW, SYS_HW, RAW_HW = 1, 2, 4, 8, 16, 32, 64
OPT_ID, TX_SCHED, TX_ACK, OPT_CMSG, OPT_TSONLY, OPT_STATS = 128, 256, 512, 1024, 2048, 4096
OPT_PKTINFO, OPT_TX_SWHW, BIND_PHC = 8192, 16384, 32768
POLLIN, POLLPRI, POLLERR = 0x1, 0x2, 0x8
ENOMSG, SO_EE_ORIGIN_TIMESTAMPING = 42, 4
EE = struct.Struct("<IBBBBII")
FRAME = eth(MAC_B, MAC_A, ETH_P_EX, size=60)
SLACK = 0.005          # seconds around a wall-clock window


def set_ts(b, s, flags, opt=SO_TIMESTAMPING_OLD):
    return only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, opt, struct.pack("<i", flags)))


def get_ts(b, s, opt=SO_TIMESTAMPING_OLD, optlen=8):
    r = attempt(b.sys_getsockopt, s, SOL_SOCKET, opt, optlen)
    return r[1]


def _ts(sec, nsec):
    return sec + nsec / 1e9


def decode_cmsgs(anc, window=None):
    """Control messages as comparable facts: the extended error field by field, a timestamp as
    its type, size, whether it lies in the window and which of its parts are zero."""
    out = []
    for level, typ, d in anc:
        if level == SOL_PACKET and typ == PACKET_TX_TIMESTAMP and len(d) == EE.size:
            e = dict(zip(("errno", "origin", "type", "code", "pad", "info", "data"), EE.unpack(d)))
            out.append({"ee": e})
        elif level == SOL_SOCKET and typ in (SO_TIMESTAMPING_OLD, SO_TIMESTAMPING_NEW) \
                and len(d) == 48:
            t = struct.unpack("<6q", d)
            item = {"scm_timestamping": typ, "sw_set": t[0] > 0, "legacy_hw_zero": t[2:] == (0,) * 4}
            if window:
                item["in_window"] = window[0] - SLACK <= _ts(t[0], t[1]) <= window[1] + SLACK
            out.append(item)
        elif level == SOL_SOCKET and typ in (SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD, SO_TIMESTAMPNS_NEW):
            out.append({"so_timestamp": typ, "len": len(d)})
        else:
            out.append([level, typ, d.hex()])
    return out


def stamps(anc):
    """The software stamps (seconds) of SCM_TIMESTAMPING messages, for order checks."""
    return [_ts(*struct.unpack_from("<qq", d)) for lv, t, d in anc
            if lv == SOL_SOCKET and t in (SO_TIMESTAMPING_OLD, SO_TIMESTAMPING_NEW) and len(d) == 48]


def errq(s, size=2048, ancsize=1024, flags=0, window=None, raw=None):
    """One recvmsg(MSG_ERRQUEUE | MSG_DONTWAIT): length, data, msg_flags, address, control
    messages — or the errno name."""
    try:
        data, anc, mflags, addr = s.recvmsg(size, ancsize, MSG_ERRQUEUE | MSG_DONTWAIT | flags)
    except OSError as e:
        return {"err": errname(e)}
    if raw is not None:
        raw.append(anc)
    return {"len": len(data), "data": data.hex(), "flags": mflags, "addr": addr,
            "cmsgs": decode_cmsgs(anc, window)}


def errq_all(s, window=None, raw=None, limit=20, **kw):
    out = []
    for _ in range(limit):
        r = errq(s, window=window, raw=raw, **kw)
        out.append(r)
        if "err" in r:
            break
    return out


def tx_socket(b, flags, type=SOCK_RAW):
    s = b.socket(AF_PACKET, type, 0)
    set_ts(b, s, flags)
    return s


def timed_send(b, s, frame=FRAME, dev="veth0", proto=ETH_P_EX, **kw):
    t0 = time.time()
    r = send(b, s, frame, ifx(b, dev), proto, **kw)
    return r, (t0, time.time())


def warm_stamps(b):
    """Make receive stamping certain before observing it: Linux turns it on machine-wide a moment
    after the first socket asks (net_enable_timestamp defers to a work item). The returned socket
    keeps asking; frames are probed on lo until one arrives with a software stamp."""
    keep = psock(b, SOCK_RAW, ETH_P_EX2, bind_to="lo")
    set_ts(b, keep, RX_SW | SW)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    lo = ifx(b, "lo")
    try:
        for _ in range(200):
            b.sys_sendto(tx, eth(ZERO, ZERO, ETH_P_EX2, b"warm", 60), 0, sll(lo, ETH_P_EX2))
            got = False
            while True:
                try:
                    _, anc, _, _ = keep.recvmsg(256, 256, MSG_DONTWAIT)
                except BlockingIOError:
                    break
                got = got or bool(stamps(anc))
            if got:
                return keep
            time.sleep(0.01)
        raise RuntimeError("receive stamping never came on")
    finally:
        tx.close()


# ---------------------------------------------------------------- the option itself

def scenario_tstamping_each_flag(b):
    """Every 5.15 flag on its own: accepted and read back as struct so_timestamping (flags,
    bind_phc) — except OPT_STATS without OPT_TSONLY (EINVAL) and BIND_PHC on a socket bound to no
    device (EOPNOTSUPP), which leave the previous flags."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"initial": get_ts(b, s)}
    for bit in range(16):
        out[str(1 << bit)] = [set_ts(b, s, 1 << bit), get_ts(b, s)]
    return out


def scenario_tstamping_unknown_bits(b):
    """Bits above the 5.15 mask that no kernel knows, and negative values, are EINVAL and change
    nothing."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    set_ts(b, s, TX_SW | SW)
    return {hex(v & 0xFFFFFFFF): [set_ts(b, s, v), get_ts(b, s)]
            for v in (1 << 19, 1 << 24, -(1 << 31), -1, 0xFFFF | (1 << 20))}


@kernel_differs("bits 16-18 became flags after 5.15: OPT_ID_TCP (only with OPT_ID), OPT_RX_FILTER, "
                "TX_COMPLETION; 5.15 refuses all of them",
                "b534dc46c8ae net_tstamp: add SOF_TIMESTAMPING_OPT_ID_TCP (v6.2); then "
                "SOF_TIMESTAMPING_OPT_RX_FILTER (v6.12) and SOF_TIMESTAMPING_TX_COMPLETION (v6.15)",
                {"65536": ["EINVAL", "00000000" "00000000"],
                 "65664": ["EINVAL", "00000000" "00000000"],
                 "131072": ["EINVAL", "00000000" "00000000"],
                 "262144": ["EINVAL", "00000000" "00000000"]},
                since="6.2")
def scenario_tstamping_later_flags(b):
    out = {}
    for v in (1 << 16, (1 << 16) | OPT_ID, 1 << 17, 1 << 18):
        s = b.socket(AF_PACKET, SOCK_RAW, 0)
        out[str(v)] = [set_ts(b, s, v), get_ts(b, s)]
        s.close()
    return out


def scenario_tstamping_stats_and_phc(b):
    """OPT_STATS needs OPT_TSONLY; BIND_PHC needs SO_BINDTODEVICE first (EOPNOTSUPP), also in the
    struct form with a clock index."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    return {
        "stats": [set_ts(b, s, OPT_STATS), get_ts(b, s)],
        "stats_tsonly": [set_ts(b, s, OPT_STATS | OPT_TSONLY), get_ts(b, s)],
        "stats_all": [set_ts(b, s, OPT_STATS | OPT_TSONLY | TX_SW | SW | OPT_ID), get_ts(b, s)],
        "phc": [set_ts(b, s, BIND_PHC | SW), get_ts(b, s)],
        "phc_struct": [only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_TIMESTAMPING_OLD,
                                        struct.pack("<ii", BIND_PHC | SW, 3))), get_ts(b, s)],
    }


def scenario_tstamping_optlen(b):
    """An int, a struct so_timestamping (8 bytes), or anything longer than an int (the first int
    is the flags); shorter than an int is EINVAL. Reading: the struct, cut to the caller's
    length."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {}
    for name, raw in (("int", struct.pack("<i", SW)), ("struct", struct.pack("<ii", RX_SW, 0)),
                      ("six", struct.pack("<ih", TX_SW, 7)), ("twelve", struct.pack("<iii", SW | RX_SW, 0, 9)),
                      ("three", b"\x10\x00\x00"), ("zero", b"")):
        out[name] = [only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_TIMESTAMPING_OLD, raw)),
                     get_ts(b, s)]
    out["get"] = {n: get_ts(b, s, optlen=n) for n in (0, 1, 4, 7, 8, 16)}
    return out


@kernel_differs("getsockopt(SO_TIMESTAMPING_NEW) was not implemented in 5.15 (ENOPROTOOPT); it now "
                "reads the flags when they were set through SO_TIMESTAMPING_NEW, else zeros",
                "7f6ca95d16b9 net: Implement missing getsockopt(SO_TIMESTAMPING_NEW) (v6.7; in "
                "5.15.y and 6.1.y stable from Jan 2024)",
                {"fresh": "ENOPROTOOPT", "set_old": "ENOPROTOOPT", "set_new": "ENOPROTOOPT",
                 "old_view": "12000000" "00000000"},
                since="6.7", backported={"6.1": "6.1.y stable carries 7f6ca95d16b9"})
def scenario_tstamping_get_new(b):
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"fresh": get_ts(b, s, SO_TIMESTAMPING_NEW)}
    set_ts(b, s, SW | RX_SW)
    out["set_old"] = get_ts(b, s, SO_TIMESTAMPING_NEW)
    set_ts(b, s, SW | TX_SW, SO_TIMESTAMPING_NEW)
    out["set_new"] = get_ts(b, s, SO_TIMESTAMPING_NEW)
    out["old_view"] = get_ts(b, s)
    return out


def scenario_tstamping_new_layout_flag(b):
    """SO_TIMESTAMPING_NEW and _OLD set the same flags but switch the socket's layout
    (SOCK_TSTAMP_NEW), which SO_TIMESTAMP[NS]_OLD/_NEW read back through."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    opts = (SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD, 63, SO_TIMESTAMPNS_NEW)

    def view():
        return [getint(b, s, SOL_SOCKET, o) for o in opts] + [get_ts(b, s)]
    setint(b, s, SOL_SOCKET, SO_TIMESTAMPNS_OLD, 1)
    out = {"ns_old": view()}
    set_ts(b, s, SW, SO_TIMESTAMPING_NEW)
    out["tstamping_new"] = view()
    set_ts(b, s, RX_SW, SO_TIMESTAMPING_OLD)
    out["tstamping_old"] = view()
    set_ts(b, s, SW | OPT_TSONLY, SO_TIMESTAMPING_NEW)
    setint(b, s, SOL_SOCKET, SO_TIMESTAMP_OLD, 0)
    out["timestamp_off"] = view()
    set_ts(b, s, 1 << 19, SO_TIMESTAMPING_OLD)      # refused: the layout stays new
    out["refused"] = view()
    return out


def scenario_select_err_queue_option(b):
    """SO_SELECT_ERR_QUEUE: a boolean."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = [getint(b, s, SOL_SOCKET, SO_SELECT_ERR_QUEUE)]
    for v in (1, 0, 7, -1):
        setint(b, s, SOL_SOCKET, SO_SELECT_ERR_QUEUE, v)
        out.append(getint(b, s, SOL_SOCKET, SO_SELECT_ERR_QUEUE))
    out.append(only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_SELECT_ERR_QUEUE, b"\1")))
    return out


# ---------------------------------------------------------------- receive stamps

def _rx_case(b, rx_flags, opt=SO_TIMESTAMPING_OLD, extra=()):
    setup_veth(b)
    keep = warm_stamps(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    for level, name, v in extra:
        setint(b, rx, level, name, v)
    set_ts(b, rx, rx_flags, opt)
    t0 = time.time()
    send(b, tx, FRAME, ifx(b, "veth0"), ETH_P_EX)
    data, anc, flags, addr = rx.recvmsg(2048, 1024, MSG_DONTWAIT)
    t1 = time.time()
    keep.close()
    return {"len": len(data), "flags": flags, "cmsgs": decode_cmsgs(anc, (t0, t1))}, anc


def scenario_rx_tstamping_software(b):
    """RX_SOFTWARE | SOFTWARE: an SCM_TIMESTAMPING message with the software time in ts[0] and
    ts[1], ts[2] (hardware) zero."""
    return _rx_case(b, RX_SW | SW)[0]


def scenario_rx_tstamping_software_new(b):
    """The same through SO_TIMESTAMPING_NEW: the message is SO_TIMESTAMPING_NEW (scm_timestamping64)."""
    return _rx_case(b, RX_SW | SW, SO_TIMESTAMPING_NEW)[0]


def scenario_rx_tstamping_generate_only(b):
    """RX_SOFTWARE alone generates stamps but reports none: no control message."""
    return _rx_case(b, RX_SW)[0]


def scenario_rx_tstamping_report_only(b):
    """SOFTWARE alone reports the stamp the frame already has (stamping is on machine-wide)."""
    return _rx_case(b, SW)[0]


def scenario_rx_tstamping_tx_flags_only(b):
    """Transmit flags and hardware reporting give a receiver nothing."""
    return _rx_case(b, TX_SW | TX_SCHED | RAW_HW | RX_HW | OPT_TSONLY | OPT_ID | OPT_PKTINFO)[0]


def scenario_rx_tstamping_with_timestampns_and_aux(b):
    """SO_TIMESTAMPNS, SCM_TIMESTAMPING, SO_RXQ_OVFL (none yet), then PACKET_AUXDATA — and both
    stamps hold the same time."""
    obs, anc = _rx_case(b, RX_SW | SW, extra=((SOL_SOCKET, SO_TIMESTAMPNS_OLD, 1),
                                              (SOL_SOCKET, SO_RXQ_OVFL, 1),
                                              (SOL_PACKET, PACKET_AUXDATA, 1)))
    ns = [struct.unpack("<qq", d) for lv, t, d in anc if lv == SOL_SOCKET and t == SO_TIMESTAMPNS_OLD]
    sw = [struct.unpack_from("<qq", d) for lv, t, d in anc
          if lv == SOL_SOCKET and t == SO_TIMESTAMPING_OLD]
    obs["same_time"] = bool(ns) and ns == sw
    return obs


def scenario_rx_tstamping_after_plain_reads(b):
    """Turned on after frames were read without it, SO_TIMESTAMPING still reports the next one."""
    setup_veth(b)
    keep = warm_stamps(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    out = []
    for flags in (0, 0, RX_SW | SW, SW):
        if flags:
            set_ts(b, rx, flags)
        send(b, tx, FRAME, ifx(b, "veth0"), ETH_P_EX)
        _, anc, _, _ = rx.recvmsg(2048, 256, MSG_DONTWAIT)
        out.append(decode_cmsgs(anc))
    keep.close()
    return out


def scenario_rx_tstamping_ctrunc(b):
    """A control buffer with room for the header but not the 48 bytes: cut, MSG_CTRUNC."""
    setup_veth(b)
    keep = warm_stamps(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    set_ts(b, rx, RX_SW | SW)
    out = {}
    for room in (40, 16, 8):
        send(b, tx, FRAME, ifx(b, "veth0"), ETH_P_EX)
        data, anc, flags, addr = rx.recvmsg(2048, room, MSG_DONTWAIT)
        out[room] = {"flags": flags, "cmsgs": [(lv, t, len(d)) for lv, t, d in anc]}
    keep.close()
    return out


# ---------------------------------------------------------------- transmit stamps

def _one_send(b, flags, opt=SO_TIMESTAMPING_OLD):
    """A socket with these flags sends one frame on veth0: the send, then its error queue."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    set_ts(b, s, flags, opt)
    r, w = timed_send(b, s)
    return {"send": r, "errqueue": errq_all(s, window=w)}


def scenario_tx_software_record(b):
    """TX_SOFTWARE | SOFTWARE: after a send, one error-queue record: the whole frame, MSG_ERRQUEUE,
    no address, SCM_TIMESTAMPING (in the send's window) then the PACKET_TX_TIMESTAMP
    sock_extended_err (ENOMSG, SO_EE_ORIGIN_TIMESTAMPING, SCM_TSTAMP_SND, key 0). Then EAGAIN."""
    return _one_send(b, TX_SW | SW)


def scenario_tx_software_new_layout(b):
    """Set through SO_TIMESTAMPING_NEW: the record's stamp comes as SO_TIMESTAMPING_NEW."""
    return _one_send(b, TX_SW | SW, SO_TIMESTAMPING_NEW)


def scenario_tx_software_unreported(b):
    """TX_SOFTWARE without SOFTWARE: the record comes, with only the extended error."""
    return _one_send(b, TX_SW)


def scenario_tx_sched_only(b):
    """TX_SCHED: one record when the frame enters the scheduler (ee_info SCM_TSTAMP_SCHED)."""
    return _one_send(b, TX_SCHED | SW)


def scenario_tx_sched_and_software_order(b):
    """TX_SCHED | TX_SOFTWARE: two records per frame, SCHED before SND, stamps in that order."""
    setup_veth(b)
    s = tx_socket(b, TX_SCHED | TX_SW | SW)
    raw = []
    r, w = timed_send(b, s)
    out = {"send": r, "errqueue": errq_all(s, window=w, raw=raw)}
    t = [x for anc in raw for x in stamps(anc)]
    out["ordered"] = t == sorted(t) and len(t) == 2
    return out


def scenario_tx_hardware_and_ack_give_nothing(b):
    """No hardware stamping on veth, and ACK stamps are TCP's: no record, no POLLERR."""
    setup_veth(b)
    out = {}
    for name, flags in (("hw", TX_HW | RAW_HW | SYS_HW), ("ack", TX_ACK | SW),
                        ("swhw", OPT_TX_SWHW | TX_HW | RAW_HW), ("report_only", SW | RAW_HW)):
        s = tx_socket(b, flags)
        r = send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
        out[name] = [r, b.poll(s, POLLIN | POLLPRI, 0), errq(s)]
        s.close()
    return out


def scenario_tx_tsonly(b):
    """OPT_TSONLY: the record carries no bytes, only its control messages."""
    return _one_send(b, TX_SW | SW | OPT_TSONLY)


def scenario_tx_tsonly_stats(b):
    """OPT_STATS with OPT_TSONLY: statistics are TCP's; a packet socket's record is as TSONLY."""
    return _one_send(b, TX_SW | SW | OPT_TSONLY | OPT_STATS | TX_SCHED)


def scenario_tx_options_without_effect(b):
    """OPT_CMSG, OPT_PKTINFO, OPT_TX_SWHW change nothing for software stamps on a packet socket."""
    return _one_send(b, TX_SW | SW | OPT_CMSG | OPT_PKTINFO | OPT_TX_SWHW | RX_SW)


def scenario_tx_opt_id_off_key_zero(b):
    """Without OPT_ID every record's ee_data is 0."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | TX_SCHED | OPT_TSONLY)
    for _ in range(3):
        send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    return [r.get("cmsgs") for r in errq_all(s)]


@kernel_differs("packet sockets draw an OPT_ID key per frame (sk_tskey, from 0, shared by the frame's "
                "SCHED and SND records, restarted when OPT_ID is turned on again) since "
                "skb_setup_tx_timestamp; in 5.15.0 they take no key and every record reports 0",
                "8f932f762e79 net: add missing SOF_TIMESTAMPING_OPT_ID support (v5.18; 5.15.y stable "
                "has it too)",
                {"first": [0, 0, 0, 0, 0, 0], "again": [0, 0], "dgram": [0, 0]},
                since="5.18")
def scenario_tx_opt_id_keys(b):
    setup_veth(b)
    s = tx_socket(b, TX_SW | TX_SCHED | OPT_TSONLY | OPT_ID)

    def keys(sock):
        return [c["ee"]["data"] for r in errq_all(sock) for c in r.get("cmsgs", []) if "ee" in c]
    for _ in range(3):
        send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    out = {"first": keys(s)}
    set_ts(b, s, TX_SW | OPT_TSONLY)                 # OPT_ID off: no key drawn
    send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    set_ts(b, s, TX_SW | OPT_TSONLY | OPT_ID)        # on again: restarts at 0
    send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    out["again"] = keys(s)
    d = tx_socket(b, TX_SW | OPT_TSONLY | OPT_ID, SOCK_DGRAM)
    for _ in range(2):
        send(b, d, b"p" * 46, ifx(b, "veth0"), ETH_P_EX, halen=6, addr=MAC_B)
    out["dgram"] = keys(d)
    return out


def scenario_tx_dgram_record_has_link_header(b):
    """A SOCK_DGRAM frame's record holds the frame as sent: the built Ethernet header first."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | SW, SOCK_DGRAM)
    t0 = time.time()
    r = send(b, s, b"payload" * 7, ifx(b, "veth0"), ETH_P_EX, halen=6, addr=MAC_B)
    return {"send": r, "errqueue": errq_all(s, window=(t0, time.time()))}


def scenario_tx_several_frames_in_order(b):
    """Records queue in send order, their stamps non-decreasing."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | SW)
    for i in range(4):
        send(b, s, eth(MAC_B, MAC_A, ETH_P_EX, payload=bytes([i]) * 4, size=60), ifx(b, "veth0"),
             ETH_P_EX)
    raw = []
    recs = errq_all(s, raw=raw)
    t = [x for anc in raw for x in stamps(anc)]
    return {"payload_bytes": [r["data"][28:30] for r in recs if "data" in r], "last": recs[-1],
            "ordered": t == sorted(t) and len(t) == 4}


def scenario_tx_stamp_before_peer_rx(b):
    """The driver's stamp is taken before the peer receives the frame: TX stamp ≤ RX stamp."""
    setup_veth(b)
    keep = warm_stamps(b)
    s = tx_socket(b, TX_SW | SW)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    set_ts(b, rx, RX_SW | SW)
    send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    _, ranc, _, _ = rx.recvmsg(2048, 256, MSG_DONTWAIT)
    raw = []
    errq(s, raw=raw)
    keep.close()
    tx_t, rx_t = stamps(raw[0]), stamps(ranc)
    return {"both": len(tx_t) == 1 and len(rx_t) == 1,
            "tx_not_after_rx": bool(tx_t and rx_t) and tx_t[0] <= rx_t[0],
            "close": bool(tx_t and rx_t) and rx_t[0] - tx_t[0] < 1.0}


# ---- per-send control messages

def _cm(flags, typ=SO_TIMESTAMPING_OLD, fmt="<I"):
    return [(SOL_SOCKET, typ, struct.pack(fmt, flags))]


def scenario_tx_cmsg_per_send(b):
    """A SO_TIMESTAMPING control message asks for stamps for that send only; the socket's
    reporting flags (SOFTWARE) still apply."""
    setup_veth(b)
    s = tx_socket(b, SW)
    addr = ("veth0", ETH_P_EX)
    t0 = time.time()
    a = only_err(attempt(s.sendmsg, [FRAME], _cm(TX_SW), 0, addr))
    w = (t0, time.time())
    first = errq_all(s, window=w)
    c = only_err(attempt(s.sendmsg, [FRAME], [], 0, addr))
    return {"with_cmsg": [a, first], "without": [c, errq_all(s)]}


def scenario_tx_cmsg_replaces_record_flags(b):
    """The message's recording flags replace the socket's for that send: 0 turns them off,
    TX_SCHED keeps only the scheduler stamp; the socket's options (TSONLY) still apply."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | SW | OPT_TSONLY)
    addr = ("veth0", ETH_P_EX)
    out = {}
    for name, fl in (("zero", 0), ("sched", TX_SCHED), ("both", TX_SCHED | TX_SW),
                     ("hw", TX_HW), ("ack", TX_ACK)):
        r = only_err(attempt(s.sendmsg, [FRAME], _cm(fl), 0, addr))
        out[name] = [r, [[c.get("ee", {}).get("info") for c in x.get("cmsgs", [])]
                         for x in errq_all(s)]]
    out["socket_flags_kept"] = get_ts(b, s)
    return out


def scenario_tx_cmsg_bad(b):
    """A SO_TIMESTAMPING message with a reporting or option flag, or not exactly a u32, is
    EINVAL (nothing sent, nothing queued)."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | SW)
    addr = ("veth0", ETH_P_EX)
    out = {}
    for name, anc in (("software", _cm(SW)), ("opt_id", _cm(OPT_ID | TX_SW)),
                      ("tsonly", _cm(OPT_TSONLY)), ("high", _cm(1 << 20)),
                      ("u64", _cm(TX_SW, fmt="<Q")), ("u16", _cm(TX_SW, fmt="<H"))):
        out[name] = only_err(attempt(s.sendmsg, [FRAME], anc, 0, addr))
    out["queued"] = errq(s)
    return out


@kernel_differs("5.15's __sock_cmsg_send only knows SO_TIMESTAMPING_OLD; a SO_TIMESTAMPING_NEW "
                "control message falls to EINVAL",
                "382a32018b74 net: Implement missing SO_TIMESTAMPING_NEW cmsg support (v6.7; in "
                "5.15.y and 6.1.y stable from Jan 2024)",
                {"send": "EINVAL", "queued": {"err": "EAGAIN"}},
                since="6.7", backported={"6.1": "6.1.y stable carries 382a32018b74"})
def scenario_tx_cmsg_new(b):
    setup_veth(b)
    s = tx_socket(b, SW | OPT_TSONLY)
    r = only_err(attempt(s.sendmsg, [FRAME], _cm(TX_SW, SO_TIMESTAMPING_NEW), 0, ("veth0", ETH_P_EX)))
    q = errq(s)
    return {"send": r, "queued": {"err": q["err"]} if "err" in q else {"len": q["len"]}}


@kernel_differs("SCM_TS_OPT_ID (a u32 key for one send) is an unknown SOL_SOCKET control message in "
                "5.15 (EINVAL); newer kernels take it when OPT_ID is on and report it as ee_data",
                "4aecca4c7680 net_tstamp: add SCM_TS_OPT_ID to provide OPT_ID in control message (v6.13)",
                {"no_opt_id": ["EINVAL", []], "opt_id": ["EINVAL", []], "opt_id_u64": ["EINVAL", []]},
                since="6.13")
def scenario_tx_cmsg_ts_opt_id(b):
    setup_veth(b)
    out = {}
    for name, flags, fmt in (("no_opt_id", TX_SW | OPT_TSONLY, "<I"),
                             ("opt_id", TX_SW | OPT_TSONLY | OPT_ID, "<I"),
                             ("opt_id_u64", TX_SW | OPT_TSONLY | OPT_ID, "<Q")):
        s = tx_socket(b, flags)
        r = only_err(attempt(s.sendmsg, [FRAME], [(SOL_SOCKET, 81, struct.pack(fmt, 77))], 0,
                             ("veth0", ETH_P_EX)))
        out[name] = [r, [c["ee"]["data"] for x in errq_all(s) for c in x.get("cmsgs", []) if "ee" in c]]
        s.close()
    return out


# ---- devices and paths

def scenario_tx_loopback(b):
    """On lo the driver stamps too; the sender's own frame also comes back in on its normal
    queue, which the error queue does not touch."""
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="lo")
    set_ts(b, s, TX_SW | SW)
    t0 = time.time()
    r = send(b, s, eth(ZERO, ZERO, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    w = (t0, time.time())
    return {"send": r, "errqueue": errq_all(s, window=w),
            "normal": drain(b, s, names_of(b, "lo"), show_data=False)}


@host_may_lack("the dummy module", {
    "send": ["ok", 60],
    "errqueue": [{"len": 60, "data": "ffffffffffff02000000000c88b5" + "".join("%02x" % i for i in range(46)),
                  "flags": MSG_ERRQUEUE, "addr": None,
                  "cmsgs": [{"scm_timestamping": SO_TIMESTAMPING_OLD, "sw_set": True,
                             "legacy_hw_zero": True},
                            {"ee": {"errno": ENOMSG, "origin": SO_EE_ORIGIN_TIMESTAMPING, "type": 0,
                                    "code": 0, "pad": 0, "info": 0, "data": 0}}]},
                 {"err": "EAGAIN"}]})
def scenario_tx_dummy(b):
    """dummy_xmit stamps before freeing the frame."""
    b.link_add("dummy0", "dummy")
    b.link_set("dummy0", address=MAC_C, up=True)
    s = tx_socket(b, TX_SW | SW)
    r = send(b, s, eth(BCAST, MAC_C, ETH_P_EX, size=60), ifx(b, "dummy0"), ETH_P_EX)
    return {"send": r, "errqueue": errq_all(s)}


def scenario_tx_peer_down(b):
    """veth0 up, its peer down (no carrier): the scheduler stamp is taken, then the frame is
    dropped before the driver — no SND stamp."""
    setup_veth(b)
    b.link_set("veth1", up=False)
    s = tx_socket(b, TX_SCHED | TX_SW | OPT_TSONLY)
    r = send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    return {"send": r, "infos": [[c["ee"]["info"] for c in x.get("cmsgs", []) if "ee" in c]
                                 for x in errq_all(s)]}


def scenario_tx_qdisc_bypass(b):
    """PACKET_QDISC_BYPASS skips the scheduler: only the driver's stamp."""
    setup_veth(b)
    s = tx_socket(b, TX_SCHED | TX_SW | OPT_TSONLY)
    setint(b, s, SOL_PACKET, PACKET_QDISC_BYPASS, 1)
    r = send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    return {"send": r, "infos": [[c["ee"]["info"] for c in x.get("cmsgs", []) if "ee" in c]
                                 for x in errq_all(s)]}


def scenario_tx_sock_packet(b):
    """SOCK_PACKET sends are stamped too."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_ALL))
    set_ts(b, s, TX_SW | SW)
    t0 = time.time()
    r = attempt(b.sys_sendto, s, FRAME, 0, spkt("veth0", ETH_P_EX))
    return {"send": r, "errqueue": errq_all(s, window=(t0, time.time()))}


def scenario_tx_taps_do_not_stamp(b):
    """An ETH_P_ALL tap's OUTGOING copy is not the sender's: the tap's error queue stays empty;
    the sender's record is not delivered anywhere else."""
    names = setup_veth(b)
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    set_ts(b, tap, TX_SW | SW)
    s = tx_socket(b, TX_SW | OPT_TSONLY)
    send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    return {"tap_errqueue": errq(tap), "tap_normal": drain(b, tap, names, show_data=False),
            "sender": [x.get("len") for x in errq_all(s)]}


# ---- the error queue as a queue

def scenario_errqueue_poll(b):
    """A queued record raises POLLERR (not POLLIN); POLLPRI too with SO_SELECT_ERR_QUEUE; reading
    it clears them."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | OPT_TSONLY)
    ev = POLLIN | POLLPRI
    out = {"idle": b.poll(s, ev, 0)}
    send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    out["queued"] = b.poll(s, ev, 0)
    setint(b, s, SOL_SOCKET, SO_SELECT_ERR_QUEUE, 1)
    out["select_err_queue"] = b.poll(s, ev, 0)
    errq(s)
    out["one_left"] = b.poll(s, ev, 0)
    errq(s)
    out["empty"] = b.poll(s, ev, 0)
    setint(b, s, SOL_SOCKET, SO_SELECT_ERR_QUEUE, 0)
    send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    out["select_off"] = b.poll(s, ev, 0)
    return out


def scenario_errqueue_so_error_and_recv(b):
    """A timestamp record is no socket error: SO_ERROR reads 0 and leaves it queued; a normal
    receive does not see it (EAGAIN) and leaves it too."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | SW)
    send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    return {"so_error": getint(b, s, SOL_SOCKET, SO_ERROR),
            "recv": recv1(b, s, flags=MSG_DONTWAIT),
            "still": [x.get("len", x.get("err")) for x in errq_all(s)]}


def scenario_errqueue_peek_and_trunc(b):
    """MSG_PEEK does not keep a record; a short buffer cuts it (MSG_TRUNC in msg_flags) and the
    length is what was copied, also with MSG_TRUNC asked."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | SW)
    for _ in range(3):
        send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    return {"peek": errq(s, flags=MSG_PEEK),
            "short": errq(s, size=10),
            "trunc_flag": errq(s, size=20, flags=MSG_TRUNC),
            "after": errq(s)}


def scenario_errqueue_ctrunc(b):
    """Control room for the timestamp but not the extended error: MSG_CTRUNC; too little for a
    header: nothing at all, MSG_CTRUNC. The record is consumed either way."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | SW)
    out = {}
    for room in (64, 80, 16, 0):
        send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
        try:
            data, anc, flags, addr = s.recvmsg(2048, room, MSG_ERRQUEUE | MSG_DONTWAIT)
            out[room] = {"flags": flags, "cmsgs": [(lv, t, len(d)) for lv, t, d in anc]}
        except OSError as e:
            out[room] = errname(e)
    out["left"] = errq(s)
    return out


def scenario_errqueue_bad_flags(b):
    """recvmsg's flag check comes first: MSG_ERRQUEUE with MSG_WAITALL is EINVAL; a blocking
    MSG_ERRQUEUE read of an empty queue does not wait (EAGAIN)."""
    s = tx_socket(b, TX_SW)
    return {"waitall": only_err(attempt(s.recvmsg, 100, 0, MSG_ERRQUEUE | MSG_WAITALL)),
            "blocking_empty": only_err(attempt(s.recvmsg, 100, 0, MSG_ERRQUEUE))}


def scenario_errqueue_rcvbuf_limit(b):
    """Records are charged to the receive buffer: a record is refused once sk_rmem_alloc plus its
    truesize would reach SO_RCVBUF — and queued records crowd out received frames."""
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
    set_ts(b, s, TX_SW | OPT_TSONLY)
    setint(b, s, SOL_SOCKET, SO_RCVBUF, 0)           # the minimum, 2304
    for _ in range(6):
        send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    peer = b.socket(AF_PACKET, SOCK_RAW, 0)
    for _ in range(3):
        send(b, peer, eth(MAC_A, MAC_B, ETH_P_EX, size=60), ifx(b, "veth1"), ETH_P_EX)
    return {"records": len([x for x in errq_all(s) if "len" in x]), "stats": stats(b, s)}


def scenario_errqueue_full_frames_rcvbuf(b):
    """Whole-frame records cost the sent frame's truesize (a clone): 1000-byte frames (a 2 KiB
    head, truesize 2304 on 5.15 and on the host alike) against an 8000-byte buffer."""
    setup_veth(b)
    s = tx_socket(b, TX_SW | TX_SCHED)
    setint(b, s, SOL_SOCKET, SO_RCVBUF, 4000)
    for _ in range(4):
        send(b, s, eth(MAC_B, MAC_A, ETH_P_EX, size=1000), ifx(b, "veth0"), ETH_P_EX)
    return [x.get("len", x.get("err")) for x in errq_all(s)]


@kernel_differs("a 200-byte frame's head comes from the small-head cache on newer kernels (truesize "
                "896); 5.15 rounds it to kmalloc-1024 (truesize 1280), so a 4000-byte buffer takes "
                "three records, not four",
                "bf9f1baa279f net: add dedicated kmem_cache for typical/small skb->head (v6.3)",
                [200, 200, 200, "EAGAIN"], since="6.3")
def scenario_errqueue_small_frames_rcvbuf(b):
    setup_veth(b)
    s = tx_socket(b, TX_SW | TX_SCHED)
    setint(b, s, SOL_SOCKET, SO_RCVBUF, 2000)        # 4000
    for _ in range(8):
        send(b, s, eth(MAC_B, MAC_A, ETH_P_EX, size=200), ifx(b, "veth0"), ETH_P_EX)
    return [x.get("len", x.get("err")) for x in errq_all(s)]


def scenario_errqueue_does_not_wake_a_reader(b):
    """A blocking receive is not ended by a queued record: it runs to SO_RCVTIMEO (EAGAIN)."""
    setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
    set_ts(b, s, TX_SW | OPT_TSONLY)
    set_rcvtimeo(b, s, 0.05)
    send(b, s, FRAME, ifx(b, "veth0"), ETH_P_EX)
    return {"recv": recv1(b, s), "errqueue": [x.get("len", x.get("err")) for x in errq_all(s)]}


def scenario_rx_tstamping_sock_packet(b):
    """SOCK_PACKET receives carry SCM_TIMESTAMPING as well."""
    setup_veth(b)
    keep = warm_stamps(b)
    rx = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_EX))
    b.sys_bind(rx, spkt("veth1"))
    set_ts(b, rx, RX_SW | SW, SO_TIMESTAMPING_NEW)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    t0 = time.time()
    send(b, tx, FRAME, ifx(b, "veth0"), ETH_P_EX)
    data, anc, flags, addr = rx.recvmsg(2048, 256, MSG_DONTWAIT)
    w = (t0, time.time())
    keep.close()
    return {"len": len(data), "flags": flags, "cmsgs": decode_cmsgs(anc, w)}


def scenario_errqueue_siocgstamp(b):
    """Reading with SO_TIMESTAMPING reporting leaves SIOCGSTAMP's time unset (ENOENT): only the
    plain read path records it."""
    setup_veth(b)
    keep = warm_stamps(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {}
    for name, flags in (("reporting", RX_SW | SW), ("generate_only", RX_SW), ("off", 0)):
        rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
        set_ts(b, rx, flags)
        send(b, tx, FRAME, ifx(b, "veth0"), ETH_P_EX)
        rx.recvmsg(2048, 256, MSG_DONTWAIT)
        r = attempt(b.ioctl, rx, 0x8906, bytes(16))       # SIOCGSTAMP
        out[name] = r[1] if r[0] == "err" else "ok"
        rx.close()
    keep.close()
    return out


# ---------------------------------------------------------------- TX ring

def _tx_ring(b, s, nframes=4, frame_size=2048):
    setint(b, s, SOL_PACKET, PACKET_VERSION, 1)                  # TPACKET_V2
    per_block = 4096 // frame_size
    b.sys_setsockopt(s, SOL_PACKET, PACKET_TX_RING,
                     struct.pack("<4I", 4096, nframes // per_block, frame_size, nframes))
    return b.mmap(s, 4096 * (nframes // per_block))


def _ring_frame(m, i, frame, frame_size=2048, hdr=32):
    off = i * frame_size
    m[off + hdr:off + hdr + len(frame)] = frame
    struct.pack_into("<IIHH", m, off + 4, len(frame), 0, 0, 0)
    struct.pack_into("<I", m, off, 1)                            # TP_STATUS_SEND_REQUEST


def _ring_hdr(m, i, window, frame_size=2048):
    status, _, _, _, _, sec, nsec = struct.unpack_from("<IIIHHII", m, i * frame_size)
    t = _ts(sec, nsec)
    return {"status": status, "sec_nsec_zero": sec == 0 and nsec == 0,
            "in_window": window[0] - SLACK <= t <= window[1] + SLACK}


def scenario_tx_ring_packet_timestamp(b):
    """TX ring V2: with PACKET_TIMESTAMP = SOFTWARE a completed frame's header gets the frame's
    last software time and TP_STATUS_TS_SOFTWARE (the peer's receive stamp on veth); without it,
    status AVAILABLE and no time written. SO_TIMESTAMPING TX records come per ring frame too."""
    setup_veth(b)
    keep = warm_stamps(b)
    out = {}
    for name, tp in (("software", SW), ("none", 0), ("raw_hw", RAW_HW)):
        s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
        if tp:
            setint(b, s, SOL_PACKET, PACKET_TIMESTAMP, tp)
        set_ts(b, s, TX_SW | OPT_TSONLY)
        m = _tx_ring(b, s)
        for i in range(2):
            _ring_frame(m, i, FRAME)
        t0 = time.time()
        r = attempt(b.sys_sendto, s, b"", 0, None)
        w = (t0, time.time())
        out[name] = {"send": r, "frames": [_ring_hdr(m, i, w) for i in range(2)],
                     "records": len([x for x in errq_all(s) if "len" in x])}
        m.close()
        s.close()
    keep.close()
    return out


def scenario_packet_timestamp_option(b):
    """PACKET_TIMESTAMP stores any int (read back as is); only exactly 4 bytes are accepted."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"default": getint(b, s, SOL_PACKET, PACKET_TIMESTAMP)}
    for v in (SW, RAW_HW | SW, -1, 0x7FFFFFFF, 0):
        out[str(v)] = [setint(b, s, SOL_PACKET, PACKET_TIMESTAMP, v),
                       getint(b, s, SOL_PACKET, PACKET_TIMESTAMP)]
    for n in (3, 5, 8):
        out[f"len{n}"] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_TIMESTAMP, bytes(n)))
    out["get_short"] = attempt(b.sys_getsockopt, s, SOL_PACKET, PACKET_TIMESTAMP, 2)
    return out
