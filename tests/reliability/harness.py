"""Shared machinery of the reliability suite: bounded threads, tagged frames, the guard that
records every exception other than OSError, and the machine-state checks.

Tagged frames. Every frame a scenario sends carries, after its Ethernet header (or at the start
of a SOCK_DGRAM payload), a 12-byte tag: MAGIC, the run id, the sender's namespace id, the device
it was sent on (DEV_LO, DEV_DUMMY|n, DEV_VETH|n, DEV_WIRE), the sending thread and that thread's
sequence number. A receiver finds the tag by MAGIC, so it can tell where every frame it reads came
from: a frame read in another namespace than its sender's must have crossed on a veth pair, and a
receiver sees one sender thread's frames on one device in the order they were sent.

Internal state. The clean-state checks read the model's kernel structures (ptype lists, fanout
groups, socket memory counters); every such access is in this file, next to the Linux structure it
stands for, so a refactoring of the model has one place to follow.
"""
from __future__ import annotations

import os
import struct
import sys
import threading
import time
import traceback

import pytest

from netkernel.uapi.if_packet import sockaddr_ll_unpack

SLOW = os.environ.get("NKREL_SLOW") == "1"
# How late a call with a timeout may return: the machine is shared with other test runs on two
# cores, so the slack is generous; a hang is measured in many seconds, not this.
SLACK = float(os.environ.get("NKREL_SLACK", "3.0"))

MAGIC = b"NKRL"
TAG = struct.Struct("!4sBBBBI")     # magic, run, netns id, device tag, thread, seq
TAG_SIZE = TAG.size
DEV_LO, DEV_DUMMY, DEV_VETH, DEV_WIRE, DEV_QEMU = 0x00, 0x40, 0x80, 0xC0, 0xC1
ETH_P_NK = 0x88B5                   # IEEE local experimental ethertype
BCAST = b"\xff" * 6


def seeds(default: int, slow: int) -> list[int]:
    """The seeds a random test runs: NKREL_SEED replays one; NKREL_SLOW runs more."""
    env = os.environ.get("NKREL_SEED")
    if env:
        return [int(env)]
    return list(range(1, (slow if SLOW else default) + 1))


# ---------------------------------------------------------------- bounded execution

def thread_dump() -> str:
    """The stack of every thread, as faulthandler would print it, for a failure message."""
    names = {t.ident: t.name for t in threading.enumerate()}
    out = []
    me = threading.get_ident()
    for ident, frame in sys._current_frames().items():
        if ident == me:
            continue
        out.append(f"--- thread {names.get(ident, '?')} ({ident})")
        out.extend(line.rstrip() for line in traceback.format_stack(frame))
    return "\n".join(out)


def join_all(threads, deadline: float, what: str) -> None:
    """Join every thread by `deadline` (time.monotonic); a thread still running then FAILS the
    test with all stacks (daemon threads are left behind, the test does not hang)."""
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    if stuck:
        pytest.fail(f"{what}: threads {stuck} still running at the deadline (deadlock or a call "
                    f"blocked past its timeout)\n{thread_dump()}", pytrace=False)


def run_bounded(fn, timeout: float, what: str):
    """Run fn() on a daemon thread; its result, its exception, or a failure with all stacks if it
    has not finished after `timeout` seconds."""
    box = {}

    def body():
        try:
            box["ret"] = fn()
        except BaseException as e:      # noqa: BLE001 - handed back to the test thread
            box["exc"] = e

    t = threading.Thread(target=body, name=f"bounded:{what}", daemon=True)
    t.start()
    join_all([t], time.monotonic() + timeout, what)
    if "exc" in box:
        raise box["exc"]
    return box.get("ret")


# ---------------------------------------------------------------- tags

def tag(run: int, ns: int, dev: int, thread: int, seq: int) -> bytes:
    return TAG.pack(MAGIC, run & 0xFF, ns, dev, thread, seq)


def find_tag(data: bytes):
    """(run, ns, dev, thread, seq) of the first tag in data, or None."""
    i = data.find(MAGIC)
    if i < 0 or len(data) - i < TAG_SIZE:
        return None
    return TAG.unpack_from(data, i)[1:]


