"""recvfrom flags, blocking, timeouts (spec §4.3). No timed assertions: only outcomes are observed."""
import socket

from ._common import *  # noqa: F401,F403


def _lo_pair(b, proto=ETH_P_EX, type=SOCK_RAW):
    rx = psock(b, type, proto, bind_to="lo")
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)

    def inject(payload, size=60):
        return send(b, tx, eth(ZERO, ZERO, ETH_P_EX, payload, size), ifx(b, "lo"), ETH_P_EX)
    return rx, inject


def scenario_recv_peek(b):
    names = names_of(b, "lo")
    rx, inject = _lo_pair(b)
    inject(b"first")
    inject(b"second")
    return [recv1(b, rx, names, flags=MSG_PEEK | MSG_DONTWAIT),
            recv1(b, rx, names, flags=MSG_PEEK | MSG_DONTWAIT),
            recv1(b, rx, names, flags=MSG_DONTWAIT),
            recv1(b, rx, names, flags=MSG_DONTWAIT),
            recv1(b, rx, names, flags=MSG_DONTWAIT)]


def scenario_recv_trunc(b):
    names = names_of(b, "lo")
    rx, inject = _lo_pair(b)
    for i in range(4):
        inject(bytes([i]) * 10, 100)
    return [recv1(b, rx, names, size=10, flags=MSG_DONTWAIT),
            recv1(b, rx, names, size=10, flags=MSG_DONTWAIT | MSG_TRUNC),
            recv1(b, rx, names, size=10, flags=MSG_DONTWAIT | MSG_TRUNC | MSG_PEEK),
            recv1(b, rx, names, size=200, flags=MSG_DONTWAIT | MSG_TRUNC),
            recv1(b, rx, names, size=0, flags=MSG_DONTWAIT),
            recv1(b, rx, names, size=0, flags=MSG_DONTWAIT | MSG_TRUNC)]


def scenario_recv_dontwait_empty(b):
    rx, _ = _lo_pair(b)
    return [only_err(attempt(b.sys_recvfrom, rx, 100, MSG_DONTWAIT)),
            only_err(attempt(b.sys_recvfrom, rx, 100, MSG_DONTWAIT | MSG_PEEK))]


def scenario_recv_bad_flags(b):
    """Unsupported flags are refused before the queue is looked at; the frame stays queued."""
    names = names_of(b, "lo")
    rx, inject = _lo_pair(b)
    inject(b"stays")
    out = {}
    for fl in (MSG_WAITALL, MSG_OOB, MSG_NOSIGNAL, MSG_CMSG_CLOEXEC, MSG_EOR, MSG_CONFIRM, MSG_MORE, 0x10, 0x8):
        out[hex(fl)] = only_err(attempt(b.sys_recvfrom, rx, 100, fl | MSG_DONTWAIT))
    out["still_there"] = recv1(b, rx, names, flags=MSG_DONTWAIT, show_data=False)
    return out


def scenario_recv_errqueue_empty(b):
    rx, inject = _lo_pair(b)
    inject(b"normal")
    return [only_err(attempt(b.sys_recvfrom, rx, 100, MSG_ERRQUEUE)),
            only_err(attempt(b.sys_recvfrom, rx, 100, MSG_ERRQUEUE | MSG_DONTWAIT)),
            only_err(attempt(b.sys_recvfrom, rx, 100, MSG_DONTWAIT))]


def scenario_recv_rcvtimeo_expires(b):
    rx, _ = _lo_pair(b)
    set_rcvtimeo(b, rx, 0.05)
    return only_err(attempt(b.sys_recvfrom, rx, 100, 0))


def scenario_recv_rcvtimeo_negative_is_immediate(b):
    """A negative tv_sec makes the timeout zero: a blocking read fails at once."""
    rx, _ = _lo_pair(b)
    b.sys_setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, timeval(-1, 0))
    join = in_thread(b.sys_recvfrom, rx, 100, 0)
    return only_err(join())


def scenario_recv_blocking_woken_by_data(b):
    names = names_of(b, "lo")
    rx, inject = _lo_pair(b)
    set_rcvtimeo(b, rx, 5.0)
    join = in_thread(lambda: recv1(b, rx, names, show_data=False))
    inject(b"wake")
    return join()


