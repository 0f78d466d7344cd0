"""The fast path of packet sockets: two speeds, one semantics (DESIGN.md, "Execution model").

The structured path (net/socket.c → af_packet.c → dev.c → veth.c → dev.c → af_packet.c, the
functions the tracer draws) is the reference. This module serves the untraced common case of
`send`/`sendto` and `recv`/`recvfrom` on AF_PACKET sockets with the same observable effects —
return values, bytes, sockaddr_ll, device statistics, sk_rmem_alloc/sk_wmem_alloc, sk_drops,
PACKET_STATISTICS, poll, wake-ups — in a handful of Python operations instead of ~60 calls.
It is not a kernel file (no LINUX_SOURCE): the tracer never draws it, and it is never taken
while the machine is traced.

How:
- A **route** (FastRoute) is computed by looking at the configuration the structured path would
  walk: the socket (type, bound device, options, filter, rings, fanout), the device and its veth
  peer (up, carrier, qdisc, MTU, taps), and — per distinct 14-byte link header — who receives
  the frame on the peer (ptype_all, the protocol hash, the device's lists). It holds only while
  nothing changed: every configuration change bumps the machine's generation counter
  (NetCore.fp_gen): bind, any setsockopt (at the generic entry, so options added later are
  covered), filters, fanout, rings, link up/down/MTU/address/carrier, ptype hooks added or
  removed, sysctl writes, namespace moves, captures, tracing on or off, close, a cable plugged
  into a veth end. A route whose generation is not current is recomputed.
- Anything the route does not know makes the call take the structured path: any flag, any cmsg,
  an option outside FASTPATH_OPTIONS ever set on the socket, a pending error, a full send buffer,
  pending softirq work, a frame shorter than a link header or longer than the MTU, VLAN or 802.3
  frames, receivers that are not plain packet_rcv sockets.
- Frames delivered by the fast path are queued as compact records on `PacketSock.fp_q`; the
  structured path never sees them as such: reading `sk.sk_receive_queue` (any structured access:
  packet_rcv, skb_recv_datagram, poll, SIOCINQ, release, rings) first turns them into the very
  sk_buffs the structured path would have queued (fp_materialize), in order.

NETKERNEL_FASTPATH=on|off|auto (default auto: on when eligible; off: never) sets the default of
each new Kernel's `fastpath` attribute; changing it on a machine bumps the generation.
"""
from __future__ import annotations

import os

from netkernel.uapi.if_ether import ETH_ALEN, ETH_HLEN, ETH_P_802_3_MIN, ETH_P_8021Q, ETH_P_8021AD
from netkernel.uapi.if_packet import (PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST,
                                      PACKET_OTHERHOST, SOCKADDR_LL_SIZE, sockaddr_ll_pack,
                                      sockaddr_ll_unpack)
from netkernel.uapi.socket import (SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_LOCK_FILTER, SO_MARK,
                                   SO_PRIORITY, SO_RCVBUF, SO_RCVBUFFORCE, SO_RCVTIMEO,
                                   SO_REUSEADDR, SO_SNDBUF, SO_SNDBUFFORCE, SO_SNDTIMEO,
                                   SOL_SOCKET)
from netkernel.uapi.socket import SOCK_DGRAM, SOCK_RAW
from netkernel.include.net.sock import SK_DEFAULT_STAMP
from netkernel.uapi.if_ import IFF_UP


MODES = ("on", "off", "auto")


def default_enabled() -> bool:
    """The NETKERNEL_FASTPATH environment variable: on|auto (default) → True, off → False."""
    mode = os.environ.get("NETKERNEL_FASTPATH", "auto").strip().lower() or "auto"
    if mode not in MODES:
        raise ValueError(f"NETKERNEL_FASTPATH must be one of {'|'.join(MODES)}, not {mode!r}")
    return mode != "off"


# Socket options the fast path reproduces exactly: it reads the values they set at each call
# (buffer sizes, priority, mark; the socket filter, run compiled), or they only matter when a call
# would block, which always takes the structured path (timeouts; 66/67: SO_RCVTIMEO_NEW/
# SO_SNDTIMEO_NEW). Any other option ever set on a socket, at any level — today's or one added
# later —, keeps that socket on the structured path for good.
FASTPATH_OPTIONS = frozenset((SOL_SOCKET, o) for o in (
    SO_RCVBUF, SO_SNDBUF, SO_RCVBUFFORCE, SO_SNDBUFFORCE, SO_RCVTIMEO, SO_SNDTIMEO, SO_PRIORITY,
    SO_MARK, SO_REUSEADDR, 66, 67, SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_LOCK_FILTER))


