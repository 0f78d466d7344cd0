"""SO_TIMESTAMP / SO_TIMESTAMPNS (old and new layouts) and SO_RXQ_OVFL on packet sockets (§6 rules
14, 16; §4.3 rule 24: timestamps, then the drop count, then PACKET_AUXDATA)."""
import struct
import time

from ._common import *  # noqa: F401,F403

SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD, SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW = 29, 35, 63, 64
SO_RXQ_OVFL, PACKET_AUXDATA = 40, 8
OPTS = (SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD, SO_TIMESTAMP_NEW, SO_TIMESTAMPNS_NEW)


def _read_flags(b, s):
    return {o: getint(b, s, SOL_SOCKET, o) for o in OPTS + (SO_RXQ_OVFL,)}


def scenario_timestamp_option_values(b):
    """Each option turns receive timestamps on in its format; reading back tells which is active;
    turning any of them off turns timestamps off."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {"initial": _read_flags(b, s)}
    for o in OPTS:
        setint(b, s, SOL_SOCKET, o, 1)
        out[f"on_{o}"] = _read_flags(b, s)
    setint(b, s, SOL_SOCKET, SO_TIMESTAMP_OLD, 0)
    out["off"] = _read_flags(b, s)
    setint(b, s, SOL_SOCKET, SO_TIMESTAMPNS_NEW, 1)
    setint(b, s, SOL_SOCKET, SO_TIMESTAMP_OLD, 1)      # the last one wins
    out["ns_new_then_old"] = _read_flags(b, s)
    setint(b, s, SOL_SOCKET, SO_RXQ_OVFL, 5)
    out["rxq_ovfl"] = getint(b, s, SOL_SOCKET, SO_RXQ_OVFL)
    out["short"] = only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_TIMESTAMPNS_OLD, b"\1"))
    return out


def scenario_timestamp_cmsgs(b):
    """The receive timestamp arrives as a control message of the chosen type and size, holding
    wall-clock time between the send and the read; with AUXDATA too, the timestamp comes first."""
    setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    out = {}
    for o in OPTS:
        rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
        setint(b, rx, SOL_SOCKET, o, 1)
        if o == SO_TIMESTAMPNS_NEW:
            setint(b, rx, SOL_PACKET, PACKET_AUXDATA, 1)
        before = time.time()
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60), ifx(b, "veth0"), ETH_P_EX)
        data, anc, flags, addr = rx.recvmsg(2048, 256, MSG_DONTWAIT)
        after = time.time()
        got = []
        for level, typ, d in anc:
            item = [level, typ, len(d)]
            if level == SOL_SOCKET:
                sec, frac = struct.unpack("qq", d)
                scale = 1e9 if typ in (SO_TIMESTAMPNS_OLD, SO_TIMESTAMPNS_NEW) else 1e6
                item.append(before - 0.001 <= sec + frac / scale <= after + 0.001)
            got.append(item)
        out[o] = {"len": len(data), "cmsgs": got, "flags": flags}
        rx.close()
    return out


def scenario_rxq_ovfl_reports_drops(b):
    """SO_RXQ_OVFL adds the socket's drop count at queueing time, only once it is non-zero."""
    setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    setint(b, rx, SOL_SOCKET, SO_RXQ_OVFL, 1)
    setint(b, rx, SOL_SOCKET, SO_RCVBUF, 0)          # 2304 bytes: three small frames fit
    for i in range(5):
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, payload=bytes([i]), size=60), ifx(b, "veth0"), ETH_P_EX)
    first = []
    while True:
        try:
            data, anc, flags, addr = rx.recvmsg(2048, 64, MSG_DONTWAIT)
        except BlockingIOError:
            break
        first.append([data[14], [(lv, t, enc(d)) for lv, t, d in anc]])
    for i in range(2):
        send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, payload=bytes([10 + i]), size=60), ifx(b, "veth0"), ETH_P_EX)
    later = []
    while True:
        try:
            data, anc, flags, addr = rx.recvmsg(2048, 64, MSG_DONTWAIT)
        except BlockingIOError:
            break
        later.append([data[14], [(lv, t, enc(d)) for lv, t, d in anc]])
    return {"first": first, "later": later, "stats": stats(b, rx)}
