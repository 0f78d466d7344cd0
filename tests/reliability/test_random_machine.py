"""Random multi-threaded syscall sequences on one machine, with invariants checked after each run.

A run: one Kernel (a virtual clock for even seeds) with namespaces init_net/n1/n2, veth pairs
inside and across them, a dummy, and five callers (the machine's root view, a second process in
init_net, the n1 and n2 views, a process in n1; a variant adds a process without capabilities). Four threads draw operations from a seeded generator
(replay with NKREL_SEED=<seed>): socket/bind/setsockopt (rcvbuf, filters, fanout, memberships,
timestamps, timeouts)/send/sendto/sendmsg with control messages/recv/recvmsg (blocking with
timeouts, MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC)/poll/PACKET_STATISTICS/getsockname/close (also of
sockets other threads are using), link add/set up/down/MTU/address/netns/del, captures started
and closed (some on /dev/full), interface listings, new namespaces and processes; in variants,
calls by a process without capabilities, and traces taken while the other threads run. Every sent
frame is tagged (harness.py).

Checked during the run (harness.Guard): only OSError escapes a call made with valid Python
arguments; no call returns later than its timeout (SLACK allowed; non-blocking calls have timeout
0); a frame read in another namespace than its sender's came over a veth pair; each "stable"
socket (open for the whole run) sees each sender thread's frames on one device and pkttype in
send order; a socket never reads a frame shorter than an Ethernet header; a process without
CAP_NET_RAW gets no packet socket, and without CAP_NET_ADMIN changes no link and starts no capture
(EPERM, as Linux).

Checked after the run:
- conservation per stable socket: frames read (without MSG_PEEK) == Σ(tp_packets − tp_drops) of
  PACKET_STATISTICS, which Linux counts in packet_rcv for every frame that passed the filter;
  after draining, sk_rmem_alloc == sk_wmem_alloc == 0;
- clean state after closing everything: no packet socket on a namespace's list, no fanout group,
  no protocol hook anywhere (global lists, device lists), promiscuity/allmulti 0, no membership
  address left, no frame left in the backlog, no fd left open;
- reuse: the same machine then runs a quiet, exact round (`verify_round`): every device up, one
  ETH_P_ALL socket per device and per namespace, tagged frames sent on every device; each socket
  reads exactly the frames Linux delivers there (OUTGOING copies of what its device sent, what the
  veth peer / lo sent to it), nothing from another namespace, no drops; device rx counters match.
"""
from __future__ import annotations

import ctypes
import os
import random
import socket
import struct
import threading
import time

import pytest

import netkernel
from harness import (BCAST, DEV_DUMMY, DEV_LO, DEV_VETH, ETH_P_NK, RECV_ERRNOS, SEND_ERRNOS,
                     SLOW, Guard, addr_of, eth_frame, find_tag, join_all, leftovers, open_fds,
                     run_bounded, seeds, socket_memory, tag)
from netkernel.uapi import ETH_P_ALL
from netkernel.uapi.filter import BPF_ABS, BPF_H, BPF_JEQ, BPF_JMP, BPF_K, BPF_LD, BPF_RET
from netkernel.uapi.if_packet import (PACKET_ADD_MEMBERSHIP, PACKET_AUXDATA,
                                      PACKET_DROP_MEMBERSHIP, PACKET_FANOUT,
                                      PACKET_FANOUT_FLAG_ROLLOVER, PACKET_FANOUT_HASH,
                                      PACKET_FANOUT_LB, PACKET_FANOUT_QM, PACKET_FANOUT_RND,
                                      PACKET_FANOUT_ROLLOVER, PACKET_IGNORE_OUTGOING,
                                      PACKET_MR_ALLMULTI, PACKET_MR_MULTICAST, PACKET_MR_PROMISC,
                                      PACKET_MR_UNICAST, PACKET_ORIGDEV, PACKET_OUTGOING,
                                      PACKET_QDISC_BYPASS, PACKET_STATISTICS, SOL_PACKET)
from netkernel.uapi.socket import (MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, SO_ATTACH_FILTER,
                                   SO_DETACH_FILTER, SO_RCVBUF, SO_RCVTIMEO, SO_RXQ_OVFL,
                                   SO_SNDBUF, SO_SNDTIMEO, SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD,
                                   SOCK_NONBLOCK, SOL_SOCKET)

EPERM, EAGAIN = 1, 11
EPOLLIN = 0x1
THREADS = 4
OPS = 3000 if SLOW else 600
RUN_TIMEOUT = 60.0 if SLOW else 25.0
MAX_PAIRS = 40
TIMEO = 0.05                         # every timeout a socket gets is at most this
STATS = struct.Struct("=II")
TIMEVAL = struct.Struct("=qq")


class SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(SockFilter))]


def _fprog(insns):
    arr = (SockFilter * len(insns))(*[SockFilter(*i) for i in insns])
    return SockFprog(len(insns), arr), arr


FILTERS = [
    [(BPF_RET | BPF_K, 0, 0, 0xFFFF)],                                          # accept all
    [(BPF_RET | BPF_K, 0, 0, 0)],                                               # reject all
    [(BPF_LD | BPF_H | BPF_ABS, 0, 0, 12), (BPF_JMP | BPF_JEQ | BPF_K, 0, 1, ETH_P_NK),
     (BPF_RET | BPF_K, 0, 0, 0xFFFF), (BPF_RET | BPF_K, 0, 0, 0)],               # only 0x88b5
    [(BPF_RET | BPF_K, 0, 0, 40)],                                              # truncate to 40
]


class SockRec:
    """A socket of the run and what the test saw on it."""

    def __init__(self, view, sock, ns: int, stable: bool):
        self.view = view
        self.sock = sock
        self.fd = sock.fileno()
        self.ns = ns
        self.stable = stable
        self.type = sock.type
        self.lock = threading.Lock()
        self.bindlock = threading.Lock()
        self.bound = None
        self.consumed = 0
        self.packets = 0
        self.drops = 0
        self.last_seq: dict = {}
        self.closed = False