def fastpath_invalidate(core) -> None:
    """Bump the machine's generation: every cached route is recomputed before its next use."""
    core.fp_gen += 1


# ---------------------------------------------------------------- routes

class FastRoute:
    """A socket's cached route for one (descriptor, destination address): valid while
    `gen == core.fp_gen` and the descriptor still names `file`. `ok` False: take the structured
    path (cached too, so ineligible calls cost one test)."""
    __slots__ = ("gen", "core", "files", "fd", "file", "sk", "ok", "rx_ok", "dev", "peer",
                 "stats", "pstats", "minlen", "maxlen", "pmax", "hdr", "off", "extra", "hoff",
                 "tsize", "profile", "plans", "mark", "clock", "priority", "pull", "last_data",
                 "last_frame", "last_plan", "last_addro", "last_sockaddr", "last_name",
                 "last_address")

    def __init__(self, gen, core, files, fd, file):
        self.gen = gen
        self.core = core
        self.files = files
        self.fd = fd
        self.file = file
        self.sk = None
        self.ok = False
        self.rx_ok = False
        self.minlen = 1 << 62           # no length fits a route that is not ok
        self.maxlen = 0
        self.plans: dict = {}
        self.last_data = None           # the last bytes sent, its frame and plan
        self.last_addro = None          # the last address tuple (socketmodule) and its sockaddr
        self.last_name = None           # the last sockaddr received and its address tuple


class Plan:
    """Who receives a frame with a given link header on the peer: `receivers`, a tuple of
    (socket, record info, a simple compiled filter or None) — or None when some receiver's filter
    may truncate or need the interpreter: then `filtered` holds (socket, record info, compiled
    filter or None) and each frame is run through them before anything is delivered.
    `hooked`: some handler takes the frame (else the peer counts it in rx_dropped), even if no
    socket queues it (another namespace's, a filter's verdict)."""
    __slots__ = ("receivers", "filtered", "hooked")

    def __init__(self, receivers, filtered, hooked):
        self.receivers = receivers
        self.filtered = filtered
        self.hooked = hooked


def _sk_of(file):
    sock = getattr(file, "private_data", None)
    sk = getattr(sock, "sk", None)
    return sock, sk


def _sock_eligible(sock, sk) -> bool:
    """A socket the fast path can serve at all: a SOCK_RAW/SOCK_DGRAM packet socket with nothing
    the fast path does not model (filters, rings, fanout, vnet headers, auxdata, unknown
    options)."""
    if sk is None or not hasattr(sk, "fp_q") or sk.sk_type not in (SOCK_RAW, SOCK_DGRAM):
        return False
    opts = sock.fp_opts
    if opts is not None and not opts <= FASTPATH_OPTIONS:
        return False
    return (sk.fanout is None and sk.rx_ring.pg_vec is None
            and sk.tx_ring.pg_vec is None and not sk.has_vnet_hdr and not sk.auxdata
            and not sk.origdev and not sk.qdisc_bypass and not sk.sk_dead and not sk.mclist)


