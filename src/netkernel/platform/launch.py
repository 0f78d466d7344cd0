"""Start a real program on a netkernel machine: fork; in the child, private namespaces, the
seccomp filter, the listener handed to us, exec; here, serve its calls until it exits."""
from __future__ import annotations

import os
import signal
import socket

from netkernel.platform import inproc, namespaces, seccomp
from netkernel.platform.supervisor import Supervisor

AF_PACKET, AF_NETLINK, NETLINK_ROUTE = 17, 16, 0
# the socket() calls the model serves. AF_NETLINK/NETLINK_ROUTE goes to the model
# (net/netlink/af_netlink.py): glibc's getifaddrs/if_nameindex, `ip`, arping, Scapy ≥ 2.5 and
# pyroute2 see the model's links (no addresses or routes yet: their dumps are empty).
ROUTE_SOCKETS_TO_MODEL = True
MODEL_FAMILIES = {AF_PACKET: None}
if ROUTE_SOCKETS_TO_MODEL:
    MODEL_FAMILIES[AF_NETLINK] = (NETLINK_ROUTE,)
# placeholders live here: below FD_SETSIZE so select() works, above what programs usually reach
RESERVED = (1000, 1023)


class RunError(Exception):
    """The run could not start: a one-line message and the exit status to give."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def run(view, argv: list[str], log=None) -> int:
    """Run `argv` with its network calls served by `view` (a Kernel or one of its processes);
    returns its exit status (128+N when killed by signal N)."""
    missing = seccomp.missing_feature()
    if missing:
        raise RunError(f"this host's kernel lacks seccomp's {missing}")
    lo, hi = RESERVED
    insns = seccomp.build_filter(lo, hi, MODEL_FAMILIES)
    with inproc.untraced():
        files = namespaces.view_files(view)
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:                                         # the child: never returns
        ours.close()
        _child(theirs, argv, insns, files)
    theirs.close()
    try:
        msg, fds, _, _ = socket.recv_fds(ours, 4096, 1)
        if not fds:
            os.waitpid(pid, 0)
            text = msg[1:].decode(errors="replace")
            raise RunError(text or "the child died before its filter was in place")
        listener = seccomp.Listener(fds[0])
        listener.killable_recv = msg == b"K"
        listener.enable_sync_wakeup()
        failed = ours.recv(4096)                         # EOF: exec succeeded (CLOEXEC)
    finally:
        ours.close()
    if failed:
        listener.close()
        os.waitpid(pid, 0)
        status, text = failed.decode(errors="replace").split(" ", 1)
        raise RunError(f"{argv[0]}: {text}", int(status))
    previous = _pass_signals(pid)
    try:
        return Supervisor(view, listener, pid, lo, hi, log).serve()
    finally:
        listener.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def _pass_signals(pid: int) -> dict:
    """The supervisor keeps serving the program through signals: ^C goes to the program (same
    process group) and is ignored here; SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 sent to netkernel are
    passed on to the program (as `timeout` or a shell's exec would), whose exit then ends the run.
    Returns the handlers to put back (none when not on the main thread)."""
    def forward(sig, _frame):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    previous = {}
    try:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
        for sig in FORWARDED:
            previous[sig] = signal.signal(sig, forward)
    except ValueError:                                   # not the main thread
        pass
    return previous


def _child(sock: socket.socket, argv: list[str], insns, files) -> None:
    try:
        namespaces.die_with_parent()
        namespaces.enter(files)
        lfd, killable = seccomp.install_filter(insns)
        socket.send_fds(sock, [b"K" if killable else b"L"], [lfd])
        os.close(lfd)
    except BaseException as e:                           # noqa: BLE001 — reported, then exit
        try:
            sock.sendall(b"E" + str(getattr(e, "strerror", None) or e).encode())
        finally:
            os._exit(126)
    try:
        os.execvp(argv[0], argv)
    except OSError as e:
        status = 127 if isinstance(e, FileNotFoundError) else 126
        sock.sendall(f"{status} {e.strerror}".encode())
    os._exit(127)
