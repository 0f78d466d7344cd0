"""The public API (netkernel/api.py): machines, namespaces, processes, threads, and the
Python-socket compatibility of netkernel.Socket."""
import errno
import socket
import threading
import time

import pytest

import netkernel
from netkernel.uapi import CAP_NET_RAW, ETH_P_ALL, PACKET_AUXDATA, PACKET_STATISTICS, SOL_PACKET
from netkernel.uapi.if_packet import TPACKET_AUXDATA, TPACKET_STATS

MAC0 = "02:00:00:00:00:01"
MAC1 = "02:00:00:00:00:02"
M0 = bytes.fromhex("020000000001")
M1 = bytes.fromhex("020000000002")
ALL = socket.htons(ETH_P_ALL)


def _pair(k=None):
    k = k or netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", address=MAC0)
    k.link_set("veth1", address=MAC1)
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    return k


def _frame(n=60, dst=M1, src=M0, ethertype=0x88B5):
    return (dst + src + ethertype.to_bytes(2, "big")).ljust(n, b"\x11")


def _rx(view, ifname=None, proto=ALL, type=socket.SOCK_RAW):
    s = view.socket(socket.AF_PACKET, type, proto)
    if ifname:
        s.bind((ifname, 0))
    s.setblocking(False)
    return s


def _drain(s):
    out = []
    while True:
        try:
            out.append(s.recvfrom(65536))
        except BlockingIOError:
            return out


# ---------------------------------------------------------------- machines

def test_two_kernels_are_isolated():
    k1, k2 = _pair(), netkernel.Kernel()
    k2.link_add("veth0", kind="veth", peer="veth1")
    assert k2.if_nametoindex("veth0") == 3 == k1.if_nametoindex("veth0")   # own ifindex counters
    k2.link_add("d0", kind="dummy")
    assert "d0" not in [l["name"] for l in k1.links()]
    s1 = _rx(k1)
    s2 = _rx(k2)
    assert k1.core.ptype_all != k2.core.ptype_all and len(k2.core.ptype_all) == 1
    assert s1.fileno() == s2.fileno() == 3                                 # own fd tables
    with k1.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.bind(("veth0", 0))
        tx.send(_frame())
    assert len(_drain(s1)) == 2
    assert _drain(s2) == []
    assert k2.links()[1]["stats"]["rx_packets"] == 0


def test_sysctls_are_per_kernel():
    k1, k2 = netkernel.Kernel(), netkernel.Kernel()
    k1.sysctl("net.core.rmem_max", 4194304)
    assert k2.sysctl("net.core.rmem_max") == 212992


def test_unknown_sysctl_is_enoent_like_a_missing_proc_file():
    with pytest.raises(OSError) as e:
        netkernel.Kernel().sysctl("net.core.nope")
    assert e.value.errno == errno.ENOENT


# ---------------------------------------------------------------- namespaces

def test_socket_in_other_namespace_never_sees_init_net_frames():
    k = _pair()
    ns = k.netns_add("a")
    s = _rx(ns)
    assert ns.if_nametoindex("lo") == 1
    assert [l["name"] for l in ns.links()] == ["lo"]
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.bind(("veth0", 0))
        tx.send(_frame())
    assert _drain(s) == []
    with pytest.raises(OSError) as e:
        s.bind(("veth0", 0))
    assert e.value.errno == errno.ENODEV


def test_veth_end_moved_to_namespace_carries_frames_between_namespaces():
    k = _pair()
    ns = k.netns_add("a")
    k.link_set("veth1", netns="a")
    assert "veth1" not in [l["name"] for l in k.links()]
    assert ns.if_nametoindex("veth1") == 2
    ns.link_set("veth1", up=True)
    rx = _rx(ns, "veth1")
    init_tap = _rx(k)
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.bind(("veth0", 0))
        tx.send(_frame())
    (data, addr), = _drain(rx)
    assert data == _frame()
    assert addr == ("veth1", 0x88B5, socket.PACKET_HOST, 1, M0)
    assert [a[2] for _, a in _drain(init_tap)] == [socket.PACKET_OUTGOING]
    # and back
    with ns.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx2:
        tx2.bind(("veth1", 0))
        tx2.send(_frame(dst=M0, src=M1))
    rx0 = [a for _, a in _drain(init_tap)]
    assert rx0 == [("veth0", 0x88B5, socket.PACKET_HOST, 1, M1)]


