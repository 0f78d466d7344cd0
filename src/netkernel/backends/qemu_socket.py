"""QEMU's socket network backends as cable ends: `-netdev stream` and `-netdev dgram`.

Wire formats (QEMU net/stream.c, net/dgram.c; checked against QEMU 7.2, ecosystem.md §2):
- stream (TCP or unix, server or client): each frame is a 4-byte big-endian length followed by the
  Ethernet frame, without FCS or vnet header. One peer at a time; a server goes back to listening
  when its peer leaves; a length over NET_BUFSIZE ends the connection. No carrier until connected.
- dgram (UDP or unix datagrams): one Ethernet frame per datagram, no header.

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

    Transmit tries one non-blocking send; what the socket does not take waits in `_pending` for a
    writer thread, and past TX_HIGH_WATER the device is told to stop its queue (send returns
    False) until everything is written (port.tx_ready). Lock: `_txlock` guards the connection and
    `_pending`; it is never held while calling into the port."""

    def __init__(self, opts: dict):
        self.server = _bool(opts, "server")
        reconnect = opts.get("reconnect-ms")
        self.reconnect = (int(reconnect) / 1000 if reconnect is not None
                          else float(opts.get("reconnect", "0")))
        self.kind, self.addr = socket_address(opts, "addr")
        self.port = None
        self.tx_frames = self.tx_dropped = self.rx_frames = 0
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

    def _close_all(self) -> None:
        with self._txlock:
            self._closed = True
            for s in (self._conn, self._listener):
                if s is not None:
                    s.close()
            self._conn = self._listener = None
            self._pending.clear()
            self._pending_bytes = 0
            self._txcond.notify()

    # -- connection state (reader thread)
    def _connected(self, conn) -> None:
        with self._txlock:
            self._conn = conn
            self._rxbuf = bytearray()
        self._reader.fd = conn.fileno()
        self._reader.timeout = None
        self.port.link(True)

    def _disconnected(self):
        with self._txlock:
            conn, self._conn = self._conn, None
            self._pending.clear()
            self._pending_bytes = 0
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
        while have - off >= 4:
            (n,) = unpack(buf, off)
            if n > NET_BUFSIZE:
                return self._disconnected()
            if have - off - 4 < n:
                break
            if n:
                frames.append(bytes(buf[off + 4:off + 4 + n]))
            off += 4 + n
        if off:
            del buf[:off]
        if frames:
            self.rx_frames += len(frames)
            self.port.rx(frames)
        return True

    # -- transmit
    def send(self, frame) -> bool:
        data = _LEN.pack(len(frame)) + frame
        with self._txlock:
            conn = self._conn
            if conn is None or self._closed:
                self.tx_dropped += 1
                return True
            self.tx_frames += 1
            if not self._pending:
                try:
                    n = conn.send(data)
                except BlockingIOError:
                    n = 0
                except OSError:
                    self.tx_dropped += 1
                    return True
                if n == len(data):
                    return True
                data = data[n:]
                self._txcond.notify()
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
                    pending.clear()           # the reader sees the broken connection
                    self._pending_bytes = 0
                if not pending and self._stopped:
                    self._stopped = False
                    wake = True
            if wake:
                self.port.tx_ready()


# ---------------------------------------------------------------- dgram

class DgramBackend:
    """`-netdev dgram`: one frame per UDP or unix datagram, from `local` to `remote`. Sends never
    block: a datagram the peer cannot take now is dropped (tx_dropped), as on any datagram path."""

    def __init__(self, opts: dict):
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
            self._bind(laddr)
        if lkind == "fd":
            self.remote = (_inet_sockaddr(raddr[0], raddr[1], raddr[2], socket.SOCK_DGRAM, False)[1]
                           if rkind == "inet" else raddr)
        self.sock.setblocking(False)
        self.port = None
        self.tx_frames = self.tx_dropped = self.rx_frames = 0
        self._reader = None
        self._sendto = self.sock.sendto

    def _bind(self, sa) -> None:
        try:
            self.sock.bind(sa)
        except OSError:
            self.sock.close()
            raise

    def __repr__(self) -> str:
        return f"<DgramBackend {self.address} -> {self.remote}>"

    @property
    def address(self):
        return self.sock.getsockname()

    def start(self, port) -> None:
        self.port = port
        port.link(True)
        self._reader = ReaderThread(f"dgram {self.address}", self._on_readable, self.sock.fileno(),
                                    on_exit=self.sock.close)
        self._reader.start()

    def close(self, wait: float = 0.0) -> None:
        if self._reader is not None:
            self._reader.stop(wait)
        else:
            self.sock.close()

    def send(self, frame) -> bool:
        try:
            self._sendto(frame, self.remote)
            self.tx_frames += 1
        except OSError:
            self.tx_dropped += 1
        return True

    def _on_readable(self):
        frames = []
        recv = self.sock.recv
        for _ in range(RX_BATCH):
            try:
                frames.append(recv(NET_BUFSIZE))
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                if e.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH):
                    continue
                return False
        if frames:
            self.rx_frames += len(frames)
            self.port.rx(frames)
        return True
