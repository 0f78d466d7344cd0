"""Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h), x86_64 numbering."""
EPERM = 1
ENOENT = 2
EINTR = 4
ENXIO = 6
EBADF = 9
EAGAIN = 11
ENOMEM = 12
EFAULT = 14
EBUSY = 16
ENODEV = 19
EINVAL = 22
ENOTTY = 25
ENOSPC = 28
EDOM = 33
ENOTSOCK = 88
EDESTADDRREQ = 89
EMSGSIZE = 90
EPROTOTYPE = 91
ENOPROTOOPT = 92
EPROTONOSUPPORT = 93
ESOCKTNOSUPPORT = 94
EOPNOTSUPP = 95
EAFNOSUPPORT = 97
ENETDOWN = 100
ENOBUFS = 105
ENOTCONN = 107
ETIMEDOUT = 110
EALREADY = 114

_STRERROR = {
    EPERM: "Operation not permitted",
    ENOENT: "No such file or directory",
    EINTR: "Interrupted system call",
    ENXIO: "No such device or address",
    EBADF: "Bad file descriptor",
    EAGAIN: "Resource temporarily unavailable",
    ENOMEM: "Cannot allocate memory",
    EFAULT: "Bad address",
    EBUSY: "Device or resource busy",
    ENODEV: "No such device",
    EINVAL: "Invalid argument",
    ENOTTY: "Inappropriate ioctl for device",
    EDOM: "Numerical argument out of domain",
    ENOTSOCK: "Socket operation on non-socket",
    EDESTADDRREQ: "Destination address required",
    EMSGSIZE: "Message too long",
    EPROTOTYPE: "Protocol wrong type for socket",
    ENOPROTOOPT: "Protocol not available",
    EPROTONOSUPPORT: "Protocol not supported",
    ESOCKTNOSUPPORT: "Socket type not supported",
    EOPNOTSUPP: "Operation not supported",
    EAFNOSUPPORT: "Address family not supported by protocol",
    ENETDOWN: "Network is down",
    ENOBUFS: "No buffer space available",
    ENOTCONN: "Transport endpoint is not connected",
    ETIMEDOUT: "Connection timed out",
    EALREADY: "Operation already in progress",
    ENOSPC: "No space left on device",
}

ERRNO_NAMES = {v: k for k, v in globals().items() if k.startswith("E") and isinstance(v, int)}


def strerror(err: int) -> str:
    return _STRERROR.get(err, f"Unknown error {err}")
