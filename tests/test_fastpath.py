"""The fast path (netkernel/fastpath.py): it is taken, it gives the structured path's
observations, its records become the structured path's sk_buffs, and every configuration change
invalidates it (one test per source, failing when that source's generation bump is missing)."""
import socket
import struct

import pytest

import netkernel
from netkernel import fastpath
from netkernel.uapi.if_packet import (PACKET_ADD_MEMBERSHIP, PACKET_AUXDATA, PACKET_FANOUT,
                                      PACKET_MR_PROMISC, PACKET_RX_RING, PACKET_STATISTICS,
                                      SOL_PACKET, TPACKET_STATS, sockaddr_ll_pack)
from netkernel.uapi.socket import (AF_PACKET, MSG_DONTWAIT, SO_RCVBUF,
                                   SO_TIMESTAMP_OLD, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET)

MAC0 = bytes.fromhex("020000000001")
MAC1 = bytes.fromhex("020000000002")
BCAST = b"\xff" * 6
ETH_P_BENCH = 0x88B5
SIOCINQ = 0x541B


def _frame(n=60, ethertype=ETH_P_BENCH, dst=MAC1, src=MAC0):
    return (dst + src + ethertype.to_bytes(2, "big")).ljust(n, b"\xa5")


def _pair(fast=True):
    k = netkernel.Kernel(clock="virtual", seed=7)
    k.fastpath = fast
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", address=MAC0, up=True)
    k.link_set("veth1", address=MAC1, up=True)
    return k


def _sll(k, ifname, proto=0, addr=b""):
    return sockaddr_ll_pack(proto, k.if_nametoindex(ifname), 0, 0, len(addr), addr.ljust(8, b"\0"))


def _sock(k, ifname, proto=ETH_P_BENCH, type=SOCK_RAW):
    fd = k.sys_socket(AF_PACKET, type, socket.htons(proto))
    if ifname:
        k.sys_bind(fd, _sll(k, ifname, proto))
    return fd


def _hits(k):
    return k.core.fp_hits


def _stats(k, fd):
    return TPACKET_STATS.unpack(k.sys_getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, 8))


def _sk(k, fd):
    return k._task.files[fd].private_data.sk


def _observe(k, fds):
    """Everything a program or `ip -s link` can see: device counters, each socket's memory,
    drops, queue length (SIOCINQ), poll mask, and /proc/net/packet."""
    devs = {d["name"]: d["stats"] for d in k.links()}
    socks = []
    for fd in fds:
        sk = _sk(k, fd)
        socks.append({"rmem": sk.sk_rmem_alloc, "wmem": sk.sk_wmem_alloc, "drops": sk.sk_drops,
                      "inq": struct.unpack("i", k.ioctl(fd, SIOCINQ, bytes(4)))[0],
                      "poll": k.sys_poll(fd, 0xFFFF, 0), "stamp": sk.sk_stamp})
    # /proc/net/packet without sk and inode (one inode counter for the whole process)
    proc = [line.split()[1:-1] for line in k.procfs("net/packet").splitlines()[1:]]
    return {"devs": devs, "socks": socks, "proc": proc}


def _both(scenario):
    """Run `scenario(k)` on a machine with the fast path and one without; return both results."""
    out = []
    for fast in (True, False):
        k = _pair(fast)
        out.append((scenario(k), _hits(k)))
    (fast_obs, fast_hits), (slow_obs, slow_hits) = out
    assert slow_hits == 0
    return fast_obs, slow_obs, fast_hits


# ---------------------------------------------------------------- taken, and the same

def test_fast_path_is_taken_for_send_and_recv():
    k = _pair()
    tx, rx = _sock(k, "veth0", 0), _sock(k, "veth1")
    f = _frame()
    assert k.sys_sendto(tx, f) == len(f)
    assert k.sys_recvfrom(rx, 2048)[1] == f
    assert _hits(k) == 2
    s = k.socket(AF_PACKET, SOCK_RAW, 0)
    r = k.socket(AF_PACKET, SOCK_RAW, socket.htons(ETH_P_BENCH))
    s.bind(("veth0", 0))
    r.bind(("veth1", ETH_P_BENCH))
    s.send(f)
    assert r.recv(2048) == f
    assert _hits(k) == 4


def test_fast_path_off_is_never_taken():
    k = _pair(fast=False)
    tx, rx = _sock(k, "veth0", 0), _sock(k, "veth1")
    k.sys_sendto(tx, _frame())
    k.sys_recvfrom(rx, 2048)
    assert _hits(k) == 0