def build_route(kernel, task, fd: int, addr: bytes | None) -> FastRoute:
    """Look at the configuration (under the machine lock) and cache what a send to `addr` (None:
    the bound device) and a receive on `fd` need."""
    core = kernel.core
    file = task.files.get(fd)
    r = FastRoute(core.fp_gen, core, task.files, fd, file)
    core.fp_routes += 1
    if not kernel.fastpath or kernel._tracer is not None or file is None:
        return r
    sock, sk = _sk_of(file)
    if not _sock_eligible(sock, sk):
        return r
    r.sk = sk
    r.rx_ok = True
    r.clock = core.clock
    r.profile = core.profile
    # ---- send: the device (bound, or from a sockaddr_ll), which must be a local veth end
    net = sk.sk_net
    if addr is None:
        dev = sk.cached_dev
        proto = sk.num
        if sk.sk_type != SOCK_RAW:
            return r                    # a DGRAM send needs an address (dev_hard_header)
    else:
        if not SOCKADDR_LL_SIZE <= len(addr) <= 128:
            return r                    # EINVAL (packet_snd, move_addr_to_kernel): structured
        _, proto, ifindex, _, _, halen, sll_addr = sockaddr_ll_unpack(addr)
        if len(addr) < halen + 12:
            return r
        dev = net.dev_by_index.get(ifindex) if ifindex else None
        if dev is None or (sk.sk_type == SOCK_DGRAM and halen < dev.addr_len):
            return r
    if dev is None or dev.reg_state != 1 or not dev.flags & IFF_UP:
        return r
    from netkernel.drivers.net.loopback import loopback_xmit
    from netkernel.drivers.net.veth import veth_xmit
    from netkernel.net.ethernet.eth import ETH_HEADER_OPS
    ops = dev.netdev_ops
    xmit = ops.ndo_start_xmit if ops is not None else None
    if dev.header_ops is not ETH_HEADER_OPS or dev.hard_header_len != ETH_HLEN:
        return r
    if xmit is veth_xmit:
        # veth_xmit → veth_forward_skb: the peer receives, scrubbed (priority, and the mark
        # across namespaces), if it is up and the frame fits its MTU
        priv = dev.priv
        peer = priv.peer
        if (priv.port.backend is not None or peer is None
                or peer.header_ops is not ETH_HEADER_OPS or peer.hard_header_len != ETH_HLEN):
            return r
        r.pmax = peer.mtu + ETH_HLEN + 4 if peer.flags & IFF_UP else -1   # is_skb_forwardable
        r.mark = sk.sk_mark if peer.nd_net is net else 0
        r.priority = 0
        r.pull = 0
    elif xmit is loopback_xmit:
        # loopback_xmit: the frame comes back in on the same device as it was sent
        peer = dev
        r.pmax = 1 << 62
        r.mark = sk.sk_mark
        r.priority = sk.sk_priority
        r.pull = ETH_HLEN               # it counts the bytes after eth_type_trans's pull
    else:
        return r
    q = dev.qdisc
    if (q is None or not q.active or q.enqueue is not None or dev.queue_stopped
            or core.ptype_all or dev.ptype_all or core.sysctl["net.core.netdev_max_backlog"] < 0):
        return r                        # taps on transmit (dev_queue_xmit_nit): structured
    hlen = ((dev.hard_header_len + dev.needed_headroom) & ~15) + 16     # ll_reserved_space
    tlen = dev.needed_tailroom
    if sk.sk_type == SOCK_RAW:
        # shorter: dev_validate_header decides; a bare header: DGRAM receivers' run_filter
        # rejects the empty datagram — both structured
        r.minlen = ETH_HLEN + 1
        r.maxlen = dev.mtu + ETH_HLEN   # longer (a VLAN tag's 4 more, EMSGSIZE): structured
        r.hdr = None
        r.off = 0
    else:
        if proto < ETH_P_802_3_MIN:
            return r                    # eth_header writes a length: structured
        r.minlen = 1                    # an empty datagram: structured (as above)
        r.maxlen = dev.mtu
        r.off = ETH_HLEN
        r.hdr = (bytes(sll_addr[:ETH_ALEN]) + bytes(dev.dev_addr[:ETH_ALEN])
                 + proto.to_bytes(2, "big"))
    r.extra = hlen + tlen               # packet_alloc_skb: a linear head of data + extra bytes
    r.maxlen = min(r.maxlen, 4095 - r.extra)    # from a page on, page fragments: structured
    r.hoff = hlen - ETH_HLEN
    r.dev = dev
    r.peer = peer
    r.stats = dev.stats
    r.pstats = peer.stats
    r.tsize = {}
    r.ok = True
    return r


