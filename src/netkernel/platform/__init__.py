"""How a caller enters the model (DESIGN.md §2, "platform", after gVisor's platform layer).

In-process callers use `netkernel.Kernel` directly. A real program runs as a child process whose
network syscalls reach the model through seccomp user notification:

- `seccomp`    the classic-BPF filter, the listener and its ioctls (include/uapi/linux/seccomp.h);
- `memory`     the child's memory through process_vm_readv/writev (a bad pointer is EFAULT);
- `files`      placeholder descriptors: one eventfd per model socket, keyed by open file
               description (kcmp), readiness mirrored on the eventfd;
- `ioctl`      interface ioctls (SIOCGIF*) on any descriptor;
- `namespaces` the child's private network and mount namespaces, a tmpfs on /sys/class/net;
- `views`      live /sys/class/net and /proc/net files, served at each open (a memfd of the text);
- `supervisor` the notification loop: one handler per syscall, blocking calls parked on workers;
- `launch`     fork, filter, exec, serve: `run(k, argv)`.

x86_64 only, ctypes only.
"""
