"""`netkernel run`: run any unmodified program (python3, tcpdump, arping, a Scapy script, and
whatever it forks) on a netkernel machine.

Its packet sockets, NETLINK_ROUTE sockets and interface ioctls are served by the machine through
seccomp user notification (netkernel.platform); every other syscall runs natively on the host, in
a private network and mount namespace. The program holds real descriptors, so select, poll, epoll
and asyncio work as on Linux.
"""
from __future__ import annotations

import sys

from netkernel.platform.launch import RunError, run

__all__ = ["RunError", "run_program"]


def program_argv(argv: list[str]) -> list[str]:
    """`python`/`python3` mean the interpreter netkernel runs on (the program sees the same
    packages); every other command is looked up in PATH as a shell does."""
    if argv and argv[0] in ("python", "python3"):
        return [sys.executable, *argv[1:]]
    return list(argv)


def run_program(k, argv: list[str], trace: str | None = None, trace_out=None) -> int:
    """Run `argv` on machine `k`; returns its exit status (128+N when killed by signal N).
    With `trace`, the kernel functions its syscalls ran are printed (format `trace`) to
    `trace_out` (default stderr) after it exits. Raises RunError when it cannot start."""
    argv = program_argv(argv)
    if not argv:
        raise RunError("no program given", 2)
    view = k.process()
    tr = k.trace() if trace else None
    if tr is not None:
        tr.__enter__()
    try:
        status = run(view, argv)
    finally:
        if tr is not None:
            tr.__exit__(None, None, None)
    if tr is not None:
        print(tr.render(trace), file=trace_out or sys.stderr)
    return status
