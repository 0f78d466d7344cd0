"""SOL_SOCKET (§6: TYPE/PROTOCOL/DOMAIN/ERROR/RCVBUF/SNDBUF/RCVTIMEO) and SOL_PACKET option errors (§5)."""
import struct

from ._common import *  # noqa: F401,F403

SO_UNKNOWN = 9999


def scenario_so_identity(b):
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW, SOCK_PACKET):
        s = b.socket(AF_PACKET, t, htons(ETH_P_IP))
        out[t] = {n: getint(b, s, SOL_SOCKET, o) for n, o in
                  (("type", SO_TYPE), ("protocol", SO_PROTOCOL), ("domain", SO_DOMAIN), ("error", SO_ERROR))}
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP))
    b.sys_bind(s, sll(ifx(b, "lo"), ETH_P_EX))
    out["bound_protocol"] = getint(b, s, SOL_SOCKET, SO_PROTOCOL)
    return out


def scenario_so_identity_readonly(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    return {o: only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, o, struct.pack("<i", 1)))
            for o in (SO_TYPE, SO_PROTOCOL, SO_DOMAIN, SO_ERROR)}


def scenario_so_getsockopt_optlen(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {}
    for o in (SO_TYPE, SO_DOMAIN, SO_RCVBUF):
        out[o] = {n: attempt(b.sys_getsockopt, s, SOL_SOCKET, o, n) for n in (-1, 0, 1, 2, 4, 8, 100)}
    return out


def scenario_so_unknown_option(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    return {"set": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_UNKNOWN, struct.pack("<i", 1))),
            "get": only_err(attempt(b.sys_getsockopt, s, SOL_SOCKET, SO_UNKNOWN, 4))}


def scenario_so_setsockopt_short_optlen(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {}
    for o in (SO_RCVBUF, SO_SNDBUF):
        out[o] = {n: only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, o, struct.pack("<q", 100000)[:n]))
                  for n in (0, 1, 3, 4, 8)}
        out[f"{o}_value"] = getint(b, s, SOL_SOCKET, o)
    return out


def scenario_so_rcvbuf_values_g_rw_4_5_6(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {"default": getint(b, s, SOL_SOCKET, SO_RCVBUF)}
    for v in (0, 1, 1151, 1152, 1153, 4096, 100000, 1 << 30, -1, -100, 0x7FFFFFFF):
        setint(b, s, SOL_SOCKET, SO_RCVBUF, v)
        out[v] = getint(b, s, SOL_SOCKET, SO_RCVBUF)
    setint(b, s, SOL_SOCKET, SO_RCVBUF, 0)
    mn = getint(b, s, SOL_SOCKET, SO_RCVBUF)
    setint(b, s, SOL_SOCKET, SO_RCVBUF, -1)
    mx = getint(b, s, SOL_SOCKET, SO_RCVBUF)
    mid = mn + (mx - mn) // 4
    setint(b, s, SOL_SOCKET, SO_RCVBUF, mid)
    out["mid_doubled"] = getint(b, s, SOL_SOCKET, SO_RCVBUF) == 2 * mid
    return out


def scenario_so_sndbuf_values_g_rw_7_8_9(b):
    s = b.socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL))
    out = {"default": getint(b, s, SOL_SOCKET, SO_SNDBUF)}
    for v in (0, 1, 2303, 2304, 2305, 100000, 1 << 30, -1, 0x7FFFFFFF):
        setint(b, s, SOL_SOCKET, SO_SNDBUF, v)
        out[v] = getint(b, s, SOL_SOCKET, SO_SNDBUF)
    return out


def scenario_so_rcvtimeo(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {"default": b.sys_getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 16).hex()}
    cases = {"1.5s": timeval(1, 500000), "0.2s": timeval(0, 200000), "usec_1e6": timeval(0, 1000000),
             "usec_neg": timeval(0, -1), "zero": timeval(0, 0), "neg_sec": timeval(-5, 0),
             "short_8": timeval(1, 0)[:8], "short_15": timeval(1, 0)[:15], "long_24": timeval(2, 0) + bytes(8)}
    for name, val in cases.items():
        r = only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_RCVTIMEO, val))
        out[name] = [r, b.sys_getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 16).hex()]
    out["get_short"] = attempt(b.sys_getsockopt, s, SOL_SOCKET, SO_RCVTIMEO, 8)
    out["get_long"] = attempt(b.sys_getsockopt, s, SOL_SOCKET, SO_RCVTIMEO, 64)
    return out


