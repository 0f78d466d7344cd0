"""The differential suite on a second real kernel: Debian's Linux 6.1, booted under QEMU.

The host runs Linux 6.18; the model follows 5.15. Debian's 6.1 predates most of the rules the
scenarios mark with ``kernel_differs``, so inside it the real kernel must give the 5.15
expectations those scenarios carry (see test_differential.py), and it has the dummy module the
host lacks. `scripts/oracle-6.1/run.sh` fetches the kernel with apt, boots it with this machine's
root filesystem shared read-only, and runs the suite there; this test reports its result.

Skips: inside the guest itself, with NK_ORACLE=0 (or `-m "not oracle61"`), without root, or when
QEMU/apt cannot provide the guest.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(ROOT, "scripts", "oracle-6.1", "run.sh")
SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed|errors?)\b.*?) in ([0-9.]+)s")
RESULT: dict = {}          # read by tests/conftest.py's terminal summary
# What runs inside the guest: every test that compares netkernel with the running kernel.
GUEST_TESTS = ("differential", "net/core/test_rtnetlink.py", "kernel/test_sysctl.py")


def _why_not() -> str | None:
    if os.environ.get("NK_ORACLE_GUEST"):
        return "already inside the 6.1 guest"
    if os.environ.get("NK_ORACLE", "1") == "0":
        return "NK_ORACLE=0"
    if os.geteuid() != 0:
        return "the 6.1 oracle needs root (apt for the kernel package, netns in the guest)"
    if shutil.which("qemu-system-x86_64") is None and shutil.which("apt-get") is None:
        return "neither QEMU nor apt-get is available to provide the 6.1 guest"
    return None


_GUEST: dict = {}          # the guest's run once started: process, output file, start time


def start_guest() -> None:
    """Boot the guest and start the suite in it, in the background. tests/conftest.py calls this
    right after collection (and moves this test last), so the 6.1 run overlaps the host's tests
    instead of following them. Does nothing when the oracle is skipped or already started."""
    if _GUEST or _why_not():
        return
    src = os.path.join(ROOT, "src")
    paths = " ".join(shlex.quote(os.path.join(ROOT, "tests", p)) for p in GUEST_TESTS)
    # the guest's /tmp overlays the host's, which the host's own pytest changes meanwhile:
    # the guest keeps its temporary files on its private /run tmpfs
    cmd = (f"PYTHONPATH={shlex.quote(src)} {shlex.quote(sys.executable)} -m pytest -q "
           f"-p no:cacheprovider --basetemp=/run/nk-guest-pytest -rfE {paths}")
    out = tempfile.TemporaryFile(mode="w+")
    _GUEST.update(out=out, t0=time.monotonic(),
                  proc=subprocess.Popen(["bash", RUN, cmd], cwd=ROOT, stdout=out,
                                        stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True))


def stop_guest() -> None:
    """At the end of the session: a guest whose test never ran (an -x stop, a deselection
    after the start) is killed with its QEMU rather than left running."""
    proc = _GUEST.get("proc")
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.mark.oracle61
def test_differential_suite_on_debian_linux_6_1():
    why = _why_not()
    if why:
        pytest.skip(why)
    start_guest()
    proc = _GUEST["proc"]
    try:
        proc.wait(timeout=int(os.environ.get("NK_ORACLE_TIMEOUT", "900")) + 120)
    except subprocess.TimeoutExpired:
        stop_guest()
    elapsed = time.monotonic() - _GUEST["t0"]
    _GUEST["out"].seek(0)
    out = _GUEST["out"].read()
    if proc.returncode == 3:
        pytest.skip("the 6.1 guest cannot run here: " + out.strip().splitlines()[-1] if out.strip()
                    else "the 6.1 guest cannot run here")
    guest = re.search(r"oracle-6.1: guest (\S+) up", out)
    summary = next((m.group(1) for m in map(SUMMARY.match, reversed(out.splitlines())) if m), None)
    RESULT.update(kernel=guest.group(1) if guest else "?", summary=summary or "no summary",
                  seconds=round(elapsed))
    with open(os.path.join(ROOT, ".oracle-6.1.log"), "w") as f:
        f.write(out)
    assert proc.returncode == 0 and summary is not None, (
        f"differential suite on Linux {RESULT['kernel']} (rc {proc.returncode}):\n"
        + "\n".join(out.splitlines()[-80:]))
