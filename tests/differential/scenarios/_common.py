"""Shared helpers for scenarios: constants, address/frame builders, observation encoders.

A scenario is ``def scenario_xxx(b) -> observations`` where ``b`` is a backend (tests/differential/
backends.py).  Observations are JSON-like: ints, strings, lists, dicts; bytes become hex strings,
errors become errno names, ifindexes become device names where the scenario knows them.
"""
from __future__ import annotations

import errno as _errno
import socket
import struct
import threading

# ---- ABI constants (written out here so the suite never depends on the model's uapi) ----------
AF_PACKET = 17
SOCK_DGRAM, SOCK_RAW, SOCK_PACKET = 2, 3, 10
SOL_SOCKET, SOL_PACKET = 1, 263
ETH_P_ALL, ETH_P_802_3, ETH_P_802_2, ETH_P_IP, ETH_P_IPV6 = 0x0003, 0x0001, 0x0004, 0x0800, 0x86DD
ETH_P_8021Q, ETH_P_8021AD, ETH_P_EX = 0x8100, 0x88A8, 0x88B5
ETH_P_EX2 = 0x88B6
PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST, PACKET_OTHERHOST, PACKET_OUTGOING = 0, 1, 2, 3, 4
PACKET_STATISTICS, PACKET_VERSION, PACKET_IGNORE_OUTGOING = 6, 10, 23
PACKET_RECV_OUTPUT = 3
SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF = 3, 4, 7, 8
SO_RCVTIMEO, SO_SNDTIMEO = 20, 21
SO_PROTOCOL, SO_DOMAIN = 38, 39
MSG_OOB, MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT = 0x1, 0x2, 0x20, 0x40
MSG_EOR, MSG_WAITALL, MSG_CONFIRM, MSG_ERRQUEUE = 0x80, 0x100, 0x800, 0x2000
MSG_NOSIGNAL, MSG_MORE, MSG_CMSG_CLOEXEC = 0x4000, 0x8000, 0x40000000
ARPHRD_ETHER, ARPHRD_LOOPBACK = 1, 772

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_C = "02:00:00:00:00:0c"
MAC_OTHER = "02:00:00:00:00:99"
BCAST = "ff:ff:ff:ff:ff:ff"
MCAST4 = "01:00:5e:00:00:01"
MCAST6 = "33:33:00:00:00:01"
ZERO = "00:00:00:00:00:00"

READ_TIMEOUT = 1.0     # upper bound when a frame is expected (returns at once on the happy path)


def htons(v: int) -> int:
    return socket.htons(v & 0xFFFF)


def mac(m: str) -> bytes:
    return bytes(int(x, 16) for x in m.split(":"))


# ---- observation encoding --------------------------------------------------------------------------
def enc(v):
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    if isinstance(v, dict):
        return {str(k): enc(x) for k, x in v.items()}
    return v


def errname(e: BaseException) -> str:
    if isinstance(e, socket.timeout) and getattr(e, "errno", None) is None:
        return "timeout"
    n = getattr(e, "errno", None)
    if n is None:
        return type(e).__name__
    if n == _errno.EOPNOTSUPP:
        return "EOPNOTSUPP"      # same number as ENOTSUP on Linux; use the kernel's name
    return _errno.errorcode.get(n, str(n))


def attempt(fn, *a, **kw):
    """("ok", value) or ("err", "ERRNO")."""
    try:
        return ["ok", enc(fn(*a, **kw))]
    except OSError as e:
        return ["err", errname(e)]


def only_err(res):
    """Reduce an attempt() to "ok" or the errno name."""
    return "ok" if res[0] == "ok" else res[1]


# ---- sockaddr_ll -----------------------------------------------------------------------------------
def sll(ifindex=0, proto=0, family=AF_PACKET, hatype=0, pkttype=0, halen=0, addr=b"", extra=b""):
    """A sockaddr_ll; ``proto`` is in host order (converted to network order here)."""
    if isinstance(addr, str):
        addr = mac(addr)
    return struct.pack("<HHiHBB8s", family, htons(proto), ifindex, hatype, pkttype, halen,
                       addr.ljust(8, b"\0")[:8]) + extra


def sll_raw_proto(ifindex, proto_net, **kw):
    """A sockaddr_ll whose protocol field is given exactly (network-order value)."""
    s = bytearray(sll(ifindex, **kw))
    s[2:4] = struct.pack("<H", proto_net & 0xFFFF)
    return bytes(s)


