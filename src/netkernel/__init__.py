"""netkernel: Linux 5.15's packet-socket path as a pure-Python model you can run, trace and test."""
from netkernel.api import Kernel, Netns, Process, Socket
from netkernel.wire import connect

__all__ = ["Kernel", "Netns", "Process", "Socket", "connect"]
__version__ = "0.1.0"
