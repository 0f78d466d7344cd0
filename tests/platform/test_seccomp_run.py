"""`netkernel run -- COMMAND`: real programs on a netkernel machine through the seccomp
boundary (netkernel.platform). Each program runs as its own process, unmodified; the frames it
sees were carried by the model (its private network namespace has no veth at all)."""
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import realkernel

from netkernel.platform import seccomp

ROOT = Path(__file__).resolve().parents[2]
TOPO = ROOT / "examples" / "veth.topology"


def nk(*args, timeout=60):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-m", "netkernel", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)


def _why_not() -> str | None:
    missing = seccomp.missing_feature()
    if missing:
        return f"the host kernel lacks seccomp's {missing}"
    if os.geteuid() != 0:
        try:
            text = Path("/proc/sys/user/max_user_namespaces").read_text().strip()
        except OSError:
            text = "0"
        if text == "0":
            return "not root and user namespaces are disabled"
    r = nk("run", "--", "true", timeout=30)
    if r.returncode != 0:
        return f"`netkernel run -- true` fails here: {r.stderr.strip()}"
    return None


WHY_NOT = _why_not()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")

PRELUDE = '''
import os, socket, struct, sys
ETH_P_ALL = 3
def pair():
    """a sender on veth0 and a receiver on veth1 (the model's veth carries the frame)"""
    a = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    a.bind(("veth0", 0))
    b = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88B5))
    b.bind(("veth1", 0))
    return a, b
def frame(payload: bytes) -> bytes:
    return b"\\xff" * 6 + b"\\x02\\0\\0\\0\\0\\x01" + b"\\x88\\xb5" + payload.ljust(46, b".")
def body(f: bytes) -> bytes:
    return f[14:].rstrip(b".")
'''


def run_py(tmp_path, code: str, *extra, timeout=60):
    prog = tmp_path / "prog.py"
    prog.write_text(PRELUDE + textwrap.dedent(code))
    return nk("run", "--topology", str(TOPO), *extra, "--", "python", str(prog), timeout=timeout)


def check(r, expected: str):
    assert r.returncode == 0, r.stderr
    assert r.stdout == textwrap.dedent(expected).lstrip("\n"), r.stderr


def run_real(tmp_path, code: str, timeout=60):
    """The same program on the real kernel, in a fresh namespace built from the same topology
    (root and iproute2), or None where that cannot be done."""
    prog = tmp_path / "real_prog.py"
    prog.write_text(PRELUDE + textwrap.dedent(code))
    return run_real_cmd([sys.executable, str(prog)], timeout)


def run_real_cmd(argv, timeout=60):
    """`argv` in a fresh real namespace built from the topology (root and iproute2), or None;
    no IPv6 autoconfiguration chatter (the model has no IPv6): only the program's frames."""
    return realkernel.run_in_topology(TOPO, argv, timeout, disable_ipv6=True)


def check_both(tmp_path, code: str, expected: str, timeout=60):
    """The program prints `expected` under netkernel run, and the same on the real kernel."""
    check(run_py(tmp_path, code, timeout=timeout), expected)
    real = run_real(tmp_path, code, timeout)
    if real is not None:
        check(real, expected)


def test_selectors_default_selector_epoll(tmp_path):
    check_both(tmp_path, """
        import selectors
        a, b = pair()
        sel = selectors.DefaultSelector()
        print(type(sel).__name__)
        sel.register(b, selectors.EVENT_READ)
        print("before:", sel.select(0.05))
        a.send(frame(b"one"))
        [(key, ev)] = sel.select(2.0)
        print("ready:", key.fileobj is b, ev)
        print(body(b.recv(2048)))
        print("after:", sel.select(0.05))
    """, """
        EpollSelector
        before: []
        ready: True 1
        b'one'
        after: []
    """)