def test_environment_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv("NETKERNEL_FASTPATH", "off")
    assert netkernel.Kernel().fastpath is False
    monkeypatch.setenv("NETKERNEL_FASTPATH", "on")
    assert netkernel.Kernel().fastpath is True
    monkeypatch.setenv("NETKERNEL_FASTPATH", "bogus")
    with pytest.raises(ValueError):
        fastpath.default_enabled()


def _traffic(k):
    """RAW and DGRAM receivers, several EtherTypes and destinations (host, broadcast, multicast,
    other host), a socket whose buffer overflows, a receive before and after, truncation, a frame
    too long for the peer, and a DGRAM sender with an address."""
    tx = _sock(k, "veth0", 0)
    raw = _sock(k, "veth1")
    allp = _sock(k, "veth1", 3)
    dgram = _sock(k, "veth1", ETH_P_BENCH, SOCK_DGRAM)
    small = _sock(k, "veth1")
    k.sys_setsockopt(small, SOL_SOCKET, SO_RCVBUF, struct.pack("i", 1))
    # hooked on the protocol for every device, but in another namespace: packet_rcv skips it
    k.netns_add("other").sys_socket(AF_PACKET, SOCK_RAW, socket.htons(0x0800))
    res = []
    for dst in (MAC1, BCAST, bytes.fromhex("01005e000001"), bytes.fromhex("020000000099")):
        for et in (ETH_P_BENCH, 0x0800):
            res.append(k.sys_sendto(tx, _frame(70, et, dst)))
    res.append(k.sys_recvfrom(raw, 2048))
    res.append(k.sys_recvfrom(raw, 20))             # truncated
    res.append(k.sys_recvfrom(dgram, 2048))
    res.append(k.sys_recvfrom(allp, 2048))
    mid = _observe(k, (tx, raw, allp, dgram, small))
    dtx = _sock(k, None, ETH_P_BENCH, SOCK_DGRAM)
    dst = _sll(k, "veth0", ETH_P_BENCH, MAC1)
    res.append(k.sys_sendto(dtx, b"payload" * 5, 0, dst))
    k.link_set("veth1", mtu=100)
    res.append(k.sys_sendto(tx, _frame(200)))       # the peer drops it (too long)
    for fd in (raw, allp, dgram, small):
        res.append(_stats(k, fd))
        while True:
            try:
                res.append(k.sys_recvfrom(fd, 2048, MSG_DONTWAIT))
            except BlockingIOError:
                break
    return res, mid, _observe(k, (tx, raw, allp, dgram, small, dtx))


def test_same_observations_with_and_without_fast_path():
    fast, slow, hits = _both(_traffic)
    assert hits > 10
    assert fast == slow


def test_records_become_the_structured_path_s_sk_buffs():
    """A frame queued by the fast path, once the structured path touches the queue, is the
    sk_buff the structured path queues: same buffer bytes, offsets, metadata and cb."""
    def queued(k, type):
        tx = _sock(k, None, ETH_P_BENCH, type)
        rx = _sock(k, "veth1", ETH_P_BENCH, SOCK_RAW)
        drx = _sock(k, "veth1", ETH_P_BENCH, SOCK_DGRAM)
        if type == SOCK_RAW:
            k.sys_bind(tx, _sll(k, "veth0", 0))
            k.sys_sendto(tx, _frame(90, dst=BCAST))
        else:
            k.sys_sendto(tx, b"x" * 33, 0, _sll(k, "veth0", ETH_P_BENCH, BCAST))
        out = []
        for fd in (rx, drx):
            skb = _sk(k, fd).sk_receive_queue[0]
            d = {s: getattr(skb, s) for s in skb.__slots__ if s not in ("cb", "buf")}
            d["buf"] = bytes(skb.buf)
            d["sk"] = d["sk"] is _sk(k, fd)
            d["cb"] = {s: getattr(skb.cb, s) for s in skb.cb.__slots__}
            out.append(d)
        return out
    for type in (SOCK_RAW, SOCK_DGRAM):
        fast, slow, hits = _both(lambda k: queued(k, type))
        assert hits == 1
        assert fast == slow


def test_blocked_reader_is_woken_by_a_fast_send():
    import threading
    k = _pair()
    tx, rx = _sock(k, "veth0", 0), _sock(k, "veth1")
    got = []
    t = threading.Thread(target=lambda: got.append(k.sys_recvfrom(rx, 2048)))
    t.start()
    from polling import wait_until
    wait_until(lambda: _sk(k, rx).sk_sleepers == 1, timeout=10)
    k.sys_sendto(tx, _frame())
    t.join(10)
    assert got and got[0][1] == _frame()
    assert _hits(k) == 1