def _plan_for(r: FastRoute, hdr: bytes):
    """The receivers on the peer of a frame whose link header is `hdr`, or False when a receiver
    (or the frame) needs the structured path."""
    from netkernel.net.packet.af_packet import packet_rcv
    peer = r.peer
    core = r.core
    proto = (hdr[12] << 8) | hdr[13]
    if proto < ETH_P_802_3_MIN or proto in (ETH_P_8021Q, ETH_P_8021AD):
        return False
    if hdr[0] & 1:
        pkt_type = PACKET_BROADCAST if hdr[:6] == peer.broadcast else PACKET_MULTICAST
    elif hdr[:6] != peer.dev_addr:
        pkt_type = PACKET_OTHERHOST
    else:
        pkt_type = PACKET_HOST
    hooks = list(core.ptype_all) + list(peer.ptype_all) + list(core.ptype_base.get(proto, ()))
    hooks += [pt for pt in peer.ptype_specific if pt.type == proto]
    receivers = []
    haddr = bytes(hdr[6:12])
    name = sockaddr_ll_pack(proto, peer.ifindex, peer.type, pkt_type, 6, haddr + b"\0\0")
    for pt in hooks:
        if pt.func is not packet_rcv:
            return False
        rsk = pt.af_packet_priv
        if rsk.sk_net is not peer.nd_net:
            continue                    # packet_rcv: another namespace's socket
        sock = rsk.sk_socket
        if sock is None or not _sock_eligible(sock, rsk):
            return False
        off = ETH_HLEN if rsk.sk_type == SOCK_DGRAM else 0
        # the record's info: what materialisation and recvfrom need
        info = (off, proto, pkt_type, peer.ifindex, peer.type, haddr, name, r.hoff, r.extra,
                r.mark, r.off, r.priority)
        filt = None
        simple = True
        if rsk.sk_filter is not None:
            compiled = compile_filter(rsk.sk_filter.prog, off)
            if compiled is None:
                return False
            filt, simple = compiled
        receivers.append((rsk, info, filt, simple))
    if all(simple for *_, simple in receivers):
        return Plan(tuple((rsk, info, filt) for rsk, info, filt, _ in receivers), None,
                    bool(hooks))
    return Plan(None, tuple((rsk, info, filt) for rsk, info, filt, _ in receivers), bool(hooks))


def _run_filters(filtered: tuple, frame: bytes, flen: int):
    """packet_rcv's run_filter for each receiver: those whose filter keeps the frame whole, or
    None when a filter truncates it or needs the interpreter (the structured path decides)."""
    out = []
    for rsk, info, filt in filtered:
        if filt is not None:
            n = flen - info[0]
            res = filt(frame, n)
            if res == 0:
                continue                # rejected: not counted anywhere
            if res < n:
                return None             # UNSURE, or a truncating verdict
        out.append((rsk, info, None))
    return out


# ---------------------------------------------------------------- send and receive