class World:
    """The machine of one run and the test's bookkeeping about it."""

    def __init__(self, seed: int, tmpdir, unprivileged_ops: bool = False, tracing: bool = False):
        self.unprivileged_ops = unprivileged_ops
        self.tracing = tracing
        self.seed = seed
        self.tmpdir = tmpdir
        self.run = seed & 0x7F
        self.guard = Guard(f"random machine run, seed {seed} (replay: NKREL_SEED={seed})")
        # even seeds run on a virtual clock (timestamps stand still unless advanced; waiting
        # stays real time), odd seeds on the real one
        self.k = k = netkernel.Kernel(seed=seed, clock="virtual" if seed % 2 == 0 else "real")
        n1, n2 = k.netns_add("n1"), k.netns_add("n2")
        self.ns_views = [k, n1, n2]          # root views, by namespace id
        self.actors = [(k, 0), (k.process(), 0), (n1, 1), (k.process(netns="n1"), 1), (n2, 2)]
        self.unpriv = k.process(caps=())
        self.lock = threading.Lock()
        self.names = ["lo"]
        self.pairs = 0
        self.dummies = 0
        self.extra_nets = 0
        self.stable: list[SockRec] = []
        self.volatile: list[SockRec] = []
        self.all_recs: list[SockRec] = []
        self.captures: list = []
        self.keep = []                       # ctypes filter arrays must outlive the calls
        self.seq = [0] * (THREADS + 1)
        # initial topology: a pair inside each namespace, one across init_net/n1, a dummy
        for view in self.ns_views:
            a, b = self._new_pair(view)
            for n in (a, b):
                view.link_set(n, up=True)
        a, b = self._new_pair(k)
        k.link_set(b, netns="n1")
        k.link_set(a, up=True)
        n1.link_set(b, up=True)
        d = self._new_dummy(k)
        k.link_set(d, up=True)
        rng = random.Random(seed)
        for view, ns in self.actors:
            for _ in range(2):
                rec = self._open(rng, view, ns, stable=True)
                if rec is not None and rng.random() < 0.7:
                    self.bind(rec, rng.choice(self.names), rng.choice((0, ETH_P_ALL, ETH_P_NK)))

    def bind(self, rec, name, proto):
        with rec.bindlock:
            ok, _ = self.g(f"bind {rec.fd} {name}", rec.sock.bind, (name, proto))
            if ok:
                rec.bound = name

    def g(self, what, fn, *a, **kw):
        return self.guard.call(what, fn, *a, **kw)

    # -- names and tags
    def _new_pair(self, view):
        with self.lock:
            if self.pairs >= MAX_PAIRS:
                return None
            n = self.pairs
            self.pairs += 1
        a, b = f"a{n}", f"b{n}"
        ok, _ = self.g(f"link_add {a}", view.link_add, a, kind="veth", peer=b)
        if ok:
            with self.lock:
                self.names += [a, b]
        return a, b

    def _new_dummy(self, view):
        with self.lock:
            n = self.dummies
            self.dummies += 1
        name = f"d{n}"
        ok, _ = self.g(f"link_add {name}", view.link_add, name, kind="dummy")
        if ok:
            with self.lock:
                self.names.append(name)
        return name

    def name_for(self, rng, view) -> str:
        """A device name: mostly one of view's namespace (read with if_nameindex, which races
        with link changes on other threads), sometimes any name the run ever created."""
        if rng.random() < 0.75:
            ok, r = self.g("if_nameindex", view.if_nameindex)
            if ok and r:
                return rng.choice(r)[1]
        with self.lock:
            return rng.choice(self.names)

    @staticmethod
    def devtag(name: str) -> int:
        if name == "lo":
            return DEV_LO
        if name[0] == "d":
            return DEV_DUMMY | (int(name[1:]) & 0x3F)
        return DEV_VETH | int(name[1:])

    def _open(self, rng, view, ns, stable=False):
        stype = rng.choice((socket.SOCK_RAW, socket.SOCK_RAW, socket.SOCK_DGRAM))
        if rng.random() < 0.2:
            stype |= SOCK_NONBLOCK
        proto = rng.choice((0, ETH_P_ALL, ETH_P_ALL, ETH_P_NK))
        ok, s = self.g("socket", view.socket, socket.AF_PACKET, stype, socket.htons(proto))
        if not ok:
            return None
        tv = TIMEVAL.pack(0, rng.randint(1000, int(TIMEO * 1e6)))
        self.g("SO_RCVTIMEO", s.setsockopt, SOL_SOCKET, SO_RCVTIMEO, tv)
        self.g("SO_SNDTIMEO", s.setsockopt, SOL_SOCKET, SO_SNDTIMEO, tv)
        rec = SockRec(view, s, ns, stable)
        with self.lock:
            (self.stable if stable else self.volatile).append(rec)
            self.all_recs.append(rec)
        return rec

    def pick(self, rng) -> SockRec | None:
        with self.lock:
            pool = self.stable + self.volatile
            return rng.choice(pool) if pool else None

    # -- what a read tells
    def saw(self, rec: SockRec, data: bytes, where, pkttype: int, tid: int) -> None:
        """Check one frame read (not peeked) from rec; `where` is the ifindex or ifname."""
        t = find_tag(data)
        if t is None:
            return
        run, ns, dev, thread, seq = t
        if run != self.run:
            self.guard.violation(f"fd {rec.fd} (ns {rec.ns}) read a frame of another run: {t}")
            return
        if ns != rec.ns and not dev & DEV_VETH:
            self.guard.violation(f"namespace leak: a socket in ns {rec.ns} read a frame sent in "
                                 f"ns {ns} on device tag {dev:#x} (not a veth): via {where!r}",
                                 kind="namespace leak")
        if rec.stable:
            key = (thread, where, pkttype)
            with rec.lock:
                last = rec.last_seq.get(key, -1)
                rec.last_seq[key] = max(seq, last)
            if seq <= last:
                self.guard.violation(f"order: fd {rec.fd} (ns {rec.ns}) read seq {seq} of thread "
                                     f"{thread} after seq {last} on {where!r} pkttype {pkttype}",
                                     kind="order")

    def consumed(self, rec, n=1):
        with rec.lock:
            rec.consumed += n

    # -- operations
    def op_send(self, rng, tid):
        rec = self.pick(rng)
        if rec is None:
            return
        name = self.name_for(rng, rec.view)
        self.seq[tid] += 1
        payload = tag(self.run, rec.ns, self.devtag(name), tid, self.seq[tid])
        dst = rng.choice((BCAST, BCAST, bytes.fromhex("01005e000001"),
                          bytes.fromhex("020000000099")))
        size = rng.choice((60, 60, 100, 600, 1514, 1600))
        flags = rng.choice((0, MSG_DONTWAIT))
        s = rec.sock
        how = rng.random()
        if rec.type == socket.SOCK_DGRAM:
            self.g(f"sendto dgram {rec.fd}", s.sendto, payload.ljust(size - 14, b"\0"), flags,
                   (name, ETH_P_NK, 0, 0, dst), bound=TIMEO, errnos=SEND_ERRNOS)
        elif how < 0.6:
            frame = eth_frame(dst, bytes.fromhex("020000000001"), payload, size)
            self.g(f"sendto {rec.fd} {name}", s.sendto, frame, flags, (name, ETH_P_NK),
                   bound=TIMEO, errnos=SEND_ERRNOS)
        else:
            # send() goes to the bound device; bind and send() on one socket are serialized by
            # the test, so the tag names the device really used
            with rec.bindlock:
                if rec.bound is None:
                    return
                frame = eth_frame(dst, bytes.fromhex("020000000001"),
                                  tag(self.run, rec.ns, self.devtag(rec.bound), tid, self.seq[tid]),
                                  size)
                self.g(f"send {rec.fd} ({rec.bound})", s.send, frame, flags, bound=TIMEO,
                       errnos=SEND_ERRNOS)

    def op_recv(self, rng, tid):
        rec = self.pick(rng)
        if rec is None:
            return
        v, s, fd = rec.view, rec.sock, rec.fd
        how = rng.random()
        if rec.closed and 0.35 <= how < 0.55:
            # a closed record's descriptor number may already name another thread's new socket
            # that has no SO_RCVTIMEO yet: a blocking read there could wait forever, on Linux too
            how = 0.0
        if how < 0.35:
            ok, r = self.g(f"recvfrom DONTWAIT {fd}", v.sys_recvfrom, fd, 2048, MSG_DONTWAIT,
                           bound=0.0, errnos=RECV_ERRNOS)
            if ok:
                self.consumed(rec)
                ifindex, pkttype, _ = addr_of(r[2])
                self._check_len(rec, r[1], 2048)
                self.saw(rec, r[1], ifindex, pkttype, tid)
        elif how < 0.55:
            ok, r = self.g(f"recvfrom blocking {fd}", v.sys_recvfrom, fd, 2048, 0, bound=TIMEO,
                           errnos=RECV_ERRNOS)
            if ok:
                self.consumed(rec)
                ifindex, pkttype, _ = addr_of(r[2])
                self._check_len(rec, r[1], 2048)
                self.saw(rec, r[1], ifindex, pkttype, tid)
        elif how < 0.7:
            ok, r = self.g(f"Socket.recvfrom {fd}", s.recvfrom, 2048, bound=TIMEO,
                           errnos=RECV_ERRNOS)
            if ok:
                self.consumed(rec)
                data, addr = r
                self._check_len(rec, data, 2048)
                self.saw(rec, data, addr[0] if addr else None, addr[2] if addr else -1, tid)
        elif how < 0.82:
            ok, r = self.g(f"recvmsg {fd}", v.sys_recvmsg, fd, 2048, 256, MSG_DONTWAIT,
                           bound=0.0, errnos=RECV_ERRNOS)
            if ok:
                self.consumed(rec)
                ifindex, pkttype, _ = addr_of(r[4])
                self._check_len(rec, r[1], 2048)
                self.saw(rec, r[1], ifindex, pkttype, tid)
        elif how < 0.9:
            ok, r = self.g(f"recv PEEK {fd}", v.sys_recvfrom, fd, 2048, MSG_PEEK | MSG_DONTWAIT,
                           bound=0.0, errnos=RECV_ERRNOS)
            if ok:
                self._check_len(rec, r[1], 2048)
        else:
            ok, r = self.g(f"recv TRUNC {fd}", v.sys_recvfrom, fd, 8, MSG_TRUNC | MSG_DONTWAIT,
                           bound=0.0, errnos=RECV_ERRNOS)
            if ok:
                self.consumed(rec)
                if rec.type == socket.SOCK_RAW and r[0] < 14:
                    self.guard.violation(f"fd {fd}: MSG_TRUNC read says the frame had {r[0]} "
                                         "bytes, less than an Ethernet header", kind="runt")

    def _check_len(self, rec, data, size):
        if rec.type == socket.SOCK_RAW and len(data) < min(14, size):
            self.guard.violation(f"fd {rec.fd}: a SOCK_RAW socket read a {len(data)}-byte frame "
                                 "(shorter than an Ethernet header)", kind="runt")

    def op_setsockopt(self, rng, tid):
        rec = self.pick(rng)
        if rec is None:
            return
        s, v, fd = rec.sock, rec.view, rec.fd
        c = rng.randrange(14)
        if c == 0:
            self.g("SO_RCVBUF", s.setsockopt, SOL_SOCKET, SO_RCVBUF,
                   rng.choice((0, 256, 2048, 65536, 1 << 20)))
        elif c == 1:
            self.g("SO_SNDBUF", s.setsockopt, SOL_SOCKET, SO_SNDBUF, rng.choice((0, 4096, 1 << 20)))
        elif c == 2:
            fp, arr = _fprog(rng.choice(FILTERS))
            with self.lock:
                self.keep.append((fp, arr))
            self.g("SO_ATTACH_FILTER", s.setsockopt, SOL_SOCKET, SO_ATTACH_FILTER, bytes(fp))
        elif c == 3:
            self.g("SO_DETACH_FILTER", s.setsockopt, SOL_SOCKET, SO_DETACH_FILTER, 0)
        elif c == 4:
            opt = rng.choice((SO_TIMESTAMP_OLD, SO_TIMESTAMPNS_OLD, SO_RXQ_OVFL))
            self.g("SO_TIMESTAMP*", s.setsockopt, SOL_SOCKET, opt, rng.randrange(2))
        elif c == 5:
            opt = rng.choice((PACKET_AUXDATA, PACKET_ORIGDEV, PACKET_IGNORE_OUTGOING,
                              PACKET_QDISC_BYPASS))
            self.g("SOL_PACKET bool", s.setsockopt, SOL_PACKET, opt, rng.randrange(2))
        elif c == 6:
            mode = rng.choice((PACKET_FANOUT_HASH, PACKET_FANOUT_LB, PACKET_FANOUT_ROLLOVER,
                               PACKET_FANOUT_RND, PACKET_FANOUT_QM))
            if rng.random() < 0.3:
                mode |= PACKET_FANOUT_FLAG_ROLLOVER
            self.g("PACKET_FANOUT", s.setsockopt, SOL_PACKET, PACKET_FANOUT,
                   rng.randint(1, 3) | (mode << 16))
        elif c in (7, 8):
            name = self.name_for(rng, v)
            ok, ifindex = self.g("if_nametoindex", v.if_nametoindex, name)
            if not ok:
                ifindex = rng.choice((0, 1, 2, 99))
            typ = rng.choice((PACKET_MR_PROMISC, PACKET_MR_ALLMULTI, PACKET_MR_MULTICAST,
                              PACKET_MR_UNICAST))
            prefix = "01005e0000" if typ == PACKET_MR_MULTICAST else "0200000000"
            addr = bytes.fromhex(prefix + f"{rng.randrange(4):02x}")
            mreq = struct.pack("=iHH8s", ifindex, typ, 6, addr)
            opt = PACKET_ADD_MEMBERSHIP if c == 7 or rng.random() < 0.4 else PACKET_DROP_MEMBERSHIP
            self.g("membership", s.setsockopt, SOL_PACKET, opt, mreq)
        elif c == 9:
            tv = TIMEVAL.pack(0, rng.randint(1000, int(TIMEO * 1e6)))
            self.g("SO_RCVTIMEO", s.setsockopt, SOL_SOCKET,
                   rng.choice((SO_RCVTIMEO, SO_SNDTIMEO)), tv)
        elif c == 10:
            self.g("settimeout", s.settimeout, rng.choice((0.0, 0.001, 0.01, TIMEO)))
        elif c == 11:
            ok, r = self.g("PACKET_STATISTICS", s.getsockopt, SOL_PACKET, PACKET_STATISTICS, 8)
            if ok:
                packets, drops = STATS.unpack(r)
                with rec.lock:
                    rec.packets += packets
                    rec.drops += drops
        elif c == 12:
            name = self.name_for(rng, v)
            self.bind(rec, name, rng.choice((0, ETH_P_ALL, ETH_P_NK)))
        else:
            self.g(f"poll {fd}", v.sys_poll, fd, EPOLLIN, TIMEO, bound=TIMEO)

    def op_socket(self, rng, tid):
        view, ns = rng.choice(self.actors)
        if rng.random() < 0.5:
            self._open(rng, view, ns)
            return
        with self.lock:
            if not self.volatile:
                return
            rec = rng.choice(self.volatile)
            if rng.random() < 0.5:
                self.volatile.remove(rec)     # else others keep using the closed socket
        rec.closed = True
        self.g(f"close {rec.fd}", rec.sock.close)

    def op_link(self, rng, tid):
        view, _ = rng.choice(self.actors)
        name = self.name_for(rng, view)
        c = rng.randrange(10)
        if c == 0:
            self._new_pair(view)
        elif c == 1:
            self._new_dummy(view)
        elif c in (2, 3, 4):
            kw = {}
            if rng.random() < 0.6:
                kw["up"] = rng.random() < 0.7
            if rng.random() < 0.3:
                kw["mtu"] = rng.choice((1500, 1500, 68, 9000, 100, 67, 0, 70000))
            if rng.random() < 0.2:
                kw["address"] = rng.choice(("02:00:00:00:00:aa", "02:00:00:00:00:bb",
                                            "01:00:5e:00:00:01", "zz", "02:00"))
            self.g(f"link_set {name} {kw}", view.link_set, name, allowed=(ValueError,), **kw)
        elif c == 5:
            self.g(f"link_set {name} netns", view.link_set, name, netns=rng.choice(("n1", "n2")))
        elif c == 6:
            self.g(f"link_del {name}", view.link_del, name)
        elif c == 7:
            path = "/dev/full" if rng.random() < 0.3 else \
                os.path.join(self.tmpdir, f"cap{rng.randrange(1 << 30)}.pcapng")
            ok, cap = self.g(f"capture {name} {path}", view.capture, name, path)
            if ok:
                with self.lock:
                    self.captures.append(cap)
        elif c == 8:
            with self.lock:
                caps = self.captures
                cap = caps.pop(rng.randrange(len(caps))) if caps else None
            if cap is not None:
                self.g("capture close", cap.close)
        else:
            self.g("links", view.links)
            self.g("if_nameindex", view.if_nameindex)

    def op_unprivileged(self, rng, tid):
        u = self.unpriv
        with self.lock:
            name = rng.choice(self.names)
        c = rng.randrange(4)
        if c == 0:
            what, fn, args, kw = "socket", u.socket, (socket.AF_PACKET, socket.SOCK_RAW, 0), {}
        elif c == 1:
            with self.lock:
                n = self.dummies
                self.dummies += 1
            what, fn, args, kw = "link_add", u.link_add, (f"d{n}",), {"kind": "dummy"}
        elif c == 2:
            what, fn, args, kw = "link_set", u.link_set, (name,), {"up": rng.random() < 0.5}
        else:
            what, fn = "capture", u.capture
            args, kw = (name, os.path.join(self.tmpdir, "unpriv.pcapng")), {}
        ok, r = self.g(f"unprivileged {what}", fn, *args, **kw)
        if ok:
            self.guard.violation(f"a process without capabilities succeeded: {what}{args} {kw} "
                                 f"(Linux: EPERM)", kind=f"capability: {what} succeeded")
            if hasattr(r, "close"):
                r.close()
            if what == "link_add":
                with self.lock:
                    self.names.append(args[0])
        elif isinstance(r, OSError) and r.errno != EPERM:
            self.guard.violation(f"a process without capabilities: {what}{args} {kw} gave "
                                 f"errno {r.errno}, Linux checks the capability first (EPERM)",
                                 kind=f"capability: {what} errno {r.errno}")

    def op_trace(self, rng, tid):
        """A trace of the machine while the other threads keep running: the trees it records
        must be well formed (each child one level below its parent, one task per syscall tree)
        and render (DESIGN.md: the tracer's per-thread state is thread-safe)."""
        ok, t = self.g("trace", self.k.trace, depth=rng.choice((None, 2)))
        if not ok:
            return
        with t:
            for _ in range(3):
                rng.choice((World.op_send, World.op_recv))(self, rng, tid)
        ok, roots = self.g("trace to_json", t.to_json)
        for fmt in ("function_graph", "boxes"):
            self.g(f"trace render {fmt}", t.render, fmt)
        for root in t.roots:
            for node in root.walk():
                for child in node.children:
                    if child.depth != node.depth + 1 or child.pid != root.pid:
                        self.guard.violation(
                            f"trace: {child.function} (pid {child.pid}, depth {child.depth}) "
                            f"recorded under {node.function} (pid {node.pid}, depth "
                            f"{node.depth}) in the tree of {root.function} (pid {root.pid})",
                            kind="trace tree mixed threads")

    def op_misc(self, rng, tid):
        """Rarer calls: sendmsg with control messages, getsockname, new namespaces and
        processes while everything runs."""
        c = rng.randrange(4)
        rec = self.pick(rng)
        if c == 0 and rec is not None:
            name = self.name_for(rng, rec.view)
            self.seq[tid] += 1
            frame = eth_frame(BCAST, bytes.fromhex("020000000001"),
                              tag(self.run, rec.ns, self.devtag(name), tid, self.seq[tid]))
            anc = rng.choice(([], [(SOL_SOCKET, 36, struct.pack("=I", 7))],     # SO_MARK
                              [(SOL_SOCKET, 99, b"")]))                          # unknown: EINVAL
            if rec.type == socket.SOCK_DGRAM:
                frame = frame[14:]
            self.g(f"sendmsg {rec.fd}", rec.sock.sendmsg, [frame], anc, MSG_DONTWAIT,
                   (name, ETH_P_NK, 0, 0, BCAST), bound=0.0, errnos=SEND_ERRNOS)
        elif c == 1 and rec is not None:
            self.g(f"getsockname {rec.fd}", rec.sock.getsockname)
        elif c == 2:
            with self.lock:
                self.extra_nets += 1
                n = self.extra_nets
            if n <= 8:
                self.g("netns_add", self.k.netns_add, f"x{n}")
        else:
            self.g("process", self.k.process, netns=rng.choice((None, "n1", "n2")))

    OPS = ((op_send, 30), (op_recv, 28), (op_setsockopt, 20), (op_socket, 7), (op_link, 12),
           (op_misc, 3))

    def thread_body(self, tid: int) -> None:
        rng = random.Random(self.seed * 1000 + tid)
        ops = self.OPS + (((World.op_unprivileged, 2),) if self.unprivileged_ops else ()) \
            + (((World.op_trace, 4),) if self.tracing else ())
        fns = [f for f, w in ops for _ in range(w)]
        for _ in range(OPS):
            rng.choice(fns)(self, rng, tid)

    # -- after the run
    def drain_and_account(self) -> None:
        """Read what is left on every stable socket, then check conservation and memory."""
        for rec in self.stable:
            v, fd = rec.view, rec.fd
            for _ in range(100000):
                ok, r = self.g(f"drain {fd}", v.sys_recvfrom, fd, 65536, MSG_DONTWAIT)
                if ok:
                    self.consumed(rec)
                    ifindex, pkttype, _ = addr_of(r[2])
                    self.saw(rec, r[1], ifindex, pkttype, 0)
                elif isinstance(r, OSError) and r.errno == EAGAIN:
                    break
            ok, r = self.g("PACKET_STATISTICS", v.sys_getsockopt, fd, SOL_PACKET,
                           PACKET_STATISTICS, 8)
            if ok:
                packets, drops = STATS.unpack(r)
                rec.packets += packets
                rec.drops += drops
                if rec.consumed != rec.packets - rec.drops:
                    self.guard.violation(
                        f"conservation: fd {fd} (ns {rec.ns}, type {rec.type}) read "
                        f"{rec.consumed} frames, PACKET_STATISTICS counted {rec.packets} "
                        f"delivered with {rec.drops} drops (read must be delivered - drops)",
                        kind="conservation")
            mem = socket_memory(v, fd)
            if mem is not None and mem != (0, 0, 0):
                self.guard.violation(f"fd {fd}: after draining, (rmem, wmem, queued) = {mem}")

    def close_everything(self) -> None:
        for rec in self.all_recs:
            self.g("close", rec.sock.close)
        for cap in self.captures:
            self.g("capture close", cap.close)
        self.captures = []
        for what in leftovers(self.k):
            self.guard.violation(f"after closing everything: {what}")
        for view, _ in self.actors:
            if open_fds(view):
                self.guard.violation(f"fds still open in {view!r}: {open_fds(view)}")


