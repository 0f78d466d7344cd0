"""User ABI of Linux 5.15 (x86_64): constants and struct layouts, one module per kernel header.

Everything a user program passes to or gets from the kernel is described here and nowhere else.
"""
from netkernel.uapi.errno import *  # noqa: F401,F403
from netkernel.uapi.socket import *  # noqa: F401,F403
from netkernel.uapi.if_ether import *  # noqa: F401,F403
from netkernel.uapi.if_arp import *  # noqa: F401,F403
from netkernel.uapi.if_packet import *  # noqa: F401,F403
from netkernel.uapi.if_ import *  # noqa: F401,F403
from netkernel.uapi.capability import *  # noqa: F401,F403
