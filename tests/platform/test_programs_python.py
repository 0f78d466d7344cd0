"""Plain Python on packet sockets under `netkernel run`, compared with the real kernel: the
readiness APIs not covered elsewhere (select.select, select.poll, asyncio's sock_recv/
sock_sendall through add_reader/add_writer) and the descriptor flags (FD_CLOEXEC across exec)."""
import pytest
from test_seccomp_run import WHY_NOT, check_both

pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")


def test_select_poll_and_asyncio_sock_calls(tmp_path):
    check_both(tmp_path, """
        import asyncio, select
        a, b = pair()
        print("select empty:", select.select([b], [], [], 0.05))
        a.send(frame(b"sel"))
        r, w, x = select.select([b], [a], [], 2)
        print("select:", r == [b], w == [a], x)
        print(body(b.recv(2048)))
        p = select.poll()
        p.register(b, select.POLLIN)
        print("poll empty:", p.poll(50))
        a.send(frame(b"pol"))
        print("poll:", [(fd == b.fileno(), ev) for fd, ev in p.poll(2000)])
        print(body(b.recv(2048)))
        async def main():
            loop = asyncio.get_running_loop()
            a.setblocking(False)
            b.setblocking(False)
            got = asyncio.ensure_future(loop.sock_recv(b, 2048))
            await asyncio.sleep(0.05)
            print("pending:", not got.done())
            await loop.sock_sendall(a, frame(b"aio"))
            print(body(await asyncio.wait_for(got, 5)))
        asyncio.run(main())
    """, """
        select empty: ([], [], [])
        select: True True []
        b'sel'
        poll empty: []
        poll: [(True, 1)]
        b'pol'
        pending: True
        b'aio'
    """)


def test_fd_cloexec_follows_the_descriptor_across_exec(tmp_path):
    """FD_CLOEXEC (fcntl F_SETFD, SOCK_CLOEXEC, os.set_inheritable) on a model socket: an exec'd
    child has the inheritable one, not the other."""
    check_both(tmp_path, """
        import fcntl, subprocess, sys
        a, b = pair()
        flags = fcntl.fcntl(a.fileno(), fcntl.F_GETFD)
        print("cloexec by default:", bool(flags & fcntl.FD_CLOEXEC))
        os.set_inheritable(b.fileno(), True)
        print("after set_inheritable:", fcntl.fcntl(b.fileno(), fcntl.F_GETFD))
        child = ("import os, socket, sys; fds = [int(x) for x in sys.argv[1:]]; "
                 "print([os.path.exists(f'/proc/self/fd/{fd}') for fd in fds]); "
                 "s = socket.socket(fileno=fds[1]); print(s.family, s.getsockname()[0])")
        r = subprocess.run([sys.executable, "-c", child, str(a.fileno()), str(b.fileno())],
                           pass_fds=(b.fileno(),), capture_output=True, text=True)
        print(r.stdout, end="")
        print(r.stderr[-200:], end="")
    """, """
        cloexec by default: True
        after set_inheritable: 0
        [False, True]
        17 veth1
    """)


def test_readiness_is_current_when_the_send_returns(tmp_path):
    """A frame one socket of the program sends to another is readable (select with timeout 0)
    as soon as send() returns, and not any more once recv() returned it: as on Linux."""
    check_both(tmp_path, """
        import select
        a, b = pair()
        stale = 0
        for i in range(200):
            a.send(frame(str(i).encode()))
            stale += not select.select([b], [], [], 0)[0]
            b.recv(2048)
            stale += bool(select.select([b], [], [], 0)[0])
        print("stale readiness:", stale)
    """, "stale readiness: 0\n")


def test_a_double_forked_process_keeps_its_socket(tmp_path):
    """A daemon (double fork: its parent gone, it is no descendant of the program any more)
    still holds its socket after the program closed its own copy: it receives, not EBADF."""
    check_both(tmp_path, f"""
        import time
        out = {str(tmp_path)!r} + f"/daemon-{{os.getpid()}}.out"
        a, b = pair()
        if os.fork() == 0:
            if os.fork() == 0:                  # the daemon
                b.settimeout(10)
                try:
                    got = body(b.recv(2048))
                except OSError as e:
                    got = e.strerror
                with open(out + ".tmp", "w") as f:
                    f.write(repr(got))
                os.rename(out + ".tmp", out)
                os._exit(0)
            os._exit(0)
        os.wait()                               # the middle process is gone
        b.close()
        time.sleep(0.3)
        a.send(frame(b"to the daemon"))
        for _ in range(500):
            if os.path.exists(out):
                break
            time.sleep(0.01)
        print(open(out).read())
    """, "b'to the daemon'\n")