# ---------------------------------------------------------------- the exact, quiet round

def verify_round(ns_views, guard: Guard, tmpdir: str, run: int = 0x7E, m: int = 3) -> None:
    """Every device of every namespace up; one ETH_P_ALL socket per device and one unbound per
    namespace; in each namespace a capture of all its devices; m tagged broadcast frames sent on
    every device. Each socket must read exactly what Linux delivers there, device rx counters
    must match, and the capture must hold what the device sockets read."""
    g = guard.call
    devs = []                    # (ns id, name, view)
    for ns, view in enumerate(ns_views):
        for i, li in enumerate(view.links()):
            name = li["name"]
            kw = {"up": True, "mtu": 65536}           # lo's default MTU
            if name != "lo":
                kw.update(mtu=1500, address=f"02:00:00:00:{ns:02x}:{i:02x}")
            ok, e = g(f"verify: link_set {name} {kw}", view.link_set, name, **kw)
            if not ok:
                guard.violation(f"verify: link_set({name!r}, {kw}) failed on a quiet machine: "
                                f"{e!r}", kind="verify: link_set failed")
            devs.append((ns, name, view))
    info = {}
    for ns, view in enumerate(ns_views):
        for li in view.links():
            info[(ns, li["name"])] = li
    where = {name: ns for ns, name, _ in devs if name != "lo"}
    rx, senders, before = {}, {}, {}
    for ns, name, view in devs:
        ok, s = g("verify: socket", view.socket, socket.AF_PACKET, socket.SOCK_RAW,
                  socket.htons(ETH_P_ALL))
        if not ok:
            continue
        g("verify: bind", s.bind, (name, 0))
        s.setblocking(False)
        rx[(ns, name)] = s
        before[(ns, name)] = info[(ns, name)]["stats"]
    ns_views[0]._kernel.sysctl("net.core.rmem_max", 16 << 20)
    for ns, view in enumerate(ns_views):
        ok, s = g("verify: socket", view.socket, socket.AF_PACKET, socket.SOCK_RAW,
                  socket.htons(ETH_P_ALL))
        if ok:
            s.setblocking(False)
            s.setsockopt(SOL_SOCKET, SO_RCVBUF, 16 << 20)     # room for every device's frames
            rx[(ns, None)] = s
        ok, s = g("verify: socket", view.socket, socket.AF_PACKET, socket.SOCK_RAW, 0)
        if ok:
            senders[ns] = s
    caps = []
    for ns, view in enumerate(ns_views):
        names = [name for n, name, _ in devs if n == ns]
        ok, good = g("verify: capture", view.capture, names, os.path.join(tmpdir, f"v{ns}.pcapng"))
        caps.append((ns, names, good if ok else None))
    expected = {key: [] for key in rx}
    incoming = {key: 0 for key in rx}
    for i, (ns, name, view) in enumerate(devs):
        li = info[(ns, name)]
        for seq in range(m):
            frame = eth_frame(BCAST, bytes.fromhex("020000000001"), tag(run, ns, i, 0, seq))
            ok, e = g(f"verify: send on {name}", senders[ns].sendto, frame, (name, ETH_P_NK))
            if not ok:
                guard.violation(f"verify: sendto on {name} (ns {ns}, up) failed: {e!r}",
                                kind=f"verify: sendto failed with {e!r}")
                continue
            out = (i, seq, True)
            for key in ((ns, name), (ns, None)):
                expected[key].append(out)
            if name == "lo":
                for key in ((ns, name), (ns, None)):
                    expected[key].append((i, seq, False))
                incoming[(ns, name)] += 1
            peer = li["peer"]
            if peer is not None and li["up"] and li["carrier"]:
                pns = where.get(peer)
                pli = info.get((pns, peer))
                if pli is not None and pli["up"]:
                    for key in ((pns, peer), (pns, None)):
                        expected[key].append((i, seq, False))
                    incoming[(pns, peer)] += 1
    for key, s in rx.items():
        got = []
        for _ in range(100000):
            ok, r = g("verify: recv", s.recvfrom, 2048)
            if not ok:
                break
            data, addr = r
            t = find_tag(data)
            if t is None or t[0] != run:
                guard.violation(f"verify: {key} read a frame that was not sent in this round: "
                                f"{data[:32].hex()}")
                continue
            got.append((t[2], t[4], addr[2] == PACKET_OUTGOING))
        if sorted(got) != sorted(expected[key]):
            def show(lst):
                return sorted((devs[i][1], seq, "out" if o else "in") for i, seq, o in lst)
            guard.violation(f"verify: {key} read {show(got)}\n  expected {show(expected[key])}")
        ok, st = g("verify: stats", s.getsockopt, SOL_PACKET, PACKET_STATISTICS, 8)
        if ok and STATS.unpack(st)[1]:
            guard.violation(f"verify: {key} dropped {STATS.unpack(st)[1]} frames")
    for ns, view in enumerate(ns_views):
        for li in view.links():
            key = (ns, li["name"])
            if key in before:
                d = li["stats"]["rx_packets"] - before[key]["rx_packets"]
                if d != incoming[key]:
                    guard.violation(f"verify: {key} rx_packets grew by {d}, "
                                    f"{incoming[key]} frames were delivered to it")
    for ns, names, good in caps:
        if good is not None:
            want = sum(len(expected.get((ns, n), ())) for n in names)
            if good.packets != want:
                guard.violation(f"verify: the capture of ns {ns} recorded {good.packets} frames, "
                                f"its devices' sockets read {want}")
            g("verify: capture close", good.close)
    for s in list(rx.values()) + list(senders.values()):
        s.close()


