"""SOL_SOCKET options on packet sockets (§6): every option 5.15's sock_setsockopt/sock_getsockopt
know — defaults, set/get round trips, bad values, short and long lengths, NULL and short buffers.

A value buffer passed with an explicit optlen ends at an inaccessible page (backends.py), so a
read past it faults as it would at the end of a real buffer.
"""
import struct

from ._common import *  # noqa: F401,F403

SO_DEBUG, SO_REUSEADDR, SO_DONTROUTE, SO_BROADCAST = 1, 2, 5, 6
SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK, SO_PRIORITY, SO_LINGER, SO_BSDCOMPAT = 9, 10, 11, 12, 13, 14
SO_REUSEPORT, SO_PASSCRED, SO_PEERCRED, SO_RCVLOWAT, SO_SNDLOWAT = 15, 16, 17, 18, 19
SO_SECURITY_AUTHENTICATION, SO_SECURITY_ENCRYPTION_NETWORK = 22, 24
SO_BINDTODEVICE, SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_PEERNAME = 25, 26, 27, 28
SO_TIMESTAMP, SO_ACCEPTCONN, SO_PEERSEC, SO_SNDBUFFORCE, SO_RCVBUFFORCE = 29, 30, 31, 32, 33
SO_PASSSEC, SO_TIMESTAMPNS, SO_MARK = 34, 35, 36
SO_RXQ_OVFL, SO_WIFI_STATUS, SO_PEEK_OFF, SO_NOFCS, SO_LOCK_FILTER = 40, 41, 42, 43, 44
SO_BUSY_POLL, SO_MAX_PACING_RATE, SO_BPF_EXTENSIONS, SO_INCOMING_CPU = 46, 47, 48, 49
SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_CBPF, SO_ATTACH_REUSEPORT_EBPF, SO_CNX_ADVICE = 50, 51, 52, 53
SO_MEMINFO, SO_INCOMING_NAPI_ID, SO_COOKIE, SO_PEERGROUPS, SO_ZEROCOPY = 55, 56, 57, 59, 60
SO_TXTIME, SO_BINDTOIFINDEX, SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW = 61, 62, 63, 64
SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW, SO_DETACH_REUSEPORT_BPF = 66, 67, 68
SO_PREFER_BUSY_POLL, SO_BUSY_POLL_BUDGET, SO_NETNS_COOKIE, SO_BUF_LOCK = 69, 70, 71, 72

INT_VALUES = (0, 1, 2, 6, 7, 255, 65535, 65536, 0x7FFFFFFF, -1, -2, -0x80000000)
SET_LENS = (0, 1, 3, 4, 5, 8)
GET_LENS = (-1, 0, 1, 2, 3, 4, 5, 8, 64)


def i32(v):
    return struct.pack("<i", v)


def sset(b, s, opt, val, optlen=None):
    """setsockopt(SOL_SOCKET, opt): "ok" or the errno name; an int value is packed as an int."""
    if isinstance(val, int):
        val = i32(val)
    return only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, opt, val, optlen))


def sget(b, s, opt, optlen=4):
    """getsockopt(SOL_SOCKET, opt, optlen): the bytes written (hex, their length is the written
    optlen) or the errno name."""
    r = attempt(b.sys_getsockopt, s, SOL_SOCKET, opt, optlen)
    return r[1] if r[0] == "ok" else r[1]


def sget_int(b, s, opt):
    r = attempt(b.sys_getsockopt, s, SOL_SOCKET, opt, 4)
    if r[0] != "ok":
        return r[1]
    return struct.unpack("<i", bytes.fromhex(r[1]))[0]


def lengths(b, opt, val=1, type=SOCK_RAW):
    """Short/long/NULL value buffers for set, every optlen for get, on a fresh socket each."""
    out = {}
    for n in SET_LENS:
        s = psock(b, type)
        out[f"set{n}"] = sset(b, s, opt, struct.pack("<q", val)[:n], n)
    s = psock(b, type)
    out["set_null4"] = sset(b, s, opt, None, 4)
    out["set_null0"] = sset(b, s, opt, None, 0)
    out["set_4_of_8"] = sset(b, s, opt, i32(val), 8)          # optlen 8, 4 readable bytes
    out["set_neg"] = sset(b, s, opt, i32(val), -1)
    s = psock(b, type)
    out["get"] = {n: sget(b, s, opt, n) for n in GET_LENS}
    return out