def eth_frame(dst: bytes, src: bytes, payload: bytes, size: int = 60) -> bytes:
    return (dst + src + ETH_P_NK.to_bytes(2, "big") + payload).ljust(size, b"\0")


def addr_of(sockaddr: bytes):
    """(ifindex, pkttype, protocol) of a raw sockaddr_ll from sys_recvfrom."""
    _, proto, ifindex, _, pkttype, _, _ = sockaddr_ll_unpack(bytes(sockaddr).ljust(20, b"\0"))
    return ifindex, pkttype, proto


class FailingFile:
    """A capture destination that takes `limit` bytes, then fails every write with ENOSPC (a full
    disk, as /dev/full does at once)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.written = 0
        self.failures = 0
        self.closed = False

    def write(self, b) -> int:
        if self.closed:
            raise ValueError("write to closed file")
        if self.written + len(b) > self.limit:
            self.failures += 1
            raise OSError(28, "No space left on device")
        self.written += len(b)
        return len(b)

    def flush(self) -> None:
        if self.closed:
            raise ValueError("flush of closed file")

    def close(self) -> None:
        self.closed = True


# ---------------------------------------------------------------- the guard

class Guard:
    """Runs netkernel calls for a scenario and records what breaks the contract: an exception
    other than OSError (or the ones a call is allowed to raise for bad Python arguments), and a
    call that returns later than its timeout allows. Violations are kept with the operation that
    caused them and the thread's recent history, for a readable failure."""

    def __init__(self, label: str):
        self.label = label
        self.violations: list[str] = []
        self.kinds: dict = {}            # kind → how many times seen (the first 3 are kept)
        self._lock = threading.Lock()
        self.errnos: dict = {}
        self.calls = 0

    def violation(self, msg: str, kind: str | None = None) -> None:
        """Record a broken rule; of each kind (default: the message) the first 3 are kept."""
        kind = kind or msg
        with self._lock:
            n = self.kinds[kind] = self.kinds.get(kind, 0) + 1
            if n <= 3 and len(self.violations) < 60:
                self.violations.append(msg)

    def call(self, what: str, fn, *args, allowed=(), bound: float | None = None,
             errnos: frozenset | None = None, **kw):
        """fn(*args, **kw) → (True, result) or (False, exception). `allowed`: exception types
        besides OSError that this call may raise; `bound`: seconds the call may take at most
        (its timeout; 0 for a non-blocking call), checked with SLACK; `errnos`: the errno values
        Linux can give for this call (None: any)."""
        t0 = time.monotonic()
        try:
            ret = fn(*args, **kw)
            ok = True
        except OSError as e:
            ret, ok = e, False
            with self._lock:
                self.errnos[e.errno] = self.errnos.get(e.errno, 0) + 1
            if errnos is not None and e.errno not in errnos:
                self.violation(f"{what}: errno {e.errno} ({e}), which Linux does not give here",
                               kind=f"errno {e.errno} from {what.split()[0]}")
        except allowed as e:           # noqa: B030 - a tuple of types
            ret, ok = e, False
        except Exception as e:          # noqa: BLE001 - the contract: only OSError escapes
            ret, ok = e, False
            self.violation(f"{what}: {type(e).__name__}: {e}\n"
                           + "".join(traceback.format_exception(e)[-6:]),
                           kind=f"{type(e).__name__} from {what.split()[0]}")
        dt = time.monotonic() - t0
        self.calls += 1
        if bound is not None and dt > bound + SLACK:
            self.violation(f"{what}: returned after {dt:.2f}s, its timeout was {bound:.2f}s",
                           kind=f"late {what.split()[0]}")
        return ok, ret

    def check(self, extra: str = "") -> None:
        if self.violations:
            counts = ", ".join(f"{n}x {k[:60]!r}" for k, n in self.kinds.items())
            pytest.fail(f"{self.label}: {sum(self.kinds.values())} violation(s){extra}\n"
                        f"(by kind: {counts}):\n\n" + "\n\n".join(self.violations),
                        pytrace=False)


