"""QEMU's socket network backends (backends/qemu_socket.py) behind kind "qemu" and connect():
option syntax, stream framing against plain Python peers, carrier, reconnect, dgram."""
from __future__ import annotations

import os
import socket
import struct
import time

import pytest

import netkernel
from netkernel.backends.qemu_socket import NET_BUFSIZE, parse_netdev
from netkernel.uapi import ETH_P_ALL

MAC_A = bytes.fromhex("020000000a0a")
MAC_B = bytes.fromhex("020000000b0b")


def _frame(dst, src, n=60, fill=b"\x77"):
    return (dst + src + b"\x88\xb5").ljust(n, fill)


def wait_until(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.005)
    return False


def _qemu_dev(k, netdev, name="q0", mac=MAC_A):
    k.link_add(name, kind="qemu", netdev=netdev)
    k.link_set(name, address=mac, up=True)
    return k.net.dev_by_name[name]


def _sock(k, dev="q0", timeout=5.0):
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((dev, 0))
    s.settimeout(timeout)
    return s


def _recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        assert chunk, "peer closed"
        buf += chunk
    return buf


def _carrier(dev):
    return dev.carrier


# ---------------------------------------------------------------- option syntax

def test_parse_netdev_reads_qemu_option_syntax():
    assert parse_netdev("stream,id=n0,server=on,addr.type=unix,addr.path=/tmp/a,,b") == \
        ("stream", {"id": "n0", "server": "on", "addr.type": "unix", "addr.path": "/tmp/a,b"})
    assert parse_netdev("-netdev dgram,local.type=inet,local.host=127.0.0.1,local.port=1")[0] == \
        "dgram"


@pytest.mark.parametrize("spec", [
    "server=on,stream",                                  # type not first
    "stream,server=on,server=off",                       # given twice
    "stream,server",                                     # no value
    "stream,addr.type=inet,addr.port=1,bogus=1",         # unknown option
    "stream,addr.type=inet,addr.port=1,server=maybe",    # not a boolean
    "stream,addr.type=carrier-pigeon",
    "dgram,remote.type=inet,remote.host=230.0.0.1,remote.port=1234",   # multicast
    "socket,mcast=230.0.0.1:1234",
    "user",
])
def test_bad_netdev_is_valueerror_and_adds_no_device(spec):
    k = netkernel.Kernel()
    with pytest.raises(ValueError):
        k.link_add("q0", kind="qemu", netdev=spec)
    assert "q0" not in k.net.dev_by_name


def test_client_without_peer_or_reconnect_fails_at_link_add_like_qemu():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    k = netkernel.Kernel()
    with pytest.raises(ConnectionRefusedError):
        k.link_add("q0", kind="qemu",
                   netdev=f"stream,addr.type=inet,addr.host=127.0.0.1,addr.port={port}")
    assert "q0" not in k.net.dev_by_name


# ---------------------------------------------------------------- stream

def test_stream_server_frames_are_4_byte_big_endian_length_then_frame_both_ways():
    k = netkernel.Kernel()
    dev = _qemu_dev(k, "stream,id=n0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0")
    addr = dev.priv.port.backend.address
    assert not dev.carrier                                   # no peer yet: no carrier
    s = _sock(k)
    peer = socket.create_connection(addr[:2])
    peer.settimeout(5)
    assert wait_until(lambda: dev.carrier)
    sent = [_frame(MAC_B, MAC_A, n) for n in (60, 61, 1514)]
    for f in sent:
        s.send(f)
    for f in sent:
        (n,) = struct.unpack("!I", _recv_exact(peer, 4))
        assert n == len(f)
        assert _recv_exact(peer, n) == f
    # the other way, with the framing split at every byte
    back = [_frame(MAC_A, MAC_B, 60, b"\x01"), _frame(MAC_A, MAC_B, 99, b"\x02")]
    wire = b"".join(struct.pack("!I", len(f)) + f for f in back)
    for i in range(len(wire)):
        peer.send(wire[i:i + 1])
    assert [s.recv(4096) for _ in back] == back
    peer.close()
    assert wait_until(lambda: not dev.carrier)              # peer gone: carrier off