def test_moved_device_arrives_down():
    k = _pair()
    ns = k.netns_add("a")
    k.link_set("veth1", netns="a")
    assert ns.links()[1]["up"] is False


def test_netns_add_twice_is_eexist_and_unknown_is_enoent():
    k = netkernel.Kernel()
    k.netns_add("a")
    with pytest.raises(OSError) as e:
        k.netns_add("a")
    assert e.value.errno == errno.EEXIST
    with pytest.raises(OSError) as e:
        k.netns("b")
    assert e.value.errno == errno.ENOENT


# ---------------------------------------------------------------- processes

def test_process_without_cap_net_raw_gets_eperm_even_for_invalid_type():
    k = netkernel.Kernel()
    p = k.process(caps=set())
    for type in (socket.SOCK_RAW, socket.SOCK_STREAM):
        with pytest.raises(OSError) as e:
            p.socket(socket.AF_PACKET, type, 0)
        assert e.value.errno == errno.EPERM


def test_process_with_cap_net_raw_can_open_packet_sockets():
    k = netkernel.Kernel()
    p = k.process(caps={CAP_NET_RAW})
    with p.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0) as s:
        assert s.fileno() == 3
        assert s.type == socket.SOCK_DGRAM and s.family == socket.AF_PACKET


def test_processes_have_separate_fd_tables():
    k = netkernel.Kernel()
    p1, p2 = k.process(), k.process()
    a = p1.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    b = p2.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    assert a.fileno() == b.fileno() == 3
    assert p1.pid != p2.pid
    a.close()
    assert b.getsockname() == ("", 0, 0, 0, b"")


def test_process_in_namespace_lives_there():
    k = _pair()
    k.netns_add("a")
    p = k.process(netns="a")
    with pytest.raises(OSError) as e:
        p.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).bind(("veth0", 0))
    assert e.value.errno == errno.ENODEV


def test_process_without_capabilities_cannot_touch_links_or_capture(tmp_path):
    """Regression: k.process(caps=set()) could add, configure and delete links and capture."""
    k = _pair()
    p = k.process(caps=set())
    calls = [lambda: p.link_add("d0", kind="dummy"), lambda: p.link_set("veth0", mtu=9000),
             lambda: p.link_set("veth0", up=False), lambda: p.link_del("veth0"),
             lambda: p.netns_add("b"), lambda: p.capture("veth0", tmp_path / "c.pcapng")]
    before = k.links()
    for call in calls:
        with pytest.raises(OSError) as e:
            call()
        assert e.value.errno == errno.EPERM
    assert k.links() == before and not (tmp_path / "c.pcapng").exists()
    assert p.links() == before                  # reading is allowed


def test_process_caps_must_be_capability_numbers():
    k = netkernel.Kernel()
    with pytest.raises(ValueError):
        k.process(caps={99})
    with pytest.raises(TypeError):
        k.process(caps={"CAP_NET_RAW"})
    with pytest.raises(OSError) as e:
        k.process(netns="nope")
    assert e.value.errno == errno.ENOENT


# ---------------------------------------------------------------- default addresses

def _veth_macs(k):
    k.link_add("veth0", kind="veth", peer="veth1")
    return [li["address"] for li in k.links()[1:]]


def test_machines_get_distinct_default_macs_reproducibly():
    """Regression: every Kernel() got the same MAC addresses. Seed None draws from a per-process
    machine counter; the same seed gives the same addresses; an explicit seed wins."""
    a, b = netkernel.Kernel(), netkernel.Kernel()
    assert a.seed != b.seed
    assert not set(_veth_macs(a)) & set(_veth_macs(b))
    assert _veth_macs(netkernel.Kernel(seed=a.seed)) == _veth_macs(netkernel.Kernel(seed=a.seed))
    assert netkernel.Kernel(seed=12345).seed == 12345
    for mac in _veth_macs(netkernel.Kernel(seed=99)):
        first = int(mac[:2], 16)
        assert first & 0x02 and not first & 0x01    # locally administered, unicast


def test_first_machine_of_a_process_is_always_the_same():
    import subprocess
    import sys
    code = ("import netkernel; k = netkernel.Kernel(); k.link_add('v0', kind='veth', peer='v1');"
            "print(k.seed, [l['address'] for l in k.links()])")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=60, check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].startswith("0 ")