def spkt(dev: str, proto=None, family=AF_PACKET, length=None):
    """A sockaddr_pkt (18 bytes) or, with proto None, a 16-byte struct sockaddr."""
    name = dev.encode().ljust(14, b"\0")[:14]
    raw = struct.pack("<H14s", family, name)
    if proto is not None:
        raw += struct.pack("!H", proto)
    if length is not None:
        raw = raw.ljust(length, b"\0")[:length]
    return raw


def dec_sll(raw: bytes, names: dict | None = None):
    """Decode a (possibly short) sockaddr_ll as the kernel reported it."""
    names = names or {}
    d = {"len": len(raw)}
    if len(raw) >= 2:
        d["family"] = struct.unpack_from("<H", raw, 0)[0]
    if len(raw) >= 4:
        d["protocol"] = "%04x" % struct.unpack_from("!H", raw, 2)[0]
    if len(raw) >= 8:
        ix = struct.unpack_from("<i", raw, 4)[0]
        d["ifindex"] = names.get(ix, ix)
    if len(raw) >= 10:
        d["hatype"] = struct.unpack_from("<H", raw, 8)[0]
    if len(raw) >= 11:
        d["pkttype"] = raw[10]
    if len(raw) >= 12:
        d["halen"] = raw[11]
    if len(raw) > 12:
        d["addr"] = raw[12:].hex()
    return d


def names_of(b, *devs):
    return {b.if_nametoindex(d): d for d in devs}


