"""QEMU's socket network backends as cable ends: `-netdev stream` and `-netdev dgram`.

Wire formats (QEMU net/stream.c, net/dgram.c; checked against QEMU 7.2, ecosystem.md §2):
- stream (TCP or unix, server or client): each frame is a 4-byte big-endian length followed by the
  Ethernet frame, without FCS or vnet header. One peer at a time; a server goes back to listening
  when its peer leaves; a length over NET_BUFSIZE ends the connection. No carrier until connected.
- dgram (UDP or unix datagrams): one Ethernet frame per datagram, no header.

Hostile or broken peers never take a cable down by surprise, and nothing is lost silently: every
backend has `stats()`, a dict of counters (see STREAM_STATS and DGRAM_STATS). A zero-length frame
(a 0 length prefix, an empty datagram) is dropped and counted; a length prefix over NET_BUFSIZE
ends the connection as in QEMU, counted; a peer that leaves in the middle of a frame has that
frame counted as truncated; frames still waiting in the stream writer when the connection ends
are counted as lost. A unix socket file the backend created by binding is removed when it closes.
Frames too short for an Ethernet header are passed on: dropping them is the device's business,
with the counters its Linux driver bumps.

`netdev_backend("stream,addr.type=inet,addr.host=127.0.0.1,addr.port=5555,server=on")` takes the
option string of a QEMU command line (`-netdev` itself and `id=` may be left in), so a user can copy
it from there; `socket,listen=|connect=|udp=` (the older backend) is accepted too. Multicast and
the other types are refused with ValueError.
"""
from __future__ import annotations

import errno
import os
import select
import socket
import stat
import struct
import threading

from netkernel.backends.port import ReaderThread

NET_BUFSIZE = 4096 + 65536      # QEMU's largest frame (include/net/net.h)
_LEN = struct.Struct(">I")
RECV_SIZE = 262144
RX_BATCH = 64
TX_HIGH_WATER = 256 * 1024      # queued bytes at which the device's queue is stopped

STREAM_STATS = {
    "tx_frames": "frames taken from the device (sent at once or queued for the writer)",
    "tx_dropped": "frames refused: no peer connected, backend closed, or the send failed",
    "tx_pending_lost": "taken frames still queued (wholly or partly unsent) when the connection "
                       "or the backend ended",
    "rx_frames": "frames handed to the device",
    "rx_empty": "zero-length frames (a 0 length prefix), dropped",
    "rx_oversize": "length prefixes over NET_BUFSIZE (each ends the connection, as in QEMU)",
    "rx_truncated": "frames cut short by the end of the connection",
    "connects": "connections made (accepted or connected)",
    "disconnects": "connections ended by the peer or by an error",
}
DGRAM_STATS = {
    "tx_frames": "datagrams sent",
    "tx_dropped": "frames the socket refused (peer not there, buffer full)",
    "rx_frames": "frames handed to the device",
    "rx_empty": "empty datagrams, dropped (QEMU would stop reading)",
    "rx_oversize": "datagrams over NET_BUFSIZE, dropped",
    "rx_errors": "receive errors that ended the reader (carrier goes off)",
}

_BOOL = {"on": True, "yes": True, "true": True, "y": True,
         "off": False, "no": False, "false": False, "n": False}

STREAM_KEYS = {"id", "server", "reconnect", "reconnect-ms", "addr.type", "addr.host", "addr.port",
               "addr.numeric", "addr.to", "addr.ipv4", "addr.ipv6", "addr.keep-alive",
               "addr.path", "addr.abstract", "addr.tight", "addr.str"}
DGRAM_KEYS = {"id"} | {f"{side}.{k}" for side in ("local", "remote")
                       for k in ("type", "host", "port", "numeric", "ipv4", "ipv6", "path",
                                 "str", "to", "keep-alive", "abstract", "tight")}
SOCKET_KEYS = {"id", "listen", "connect", "udp", "localaddr", "mcast", "fd"}


