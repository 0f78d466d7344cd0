"""Function tracer: records the modelled kernel functions a piece of code runs, as call trees.

Off, it costs one attribute test per syscall. On (`with k.trace() as t:`), a profile hook
(sys.setprofile) runs on the thread that opened the trace and, for the duration of each of the
machine's syscalls and deliveries (`run_syscall`), on whichever thread runs it; it records each
kernel function with its Linux 5.15 source file, chosen arguments, return value and duration.

Which functions are kernel functions, and where Linux defines them, is declared by the modules
themselves, never by a table of names here:
- a module that models a kernel file says so at its top: `LINUX_SOURCE = "net/core/dev.c"`
  (a header's helpers live in a module named after the header: include/linux/netdevice.h ->
  netkernel/include/linux/netdevice.py). A module without the declaration is not kernel code.
- its module-level functions are the kernel functions, reported as defined in LINUX_SOURCE —
  except names with one leading underscore (`_helper`; `__sys_bind` is a kernel name; the few
  kernel names with one underscore, like `_prb_refresh_rx_retire_blk_timer`, are listed in the
  module's `KERNEL_NAMES`) and the names the module lists in `MODEL_HELPERS` (model helpers that
  are not kernel functions: they are not drawn, their kernel callees are). Methods and nested functions are never kernel
  functions (kernel names are module-level: a class body would mangle `__names`).
- `MODEL_PLUMBING` lists a module's functions run around a syscall (e.g. syscall_exit) whose
  whole subtree is left out.
So a helper's name hides nothing outside its own module: a kernel function named like some other
module's helper is still traced.

Threads: the tracer's state is per thread. Each thread that records for a trace has its own
recorder (its own call stack, installed as that thread's profile hook), so several threads may
enter the machine at once; a thread running another machine's work uses that machine's trace
(or none). The opening thread's recorder keeps a root only while that thread holds the traced
machine's lock, so a call into another machine made from inside the `with` block is not shown.
"""
from __future__ import annotations

import os
import sys
import time

from netkernel.kernel.sched import _tls
from netkernel.uapi.errno import ERRNO_NAMES

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def source_of(module_globals: dict, qualname: str, name: str) -> str | None:
    """The 5.15 file defining the function `name` (qualified `qualname`) of the module whose
    globals are given, or None when it is not a kernel function (see the module docstring)."""
    src = module_globals.get("LINUX_SOURCE")
    if not src or qualname != name or name.startswith("<") or name.endswith("__"):
        return None
    if name.startswith("_") and not name.startswith("__"):
        return src if name in module_globals.get("KERNEL_NAMES", ()) else None
    if name in module_globals.get("MODEL_HELPERS", ()) or name in module_globals.get(
            "MODEL_PLUMBING", ()):
        return None
    return src


# One-line purposes shown beside a box (the study note's wording where it has one).
COMMENTS = {
    "sock_alloc": "allocate socket",
    "sock_map_fd": "allocate a file handle for the socket, and install it to fd table",
    "sockfd_lookup_light": "get socket by file descriptor",
    "move_addr_to_kernel": "copy data from user to kernel space",
    "import_single_range": "copy buf from user space to kernel iov",
    "dev_hard_header": "build mac header",
    "skb_copy_datagram_from_iter": "copy data to skb",
    "dev_queue_xmit": "transfer skb to driver and send out",
    "packet_do_bind": "get net device by name or index; ensure the hook is up to date",
    "__register_prot_hook": "add the socket's packet_type to the ptype lists",
    "dev_queue_xmit_nit": "give a copy to every ETH_P_ALL tap (PACKET_OUTGOING)",
    "netif_rx": "queue the frame on the backlog for softirq processing",
    "__netif_receive_skb_core": "deliver to ptype_all taps, then to the protocol's hooks",
    "packet_rcv": "queue the frame on the socket (rcvbuf permitting)",
    "skb_recv_datagram": "take a frame off the receive queue (or wait)",
    "eth_type_trans": "classify the frame (pkt_type) and pull the Ethernet header",
    "packet_alloc_skb": "allocate the skb, charged to the socket's send buffer",
}

