"""SOL_SOCKET options and capabilities (§6): each set runs in a process that dropped the named
capabilities after the socket was created (a forked child on the real kernel); the parent reads
the result back."""
import struct

from ._common import *  # noqa: F401,F403
from .sol_socket import (SO_BINDTODEVICE, SO_BINDTOIFINDEX, SO_BUSY_POLL, SO_BUSY_POLL_BUDGET,
                         SO_DEBUG, SO_MARK, SO_PREFER_BUSY_POLL, SO_PRIORITY, SO_RCVBUFFORCE,
                         SO_SNDBUFFORCE, SO_TXTIME, i32, sget, sget_int)

CAP_NET_ADMIN, CAP_NET_RAW = 12, 13
ADMIN = (CAP_NET_ADMIN,)
BOTH = (CAP_NET_ADMIN, CAP_NET_RAW)


def uset(b, s, opt, val, drop):
    """setsockopt(SOL_SOCKET) from a process without `drop`: "ok" or the errno name."""
    if isinstance(val, int):
        val = i32(val)
    return only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, opt, val, None, drop))


def scenario_sol_caps_debug(b):
    """SO_DEBUG on needs CAP_NET_ADMIN and answers EACCES (not EPERM); off is free."""
    s = psock(b)
    return {"on": uset(b, s, SO_DEBUG, 1, ADMIN), "get": sget_int(b, s, SO_DEBUG),
            "off": uset(b, s, SO_DEBUG, 0, ADMIN), "root_on": uset(b, s, SO_DEBUG, 1, ()),
            "off_after": uset(b, s, SO_DEBUG, 0, ADMIN), "get_after": sget_int(b, s, SO_DEBUG)}


def scenario_sol_caps_priority_unprivileged(b):
    """0..6 always; anything else needs CAP_NET_ADMIN (or, later, CAP_NET_RAW): without both, EPERM."""
    s = psock(b)
    return {v: [uset(b, s, SO_PRIORITY, v, BOTH), sget_int(b, s, SO_PRIORITY)] for v in (6, 0, 7, -1, 100)}


@kernel_differs(
    reason="SO_PRIORITY above 6 with CAP_NET_RAW but not CAP_NET_ADMIN: EPERM in 5.15, allowed since 5.17",
    commit="net: allow CAP_NET_RAW to setsockopt SO_PRIORITY (Maciej Żenczykowski, v5.17)",
    expected_515={"7": ["EPERM", 0], "6": ["ok", 6]}, since="5.17")
def scenario_sol_caps_priority_net_raw(b):
    s = psock(b)
    return {v: [uset(b, s, SO_PRIORITY, v, ADMIN), sget_int(b, s, SO_PRIORITY)] for v in (7, 6)}


def scenario_sol_caps_mark_unprivileged(b):
    s = psock(b)
    return {v: [uset(b, s, SO_MARK, v, BOTH), sget_int(b, s, SO_MARK)] for v in (0, 5)}


@kernel_differs(
    reason="SO_MARK with CAP_NET_RAW but not CAP_NET_ADMIN: EPERM in 5.15, allowed since 5.17",
    commit="net: allow SO_MARK with CAP_NET_RAW (Maciej Żenczykowski, v5.17)",
    expected_515={"5": ["EPERM", 0], "0": ["EPERM", 0]}, since="5.17")
def scenario_sol_caps_mark_net_raw(b):
    s = psock(b)
    return {v: [uset(b, s, SO_MARK, v, ADMIN), sget_int(b, s, SO_MARK)] for v in (5, 0)}


def scenario_sol_caps_buffer_force(b):
    """SO_RCVBUFFORCE/SO_SNDBUFFORCE need CAP_NET_ADMIN; the plain options stay free."""
    s = psock(b)
    before = [sget_int(b, s, SO_RCVBUF), sget_int(b, s, SO_SNDBUF)]
    out = {o: uset(b, s, o, 100000, ADMIN) for o in (SO_RCVBUFFORCE, SO_SNDBUFFORCE, SO_RCVBUF, SO_SNDBUF)}
    out["unchanged_then_set"] = [before != [sget_int(b, s, SO_RCVBUF), sget_int(b, s, SO_SNDBUF)],
                                 sget_int(b, s, SO_RCVBUF) == 200000 or sget_int(b, s, SO_RCVBUF)]
    return out


