"""A differential fuzzer for socket options: random setsockopt/getsockopt calls on a real packet
socket (a fresh netns) and on a netkernel one, compared call by call.

Each example opens one socket of a random type (SOCK_RAW, SOCK_DGRAM, SOCK_PACKET) on both sides
and runs 1-4 steps: setsockopt(level, option, value, optlen) — known options weighted, unknown
ones too, at SOL_SOCKET, SOL_PACKET and a few other levels; values built from edge integers and
each option's limits, laid out as the option's struct; optlen around the struct's size, negative,
huge; NULL optval — then getsockopt of the same option with a few optlens. Return values, errnos
and the bytes returned must agree. Values that differ between any two runs (cookies, memory
counters, the cpu a socket last ran on) are compared by shape; rules that changed after 5.15 are
excused only through KNOWN_515 below, each entry tied to the scenario whose kernel_differs mark
declares it (with its commit), and only on kernels newer than the change.

Bounded: a fixed seed and EXAMPLES examples (NKFUZZ_SEED and NKFUZZ_EXAMPLES override them; with
NKFUZZ_DUMP=file the divergences are also written there as JSON), no shrinking; every
divergence found is collected and reported at the end, then written as a named scenario
(scenarios/rules_options.py).
"""
from __future__ import annotations

import json
import os
import struct

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .backends import LinuxBackend, NetkernelBackend, running_kernel  # noqa: E402
from .scenarios import rules_options, rules_uaccess, sol_socket, tx_timestamps  # noqa: E402
from .scenarios._common import (AF_PACKET, SOCK_DGRAM, SOCK_PACKET, SOCK_RAW,  # noqa: E402
                                attempt, follows_515, htons)

# fewer in the 6.1 oracle's emulated guest (tests/differential/test_oracle_61.py), where each
# real system call is many times slower
EXAMPLES = int(os.environ.get("NKFUZZ_EXAMPLES",
                              "300" if os.environ.get("NK_ORACLE_GUEST") else "1500"))
KERNEL = running_kernel()
ETH_P_EX = 0x88B5
INT_MAX, INT_MIN, UINT_MAX = 2**31 - 1, -2**31, 2**32 - 1
EDGE = (0, 1, 2, -1, INT_MAX, INT_MIN, 2**31, UINT_MAX, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000)

SOL_SOCKET, SOL_PACKET = 1, 263
OTHER_LEVELS = (0, 6, 41, 270, 9999)

# ---- the options: struct layout (struct format of the value) and values near their limits ----
# SOL_SOCKET (5.15 knows 1..72; 73..83 came later; the rest are unknown)
SO_LINGER, SO_REUSEPORT, SO_PASSCRED, SO_RCVTIMEO, SO_SNDTIMEO = 13, 15, 16, 20, 21
SO_BINDTODEVICE, SO_ATTACH_FILTER, SO_PASSSEC, SO_TIMESTAMPING = 25, 26, 34, 37
SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF, SO_MEMINFO, SO_INCOMING_NAPI_ID = 50, 52, 55, 56
SO_COOKIE, SO_ZEROCOPY, SO_TXTIME, SO_TIMESTAMPING_NEW = 57, 60, 61, 65
SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW, SO_NETNS_COOKIE, SO_INCOMING_CPU = 66, 67, 71, 49
SO_MAX_PACING_RATE, SO_PEERCRED = 47, 17