def test_asyncio_add_reader(tmp_path):
    check_both(tmp_path, """
        import asyncio
        async def main():
            a, b = pair()
            b.setblocking(False)
            loop = asyncio.get_running_loop()
            got = loop.create_future()
            loop.add_reader(b.fileno(), lambda: got.set_result(b.recv(2048)))
            loop.call_later(0.05, a.send, frame(b"async"))
            print(body(await asyncio.wait_for(got, 5)))
            loop.remove_reader(b.fileno())
            print(await loop.sock_recv(b, 2048) if False else "done")
        asyncio.run(main())
    """, """
        b'async'
        done
    """)


def test_os_read_dup_and_fcntl_nonblock(tmp_path):
    r = run_py(tmp_path, """
        import errno, fcntl
        a, b = pair()
        a.send(frame(b"read"))
        print(body(os.read(b.fileno(), 2048)))
        d = os.dup(b.fileno())
        print("dup in range:", 1000 <= d < 1024, d != b.fileno())
        b.close()                                   # the socket lives on in d
        a.send(frame(b"via dup"))
        print(body(os.read(d, 2048)))
        fl = fcntl.fcntl(d, fcntl.F_GETFL)
        fcntl.fcntl(d, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        print("nonblock:", bool(fcntl.fcntl(d, fcntl.F_GETFL) & os.O_NONBLOCK))
        try:
            os.read(d, 2048)
        except BlockingIOError as e:
            print("empty:", errno.errorcode[e.errno])
        s = socket.socket(fileno=os.dup(d))           # socket.fromfd-style adoption
        print(s.family == socket.AF_PACKET, s.type == socket.SOCK_RAW, s.getsockname()[0])
        os.dup2(d, 1010)
        a.send(frame(b"dup2"))
        print(body(os.read(1010, 2048)))
        try:
            os.dup2(d, 50)
        except OSError as e:
            print("dup2 out of range:", errno.errorcode[e.errno])
        s.setblocking(False)                          # FIONBIO on the shared file
        try:
            s.recv(10)
        except BlockingIOError:
            print("FIONBIO: EAGAIN")
    """)
    check(r, """
        b'read'
        dup in range: True True
        b'via dup'
        nonblock: True
        empty: EAGAIN
        True True veth1
        b'dup2'
        dup2 out of range: EINVAL
        FIONBIO: EAGAIN
    """)


def test_blocking_recv_interrupted_by_signals_loses_no_frame(tmp_path):
    """A 1 ms interval timer interrupts the blocked recv over and over (EINTR, retried by
    Python); a sender thread (SIGALRM blocked there) sends 150 numbered frames. All arrive, in
    order, once."""
    check_both(tmp_path, """
        import signal, threading, time
        a, b = pair()
        hits = [0]
        def on_alarm(*_):
            hits[0] += 1
        signal.signal(signal.SIGALRM, on_alarm)
        N = 150
        def sender():
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            for i in range(N):
                a.send(frame(str(i).encode()))
                time.sleep(0.002 if i % 10 else 0.03)
        signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
        t = threading.Thread(target=sender)
        t.start()
        got = [int(body(b.recv(2048))) for _ in range(N)]
        signal.setitimer(signal.ITIMER_REAL, 0)
        t.join()
        print(got == list(range(N)), hits[0] > 20)
        b.settimeout(0.2)
        try:
            b.recv(2048)
            print("a duplicate!")
        except TimeoutError:
            print("nothing more")
    """, """
        True True
        nothing more
    """, timeout=90)


def test_so_rcvtimeo_blocking_recv_times_out(tmp_path):
    check_both(tmp_path, """
        import errno, time
        a, b = pair()
        b.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("qq", 0, 200000))
        t0 = time.monotonic()
        try:
            b.recv(2048)
        except BlockingIOError as e:
            print(errno.errorcode[e.errno], 0.15 < time.monotonic() - t0 < 2)
    """, "EAGAIN True\n")


