"""File status flags and fcntl commands: include/uapi/asm-generic/fcntl.h (x86_64 uses the generic
values)."""
O_ACCMODE = 0o3
O_RDONLY = 0o0
O_WRONLY = 0o1
O_RDWR = 0o2
O_APPEND = 0o2000
O_NONBLOCK = 0o4000
O_NDELAY = O_NONBLOCK
O_DIRECT = 0o40000
O_NOATIME = 0o1000000
O_CLOEXEC = 0o2000000

F_DUPFD = 0
F_GETFD = 1
F_SETFD = 2
F_GETFL = 3
F_SETFL = 4
F_DUPFD_CLOEXEC = 1030   # F_LINUX_SPECIFIC_BASE + 6 (include/uapi/linux/fcntl.h)

FD_CLOEXEC = 1