def int_option(b, opt, values=INT_VALUES, type=SOCK_RAW):
    """Default, every value set and read back, then the length rules."""
    s = psock(b, type)
    out = {"default": sget_int(b, s, opt), "values": {}}
    for v in values:
        out["values"][v] = [sset(b, s, opt, v), sget_int(b, s, opt)]
    out["lengths"] = lengths(b, opt)
    return out


# ---- defaults of every option, per socket type ---------------------------------------------------

GETTABLE = (SO_DEBUG, SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_DONTROUTE, SO_BROADCAST, SO_SNDBUF,
            SO_RCVBUF, SO_KEEPALIVE, SO_OOBINLINE, SO_NO_CHECK, SO_PRIORITY, SO_LINGER,
            SO_BSDCOMPAT, SO_PEERCRED, SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO, SO_SNDTIMEO,
            SO_BINDTODEVICE, SO_PEERNAME, SO_TIMESTAMP, SO_ACCEPTCONN, SO_PEERSEC,
            SO_TIMESTAMPNS, SO_MARK, SO_PROTOCOL, SO_DOMAIN, SO_RXQ_OVFL, SO_WIFI_STATUS,
            SO_PEEK_OFF, SO_NOFCS, SO_LOCK_FILTER, SO_BUSY_POLL, SO_MAX_PACING_RATE,
            SO_BPF_EXTENSIONS, SO_INCOMING_CPU, SO_MEMINFO, SO_INCOMING_NAPI_ID, SO_PEERGROUPS,
            SO_ZEROCOPY, SO_TXTIME, SO_BINDTOIFINDEX, SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW,
            SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW, SO_PREFER_BUSY_POLL, SO_BUF_LOCK)


def _defaults(b, type):
    s = psock(b, type)
    return {o: [sget(b, s, o, 4), sget(b, s, o, 64)] for o in GETTABLE}


def scenario_sol_defaults_raw(b):
    return _defaults(b, SOCK_RAW)


def scenario_sol_defaults_dgram(b):
    return _defaults(b, SOCK_DGRAM)


def scenario_sol_defaults_sock_packet(b):
    return _defaults(b, SOCK_PACKET)


def scenario_sol_set_only_options_get(b):
    """Options without a get case: ENOPROTOOPT (SO_BUSY_POLL_BUDGET too, in 5.15)."""
    s = psock(b)
    return {o: sget(b, s, o, 64) for o in (SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_DETACH_FILTER,
                                           SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_CBPF,
                                           SO_ATTACH_REUSEPORT_EBPF, SO_CNX_ADVICE,
                                           SO_DETACH_REUSEPORT_BPF, SO_BUSY_POLL_BUDGET, 54, 58,
                                           SO_SECURITY_AUTHENTICATION, 23,
                                           SO_SECURITY_ENCRYPTION_NETWORK)}


def scenario_sol_read_only_options_set(b):
    """Options without a set case: ENOPROTOOPT, whatever the value."""
    s = psock(b)
    return {o: [sset(b, s, o, 0), sset(b, s, o, 1)]
            for o in (SO_TYPE, SO_ERROR, SO_PROTOCOL, SO_DOMAIN, SO_PEERCRED, SO_SNDLOWAT,
                      SO_PEERNAME, SO_ACCEPTCONN, SO_PEERSEC, SO_BPF_EXTENSIONS, SO_MEMINFO,
                      SO_INCOMING_NAPI_ID, SO_COOKIE, SO_PEERGROUPS, SO_NETNS_COOKIE,
                      SO_SECURITY_AUTHENTICATION, 23, SO_SECURITY_ENCRYPTION_NETWORK, 54, 58)}


def scenario_sol_set_short_optlen_every_option(b):
    """Every option but SO_BINDTODEVICE needs an int first: optlen 3 is EINVAL, NULL faults."""
    out = {}
    for o in range(1, 73):
        if o in (SO_BINDTODEVICE, 37, 45, 65):    # 37/45/65: SO_TIMESTAMPING*, SELECT_ERR_QUEUE
            continue
        s = psock(b)
        out[o] = [sset(b, s, o, b"\1\0\0", 3), sset(b, s, o, None, 4)]
    return out


# ---- plain int / boolean options -------------------------------------------------------------

def scenario_sol_debug(b):
    return int_option(b, SO_DEBUG)


def scenario_sol_reuseaddr(b):
    return int_option(b, SO_REUSEADDR)


def scenario_sol_dontroute(b):
    return int_option(b, SO_DONTROUTE)