def test_fork_and_thread_share_one_machine_traced_and_captured(tmp_path):
    """A forked child sends on an inherited socket the parent already closed (the socket lives
    while any process holds it), a thread opens its own; the trace and the capture see both."""
    cap = tmp_path / "run.pcapng"
    trace = tmp_path / "trace.json"
    r = run_py(tmp_path, """
        import threading, time
        a, b = pair()
        pid = os.fork()
        if pid == 0:
            time.sleep(0.2)                     # the parent has closed its copy meanwhile
            a.send(frame(b"from-child"))
            os._exit(0)
        a.close()
        def thread():
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            s.bind(("veth0", 0))
            s.send(frame(b"from-thread"))
            s.close()
        t = threading.Thread(target=thread)
        t.start()
        got = sorted(body(b.recv(2048)) for _ in range(2))
        t.join()
        os.waitpid(pid, 0)
        print(got)
    """, "--capture", str(cap), "--trace", "json", "--trace-out", str(trace))
    check(r, "[b'from-child', b'from-thread']\n")
    text = trace.read_text()
    # each of the program's calls once: its receives are not doubled by the supervisor's peeks
    assert text.count('"sys_sendto"') == 2 and text.count('"sys_socket"') == 3
    assert text.count('"sys_recvfrom"') == 2
    data = cap.read_bytes()
    assert b"from-child" in data and b"from-thread" in data


def test_so_attach_filter_reads_the_programs_memory_and_bad_pointers_fault(tmp_path):
    """SO_ATTACH_FILTER's sock_fprog points into the program: the model reads it there
    (copy_from_user through the calling task's memory); a bad pointer is EFAULT."""
    check_both(tmp_path, """
        import ctypes, errno
        a, b = pair()
        c = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        c.bind(("veth1", 0))
        # ldh [12]; jeq #0x88b6 → accept : drop
        insns = (ctypes.c_uint64 * 4)(*[code | jt << 16 | jf << 24 | k << 32 for code, jt, jf, k in
                 ((0x28, 0, 0, 12), (0x15, 0, 1, 0x88B6), (0x06, 0, 0, 0xFFFF), (0x06, 0, 0, 0))])
        prog = struct.pack("HxxxxxxQ", 4, ctypes.addressof(insns))
        c.setsockopt(socket.SOL_SOCKET, 26, prog)
        a.send(frame(b"dropped"))
        a.send(frame(b"kept")[:12] + b"\\x88\\xb6" + frame(b"kept")[14:])
        print(body(c.recv(2048)))
        try:
            c.setsockopt(socket.SOL_SOCKET, 26, struct.pack("HxxxxxxQ", 4, 8))
        except OSError as e:
            print("bad program pointer:", errno.errorcode[e.errno])
        libc = ctypes.CDLL(None, use_errno=True)
        print("bad buffer:", libc.send(a.fileno(), ctypes.c_void_p(8), 60, 0),
              errno.errorcode[ctypes.get_errno()])
    """, """
        b'kept'
        bad program pointer: EFAULT
        bad buffer: -1 EFAULT
    """)


OTHER_TESTS = ("nk", "vtest", "tap")    # names other tests (and sessions) add and remove meanwhile


def host_state():
    """The host's interfaces (name, MAC, flags), and the namespaces mounted in /run/netns; what
    other tests running at the same time create (named nk*/vtest*/tap*) is left out."""
    links = []
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout \
        if shutil.which("ip") else ""
    for line in out.splitlines():
        name = line.split(": ")[1].split("@")[0]
        if not name.startswith(OTHER_TESTS):
            links.append((name, line.split("link/")[-1].split()[:2], line.split("<")[1]
                          .split(">")[0]))
    netns = sorted(n for n in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else [])
                   if not n.startswith(OTHER_TESTS))
    return links, netns


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
def test_private_namespaces_views_and_host_left_alone(tmp_path):
    before = host_state()
    r = run_py(tmp_path, """
        print(sorted(os.listdir("/sys/class/net")))
        index = open("/sys/class/net/veth1/ifindex").read().strip()
        print(open("/sys/class/net/veth0/address").read().strip(),
              index == str(socket.if_nametoindex("veth1")))
        def names(text):
            return [l.split(":")[0].strip() for l in text.splitlines()[2:]]
        print(names(open("/proc/net/dev").read()))
        # a forked process sees the same (platform/views.py)
        import subprocess
        print(names(subprocess.run(["cat", "/proc/net/dev"], capture_output=True,
                                   text=True).stdout))
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # native: the private netns
        try:
            u.connect(("192.0.2.1", 9))
        except OSError as e:
            print("AF_INET sees no route:", e.errno)
    """)
    check(r, """
        ['lo', 'veth0', 'veth1']
        02:00:00:00:00:01 True
        ['lo', 'veth1', 'veth0']
        ['lo', 'veth1', 'veth0']
        AF_INET sees no route: 101
    """)
    assert host_state() == before


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
@pytest.mark.parametrize("argv", [["ip", "link", "show"], ["ip", "-br", "link"],
                                  ["ip", "link", "show", "dev", "veth0"]])