# ---------------------------------------------------------------- option syntax

def parse_netdev(spec: str) -> tuple[str, dict[str, str]]:
    """Split QEMU's `type,key=value,...` syntax (a doubled comma is a literal comma) into the
    backend type and its options."""
    spec = spec.strip()
    if spec.startswith("-netdev"):
        spec = spec[len("-netdev"):].strip()
    items, cur, i = [], [], 0
    while i < len(spec):
        c = spec[i]
        if c == ",":
            if spec[i + 1:i + 2] == ",":
                cur.append(",")
                i += 2
                continue
            items.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    items.append("".join(cur))
    if not items or not items[0] or "=" in items[0]:
        if items and items[0].startswith("type="):
            items[0] = items[0][5:]
        else:
            raise ValueError(f"netdev {spec!r}: the backend type must come first")
    kind, opts = items[0], {}
    for item in items[1:]:
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"netdev {spec!r}: option {key!r} has no value")
        if key in opts:
            raise ValueError(f"netdev {spec!r}: option {key!r} given twice")
        opts[key] = value
    return kind, opts


def _bool(opts: dict, key: str, default: bool = False) -> bool:
    v = opts.get(key)
    if v is None:
        return default
    try:
        return _BOOL[v.lower()]
    except KeyError:
        raise ValueError(f"{key}={v!r}: expected on or off") from None


def _check_keys(kind: str, opts: dict, allowed: set) -> None:
    bad = sorted(set(opts) - allowed)
    if bad:
        raise ValueError(f"-netdev {kind}: unknown or unsupported option(s) {', '.join(bad)}")


def socket_address(opts: dict, prefix: str):
    """QEMU's SocketAddress (`PREFIX.type=inet|unix|fd`, ...) → (family, sockaddr) or ('fd', N)."""
    typ = opts.get(f"{prefix}.type")
    if typ is None:
        raise ValueError(f"{prefix}.type is required")
    if typ == "inet":
        host = opts.get(f"{prefix}.host", "")
        port = opts.get(f"{prefix}.port")
        if port is None:
            raise ValueError(f"{prefix}.port is required for inet")
        family = socket.AF_UNSPEC
        if _bool(opts, f"{prefix}.ipv4") and not _bool(opts, f"{prefix}.ipv6"):
            family = socket.AF_INET
        elif _bool(opts, f"{prefix}.ipv6") and not _bool(opts, f"{prefix}.ipv4"):
            family = socket.AF_INET6
        return "inet", (host, int(port), family)
    if typ == "unix":
        path = opts.get(f"{prefix}.path")
        if not path:
            raise ValueError(f"{prefix}.path is required for unix")
        if _bool(opts, f"{prefix}.abstract"):
            path = "\0" + path
        return "unix", path
    if typ == "fd":
        return "fd", int(opts.get(f"{prefix}.str", "-1"))
    raise ValueError(f"{prefix}.type={typ!r}: expected inet, unix or fd")


def _bind_unix_owned(s, path: str):
    """Bind `s` to unix `path`; returns the (path, st_dev, st_ino) of the socket file it created
    (None for an abstract name), so that only that very file is removed later."""
    s.bind(path)
    if not path or path.startswith("\0"):
        return None
    st = os.stat(path)
    return path, st.st_dev, st.st_ino


def _unlink_owned(owned) -> None:
    """Remove the socket file we created, unless something else has replaced it since."""
    if owned is None:
        return
    path, dev, ino = owned
    try:
        st = os.stat(path)
        if (st.st_dev, st.st_ino) == (dev, ino):
            os.unlink(path)
    except OSError:
        pass


def _inet_sockaddr(host: str, port: int, family: int, socktype: int, passive: bool):
    infos = socket.getaddrinfo(host or None, port, family, socktype, 0,
                               socket.AI_PASSIVE if passive else 0)
    fam, _, _, _, sa = infos[0]
    return fam, sa


