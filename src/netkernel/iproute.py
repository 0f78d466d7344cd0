"""iproute2's `ip link` / `ip netns` syntax over a netkernel machine, for topology files and the
`netkernel ip` command. A topology file holds one `ip ...` command per line (# comments)."""
from __future__ import annotations

import shlex

from netkernel.uapi.if_ import IFF_UP, IFF_BROADCAST, IFF_MULTICAST, IFF_LOOPBACK, IFF_NOARP, IFF_LOWER_UP

_FLAG_NAMES = ((IFF_LOOPBACK, "LOOPBACK"), (IFF_BROADCAST, "BROADCAST"), (IFF_NOARP, "NOARP"),
               (IFF_MULTICAST, "MULTICAST"), (IFF_UP, "UP"), (IFF_LOWER_UP, "LOWER_UP"))


class IpError(ValueError):
    """A command iproute2 would refuse (bad syntax)."""


def _view(k, netns: str | None):
    return k if netns is None else k.netns(netns)


def run(k, argv: list[str], out=None) -> str:
    """Run one `ip` command (without the leading `ip`) on machine `k`; returns what it prints."""
    args = list(argv)
    netns = None
    if args[:1] == ["ip"]:
        args = args[1:]
    if args[:1] == ["-n"]:
        netns, args = args[1], args[2:]
    if not args:
        raise IpError("usage: ip [-n NETNS] link|netns ...")
    obj, *rest = args
    if obj == "netns":
        if rest[:1] == ["add"] and len(rest) == 2:
            k.netns_add(rest[1])
            return ""
        raise IpError(f"unsupported: ip netns {' '.join(rest)}")
    if obj not in ("link", "l"):
        raise IpError(f"unsupported object {obj!r} (netkernel models `ip link` and `ip netns add`)")
    v = _view(k, netns)
    cmd, *rest = rest or ["show"]
    if cmd == "add":
        return _link_add(v, rest)
    if cmd == "set":
        return _link_set(v, rest)
    if cmd in ("del", "delete"):
        if rest[:1] == ["dev"]:
            rest = rest[1:]
        if len(rest) != 1:
            raise IpError("usage: ip link del [dev] NAME")
        v.link_del(rest[0])
        return ""
    if cmd in ("show", "list", "ls"):
        if rest[:1] == ["dev"]:
            rest = rest[1:]
        return show(v, rest[0] if rest else None)
    raise IpError(f"unsupported: ip link {cmd}")


def _link_add(v, rest: list[str]) -> str:
    if rest[:1] == ["name"]:
        rest = rest[1:]
    if len(rest) < 3 or rest[1] != "type":
        raise IpError("usage: ip link add NAME type KIND [peer name PEER]")
    name, _, kind, *more = rest
    peer = None
    if more:
        if more[:2] == ["peer", "name"] and len(more) == 3:
            peer = more[2]
        else:
            raise IpError(f"unsupported options: {' '.join(more)}")
    if peer is None:
        v.link_add(name, kind=kind)
    else:
        v.link_add(name, kind=kind, peer=peer)
    return ""


def _link_set(v, rest: list[str]) -> str:
    if rest[:1] == ["dev"]:
        rest = rest[1:]
    if not rest:
        raise IpError("usage: ip link set [dev] NAME up|down|mtu N|address MAC|netns NS")
    name, *opts = rest
    kw = {}
    i = 0
    while i < len(opts):
        o = opts[i]
        if o in ("up", "down"):
            kw["up"] = o == "up"
            i += 1
        elif o in ("mtu", "address", "netns") and i + 1 < len(opts):
            kw[o] = int(opts[i + 1]) if o == "mtu" else opts[i + 1]
            i += 2
        else:
            raise IpError(f"unsupported: ip link set {name} {' '.join(opts[i:])}")
    v.link_set(name, **kw)
    return ""


def show(v, name: str | None = None) -> str:
    lines = []
    for link in v.links():
        if name is not None and link["name"] != name:
            continue
        flags = ",".join(n for bit, n in _FLAG_NAMES if link["flags"] & bit)
        state = "UP" if link["up"] and link["carrier"] else ("UNKNOWN" if link["kind"] == "loopback"
                                                               and link["up"] else "DOWN")
        peer = f"@{link['peer']}" if link["peer"] else ""
        lines.append(f"{link['ifindex']}: {link['name']}{peer}: <{flags}> mtu {link['mtu']} "
                     f"qdisc {link['qdisc']} state {state}")
        kind = "loopback" if link["kind"] == "loopback" else "ether"
        brd = "00:00:00:00:00:00" if kind == "loopback" else "ff:ff:ff:ff:ff:ff"
        lines.append(f"    link/{kind} {link['address']} brd {brd}")
    if name is not None and not lines:
        raise OSError(19, f'Device "{name}" does not exist.')
    return "\n".join(lines) + ("\n" if lines else "")


def load_topology(k, path: str) -> None:
    """Apply a file of `ip ...` commands to machine `k`."""
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                run(k, shlex.split(line))
            except (IpError, OSError) as e:
                raise IpError(f"{path}:{lineno}: {line}: {e}") from None
