"""struct net (include/net/net_namespace.h) and namespace creation (net/core/net_namespace.c)."""
from __future__ import annotations

LINUX_SOURCE = "net/core/net_namespace.c"

import itertools
import struct as _struct

from netkernel.include.linux.netlink import NL_SET_ERR_MSG
from netkernel.include.net.netlink import nlmsg_put
from netkernel.kernel.capability import capable
from netkernel.lib.nlattr import nla_put
from netkernel.uapi.capability import CAP_SYS_ADMIN
from netkernel.uapi.errno import EINVAL, ENOENT, EPERM, ERANGE
from netkernel.uapi.netlink import NLMSG_ALIGN
from netkernel.uapi.rtnetlink import (NETNSA_FD, NETNSA_NSID, NETNSA_NSID_NOT_ASSIGNED,
                                      NETNSA_PID, RTGENMSG, RTGENMSG_SIZE, RTM_NEWNSID,
                                      RTNLGRP_NSID)
from netkernel.uapi.socket import AF_UNSPEC

S32 = _struct.Struct("=i")

_net_cookie = itertools.count(1)   # net_cookie: one increasing 64-bit counter for all namespaces


class Net:
    """struct net: devices by name and index, the ifindex allocator, the loopback device."""
    __slots__ = ("name", "core", "dev_by_name", "dev_by_index", "ifindex", "loopback_dev",
                 "packet_sklist", "packet_fanouts", "nl_table", "nl_mc_list", "rtnl",
                 "netns_ids", "net_cookie", "ipv4", "ipv6")

    def __init__(self, core, name: str):
        self.name = name
        self.core = core              # NetCore: machine-wide lists (ptype_all, notifiers, sysctls)
        self.dev_by_name: dict = {}
        self.dev_by_index: dict = {}
        self.ifindex = 0              # last ifindex handed out (dev_new_index)
        self.loopback_dev = None
        self.packet_sklist: list = []  # net->packet.sklist
        self.packet_fanouts: dict = {}  # af_packet.c fanout_list entries of this netns, by id
        self.nl_table: dict = {}      # af_netlink.c nl_table: (protocol, portid) → bound socket
        self.nl_mc_list: dict = {}    # af_netlink.c nl_table[protocol].mc_list: group members
        self.rtnl = None              # net->rtnl: NETLINK_ROUTE's kernel socket (af_netlink.py)
        self.netns_ids: dict = {}     # net->netns_ids: peer namespace → its id here (nsid)
        self.net_cookie = next(_net_cookie)   # preinit_net: gen_cookie_next(&net_cookie)
        self.ipv4 = None              # struct netns_ipv4 (net/ipv4/fib_frontend.py: fib tables)
        self.ipv6 = None              # struct netns_ipv6 (net/ipv6/addrconf.py: devconf, fib6)

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


def peernet2id_alloc(net: Net, peer: Net) -> int:
    """peernet2id_alloc: the id `net` knows `peer` by, allocated (the lowest free, from 0) on
    first use — and then announced to the namespace's RTNLGRP_NSID listeners
    (rtnl_net_notifyid: RTM_NEWNSID)."""
    ids = net.netns_ids
    nsid = ids.get(peer)
    if nsid is None:
        used = set(ids.values())
        nsid = 0
        while nsid in used:
            nsid += 1
        ids[peer] = nsid
        rtnl_net_notifyid(net, RTM_NEWNSID, nsid)
    return nsid


def rtnl_net_notifyid(net: Net, cmd: int, nsid: int) -> None:
    """rtnl_net_notifyid: an id given (or taken back) to RTNLGRP_NSID, through the namespace's
    NETLINK_ROUTE kernel socket."""
    if net.rtnl is not None:
        net.rtnl.broadcast(rtnl_net_fill(nsid, 0, 0, cmd=cmd), 0, RTNLGRP_NSID)


def __peernet2id(net: Net, peer: Net) -> int:
    """__peernet2id: the id `net` knows `peer` by, or NETNSA_NSID_NOT_ASSIGNED."""
    return net.netns_ids.get(peer, NETNSA_NSID_NOT_ASSIGNED)


def rtnl_net_fill(nsid: int, portid: int, seq: int, flags: int = 0,
                  cmd: int = RTM_NEWNSID) -> bytes:
    """rtnl_net_fill: RTM_NEWNSID/RTM_DELNSID — an rtgenmsg (AF_UNSPEC) and NETNSA_NSID."""
    body = bytearray(RTGENMSG.pack(AF_UNSPEC).ljust(NLMSG_ALIGN(RTGENMSG_SIZE), b"\0"))
    nla_put(body, NETNSA_NSID, S32.pack(nsid))
    return nlmsg_put(cmd, portid, seq, flags, bytes(body))


def rtnl_net_getid(net: Net, attrs: dict, portid: int, seq: int):
    """rtnl_net_getid (RTM_GETNSID): the id this namespace gives the one named by NETNSA_PID,
    NETNSA_FD or NETNSA_NSID (an unknown id: ENOENT; none of them: EINVAL), as an RTM_NEWNSID
    reply. DIVERGENCE(#10): a pid or a descriptor cannot name one of the model's namespaces
    (under `netkernel run` they are the host's): the answer is NETNSA_NSID_NOT_ASSIGNED, as
    for any namespace this one has no id for. Returns [reply] or a negative errno."""
    if NETNSA_PID in attrs or NETNSA_FD in attrs:
        nsid = NETNSA_NSID_NOT_ASSIGNED
    elif NETNSA_NSID in attrs:
        if len(attrs[NETNSA_NSID]) < 4:
            return -ERANGE
        want = S32.unpack_from(attrs[NETNSA_NSID])[0]
        if want not in net.netns_ids.values():
            NL_SET_ERR_MSG("Peer netns reference is invalid")
            return -ENOENT
        nsid = want
    else:
        NL_SET_ERR_MSG("Peer netns reference is missing")
        return -EINVAL
    return [rtnl_net_fill(nsid, portid, seq)]


def register_pernet_device(core, init) -> None:
    """register_pernet_device: `init(net)` runs for every namespace created from now on (the
    loopback device's loopback_net_init is one)."""
    core.pernet_list.append(init)


def setup_net(core, name: str) -> Net:
    """setup_net: a new struct net, with every pernet init run on it in registration order."""
    net = Net(core, name)
    for init in core.pernet_list:
        init(net)
    core.nets.append(net)
    return net


def copy_net_ns(task, name: str) -> Net | int:
    """unshare(CLONE_NEWNET) → unshare_nsproxy_namespaces → copy_net_ns: creating a network
    namespace needs CAP_SYS_ADMIN (EPERM), then setup_net builds it. The caller is not moved into
    it: the model names the namespace, as `ip netns add NAME` pins it at /run/netns/NAME."""
    if not capable(CAP_SYS_ADMIN):
        return -EPERM
    return setup_net(task.net.core, name)