def _split_hostport(value: str) -> tuple[str, str]:
    host, sep, port = value.rpartition(":")
    if not sep:
        raise ValueError(f"{value!r}: expected host:port")
    return host.strip("[]"), port


def _legacy_socket(opts: dict) -> tuple[str, dict]:
    """`-netdev socket,listen=H:P|connect=H:P|udp=H:P,localaddr=H:P` → stream or dgram options."""
    _check_keys("socket", opts, SOCKET_KEYS)
    if "mcast" in opts:
        raise ValueError("-netdev socket,mcast=...: multicast is not supported")
    if "listen" in opts or "connect" in opts:
        server = "listen" in opts
        host, port = _split_hostport(opts["listen" if server else "connect"])
        return "stream", {"server": "on" if server else "off", "addr.type": "inet",
                          "addr.host": host, "addr.port": port}
    if "udp" in opts:
        if "localaddr" not in opts:
            raise ValueError("-netdev socket,udp=...: localaddr= is required")
        rhost, rport = _split_hostport(opts["udp"])
        lhost, lport = _split_hostport(opts["localaddr"])
        return "dgram", {"local.type": "inet", "local.host": lhost, "local.port": lport,
                         "remote.type": "inet", "remote.host": rhost, "remote.port": rport}
    raise ValueError("-netdev socket: one of listen=, connect= or udp= is required")


def netdev_backend(spec: str):
    """A backend for a `-netdev` option string: StreamBackend or DgramBackend."""
    kind, opts = parse_netdev(spec)
    if kind == "socket":
        kind, opts = _legacy_socket(opts)
    if kind == "stream":
        _check_keys(kind, opts, STREAM_KEYS)
        return StreamBackend(opts)
    if kind == "dgram":
        _check_keys(kind, opts, DGRAM_KEYS)
        return DgramBackend(opts)
    raise ValueError(f"-netdev {kind}: netkernel speaks stream, dgram and socket")


# ---------------------------------------------------------------- stream

