"""The file layer of the syscall interface (fs/): calls on any open file, sockets included
(close, poll, fcntl, ioctl) and file references."""
