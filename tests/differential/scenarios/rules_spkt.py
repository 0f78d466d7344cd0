"""SOCK_PACKET (§2 rules 14–16, §3 rules 30–33, §4.3 rule 23): the receive-buffer admission
rule, device names at the sockaddr_pkt length limit, and the address CPython makes of what
recvfrom reports.

v5.15 net/packet/af_packet.c: packet_rcv_spkt queues through sock_queue_rcv_skb, whose
__sock_queue_rcv_skb drops (sk_drops++) when sk_rmem_alloc >= sk_rcvbuf *before* charging the
new skb — so one frame may overshoot, as on packet_rcv. Names: packet_bind_spkt copies the 14
sa_data bytes and ends them itself (a 14-character name binds); packet_sendmsg_spkt forces
spkt_device[13] to NUL (13 characters at most); packet_getname_spkt and packet_rcv_spkt copy the
name with strlcpy into 14 bytes (13 characters + NUL). CPython's makesockaddr switches on the
address's sa_family, which for SOCK_PACKET is spkt_family = dev->type (ARPHRD_ETHER 1 = AF_UNIX,
ARPHRD_LOOPBACK 772 = unknown), not AF_PACKET.
"""
import socket
import struct

from ._common import *  # noqa: F401,F403

SO_RXQ_OVFL = 40
NAME13, NAME14, NAME15 = "abcdefghijklm", "abcdefghijklmn", "abcdefghijklmno"


def _spkt_sock(b, proto=ETH_P_ALL, dev=None):
    s = b.socket(AF_PACKET, SOCK_PACKET, htons(proto))
    if dev is not None:
        b.sys_bind(s, spkt(dev))
    return s


def _count(b, s, limit=100):
    n = 0
    for _ in range(limit):
        try:
            b.sys_recvfrom(s, 4096, MSG_DONTWAIT)
        except BlockingIOError:
            break
        n += 1
    return n


def _overflow(b, type, size, rcvbuf, frames=8):
    setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    if type == SOCK_PACKET:
        rx = _spkt_sock(b, ETH_P_EX, "veth1")
    else:
        rx = psock(b, type, ETH_P_EX, bind_to="veth1")
    setint(b, rx, SOL_SOCKET, SO_RCVBUF, rcvbuf)
    setint(b, rx, SOL_SOCKET, SO_RXQ_OVFL, 1)
    for i in range(frames):
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, bytes([i]), size=size), ifx(b, "veth0"), ETH_P_EX)
    got = []
    while True:
        try:
            data, anc, fl, _ = rx.recvmsg(4096, 64, MSG_DONTWAIT)
        except BlockingIOError:
            break
        got.append([data[14], [struct.unpack("<I", d)[0] for lv, t, d in anc if t == SO_RXQ_OVFL]])
    return got


def scenario_spkt_rcvbuf_admission_small_frames(b):
    """SO_RCVBUF 0 (the 2304-byte minimum), 60-byte frames: as many queued as on SOCK_RAW."""
    return {"spkt": _overflow(b, SOCK_PACKET, 60, 0)}


def scenario_spkt_rcvbuf_admission_raw_same_rule(b):
    return {"raw": _overflow(b, SOCK_RAW, 60, 0)}


def scenario_spkt_rcvbuf_admission_large_frames(b):
    """1514-byte frames into 2304 bytes: the first frame always gets in (the test is before
    charging), the second is dropped."""
    return {"spkt": _overflow(b, SOCK_PACKET, 1514, 0, frames=4)}


def scenario_spkt_rcvbuf_admission_medium(b):
    """rcvbuf 4096 (read back 8192) and 1000-byte frames."""
    return {"spkt": _overflow(b, SOCK_PACKET, 1000, 4096, frames=10)}


def _named_veth(b, name, peer="pp0"):
    b.link_add(name, "veth", peer=peer)
    b.link_set(name, address=MAC_A)
    b.link_set(peer, address=MAC_B)
    b.link_set(name, up=True)
    b.link_set(peer, up=True)
    wait_path(b, peer, name)
    return names_of(b, name, peer)


def scenario_spkt_name14_bind_getsockname_recv(b):
    """A 14-character device: bind with all 14 sa_data bytes (no NUL) works; getsockname and
    the received address carry 13 characters + NUL."""
    names = _named_veth(b, NAME14)
    s = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_EX))
    out = {"bind": only_err(attempt(b.sys_bind, s, spkt(NAME14)))}
    out["getsockname"] = b.sys_getsockname(s).hex()
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send(b, tx, eth(MAC_A, MAC_B, ETH_P_EX, size=60), ifx(b, "pp0"), ETH_P_EX)
    r = attempt(b.sys_recvfrom, s, 100, MSG_DONTWAIT)
    out["recv_addr"] = r[1][2] if r[0] == "ok" else r[1]
    return out