def test_stream_server_listens_again_when_its_peer_leaves():
    k = netkernel.Kernel()
    dev = _qemu_dev(k, "stream,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0")
    addr = dev.priv.port.backend.address[:2]
    s = _sock(k)
    for i in range(2):
        peer = socket.create_connection(addr)
        assert wait_until(lambda: dev.carrier)
        f = _frame(MAC_A, MAC_B, 60, bytes([i]))
        peer.sendall(struct.pack("!I", len(f)) + f)
        assert s.recv(4096) == f
        peer.close()
        assert wait_until(lambda: not dev.carrier)


def test_stream_length_over_net_bufsize_drops_the_connection():
    k = netkernel.Kernel()
    dev = _qemu_dev(k, "stream,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0")
    peer = socket.create_connection(dev.priv.port.backend.address[:2])
    assert wait_until(lambda: dev.carrier)
    peer.sendall(struct.pack("!I", NET_BUFSIZE + 1))
    assert wait_until(lambda: not dev.carrier)
    peer.settimeout(5)
    assert peer.recv(10) == b""


def test_stream_client_with_reconnect_finds_a_peer_that_comes_later():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    k = netkernel.Kernel()
    dev = _qemu_dev(k, f"stream,addr.type=inet,addr.host=127.0.0.1,addr.port={port},reconnect=1")
    assert not dev.carrier
    lst = socket.create_server(("127.0.0.1", port))
    lst.settimeout(5)
    conn, _ = lst.accept()
    assert wait_until(lambda: dev.carrier)
    s = _sock(k)
    f = _frame(MAC_B, MAC_A)
    s.send(f)
    conn.settimeout(5)
    assert _recv_exact(conn, 4 + len(f)) == struct.pack("!I", len(f)) + f
    conn.close()
    assert wait_until(lambda: not dev.carrier)
    conn, _ = lst.accept()                                  # it comes back by itself
    assert wait_until(lambda: dev.carrier)
    conn.close()
    lst.close()


def test_stream_over_unix_socket_between_two_machines(tmp_path):
    path = str(tmp_path / "q.sock")
    k1, k2 = netkernel.Kernel(), netkernel.Kernel()
    d1 = _qemu_dev(k1, f"stream,server=on,addr.type=unix,addr.path={path}", mac=MAC_A)
    d2 = _qemu_dev(k2, f"stream,server=off,addr.type=unix,addr.path={path}", mac=MAC_B)
    assert wait_until(lambda: d1.carrier and d2.carrier)
    a, b = _sock(k1), _sock(k2)
    a.send(_frame(MAC_B, MAC_A))
    data, addr = b.recvfrom(4096)
    assert data == _frame(MAC_B, MAC_A) and addr[2] == socket.PACKET_HOST
    b.send(_frame(MAC_A, MAC_B, 200))
    assert a.recv(4096) == _frame(MAC_A, MAC_B, 200)


def test_legacy_socket_listen_and_connect_are_stream():
    k1, k2 = netkernel.Kernel(), netkernel.Kernel()
    d1 = _qemu_dev(k1, "socket,listen=127.0.0.1:0", mac=MAC_A)
    port = d1.priv.port.backend.address[1]
    d2 = _qemu_dev(k2, f"socket,connect=127.0.0.1:{port}", mac=MAC_B)
    assert wait_until(lambda: d1.carrier and d2.carrier)
    a, b = _sock(k1), _sock(k2)
    a.send(_frame(MAC_B, MAC_A))
    assert b.recv(4096) == _frame(MAC_B, MAC_A)


def test_a_busy_stream_pushes_back_instead_of_losing_frames():
    """A peer that does not read: frames wait in the qdisc and the sender's sndbuf, then all
    arrive in order once the peer reads (nothing dropped on the way)."""
    k = netkernel.Kernel()
    dev = _qemu_dev(k, "stream,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0")
    peer = socket.create_connection(dev.priv.port.backend.address[:2])
    assert wait_until(lambda: dev.carrier)
    s = _sock(k)
    s.settimeout(None)
    s.setblocking(False)
    sent = 0
    frames = []
    while True:
        f = (MAC_B + MAC_A + b"\x88\xb5" + sent.to_bytes(4, "big")).ljust(1514, b"\x33")
        try:
            s.send(f)
        except (BlockingIOError, OSError):
            break
        frames.append(f)
        sent += 1
        if sent > 20000:
            break
    assert dev.queue_stopped
    peer.settimeout(5)
    for f in frames:
        (n,) = struct.unpack("!I", _recv_exact(peer, 4))
        assert _recv_exact(peer, n) == f
    assert wait_until(lambda: not dev.queue_stopped)