# ---------------------------------------------------------------- invalidation, per source

def _route_then(change, check=None):
    """Establish a fast route (one hit), make a change, and require that the machine's generation
    moved (the route is recomputed) — and, with `check`, that the next send observes the change
    exactly as the structured path does."""
    k = _pair()
    tx, rx = _sock(k, "veth0", 0), _sock(k, "veth1")
    k.sys_sendto(tx, _frame())
    k.sys_recvfrom(rx, 2048)
    assert _hits(k) == 2
    gen = k.core.fp_gen
    ctx = {"k": k, "tx": tx, "rx": rx}
    change(ctx)
    assert k.core.fp_gen != gen, "the change did not invalidate the fast path"
    return ctx


SOURCES = {
    "bind": lambda c: c["k"].sys_bind(c["tx"], _sll(c["k"], "veth1", 0)),   # no hook moves
    "setsockopt_any_level": lambda c: c["k"].sys_setsockopt(c["rx"], SOL_PACKET, PACKET_AUXDATA,
                                                          struct.pack("i", 1)),
    "setsockopt_unknown_option": lambda c: _ignore(c["k"].sys_setsockopt, c["rx"], SOL_SOCKET,
                                                   9999, struct.pack("i", 1)),
    "timestamps": lambda c: c["k"].sys_setsockopt(c["rx"], SOL_SOCKET, SO_TIMESTAMP_OLD,
                                                  struct.pack("i", 1)),
    "fanout": lambda c: c["k"].sys_setsockopt(c["rx"], SOL_PACKET, PACKET_FANOUT,
                                              struct.pack("i", 7)),
    "ring": lambda c: c["k"].sys_setsockopt(c["rx"], SOL_PACKET, PACKET_RX_RING,
                                            struct.pack("IIII", 4096, 1, 2048, 2)),
    "membership": lambda c: c["k"].sys_setsockopt(
        c["rx"], SOL_PACKET, PACKET_ADD_MEMBERSHIP,
        struct.pack("iHH8s", c["k"].if_nametoindex("veth1"), PACKET_MR_PROMISC, 0, b"")),
    "link_down": lambda c: c["k"].link_set("veth1", up=False),
    "link_mtu": lambda c: c["k"].link_set("veth1", mtu=1000),
    "link_address": lambda c: c["k"].link_set("veth1", address="02:00:00:00:00:77"),
    "carrier": lambda c: _carrier_off(c["k"]),
    "link_add": lambda c: c["k"].link_add("d0", kind="dummy"),
    "hook_added": lambda c: _sock(c["k"], "veth1", 3),
    "hook_removed": lambda c: c["k"].sys_close(c["rx"]),
    "close": lambda c: c["k"].sys_close(c["tx"]),
    "shutdown": lambda c: _ignore(c["k"].sys_shutdown, c["tx"], 1),
    "sysctl": lambda c: c["k"].sysctl("net.core.netdev_max_backlog", 10),
    "netns_move": lambda c: (c["k"].netns_add("elsewhere"),
                             c["k"].link_set("veth1", netns="elsewhere")),
    "capture": lambda c: c.__setitem__("cap", c["k"].capture("veth1", _devnull())),
    "tracing": lambda c: c.__setitem__("trace", _enter_trace(c["k"])),
    "fastpath_switch": lambda c: setattr(c["k"], "fastpath", False),
    "filter": lambda c: _attach(c["k"], c["rx"], ((0x6, 0, 0, 0),)),
    "ioctl_link_down": lambda c: c["k"].ioctl(c["tx"], 0x8914,        # SIOCSIFFLAGS, no IFF_UP
                                              struct.pack("16sH22x", b"veth1", 0)),
    "cable": lambda c: _plug_cable(c["k"]),
}


def _ignore(fn, *args):
    try:
        fn(*args)
    except OSError:
        pass


def _carrier_off(k):
    from netkernel.net.core.dev import netif_carrier_off
    with k._lock:
        netif_carrier_off(k.init_net.dev_by_name["veth0"])


def _devnull():
    import io
    return io.BytesIO()


def _enter_trace(k):
    t = k.trace()
    t.__enter__()
    t.__exit__(None, None, None)
    return t


def _plug_cable(k):
    class Sink:
        def start(self, port):
            pass

        def close(self):
            pass

        def send(self, frame):
            return True
    k.init_net.dev_by_name["veth0"].priv.port.attach(Sink())


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_each_configuration_change_invalidates(source):
    _route_then(SOURCES[source])