def test_ip_link_shows_what_the_real_kernel_shows(argv):
    """`ip` asks NETLINK_ROUTE (RTM_GETLINK dump, or by name), served by the model — never the
    host's links — and prints what it prints for the same topology on the real kernel."""
    r = nk("run", "--topology", str(TOPO), "--", *argv)
    assert r.returncode == 0, r.stderr
    assert "veth0@veth1" in r.stdout and "02:00:00:00:00:01" in r.stdout
    # the model's machines start with lo up; a fresh real namespace has it down
    real = run_real_cmd(["sh", "-c", "ip link set lo up && " + shlex.join(argv)])
    if real is None:
        return
    assert real.returncode == 0, real.stderr
    assert r.stdout == real.stdout


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
def test_ip_link_errors_are_the_kernels():
    """A device that does not exist: ENODEV in NLMSG_ERROR, as `ip` reports it from Linux."""
    argv = ["ip", "link", "show", "dev", "nosuch0"]
    r = nk("run", "--topology", str(TOPO), "--", *argv)
    real = run_real_cmd(argv)
    assert r.returncode != 0 and r.stdout == ""
    assert "nosuch0" in r.stderr
    if real is not None:
        assert (r.returncode, r.stderr) == (real.returncode, real.stderr)


@pytest.mark.skipif(shutil.which("ip") is None, reason="needs iproute2")
def test_ip_link_set_errors_carry_the_kernels_extended_ack():
    """RTM_NEWLINK/SETLINK through the model's one link path: errors come back in NLMSG_ERROR
    with the extended-ack message `ip` prints ("Error: ..."), as from Linux; a valid change
    applies."""
    cmd = ("ip link set veth0 mtu 70000; ip link set veth0 mtu 60; ip link add x0 type nosuch0;"
           " ip link add veth0 type veth peer name v9; ip link set veth0 mtu 9000 &&"
           " ip -br link show veth0 && ip link show dev veth1 | head -1")
    r = nk("run", "--topology", str(TOPO), "--", "sh", "-c", cmd)
    assert "Error: mtu greater than device maximum." in r.stderr
    assert "mtu 1500" in r.stdout and "veth0@veth1" in r.stdout
    real = run_real_cmd(["sh", "-c", "ip link set lo up; " + cmd])
    if real is not None:
        assert (r.returncode, r.stdout, r.stderr) == (real.returncode, real.stdout, real.stderr)


def test_if_nameindex_is_the_models(tmp_path):
    """glibc's if_nameindex (an RTM_GETLINK dump on a NETLINK_ROUTE socket) lists the model's
    links, in the real kernel's order."""
    check_both(tmp_path, "import socket; print(socket.if_nameindex())",
               "[(1, 'lo'), (2, 'veth1'), (3, 'veth0')]\n")


SENDER = """
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
s.bind(("veth0", 0))
for i in range(6):
    kind = b"\\x88\\xb5" if i % 2 == 0 else b"\\x88\\xb6"
    s.send(b"\\xff" * 6 + b"\\x02\\0\\0\\0\\0\\x01" + kind + f"frame {i}".encode().ljust(46, b"."))
    time.sleep(0.05)
"""


