"""Function tracer: records the modelled kernel functions a piece of code runs, as call trees.

Off, it costs one attribute test per syscall. On (`with k.trace() as t:`), a profile hook
(sys.setprofile) runs on the thread that opened the trace and, for the duration of each syscall,
on any other thread that enters the kernel; it keeps only functions of netkernel's kernel layers
and records each with its Linux 5.15 source file, chosen arguments, return value and duration.
"""
from __future__ import annotations

import os
import sys
import time

from netkernel.uapi.errno import ERRNO_NAMES

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LAYERS = ("net" + os.sep, "drivers" + os.sep, "kernel" + os.sep, "lib" + os.sep, "mm" + os.sep)

# Functions whose 5.15 definition is not in the file their module models.
SOURCE_OVERRIDES = {
    "import_single_range": "lib/iov_iter.c",
    "dev_hard_header": "include/linux/netdevice.h",
    "dev_validate_header": "include/linux/netdevice.h",
    "ll_reserved_space": "include/linux/netdevice.h",
    "skb_copy_datagram_from_iter": "net/core/datagram.c",
    "put_cmsg": "net/core/scm.c",
    "skb_reserve": "include/linux/skbuff.h",
    "skb_set_owner_r": "include/net/sock.h",
    "sock_error": "include/net/sock.h",
    "sk_data_ready": "include/net/sock.h",
    "sock_skb_dropcount": "include/net/sock.h",
    "sock_recv_ts_and_drops": "include/net/sock.h",
    "sk_error_report": "include/net/sock.h",
    "sk_write_space": "include/net/sock.h",
    "sys_close": "fs/open.c",
    "dev_activate": "net/sched/sch_generic.c",
    "is_skb_forwardable": "net/core/dev.c",
    "__dev_forward_skb": "net/core/dev.c",
    "capable": "kernel/capability.c",
    "ns_capable": "kernel/capability.c",
    "sys_poll": "fs/select.c",
    "fput": "fs/file_table.c",
    "netif_carrier_on": "net/sched/sch_generic.c",
    "netif_carrier_off": "net/sched/sch_generic.c",
    "skb_orphan": "include/linux/skbuff.h",
}
# packet fanout lives in its own module here but in af_packet.c in Linux
SOURCE_OVERRIDES.update(dict.fromkeys((
    "packet_rcv_fanout", "fanout_add", "fanout_release", "__fanout_link", "__fanout_unlink",
    "fanout_find_new_id", "fanout_set_data", "fanout_set_data_cbpf", "fanout_set_data_ebpf",
    "fanout_demux_hash", "fanout_demux_lb", "fanout_demux_cpu", "fanout_demux_rnd",
    "fanout_demux_qm", "fanout_demux_bpf", "fanout_demux_rollover", "fanout_flow_is_huge",
    "match_fanout_group", "packet_rcv_has_room", "__packet_rcv_has_room",
    "packet_rcv_try_clear_pressure"), "net/packet/af_packet.c"))

# the packet rings live in their own module here but in af_packet.c in Linux
SOURCE_OVERRIDES.update(dict.fromkeys((
    "packet_set_ring", "alloc_pg_vec", "tpacket_rcv", "tpacket_snd", "tpacket_fill_skb",
    "tpacket_parse_header", "tpacket_destruct_skb", "tpacket_get_timestamp",
    "__packet_set_timestamp", "__packet_set_status", "__packet_get_status", "packet_lookup_frame",
    "packet_current_frame", "packet_previous_frame", "packet_increment_head",
    "packet_read_pending", "packet_current_rx_frame", "packet_previous_rx_frame",
    "init_prb_bdqc", "prb_calc_retire_blk_tmo", "prb_setup_retire_blk_timer",
    "_prb_refresh_rx_retire_blk_timer", "prb_retire_rx_blk_timer_expired",
    "prb_shutdown_retire_blk_timer", "prb_close_block", "prb_open_block", "prb_freeze_queue",
    "prb_thaw_queue", "prb_dispatch_next_block", "prb_retire_current_block",
    "prb_curr_blk_in_use", "prb_queue_frozen", "prb_fill_vlan_info", "prb_run_all_ft_ops",
    "prb_fill_curr_block", "__packet_lookup_frame_in_block", "prb_lookup_block",
    "prb_previous_blk_num", "__prb_previous_block", "__tpacket_has_room",
    "__tpacket_v3_has_room", "tpacket_rcv_has_room", "packet_mm_open", "packet_mm_close",
    "packet_poll_rings", "packet_rings_release", "packet_mmap"), "net/packet/af_packet.c"))
SOURCE_OVERRIDES.update({"sys_mmap": "arch/x86/kernel/sys_x86_64.c", "sock_mmap": "net/socket.c",
                         "ktime_get_real_ts64": "kernel/time/timekeeping.c",
                         "__ethtool_get_link_speed": "net/ethtool/ioctl.c"})

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
}

# Model helpers that are not kernel functions.
_SKIP = {"raise_on_error", "current", "set_current", "alloc_fd", "view", "bytes", "len",
         "as_dict", "activate", "deactivate", "run", "sock_wait", "data_align", "ksize",
         "head_truesize", "op", "ready"}
