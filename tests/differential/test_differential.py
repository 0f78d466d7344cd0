"""Each scenario runs on the real kernel (fresh netns) and on netkernel; observations must be equal.

Scenarios marked with ``kernel_differs`` (the host kernel is newer than 5.15 and changed the rule)
compare netkernel with the 5.15 expectation written in the scenario instead of the host's result.

NKDIFF_ONLY=linux runs only the real kernel (for developing scenarios).
"""
from __future__ import annotations

import difflib
import json
import os

import pytest

from .backends import LinuxBackend, NetkernelBackend
from .scenarios import all_scenarios

SCENARIOS = all_scenarios()
ONLY = os.environ.get("NKDIFF_ONLY", "")


def _norm(obs):
    return json.loads(json.dumps(obs))


def run_on(backend_cls, fn):
    b = backend_cls()
    try:
        return _norm(fn(b))
    finally:
        b.close()


def _diff(a, b, an, bn):
    ja = json.dumps(a, indent=1, sort_keys=True).splitlines()
    jb = json.dumps(b, indent=1, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(ja, jb, an, bn, lineterm="", n=4))


@pytest.mark.parametrize("fn", [f for _, f in SCENARIOS], ids=[n for n, _ in SCENARIOS])
def test_scenario(fn):
    differs = getattr(fn, "kernel_differs", None)
    linux = None
    lacks = getattr(fn, "host_may_lack", None)
    if not (ONLY == "netkernel" and differs):
        try:
            linux = run_on(LinuxBackend, fn)
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
    if ONLY == "linux":
        if differs:
            exp = _norm(fn.expected_515)
            if exp == linux:
                print(f"note: host kernel matches the 5.15 expectation of {fn.__name__}")
        return
    expected = _norm(fn.expected_515) if differs else linux
    model = run_on(NetkernelBackend, fn)
    label = "linux-5.15 (expected in scenario)" if differs else "linux (host)"
    if model != expected:
        pytest.fail(f"netkernel diverges from {label}"
                    + (f" [host kernel differs from 5.15: {differs['reason']}; {differs['commit']}]" if differs else "")
                    + ":\n" + _diff(expected, model, label, "netkernel"), pytrace=False)