def test_kernel_arguments_are_checked():
    with pytest.raises(ValueError):
        netkernel.Kernel(profile="sparc")
    with pytest.raises(ValueError):
        netkernel.Kernel(clock="wall")
    with pytest.raises(TypeError):
        netkernel.Kernel(seed="1")


# ---------------------------------------------------------------- link reads race nothing

def test_link_reads_do_not_race_link_deletion():
    """Regression: links()/if_nameindex() read the device tables without the machine lock and
    raised KeyError/RuntimeError while another thread added and deleted links."""
    import sys
    k = netkernel.Kernel()
    stop = threading.Event()
    errors = []

    def churn():
        i = 0
        while not stop.is_set():
            k.link_add(f"d{i % 8}", kind="dummy")
            k.link_add(f"v{i % 8}", kind="veth", peer=f"p{i % 8}")
            k.link_del(f"d{i % 8}")
            k.link_del(f"v{i % 8}")
            i += 1

    def read():
        while not stop.is_set():
            try:
                names = [li["name"] for li in k.links()]
                assert names[0] == "lo"
                for i, n in k.if_nameindex():
                    assert isinstance(n, str)
                for i in range(1, 6):
                    try:
                        k.if_indextoname(i)
                    except OSError:
                        pass
            except Exception as e:          # noqa: BLE001 - collected for the assertion
                errors.append(e)
                return

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    threads = [threading.Thread(target=churn, daemon=True), threading.Thread(target=read, daemon=True)]
    try:
        for t in threads:
            t.start()
        time.sleep(1.5)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        sys.setswitchinterval(old)
    assert not errors, errors[:3]
    assert not any(t.is_alive() for t in threads)


# ---------------------------------------------------------------- threads

def _in_thread(fn):
    box = {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as e:       # noqa: BLE001 - handed back to the test
            box["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


def test_blocking_recv_is_woken_by_a_frame_from_another_thread():
    k = _pair()
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, ALL)
    rx.bind(("veth1", 0))
    assert rx.gettimeout() is None
    t, box = _in_thread(lambda: rx.recv(2048))
    time.sleep(0.05)
    assert t.is_alive()
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.sendto(_frame(), ("veth0", 0))
    t.join(2)
    assert not t.is_alive()
    assert box == {"result": _frame()}


def test_recv_with_timeout_raises_timeout_error():
    k = _pair()
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, ALL)
    rx.bind(("veth1", 0))
    rx.settimeout(0.05)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        rx.recv(2048)
    assert 0.04 <= time.monotonic() - t0 < 1.0
    assert socket.timeout is TimeoutError


def test_blocked_reader_is_woken_with_enetdown_when_device_goes_down():
    k = _pair()
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, ALL)
    rx.bind(("veth1", 0))
    t, box = _in_thread(lambda: rx.recv(2048))
    time.sleep(0.05)
    k.link_set("veth1", up=False)
    t.join(2)
    assert not t.is_alive()
    assert isinstance(box.get("error"), OSError) and box["error"].errno == errno.ENETDOWN


def test_reader_with_timeout_is_woken_with_enetdown_too():
    k = _pair()
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, ALL)
    rx.bind(("veth1", 0))
    rx.settimeout(5)
    t, box = _in_thread(lambda: rx.recv(2048))
    time.sleep(0.05)
    k.link_set("veth1", up=False)
    t.join(2)
    assert not t.is_alive()
    assert box["error"].errno == errno.ENETDOWN


def test_nonblocking_recv_is_blockingioerror():
    k = _pair()
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, ALL)
    rx.setblocking(False)
    assert rx.getblocking() is False and rx.gettimeout() == 0.0
    with pytest.raises(BlockingIOError) as e:
        rx.recv(100)
    assert e.value.errno == errno.EAGAIN


def test_sock_nonblock_type_flag_makes_the_socket_nonblocking():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW | socket.SOCK_NONBLOCK, ALL)
    assert s.gettimeout() == 0.0 and s.type == socket.SOCK_RAW
    with pytest.raises(BlockingIOError):
        s.recv(10)


# ---------------------------------------------------------------- Socket compatibility

def test_bind_unknown_ifname_is_enodev():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with pytest.raises(OSError) as e:
        s.bind(("nosuchdev", 0))
    assert e.value.errno == errno.ENODEV