def scenario_so_rcvtimeo_tick_rounding(b):
    """Timeouts are kept in jiffies: 1 µs reads back as one tick (depends on HZ)."""
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    b.sys_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, timeval(0, 1))
    return b.sys_getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 16).hex()


def scenario_so_sndtimeo(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    return {"set": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_SNDTIMEO, timeval(2, 250000))),
            "get": b.sys_getsockopt(s, SOL_SOCKET, SO_SNDTIMEO, 16).hex(),
            "edom": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_SNDTIMEO, timeval(0, 2000000)))}


def scenario_so_error_after_bind_failure(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    attempt(b.sys_bind, s, sll(4242, ETH_P_ALL))
    attempt(b.sys_sendto, s, eth(size=60), 0, None)
    return getint(b, s, SOL_SOCKET, SO_ERROR)


def scenario_packet_version(b):
    s = b.socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL))
    out = {"default": getint(b, s, SOL_PACKET, PACKET_VERSION)}
    for v in (1, 0, 2, 3, 100, -1):
        out[v] = [only_err(attempt(setint, b, s, SOL_PACKET, PACKET_VERSION, v)),
                  getint(b, s, SOL_PACKET, PACKET_VERSION)]
    out["short"] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_VERSION, b"\x01\x00"))
    out["long"] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_VERSION, struct.pack("<q", 1)))
    out["get_lens"] = {n: attempt(b.sys_getsockopt, s, SOL_PACKET, PACKET_VERSION, n) for n in (-1, 0, 2, 4, 16)}
    return out


def scenario_packet_ignore_outgoing_option(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {"default": getint(b, s, SOL_PACKET, PACKET_IGNORE_OUTGOING)}
    for v in (1, 0, 2, -1):
        out[v] = [only_err(attempt(setint, b, s, SOL_PACKET, PACKET_IGNORE_OUTGOING, v)),
                  getint(b, s, SOL_PACKET, PACKET_IGNORE_OUTGOING)]
    out["short"] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_IGNORE_OUTGOING, b"\x01"))
    out["long"] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_IGNORE_OUTGOING, struct.pack("<q", 1)))
    out["get_lens"] = {n: attempt(b.sys_getsockopt, s, SOL_PACKET, PACKET_IGNORE_OUTGOING, n) for n in (0, 2, 4, 8)}
    return out


def scenario_packet_unknown_options(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    out = {}
    for o in (PACKET_RECV_OUTPUT, 4, 99, 25):
        out[o] = [only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, o, struct.pack("<i", 1))),
                  only_err(attempt(b.sys_getsockopt, s, SOL_PACKET, o, 4))]
    return out


def scenario_so_rcvbuf_effect_on_lo(b):
    """A larger SO_RCVBUF lets more frames queue."""
    lo = ifx(b, "lo")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {}
    for v in (2000, 5000, 20000):
        rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="lo")
        setint(b, rx, SOL_SOCKET, SO_RCVBUF, v)
        for _ in range(40):
            send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=1000), lo, ETH_P_EX)
        out[v] = stats(b, rx)
        rx.close()
    return out


@kernel_differs(
    reason="option 24 (PACKET_VNET_HDR_SZ) exists since 6.5: the host validates the value (EINVAL for 1) and "
           "reads it back; 5.15 does not know the option",
    commit="net/packet: support mergeable feature of virtio (Jianfeng Tan, v6.5)",
    expected_515={"set": "ENOPROTOOPT", "get": "ENOPROTOOPT"}, since="6.5")
def scenario_packet_option_24_unknown_in_515(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    return {"set": only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, 24, struct.pack("<i", 1))),
            "get": only_err(attempt(b.sys_getsockopt, s, SOL_PACKET, 24, 4))}