def _tcpdump_and_send(run, tmp_path, pcap, *filter_expr):
    """`tcpdump -i veth1 -c 3 -w PCAP [FILTER]` in the background, then a sender; `run` runs the
    sh command (netkernel run, or ip netns exec)."""
    sender = tmp_path / "sender.py"
    sender.write_text(SENDER)
    expr = " ".join(shlex.quote(w) for w in filter_expr)
    cmd = (f"tcpdump -i veth1 -c 3 -w {shlex.quote(str(pcap))} {expr} & sleep 1.5; "
           f"{shlex.quote(sys.executable)} {shlex.quote(str(sender))}; wait")
    return run(["sh", "-c", cmd])


def _frames(pcap) -> list[str]:
    r = subprocess.run(["tshark", "-r", str(pcap), "-T", "fields", "-e", "eth.src", "-e",
                        "eth.type", "-e", "frame.len", "-e", "data.data"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


@pytest.mark.skipif(shutil.which("tcpdump") is None or shutil.which("tshark") is None,
                    reason="needs tcpdump and tshark")
@pytest.mark.parametrize("filter_expr", [(), ("ether", "proto", "0x88b5")])
def test_tcpdump_writes_what_the_real_kernel_writes(tmp_path, filter_expr):
    """tcpdump (libpcap: TPACKET_V3 ring mapped through the boundary, SO_ATTACH_FILTER with a
    compiled filter) captures the model's frames; tshark reads the same frames as from the real
    kernel's capture."""
    model_pcap = tmp_path / "model.pcap"
    r = _tcpdump_and_send(lambda argv: nk("run", "--topology", str(TOPO), "--", *argv),
                          tmp_path, model_pcap, *filter_expr)
    assert r.returncode == 0, r.stderr
    assert "3 packets captured" in r.stderr
    model = _frames(model_pcap)
    assert len(model) == 3
    if filter_expr:
        assert all("0x88b5" in line for line in model)
    real_pcap = tmp_path / "real.pcap"

    def on_real(argv):
        prog = tmp_path / "real.sh"
        prog.write_text(shlex.join(argv))
        return run_real_cmd(["sh", str(prog)])
    real = _tcpdump_and_send(on_real, tmp_path, real_pcap, *filter_expr)
    if real is None:
        return
    assert real.returncode == 0, real.stderr
    assert _frames(real_pcap) == model


@pytest.mark.skipif(shutil.which("arping") is None, reason="needs iputils arping")
def test_arping_dad_as_on_the_real_kernel():
    """iputils arping -D lists addresses with getifaddrs (RTM_GETLINK + RTM_GETADDR dumps on a
    NETLINK_ROUTE socket the model serves), probes once, hears nothing: what it prints and its
    status are the real kernel's."""
    argv = ["arping", "-D", "-c", "1", "-I", "veth0", "10.0.0.2"]
    r = nk("run", "--topology", str(TOPO), "--", *argv, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "Sent 1 probes (1 broadcast(s))" in r.stdout
    real = run_real_cmd(argv, timeout=30)
    if real is not None:
        assert (r.returncode, r.stdout) == (real.returncode, real.stdout)


def test_command_not_found_is_one_line():
    r = nk("run", "--", "no-such-command-nk")
    assert (r.returncode, r.stderr) == (127, "netkernel: run: no-such-command-nk: "
                                             "No such file or directory\n")


def test_exit_status_and_signal():
    assert nk("run", "--", "sh", "-c", "exit 7").returncode == 7
    assert nk("run", "--", "sh", "-c", "kill -TERM $$").returncode == 128 + 15


def test_socket_released_when_the_last_holder_exits(tmp_path):
    """A socket shared by fork stays open in the model while either process holds it, and is
    closed in the model once the last holder is gone (here: the child exits without closing)."""
    import threading
    import time

    import netkernel
    from netkernel import iproute
    from netkernel.platform.launch import run

    k = netkernel.Kernel()
    iproute.load_topology(k, str(TOPO))
    view = k.process()
    marks = tmp_path / "marks"
    prog = tmp_path / "prog.py"
    prog.write_text(PRELUDE + textwrap.dedent(f"""
        import time
        def mark(what):
            with open({str(marks)!r}, "a") as f:
                f.write(what + "\\n")
        a = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        a.bind(("veth0", 0))
        pid = os.fork()
        if pid == 0:
            a.send(frame(b"child"))              # a call: the supervisor knows this process
            time.sleep(0.6)
            os._exit(0)                          # exits holding the socket
        time.sleep(0.2)
        a.close()
        mark("closed")
        os.waitpid(pid, 0)
        mark("exited")
        time.sleep(1.5)
    """))
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("rc", run(view, [sys.executable,
                                                                           str(prog)])))
    t.start()

    def wait_for(line, deadline=10.0):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if marks.exists() and line in marks.read_text().split():
                return
            time.sleep(0.02)
        raise AssertionError(f"the program never reached {line!r}")

    wait_for("closed")
    assert len(view._task.files) == 1          # the forked child still holds it
    wait_for("exited")
    end = time.monotonic() + 3
    while view._task.files and time.monotonic() < end:
        time.sleep(0.02)
    assert view._task.files == {}
    t.join(20)
    assert result.get("rc") == 0


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None or
                    not os.access("/usr/bin/python3", os.X_OK),
                    reason="needs root (to become nobody), setpriv and /usr/bin/python3")
def test_works_without_root_in_a_user_namespace():
    r = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3",
         "-m", "netkernel", "run", "--topology", str(TOPO), "--", "python3", "-c",
         "import os, socket\n"
         "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)\n"
         "s.bind(('veth0', 0))\n"
         "index = open('/sys/class/net/veth1/ifindex').read().strip()\n"
         "print(os.getuid(), s.getsockname()[4].hex(), index)"],
        capture_output=True, text=True, timeout=60, cwd="/",
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")))
    if r.returncode != 0 and "user namespaces" in r.stderr:
        pytest.skip(r.stderr.strip())
    assert r.returncode == 0, r.stderr
    assert r.stdout == "0 020000000001 2\n"


