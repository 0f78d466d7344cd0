"""The file layer of the syscall interface (fs/): file-descriptor calls that work on any open file,
sockets included (fcntl, ioctl)."""