def test_protocol_above_0xffff_is_overflowerror():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with pytest.raises(OverflowError):
        s.bind(("lo", 0x10000))
    with pytest.raises(OverflowError):
        s.bind(("lo", -1))


def test_hwaddr_longer_than_8_bytes_is_valueerror():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with pytest.raises(ValueError):
        s.sendto(b"x" * 60, ("lo", 0, 0, 0, b"123456789"))


def test_address_tuple_of_wrong_shape_is_typeerror():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    for bad in ("lo", ("lo",), ("lo", 0, 0, 0, b"", 1), (b"lo", 0)):
        with pytest.raises(TypeError):
            s.bind(bad)


# CPython 3.11 getsockaddrarg (Modules/socketmodule.c, AF_PACKET) resolves the interface name
# first, then checks the hardware address length, then the protocol range; pkttype and hatype
# are stored without a range check. Observed on this machine with a real AF_PACKET socket:
#   ('nosuchdev', 0x10000) -> OSError ENODEV;  ('lo', 0x10000, 0, 0, b'123456789') -> ValueError;
#   ('lo', 0, 300, 0) and ('lo', 0, 0, 70000) -> bind succeeds.

def test_unknown_ifname_is_reported_before_protocol_range():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with pytest.raises(OSError) as e:
        s.bind(("nosuchdev", 0x10000))
    assert type(e.value) is OSError and e.value.errno == errno.ENODEV


def test_hwaddr_length_is_reported_before_protocol_range():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with pytest.raises(ValueError):
        s.bind(("lo", 0x10000, 0, 0, b"123456789"))


def test_out_of_range_pkttype_and_hatype_are_truncated_not_rejected():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.bind(("lo", 0, 300, 0))
    s.bind(("lo", 0, 0, 70000))
    assert s.getsockname() == ("lo", 0, 0, 772, bytes(6))


def test_recvfrom_address_tuple():
    k = _pair()
    rx = _rx(k, "veth1")
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.sendto(_frame(), ("veth0", 0))
    (data, addr), = _drain(rx)
    assert data == _frame()
    assert addr == ("veth1", 0x88B5, socket.PACKET_HOST, 1, M0)


def test_sendto_with_flags_argument_and_dgram_destination():
    k = _pair()
    rx = _rx(k, "veth1")
    with k.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0) as tx:
        assert tx.sendto(b"p" * 46, 0, ("veth0", 0x88B5, 0, 0, M1)) == 46
    (data, addr), = _drain(rx)
    assert data == M1 + M0 + b"\x88\xb5" + b"p" * 46


def test_getsockname_tuple_after_bind():
    k = _pair()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, ALL)
    s.bind(("veth1", 0))
    assert s.getsockname() == ("veth1", ETH_P_ALL, 0, 1, M1)


def test_recvmsg_with_auxdata():
    k = _pair()
    rx = _rx(k, "veth1")
    rx.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.sendto(_frame(), ("veth0", 0))
    data, anc, flags, addr = rx.recvmsg(2048, socket.CMSG_SPACE(20))
    assert data == _frame() and flags == 0
    assert addr == ("veth1", 0x88B5, socket.PACKET_HOST, 1, M0)
    assert len(anc) == 1
    level, type, aux = anc[0]
    assert (level, type, len(aux)) == (263, 8, 20)
    assert TPACKET_AUXDATA.unpack(aux) == (1, 60, 60, 0, 14, 0, 0)


@pytest.mark.parametrize("ancbufsize", [0, 8, 15])
def test_recvmsg_control_buffer_smaller_than_cmsghdr_drops_auxdata_with_ctrunc(ancbufsize):
    k = _pair()
    rx = _rx(k, "veth1")
    rx.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.sendto(_frame(), ("veth0", 0))
    data, anc, flags, addr = rx.recvmsg(2048, ancbufsize)
    assert data == _frame()
    assert anc == []
    assert flags & socket.MSG_CTRUNC


def test_recvmsg_control_buffer_cutting_the_data_truncates_auxdata_with_ctrunc():
    # put_cmsg (net/core/scm.c) copies what fits after the header and sets MSG_CTRUNC
    k = _pair()
    rx = _rx(k, "veth1")
    rx.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.sendto(_frame(), ("veth0", 0))
    data, anc, flags, addr = rx.recvmsg(2048, 24)
    assert flags & socket.MSG_CTRUNC
    assert anc == [(263, 8, b"\x01\x00\x00\x00" b"\x3c\x00\x00\x00")]