@kernel_differs(
    reason="raising SO_BUSY_POLL without CAP_NET_ADMIN: EPERM in 5.15 (and 6.1's source); the host "
           "kernel lets any caller raise it",
    commit="sock_setsockopt SO_BUSY_POLL without the CAP_NET_ADMIN check for raising (after v6.1; commit "
           "subject not located)",
    expected_515={"poll": ["ok", "EPERM", "EPERM"], "after_root": ["EPERM", "ok", "ok", "EPERM"],
                  "value": 20}, since="6.2")
def scenario_sol_caps_busy_poll(b):
    """Lowering is free, raising needs CAP_NET_ADMIN; 5.15 compares the int with the unsigned
    sk_ll_usec, so a negative value counts as raising (EPERM, not EINVAL)."""
    s = psock(b)
    out = {"poll": [uset(b, s, SO_BUSY_POLL, v, ADMIN) for v in (0, 10, -1)]}
    uset(b, s, SO_BUSY_POLL, 50, ())
    out["after_root"] = [uset(b, s, SO_BUSY_POLL, v, ADMIN) for v in (60, 50, 20, -5)]
    out["value"] = sget_int(b, s, SO_BUSY_POLL)
    return out


def scenario_sol_caps_busy_poll_prefer_and_budget(b):
    """SO_PREFER_BUSY_POLL on and a larger SO_BUSY_POLL_BUDGET need CAP_NET_ADMIN (EPERM before
    the EINVAL of a bad value)."""
    s = psock(b)
    out = {"prefer": [uset(b, s, SO_PREFER_BUSY_POLL, v, ADMIN) for v in (1, 0, -1)]}
    out["prefer_value"] = sget_int(b, s, SO_PREFER_BUSY_POLL)
    out["budget"] = [uset(b, s, SO_BUSY_POLL_BUDGET, v, ADMIN) for v in (0, 1, -1, 70000)]
    uset(b, s, SO_BUSY_POLL_BUDGET, 64, ())
    out["budget_after_root"] = [uset(b, s, SO_BUSY_POLL_BUDGET, v, ADMIN) for v in (65, 64, 8, 70000, -1)]
    return out


def scenario_sol_caps_txtime(b):
    """Only CLOCK_MONOTONIC is free; other clocks need CAP_NET_ADMIN in the namespace."""
    s = psock(b)
    return [[c, uset(b, s, SO_TXTIME, struct.pack("<iI", c, 1), ADMIN), sget(b, s, SO_TXTIME, 8)]
            for c in (1, 0, 11, 1)]


def scenario_sol_caps_bindtodevice(b):
    """Without CAP_NET_RAW: the first binding is free, changing or removing it is EPERM."""
    s = psock(b)
    out = {"first": uset(b, s, SO_BINDTODEVICE, b"lo\0", (CAP_NET_RAW,)),
           "again_same": uset(b, s, SO_BINDTODEVICE, b"lo\0", (CAP_NET_RAW,)),
           "unbind": uset(b, s, SO_BINDTODEVICE, b"", (CAP_NET_RAW,)),
           "by_index": uset(b, s, SO_BINDTOIFINDEX, 0, (CAP_NET_RAW,)),
           "unknown_name": uset(b, s, SO_BINDTODEVICE, b"nosuchdev\0", (CAP_NET_RAW,)),
           "bound": sget(b, s, SO_BINDTODEVICE, 16)}
    out["root_unbind"] = uset(b, s, SO_BINDTODEVICE, b"", ())
    out["index_first"] = uset(b, s, SO_BINDTOIFINDEX, 4242, (CAP_NET_RAW,))
    out["index_again"] = uset(b, s, SO_BINDTOIFINDEX, -1, (CAP_NET_RAW,))
    out["index_value"] = sget_int(b, s, SO_BINDTOIFINDEX)
    return out