def scenario_sol_broadcast(b):
    return int_option(b, SO_BROADCAST)


def scenario_sol_keepalive(b):
    return int_option(b, SO_KEEPALIVE)


def scenario_sol_oobinline(b):
    return int_option(b, SO_OOBINLINE)


def scenario_sol_no_check(b):
    return int_option(b, SO_NO_CHECK)


def scenario_sol_priority(b):
    return int_option(b, SO_PRIORITY)


def scenario_sol_bsdcompat(b):
    return int_option(b, SO_BSDCOMPAT)


def scenario_sol_rcvlowat(b):
    return int_option(b, SO_RCVLOWAT)


def scenario_sol_sndlowat(b):
    return int_option(b, SO_SNDLOWAT)


def scenario_sol_timestamp_old(b):
    return int_option(b, SO_TIMESTAMP, (1, 0, 2, -1))


def scenario_sol_timestampns_old(b):
    return int_option(b, SO_TIMESTAMPNS, (1, 0, 2, -1))


def scenario_sol_timestamp_new(b):
    return int_option(b, SO_TIMESTAMP_NEW, (1, 0, 2, -1))


def scenario_sol_timestampns_new(b):
    return int_option(b, SO_TIMESTAMPNS_NEW, (1, 0, 2, -1))


def scenario_sol_timestamp_formats_interplay(b):
    """One format at a time: each on replaces the others; off of any format clears both."""
    s = psock(b)
    out = []
    fmts = (SO_TIMESTAMP, SO_TIMESTAMPNS, SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW)
    for on, v in ((SO_TIMESTAMPNS, 1), (SO_TIMESTAMP_NEW, 1), (SO_TIMESTAMP, 0),
                  (SO_TIMESTAMPNS_NEW, 1), (SO_TIMESTAMP, 1), (SO_TIMESTAMPNS_NEW, 0)):
        sset(b, s, on, v)
        out.append([sget_int(b, s, o) for o in fmts])
    return out


def scenario_sol_mark(b):
    return int_option(b, SO_MARK)


def scenario_sol_rxq_ovfl(b):
    return int_option(b, SO_RXQ_OVFL)


def scenario_sol_wifi_status(b):
    return int_option(b, SO_WIFI_STATUS)


def scenario_sol_nofcs(b):
    return int_option(b, SO_NOFCS)


def scenario_sol_lock_filter(b):
    return int_option(b, SO_LOCK_FILTER, (0, 1, 2, 0, -1))


def scenario_sol_peek_off(b):
    """packet_ops has no set_peek_off: EOPNOTSUPP both ways."""
    return int_option(b, SO_PEEK_OFF, (0, 1, -1))


def scenario_sol_busy_poll(b):
    return int_option(b, SO_BUSY_POLL)


def scenario_sol_prefer_busy_poll(b):
    return int_option(b, SO_PREFER_BUSY_POLL)


def scenario_sol_busy_poll_budget(b):
    """Set only (no get in 5.15): 0..65535, else EINVAL."""
    s = psock(b)
    return {"values": {v: sset(b, s, SO_BUSY_POLL_BUDGET, v) for v in INT_VALUES},
            "lengths": lengths(b, SO_BUSY_POLL_BUDGET)}


def scenario_sol_incoming_cpu(b):
    return int_option(b, SO_INCOMING_CPU)


def scenario_sol_cnx_advice(b):
    s = psock(b)
    return {"values": {v: sset(b, s, SO_CNX_ADVICE, v) for v in INT_VALUES},
            "lengths": lengths(b, SO_CNX_ADVICE)}


def scenario_sol_acceptconn(b):
    return int_option(b, SO_ACCEPTCONN, (0, 1))


def scenario_sol_bpf_extensions(b):
    """libpcap asks it: SKF_AD_MAX."""
    return int_option(b, SO_BPF_EXTENSIONS, (0, 64))


def scenario_sol_incoming_napi_id(b):
    return int_option(b, SO_INCOMING_NAPI_ID, (0, 1))


def scenario_sol_buf_lock(b):
    return int_option(b, SO_BUF_LOCK, (0, 1, 2, 3, 4, 7, -1, 0))


