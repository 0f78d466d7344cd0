"""A real TAP device as a cable end: frames written to its fd come out of the real interface, and
what the real kernel sends through the interface is read from the fd.

The TAP is opened inside a real network namespace: a short-lived helper thread enters it with
setns(2) through ctypes (Python 3.11 has no os.setns), opens /dev/net/tun and attaches with
TUNSETIFF IFF_TAP | IFF_NO_PI, as QEMU's `-netdev tap` and PyTCP do. The fd keeps the device in
that namespace after the thread has gone. An interface that does not exist yet is created (and
vanishes with the fd); an existing persistent TAP (`ip tuntap add mode tap`) is attached to. The
real interface starts down, as after `ip tuntap add`: configuring it is the real side's business.

When the real interface is deleted underneath (`ip link del`, or its namespace goes away), the
real kernel detaches the fd: poll reports an error and read fails (tun_chr_read_iter: EBADFD).
The reader then counts it, pulls the cable (port.link(False): carrier off on the netkernel
device) and ends; later sends are dropped and counted. Counters: `stats()` (TAP_STATS).
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import struct
import threading

from netkernel.backends.port import ReaderThread

TUN_PATH = "/dev/net/tun"
TUNSETIFF = 0x400454CA          # _IOW('T', 202, int)
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = "/run/netns"
IFNAMSIZ = 16
READ_SIZE = 65536 + 14
RX_BATCH = 64
_IFREQ = struct.Struct("16sH22x")  # struct ifreq: ifr_name, ifr_flags

TAP_STATS = {
    "tx_frames": "frames written to the TAP",
    "tx_dropped": "frames the TAP refused (real interface down or gone) or sent after the end",
    "rx_frames": "frames read from the TAP and handed to the device",
    "rx_errors": "read errors that ended the reader (the real interface was deleted)",
    "detached": "1 once the real interface has gone away under the fd",
}

_libc = ctypes.CDLL(None, use_errno=True)
_libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]


def netns_path(host_netns: str | None) -> str | None:
    """A namespace name (`ip netns add NAME`) or a path such as /proc/PID/ns/net."""
    if host_netns is None:
        return None
    if "/" in host_netns:
        return host_netns
    return os.path.join(NETNS_RUN_DIR, host_netns)


def run_in_netns(host_netns: str | None, fn):
    """Run fn() on a helper thread that has entered the real network namespace `host_netns`."""
    path = netns_path(host_netns)
    if path is None:
        return fn()
    result: list = []

    def work():
        try:
            nsfd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _libc.setns(nsfd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns({path}): {os.strerror(err)}")
            finally:
                os.close(nsfd)
            result.append((True, fn()))
        except BaseException as e:  # handed to the caller's thread
            result.append((False, e))

    t = threading.Thread(target=work, name=f"netns {host_netns}", daemon=True)
    t.start()
    t.join()
    ok, value = result[0]
    if not ok:
        raise value
    return value


def open_tap(ifname: str, host_netns: str | None = None) -> int:
    """Open /dev/net/tun and attach to (or create) TAP `ifname` in `host_netns`; returns the fd."""
    name = ifname.encode()
    if not name or len(name) >= IFNAMSIZ:
        raise ValueError(f"bad interface name {ifname!r}")

    def attach() -> int:
        fd = os.open(TUN_PATH, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            fcntl.ioctl(fd, TUNSETIFF, _IFREQ.pack(name, IFF_TAP | IFF_NO_PI))
        except OSError:
            os.close(fd)
            raise
        return fd
    return run_in_netns(host_netns, attach)


class TapBackend:
    """A TAP fd pumping frames both ways. Counters: `stats()` (TAP_STATS); `error` is the read
    error that ended the reader, if any."""

    def __init__(self, ifname: str, host_netns: str | None = None):
        self.ifname = ifname
        self.host_netns = host_netns
        self.fd = open_tap(ifname, host_netns)
        self.port = None
        self.tx_frames = 0
        self.tx_dropped = 0
        self.rx_frames = 0
        self.rx_errors = 0
        self.detached = 0
        self.error: OSError | None = None
        self._reader = None
        self._write = os.write

    def __repr__(self) -> str:
        where = f" netns {self.host_netns}" if self.host_netns else ""
        return f"<TapBackend {self.ifname}{where}>"

    def start(self, port) -> None:
        self.port = port
        port.link(True)
        self._reader = ReaderThread(f"tap {self.ifname}", self._on_readable, self.fd,
                                    on_exit=self._close_fd)
        self._reader.start()

    def send(self, frame) -> bool:
        """Write one frame; the real kernel drops it (EIO) while the real interface is down."""
        if self._reader is not None and self._reader.stopping:
            self.tx_dropped += 1
            return True
        try:
            self._write(self.fd, frame)
            self.tx_frames += 1
        except OSError:
            self.tx_dropped += 1
        return True

    def stats(self) -> dict:
        """The counters of TAP_STATS."""
        return {name: getattr(self, name) for name in TAP_STATS}

    def _on_readable(self):
        frames = []
        read = os.read
        fd = self.fd
        gone = None
        for _ in range(RX_BATCH):
            try:
                frame = read(fd, READ_SIZE)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                gone = e                    # EBADFD: the real interface was deleted
                break
            if not frame:                   # end of file: nothing more will come
                gone = OSError(errno.ENODEV, f"{self.ifname}: end of file on the TAP")
                break
            frames.append(frame)
        if frames:
            self.rx_frames += len(frames)
            self.port.rx(frames)
        if gone is None:
            return True
        self.rx_errors += 1
        self.detached = 1
        self.error = gone
        self.port.link(False)
        return False

    def _close_fd(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)

    def close(self, wait: float = 0.0) -> None:
        """Stop the reader; it closes the fd as it ends (the real interface then goes away unless
        it is persistent). `wait`: seconds to wait for that."""
        if self._reader is not None:
            self._reader.stop(wait)
        else:
            self._close_fd()