def test_recv_into_and_recvfrom_into():
    k = _pair()
    rx = _rx(k, "veth1")
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.sendto(_frame(), ("veth0", 0))
        tx.sendto(_frame(), ("veth0", 0))
    buf = bytearray(100)
    assert rx.recv_into(buf) == 60 and bytes(buf[:60]) == _frame()
    buf = bytearray(20)
    n, addr = rx.recvfrom_into(buf)
    assert n == 20 and bytes(buf) == _frame()[:20] and addr[0] == "veth1"


def test_getsockopt_buflen_zero_returns_int_and_buflen_returns_bytes():
    k = _pair()
    rx = _rx(k, "veth1")
    assert rx.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_RAW
    assert rx.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) == 212992
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    assert rx.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) == 8192
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        tx.sendto(_frame(), ("veth0", 0))
    assert TPACKET_STATS.unpack(rx.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)) == (1, 0)
    assert rx.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE, 2) == b"\x03\x00"
    with pytest.raises(OSError):
        rx.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE, 1025)


def test_setsockopt_errors_are_oserror_with_linux_errno():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with pytest.raises(OSError) as e:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, b"\x01\x00")
    assert e.value.errno == errno.EINVAL
    with pytest.raises(OSError) as e:
        s.setsockopt(SOL_PACKET, 99, 1)
    assert e.value.errno == errno.ENOPROTOOPT


def test_rcvbuf_2304_through_socket_api_queues_three_frames():
    k = _pair()
    rx = _rx(k, "veth1")
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    assert rx.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) == 2304
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as tx:
        for _ in range(5):
            tx.sendto(_frame(), ("veth0", 0))
    assert TPACKET_STATS.unpack(rx.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)) == (5, 2)
    assert len(_drain(rx)) == 3


def test_context_manager_closes_the_fd():
    k = netkernel.Kernel()
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, ALL) as s:
        fd = s.fileno()
        assert fd == 3 and len(k.core.ptype_all) == 1
    assert s.fileno() == -1
    assert k.core.ptype_all == []
    with pytest.raises(OSError) as e:
        k.sys_close(fd)
    assert e.value.errno == errno.EBADF
    with pytest.raises(OSError) as e:
        s.recv(10)
    assert e.value.errno == errno.EBADF


def test_close_twice_is_harmless():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    s.close()
    s.close()


def test_socket_identity_properties():
    k = netkernel.Kernel()
    s = k.socket(socket.AF_PACKET, socket.SOCK_DGRAM, ALL)
    assert s.family is socket.AF_PACKET
    assert s.type is socket.SOCK_DGRAM
    assert s.proto == ALL
    assert repr(s).startswith("<netkernel.Socket fd=3, family=17, type=2, proto=768")


def test_send_error_keeps_linux_errno():
    k = _pair()
    with k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0) as s:
        with pytest.raises(OSError) as e:
            s.send(_frame())
        assert e.value.errno == errno.ENXIO
        assert e.value.strerror == "No such device or address"


def test_link_set_unknown_device_is_enodev_and_bad_mtu_einval():
    k = _pair()
    with pytest.raises(OSError) as e:
        k.link_set("nope", up=True)
    assert e.value.errno == errno.ENODEV
    with pytest.raises(OSError) as e:
        k.link_set("veth0", mtu=10)
    assert e.value.errno == errno.EINVAL
    assert k.links()[2]["mtu"] == 1500


def test_if_nametoindex_and_indextoname():
    k = _pair()
    assert k.if_nametoindex("veth0") == 3
    assert k.if_indextoname(2) == "veth1"
    with pytest.raises(OSError):
        k.if_nametoindex("nope")
    with pytest.raises(OSError) as e:
        k.if_indextoname(99)
    assert e.value.errno == errno.ENXIO
    assert k.if_nameindex() == [(1, "lo"), (2, "veth1"), (3, "veth0")]


def test_receive_timeout_expires_on_a_virtual_clock_machine():
    """SO_RCVTIMEO waits real time even when the machine's clock is virtual (frozen)."""
    import struct as _struct
    k = netkernel.Kernel(clock="virtual")
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _struct.pack("qq", 0, 50_000))
    with pytest.raises(BlockingIOError):
        s.recv(100)