def sendto(view, fd: int, data: bytes, addr):
    """sendto(fd, data, 0, addr) (send: addr None) on the fast path: the byte count, or None when
    the call must take the structured path (nothing has been changed then). What it does is
    packet_snd → dev_queue_xmit → veth_xmit → netif_rx → __netif_receive_skb_core → packet_rcv
    with the route's answers: the peer's counters, each receiver's buffer check, charge and
    record, PACKET_STATISTICS, sk_drops, the wake-ups."""
    r = view._fp_routes.get(fd if addr is None else (fd, addr))
    if r is not None and not r.ok and r.gen == r.core.fp_gen:
        return None                     # known not to apply: the lock is not even needed
    lock = view._fp_lock
    lock.acquire()
    try:
        if r is None or r.gen != r.core.fp_gen:
            r = route_for(view, fd, addr)
        n = len(data)
        if n < r.minlen or n > r.maxlen:
            return None                 # (a route that is not ok takes no length)
        sk = r.sk
        if sk.sk_err or sk.sk_wmem_alloc >= sk.sk_sndbuf >> 1:
            # sock_alloc_send_pskb would report or wait; from half the buffer on, a socket with
            # a timeout would not poll writable first (socketmodule's sock_call): structured
            return None
        core = r.core
        if core.softirq_pending or core.in_softirq:
            return None                 # earlier work first: structured
        if data is r.last_data:         # the same bytes object again: the same frame and plan
            frame = r.last_frame
            plan = r.last_plan
        else:
            hdr = r.hdr
            if hdr is None:
                frame = data
                key = data[:14]
            else:
                frame = hdr + data
                key = hdr
            plan = r.plans.get(key)
            if plan is None:
                plan = r.plans[key] = _plan_for(r, key)
            if plan is False:
                return None
            r.last_data = data
            r.last_frame = frame
            r.last_plan = plan
        flen = len(frame)
        receivers = plan.receivers
        if receivers is None:
            receivers = _run_filters(plan.filtered, frame, flen)
            if receivers is None:
                return None
        st = r.stats
        if flen > r.pmax:               # veth_forward_skb: the peer cannot take it (veth only)
            r.pstats.rx_dropped += 1
            st.tx_dropped += 1
            r.dev.priv.dropped += 1
        else:
            nbytes = flen - r.pull
            st.tx_packets += 1
            st.tx_bytes += nbytes
            pst = r.pstats
            pst.rx_packets += 1
            pst.rx_bytes += nbytes
            if plan.hooked:
                ts = r.tsize.get(n)
                if ts is None:
                    ts = r.tsize[n] = r.profile.head_truesize(n + r.extra)
                tstamp = r.clock() if core.netstamp_needed else 0
                for rsk, info, filt in receivers:
                    if filt is not None and not filt(frame, flen - info[0]):
                        continue        # run_filter: rejected, counted nowhere
                    if rsk.sk_rmem_alloc >= rsk.sk_rcvbuf:
                        rsk.stat_drops += 1
                        rsk.sk_drops += 1
                        continue
                    rsk.sk_rmem_alloc += ts
                    rsk.stat_packets += 1
                    rsk.fp_q.append((frame, ts, tstamp, info))
                    if rsk.sk_sleepers:
                        rsk.sk_wq.notify_all()
            else:
                pst.rx_dropped += 1     # no handler took it (__netif_receive_skb_core)
        if sk.sk_write_sleepers:
            sk.sk_wq.notify_all()       # sock_wfree → sk_write_space
        core.fp_hits += 1
        return n
    finally:
        lock.release()


def recvfrom(view, fd: int, size: int, want_name: bool):
    """recv/recvfrom(fd, size, 0) on the fast path: the data (recv) or (count, data, sockaddr_ll)
    (recvfrom), or None for the structured path (nothing changed then). packet_recvmsg of the
    oldest record: uncharge it (sock_rfree), note "read, no time" for SIOCGSTAMP, copy."""
    if size <= 0:
        return None
    r = view._fp_routes.get(fd)
    if r is not None and not r.rx_ok and r.gen == r.core.fp_gen:
        return None                     # known not to apply
    lock = view._fp_lock
    lock.acquire()
    try:
        if r is None or r.gen != r.core.fp_gen:
            r = route_for(view, fd, None)
        if not r.rx_ok:
            return None
        sk = r.sk
        q = sk.fp_q
        if not q or sk.fp_rq or sk.sk_err or sk.sk_flags:
            return None
        frame, ts, tstamp, info = q.popleft()
        sk.sk_rmem_alloc -= ts
        if sk.sk_stamp == SK_DEFAULT_STAMP:
            sk.sk_stamp = 0
        off = info[0]
        if off or size < len(frame):
            data = frame[off:off + size]
        else:
            data = frame
        r.core.fp_hits += 1
        if not want_name:
            return data
        name = info[6]
        if want_name is PYTHON_ADDRESS:
            # socketmodule's recvfrom: makesockaddr's tuple when remembered (the same sockaddr
            # object as last time, or by value), else the sockaddr_ll for it to convert
            if name is r.last_name:
                return data, r.last_address
            address = r.plans.get(("address", name))
            if address is not None:
                r.last_name = name
                r.last_address = address
                return data, address
            return data, name
        return len(data), data, name
    finally:
        lock.release()


PYTHON_ADDRESS = 2      # recvfrom(want_name=PYTHON_ADDRESS): the address as socketmodule returns it


# ---------------------------------------------------------------- materialisation

