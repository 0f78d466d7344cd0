"""sendmsg/recvmsg headers (§3 rule 2): iovec counts around UIO_MAXIOV and msg_name lengths.

v5.15 net/socket.c __copy_msghdr_from_user: a NULL msg_name means msg_namelen 0; a negative
msg_namelen is EINVAL; one above sizeof(sockaddr_storage) is cut to 128; a name of length 0 is
treated as no name at all (msg_name = NULL: packet_snd then uses the bound device,
packet_sendmsg_spkt says ENOTCONN); more than UIO_MAXIOV (1024) iovecs is EMSGSIZE — before the
socket looks at anything. ____sys_recvmsg always reads the frame with a kernel sockaddr_storage
and then move_addr_to_user copies min(msg_namelen, klen) bytes and writes klen back; a NULL
msg_name is left alone.
"""
import socket

from ._common import *  # noqa: F401,F403

UIO_MAXIOV = 1024


def _frame_iov(n, dst=MAC_B):
    """A frame in n iovecs: the Ethernet header, then n-1 one-byte pieces."""
    return [eth(dst, MAC_A, ETH_P_EX)] + [bytes([i & 0xFF]) for i in range(n - 1)]


def _bound_pair(b, type=SOCK_RAW):
    names = setup_veth(b)
    tx = psock(b, type, ETH_P_EX, bind_to="veth0")
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    return names, tx, rx


def _lens(b, rx, names):
    return [f["ret"] for f in drain(b, rx, names, show_data=False)]


def scenario_msghdr_sendmsg_iovlen_limit(b):
    """1023 and 1024 iovecs send; 1025 and 4096 are EMSGSIZE."""
    names, tx, rx = _bound_pair(b)
    out = {n: only_err(attempt(b.sys_sendmsg_iov, tx, _frame_iov(n), 0, None))
           for n in (1, 1023, UIO_MAXIOV, UIO_MAXIOV + 1, 4096)}
    out["rx"] = _lens(b, rx, names)
    return out


def scenario_msghdr_sendmsg_iovlen_checked_first(b):
    """The iovec count is checked after the name (a negative msg_namelen → EINVAL) and before
    anything the socket looks at (unbound socket, short address, down device)."""
    names, tx, rx = _bound_pair(b)
    unbound = b.socket(AF_PACKET, SOCK_RAW, 0)
    big = _frame_iov(UIO_MAXIOV + 1)
    out = {"unbound": only_err(attempt(b.sys_sendmsg_iov, unbound, big, 0, None)),
           "short_name": only_err(attempt(b.sys_sendmsg_iov, tx, big, 0, sll(0)[:8])),
           "neg_namelen": only_err(attempt(b.sys_sendmsg_iov, tx, big, 0, sll(0), -1))}
    b.link_set("veth0", up=False)
    out["down"] = only_err(attempt(b.sys_sendmsg_iov, tx, big, 0, None))
    out["down_ok_count"] = only_err(attempt(b.sys_sendmsg_iov, tx, _frame_iov(4), 0, None))
    return out


def scenario_msghdr_sendmsg_empty_iovecs(b):
    """Zero-length iovecs count toward the limit but add no bytes."""
    names, tx, rx = _bound_pair(b)
    f = eth(MAC_B, MAC_A, ETH_P_EX, size=60)
    out = {"1024": attempt(b.sys_sendmsg_iov, tx, [f] + [b""] * 1023, 0, None),
           "1025": only_err(attempt(b.sys_sendmsg_iov, tx, [f] + [b""] * 1024, 0, None)),
           "none": only_err(attempt(b.sys_sendmsg_iov, tx, [], 0, None))}
    out["rx"] = _lens(b, rx, names)
    return out


def scenario_msghdr_sendmsg_zero_namelen_uses_bound_device(b):
    """A non-NULL msg_name with msg_namelen 0 is no address: a bound SOCK_RAW socket sends on
    its device; an unbound one gets ENXIO; whatever the name bytes hold."""
    names, tx, rx = _bound_pair(b)
    unbound = b.socket(AF_PACKET, SOCK_RAW, 0)
    f = [eth(MAC_B, MAC_A, ETH_P_EX, size=60)]
    junk = b"\xff" * 20
    out = {"bound": attempt(b.sys_sendmsg_iov, tx, f, 0, junk, 0),
           "bound_null": attempt(b.sys_sendmsg_iov, tx, f, 0, None, 0),
           "bound_null_namelen20": attempt(b.sys_sendmsg_iov, tx, f, 0, None, 20),
           "unbound": only_err(attempt(b.sys_sendmsg_iov, unbound, f, 0, junk, 0)),
           "unbound_len1": only_err(attempt(b.sys_sendmsg_iov, unbound, f, 0, junk, 1))}
    out["rx"] = _lens(b, rx, names)
    return out