class StreamBackend:
    """`-netdev stream`: length-prefixed frames over one TCP or unix stream connection.

    Transmit tries one non-blocking send; what the socket does not take waits in `_pending` (one
    entry per frame, the first maybe partly sent) for a writer thread, and past TX_HIGH_WATER the
    device is told to stop its queue (send returns False) until everything is written
    (port.tx_ready). Counters: `stats()` (STREAM_STATS). Lock: `_txlock` guards the connection,
    `_pending` and the tx counters; it is never held while calling into the port."""

    def __init__(self, opts: dict):
        self.server = _bool(opts, "server")
        reconnect = opts.get("reconnect-ms")
        self.reconnect = (int(reconnect) / 1000 if reconnect is not None
                          else float(opts.get("reconnect", "0")))
        self.kind, self.addr = socket_address(opts, "addr")
        self.port = None
        self.tx_frames = self.tx_dropped = self.tx_pending_lost = 0
        self.rx_frames = self.rx_empty = self.rx_oversize = self.rx_truncated = 0
        self.connects = self.disconnects = 0
        self._unix_file = None          # (path, dev, ino) of the socket file we created
        self._listener = None
        self._conn = None
        self._rxbuf = bytearray()
        self._pending: list = []
        self._pending_bytes = 0
        self._stopped = False
        self._closed = False
        self._txlock = threading.Lock()
        self._txcond = threading.Condition(self._txlock)
        self._reader = None
        self._writer = None
        if self.server:
            self._listener = self._listen()
        elif not self.reconnect:
            self._conn = self._connect()    # QEMU fails at start-up when the peer is not there

    def __repr__(self) -> str:
        role = "server" if self.server else "client"
        state = "connected" if self._conn is not None else "not connected"
        return f"<StreamBackend {role} {self.address} {state}>"

    # -- sockets
    def _socket_for(self, passive: bool):
        if self.kind == "inet":
            host, port, family = self.addr
            fam, sa = _inet_sockaddr(host, port, family, socket.SOCK_STREAM, passive)
            return socket.socket(fam, socket.SOCK_STREAM), sa
        return socket.socket(socket.AF_UNIX, socket.SOCK_STREAM), self.addr

    def _listen(self):
        if self.kind == "fd":
            s = socket.socket(fileno=self.addr)
        else:
            s, sa = self._socket_for(True)
            if self.kind == "inet":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            elif not sa.startswith("\0") and os.path.exists(sa) \
                    and stat.S_ISSOCK(os.stat(sa).st_mode):
                os.unlink(sa)
            try:
                if self.kind == "unix":
                    self._unix_file = _bind_unix_owned(s, sa)
                else:
                    s.bind(sa)
                s.listen(1)
            except OSError:
                s.close()
                raise
        s.setblocking(False)
        return s

    def _connect(self):
        if self.kind == "fd":
            s = socket.socket(fileno=self.addr)
        else:
            s, sa = self._socket_for(False)
            try:
                s.connect(sa)
            except OSError:
                s.close()
                raise
        self._tune(s)
        return s

    @staticmethod
    def _tune(s) -> None:
        if s.family in (socket.AF_INET, socket.AF_INET6):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # as QEMU does
        s.setblocking(False)

    @property
    def address(self):
        """The local address listened on (server) or connected to (client)."""
        if self._listener is not None:
            return self._listener.getsockname()
        if self.kind == "inet":
            return self.addr[:2]
        return self.addr

    @property
    def connected(self) -> bool:
        return self._conn is not None

    # -- life cycle
    def start(self, port) -> None:
        self.port = port
        if self._conn is not None:
            fd = self._conn.fileno()
        elif self._listener is not None:
            fd = self._listener.fileno()
        else:
            fd = -1
        self._reader = ReaderThread(f"stream {self.address}", self._on_readable, fd,
                                    on_exit=self._close_all, on_timeout=self._try_connect)
        if fd < 0:
            self._reader.timeout = 0.0       # connect at once, then every `reconnect` seconds
        self._writer = threading.Thread(target=self._write_loop, name="stream writer", daemon=True)
        self._writer.start()
        if self._conn is not None:
            self.connects += 1
            port.link(True)
        self._reader.start()

    def close(self, wait: float = 0.0) -> None:
        with self._txlock:
            self._closed = True
            self._txcond.notify()
        if self._reader is not None:
            self._reader.stop(wait)
        else:
            self._close_all()

    def stats(self) -> dict:
        """The counters of STREAM_STATS, plus frames and bytes queued for the writer now."""
        with self._txlock:
            d = {name: getattr(self, name) for name in STREAM_STATS}
            d["tx_pending"] = len(self._pending)
            d["tx_pending_bytes"] = self._pending_bytes
        return d

    def _drop_pending(self) -> None:
        """The connection is gone: what the writer still holds is lost, and counted (_txlock)."""
        self.tx_pending_lost += len(self._pending)
        self._pending.clear()
        self._pending_bytes = 0

    def _drop_partial_rx(self) -> None:
        """A frame (or length prefix) begun but not finished is lost with the connection."""
        if self._rxbuf:
            self.rx_truncated += 1
            self._rxbuf = bytearray()

    def _close_all(self) -> None:
        with self._txlock:
            self._closed = True
            for s in (self._conn, self._listener):
                if s is not None:
                    s.close()
            self._conn = self._listener = None
            self._drop_pending()
            self._drop_partial_rx()
            self._txcond.notify()
        unix_file, self._unix_file = self._unix_file, None
        _unlink_owned(unix_file)

    # -- connection state (reader thread)
    def _connected(self, conn) -> None:
        with self._txlock:
            self._conn = conn
            self._rxbuf = bytearray()
            self.connects += 1
        self._reader.fd = conn.fileno()
        self._reader.timeout = None
        self.port.link(True)

    def _disconnected(self):
        with self._txlock:
            conn, self._conn = self._conn, None
            self._drop_pending()
            self._drop_partial_rx()
            self.disconnects += 1
            stopped, self._stopped = self._stopped, False
        if conn is not None:
            conn.close()
        self.port.link(False)
        if stopped:
            self.port.tx_ready()
        if self._listener is not None:
            self._reader.fd = self._listener.fileno()
            return True
        if self.reconnect:
            self._reader.fd = -1
            self._reader.timeout = self.reconnect
            return True
        return False            # a client without reconnect ends here, as QEMU's does

    def _try_connect(self):
        try:
            conn = self._connect()
        except OSError:
            self._reader.timeout = self.reconnect
            return True
        self._connected(conn)
        return True

    def _on_readable(self):
        if self._conn is None:
            try:
                conn, _ = self._listener.accept()
            except BlockingIOError:
                return True
            self._tune(conn)
            self._connected(conn)
            return True
        try:
            data = self._conn.recv(RECV_SIZE)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            return self._disconnected()
        buf = self._rxbuf
        buf += data
        frames = []
        off, have = 0, len(buf)
        unpack = _LEN.unpack_from
        empty = 0
        while have - off >= 4:
            (n,) = unpack(buf, off)
            if n > NET_BUFSIZE:
                # QEMU ends the connection here; the frames before it still go up
                self.rx_oversize += 1
                self._rxbuf = bytearray()
                self._deliver(frames, empty)
                return self._disconnected()
            if have - off - 4 < n:
                break
            if n:
                frames.append(bytes(buf[off + 4:off + 4 + n]))
            else:
                empty += 1
            off += 4 + n
        if off:
            del buf[:off]
        self._deliver(frames, empty)
        return True

    def _deliver(self, frames: list, empty: int) -> None:
        self.rx_empty += empty
        if frames:
            self.rx_frames += len(frames)
            self.port.rx(frames)

    # -- transmit
    def send(self, frame) -> bool:
        data = _LEN.pack(len(frame)) + frame
        with self._txlock:
            conn = self._conn
            if conn is None or self._closed:
                self.tx_dropped += 1
                return True
            if not self._pending:
                try:
                    n = conn.send(data)
                except BlockingIOError:
                    n = 0
                except OSError:
                    self.tx_dropped += 1
                    return True
                self.tx_frames += 1
                if n == len(data):
                    return True
                data = data[n:]
                self._txcond.notify()
            else:
                self.tx_frames += 1
            self._pending.append(data)
            self._pending_bytes += len(data)
            if self._pending_bytes >= TX_HIGH_WATER:
                self._stopped = True
                return False
            return True

    def _write_loop(self) -> None:
        """Drain `_pending` whenever the socket can take more; wake the device's queue after."""
        while True:
            with self._txlock:
                while not self._pending and not self._closed:
                    self._txcond.wait()
                if self._closed:
                    return
                conn = self._conn
            if conn is None:
                continue
            try:
                select.select([], [conn], [], 0.1)
            except (OSError, ValueError):
                continue                      # closed under us: the next round sees it
            wake = False
            with self._txlock:
                if conn is not self._conn:
                    continue
                pending = self._pending
                try:
                    while pending:
                        chunk = pending[0]
                        n = conn.send(chunk)
                        self._pending_bytes -= n
                        if n < len(chunk):
                            pending[0] = chunk[n:]
                            break
                        pending.pop(0)
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    self._drop_pending()      # the reader sees the broken connection
                if not pending and self._stopped:
                    self._stopped = False
                    wake = True
            if wake:
                self.port.tx_ready()