# Calls made through a function pointer: the callee is one implementation of an interface.
INDIRECT = {
    "packet_create": "family->create()", "packet_bind": "->bind()", "packet_bind_spkt": "->bind()",
    "packet_sendmsg": "->sendmsg()", "packet_sendmsg_spkt": "->sendmsg()",
    "packet_recvmsg": "->recvmsg()", "packet_getname": "->getname()",
    "packet_getname_spkt": "->getname()", "packet_setsockopt": "->setsockopt()",
    "packet_getsockopt": "->getsockopt()", "packet_release": "->release()",
    "packet_poll": "->poll()", "packet_rcv": "pt_prev->func()", "packet_rcv_spkt": "pt_prev->func()",
    "veth_xmit": "->ndo_start_xmit()", "loopback_xmit": "->ndo_start_xmit()",
    "dummy_xmit": "->ndo_start_xmit()", "ftgmac100_hard_start_xmit": "->ndo_start_xmit()",
    "packet_notifier": "notifier_call()", "eth_header": "header_ops->create()",
    "eth_header_parse": "header_ops->parse()",
    "sock_def_readable": "sk->sk_data_ready()", "sock_def_write_space": "sk->sk_write_space()",
    "sock_def_error_report": "sk->sk_error_report()",
}

_ARG_NAMES = ("fd", "family", "type", "protocol", "proto", "ifindex", "level", "optname", "len",
              "size", "flags", "event")
_MUTED = False      # Trace._codes value for a MODEL_PLUMBING function
_UNSEEN = object()  # a code object not classified yet


class Node:
    """One traced call."""
    __slots__ = ("function", "source", "args", "ret", "children", "start_ns", "duration_ns",
                 "pid", "depth")

    def __init__(self, function: str, source: str, args: dict, pid: int, depth: int):
        self.function = function
        self.source = source
        self.args = args
        self.ret = None
        self.children: list[Node] = []
        self.start_ns = 0
        self.duration_ns = 0
        self.pid = pid
        self.depth = depth

    @property
    def comment(self) -> str:
        return COMMENTS.get(self.function, "")

    @property
    def via(self) -> str:
        return INDIRECT.get(self.function, "")

    def to_dict(self) -> dict:
        return {"function": self.function, "source": self.source, "args": self.args,
                "ret": self.ret, "duration_ns": self.duration_ns,
                "children": [c.to_dict() for c in self.children]}

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


