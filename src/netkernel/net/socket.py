"""The socket system calls (net/socket.c).

Each `sys_*` takes the calling task first and returns what the syscall returns in C (a count or
fd, or a negative errno). Data the kernel copies back to user memory travels in a MsgHdr/return
tuple. `raise_on_error` is the one place that turns a negative errno into OSError.
"""
from __future__ import annotations

LINUX_SOURCE = "net/socket.c"
MODEL_HELPERS = ("raise_on_error",)   # not kernel functions (see netkernel.trace)
MODEL_PLUMBING = ("syscall_exit",)

import itertools

from netkernel.kernel.sched import Task, take_deferred_fputs
from netkernel.uapi import errno as E
from netkernel.uapi.socket import (AF_INET, AF_PACKET, INT, MSG_CMSG_CLOEXEC, MSG_CMSG_COMPAT,
                                   MSG_DONTWAIT, NPROTO, SOCK_CLOEXEC, SOCK_MAX, SOCK_NONBLOCK,
                                   SOCK_PACKET, SOCK_TYPE_MASK, SOCKADDR_STORAGE_SIZE, SOL_SOCKET)
from netkernel.net.core.sock import __sk_destruct, sock_getsockopt, sock_setsockopt
from netkernel.include.net.sock import SOCK_RCVTSTAMP, SOCK_RCVTSTAMPNS, SOCK_TSTAMP_NEW
from netkernel.net.core.scm import put_cmsg
from netkernel.uapi.errqueue import SCM_TIMESTAMPING_STRUCT
from netkernel.uapi.net_tstamp import SOF_TIMESTAMPING_SOFTWARE
from netkernel.uapi.socket import (SO_TIMESTAMP_NEW, SO_TIMESTAMP_OLD, SO_TIMESTAMPING_NEW,
                                   SO_TIMESTAMPING_OLD, SO_TIMESTAMPNS_NEW, SO_TIMESTAMPNS_OLD,
                                   TIMESPEC, TIMEVAL)
from netkernel.kernel.capability import capable
from netkernel.fs.file_table import fput
from netkernel.fs.open import sys_close  # noqa: F401 (close(2), re-exported for the syscall table)
from netkernel.lib.iov_iter import (MAX_RW_COUNT, UIO_MAXIOV, _copy_to_iter, import_single_range,
                                    iov_join)
from netkernel.include.linux.uaccess import (PartialUserBuffer, get_user_arg, put_user_arg,
                                             user_buffer, user_bytes)
from netkernel.net.core.dev_ioctl import dev_ifconf, dev_ioctl
from netkernel.uapi.capability import CAP_NET_ADMIN
from netkernel.uapi.fcntl import O_NONBLOCK, O_RDWR
from netkernel.uapi.if_ import IFR_DATA, IFR_PTR, IFREQ_SIZE
from netkernel.uapi.sockios import (SIOCBRADDBR, SIOCBRDELBR, SIOCDEVPRIVATE, SIOCGIFBR,
                                    SIOCGIFCONF, SIOCGIFVLAN, SIOCGSKNS, SIOCGSTAMP_NEW,
                                    SIOCGSTAMP_OLD, SIOCGSTAMPNS_NEW, SIOCGSTAMPNS_OLD, SIOCSIFBR,
                                    SIOCSIFVLAN, is_socket_ioctl_cmd)

SS_UNCONNECTED = 1


class KernelSocket:
    """struct socket: the type, the family's proto_ops, the struct sock, the file, and the inode
    number of its sockfs inode (get_next_ino: one counter for the whole model, as in Linux).
    `fp_opts`: the (level, optname) pairs ever set on it (None: none), which the fast path
    (netkernel/fastpath.py) checks against those it reproduces."""
    __slots__ = ("type", "state", "ops", "sk", "file", "ino", "fp_opts")

    def __init__(self):
        self.type = 0
        self.state = SS_UNCONNECTED
        self.ops = None
        self.sk = None
        self.file = None
        self.ino = next(_next_ino)
        self.fp_opts = None


_next_ino = itertools.count(1)


class File:
    """struct file of a socket: the open flags (O_RDWR, O_NONBLOCK), the socket, its reference
    count (the fd table holds one; every syscall using it holds one until it returns) and its
    file operations (socket_file_ops)."""
    __slots__ = ("f_flags", "private_data", "cloexec", "f_count", "f_op")

    def __init__(self, sock: KernelSocket, flags: int, cloexec: bool):
        self.f_flags = flags
        self.private_data = sock
        self.cloexec = cloexec
        self.f_count = 1
        self.f_op = socket_file_ops