def scenario_sol_buf_lock_follows_buffer_options(b):
    """SO_RCVBUF/SO_SNDBUF set the lock bits SO_BUF_LOCK shows; SO_BUF_LOCK replaces them."""
    s = psock(b)
    out = [sget_int(b, s, SO_BUF_LOCK)]
    setint(b, s, SOL_SOCKET, SO_RCVBUF, 10000)
    out.append(sget_int(b, s, SO_BUF_LOCK))
    setint(b, s, SOL_SOCKET, SO_SNDBUF, 10000)
    out.append(sget_int(b, s, SO_BUF_LOCK))
    out.append([sset(b, s, SO_BUF_LOCK, 1), sget_int(b, s, SO_BUF_LOCK)])
    out.append([sset(b, s, SO_BUF_LOCK, 0), sget_int(b, s, SO_BUF_LOCK)])
    out.append(sget_int(b, s, SO_RCVBUF) == 20000)
    s2 = psock(b)
    setint(b, s2, SOL_SOCKET, SO_RCVBUFFORCE, 10000)
    out.append(sget_int(b, s2, SO_BUF_LOCK))
    return out


def scenario_sol_bindtoifindex_values(b):
    """Any index that is not negative is taken, existing or not; negative is EINVAL."""
    setup_veth(b)
    s = psock(b)
    out = {}
    for name, v in (("zero", 0), ("lo", ifx(b, "lo")), ("veth0", ifx(b, "veth0")), ("absent", 4242),
                    ("max", 0x7FFFFFFF), ("neg", -1), ("zero_again", 0)):
        r = sset(b, s, SO_BINDTOIFINDEX, v)
        got = sget_int(b, s, SO_BINDTOIFINDEX)
        out[name] = [r, {ifx(b, "lo"): "lo", ifx(b, "veth0"): "veth0"}.get(got, got),
                     sget(b, s, SO_BINDTODEVICE, 16)]
    out["lengths"] = lengths(b, SO_BINDTOIFINDEX, 0)
    return out


def scenario_sol_max_pacing_rate(b):
    """An int (-1: unlimited, ~0UL) or, with optlen ≥ 8, an unsigned long; read back as 4 bytes
    (capped at ~0U) or 8."""
    s = psock(b)
    out = {"default": [sget(b, s, SO_MAX_PACING_RATE, 4), sget(b, s, SO_MAX_PACING_RATE, 8)]}
    for name, raw in (("i0", i32(0)), ("i1000", i32(1000)), ("i_neg1", i32(-1)),
                      ("i_min", i32(-0x80000000)), ("q_1e12", struct.pack("<Q", 10 ** 12)),
                      ("q_max", struct.pack("<Q", (1 << 64) - 1)), ("q_5e9", struct.pack("<Q", 5 * 10 ** 9)),
                      ("len5", struct.pack("<Q", 1 << 40)[:5]), ("len7", struct.pack("<Q", 1 << 40)[:7]),
                      ("len16", struct.pack("<QQ", 77, 99))):
        out[name] = [sset(b, s, SO_MAX_PACING_RATE, raw, len(raw)),
                     sget(b, s, SO_MAX_PACING_RATE, 4), sget(b, s, SO_MAX_PACING_RATE, 8),
                     sget(b, s, SO_MAX_PACING_RATE, 7), sget(b, s, SO_MAX_PACING_RATE, 16)]
    out["lengths"] = lengths(b, SO_MAX_PACING_RATE, 5)
    return out


# ---- struct options --------------------------------------------------------------------------

def scenario_sol_linger(b):
    """struct linger: optlen below 8 is EINVAL; off keeps the time; 64-bit: no cap on the time."""
    s = psock(b)
    out = {"default": sget(b, s, SO_LINGER, 8)}
    for name, onoff, secs in (("on5", 1, 5), ("off", 0, 99), ("on0", 2, 0),
                              ("on_max", 1, 0x7FFFFFFF), ("on_1e6", 1, 1000000)):
        out[name] = [sset(b, s, SO_LINGER, struct.pack("<ii", onoff, secs)),
                     sget(b, s, SO_LINGER, 8)]
    val = struct.pack("<ii", 1, 7)
    out["set_lens"] = {n: sset(b, psock(b), SO_LINGER, (val + bytes(8))[:n], n) for n in (0, 4, 7, 8, 16)}
    out["set_8_of_4"] = sset(b, s, SO_LINGER, val[:4], 8)
    out["set_null"] = sset(b, s, SO_LINGER, None, 8)
    out["get_lens"] = {n: sget(b, s, SO_LINGER, n) for n in (-1, 0, 3, 4, 7, 8, 16)}
    return out


