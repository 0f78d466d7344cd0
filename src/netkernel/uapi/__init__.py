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

# `from netkernel.uapi import *` gives the ABI names only, never the submodules (a submodule named
# `socket` or `errno` would otherwise hide the standard library's).
__all__ = [n for n in dir() if not n.startswith("_")
           and n not in ("errno", "socket", "if_ether", "if_arp", "if_packet", "if_", "capability")]