class MsgHdr:
    """struct msghdr as the kernel sees it: the address, the data and the control buffer. `iov`:
    the reader's own buffers (writable buffer objects) when it handed them (recv_into), written
    where the family copies the data (skb_copy_datagram_msg, then `iov_done`); None: the data
    is returned as bytes."""
    __slots__ = ("name", "namelen", "want_name", "data", "flags", "controllen", "control",
                 "control_used", "ancdata", "iov", "iov_done")

    def __init__(self):
        self.name = None
        self.namelen = 0
        self.want_name = False
        self.data = b""
        self.flags = 0
        self.controllen = 0
        self.control: list | None = None     # put_cmsg makes the list on the first message
        self.control_used = 0
        self.ancdata = None
        self.iov = None
        self.iov_done = False


def raise_on_error(ret):
    """Turn a negative errno into OSError(errno, strerror) — EAGAIN becomes BlockingIOError."""
    if type(ret) is int and ret < 0:
        raise E.oserror(-ret)
    return ret


# ---------------------------------------------------------------- socket()

def sock_alloc() -> KernelSocket:
    """sock_alloc: a new struct socket (allocate socket)."""
    return KernelSocket()


def __sock_create(task: Task, net, family: int, type: int, protocol: int, kern: bool):
    """__sock_create: range-check family and type, map PF_INET/SOCK_PACKET to PF_PACKET, then
    the family's create()."""
    if family < 0 or family >= NPROTO:
        return -E.EAFNOSUPPORT
    if type < 0 or type >= SOCK_MAX:
        return -E.EINVAL
    if family == AF_INET and type == SOCK_PACKET:
        family = AF_PACKET
    sock = sock_alloc()
    sock.type = type
    pf = net.core.net_families.get(family)
    if pf is None:
        return -E.EAFNOSUPPORT
    err = pf.create(net, sock, protocol, kern)
    if err < 0:
        return err
    return sock


def sock_create(task: Task, family: int, type: int, protocol: int):
    return __sock_create(task, task.net, family, type, protocol, False)


def sock_map_fd(task: Task, sock: KernelSocket, flags: int) -> int:
    """sock_map_fd: allocate a file handle for the socket, and install it to fd table."""
    f = File(sock, O_RDWR | (flags & O_NONBLOCK), bool(flags & SOCK_CLOEXEC))
    sock.file = f
    return task.alloc_fd(f)


def __sys_socket(task: Task, family: int, type: int, protocol: int) -> int:
    flags = type & ~SOCK_TYPE_MASK
    if flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK):
        return -E.EINVAL
    type &= SOCK_TYPE_MASK
    sock = sock_create(task, family, type, protocol)
    if isinstance(sock, int):
        return sock
    return sock_map_fd(task, sock, flags)


def sys_socket(task: Task, family: int, type: int, protocol: int) -> int:
    return __sys_socket(task, family, type, protocol)


# ---------------------------------------------------------------- helpers

def sockfd_lookup_light(task: Task, fd: int):
    """sockfd_lookup_light: get socket by file descriptor (EBADF; ENOTSOCK for other files).
    Like fdget's light path it takes no reference: no other thread can close the descriptor
    while this one holds the machine lock, and a syscall that sleeps (releasing the lock) takes
    one then, kept until the syscall returns (sk_sleep) — so a close() from another thread
    meanwhile only removes the descriptor, and the socket lives on until that syscall is done."""
    f = task.files.get(fd)
    if f is None:
        return -E.EBADF
    sock = f.private_data
    if not isinstance(sock, KernelSocket):
        return -E.ENOTSOCK
    return sock


def syscall_exit() -> None:
    """Drop the file references the finished syscall took (fdput at the end of each syscall)."""
    for f in take_deferred_fputs():
        fput(f)


def move_addr_to_kernel(uaddr: bytes, ulen: int):
    """move_addr_to_kernel: copy data from user to kernel space (0..128 bytes, else EINVAL; a
    fault in them EFAULT)."""
    if ulen < 0 or ulen > SOCKADDR_STORAGE_SIZE:
        return -E.EINVAL
    addr = user_bytes(uaddr, ulen) if ulen else b""
    if type(addr) is int:
        return addr
    return addr.ljust(SOCKADDR_STORAGE_SIZE, b"\0")