@kernel_differs(
    reason="a negative l_linger: 5.15 (64-bit) takes the seconds as an unsigned int and reads them back "
           "unchanged; later kernels take them as an unsigned long, capped at MAX_SCHEDULE_TIMEOUT/HZ "
           "(verified in 6.1's sock_setsockopt)",
    commit="sock_setsockopt SO_LINGER: unsigned long t_sec capped at MAX_SCHEDULE_TIMEOUT / HZ (between "
           "v5.15 and v6.1; commit subject not located)",
    expected_515={"neg1": ["ok", "01000000ffffffff"], "min": ["ok", "0100000000000080"]}, since="6.1")
def scenario_sol_linger_negative_seconds(b):
    s = psock(b)
    return {name: [sset(b, s, SO_LINGER, struct.pack("<ii", onoff, secs)), sget(b, s, SO_LINGER, 8)]
            for name, onoff, secs in (("neg1", 1, -1), ("min", -1, -0x80000000))}


def _timeo_new(b, opt, old):
    s = psock(b)
    out = {"default": sget(b, s, opt, 16)}
    cases = {"1.5s": timeval(1, 500000), "usec_1e6": timeval(0, 1000000), "usec_neg": timeval(0, -1),
             "zero": timeval(0, 0), "neg_sec": timeval(-5, 0), "short_8": timeval(1, 0)[:8],
             "short_15": timeval(1, 0)[:15], "long_24": timeval(2, 0) + bytes(8),
             "huge": timeval(1 << 62, 0)}
    for name, val in cases.items():
        out[name] = [sset(b, s, opt, val), sget(b, s, opt, 16), sget(b, s, old, 16)]
    out["null"] = sset(b, s, opt, None, 16)
    out["16_of_8"] = sset(b, s, opt, timeval(1, 0)[:8], 16)
    out["get_lens"] = {n: sget(b, s, opt, n) for n in (-1, 0, 8, 15, 16, 32)}
    return out


def scenario_sol_rcvtimeo_new(b):
    return _timeo_new(b, SO_RCVTIMEO_NEW, SO_RCVTIMEO)


def scenario_sol_sndtimeo_new(b):
    return _timeo_new(b, SO_SNDTIMEO_NEW, SO_SNDTIMEO)


def scenario_sol_rcvtimeo_new_bounds_blocking_read(b):
    """The new-layout timeout is the one recv waits for: EAGAIN when it passes."""
    s = psock(b, bind_to="lo", bproto=ETH_P_EX2)
    sset(b, s, SO_RCVTIMEO_NEW, timeval(0, 50000))
    r = in_thread(b.sys_recvfrom, s, 100, 0)(5.0)     # bounded even where the option is ignored
    return r if r[0] != "ok" else "frame"


def scenario_sol_txtime(b):
    """struct sock_txtime: exactly 8 bytes; flags beyond DEADLINE_MODE|REPORT_ERRORS are EINVAL;
    any clock id is taken (root)."""
    s = psock(b)
    out = {"default": sget(b, s, SO_TXTIME, 8)}
    for clock, flags in ((1, 0), (0, 1), (11, 2), (1, 4), (1, 0x80000000)):
        out[f"{clock}/{flags}"] = [sset(b, s, SO_TXTIME, struct.pack("<iI", clock, flags)),
                                   sget(b, s, SO_TXTIME, 8)]
    val = struct.pack("<iI", 1, 1)
    out["set_lens"] = {n: sset(b, psock(b), SO_TXTIME, (val + bytes(8))[:n], n) for n in (4, 7, 9, 12, 16)}
    out["set_8_of_4"] = sset(b, s, SO_TXTIME, val[:4], 8)
    out["set_null"] = sset(b, s, SO_TXTIME, None, 8)
    out["get_lens"] = {n: sget(b, s, SO_TXTIME, n) for n in (-1, 0, 4, 7, 8, 16)}
    return out


@kernel_differs(
    reason="5.15 takes any clock id for SO_TXTIME (root) and keeps its low byte (sk_clockid is a u8); later kernels accept only CLOCK_REALTIME, "
           "CLOCK_MONOTONIC and CLOCK_TAI (EINVAL)",
    commit="net: validate SO_TXTIME clockid coming from userspace (Eric Dumazet, v6.12)",
    expected_515={"7/3": ["ok", "0700000003000000"], "12345/3": ["ok", "3900000003000000"],
                  "-1/0": ["ok", "ff00000000000000"]}, since="6.12")