def fp_materialize(sk) -> None:
    """Turn the socket's compact records into the sk_buffs the structured path would have queued
    (same buffer layout, offsets, truesize, metadata and packet_skb_cb), appended in order after
    what is already queued. Called whenever the structured path reads sk_receive_queue."""
    from netkernel.net.core.skbuff import SkBuff
    from netkernel.net.core.sock import sock_rfree
    from netkernel.net.packet.af_packet import PacketCB
    q = sk.fp_q
    rq = sk.fp_rq
    while q:
        frame, ts, tstamp, info = q.popleft()
        off, proto, pkt_type, ifindex, hatype, haddr, _, hoff, extra, mark, soff, prio = info
        flen = len(frame)
        size = flen - soff + extra      # the sender's allocation (frame or payload + room)
        buf = bytearray(size)
        buf[hoff:hoff + flen] = frame
        skb = SkBuff(buf, ts)
        skb.mac_header = hoff
        skb.network_header = hoff + ETH_HLEN
        skb.data = hoff + off
        skb.tail = hoff + flen
        skb.protocol = proto
        skb.pkt_type = pkt_type
        skb.sk = sk
        skb.destructor = sock_rfree
        skb.mark = mark
        skb.priority = prio
        skb.tstamp = tstamp
        skb.skb_iif = ifindex
        skb.cb = PacketCB(hatype, pkt_type, ifindex, 6, haddr, flen - off, 0)
        rq.append(skb)


# ---------------------------------------------------------------- routes by descriptor

def route_for(view, fd: int, addr):
    """The view's current route for (fd, addr), recomputed when the generation moved. Call with
    the machine lock held."""
    k = view._kernel
    key = fd if addr is None else (fd, addr)
    routes = view._fp_routes
    r = routes.get(key)
    if r is None or r.gen != k.core.fp_gen:
        if len(routes) > 256:
            routes.clear()
        r = routes[key] = build_route(k, view._task, fd, addr)
    return r


# ---------------------------------------------------------------- socket filters

UNSURE = -1             # a compiled filter's answer when only the interpreter can tell
_FILTERS: dict = {}     # (program, data offset) → compiled function or None
_MAX_LINES = 4000       # a program whose tree of paths is larger stays interpreted
_DUMP = False


def compile_filter(prog: tuple, off: int):
    """(f, simple): a Python function `f(frame, n)` giving what net/core/filter.py's interpreter
    gives for the classic program `prog` run on an sk_buff whose data starts `off` bytes into
    `frame` and holds `n` bytes (packet_rcv's view: the link header for SOCK_RAW, the network
    header for SOCK_DGRAM) — or UNSURE where the program would read what the frame alone does
    not tell (ancillary data, offsets from the link or network header). `simple`: the program
    can answer only 0 or "the whole frame" (every return is 0 or at least 65535, the index
    register only ever holds small non-negative values), so its verdict can be taken while
    delivering. None when the program cannot be compiled. Jumps only go forward, so each path is
    written out as nested ifs; a frame long enough for every constant load runs a copy without
    bounds checks."""
    key = (prog, off)
    if key in _FILTERS:
        return _FILTERS[key]
    if len(_FILTERS) > 256:
        _FILTERS.clear()
    f = _FILTERS[key] = _compile(prog, off)
    return f