def scenario_spkt_name15_bind(b):
    """A 15-character device (IFNAMSIZ - 1) cannot be named in 14 bytes: ENODEV; its 14-byte
    prefix names nothing."""
    _named_veth(b, NAME15)
    s = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_EX))
    return {"bind14": only_err(attempt(b.sys_bind, s, spkt(NAME15[:14]))),
            "getsockname": b.sys_getsockname(s).hex()}


def scenario_spkt_sendto_name_limit(b):
    """packet_sendmsg_spkt ends the name at byte 13: a 14-character name sends on the device
    named by its first 13 characters, or fails with ENODEV when there is none."""
    b.link_add(NAME13, "veth", peer="q13")
    b.link_add(NAME14, "veth", peer="q14")
    for n in (NAME13, NAME14, "q13", "q14"):
        b.link_set(n, up=True)
    names = names_of(b, NAME13, NAME14)
    tap13 = psock(b, SOCK_RAW, ETH_P_ALL, bind_to=NAME13)
    tap14 = psock(b, SOCK_RAW, ETH_P_ALL, bind_to=NAME14)
    s = b.socket(AF_PACKET, SOCK_PACKET, 0)
    f = eth(MAC_B, MAC_A, ETH_P_EX, size=60)
    out = {"to14": only_err(attempt(b.sys_sendto, s, f, 0, spkt(NAME14))),
           "to13": only_err(attempt(b.sys_sendto, s, f, 0, spkt(NAME13))),
           "to14_18": only_err(attempt(b.sys_sendto, s, f, 0, spkt(NAME14, proto=ETH_P_IP)))}
    out["tap13"] = len(drain(b, tap13, names, show_data=False))
    out["tap14"] = len(drain(b, tap14, names, show_data=False))
    b.link_del(NAME13)
    out["to14_without13"] = only_err(attempt(b.sys_sendto, s, f, 0, spkt(NAME14)))
    return out


def scenario_spkt_python_recvfrom_veth(b):
    """CPython decodes spkt_family 1 (ARPHRD_ETHER) as AF_UNIX: the address is the device
    name as a str; recvmsg the same."""
    setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    s = _spkt_sock(b, ETH_P_EX, "veth1")
    for _ in range(2):
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
    s.settimeout(READ_TIMEOUT)
    data, addr = s.recvfrom(2048)
    data2, anc, fl, addr2 = s.recvmsg(2048)
    return {"recvfrom": [len(data), enc(addr)], "recvmsg": [len(data2), enc(addr2)]}


def scenario_spkt_python_recvfrom_lo(b):
    """spkt_family 772 (ARPHRD_LOOPBACK) is no family CPython knows: (772, sa_data bytes)."""
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    s = _spkt_sock(b, ETH_P_EX, "lo")
    send(b, tx, eth(ZERO, MAC_A, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    s.settimeout(READ_TIMEOUT)
    data, addr = s.recvfrom(2048)
    return [len(data), enc(list(addr) if isinstance(addr, tuple) else addr)]


def scenario_spkt_python_recvfrom_name14(b):
    _named_veth(b, NAME14)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    s = _spkt_sock(b, ETH_P_EX, NAME14)
    send(b, tx, eth(MAC_A, MAC_B, ETH_P_EX, size=60), ifx(b, "pp0"), ETH_P_EX)
    s.settimeout(READ_TIMEOUT)
    data, addr = s.recvfrom(2048)
    return [len(data), enc(addr)]


def scenario_spkt_python_address_calls(b):
    """The Python-level calls that take or give an AF_PACKET tuple on a SOCK_PACKET socket:
    getsockname reads a struct sockaddr (16 bytes) as a sockaddr_ll; bind and sendto build a
    20-byte sockaddr_ll, which the SOCK_PACKET operations refuse or misread."""
    setup_veth(b)
    s = _spkt_sock(b, ETH_P_EX)
    out = {"name_unbound": enc(list(s.getsockname()))}
    out["bind_tuple"] = only_err(attempt(s.bind, ("veth1", ETH_P_EX)))
    b.sys_bind(s, spkt("veth1"))
    out["name_bound"] = enc(list(s.getsockname()))
    out["sendto_tuple"] = only_err(attempt(s.sendto, eth(size=60), ("veth0", ETH_P_EX)))
    return out


def scenario_spkt_ioctls_and_peek(b):
    """SIOCINQ on SOCK_PACKET is the first frame's length; MSG_PEEK keeps it; MSG_TRUNC returns
    the whole length."""
    import fcntl
    setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    s = _spkt_sock(b, ETH_P_EX, "veth1")
    for size in (60, 100):
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=size), ifx(b, "veth0"), ETH_P_EX)
    out = {"peek": attempt(b.sys_recvfrom, s, 10, MSG_PEEK | MSG_DONTWAIT)[1][0],
           "trunc": attempt(b.sys_recvfrom, s, 10, MSG_TRUNC | MSG_DONTWAIT)[1][0],
           "inq": struct.unpack("<i", b.ioctl(s, 0x541B, bytes(4))[1])[0]}
    return out