# ---------------------------------------------------------------- dgram

def _udp_port():
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    return u


def test_dgram_udp_is_one_frame_per_datagram_both_ways():
    peer = _udp_port()
    peer.settimeout(5)
    pport = peer.getsockname()[1]
    k = netkernel.Kernel()
    dev = _qemu_dev(k, "dgram,id=d0,local.type=inet,local.host=127.0.0.1,local.port=0,"
                       f"remote.type=inet,remote.host=127.0.0.1,remote.port={pport}")
    assert dev.carrier
    local = dev.priv.port.backend.address
    s = _sock(k)
    sent = [_frame(MAC_B, MAC_A, n) for n in (60, 1514, 61)]
    for f in sent:
        s.send(f)
    assert [peer.recvfrom(70000)[0] for _ in sent] == sent
    back = [_frame(MAC_A, MAC_B, n, b"\x09") for n in (60, 333)]
    for f in back:
        peer.sendto(f, local)
    assert [s.recv(4096) for _ in back] == back


def test_dgram_unix_between_two_machines_and_legacy_udp(tmp_path):
    a_path, b_path = str(tmp_path / "a"), str(tmp_path / "b")
    k1, k2 = netkernel.Kernel(), netkernel.Kernel()
    _qemu_dev(k1, f"dgram,local.type=unix,local.path={a_path},remote.type=unix,"
                  f"remote.path={b_path}", mac=MAC_A)
    _qemu_dev(k2, f"dgram,local.type=unix,local.path={b_path},remote.type=unix,"
                  f"remote.path={a_path}", mac=MAC_B)
    a, b = _sock(k1), _sock(k2)
    a.send(_frame(MAC_B, MAC_A))
    assert b.recv(4096) == _frame(MAC_B, MAC_A)
    b.send(_frame(MAC_A, MAC_B, 100))
    assert a.recv(4096) == _frame(MAC_A, MAC_B, 100)
    peer = _udp_port()
    peer.settimeout(5)
    k3 = netkernel.Kernel()
    _qemu_dev(k3, f"socket,udp=127.0.0.1:{peer.getsockname()[1]},localaddr=127.0.0.1:0")
    _sock(k3).send(_frame(MAC_B, MAC_A))
    assert peer.recv(4096) == _frame(MAC_B, MAC_A)


# ---------------------------------------------------------------- connect()

def test_connect_plugs_a_device_cable_into_a_netdev_and_replaces_the_old_one():
    peer = _udp_port()
    peer.settimeout(5)
    k = netkernel.Kernel()
    dev = _qemu_dev(k, "stream,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0")
    old = dev.priv.port.backend
    b = netkernel.connect(k, "q0", netdev="dgram,local.type=inet,local.host=127.0.0.1,"
                          f"local.port=0,remote.type=inet,remote.host=127.0.0.1,"
                          f"remote.port={peer.getsockname()[1]}")
    assert dev.priv.port.backend is b and b is not old
    assert wait_until(lambda: old._listener is None)         # the old backend closed
    _sock(k).send(_frame(MAC_B, MAC_A))
    assert peer.recv(4096) == _frame(MAC_B, MAC_A)


def test_connect_needs_a_device_with_a_cable_and_one_form():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    with pytest.raises(TypeError):      # lo has no cable (a veth end can be given one: issue 4)
        netkernel.connect(k, "lo", netdev="stream,addr.type=inet,addr.port=1")
    with pytest.raises(OSError):
        netkernel.connect(k, "nope0", netdev="stream,addr.type=inet,addr.port=1")
    with pytest.raises(TypeError):
        netkernel.connect(k, "veth0")


def test_link_del_closes_the_backend():
    k = netkernel.Kernel()
    dev = _qemu_dev(k, "stream,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0")
    addr = dev.priv.port.backend.address[:2]
    k.link_del("q0")
    assert wait_until(lambda: _refused(addr))


def _refused(addr) -> bool:
    try:
        socket.create_connection(addr, timeout=1).close()
    except ConnectionRefusedError:
        return True
    except OSError:             # reset by a listener closing under the handshake: ask again
        pass
    return False


# ---------------------------------------------------------------- hostile peers, counters