def _argval(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return v
    name = getattr(v, "name", None)
    return name if isinstance(name, str) else None


class _Recorder:
    """One thread's recording for one Trace: its own stack of open calls (per hook invocation: a
    Node, None for an unrecorded frame, False for a muted subtree). Only its thread touches it."""
    __slots__ = ("trace", "codes", "stack", "muted", "opening")

    def __init__(self, trace: "Trace", opening: bool):
        self.trace = trace
        self.codes = trace._codes
        self.stack: list = []
        self.muted = 0            # > 0 while inside a muted subtree
        self.opening = opening    # the thread that opened the trace (not entered by run_syscall)

    def hook(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            info = self.codes.get(code, _UNSEEN)
            if info is _UNSEEN:
                info = self.trace._classify(code, frame.f_globals)
            stack = self.stack
            if info is None:
                stack.append(None)
                return
            if info is False:
                stack.append(False)
                self.muted += 1
                return
            parent = None
            for n in reversed(stack):
                if n is not None:
                    parent = n
                    break
            trace = self.trace
            if parent is None:
                if not trace._want_root(info[0], self.opening):
                    stack.append(False)   # a filtered-out syscall: mute its subtree
                    self.muted += 1
                    return
            elif parent is False or self.muted:
                stack.append(None)
                return
            depth = 0 if parent is None else parent.depth + 1
            if trace.depth is not None and depth > trace.depth:
                stack.append(None)
                return
            loc = frame.f_locals
            args = {}
            for a in info[2]:
                v = _argval(loc.get(a))
                if v is not None:
                    args[a] = v
            task = getattr(_tls, "task", None)
            node = Node(info[0], info[1], args, task.pid if task is not None else 0, depth)
            (parent.children if parent is not None else trace.roots).append(node)
            stack.append(node)
            node.start_ns = time.perf_counter_ns()
        elif event == "return":
            stack = self.stack
            if not stack:
                return
            node = stack.pop()
            if node is False:
                self.muted -= 1
            elif node is not None:
                node.duration_ns = time.perf_counter_ns() - node.start_ns
                if type(arg) is int:
                    node.ret = arg
                    if arg < 0 and -arg in ERRNO_NAMES:
                        node.args["errno"] = ERRNO_NAMES[-arg]


def _recorder_of(hook) -> "_Recorder | None":
    rec = getattr(hook, "__self__", None)
    return rec if type(rec) is _Recorder else None


class Trace:
    """`with k.trace(syscalls={"sendto"}, process=p, depth=4) as t:` — the calls made inside.

    `syscalls`: record only these syscalls (names with or without the `sys_` prefix);
    `process`: only calls made by this process (a Process handle or a pid);
    `depth`: only this many levels below each syscall (0 = the syscall alone)."""

    def __init__(self, kernel=None, syscalls=None, process=None, depth: int | None = None):
        self.kernel = kernel
        self.roots: list[Node] = []    # appended to by any recording thread (list.append is atomic)
        self.syscalls = None if syscalls is None else {
            s if s.startswith("sys_") else "sys_" + s for s in syscalls}
        pid = getattr(process, "pid", process)
        self.pid = pid
        self.depth = depth
        self._codes: dict = {}      # code object → (name, source, argnames), None, or _MUTED
        self._prev = None
        self._opening: _Recorder | None = None
        self._closed = False
        self._prev_tracer = None
        lock = getattr(kernel, "_lock", None)
        self._owned = getattr(lock, "_is_owned", None)   # does this thread hold the machine's lock?

    def _classify(self, code, module_globals: dict):
        info = None
        name = code.co_name
        if (code.co_qualname == name and module_globals.get("LINUX_SOURCE")
                and name in module_globals.get("MODEL_PLUMBING", ())):
            info = _MUTED
        elif os.path.abspath(code.co_filename).startswith(_PKG):
            src = source_of(module_globals, code.co_qualname, name)
            if src:
                argnames = tuple(a for a in code.co_varnames[:code.co_argcount]
                                 if a in _ARG_NAMES or a == "dev")
                info = (name, src, argnames)
        self._codes[code] = info
        return info

    def _want_root(self, name: str, opening: bool) -> bool:
        if self._closed:
            return False
        if opening and self._owned is not None and not self._owned():
            return False            # the opening thread working on some other machine
        if self.syscalls is not None and name not in self.syscalls:
            return False
        if self.pid is not None:
            task = getattr(_tls, "task", None)
            if task is None or task.pid != self.pid:
                return False
        return True

    # -- entering and leaving
    def __enter__(self) -> "Trace":
        self._closed = False
        self._opening = _Recorder(self, opening=True)
        if self.kernel is not None:
            self._prev_tracer = self.kernel._tracer      # the same machine's outer trace
            self.kernel._tracer = self
            self.kernel.core.fp_gen += 1                 # traced: no fast path (fastpath.py)
        self._prev = sys.getprofile()
        sys.setprofile(self._opening.hook)
        return self

    def __exit__(self, *exc) -> None:
        self._closed = True
        sys.setprofile(self._prev)
        if self.kernel is not None and self.kernel._tracer is self:
            self.kernel._tracer = self._prev_tracer
            self.kernel.core.fp_gen += 1
        self._prev_tracer = None
        self._opening = None

    def run_syscall(self, fn, *args):
        """Run one of the machine's syscalls or deliveries on the calling thread, recorded: by
        the thread's recorder for this trace if it has one, else by a new one for this call."""
        prev = sys.getprofile()
        rec = _recorder_of(prev)
        if (rec is not None and rec.trace is self) or self._closed:
            return fn(*args)
        sys.setprofile(_Recorder(self, opening=False).hook)
        try:
            return fn(*args)
        finally:
            sys.setprofile(prev)

    # -- output
    def to_json(self) -> list[dict]:
        return [r.to_dict() for r in self.roots]

    def render(self, fmt: str = "boxes") -> str:
        from netkernel.trace import render
        return render.render(self.roots, fmt)
