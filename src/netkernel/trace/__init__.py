"""Function tracer: records the modelled kernel functions a piece of code runs, as a call tree.

Costs nothing while off: a profile hook (sys.setprofile) is installed only inside `with
k.trace()`, on the threads that run in it, and it keeps only functions of netkernel's kernel
layers. Each node carries the Linux 5.15 source file that defines the function.
"""
from __future__ import annotations

import os
import sys
import threading
import time

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LAYERS = ("net", "drivers", "kernel")

# Functions whose 5.15 definition is not in the file their module models.
SOURCE_OVERRIDES = {
    "import_single_range": "lib/iov_iter.c",
    "dev_hard_header": "include/linux/netdevice.h",
    "dev_validate_header": "include/linux/netdevice.h",
    "ll_reserved_space": "include/linux/netdevice.h",
    "skb_copy_datagram_from_iter": "net/core/datagram.c",
    "put_cmsg": "net/core/scm.c",
    "sock_alloc": "net/socket.c",
    "skb_reserve": "include/linux/skbuff.h",
    "skb_put": "net/core/skbuff.c",
    "skb_push": "net/core/skbuff.c",
    "skb_pull": "net/core/skbuff.c",
    "skb_set_owner_r": "include/net/sock.h",
    "sock_error": "include/net/sock.h",
    "sk_data_ready": "include/net/sock.h",
    "sk_error_report": "include/net/sock.h",
    "sk_write_space": "include/net/sock.h",
    "sys_close": "fs/open.c",
    "dev_activate": "net/sched/sch_generic.c",
    "is_skb_forwardable": "net/core/dev.c",
    "__dev_forward_skb": "net/core/dev.c",
    "capable": "kernel/capability.c",
    "ns_capable": "kernel/capability.c",
}
# Model helpers that are not kernel functions.
_SKIP = {"raise_on_error", "current", "set_current", "alloc_fd", "view", "bytes", "len",
         "as_dict", "activate", "deactivate", "run", "sock_wait", "data_align", "ksize",
         "head_truesize"}


def _source_of(filename: str, func: str) -> str | None:
    if func in SOURCE_OVERRIDES:
        return SOURCE_OVERRIDES[func]
    rel = os.path.relpath(filename, _PKG)
    if rel.startswith("..") or not rel.endswith(".py") or not rel.startswith(_LAYERS):
        return None
    base = rel[:-3]
    if base.startswith("kernel/"):
        return "kernel/" + base.split("/", 1)[1] + ".c"
    return base + ".c"


class Node:
    """One traced call."""
    __slots__ = ("function", "source", "children", "start_ns", "duration_ns", "ret")

    def __init__(self, function: str, source: str):
        self.function = function
        self.source = source
        self.children: list[Node] = []
        self.start_ns = 0
        self.duration_ns = 0
        self.ret = None

    def to_dict(self) -> dict:
        return {"function": self.function, "source": self.source, "args": {}, "ret": self.ret,
                "duration_ns": self.duration_ns, "children": [c.to_dict() for c in self.children]}


class Trace:
    """`with k.trace() as t:` — the calls made inside, as trees (t.roots)."""

    def __init__(self):
        self.roots: list[Node] = []
        self._stack: list = []      # Node, or None for an untraced frame
        self._codes: dict = {}      # code object → (name, source) or None
        self._prev = None

    def _hook(self, frame, event, arg):
        if event == "call":
            code = frame.f_code
            info = self._codes.get(code, 0)
            if info == 0:
                name = code.co_name
                src = None
                if not (name in _SKIP or name.startswith("<") or name.endswith("__")
                        or (name.startswith("_") and not name.startswith("__"))):
                    src = _source_of(code.co_filename, name)
                info = (name, src) if src else None
                self._codes[code] = info
            if info is None:
                self._stack.append(None)
                return
            node = Node(info[0], info[1])
            parent = next((n for n in reversed(self._stack) if n is not None), None)
            (parent.children if parent is not None else self.roots).append(node)
            self._stack.append(node)
            node.start_ns = time.perf_counter_ns()
        elif event == "return":
            if not self._stack:
                return
            node = self._stack.pop()
            if node is not None:
                node.duration_ns = time.perf_counter_ns() - node.start_ns
                if isinstance(arg, int) and not isinstance(arg, bool):
                    node.ret = arg

    def __enter__(self) -> "Trace":
        self._prev = sys.getprofile()
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc) -> None:
        sys.setprofile(self._prev)
        # drop the frames of the `with` machinery itself
        self._stack.clear()

    def to_json(self) -> list[dict]:
        return [r.to_dict() for r in self.roots]

    def render(self, fmt: str = "tree") -> str:
        if fmt == "tree":
            lines: list[str] = []

            def walk(n: Node, depth: int):
                label = "  " * depth + n.function
                lines.append(f"{label:<48} {n.source}")
                for c in n.children:
                    walk(c, depth + 1)
            for r in self.roots:
                walk(r, 0)
            return "\n".join(lines)
        if fmt == "function_graph":
            lines = []

            def fg(n: Node, depth: int):
                pad = "  " * depth
                us = n.duration_ns / 1000
                if n.children:
                    lines.append(f" 0) {'':>10} |  {pad}{n.function}() {{")
                    for c in n.children:
                        fg(c, depth + 1)
                    lines.append(f" 0) {us:>7.3f} us |  {pad}}}")
                else:
                    lines.append(f" 0) {us:>7.3f} us |  {pad}{n.function}();")
            for r in self.roots:
                fg(r, 0)
            return "\n".join(lines)
        raise ValueError(f"unknown format {fmt!r}")
