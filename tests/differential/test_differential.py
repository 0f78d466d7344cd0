"""Each scenario runs on the real kernel (fresh netns) and on netkernel; observations must be equal.

The real kernel is the host's (6.18 here) or, under `make oracle`, Debian's 6.1 in a QEMU guest.
Scenarios marked with ``kernel_differs`` (a rule changed after 5.15, in version ``since``) compare
netkernel with the 5.15 expectation written in the scenario; the real kernel must give that
expectation when it is older than ``since`` (and carries no backport), and must differ from it
when newer, so a stale mark or a wrong expectation fails.

NKDIFF_ONLY=linux runs only the real kernel (for developing scenarios). NKDIFF_LINUX_CACHE=DIR
keeps each scenario's real-kernel observations in DIR; with NKDIFF_LINUX_REPLAY=1 as well they are
read back instead of run again (a scenario not recorded is skipped, and the recorded kernel was
already held to the kernel_differs marks) — `make test`'s second pass (the fast path forced the
other way) checks the model against the first pass's real kernel, which the fast path cannot
affect, and the 6.1 oracle records in its guest and compares on the host.
"""
from __future__ import annotations

import difflib
import json
import os

import pytest

from .backends import LinuxBackend, NetkernelBackend, kernel_sysctls, running_kernel
from .scenarios import all_scenarios
from .scenarios._common import follows_515

SCENARIOS = all_scenarios()
ONLY = os.environ.get("NKDIFF_ONLY", "")
CACHE = os.environ.get("NKDIFF_LINUX_CACHE", "")
REPLAY = CACHE and os.environ.get("NKDIFF_LINUX_REPLAY") == "1"
if CACHE and not REPLAY:
    kernel_sysctls()            # recorded beside the observations, for the replay's model
KERNEL = running_kernel()


def _norm(obs):
    return json.loads(json.dumps(obs))


def run_on(backend_cls, fn):
    b = backend_cls()
    try:
        return _norm(fn(b))
    finally:
        b.close()


def run_on_linux(fn, name: str):
    """The real kernel's observations of scenario `name`: run now, or read back from
    NKDIFF_LINUX_CACHE."""
    path = os.path.join(CACHE, f"{name}.json") if CACHE else None
    if REPLAY:
        if not os.path.exists(path):
            pytest.skip("no recorded real-kernel observation (the recording run skipped it)")
        with open(path) as f:
            return json.load(f)
    obs = run_on(LinuxBackend, fn)
    if path:
        os.makedirs(CACHE, exist_ok=True)
        with open(path, "w") as f:
            json.dump(obs, f)
    return obs


def _diff(a, b, an, bn):
    ja = json.dumps(a, indent=1, sort_keys=True).splitlines()
    jb = json.dumps(b, indent=1, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(ja, jb, an, bn, lineterm="", n=4))


@pytest.mark.parametrize("fn", [f for _, f in SCENARIOS], ids=[n for n, _ in SCENARIOS])
def test_scenario(fn, request):
    differs = getattr(fn, "kernel_differs", None)
    linux = None
    lacks = getattr(fn, "host_may_lack", None)
    if not (ONLY == "netkernel" and differs):
        try:
            linux = run_on_linux(fn, request.node.callspec.id)
        except pytest.skip.Exception as e:
            if not lacks or ONLY == "linux":
                raise
            # The host cannot run it (e.g. no dummy module): hold netkernel to the 5.15 rules.
            model = run_on(NetkernelBackend, fn)
            exp = _norm(fn.expected_515)
            if model != exp:
                pytest.fail(f"netkernel diverges from the 5.15 rules ({e.msg}; host lacks {lacks}):\n"
                            + _diff(exp, model, "linux-5.15 (expected in scenario)", "netkernel"),
                            pytrace=False)
            return
    if differs and linux is not None and not REPLAY:    # a replay's kernel was held to it when recorded
        exp = _norm(fn.expected_515)
        mark = f"{differs['commit']}, since {'.'.join(map(str, differs['since']))}"
        if follows_515(fn, KERNEL.version):
            if linux != exp:
                pytest.fail(f"{KERNEL} predates the change ({mark}) but does not give the 5.15 "
                            "expectation written in the scenario (a wrong expectation, or a stable "
                            "backport to declare in `backported`):\n"
                            + _diff(exp, linux, "linux-5.15 (expected in scenario)", f"linux {KERNEL.release}"),
                            pytrace=False)
        elif linux == exp:
            pytest.fail(f"stale kernel_differs mark: {KERNEL} gives the 5.15 expectation although the "
                        f"mark says the rule changed ({mark})", pytrace=False)
    if ONLY == "linux":
        return
    expected = _norm(fn.expected_515) if differs else linux
    model = run_on(NetkernelBackend, fn)
    label = "linux-5.15 (expected in scenario)" if differs else f"linux {KERNEL.release}"
    if model != expected:
        pytest.fail(f"netkernel diverges from {label}"
                    + (f" [the rule changed after 5.15: {differs['reason']}; {differs['commit']}]" if differs else "")
                    + ":\n" + _diff(expected, model, label, "netkernel"), pytrace=False)