def _compile(prog: tuple, off: int):
    from netkernel.net.core import filter as F
    out = ["def f(b, n):", " A = X = 0"]
    read = sorted({k for code, _, _, k in prog
                   if code in (F.BPF_LD | F.BPF_MEM, F.BPF_LDX | F.BPF_MEM) and 0 <= k < 16})
    if read:                            # scratch cells that are read start at 0
        out.append(" " + "=".join(f"m{k}" for k in read) + "=0")
    sizes = {F.BPF_W: (4, "_W(b, {o})[0]"), F.BPF_H: (2, "(b[{o}] << 8) | b[{o} + 1]"),
             F.BPF_B: (1, "b[{o}]")}
    notes = {"complex": False, "need": 0}
    # X only ever holds small non-negative values (a header length, a constant, the length)
    x_small = all(code & 0xE0 in (F.BPF_MSH, F.BPF_LEN) or (code & 0xE0 == F.BPF_IMM and k < 0x10000)
                  for code, _, _, k in prog if code & 7 == F.BPF_LDX) and not any(
        code & 7 == F.BPF_MISC and code & 0xF8 != F.BPF_TXA for code, _, _, _ in prog)

    def emit(pc: int, ind: str, checked: bool) -> None:
        while True:
            if len(out) > _MAX_LINES:
                raise OverflowError
            if pc >= len(prog):
                out.append(ind + "return 0")
                return
            code, jt, jf, k = prog[pc]
            pc += 1
            cls = code & 7
            if cls in (F.BPF_LD, F.BPF_LDX):
                reg = "A" if cls == F.BPF_LD else "X"
                mode = code & 0xE0
                if mode == F.BPF_IMM:
                    out.append(f"{ind}{reg} = {k}")
                    if reg == "X" and k >= 0x10000:
                        notes["complex"] = True
                elif mode == F.BPF_MEM:
                    out.append(f"{ind}{reg} = m{k}")
                    if reg == "X":
                        notes["complex"] = True
                elif mode == F.BPF_LEN:
                    out.append(f"{ind}{reg} = n")
                elif cls == F.BPF_LD and mode == F.BPF_ABS and code & 0x18 in sizes:
                    if k >= 0x80000000:
                        notes["complex"] = True
                        out.append(ind + "return -1")      # ancillary or header-relative
                        return
                    size, load = sizes[code & 0x18]
                    notes["need"] = max(notes["need"], k + size)
                    if checked:
                        out.append(f"{ind}if n < {k + size}: return 0")
                    out.append(f"{ind}A = " + load.format(o=off + k))
                elif cls == F.BPF_LD and mode == F.BPF_IND and code & 0x18 in sizes:
                    size, load = sizes[code & 0x18]
                    if x_small and k < 0x7FFF0000:
                        out.append(f"{ind}t = X + {k}")         # never negative, never wraps
                    else:
                        notes["complex"] = True
                        out.append(f"{ind}t = (X + {k}) & 0xFFFFFFFF")
                        out.append(f"{ind}if t & 0x80000000: return -1")
                    out.append(f"{ind}if n < t + {size}: return 0")
                    if off:
                        out.append(f"{ind}t += {off}")
                    out.append(f"{ind}A = " + load.format(o="t"))
                elif cls == F.BPF_LDX and mode == F.BPF_MSH:
                    if k >= 0x80000000:
                        notes["complex"] = True
                        out.append(ind + "return -1")
                        return
                    notes["need"] = max(notes["need"], k + 1)
                    if checked:
                        out.append(f"{ind}if n < {k + 1}: return 0")
                    out.append(f"{ind}X = (b[{off + k}] & 0xF) << 2")
                else:
                    out.append(ind + "return 0")
                    return
            elif cls == F.BPF_ST or cls == F.BPF_STX:
                if not 0 <= k < 16:
                    out.append(ind + "return 0")
                    return
                out.append(f"{ind}m{k} = {'A' if cls == F.BPF_ST else 'X'}")
            elif cls == F.BPF_ALU:
                op = code & 0xF0
                v = "X" if code & F.BPF_X else str(k)
                expr = {F.BPF_ADD: f"(A + {v}) & 0xFFFFFFFF", F.BPF_SUB: f"(A - {v}) & 0xFFFFFFFF",
                        F.BPF_MUL: f"(A * {v}) & 0xFFFFFFFF", F.BPF_AND: f"A & {v}",
                        F.BPF_OR: f"A | {v}", F.BPF_XOR: f"A ^ {v}",
                        F.BPF_LSH: f"(A << ({v} & 31)) & 0xFFFFFFFF", F.BPF_RSH: f"A >> ({v} & 31)",
                        F.BPF_NEG: "-A & 0xFFFFFFFF", F.BPF_DIV: f"A // {v}",
                        F.BPF_MOD: f"A % {v}"}.get(op)
                if expr is None:
                    out.append(ind + "return 0")
                    return
                if op in (F.BPF_DIV, F.BPF_MOD):
                    out.append(f"{ind}if not {v}: return 0")
                out.append(f"{ind}A = {expr}")
            elif cls == F.BPF_JMP:
                op = code & 0xF0
                if op == F.BPF_JA:
                    pc += k
                    continue
                v = "X" if code & F.BPF_X else str(k)
                cond = {F.BPF_JEQ: f"A == {v}", F.BPF_JGT: f"A > {v}", F.BPF_JGE: f"A >= {v}",
                        F.BPF_JSET: f"A & {v}"}.get(op)
                if cond is None:
                    out.append(ind + "return 0")
                    return
                if jt == jf:
                    pc += jt
                    continue
                out.append(f"{ind}if {cond}:")
                emit(pc + jt, ind + " ", checked)
                out.append(f"{ind}else:")
                emit(pc + jf, ind + " ", checked)
                return
            elif cls == F.BPF_RET:
                if code & 0x18 == F.BPF_A:
                    notes["complex"] = True
                    out.append(ind + "return A")
                else:
                    if 0 < k < 0xFFFF:
                        notes["complex"] = True
                    out.append(f"{ind}return {k}")
                return
            else:                                   # BPF_MISC
                if code & 0xF8 == F.BPF_TXA:
                    out.append(ind + "A = X")
                else:
                    out.append(ind + "X = A")
                    notes["complex"] = True

    try:
        head = len(out)
        emit(0, " ", True)                          # to learn the longest constant load
        del out[head:]
        if notes["need"]:
            out.append(f" if n >= {notes['need']}:")
            emit(0, "  ", False)
            out.append(" else:")
            emit(0, "  ", True)
        else:
            emit(0, " ", True)
    except (OverflowError, RecursionError):
        return None
    import struct
    ns = {"_W": struct.Struct(">I").unpack_from}
    exec(compile("\n".join(out), f"<bpf {len(prog)} insns>", "exec"), ns)  # noqa: S102
    if _DUMP:
        print("\n".join(out))
    return ns["f"], not notes["complex"]


