"""Packet-socket ioctls at their edges (§7 rules 2, 3, 6): SIOCINQ after a filter's trim, a
peek and on SOCK_DGRAM; SIOCGSTAMP[NS] after a peek, with SO_TIMESTAMP on, on SOCK_PACKET, and
with a NULL argument.

v5.15 net/packet/af_packet.c packet_ioctl: SIOCINQ is the first queued skb's length (after the
trim to the snaplen); net/core/sock.c sock_gettstamp: sk_stamp as the last read left it
(packet_recvmsg → sock_recv_ts_and_drops, on a peek too), ENOENT while it is still the default.
"""
import struct
import time

from ._common import *  # noqa: F401,F403
from .bpf import I, RET_K, attach
from .ioctl import SIOCGSTAMP, SIOCGSTAMPNS, SIOCGSTAMPNS_NEW, SIOCINQ, SIOCOUTQ, io

SO_TIMESTAMP_OLD = 29


def _inq(b, s):
    r = io(b, s, SIOCINQ, bytes(4))
    return r if r[0] != "ok" else struct.unpack("<i", bytes.fromhex(r[2]))[0]


def _stamp_ok(b, s, req, t0, t1):
    r = io(b, s, req, bytes(16))
    if r[0] != "ok":
        return r[1]
    sec, frac = struct.unpack("<qq", bytes.fromhex(r[2]))
    scale = 1e9 if req in (SIOCGSTAMPNS, SIOCGSTAMPNS_NEW) else 1e6
    return t0 - 0.01 <= sec + frac / scale <= t1 + 0.01


def scenario_ioctl_inq_after_filter_and_peek(b):
    """SIOCINQ: the filtered (trimmed) length, unchanged by a peek; DGRAM counts from the
    network header; 0 once the queue is empty; SIOCOUTQ 0 on an idle socket."""
    setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    raw = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    dgram = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="veth1")
    attach(b, raw, [I(RET_K, 33)])
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=100), ifx(b, "veth0"), ETH_P_EX)
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=20), ifx(b, "veth0"), ETH_P_EX)
    out = {"raw": _inq(b, raw), "dgram": _inq(b, dgram)}
    b.sys_recvfrom(raw, 5, MSG_PEEK | MSG_DONTWAIT)
    out["raw_after_peek"] = _inq(b, raw)
    b.sys_recvfrom(raw, 5, MSG_DONTWAIT)
    b.sys_recvfrom(dgram, 5, MSG_DONTWAIT)
    out["second"] = [_inq(b, raw), _inq(b, dgram)]
    drain(b, raw)
    drain(b, dgram)
    out["empty"] = [_inq(b, raw), _inq(b, dgram)]
    out["outq"] = io(b, raw, SIOCOUTQ, bytes(4))
    return out


def scenario_ioctl_stamp_after_peek_and_with_so_timestamp(b):
    """A peek records the frame's time (SIOCGSTAMP no longer ENOENT); with SO_TIMESTAMP on the
    value is the same frame time; a NULL argument is EFAULT; SOCK_PACKET keeps stamps too."""
    setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    spk = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_EX))
    b.sys_bind(spk, spkt("veth1"))
    out = {"spkt_before": io(b, spk, SIOCGSTAMP, bytes(16))[1],
           "null": only_err(attempt(b.ioctl, rx, SIOCGSTAMP, None))}
    t0 = time.time()
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
    b.sys_recvfrom(rx, 100, MSG_PEEK | MSG_DONTWAIT)
    b.sys_recvfrom(spk, 100, MSG_DONTWAIT)
    t1 = time.time()
    out["after_peek"] = _stamp_ok(b, rx, SIOCGSTAMPNS, t0, t1)
    out["spkt"] = _stamp_ok(b, spk, SIOCGSTAMP, t0, t1)
    setint(b, rx, SOL_SOCKET, SO_TIMESTAMP_OLD, 1)
    b.sys_recvfrom(rx, 100, MSG_DONTWAIT)
    out["with_so_timestamp"] = _stamp_ok(b, rx, SIOCGSTAMP, t0, t1)
    out["null_after"] = only_err(attempt(b.ioctl, rx, SIOCGSTAMPNS, None))
    return out
