"""Receive stamps and the machine's stamping switch (net/core/dev.c netstamp_needed_key).

A frame gets a software receive time only while some socket of the machine asked for receive
stamps (SO_TIMESTAMP[NS], SO_TIMESTAMPING with RX_SOFTWARE, SIOCGSTAMP). The real kernel's switch
is global: another program may hold it on, so what a socket sees while nothing asked is not
deterministic on the host — tests/net/core/test_netstamp.py holds netkernel to the 5.15 rules
there. The scenarios here first make stamping certain (a socket of the scenario asks, and frames
are probed until one is stamped: Linux turns the switch on from a work item, a moment later).
"""
import struct
import time

from ._common import *  # noqa: F401,F403
from .rings import V1, V2, rx_sock
from .tx_timestamps import FRAME, SW, set_ts, stamps, warm_stamps

TP_STATUS_USER, TP_STATUS_TS_SOFTWARE = 0x1, 1 << 29
SLACK = 2.0


def _ring_frame(b, v):
    """One frame into an RX ring of version v: its status bits and whether tp_sec is the
    current time."""
    s, m = rx_sock(b, v, proto=ETH_P_EX)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    t0 = time.time()
    send(b, tx, FRAME, ifx(b, "veth0"), ETH_P_EX)
    t1 = time.time()
    if v == V1:
        status = struct.unpack_from("<Q", m, 0)[0]
        sec = struct.unpack_from("<I", m, 20)[0]       # tpacket_hdr.tp_sec
    else:
        status = struct.unpack_from("<I", m, 0)[0]
        sec = struct.unpack_from("<I", m, 16)[0]
    out = {"user": bool(status & TP_STATUS_USER),
           "ts_software": bool(status & TP_STATUS_TS_SOFTWARE),
           "sec_now": t0 - SLACK <= sec <= t1 + SLACK}
    m.close()
    s.close()
    tx.close()
    return out


def scenario_netstamp_ring_software_status_while_asked(b):
    """While a socket asks for receive stamps, a frame in an RX ring (V1, V2) carries the
    software time and TP_STATUS_TS_SOFTWARE (tpacket_get_timestamp with SOFTWARE always
    requested for the receive ring)."""
    setup_veth(b)
    keep = warm_stamps(b)
    out = {f"v{v + 1}": _ring_frame(b, v) for v in (V1, V2)}
    keep.close()
    return out


def scenario_netstamp_report_only_sees_the_other_sockets_stamps(b):
    """SOF_TIMESTAMPING_SOFTWARE alone reports a stamp a frame already has: one made because
    another socket asked (the stamp is the machine's, not the reporting socket's). SO_TIMESTAMP
    on a third socket keeps the switch on after the first asker closed."""
    setup_veth(b)
    keep = warm_stamps(b)
    other = psock(b, SOCK_DGRAM, ETH_P_EX2)
    setint(b, other, SOL_SOCKET, 29, 1)            # SO_TIMESTAMP: one more user
    keep.close()
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    set_ts(b, rx, SW)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    send(b, tx, FRAME, ifx(b, "veth0"), ETH_P_EX)
    data, anc, flags, addr = rx.recvmsg(2048, 1024, MSG_DONTWAIT)
    other.close()
    return {"len": len(data), "stamps": len(stamps(anc))}


def scenario_netstamp_failed_copy_records_no_time(b):
    """A read whose copy into the caller's buffer faults ends before the receive stamps are
    recorded (packet_recvmsg's out_free): a first frame lost that way leaves SIOCGSTAMP at
    ENOENT; after a good read, a later faulting one leaves the recorded time as it was."""
    from .ioctl import SIOCGSTAMP, io
    from .rules_uaccess import guarded
    setup_veth(b)
    tx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    out = {}
    for i in range(3):
        b.sys_sendto(tx, eth(MAC_B, MAC_A, ETH_P_EX, bytes([i]), size=60), 0, None)
    out["fault_first"] = only_err(attempt(rx.recv_into, guarded(bytes(64), 0), 0, MSG_DONTWAIT))
    out["stamp_after_fault"] = io(b, rx, SIOCGSTAMP, bytes(16))[:2]
    out["good"] = rx.recv_into(bytearray(64), 0, MSG_DONTWAIT)
    before = io(b, rx, SIOCGSTAMP, bytes(16))
    time.sleep(0.002)
    out["fault_third"] = only_err(attempt(rx.recv_into, guarded(bytes(64), 0), 0, MSG_DONTWAIT))
    after = io(b, rx, SIOCGSTAMP, bytes(16))
    out["stamp_kept"] = before[0] == "ok" and before == after
    out["left"] = len(drain(b, rx, show_data=False))
    return out