def _stream_server(k, **kw):
    dev = _qemu_dev(k, "stream,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0", **kw)
    b = dev.priv.port.backend
    return dev, b, b.address[:2]


def _peer(addr, dev):
    p = socket.create_connection(addr)
    p.settimeout(5)
    assert wait_until(lambda: dev.carrier)
    return p


def _framed(*frames):
    return b"".join(struct.pack("!I", len(f)) + f for f in frames)


def test_stream_zero_length_frame_is_counted_and_the_cable_stays():
    k = netkernel.Kernel()
    dev, b, addr = _stream_server(k)
    s = _sock(k)
    peer = _peer(addr, dev)
    f1, f2 = _frame(MAC_A, MAC_B, 60, b"\x01"), _frame(MAC_A, MAC_B, 61, b"\x02")
    peer.sendall(_framed(f1, b"", b"", f2))
    assert [s.recv(4096), s.recv(4096)] == [f1, f2]
    assert dev.carrier and b.connected
    st = b.stats()
    assert (st["rx_frames"], st["rx_empty"], st["disconnects"]) == (2, 2, 0)


def test_stream_oversize_length_is_counted_and_the_server_takes_the_next_peer():
    k = netkernel.Kernel()
    dev, b, addr = _stream_server(k)
    s = _sock(k)
    peer = _peer(addr, dev)
    f = _frame(MAC_A, MAC_B)
    peer.sendall(_framed(f) + struct.pack("!I", NET_BUFSIZE + 1) + b"junk")
    assert s.recv(4096) == f                    # what came before the bad length is kept
    assert wait_until(lambda: not dev.carrier)
    assert peer.recv(10) == b""
    st = b.stats()
    assert (st["rx_frames"], st["rx_oversize"], st["rx_truncated"], st["disconnects"]) == \
        (1, 1, 0, 1)
    peer = _peer(addr, dev)                     # listening again
    peer.sendall(_framed(f))
    assert s.recv(4096) == f


@pytest.mark.parametrize("cut", [2, 4, 30])     # in the length prefix, after it, in the frame
def test_stream_peer_leaving_mid_frame_is_a_counted_truncated_frame(cut):
    k = netkernel.Kernel()
    dev, b, addr = _stream_server(k)
    s = _sock(k)
    peer = _peer(addr, dev)
    f = _frame(MAC_A, MAC_B, 60, b"\x05")
    peer.sendall(_framed(f) + _framed(f)[:cut])
    assert s.recv(4096) == f
    peer.close()
    assert wait_until(lambda: not dev.carrier)
    assert wait_until(lambda: b.stats()["rx_truncated"] == 1)
    assert b.stats()["rx_frames"] == 1
    s.settimeout(0.2)
    with pytest.raises(TimeoutError):           # the half frame never shows up
        s.recv(4096)
    peer = _peer(addr, dev)
    peer.sendall(_framed(f))
    s.settimeout(5)
    assert s.recv(4096) == f


def test_stream_garbage_never_kills_the_server():
    import random
    rng = random.Random(8)
    k = netkernel.Kernel()
    dev, b, addr = _stream_server(k)
    s = _sock(k)
    for _ in range(3):
        peer = _peer(addr, dev)
        peer.sendall(bytes(rng.randrange(256) for _ in range(5000)))
        peer.close()
        assert wait_until(lambda: not dev.carrier)
    st = b.stats()
    assert st["disconnects"] == 3 and st["rx_oversize"] + st["rx_truncated"] >= 3
    peer = _peer(addr, dev)
    f = _frame(MAC_A, MAC_B)
    peer.sendall(_framed(f))
    s.settimeout(5)
    while s.recv(4096) != f:                    # garbage that happened to parse comes first
        pass


def test_stream_frames_pending_at_disconnect_are_counted_lost():
    k = netkernel.Kernel()
    dev, b, addr = _stream_server(k)
    peer = socket.socket()
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    peer.connect(addr)
    assert wait_until(lambda: dev.carrier)
    s = _sock(k)
    s.setblocking(False)
    f = _frame(MAC_B, MAC_A, 1514)
    taken = 0
    for _ in range(5000):
        try:
            s.send(f)
        except OSError:
            break
        taken += 1
    assert wait_until(lambda: b.stats()["tx_pending"] > 0)
    pending = b.stats()["tx_pending"]
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()                                # RST: the unsent frames have nowhere to go
    assert wait_until(lambda: not dev.carrier)
    st = b.stats()
    assert st["tx_pending"] == 0 and st["tx_pending_lost"] == pending
    assert st["tx_frames"] >= pending
    s.close()