def scenario_sol_txtime_other_clocks(b):
    s = psock(b)
    return {f"{clock}/{flags}": [sset(b, s, SO_TXTIME, struct.pack("<iI", clock, flags)),
                                 sget(b, s, SO_TXTIME, 8)]
            for clock, flags in ((7, 3), (12345, 3), (-1, 0))}


def scenario_sol_peercred(b):
    """No peer: pid 0, uid and gid -1; at most 12 bytes."""
    s = psock(b)
    return {"get": {n: sget(b, s, SO_PEERCRED, n) for n in (-1, 0, 4, 8, 12, 16, 64)},
            "set": sset(b, s, SO_PEERCRED, bytes(12))}


def scenario_sol_peer_name_groups_sec(b):
    s = psock(b, SOCK_DGRAM, bind_to="lo")
    return {o: {n: sget(b, s, o, n) for n in (-1, 0, 4, 128)}
            for o in (SO_PEERNAME, SO_PEERGROUPS, SO_PEERSEC)}


def scenario_sol_cookie(b):
    """Cookies: compared by relation (the values depend on the machine's history)."""
    s1, s2 = psock(b), psock(b, SOCK_DGRAM)
    lens = {n: sget(b, s1, SO_COOKIE, n) for n in (-1, 0, 4, 7)}
    lens16 = sget(b, s1, SO_COOKIE, 16)
    c1 = int.from_bytes(bytes.fromhex(sget(b, s1, SO_COOKIE, 8)), "little")
    c1b = int.from_bytes(bytes.fromhex(lens16), "little")
    c2 = int.from_bytes(bytes.fromhex(sget(b, s2, SO_COOKIE, 8)), "little")
    return {"lens": lens, "len16_writes": len(lens16) // 2, "nonzero": c1 != 0 and c2 != 0,
            "stable": c1 == c1b, "distinct": c1 != c2, "set": sset(b, s1, SO_COOKIE, 8 * b"\1")}


def scenario_sol_netns_cookie(b):
    """One cookie per namespace: equal within, different across; exactly 8 bytes."""
    s1, s2 = psock(b), psock(b, SOCK_DGRAM)
    other = b.netns_add("sol_ck")
    s3 = other.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    lens = {n: sget(b, s1, SO_NETNS_COOKIE, n) for n in (-1, 0, 4, 7, 9, 16)}
    c = [int.from_bytes(bytes.fromhex(sget(x, s, SO_NETNS_COOKIE, 8)), "little")
         for x, s in ((b, s1), (b, s2), (other, s3))]
    return {"lens": lens, "nonzero": all(c), "same_ns": c[0] == c[1], "other_ns": c[0] != c[2],
            "set": sset(b, s1, SO_NETNS_COOKIE, bytes(8))}


