"""Generic ioctl numbers: include/uapi/asm-generic/ioctls.h (x86_64) and the socket ioctls of
include/uapi/linux/sockios.h."""
FIONREAD = 0x541B
FIONBIO = 0x5421
FIONCLEX = 0x5450
FIOCLEX = 0x5451
FIOASYNC = 0x5452

SOCK_IOC_TYPE = 0x89     # _IOC_TYPE of every SIOC* request (is_socket_ioctl_cmd)
SIOCGIFNAME = 0x8910
SIOCGIFINDEX = 0x8933


def _IOC_TYPE(cmd: int) -> int:
    return (cmd >> 8) & 0xFF