def _behaves_like_structured(change_and_send):
    """After the change, the call and everything observable match the structured path's."""
    fast, slow, _ = _both(change_and_send)
    assert fast == slow


@pytest.mark.parametrize("change", ["down", "mtu", "address", "filter_by_option", "timestamp",
                                    "new_receiver", "closed_receiver", "cable"])
def test_changed_configuration_is_honoured(change):
    def scenario(k):
        tx, rx = _sock(k, "veth0", 0), _sock(k, "veth1")
        k.sys_sendto(tx, _frame(300))
        out = [k.sys_recvfrom(rx, 2048)]
        fds = [tx, rx]
        if change == "down":
            k.link_set("veth1", up=False)
        elif change == "mtu":
            k.link_set("veth1", mtu=200)
        elif change == "address":
            k.link_set("veth1", address="02:00:00:00:00:77")   # the frame is now OTHERHOST
        elif change == "filter_by_option":
            k.sys_setsockopt(rx, SOL_SOCKET, SO_RCVBUF, struct.pack("i", 0))
        elif change == "timestamp":
            k.sys_setsockopt(rx, SOL_SOCKET, SO_TIMESTAMP_OLD, struct.pack("i", 1))
        elif change == "new_receiver":
            fds.append(_sock(k, "veth1", 3))
        elif change == "closed_receiver":
            k.sys_close(rx)
            fds.remove(rx)
        elif change == "cable":
            _plug_cable(k)
        try:
            out.append(k.sys_sendto(tx, _frame(300)))
        except OSError as e:
            out.append(e.errno)
        for fd in fds[1:]:
            try:
                out.append(k.sys_recvmsg(fd, 2048, 256, MSG_DONTWAIT)[:2])
            except OSError as e:
                out.append(e.errno)
        k.advance(1)
        return out, _observe(k, fds)
    _behaves_like_structured(scenario)


def test_traced_calls_take_the_structured_path_and_are_drawn():
    k = _pair()
    tx, rx = _sock(k, "veth0", 0), _sock(k, "veth1")
    k.sys_sendto(tx, _frame())
    hits = _hits(k)
    with k.trace() as t:
        k.sys_sendto(tx, _frame())
        k.sys_recvfrom(rx, 2048)
    assert _hits(k) == hits
    drawn = t.render("function_graph")
    assert "packet_snd" in drawn and "packet_recvmsg" in drawn
    k.sys_sendto(tx, _frame())          # tracing off again: fast
    assert _hits(k) == hits + 1


def test_rebound_sender_sends_from_its_new_device():
    k = _pair()
    tx, rx0, rx1 = _sock(k, "veth0", 0), _sock(k, "veth0"), _sock(k, "veth1")
    k.sys_sendto(tx, _frame())
    k.sys_bind(tx, _sll(k, "veth1", 0))         # protocol 0: no hook moves, only the device
    k.sys_sendto(tx, _frame(dst=MAC0, src=MAC1))
    assert len(_sk(k, rx0).sk_receive_queue) == 1 and len(_sk(k, rx1).sk_receive_queue) == 1


def test_fd_reused_after_close_is_a_new_route():
    k = _pair()
    tx, rx = _sock(k, "veth0", 0), _sock(k, "veth1")
    k.sys_sendto(tx, _frame())
    k.sys_close(tx)
    tx2 = _sock(k, "veth1", 0)          # same descriptor number, bound elsewhere
    assert tx2 == tx
    k.sys_sendto(tx2, _frame())         # goes out of veth1: the receiver on veth1 sees nothing new
    assert len(_sk(k, rx).fp_q) + len(_sk(k, rx).fp_rq) == 1


_KEEP = []


def _attach(k, fd, prog):
    import ctypes
    insns = b"".join(struct.pack("HBBI", *i) for i in prog)
    buf = ctypes.create_string_buffer(insns, len(insns))
    _KEEP.append(buf)
    k.sys_setsockopt(fd, SOL_SOCKET, 26, struct.pack("HL", len(prog), ctypes.addressof(buf)))