# Model plumbing run around a syscall (its subtree is never recorded).
_MUTE = {"syscall_exit"}
_SKIP |= {"defer_fput", "take_deferred_fputs"}
_ARG_NAMES = ("fd", "family", "type", "protocol", "proto", "ifindex", "level", "optname", "len",
              "size", "flags", "event")


def source_of(filename: str, func: str) -> str | None:
    """The 5.15 file defining `func`, given the netkernel module it lives in (None: not kernel)."""
    if func in SOURCE_OVERRIDES:
        return SOURCE_OVERRIDES[func]
    rel = os.path.relpath(filename, _PKG)
    if rel.startswith("..") or not rel.endswith(".py") or not rel.startswith(_LAYERS):
        return None
    return rel[:-3].replace(os.sep, "/") + ".c"


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


class Trace:
    """`with k.trace(syscalls={"sendto"}, process=p, depth=4) as t:` — the calls made inside.

    `syscalls`: record only these syscalls (names with or without the `sys_` prefix);
    `process`: only calls made by this process (a Process handle or a pid);
    `depth`: only this many levels below each syscall (0 = the syscall alone)."""

    def __init__(self, kernel=None, syscalls=None, process=None, depth: int | None = None):
        self.kernel = kernel
        self.roots: list[Node] = []
        self.syscalls = None if syscalls is None else {
            s if s.startswith("sys_") else "sys_" + s for s in syscalls}
        pid = getattr(process, "pid", process)
        self.pid = pid
        self.depth = depth
        self._stack: list = []      # per hook invocation: Node, or None for an untraced frame
        self._codes: dict = {}      # code object → (name, source, argnames) or None
        self._prev = None
        self._muted = 0             # > 0 while inside a filtered-out syscall

    # -- the profile hook
    def _hook(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            info = self._codes.get(code, 0)
            if info == 0:
                info = self._classify(code)
            stack = self._stack
            if info is None:
                stack.append(None)
                return
            if info is False:
                stack.append(False)
                self._muted += 1
                return
            parent = None
            for n in reversed(stack):
                if n is not None:
                    parent = n
                    break
            if parent is None:
                if not self._want_root(info[0]):
                    stack.append(False)   # a filtered-out syscall: mute its subtree
                    self._muted += 1
                    return
            elif parent is False or self._muted:
                stack.append(None)
                return
            depth = 0 if parent is None else parent.depth + 1
            if self.depth is not None and depth > self.depth:
                stack.append(None)
                return
            loc = frame.f_locals
            args = {}
            for a in info[2]:
                v = _argval(loc.get(a))
                if v is not None:
                    args[a] = v
            from netkernel.kernel.sched import _tls
            task = getattr(_tls, "task", None)
            node = Node(info[0], info[1], args, task.pid if task is not None else 0, depth)
            (parent.children if parent is not None else self.roots).append(node)
            stack.append(node)
            node.start_ns = time.perf_counter_ns()
        elif event == "return":
            stack = self._stack
            if not stack:
                return
            node = stack.pop()
            if node is False:
                self._muted -= 1
            elif node is not None:
                node.duration_ns = time.perf_counter_ns() - node.start_ns
                if type(arg) is int:
                    node.ret = arg
                    if arg < 0 and -arg in ERRNO_NAMES:
                        node.args["errno"] = ERRNO_NAMES[-arg]

    def _classify(self, code):
        name = code.co_name
        info = None
        if name in _MUTE:
            self._codes[code] = False
            return False
        if not (name in _SKIP or name.startswith("<") or name.endswith("__")
                or (name.startswith("_") and not name.startswith("__"))):
            src = source_of(code.co_filename, name)
            if src:
                argnames = tuple(a for a in code.co_varnames[:code.co_argcount]
                                 if a in _ARG_NAMES or a == "dev")
                info = (name, src, argnames)
        self._codes[code] = info
        return info

    def _want_root(self, name: str) -> bool:
        if self.syscalls is not None and name not in self.syscalls:
            return False
        if self.pid is not None:
            from netkernel.kernel.sched import _tls
            task = getattr(_tls, "task", None)
            if task is None or task.pid != self.pid:
                return False
        return True

    # -- entering and leaving
    def __enter__(self) -> "Trace":
        if self.kernel is not None:
            self.kernel._tracer = self
        self._prev = sys.getprofile()
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc) -> None:
        sys.setprofile(self._prev)
        if self.kernel is not None and self.kernel._tracer is self:
            self.kernel._tracer = None
        self._stack.clear()
        self._muted = 0

    def run_syscall(self, fn, *args):
        """Run one syscall on a thread that is not already traced (called by the syscall entry)."""
        if sys.getprofile() is self._hook:
            return fn(*args)
        prev = sys.getprofile()
        saved = self._stack
        self._stack = []
        sys.setprofile(self._hook)
        try:
            return fn(*args)
        finally:
            sys.setprofile(prev)
            self._stack = saved

    # -- output
    def to_json(self) -> list[dict]:
        return [r.to_dict() for r in self.roots]

    def render(self, fmt: str = "boxes") -> str:
        from netkernel.trace import render
        return render.render(self.roots, fmt)