# ---------------------------------------------------------------- kernel state (model internals)

def kernel_socket(view, fd: int):
    """The struct sock behind fd in view's process (file → socket → sk), or None."""
    f = view._task.files.get(fd)
    if f is None:
        return None
    sock = f.private_data
    return getattr(sock, "sk", None)


def socket_memory(view, fd: int):
    """(sk_rmem_alloc, sk_wmem_alloc, frames queued) of the socket at fd."""
    sk = kernel_socket(view, fd)
    if sk is None:
        return None
    return sk.sk_rmem_alloc, sk.sk_wmem_alloc, len(sk.sk_receive_queue)


def open_fds(view) -> list[int]:
    return sorted(view._task.files)


def leftovers(k) -> list[str]:
    """What must be gone once every socket and capture of machine k is closed: packet sockets on
    a namespace's list, fanout groups, protocol hooks (ptype_all, ptype_base and each device's
    lists), promiscuity/allmulti references, unicast/multicast addresses added by memberships,
    frames waiting in the backlog or a NAPI poll list."""
    out = []
    core = k.core
    with k._lock:
        if core.ptype_all:
            out.append(f"ptype_all has {len(core.ptype_all)} hook(s)")
        for proto, lst in core.ptype_base.items():
            if lst:
                out.append(f"ptype_base[{proto:#06x}] has {len(lst)} hook(s)")
        backlog = getattr(core, "backlog", ())
        if backlog:
            out.append(f"{len(backlog)} frame(s) left in the backlog")
        if getattr(core, "poll_list", ()):
            out.append(f"{len(core.poll_list)} NAPI instance(s) left on the poll list")
        for net in core.nets:
            if net.packet_sklist:
                out.append(f"{net.name}: {len(net.packet_sklist)} packet socket(s) on sklist")
            if net.packet_fanouts:
                out.append(f"{net.name}: fanout group(s) {sorted(net.packet_fanouts)} left")
            for dev in list(net.dev_by_index.values()):
                where = f"{net.name}/{dev.name}"
                if dev.ptype_all or dev.ptype_specific:
                    out.append(f"{where}: {len(dev.ptype_all)}+{len(dev.ptype_specific)} "
                               "device hook(s) left")
                # a unicast list emptied while the device was down keeps its promiscuity
                # reference until the next dev_open (__dev_set_rx_mode runs only while up)
                stale_uc = 1 if getattr(dev, "uc_promisc", False) and not dev.uc else 0
                if dev.promiscuity - stale_uc or dev.allmulti:
                    out.append(f"{where}: promiscuity {dev.promiscuity}, allmulti {dev.allmulti}")
                if dev.mc or dev.uc:
                    out.append(f"{where}: addresses left mc={dict(dev.mc)} uc={dict(dev.uc)}")
    return out


def dev_stats(view, name: str) -> dict | None:
    for li in view.links():
        if li["name"] == name:
            return li["stats"]
    return None


# errno values a packet socket's send and receive calls can give in Linux 5.15 (packet_snd,
# packet_recvmsg, sock_alloc_send_pskb, sockfd_lookup, CPython's address lookup: ENODEV; a
# timeout: TimeoutError, errno None); a capture's file never shows up here.
SEND_ERRNOS = frozenset({1, 4, 6, 9, 11, 14, 19, 22, 32, 88, 90, 95, 100, 105, None})
RECV_ERRNOS = frozenset({4, 9, 11, 14, 22, 88, 95, 100, None})

RX_LOSS_KEYS = ("rx_dropped", "rx_errors", "rx_length_errors", "rx_over_errors", "rx_fifo_errors",
                "rx_crc_errors")


def qdisc_state(view, name: str):
    """(drops, frames still queued) of the device's qdisc (tc -s qdisc: dropped, backlog)."""
    with view._kernel._lock:
        dev = view.net.dev_by_name.get(name)
        if dev is None or dev.qdisc is None:
            return 0, 0
        q = dev.qdisc
        return q.drops, len(getattr(q, "q", ()) or ())
