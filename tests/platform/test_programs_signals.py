"""Signals arriving while a program is blocked in a call the boundary serves (a NETLINK_ROUTE
recvmsg, a packet socket's recv), under `netkernel run` and on the real kernel: a handler with
SA_RESTART restarts the call, one without makes it EINTR, a process-wide signal interrupts only
the thread Linux gives it to, and no message is lost or doubled."""
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from polling import wait_until
from test_seccomp_run import ROOT, WHY_NOT, check_both, nk

pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")

RAW = '''
import ctypes, errno, signal, threading, time
libc = ctypes.CDLL(None, use_errno=True)
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
class msghdr(ctypes.Structure):
    _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32),
                ("iov", ctypes.POINTER(iovec)), ("iovlen", ctypes.c_size_t),
                ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                ("flags", ctypes.c_int)]
def raw_recvmsg(fd):
    """recvmsg(2) itself (Python would retry an EINTR): the reply's (type, seq), or the errno"""
    buf = ctypes.create_string_buffer(65536)
    iov = iovec(ctypes.addressof(buf), 65536)
    m = msghdr(None, 0, ctypes.pointer(iov), 1, None, 0, 0)
    r = libc.recvmsg(fd, ctypes.byref(m), 0)
    if r < 0:
        return errno.errorcode[ctypes.get_errno()]
    return struct.unpack_from("=IHHI", buf.raw)[1:4:2]
def getlink_request(seq):
    """RTM_GETLINK for ifindex 1 (lo): one RTM_NEWLINK answers it"""
    return struct.pack("=IHHIIBxHiII", 32, 18, 1, seq, 0, 0, 0, 1, 0, 0)
def handler(*_):
    pass
def nl():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    return s
'''


def both(tmp_path, code: str, expected: str):
    check_both(tmp_path, RAW + textwrap.dedent(code), expected)


def test_netlink_recvmsg_restarts_with_sa_restart_and_is_eintr_without(tmp_path):
    both(tmp_path, """
        s = nl()
        signal.signal(signal.SIGUSR2, handler)
        signal.siginterrupt(signal.SIGUSR2, False)      # SA_RESTART
        signal.signal(signal.SIGUSR1, handler)          # no SA_RESTART
        def restarting():
            for _ in range(15):
                time.sleep(0.01)
                os.kill(os.getpid(), signal.SIGUSR2)
            time.sleep(0.05)
            s.send(getlink_request(7))
        t = threading.Thread(target=restarting)
        t.start()
        print("SA_RESTART:", raw_recvmsg(s.fileno()))
        t.join()
        t = threading.Thread(target=lambda: (time.sleep(0.1), os.kill(os.getpid(), signal.SIGUSR1)))
        t.start()
        print("no SA_RESTART:", raw_recvmsg(s.fileno()))
        t.join()
        s.send(getlink_request(8))
        print("after:", raw_recvmsg(s.fileno()))
    """, """
        SA_RESTART: (16, 7)
        no SA_RESTART: EINTR
        after: (16, 8)
    """)


def test_a_process_wide_signal_interrupts_only_the_thread_that_takes_it(tmp_path):
    """kill(getpid()) goes to the main thread when it does not block the signal: a worker
    blocked in recvmsg keeps waiting (no spurious EINTR) and gets its reply; a signal sent to
    the worker itself (pthread_kill) interrupts it."""
    both(tmp_path, """
        s = nl()
        signal.signal(signal.SIGUSR1, handler)
        got = []
        def worker():
            got.append(raw_recvmsg(s.fileno()))
            got.append(raw_recvmsg(s.fileno()))
        w = threading.Thread(target=worker)
        w.start()
        time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGUSR1)            # the main thread takes it
        time.sleep(0.1)
        s.send(getlink_request(9))
        time.sleep(0.3)
        print("worker after kill():", got)
        signal.pthread_kill(w.ident, signal.SIGUSR1)    # now the worker itself
        w.join(5)
        print("worker after pthread_kill():", got[1:])
    """, """
        worker after kill(): [(16, 9)]
        worker after pthread_kill(): ['EINTR']
    """)


def test_packet_recv_interrupted_by_a_process_wide_signal_in_a_threaded_program(tmp_path):
    """The same for a packet socket, and the frame sent meanwhile is received once."""
    both(tmp_path, """
        a, b = pair()
        signal.signal(signal.SIGUSR1, handler)
        got = []
        def worker():
            buf = ctypes.create_string_buffer(2048)
            n = libc.recv(b.fileno(), buf, 2048, 0)
            got.append(body(buf.raw[:n]) if n > 0 else errno.errorcode[ctypes.get_errno()])
        w = threading.Thread(target=worker)
        w.start()
        for _ in range(10):
            time.sleep(0.01)
            os.kill(os.getpid(), signal.SIGUSR1)
        a.send(frame(b"once"))
        w.join(5)
        b.settimeout(0.2)
        try:
            more = b.recv(2048)
        except TimeoutError:
            more = None
        print(got, more)
    """, """
        [b'once'] None
    """)


BLOCKED = """
import signal, socket, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
s.bind((0, 0))
def on_term(*_):
    raise InterruptedError("SIGTERM")
signal.signal(signal.SIGTERM, on_term)
print("blocked", flush=True)
try:
    s.recv(100)
except OSError as e:
    print("recv:", type(e).__name__, e.errno, e, flush=True)
    sys.exit(3)
"""


def _term_when_blocked(argv, env=None):
    """Start argv, wait for its "blocked" line, SIGTERM it: (status, output)."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert p.stdout.readline() == "blocked\n", p.stderr.read()
        time.sleep(0.2)                       # into the recv
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    finally:
        p.kill()
    return p.returncode, out


def test_sigterm_to_netkernel_run_reaches_the_blocked_program(tmp_path):
    """SIGTERM sent to `netkernel run` is passed on to the program: its handler runs and its
    blocked NETLINK_ROUTE recv ends with the handler's exception, as when the program gets
    SIGTERM on the real kernel — never ENOSYS from a supervisor that went away."""
    prog = tmp_path / "blocked.py"
    prog.write_text(BLOCKED)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    got = _term_when_blocked([sys.executable, "-m", "netkernel", "run", "--", sys.executable,
                              str(prog)], env)
    assert got == (3, "recv: InterruptedError None SIGTERM\n")
    if os.geteuid() == 0 and shutil.which("ip"):
        ns = f"nkterm-{os.getpid()}"
        subprocess.run(["ip", "netns", "add", ns], check=True)
        try:
            assert _term_when_blocked(["ip", "netns", "exec", ns, sys.executable,
                                       str(prog)]) == got
        finally:
            subprocess.run(["ip", "netns", "del", ns])


def test_processes_left_behind_are_killed_when_the_program_exits(tmp_path):
    """The machine ends with the started program: a process it left in the background (blocked
    in a call the machine serves) is killed, never left on the host failing with ENOSYS."""
    prog = tmp_path / "left_behind.py"
    out = tmp_path / "left_behind.out"
    prog.write_text(BLOCKED.replace('print("recv:"', f'print(file=open({str(out)!r}, "w")); '
                                                    'print("recv:"'))
    r = nk("run", "--", "sh", "-c", f"{sys.executable} {prog} & sleep 1")
    assert r.returncode == 0, r.stderr
    assert wait_until(lambda: not _running(str(prog)))
    assert not out.exists() and "Function not implemented" not in r.stderr


def _running(needle: str) -> bool:
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if needle.encode() in f.read():
                    return True
        except OSError:
            continue
    return False