def scenario_recv_python_nonblocking_and_timeout(b):
    rx, inject = _lo_pair(b)
    rx.setblocking(False)
    a = attempt(rx.recv, 100)
    rx.settimeout(0.05)
    t = attempt(rx.recv, 100)
    inject(b"now-data")
    rx.settimeout(READ_TIMEOUT)
    d = attempt(rx.recv, 100)
    return {"nonblocking": a, "timeout": t, "data": d,
            "exc_types": [type(e).__name__ for e in _excs(rx)]}


def _excs(rx):
    out = []
    rx.setblocking(False)
    try:
        rx.recv(10)
    except OSError as e:
        out.append(e)
    rx.settimeout(0.01)
    try:
        rx.recv(10)
    except OSError as e:
        out.append(e)
    return out


def scenario_recv_python_recvfrom_into_and_recv_into(b):
    rx, inject = _lo_pair(b)
    inject(b"into-1")
    inject(b"into-2")
    rx.settimeout(READ_TIMEOUT)
    buf = bytearray(20)
    n, addr = rx.recvfrom_into(buf)
    buf2 = bytearray(100)
    n2 = rx.recv_into(buf2, 30)
    return {"n": n, "buf": bytes(buf).hex(), "addr": enc(list(addr)), "n2": n2, "buf2": bytes(buf2[:n2]).hex()}


def scenario_recv_zero_size_consumes(b):
    names = names_of(b, "lo")
    rx, inject = _lo_pair(b)
    inject(b"one")
    inject(b"two")
    return [recv1(b, rx, names, size=0, flags=MSG_DONTWAIT), recv1(b, rx, names, flags=MSG_DONTWAIT),
            only_err(attempt(b.sys_recvfrom, rx, 100, MSG_DONTWAIT))]


def scenario_recv_python_send_api(b):
    """send()/sendto() through the Python API with an address tuple."""
    rx, _ = _lo_pair(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    tx.bind(("lo", ETH_P_EX))
    r1 = attempt(tx.send, eth(ZERO, ZERO, ETH_P_EX, b"py-send", 60))
    r2 = attempt(tx.sendto, eth(ZERO, ZERO, ETH_P_EX, b"py-sendto", 60), ("lo", ETH_P_EX, 0, 0, b"\0" * 6))
    rx.settimeout(READ_TIMEOUT)
    got = [rx.recv(100)[14:23].hex(), rx.recv(100)[14:23].hex()]
    return {"send": r1, "sendto": r2, "got": got, "name": enc(list(tx.getsockname()))}


def scenario_recv_dgram_trunc_flag_semantics(b):
    names = names_of(b, "lo")
    rx, inject = _lo_pair(b, type=SOCK_DGRAM)
    inject(b"x" * 40, 100)
    return [recv1(b, rx, names, size=5, flags=MSG_DONTWAIT | MSG_TRUNC | MSG_PEEK),
            recv1(b, rx, names, size=5, flags=MSG_DONTWAIT)]


def scenario_recv_sock_nonblock_type_flag(b):
    s = b.socket(AF_PACKET, SOCK_DGRAM | socket.SOCK_NONBLOCK, htons(ETH_P_EX))
    return [only_err(attempt(b.sys_recvfrom, s, 10, 0)), only_err(attempt(s.recv, 10))]


def scenario_close_while_another_thread_blocks_in_recv(b):
    """close() only removes the descriptor: a recvfrom already blocked in another thread keeps the
    socket alive and still gets the next frame (the file is released when that call returns)."""
    import time
    names = setup_veth(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    set_rcvtimeo(b, rx, 2.0)
    join = in_thread(lambda: b.sys_recvfrom(rx, 2048, 0)[1])
    time.sleep(0.1)        # let the reader block in the kernel
    rx.close()
    send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, payload=b"after close", size=60), ifx(b, "veth0"), ETH_P_EX)
    got = join()
    again = attempt(b.sys_recvfrom, rx, 2048, MSG_DONTWAIT)
    return {"blocked_reader": got, "after": again}