def scenario_sol_meminfo_lengths(b):
    """SK_MEMINFO_VARS (9) u32 counters: any optlen up to 36 bytes is filled."""
    s = psock(b)
    full = sget(b, s, SO_MEMINFO, 64)
    return {"n": len(full) // 8, "lens": {n: sget(b, s, SO_MEMINFO, n) for n in (-1, 0, 3, 4, 35, 36, 37)}}


def scenario_sol_attach_bpf_descriptors(b):
    """No eBPF program exists: a descriptor that is not open is EBADF, an open one that is not a
    program EINVAL; the value must be exactly a u32; a locked filter refuses first (EPERM)."""
    out = {}
    for opt in (SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF):
        s = psock(b)
        o = {"self": sset(b, s, opt, s.fileno()), "closed": sset(b, s, opt, 9999),
             "neg": sset(b, s, opt, -1), "len8": sset(b, s, opt, struct.pack("<q", s.fileno())),
             "len2": sset(b, s, opt, b"\1\0", 2), "null": sset(b, s, opt, None, 4)}
        setint(b, s, SOL_SOCKET, SO_LOCK_FILTER, 1)
        o["locked"] = sset(b, s, opt, 9999)
        out[opt] = o
    s = psock(b)
    out["detach_bpf"] = sset(b, s, SO_DETACH_FILTER, 0)
    return out


def scenario_sol_attach_reuseport_cbpf(b):
    """The classic program is checked as for SO_ATTACH_FILTER, then the socket has no reuseport
    group: EINVAL even for a good program."""
    from .bpf import ACCEPT, fprog, fprog_raw
    s = psock(b)
    out = {"good": sset(b, s, SO_ATTACH_REUSEPORT_CBPF, fprog(ACCEPT)),
           "bad_opcode": sset(b, s, SO_ATTACH_REUSEPORT_CBPF, fprog([(0xFF, 0, 0, 0)])),
           "len0": sset(b, s, SO_ATTACH_REUSEPORT_CBPF, fprog(ACCEPT, 0)),
           "null_prog": sset(b, s, SO_ATTACH_REUSEPORT_CBPF, fprog_raw(1, 0)),
           "bad_ptr": sset(b, s, SO_ATTACH_REUSEPORT_CBPF, fprog_raw(1, 8)),
           "optlen8": sset(b, s, SO_ATTACH_REUSEPORT_CBPF, fprog(ACCEPT)[:8]),
           "optlen24": sset(b, s, SO_ATTACH_REUSEPORT_CBPF, fprog(ACCEPT) + bytes(8)),
           "null": sset(b, s, SO_ATTACH_REUSEPORT_CBPF, None, 16),
           "get_filter_after": sget(b, s, SO_ATTACH_FILTER, 0)}
    setint(b, s, SOL_SOCKET, SO_LOCK_FILTER, 1)
    out["locked"] = sset(b, s, SO_ATTACH_REUSEPORT_CBPF, fprog(ACCEPT))
    return out


def scenario_sol_detach_reuseport_bpf(b):
    s = psock(b)
    return {"plain": sset(b, s, SO_DETACH_REUSEPORT_BPF, 0), "len2": sset(b, s, SO_DETACH_REUSEPORT_BPF, b"\0\0", 2),
            "reuseport_off": [sset(b, s, SO_REUSEPORT, 0), sset(b, s, SO_DETACH_REUSEPORT_BPF, 1)]}


def scenario_sol_unknown_and_boundary_numbers(b):
    """Beyond the last 5.15-and-later options and negative numbers: ENOPROTOOPT."""
    s = psock(b)
    return {o: [sset(b, s, o, 0), sget(b, s, o, 4)] for o in (0, 86, 100, 1000, -1, 0x7FFFFFFF)}


def scenario_sol_struct_options_on_every_type(b):
    """The same answers on SOCK_RAW, SOCK_DGRAM and SOCK_PACKET sockets (bound or not)."""
    out = {}
    for t in (SOCK_RAW, SOCK_DGRAM, SOCK_PACKET):
        s = b.socket(AF_PACKET, t, htons(ETH_P_ALL))
        o = {"dev": [sset(b, s, SO_BINDTODEVICE, b"lo\0"), sget(b, s, SO_BINDTODEVICE, 16),
                     sget_int(b, s, SO_BINDTOIFINDEX) == ifx(b, "lo")],
             "linger": [sset(b, s, SO_LINGER, struct.pack("<ii", 1, 3)), sget(b, s, SO_LINGER, 8)],
             "txtime": [sset(b, s, SO_TXTIME, struct.pack("<iI", 1, 2)), sget(b, s, SO_TXTIME, 8)],
             "timeo": [sset(b, s, SO_SNDTIMEO_NEW, timeval(3, 0)), sget(b, s, SO_SNDTIMEO, 16)],
             "pacing": [sset(b, s, SO_MAX_PACING_RATE, struct.pack("<Q", 1 << 33)),
                        sget(b, s, SO_MAX_PACING_RATE, 4)],
             "peek": sset(b, s, SO_PEEK_OFF, 1), "zerocopy_get": sget_int(b, s, SO_ZEROCOPY),
             "cookie_len": len(sget(b, s, SO_COOKIE, 64)) // 2,
             "meminfo_len": len(sget(b, s, SO_MEMINFO, 64)) // 2,
             "peer": [sget(b, s, SO_PEERNAME, 128), sget(b, s, SO_PEERCRED, 12)],
             "bpf_ext": sget_int(b, s, SO_BPF_EXTENSIONS), "acceptconn": sget_int(b, s, SO_ACCEPTCONN)}
        out[t] = o
    return out


# ---- options whose answer changed after 5.15 ----------------------------------------------------

@kernel_differs(
    reason="SO_RESERVE_MEM (73, v5.16), SO_TXREHASH (74, v5.18), SO_RCVMARK (75, v5.19), SO_PASSPIDFD/"
           "SO_PEERPIDFD (76/77, v6.5), SO_DEVMEM_* (78-80, v6.12), SO_RCVPRIORITY (82, v6.14), SO_PASSRIGHTS "
           "(83, v6.16) came after 5.15, which answers ENOPROTOOPT both ways",
    commit="net: add new socket option SO_RESERVE_MEM (Wei Wang, v5.16); the later ones: 'net: SO_RCVMARK "
           "socket option for SO_MARK with recvmsg()' (v5.19), 'scm: add SO_PASSPIDFD and SCM_PIDFD' (v6.5), "
           "'af_unix: Introduce SO_PASSRIGHTS.' (v6.16)",
    expected_515={str(o): ["ENOPROTOOPT", "ENOPROTOOPT"] for o in range(73, 84)}, since="5.16")
def scenario_sol_options_after_515(b):
    s = psock(b)
    return {o: [sset(b, s, o, 0), sget(b, s, o, 4)] for o in range(73, 84)}


@kernel_differs(
    reason="since 6.16 SO_PASSCRED is refused (EOPNOTSUPP) on sockets other than AF_UNIX, AF_NETLINK "
           "and AF_BLUETOOTH; 5.15 keeps the bit for any socket",
    commit="7d8d93fdde50b net: Restrict SO_PASS{CRED,PIDFD,SEC} to AF_{UNIX,NETLINK,BLUETOOTH}. "
           "(Kuniyuki Iwashima, v6.16)",
    expected_515={"default": 0, "on": ["ok", 1], "two": ["ok", 1], "off": ["ok", 0]}, since="6.16")
def scenario_sol_passcred(b):
    s = psock(b)
    return {"default": sget_int(b, s, SO_PASSCRED),
            **{k: [sset(b, s, SO_PASSCRED, v), sget_int(b, s, SO_PASSCRED)]
               for k, v in (("on", 1), ("two", 2), ("off", 0))}}


@kernel_differs(
    reason="since 6.16 SO_PASSSEC is refused (EOPNOTSUPP) on sockets other than AF_UNIX, AF_NETLINK "
           "and AF_BLUETOOTH; 5.15 keeps the bit for any socket",
    commit="7d8d93fdde50b net: Restrict SO_PASS{CRED,PIDFD,SEC} to AF_{UNIX,NETLINK,BLUETOOTH}. "
           "(Kuniyuki Iwashima, v6.16)",
    expected_515={"default": 0, "on": ["ok", 1], "two": ["ok", 1], "off": ["ok", 0]}, since="6.16")
def scenario_sol_passsec(b):
    s = psock(b)
    return {"default": sget_int(b, s, SO_PASSSEC),
            **{k: [sset(b, s, SO_PASSSEC, v), sget_int(b, s, SO_PASSSEC)]
               for k, v in (("on", 1), ("two", 2), ("off", 0))}}


@kernel_differs(
    reason="SO_REUSEPORT on a non-inet socket: 5.15 stores it (and SO_DETACH_REUSEPORT_BPF then says "
           "ENOENT); since 6.13 (stable 6.12.9, 6.1.124) setting it is EOPNOTSUPP",
    commit="5b0af621c3f6 net: restrict SO_REUSEPORT to inet sockets (Eric Dumazet, v6.13)",
    expected_515={"on": ["ok", 1], "detach": "ENOENT", "off": ["ok", 0], "detach_off": "EINVAL"},
    since="6.13", backported={"6.1": "6.1.124", "6.6": "6.6.70", "6.12": "6.12.9"})
def scenario_sol_reuseport(b):
    s = psock(b)
    out = {"on": [sset(b, s, SO_REUSEPORT, 1), sget_int(b, s, SO_REUSEPORT)],
           "detach": sset(b, s, SO_DETACH_REUSEPORT_BPF, 0)}
    out["off"] = [sset(b, s, SO_REUSEPORT, 0), sget_int(b, s, SO_REUSEPORT)]
    out["detach_off"] = sset(b, s, SO_DETACH_REUSEPORT_BPF, 0)
    return out


@kernel_differs(
    reason="SO_ZEROCOPY on a packet socket: 5.15 answers the kernel-internal ENOTSUPP (524); since 5.18 "
           "EOPNOTSUPP",
    commit="SO_ZEROCOPY should return -EOPNOTSUPP rather than -ENOTSUPP (Samuel Thibault, v5.18)",
    expected_515={"1": ["524", 0], "0": ["524", 0], "2": ["524", 0]}, since="5.18")
def scenario_sol_zerocopy(b):
    s = psock(b)
    return {v: [sset(b, s, SO_ZEROCOPY, v), sget_int(b, s, SO_ZEROCOPY)] for v in (1, 0, 2)}