def test_stream_unix_server_removes_the_socket_file_it_created(tmp_path):
    path = tmp_path / "q.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))                       # a stale socket file from an earlier run
    stale.close()
    k = netkernel.Kernel()
    _qemu_dev(k, f"stream,server=on,addr.type=unix,addr.path={path}")
    assert path.exists()
    k.link_del("q0")
    assert wait_until(lambda: not path.exists())
    # a file that someone else put there after us is not ours to remove
    other = tmp_path / "other.sock"
    dev = _qemu_dev(k, f"stream,server=on,addr.type=unix,addr.path={other}", name="q1")
    os.unlink(other)
    other.write_bytes(b"not a socket")
    dev.priv.port.detach()
    time.sleep(0.2)
    assert other.read_bytes() == b"not a socket"


def test_dgram_unix_removes_its_local_socket_file(tmp_path):
    a_path, b_path = tmp_path / "a", tmp_path / "b"
    k = netkernel.Kernel()
    _qemu_dev(k, f"dgram,local.type=unix,local.path={a_path},remote.type=unix,"
                 f"remote.path={b_path}")
    assert a_path.exists()
    k.link_del("q0")
    assert wait_until(lambda: not a_path.exists())


def test_dgram_empty_and_oversize_datagrams_are_counted_and_the_cable_stays(tmp_path):
    a_path, b_path = str(tmp_path / "a"), str(tmp_path / "b")
    k = netkernel.Kernel()
    dev = _qemu_dev(k, f"dgram,local.type=unix,local.path={a_path},remote.type=unix,"
                       f"remote.path={b_path}")
    b = dev.priv.port.backend
    s = _sock(k)
    peer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    peer.bind(b_path)
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * NET_BUFSIZE)
    f = _frame(MAC_A, MAC_B)
    for d in (b"", b"\x00" * (NET_BUFSIZE + 1), f, b"", f):
        peer.sendto(d, a_path)
    assert [s.recv(4096), s.recv(4096)] == [f, f]
    assert dev.carrier
    st = b.stats()
    assert (st["rx_frames"], st["rx_empty"], st["rx_oversize"], st["rx_errors"]) == (2, 2, 1, 0)


def test_dgram_empty_datagram_into_an_ast2500_mac_keeps_its_cable():
    from netkernel import machines
    peer = _udp_port()
    k = machines.ast2500(clock="real")
    b = netkernel.connect(k, "eth0", netdev="dgram,local.type=inet,local.host=127.0.0.1,"
                          "local.port=0,remote.type=inet,remote.host=127.0.0.1,"
                          f"remote.port={peer.getsockname()[1]}")
    s = _sock(k, "eth0")
    mac0 = bytes(k.net.dev_by_name["eth0"].dev_addr)
    f = _frame(mac0, MAC_B)
    for d in (b"", f):
        peer.sendto(d, b.address)
    assert s.recv(4096) == f
    assert b.stats()["rx_empty"] == 1 and b.stats()["rx_frames"] == 1


# ---------------------------------------------------------------- runts from a peer

# 0..13 bytes, broadcast from the 6th byte on: an address filter would let them in
RUNTS = [(b"\xff" * 6 + bytes(range(0x30, 0x38)))[:n] for n in range(14)]


def _send_runts_then(peer_send, s, good):
    for r in RUNTS:
        peer_send(r)
    peer_send(good)
    assert s.recv(4096) == good                 # the first thing a socket sees
    s.settimeout(0.1)
    with pytest.raises(TimeoutError):
        s.recv(4096)