# ---- frames ------------------------------------------------------------------------------------------
def eth(dst=MAC_B, src=MAC_A, etype=ETH_P_EX, payload=b"", size=None):
    f = mac(dst) + mac(src) + struct.pack("!H", etype) + payload
    if size is not None:
        f = (f + bytes(range(256)) * (size // 256 + 1))[:size]
    return f


def vlan_eth(dst=MAC_B, src=MAC_A, tpid=ETH_P_8021Q, tci=5, etype=ETH_P_EX, payload=b"", size=None):
    f = mac(dst) + mac(src) + struct.pack("!HHH", tpid, tci, etype) + payload
    if size is not None:
        f = (f + bytes(range(256)) * (size // 256 + 1))[:size]
    return f


# ---- socket helpers ------------------------------------------------------------------------------------
def psock(b, type=SOCK_RAW, proto=ETH_P_ALL, bind_to=None, bproto=None, names=None):
    """Open a packet socket (proto in host order), optionally bind it to a device by name."""
    s = b.socket(AF_PACKET, type, htons(proto))
    if bind_to is not None:
        ix = 0 if bind_to == 0 else b.if_nametoindex(bind_to)
        b.sys_bind(s, sll(ix, proto if bproto is None else bproto))
    return s


def ifx(b, name):
    return b.if_nametoindex(name)


def timeval(sec, usec):
    return struct.pack("<qq", sec, usec)


def set_rcvtimeo(b, s, seconds):
    sec = int(seconds)
    b.sys_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, timeval(sec, int(round((seconds - sec) * 1e6))))


def getint(b, s, level, name):
    return struct.unpack("<i", b.sys_getsockopt(s, level, name, 4))[0]


def setint(b, s, level, name, v):
    return b.sys_setsockopt(s, level, name, struct.pack("<i", v))


def stats(b, s):
    raw = b.sys_getsockopt(s, SOL_PACKET, PACKET_STATISTICS, 8)
    p, d = struct.unpack("<II", raw)
    return {"packets": p, "drops": d}


def frame_obs(ret, data, addr, names=None, show_data=True):
    o = {"ret": ret, "sll": dec_sll(addr, names)}
    if show_data:
        o["data"] = data.hex()
    else:
        o["datalen"] = len(data)
    return o


def drain(b, s, names=None, size=4096, show_data=True, limit=200):
    """Read every queued frame without blocking. A backend whose kernel may finish receive
    processing late (ksoftirqd on a slow emulated CPU) gives it one short grace period."""
    out = []
    grace = getattr(b, "late_frame_grace", 0.0)
    for _ in range(limit):
        try:
            ret, data, addr = b.sys_recvfrom(s, size, MSG_DONTWAIT)
        except BlockingIOError:
            if grace and b.wait_readable(s, grace):
                grace = 0.0
                continue
            break
        except OSError as e:
            out.append({"err": errname(e)})
            continue
        out.append(frame_obs(ret, data, addr, names, show_data))
    return out


def recv1(b, s, names=None, size=4096, flags=0, show_data=True):
    """One receive call; the result or the errno name."""
    try:
        ret, data, addr = b.sys_recvfrom(s, size, flags)
    except OSError as e:
        return {"err": errname(e)}
    return frame_obs(ret, data, addr, names, show_data)


def send(b, s, frame, ifindex=None, proto=0, flags=0, raw=None, **kw):
    """sendto(); with ifindex given a sockaddr_ll is built (``raw`` gives the address bytes instead)."""
    addr = raw
    if raw is None and ifindex is not None:
        addr = sll(ifindex, proto, **kw)
    return attempt(b.sys_sendto, s, frame, flags, addr)


# ---- link setup ------------------------------------------------------------------------------------------
def setup_veth(b, a="veth0", p="veth1", mac_a=MAC_A, mac_p=MAC_B, up=True):
    """A veth pair with fixed MACs, both ends up and ready to pass frames both ways.

    On the real kernel the end that was brought up first gets its queueing discipline attached
    asynchronously (link watch), so frames are probed through before the scenario starts.  The probe
    sockets are closed before the scenario opens its own sockets and leave no observable state.
    """
    b.link_add(a, "veth", peer=p)
    b.link_set(a, address=mac_a)
    b.link_set(p, address=mac_p)
    if up:
        b.link_set(a, up=True)
        b.link_set(p, up=True)
        wait_path(b, a, p)
        wait_path(b, p, a)
    return names_of(b, "lo", a, p)


def wait_path(b, src, dst, b_dst=None, attempts=200):
    """Send probe frames on ``src`` until one is received on ``dst`` (possibly in namespace b_dst)."""
    b_dst = b_dst or b
    tx = psock(b, SOCK_RAW, 0)
    rx = psock(b_dst, SOCK_RAW, ETH_P_EX2, bind_to=dst)
    set_rcvtimeo(b_dst, rx, 0.01)
    try:
        six = b.if_nametoindex(src)
        for _ in range(attempts):
            b.sys_sendto(tx, eth(BCAST, MAC_C, ETH_P_EX2, b"probe", 60), 0, sll(six, ETH_P_EX2))
            try:
                b_dst.sys_recvfrom(rx, 100, 0)
                return
            except OSError:
                continue
        raise RuntimeError(f"no frames pass from {src} to {dst}")
    finally:
        tx.close()
        rx.close()


def in_thread(fn, *a):
    """Run fn in a thread; returns a joiner that gives fn's attempt() result."""
    box = {}

    def run():
        box["r"] = attempt(fn, *a)

    t = threading.Thread(target=run, daemon=True)
    t.start()

    def join(timeout=5.0):
        t.join(timeout)
        return box.get("r", ["hung"])
    return join


def kernel_differs(reason: str, commit: str, expected_515, since: str, backported=None):
    """Mark a scenario whose rule changed after Linux 5.15, in mainline version ``since``.

    netkernel (a 5.15 model) is always compared with ``expected_515``. The real kernel is held to
    what the mark declares: a kernel older than ``since`` must give ``expected_515`` (the 6.1
    oracle checks the expectation), a newer one must give something else (so a stale mark
    fails). ``backported`` maps a kernel line ("6.1") to the stable release that carries the
    change there: that line behaves like the newer kernels.
    """
    def deco(fn):
        fn.kernel_differs = {"reason": reason, "commit": commit,
                             "since": tuple(int(x) for x in since.split(".")),
                             "backported": dict(backported or {})}
        fn.expected_515 = expected_515
        return fn
    return deco


def follows_515(fn, version: tuple) -> bool:
    """Whether a real kernel of mainline ``version`` (major, minor) must still give the 5.15
    result for a scenario marked with kernel_differs."""
    d = fn.kernel_differs
    if version >= d["since"]:
        return False
    return f"{version[0]}.{version[1]}" not in d["backported"]


def host_may_lack(what: str, expected_515):
    """Mark a scenario whose device kind the host kernel may lack (e.g. no dummy module). Where the
    Linux run skips for that reason, netkernel is compared with ``expected_515``: values worked out
    from the 5.15 source's rules, written in the scenario."""
    def deco(fn):
        fn.host_may_lack = what
        fn.expected_515 = expected_515
        return fn
    return deco