def scenario_msghdr_sendmsg_zero_namelen_dgram(b):
    """SOCK_DGRAM bound to a veth with no address: the header cannot be built (EINVAL); on lo
    it can (a zeroed destination)."""
    setup_veth(b)
    d = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="veth0")
    lo = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="lo")
    return {"veth": only_err(attempt(b.sys_sendmsg_iov, d, [b"x" * 46], 0, b"\0" * 20, 0)),
            "lo": attempt(b.sys_sendmsg_iov, lo, [b"x" * 46], 0, b"\0" * 20, 0)}


def scenario_msghdr_sendmsg_namelen_values(b):
    """msg_namelen -1 / 0x80000000 (negative as an int) → EINVAL; 1..19 → packet_snd's EINVAL;
    20 and any longer (cut to 128) send."""
    names, tx, rx = _bound_pair(b)
    name = sll(ifx(b, "veth0"), ETH_P_EX).ljust(128, b"\0")
    f = [eth(MAC_B, MAC_A, ETH_P_EX, size=60)]
    out = {}
    for n in (-1, -0x80000000, 1, 12, 19, 20, 21, 128, 129, 4096, 0x7FFFFFFF):
        out[str(n)] = only_err(attempt(b.sys_sendmsg_iov, tx, f, 0, name, n))
    out["rx"] = len(_lens(b, rx, names))
    return out


def scenario_msghdr_sendmsg_spkt_zero_namelen(b):
    """SOCK_PACKET needs an address: msg_namelen 0 → ENOTCONN, 15 → EINVAL, 16 sends."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_PACKET, 0)
    f = [eth(MAC_B, MAC_A, ETH_P_EX, size=60)]
    name = spkt("veth0", proto=ETH_P_EX)
    return {n: only_err(attempt(b.sys_sendmsg_iov, s, f, 0, name, n)) for n in (0, 15, 16, 18)}


def scenario_msghdr_recvmsg_iovlen_limit(b):
    """recvmsg with 1025 iovecs is EMSGSIZE and leaves the frame queued; 1024 reads it."""
    names, tx, rx = _bound_pair(b)
    b.sys_sendto(tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), 0, None)
    out = {"1025": only_err(attempt(b.sys_recvmsg_iov, rx, [1] * 1025, MSG_DONTWAIT, 128)),
           "4096": only_err(attempt(b.sys_recvmsg_iov, rx, [1] * 4096, MSG_DONTWAIT, 128))}
    r = attempt(b.sys_recvmsg_iov, rx, [1] * 1024, MSG_DONTWAIT, 128)
    out["1024"] = r if r[0] == "err" else [r[1][0], r[1][1], r[1][3], r[1][4]]
    return out


def scenario_msghdr_recvmsg_namelen_values(b):
    """The name buffer after recvmsg for msg_namelen NULL, 0, 4, 19, 20, 128: min(namelen, 20)
    bytes copied, msg_namelen set to 20 (left alone for NULL); -1 → EINVAL, frame kept."""
    names, tx, rx = _bound_pair(b)
    out = {}
    for n in (None, -1, 0, 4, 19, 20, 128):
        b.sys_sendto(tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), 0, None)
        r = attempt(b.sys_recvmsg_iov, rx, [100], MSG_DONTWAIT, n)
        out[str(n)] = r if r[0] == "err" else [r[1][0], r[1][2], r[1][3], r[1][4]]
    out["left"] = len(_lens(b, rx, names))
    return out


def scenario_msghdr_recvmsg_split_buffers(b):
    """A frame spread over several iovecs (sizes 1, 0, 13, 100): filled in order; too small in
    total → MSG_TRUNC."""
    names, tx, rx = _bound_pair(b)
    for _ in range(2):
        b.sys_sendto(tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), 0, None)
    a = b.sys_recvmsg_iov(rx, [1, 0, 13, 100], MSG_DONTWAIT, 20)
    c = b.sys_recvmsg_iov(rx, [1, 0, 13, 10], MSG_DONTWAIT, 20)
    return [[a[0], a[1].hex(), a[4]], [c[0], c[1].hex(), c[4]]]


def scenario_msghdr_python_many_buffers(b):
    """CPython's sendmsg refuses more than IOV_MAX buffers itself; recvmsg_into passes them to
    the kernel (EMSGSIZE)."""
    names, tx, rx = _bound_pair(b)
    hdr = eth(MAC_B, MAC_A, ETH_P_EX)
    out = {}
    for n in (1024, 1025):
        try:
            out[f"send{n}"] = tx.sendmsg([hdr] + [b"p"] * (n - 1))
        except OSError as e:
            out[f"send{n}"] = [errname(e), str(e) if e.errno is None else None]
    bufs = [bytearray(1) for _ in range(1025)]
    try:
        out["recv_into1025"] = rx.recvmsg_into(bufs, 0, MSG_DONTWAIT)[0]
    except OSError as e:
        out["recv_into1025"] = errname(e)
    out["recv_into1024"] = rx.recvmsg_into(bufs[:1024], 0, MSG_DONTWAIT)[0]
    return out