# ---------------------------------------------------------------- bind / name

def __sys_bind(task: Task, fd: int, umyaddr: bytes, addrlen: int) -> int:
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    address = move_addr_to_kernel(umyaddr, addrlen)
    if isinstance(address, int):
        return address
    task.net.core.fp_gen += 1           # fast-path routes are stale
    return sock.ops.bind(sock, address, addrlen)


def sys_bind(task: Task, fd: int, umyaddr: bytes, addrlen: int | None = None) -> int:
    return __sys_bind(task, fd, umyaddr, len(umyaddr) if addrlen is None else addrlen)


def __sys_getsockname(task: Task, fd: int, peer: bool):
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    return sock.ops.getname(sock, peer)


def sys_getsockname(task: Task, fd: int):
    return __sys_getsockname(task, fd, False)


def sys_getpeername(task: Task, fd: int):
    return __sys_getsockname(task, fd, True)


def __sys_connect(task: Task, fd: int, uservaddr: bytes, addrlen: int) -> int:
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    address = move_addr_to_kernel(uservaddr, addrlen)
    if isinstance(address, int):
        return address
    return sock.ops.connect(sock, address, addrlen)


def sys_connect(task: Task, fd: int, uservaddr: bytes) -> int:
    return __sys_connect(task, fd, uservaddr, len(uservaddr))


def sys_listen(task: Task, fd: int, backlog: int) -> int:
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    return sock.ops.listen(sock, backlog)


def sys_accept(task: Task, fd: int) -> int:
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    return sock.ops.accept(sock)


def sys_shutdown(task: Task, fd: int, how: int) -> int:
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    task.net.core.fp_gen += 1
    return sock.ops.shutdown(sock, how)


# ---------------------------------------------------------------- send

def sock_sendmsg_nosec(sock: KernelSocket, msg: MsgHdr) -> int:
    return sock.ops.sendmsg(sock, msg, len(msg.data))


def sock_sendmsg(sock: KernelSocket, msg: MsgHdr) -> int:
    return sock_sendmsg_nosec(sock, msg)


def __sys_sendto(task: Task, fd: int, buff, len: int, flags: int, addr, addr_len: int) -> int:
    data = import_single_range(buff, len)
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    msg = MsgHdr()
    msg.data = data
    if addr is not None:
        address = move_addr_to_kernel(addr, addr_len)
        if isinstance(address, int):
            return address
        msg.name = address
        msg.namelen = addr_len
    if sock.file.f_flags & O_NONBLOCK:
        flags |= MSG_DONTWAIT
    msg.flags = flags
    return sock_sendmsg(sock, msg)


def sys_sendto(task: Task, fd: int, buf, flags: int, addr) -> int:
    return __sys_sendto(task, fd, buf, len(buf), flags, addr, 0 if addr is None else len(addr))


def __copy_msghdr_from_user(addr, namelen: int | None, iovlen: int, save_addr: bool = False):
    """__copy_msghdr_from_user: a NULL msg_name means msg_namelen 0; a negative msg_namelen is
    EINVAL, a longer one than sockaddr_storage is cut to it; a name of length 0 is no name
    (NULL); more than UIO_MAXIOV iovecs is EMSGSIZE. Returns (name, namelen) or -errno. The
    in-process caller's name is exactly its bytes of user memory: a msg_namelen beyond them
    faults (EFAULT). With `save_addr` (recvmsg) the name is only checked, not copied in."""
    if addr is None:
        namelen = 0
    elif namelen is None:
        namelen = len(addr)
    if namelen < 0:
        return -E.EINVAL
    namelen = min(namelen, SOCKADDR_STORAGE_SIZE)
    name = None
    if addr is not None and namelen and not save_addr:
        if namelen > len(addr):
            return -E.EFAULT
        name = move_addr_to_kernel(addr, namelen)
    else:
        namelen = 0
    if iovlen > UIO_MAXIOV:
        return -E.EMSGSIZE
    return name, namelen


def sys_sendmsg(task: Task, fd: int, buf, ancdata, flags: int, addr,
                namelen: int | None = None) -> int:
    """___sys_sendmsg: `buf` is the data, or a list of buffers (the iovec); `addr` None is a
    NULL msg_name and `namelen` the msg_namelen (default len(addr)); control messages ride
    along."""
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    iov = buf if type(buf) is list else None
    hdr = __copy_msghdr_from_user(addr, namelen, len(iov) if iov is not None else 1)
    if isinstance(hdr, int):
        return hdr
    msg = MsgHdr()
    if iov is not None:
        buf = iov_join(iov)
    msg.data = import_single_range(buf, len(buf))
    msg.name, msg.namelen = hdr
    msg.ancdata = list(ancdata or ())
    if sock.file.f_flags & O_NONBLOCK:
        flags |= MSG_DONTWAIT
    msg.flags = flags
    return sock_sendmsg(sock, msg)