# ---------------------------------------------------------------- addresses at the socket API

def _memo(view, fd: int, key):
    """The memo of (fd, key) while nothing changed (the route's generation) and the descriptor
    is a socket the fast path serves; None otherwise."""
    lock = view._fp_lock
    lock.acquire()
    try:
        r = view._fp_routes.get(fd)
        if r is None or r.gen != r.core.fp_gen:
            r = route_for(view, fd, None)
        if not r.rx_ok:
            return None
        return r.plans.get(key)
    finally:
        lock.release()


def _remember(view, fd: int, key, value) -> None:
    lock = view._fp_lock
    lock.acquire()
    try:
        r = view._fp_routes.get(fd)
        if r is not None and r.rx_ok and r.gen == r.core.fp_gen and len(r.plans) < 256:
            r.plans[key] = value
    finally:
        lock.release()


def sockaddr_of(view, fd: int, addro):
    """What socketmodule's getsockaddrarg made of the same address tuple on this socket (its
    SIOCGIFINDEX lookup included), while the configuration is unchanged; else None. Only tuples
    of str, int and bytes are remembered (nothing a caller could change in place)."""
    for x in addro:
        if type(x) not in _PLAIN:
            return None                 # (0.0 == 0, but "i" refuses a float)
    return _memo(view, fd, ("sockaddr", addro))


_PLAIN = (str, int, bytes)


def sendto_address(view, fd: int, data: bytes, addro: tuple):
    """socket.sendto(data, addro) in one step when getsockaddrarg's answer for `addro` is
    remembered (sockaddr_of): the byte count, or None (then nothing happened: the caller
    converts the address and sends as usual). The same tuple object as last time needs no
    look-up (a tuple of str, int and bytes cannot change)."""
    lock = view._fp_lock
    lock.acquire()
    try:
        r = view._fp_routes.get(fd)
        if r is None or r.gen != r.core.fp_gen:
            r = route_for(view, fd, None)
        if not r.rx_ok:
            return None
        if addro is r.last_addro:
            sockaddr = r.last_sockaddr
        else:
            for x in addro:
                if type(x) not in _PLAIN:
                    return None
            sockaddr = r.plans.get(("sockaddr", addro))
            if sockaddr is not None:
                r.last_addro = addro
                r.last_sockaddr = sockaddr
    finally:
        lock.release()
    if sockaddr is None:
        return None
    return sendto(view, fd, data, sockaddr)


def remember_sockaddr(view, fd: int, addro, sockaddr: bytes) -> None:
    if all(type(x) in _PLAIN for x in addro):
        _remember(view, fd, ("sockaddr", addro), sockaddr)


def address_of(view, fd: int, addr: bytes):
    """What makesockaddr made of the same sockaddr_ll on this socket (its SIOCGIFNAME lookup
    included), while the configuration is unchanged; else None."""
    return _memo(view, fd, ("address", addr))


def remember_address(view, fd: int, addr: bytes, address) -> None:
    _remember(view, fd, ("address", addr), address)