@pytest.mark.parametrize("kind", ["dgram", "stream"])
def test_runts_into_an_ast2500_mac_are_dropped_by_the_driver_as_linux_counts_them(kind):
    from netkernel import machines
    k = machines.ast2500(clock="real")
    eth0 = k.net.dev_by_name["eth0"]
    if kind == "dgram":
        peer = _udp_port()
        b = netkernel.connect(k, "eth0", netdev="dgram,local.type=inet,local.host=127.0.0.1,"
                              "local.port=0,remote.type=inet,remote.host=127.0.0.1,"
                              f"remote.port={peer.getsockname()[1]}")
        send = lambda d: peer.sendto(d, b.address)              # noqa: E731
    else:
        b = netkernel.connect(k, "eth0", netdev="stream,server=on,addr.type=inet,"
                              "addr.host=127.0.0.1,addr.port=0")
        peer = _peer(b.address[:2], eth0)
        send = lambda d: peer.sendall(_framed(d))               # noqa: E731
    assert wait_until(lambda: eth0.carrier)
    s = _sock(k, "eth0")
    before = dict(eth0.stats.as_dict())
    _send_runts_then(send, s, _frame(bytes(eth0.dev_addr), MAC_B))
    st = eth0.stats.as_dict()
    # ftgmac100_rx_packet: RUNT → rx_length_errors, and the drop path's rx_dropped
    assert st["rx_length_errors"] - before["rx_length_errors"] == 13
    assert st["rx_dropped"] - before["rx_dropped"] == 13
    assert st["rx_errors"] == before["rx_errors"]
    assert st["rx_packets"] - before["rx_packets"] == 1
    assert k.hw.mac0.stats()["rx_runts"] == 13
    assert b.stats()["rx_empty"] == 1 and b.stats()["rx_frames"] == 14


@pytest.mark.parametrize("kind", ["dgram", "stream"])
def test_runts_into_a_qemu_device_never_reach_sockets(kind, tmp_path):
    k = netkernel.Kernel()
    if kind == "dgram":
        a_path, b_path = str(tmp_path / "a"), str(tmp_path / "b")
        dev = _qemu_dev(k, f"dgram,local.type=unix,local.path={a_path},remote.type=unix,"
                           f"remote.path={b_path}")
        peer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        peer.bind(b_path)
        send = lambda d: peer.sendto(d, a_path)                 # noqa: E731
    else:
        dev, b, addr = _stream_server(k)
        peer = _peer(addr, dev)
        send = lambda d: peer.sendall(_framed(d))               # noqa: E731
    s = _sock(k)
    _send_runts_then(send, s, _frame(MAC_A, MAC_B))
    # virtio_net receive_buf's rule: a short packet counts in rx_length_errors only; the
    # user-visible counters show it (/sys statistics, /proc/net/dev's "frame" column)
    st = dev.stats
    assert (st.rx_length_errors, st.rx_errors, st.rx_packets) == (13, 0, 1)
    assert k.sysfs("class/net/q0/statistics/rx_length_errors").strip() == "13"
    assert k.sysfs("class/net/q0/statistics/rx_errors").strip() == "0"
    line = next(ln for ln in k.procfs("net/dev").splitlines() if ln.strip().startswith("q0:"))
    rx = line.split(":", 1)[1].split()
    assert (rx[1], rx[2], rx[5]) == ("1", "0", "13")     # packets, errs, frame
    assert dev.priv.port.backend.stats()["rx_empty"] == 1


def test_random_datagrams_never_kill_an_ast2500_mac_cable():
    import random
    from netkernel import machines
    rng = random.Random(11)
    peer = _udp_port()
    k = machines.ast2500(clock="real")
    eth0 = k.net.dev_by_name["eth0"]
    eth0_mac = bytes(eth0.dev_addr)
    b = netkernel.connect(k, "eth0", netdev="dgram,local.type=inet,local.host=127.0.0.1,"
                          "local.port=0,remote.type=inet,remote.host=127.0.0.1,"
                          f"remote.port={peer.getsockname()[1]}")
    s = _sock(k, "eth0")
    s.settimeout(5)
    sent = 0
    for _ in range(300):
        n = rng.choice([0, 1, 6, 13, 14, 15, 17, 18, 60, 200, 1600])
        head = rng.choice([b"", eth0_mac, b"\xff" * 6, b"\x01\x00\x5e\x00\x00\x01"])
        d = (head + rng.randbytes(n))[:n]
        if n >= 16 and rng.random() < 0.3:
            d = d[:12] + b"\x81\x00" + d[14:]          # a VLAN tag, maybe too short to strip
        peer.sendto(d, b.address)
        sent += 1
        if sent % 50 == 0:                            # let the ring drain now and then
            good = _frame(eth0_mac, MAC_B, 60, bytes([sent & 0xFF]))
            peer.sendto(good, b.address)
            while s.recv(4096) != good:
                pass
    assert eth0.carrier and b.stats()["rx_errors"] == 0
