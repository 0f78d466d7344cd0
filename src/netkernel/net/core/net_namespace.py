"""struct net (include/net/net_namespace.h): one network namespace's device tables."""
from __future__ import annotations

LINUX_SOURCE = "net/core/net_namespace.c"


class Net:
    """struct net: devices by name and index, the ifindex allocator, the loopback device."""
    __slots__ = ("name", "core", "dev_by_name", "dev_by_index", "ifindex", "loopback_dev",
                 "packet_sklist", "packet_fanouts")

    def __init__(self, core, name: str):
        self.name = name
        self.core = core              # NetCore: machine-wide lists (ptype_all, notifiers, sysctls)
        self.dev_by_name: dict = {}
        self.dev_by_index: dict = {}
        self.ifindex = 0              # last ifindex handed out (dev_new_index)
        self.loopback_dev = None
        self.packet_sklist: list = []  # net->packet.sklist
        self.packet_fanouts: dict = {}  # af_packet.c fanout_list entries of this netns, by id

    def dev_new_index(self) -> int:
        """dev_new_index (net/core/dev.c): the next free index after the last one handed out."""
        while True:
            self.ifindex += 1
            if self.ifindex <= 0:
                self.ifindex = 1
            if self.ifindex not in self.dev_by_index:
                return self.ifindex

    def __repr__(self) -> str:
        return f"<net {self.name}>"