def test_recvmsg_control_messages_sendmsg_readv_writev(tmp_path):
    """recvmsg with PACKET_AUXDATA and a sockaddr (and with no room for the control message),
    sendmsg with iovecs and an address, readv and writev on the socket: as on Linux."""
    check_both(tmp_path, """
        SOL_PACKET, PACKET_AUXDATA = 263, 8
        a, b = pair()
        b.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        f = frame(b"msg")
        a.sendmsg([f[:10], f[10:]], [], 0, ("veth0", 0))
        data, anc, flags, addr = b.recvmsg(2048, 256)
        tp_len, snaplen, mac, net = struct.unpack_from("4xIIHH", anc[0][2])
        print(body(data), flags, addr[0], addr[2], [(l, t, len(d)) for l, t, d in anc],
              tp_len, snaplen, mac, net)
        a.send(f)
        data, anc, flags, addr = b.recvmsg(2048, 8)
        print(anc, bool(flags & socket.MSG_CTRUNC))
        print(os.writev(a.fileno(), [f[:20], f[20:]]))
        buf1, buf2 = bytearray(20), bytearray(100)
        print(os.readv(b.fileno(), [buf1, buf2]), body(bytes(buf1 + buf2)[:60]))
    """, """
        b'msg' 0 veth1 1 [(263, 8, 20)] 60 60 0 14
        [] True
        60
        60 b'msg'
    """)


def test_signal_handler_interrupts_a_blocking_recv_promptly(tmp_path):
    """A handler that raises ends a recv blocked with nothing to receive, as on Linux (the
    boundary answers the parked call when a signal is pending for its thread)."""
    check_both(tmp_path, """
        import signal, time
        a, b = pair()
        def on_alarm(*_):
            raise InterruptedError("alarm")
        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        t0 = time.monotonic()
        try:
            b.recv(2048)
        except InterruptedError as e:
            print("interrupted:", e, time.monotonic() - t0 < 1.0)
        a.send(frame(b"after"))                     # the socket still works
        print(body(b.recv(2048)))
    """, """
        interrupted: alarm True
        b'after'
    """)