def run_world(w: World, seed: int) -> None:
    threads = [threading.Thread(target=w.thread_body, args=(tid,), name=f"chaos-{tid}",
                                daemon=True) for tid in range(1, THREADS + 1)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    join_all(threads, t0 + RUN_TIMEOUT, f"seed {seed} (replay: NKREL_SEED={seed})")

    def after():
        w.drain_and_account()
        w.close_everything()
        verify_round(w.ns_views, w.guard, w.tmpdir)
        for what in leftovers(w.k):
            w.guard.violation(f"after the verification round: {what}")

    run_bounded(after, 20.0, f"seed {seed}: checks after the run")
    w.guard.check(f" in {w.guard.calls} calls")


@pytest.mark.parametrize("seed", seeds(default=4, slow=40))
def test_random_threads_on_one_machine(seed, tmp_path):
    """Privileged callers only: every rule but the capability checks."""
    run_world(World(seed, str(tmp_path)), seed)


@pytest.mark.parametrize("seed", seeds(default=1, slow=10))
def test_random_threads_with_an_unprivileged_process(seed, tmp_path):
    """The same, with a process without capabilities among the callers: its socket(), link
    changes and captures must fail with EPERM (Linux checks CAP_NET_RAW in packet_create and
    CAP_NET_ADMIN in rtnetlink_rcv_msg before looking at the arguments)."""
    run_world(World(seed, str(tmp_path), unprivileged_ops=True), seed)


@pytest.mark.parametrize("seed", seeds(default=1, slow=10))
def test_random_threads_with_traces_taken(seed, tmp_path):
    """The same, with threads taking traces of the machine now and then while the others run:
    every recorded tree must hold one task's calls, each child one level below its parent, and
    render (DESIGN.md: the tracer's per-thread state is thread-safe)."""
    run_world(World(seed, str(tmp_path), tracing=True), seed)