# ---------------------------------------------------------------- receive

def __sock_recv_timestamp(msg: MsgHdr, sk, skb) -> None:
    """__sock_recv_timestamp: SO_TIMESTAMP[NS] (a frame without a time gets the current one),
    then SCM_TIMESTAMPING when software stamps are reported and the frame has one: software time
    in ts[0], ts[1] and ts[2] (hardware) zero — the old or new layout by SOCK_TSTAMP_NEW."""
    f = sk.sk_flags
    core = sk.sk_net.core
    new = SOCK_TSTAMP_NEW in f
    if SOCK_RCVTSTAMP in f:
        if not skb.tstamp:
            skb.tstamp = core.clock()
        sec, ns = divmod(skb.tstamp + core.realtime_offset, 1_000_000_000)
        if SOCK_RCVTSTAMPNS in f:
            put_cmsg(msg, SOL_SOCKET, SO_TIMESTAMPNS_NEW if new else SO_TIMESTAMPNS_OLD,
                     TIMESPEC.pack(sec, ns))
        else:
            put_cmsg(msg, SOL_SOCKET, SO_TIMESTAMP_NEW if new else SO_TIMESTAMP_OLD,
                     TIMEVAL.pack(sec, ns // 1000))
    if sk.sk_tsflags & SOF_TIMESTAMPING_SOFTWARE and skb.tstamp:
        sec, ns = divmod(skb.tstamp + core.realtime_offset, 1_000_000_000)
        put_cmsg(msg, SOL_SOCKET, SO_TIMESTAMPING_NEW if new else SO_TIMESTAMPING_OLD,
                 SCM_TIMESTAMPING_STRUCT.pack(sec, ns, 0, 0, 0, 0))
        # (SCM_TIMESTAMPING_OPT_STATS follows only for TCP's OPT_STATS records)


def sock_recvmsg_nosec(sock: KernelSocket, msg: MsgHdr, size: int, flags: int) -> int:
    return sock.ops.recvmsg(sock, msg, size, flags)


def sock_recvmsg(sock: KernelSocket, msg: MsgHdr, size: int, flags: int) -> int:
    return sock_recvmsg_nosec(sock, msg, size, flags)


def _recv_copied(msg: MsgHdr) -> int:
    """After a family's recvmsg: the reader's own buffers hold the data (a family that does not
    copy through skb_copy_datagram_msg has it copied here), or -EFAULT."""
    if msg.iov is None or msg.iov_done:
        return 0
    return 0 if _copy_to_iter(msg.data, msg.iov) == len(msg.data) else -E.EFAULT


def __sys_recvfrom(task: Task, fd: int, size: int, flags: int, want_addr: bool, into=None):
    """__sys_recvfrom: returns (ret, data, addr) or a negative errno; `into`: the reader's
    buffers (see MsgHdr.iov)."""
    if size < 0:
        return -E.EFAULT
    size = min(size, MAX_RW_COUNT)
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    msg = MsgHdr()
    msg.want_name = want_addr
    msg.iov = into
    if sock.file.f_flags & O_NONBLOCK:
        flags |= MSG_DONTWAIT
    err = sock_recvmsg(sock, msg, size, flags)
    if err >= 0:
        err = _recv_copied(msg) or err
    if err < 0:
        return err
    return err, msg.data, msg.name if msg.name is not None else b""


def sys_recvfrom(task: Task, fd: int, size: int, flags: int, into=None,
                 want_addr: bool = True):
    """recvfrom(2); `want_addr` False is recv(2) (a NULL address: none is built)."""
    return __sys_recvfrom(task, fd, size, flags, want_addr, into)


def sys_recvmsg(task: Task, fd: int, size: int, ancbufsize: int, flags: int,
                namelen: int | None = SOCKADDR_STORAGE_SIZE, iovlen: int = 1, into=None):
    """___sys_recvmsg: returns (ret, data, ancdata, msg_flags, addr) or a negative errno.
    `namelen` is the caller's msg_namelen (None: a NULL msg_name, then no address is
    reported); `iovlen` the number of iovecs the `size` bytes come in. The frame is read with a
    kernel sockaddr_storage whatever the user's name buffer; `addr` is what the kernel reports
    (a user buffer of `namelen` bytes gets addr[:namelen], msg_namelen becomes len(addr)).
    `into`: the reader's buffers (see MsgHdr.iov)."""
    if size < 0 or ancbufsize < 0:
        return -E.EINVAL
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    hdr = __copy_msghdr_from_user(None if namelen is None else b"", namelen, iovlen, True)
    if isinstance(hdr, int):
        return hdr
    msg = MsgHdr()
    msg.want_name = True
    msg.controllen = ancbufsize
    msg.flags = flags & (MSG_CMSG_CLOEXEC | MSG_CMSG_COMPAT)
    msg.iov = into
    if sock.file.f_flags & O_NONBLOCK:
        flags |= MSG_DONTWAIT
    err = sock_recvmsg(sock, msg, min(size, MAX_RW_COUNT), flags)
    if err >= 0:
        err = _recv_copied(msg) or err
    if err < 0:
        return err
    addr = msg.name if msg.name is not None and namelen is not None else b""
    return err, msg.data, msg.control if msg.control is not None else [], msg.flags, addr


# ---------------------------------------------------------------- options

def __sys_setsockopt(task: Task, fd: int, level: int, optname: int, optval, optlen: int) -> int:
    """__sys_setsockopt: a negative optlen is EINVAL before the descriptor is looked at. The
    handlers get the readable bytes of the user's buffer (None: a NULL pointer) and the optlen the
    caller gave, and copy from it themselves (copy_from_sockptr): a short or NULL buffer faults
    only where Linux reads past it, after the handler's level, option and length checks."""
    if optlen < 0:
        return -E.EINVAL
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    # every option, known today or added later, invalidates the fast path's routes; one it
    # does not reproduce keeps this socket on the structured path (netkernel/fastpath.py)
    task.net.core.fp_gen += 1
    opts = sock.fp_opts
    if opts is None:
        opts = sock.fp_opts = set()
    opts.add((level, optname))
    if type(optval) is PartialUserBuffer:
        # only the readable prefix is there to copy
        optval = bytes(optval)[:optval.readable]
    if level == SOL_SOCKET:
        return sock_setsockopt(sock.sk, optname, optval, optlen)
    if sock.ops.setsockopt is None:
        return -E.EOPNOTSUPP
    return sock.ops.setsockopt(sock, level, optname, optval, optlen)


def sys_setsockopt(task: Task, fd: int, level: int, optname: int, optval,
                   optlen: int | None = None) -> int:
    """setsockopt(2): `optval` is the user's bytes, or None for a NULL pointer; `optlen` is the C
    int (default: len(optval))."""
    if optval is not None:
        optval = user_buffer(optval)
        if optlen is None:
            optlen = len(optval)
        elif optlen < len(optval):
            optval = optval[:max(optlen, 0)]
    elif optlen is None:
        optlen = 0
    return __sys_setsockopt(task, fd, level, optname, optval, optlen)


def __sys_getsockopt(task: Task, fd: int, level: int, optname: int, optlen: int, optval: bytes):
    sock = sockfd_lookup_light(task, fd)
    if isinstance(sock, int):
        return sock
    if level == SOL_SOCKET:
        return sock_getsockopt(sock.sk, optname, optlen)
    if sock.ops.getsockopt is None:
        return -E.EOPNOTSUPP
    return sock.ops.getsockopt(sock, level, optname, optlen, optval)


def sys_getsockopt(task: Task, fd: int, level: int, optname: int, optlen: int,
                   optval: bytes = b""):
    """getsockopt(2): `optval` is what the user's buffer held before the call (PACKET_HDRLEN
    reads it)."""
    return __sys_getsockopt(task, fd, level, optname, optlen, optval)


# ---------------------------------------------------------------- mmap

def sock_mmap(file: File, length: int, pgoff: int):
    """sock_mmap: the family's mmap operation (ENODEV without one). Returns (the file to map,
    the area's vm_ops close callback) or a negative errno."""
    sock = file.private_data
    if sock.ops is None or sock.ops.mmap is None:
        return -E.ENODEV
    return sock.ops.mmap(sock, length, pgoff)


# ---------------------------------------------------------------- ioctl

def get_user_ifreq(arg):
    """get_user_ifreq: the caller's struct ifreq (EFAULT), and its ifr_data pointer."""
    raw = get_user_arg(arg, IFREQ_SIZE)
    if isinstance(raw, int):
        return raw, 0
    return bytearray(raw), IFR_PTR.unpack_from(raw, IFR_DATA)[0]


def put_user_ifreq(ifr: bytearray, arg) -> int:
    """put_user_ifreq: the whole struct ifreq back to the caller (EFAULT)."""
    return put_user_arg(arg, bytes(ifr))


def sock_do_ioctl(net, sock: KernelSocket, cmd: int, arg) -> int:
    """sock_do_ioctl: the family's ioctl first; what it does not know (ENOIOCTLCMD) and is a
    socket request (type 0x89, else ENOTTY) is an interface request: copy the ifreq in, run
    dev_ioctl, copy it back when dev_ioctl says so."""
    ops_ioctl = sock.ops.ioctl if sock.ops is not None else None
    err = ops_ioctl(sock, cmd, arg) if ops_ioctl is not None else -E.ENOIOCTLCMD
    if err != -E.ENOIOCTLCMD:
        return err
    if not is_socket_ioctl_cmd(cmd):
        return -E.ENOTTY
    ifr, data = get_user_ifreq(arg)
    if isinstance(ifr, int):
        return ifr
    err, need_copyout = dev_ioctl(net, cmd, ifr, data)
    if not err and need_copyout:
        if put_user_ifreq(ifr, arg):
            return -E.EFAULT
    return err


def sock_ioctl(file, cmd: int, arg) -> int:
    """sock_ioctl (a socket file's unlocked_ioctl): private device requests straight to
    dev_ioctl; receive timestamps through the family's gettstamp; SIOCGIFCONF to dev_ifconf; the
    namespace request needs CAP_NET_ADMIN;
    bridge/VLAN requests find no module loaded (ENOPKG); the rest to sock_do_ioctl.
    DIVERGENCE(#10): FIOSETOWN/FIOGETOWN (no signal owner is modelled), SIOCGSKNS (no namespace
    files) and wireless extensions fall through to the generic path."""
    sock = file.private_data
    net = sock.sk.sk_net
    if SIOCDEVPRIVATE <= cmd <= SIOCDEVPRIVATE + 15:
        ifr, data = get_user_ifreq(arg)
        if isinstance(ifr, int):
            return ifr
        err, need_copyout = dev_ioctl(net, cmd, ifr, data)
        if not err and need_copyout and put_user_ifreq(ifr, arg):
            return -E.EFAULT
        return err
    if cmd in (SIOCGIFBR, SIOCSIFBR, SIOCBRADDBR, SIOCBRDELBR, SIOCGIFVLAN, SIOCSIFVLAN):
        return -E.ENOPKG
    if cmd == SIOCGSKNS and not capable(CAP_NET_ADMIN):
        return -E.EPERM
    if cmd in (SIOCGSTAMP_OLD, SIOCGSTAMPNS_OLD, SIOCGSTAMP_NEW, SIOCGSTAMPNS_NEW):
        if sock.ops is None or sock.ops.gettstamp is None:
            return -E.ENOIOCTLCMD
        return sock.ops.gettstamp(sock, arg, cmd in (SIOCGSTAMP_OLD, SIOCGSTAMP_NEW), False)
    if cmd == SIOCGIFCONF:
        return dev_ifconf(net, arg)
    return sock_do_ioctl(net, sock, cmd, arg)


# ---------------------------------------------------------------- close

def __sock_release(sock: KernelSocket) -> None:
    """__sock_release: the family's release(), then the socket is gone (its struct sock with
    it: __sk_destruct)."""
    if sock.ops is not None:
        sk = sock.sk
        sock.ops.release(sock)
        sock.ops = None
        if sk is not None:
            __sk_destruct(sk)
    sock.file = None


def sock_close(sock: KernelSocket) -> None:
    __sock_release(sock)


class FileOperations:
    """struct file_operations (include/linux/fs.h), reduced to what a socket's file uses."""
    __slots__ = ("release", "unlocked_ioctl", "mmap")

    def __init__(self, release, unlocked_ioctl, mmap=None):
        self.release = release
        self.unlocked_ioctl = unlocked_ioctl
        self.mmap = mmap


socket_file_ops = FileOperations(release=sock_close, unlocked_ioctl=sock_ioctl, mmap=sock_mmap)