# ---------------------------------------------------------------- dgram

class DgramBackend:
    """`-netdev dgram`: one frame per UDP or unix datagram, from `local` to `remote`. Sends never
    block: a datagram the peer cannot take now is dropped (tx_dropped), as on any datagram path.
    Counters: `stats()` (DGRAM_STATS)."""

    def __init__(self, opts: dict):
        self._unix_file = None          # (path, dev, ino) of the socket file we created
        if "local.type" not in opts:
            raise ValueError("-netdev dgram: multicast (remote only) is not supported; "
                             "give local.* and remote.*")
        lkind, laddr = socket_address(opts, "local")
        if "remote.type" not in opts:
            raise ValueError("-netdev dgram: remote.* is required with local.*")
        rkind, raddr = socket_address(opts, "remote")
        if lkind == "fd":
            self.sock = socket.socket(fileno=laddr)
        elif lkind != rkind:
            raise ValueError("-netdev dgram: local and remote must be of the same type")
        elif lkind == "inet":
            fam, lsa = _inet_sockaddr(laddr[0], laddr[1], laddr[2], socket.SOCK_DGRAM, True)
            _, self.remote = _inet_sockaddr(raddr[0], raddr[1], fam, socket.SOCK_DGRAM, False)
            self.sock = socket.socket(fam, socket.SOCK_DGRAM)
            self._bind(lsa)
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self.remote = raddr
            self._bind(laddr, unix=True)
        if lkind == "fd":
            self.remote = (_inet_sockaddr(raddr[0], raddr[1], raddr[2], socket.SOCK_DGRAM, False)[1]
                           if rkind == "inet" else raddr)
        self.sock.setblocking(False)
        self.port = None
        self.tx_frames = self.tx_dropped = 0
        self.rx_frames = self.rx_empty = self.rx_oversize = self.rx_errors = 0
        self._reader = None
        self._sendto = self.sock.sendto
        self._rxbuf = bytearray(NET_BUFSIZE + 1)     # one byte more: an oversize datagram shows
        self._rxview = memoryview(self._rxbuf)

    def _bind(self, sa, unix: bool = False) -> None:
        try:
            if unix:
                self._unix_file = _bind_unix_owned(self.sock, sa)
            else:
                self.sock.bind(sa)
        except OSError:
            self.sock.close()
            raise

    def stats(self) -> dict:
        """The counters of DGRAM_STATS."""
        return {name: getattr(self, name) for name in DGRAM_STATS}

    def _close_sock(self) -> None:
        self.sock.close()
        unix_file, self._unix_file = self._unix_file, None
        _unlink_owned(unix_file)

    def __repr__(self) -> str:
        return f"<DgramBackend {self.address} -> {self.remote}>"

    @property
    def address(self):
        return self.sock.getsockname()

    def start(self, port) -> None:
        self.port = port
        port.link(True)
        self._reader = ReaderThread(f"dgram {self.address}", self._on_readable, self.sock.fileno(),
                                    on_exit=self._close_sock)
        self._reader.start()

    def close(self, wait: float = 0.0) -> None:
        if self._reader is not None:
            self._reader.stop(wait)
        else:
            self._close_sock()

    def send(self, frame) -> bool:
        try:
            self._sendto(frame, self.remote)
            self.tx_frames += 1
        except OSError:
            self.tx_dropped += 1
        return True

    def _on_readable(self):
        frames = []
        buf = self._rxbuf
        view = self._rxview
        recv_into = self.sock.recv_into
        ok = True
        for _ in range(RX_BATCH):
            try:
                n = recv_into(buf)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                if e.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH):
                    continue            # an ICMP error for an earlier send: nothing to read
                self.rx_errors += 1
                ok = False
                break
            if n == 0:
                self.rx_empty += 1      # QEMU's dgram backend takes this as end of connection
            elif n > NET_BUFSIZE:
                self.rx_oversize += 1
            else:
                frames.append(bytes(view[:n]))
        if frames:
            self.rx_frames += len(frames)
            self.port.rx(frames)
        if not ok:
            self.port.link(False)
        return ok