def test_filtered_receivers_same_as_structured():
    """Socket filters on receivers (accepting, rejecting, truncating, reading ancillary data),
    RAW and DGRAM: the fast path runs the compiled ones and leaves the rest to the interpreter."""
    from netkernel.net.core import filter as F
    ether_bench = ((0x28, 0, 0, 12), (0x15, 0, 1, ETH_P_BENCH), (0x6, 0, 0, 0x40000),
                   (0x6, 0, 0, 0))
    trunc = ((0x6, 0, 0, 20),)
    anc = ((F.BPF_LD | F.BPF_W | F.BPF_ABS, 0, 0, F.SKF_AD_BASE + F.SKF_AD_PKTTYPE),
           (0x15, 0, 1, 0), (0x6, 0, 0, 0x40000), (0x6, 0, 0, 0))

    def scenario(k):
        tx = _sock(k, "veth0", 0)
        fds = []
        for prog in (ether_bench, trunc, anc):
            for type in (SOCK_RAW, SOCK_DGRAM):
                fd = _sock(k, "veth1", 3, type)
                _attach(k, fd, prog)
                fds.append(fd)
        plain = _sock(k, "veth1", 3)
        fds.append(plain)
        res = []
        for et in (ETH_P_BENCH, 0x0800):
            res.append(k.sys_sendto(tx, _frame(80, et)))
        res.append(_hits(k))
        for fd in fds:
            while True:
                try:
                    res.append(k.sys_recvfrom(fd, 2048, MSG_DONTWAIT))
                except BlockingIOError:
                    break
        return res[:2] + res[3:], _observe(k, [tx] + fds)

    fast, slow, hits = _both(scenario)
    assert fast == slow

    def only_compiled(k):
        tx = _sock(k, "veth0", 0)
        rx = _sock(k, "veth1", 3)
        _attach(k, rx, ether_bench)
        out = [k.sys_sendto(tx, _frame(80, et)) for et in (ETH_P_BENCH, 0x0800, ETH_P_BENCH)]
        out.append(k.sys_recvfrom(rx, 2048))
        out.append(k.sys_recvfrom(rx, 2048))
        return out, _observe(k, [tx, rx])
    fast, slow, hits = _both(only_compiled)
    assert fast == slow and hits == 5


def test_remembered_addresses_follow_the_configuration():
    """socketmodule's address conversions are remembered per socket only while nothing changed:
    a device deleted and made again (another ifindex) is looked up again, on both sides."""
    k = _pair()
    s = k.socket(AF_PACKET, SOCK_DGRAM, socket.htons(ETH_P_BENCH))
    r = k.socket(AF_PACKET, SOCK_RAW, socket.htons(ETH_P_BENCH))
    addr = ("veth0", ETH_P_BENCH, 0, 0, MAC1)
    assert s.sendto(b"x" * 50, addr) == 50
    assert s.sendto(b"x" * 50, addr) == 50
    got = [r.recvfrom(2048)[1] for _ in range(2)]
    assert got[0] == got[1] and got[0][0] == "veth1"
    k.link_del("veth0")
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", address=MAC0, up=True)
    k.link_set("veth1", address=MAC1, up=True)
    assert s.sendto(b"y" * 50, addr) == 50          # the new veth0, found again
    data, address = r.recvfrom(2048)
    assert data[14:] == b"y" * 50 and address[0] == "veth1"
    with pytest.raises(OSError):
        s.sendto(b"z", ("nosuch", ETH_P_BENCH, 0, 0, MAC1))
    with pytest.raises(TypeError):
        s.sendto(b"z", ("veth0", 0.0 + ETH_P_BENCH, 0, 0, MAC1))   # not an int: as CPython


def test_loopback_same_as_structured():
    """Over lo the frame comes back on the same device, unscrubbed (priority and mark kept)."""
    from netkernel.uapi.socket import SO_PRIORITY
    def scenario(k):
        tx = _sock(k, "lo", 0)
        k.sys_setsockopt(tx, SOL_SOCKET, SO_PRIORITY, struct.pack("i", 5))
        rx = _sock(k, "lo")
        drx = _sock(k, "lo", ETH_P_BENCH, SOCK_DGRAM)
        out = [k.sys_sendto(tx, _frame(100, dst=d)) for d in (bytes(6), MAC1, BCAST)]
        out.append(_hits(k))
        skb = _sk(k, rx).sk_receive_queue[0]
        out.append({s: getattr(skb, s) for s in skb.__slots__ if s not in ("cb", "buf", "sk")})
        out.append(bytes(skb.buf))
        for fd in (rx, drx):
            while True:
                try:
                    out.append(k.sys_recvfrom(fd, 2048, MSG_DONTWAIT))
                except BlockingIOError:
                    break
        return out[:3] + out[4:], _observe(k, [tx, rx, drx])
    fast, slow, hits = _both(scenario)
    assert hits == 3
    assert fast == slow