SOCKET_STRUCTS = {
    SO_LINGER: "<ii", SO_RCVTIMEO: "<qq", SO_SNDTIMEO: "<qq", SO_RCVTIMEO_NEW: "<qq",
    SO_SNDTIMEO_NEW: "<qq", SO_ATTACH_FILTER: "<HxxxxxxQ", SO_TXTIME: "<iI",
    SO_TIMESTAMPING: "<ii", SO_TIMESTAMPING_NEW: "<ii", SO_MAX_PACING_RATE: "<Q",
    51: "<HxxxxxxQ",
}
LIMITS = {
    7: (2304, 4608, INT_MAX // 2, INT_MAX // 2 + 1, 212992), 8: (1152, 2304, INT_MAX // 2),
    32: (2304, INT_MAX // 2 + 1), 33: (1152, INT_MAX // 2 + 1), 12: (6, 7), 18: (0, INT_MAX),
    46: (0, 1, INT_MAX), 70: (0, 1, 0xFFFF, 0x10000), 62: (0, 1, 2), SO_INCOMING_CPU: (0, 1, 2),
    SO_TIMESTAMPING: tuple(1 << i for i in range(20)) + (0x7FFF, 0x1FFFF, 0x3FF),
    SO_TIMESTAMPING_NEW: (0x18, 0x58, 0x1FFFF),
    SO_TXTIME: (0, 1, 7, 11, 12, 5), SO_ATTACH_FILTER: (0, 1, 2, 4096, 4097),
    SO_LINGER: (0, 1, -5, 100000), SO_RCVTIMEO: (0, 999999, 1000000, -1), 44: (0, 1),
    SO_BINDTODEVICE: (), SO_ZEROCOPY: (0, 1, 2),
}
FD_OPTIONS = {SO_ATTACH_BPF, SO_ATTACH_REUSEPORT_EBPF}   # fds: only values open on neither side
DEVICE_NAMES = (b"lo", b"lo\0", b"", b"\0", b"eth7", b"lo\0junk", b"a" * 15, b"a" * 16, b"l")

# SOL_PACKET
PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP, PACKET_RX_RING, PACKET_HDRLEN = 1, 2, 5, 11
PACKET_VERSION, PACKET_TX_RING, PACKET_FANOUT, PACKET_FANOUT_DATA = 10, 13, 18, 22
PACKET_STRUCTS = {
    PACKET_ADD_MEMBERSHIP: "<iHH8s", PACKET_DROP_MEMBERSHIP: "<iHH8s",
    PACKET_RX_RING: "<IIIIIII", PACKET_TX_RING: "<IIIIIII", PACKET_FANOUT: "<HHI",
    PACKET_FANOUT_DATA: "<HxxxxxxQ",
}
PACKET_LIMITS = {
    PACKET_VERSION: (0, 1, 2, 3), 23: (0, 1, 2, -1), 12: (0, INT_MAX, 2**31),
    PACKET_FANOUT: (0x77, 0x77 | 1 << 16, 0x77 | 6 << 16, 0x77 | 7 << 16, 0x77 | 0x1000 << 16,
                    0x77 | 0x8000 << 16, 0x77 | 0x2000 << 16, 0x77 | 3 << 16 | 0x1000 << 16),
    17: (0, 1, 0x20000000, 0x40000000, 0x80000000 - 1),
}
# ring requests stay small: a block is at most 64 KiB and there are at most 3 of them
RING_BLOCK_SIZES = (0, 1, 4095, 4096, 8192, 65536, 2**31, UINT_MAX)
RING_FRAME_SIZES = (0, 15, 16, 48, 2048, 4096, 4097, 65536)
RING_COUNTS = (0, 1, 2, 3)
RING_FRAME_NRS = (0, 1, 2, 3, 4, 6, 32, UINT_MAX)

SOCKET_KNOWN = list(range(1, 73))
PACKET_KNOWN = list(range(1, 24))


# ---- what differs between runs: compared by shape ------------------------------------------
def volatile(level, name):
    """Options whose value is not a function of the calls made: cookies (a global counter), the
    memory counters, the cpu and NAPI id a frame last arrived on."""
    return level == SOL_SOCKET and name in (SO_COOKIE, SO_NETNS_COOKIE, SO_MEMINFO,
                                           SO_INCOMING_NAPI_ID)


# ---- rules that changed after 5.15 (the real kernel here may be newer) ----------------------
def _set_value_int(step, off=0):
    raw = step["value"] or b""
    return struct.unpack_from("<i", raw, off)[0] if len(raw) >= off + 4 else None


def _uniqueid_fanout(step):
    v = _set_value_int(step)
    return step["level"] == SOL_PACKET and step["name"] == PACKET_FANOUT and \
        v is not None and v >> 16 & 0x2000


KNOWN_515 = [
    # (predicate(level, name, step), the scenario whose kernel_differs mark declares the change)
    (lambda lv, n, st: lv == SOL_SOCKET and 73 <= n <= 83,
     sol_socket.scenario_sol_options_after_515),
    (lambda lv, n, st: lv == SOL_SOCKET and n == SO_PASSCRED, sol_socket.scenario_sol_passcred),
    (lambda lv, n, st: lv == SOL_SOCKET and n == SO_PASSSEC, sol_socket.scenario_sol_passsec),
    (lambda lv, n, st: lv == SOL_SOCKET and n in (SO_REUSEPORT, 68),
     sol_socket.scenario_sol_reuseport),
    (lambda lv, n, st: lv == SOL_SOCKET and n == SO_ZEROCOPY, sol_socket.scenario_sol_zerocopy),
    (lambda lv, n, st: lv == SOL_SOCKET and n == SO_LINGER and (_set_value_int(st, 4) or 0) < 0,
     sol_socket.scenario_sol_linger_negative_seconds),
    (lambda lv, n, st: lv == SOL_SOCKET and n == SO_TXTIME
     and _set_value_int(st) not in (None, 0, 1, 11), sol_socket.scenario_sol_txtime_other_clocks),
    (lambda lv, n, st: lv == SOL_SOCKET and n in (SO_TIMESTAMPING, SO_TIMESTAMPING_NEW)
     and (_set_value_int(st) or 0) & 0x70000, tx_timestamps.scenario_tstamping_later_flags),
    (lambda lv, n, st: lv == SOL_SOCKET and n == SO_TIMESTAMPING_NEW,
     tx_timestamps.scenario_tstamping_get_new),
    (lambda lv, n, st: lv == SOL_PACKET and n in (PACKET_RX_RING, PACKET_TX_RING),
     rules_uaccess.scenario_uaccess_ring_request_prot_none),
    (lambda lv, n, st: lv == SOL_PACKET and n == 24, rules_options.scenario_options_vnet_hdr_sz),
    (lambda lv, n, st: lv == SOL_PACKET and n == 7, rules_options.scenario_options_copy_thresh_get),
]


def excused(level, name, step):
    """The scenario that declares this step's option changed after 5.15, when the real kernel
    here is newer than the change; else None."""
    for pred, fn in KNOWN_515:
        if pred(level, name, step) and not follows_515(fn, KERNEL.version):
            return fn
    return None


# ---- strategies ----------------------------------------------------------------------------
def _field(fmt_char, limits):
    bits = {"i": 32, "I": 32, "H": 16, "Q": 64, "q": 64}[fmt_char]
    lo, hi = (-(1 << bits - 1), (1 << bits - 1) - 1) if fmt_char in "iq" else (0, (1 << bits) - 1)

    def fit(v):
        v &= (1 << bits) - 1
        return v - (1 << bits) if fmt_char in "iq" and v > hi else v
    # the option's own limits as likely as the edge values and as any integer
    near = tuple(limits) or (0, 1)
    return st.one_of(st.sampled_from(near).map(fit), st.sampled_from(EDGE).map(fit),
                     st.integers(lo, hi))


@st.composite
def struct_value(draw, fmt, limits=()):
    fields = []
    for ch in fmt.lstrip("<").replace("x", ""):
        if ch == "s":
            continue
        if ch.isdigit():
            continue
        fields.append(draw(_field(ch, limits)))
    if fmt == "<iHH8s":
        ifindex, mtype, alen = draw(st.sampled_from((0, 1, 2, -1, 99))), \
            draw(st.sampled_from((0, 1, 2, 3, 4, 7))), draw(st.sampled_from((0, 1, 6, 8, 9, 32)))
        return struct.pack(fmt, ifindex, mtype, alen, draw(st.binary(min_size=8, max_size=8)))
    return struct.pack(fmt, *fields)


VALID_RINGS = ((4096, 1, 2048, 2, 0, 0, 0), (8192, 2, 4096, 4, 10, 0, 0),
               (4096, 3, 4096, 3, 0, 64, 1), (65536, 1, 2048, 32, 1, 0, 0))


@st.composite
def ring_request(draw):
    if draw(st.booleans()):
        return struct.pack("<IIIIIII", *draw(st.sampled_from(VALID_RINGS)))
    return struct.pack("<IIIIIII", draw(st.sampled_from(RING_BLOCK_SIZES)),
                       draw(st.sampled_from(RING_COUNTS)), draw(st.sampled_from(RING_FRAME_SIZES)),
                       draw(st.sampled_from(RING_FRAME_NRS)),
                       draw(st.sampled_from((0, 1, 100, UINT_MAX))),
                       draw(st.sampled_from((0, 8, 4096, 65536, UINT_MAX))),
                       draw(st.sampled_from((0, 1, 2))))


@st.composite
def option_value(draw, level, name):
    """(value bytes or None for NULL, optlen or None for len(value))."""
    if level == SOL_PACKET and name in (PACKET_RX_RING, PACKET_TX_RING):
        value = draw(ring_request())
    elif level == SOL_SOCKET and name == SO_BINDTODEVICE:
        value = draw(st.sampled_from(DEVICE_NAMES))
    elif level == SOL_SOCKET and name in FD_OPTIONS or level == SOL_PACKET and \
            name == PACKET_FANOUT_DATA and draw(st.booleans()):
        value = struct.pack("<i", draw(st.sampled_from((-1, 100000, INT_MAX))))
    else:
        table = SOCKET_STRUCTS if level == SOL_SOCKET else PACKET_STRUCTS
        limits = (LIMITS if level == SOL_SOCKET else PACKET_LIMITS).get(name, ())
        fmt = table.get(name, "<i")
        if level == SOL_SOCKET and name == SO_ATTACH_FILTER:
            # a sock_fprog whose filter pointer is NULL or unmapped: the copy faults or the
            # length is refused, never a random read of this process's memory
            value = struct.pack(fmt, draw(_field("H", limits)), draw(st.sampled_from((0, 8, 0x10))))
        else:
            value = draw(struct_value(fmt, limits))
        if draw(st.integers(0, 5)) == 0:       # an int where a struct is expected, or vice versa
            value = value[:4] if len(value) > 4 else value + draw(st.binary(min_size=4, max_size=4))
    size = len(value)
    if draw(st.integers(0, 9)) == 0:
        return None, draw(st.sampled_from((0, 1, 4, size, 64, INT_MAX)))
    optlen = draw(st.one_of(
        st.none(), st.sampled_from((-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, size - 1, size + 1, 64, 4096,
                                    INT_MAX, 2**31, UINT_MAX))))
    if optlen is not None and optlen >= 2**31:
        optlen -= 2**32
    return value, optlen


@st.composite
def step(draw):
    level = draw(st.sampled_from((SOL_SOCKET,) * 5 + (SOL_PACKET,) * 4 + OTHER_LEVELS))
    if level == SOL_SOCKET:
        name = draw(st.sampled_from(SOCKET_KNOWN + [0, 73, 74, 77, 83, 84, 200, -1]))
    elif level == SOL_PACKET:
        name = draw(st.sampled_from(PACKET_KNOWN + [0, 24, 25, 99, -1]))
    else:
        name = draw(st.sampled_from((1, 2, 3, 8, 16, 100)))
    value, optlen = draw(option_value(level, name))
    gets = draw(st.lists(st.sampled_from((-1, 0, 1, 2, 3, 4, 8, 12, 16, 24, 36, 64)),
                         min_size=1, max_size=3))
    return {"level": level, "name": name, "value": value, "optlen": optlen, "gets": gets}


@st.composite
def example(draw):
    return {"type": draw(st.sampled_from((SOCK_RAW, SOCK_DGRAM, SOCK_PACKET))),
            "steps": draw(st.lists(step(), min_size=1, max_size=4))}


# ---- running an example on a backend -------------------------------------------------------
def _shape(res):
    """A result reduced to what is stable: the errno, or the number of bytes."""
    if res[0] != "ok":
        return res
    v = res[1]
    return ["ok", ("len", len(v) // 2) if isinstance(v, str) else type(v).__name__]


def run_example(b, ex):
    """Observations per step: the set result and each get's; volatile gets by shape."""
    s = b.socket(AF_PACKET, ex["type"], htons(ETH_P_EX))
    out = []
    try:
        for stp in ex["steps"]:
            lv, n = stp["level"], stp["name"]
            obs = {"set": attempt(b.sys_setsockopt, s, lv, n, stp["value"], stp["optlen"])}
            hdr = (stp["value"] or b"")[:4] if lv == SOL_PACKET and n == PACKET_HDRLEN else b""
            for olen in stp["gets"]:
                r = attempt(b.sys_getsockopt, s, lv, n, olen, hdr)
                obs[f"get{olen}"] = _shape(r) if volatile(lv, n) else r
            out.append(obs)
    finally:
        s.close()
    return out


def _describe(ex):
    return {"type": ex["type"], "steps": [
        {**stp, "value": None if stp["value"] is None else stp["value"].hex()}
        for stp in ex["steps"]]}


def compare(ex, linux, model):
    """The first step whose observations differ and no known change excuses: (index, ...) or
    None. Once a step diverged (or was excused) the socket's states may differ: later steps are
    not compared."""
    for i, (stp, lo, mo) in enumerate(zip(ex["steps"], linux, model)):
        if excused(stp["level"], stp["name"], stp):
            return None
        if lo != mo:
            return {"example": _describe(ex), "step": i, "linux": lo, "netkernel": mo}
    return None


@pytest.fixture(scope="module")
def backends():
    lb = LinuxBackend()
    nb = NetkernelBackend()
    try:
        yield lb, nb
    finally:
        lb.close()
        nb.close()


def test_known_515_entries_name_their_change():
    """Every excuse points at a scenario with a kernel_differs mark (reason, commit, version)."""
    for _, fn in KNOWN_515:
        d = fn.kernel_differs
        assert d["commit"] and d["reason"] and d["since"] > (5, 15), fn.__name__


def test_option_fuzz(backends):
    lb, nb = backends
    found = []

    @seed(int(os.environ.get("NKFUZZ_SEED", "20261202")))
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
    @given(example())
    def run(ex):
        linux = json.loads(json.dumps(run_example(lb, ex)))
        model = json.loads(json.dumps(run_example(nb, ex)))
        d = compare(ex, linux, model)
        if d is not None:
            found.append(d)

    run()
    if os.environ.get("NKFUZZ_DUMP"):
        with open(os.environ["NKFUZZ_DUMP"], "w") as f:
            json.dump(found, f)
    if found:
        shown = "\n".join(json.dumps(d, sort_keys=True) for d in found[:8])
        pytest.fail(f"{len(found)} of {EXAMPLES} examples diverge (first 8):\n{shown}",
                    pytrace=False)
