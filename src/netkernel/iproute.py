"""iproute2's `ip link` / `ip addr` / `ip route` / `ip netns` over a netkernel machine, for
topology files and the `netkernel ip` command. A topology file holds one `ip ...` command per
line (# comments).

What iproute2 checks in user space (names, numbers, link-layer addresses, that a device exists)
is checked here with iproute2's words and exit statuses; everything else goes to the machine's
rtnl functions (`link_add`, `link_set`, `link_del`, `addr_add`, `route_add`, ..., `netns_add`),
whose errors are reported as iproute2 reports the kernel's answer ("RTNETLINK answers: File
exists", or "Error: " and the kernel's extended-ack text). The views (`ip addr show`, `ip route
show`, `ip route get`, their `-j` forms) print what iproute2 prints from the same rtnetlink
answers."""
from __future__ import annotations

import json
import os
import shlex
import textwrap

from netkernel.uapi.if_ import (IF_OPER_DORMANT, IF_OPER_DOWN, IF_OPER_LOWERLAYERDOWN,
                                IF_OPER_NOTPRESENT, IF_OPER_TESTING, IF_OPER_UNKNOWN, IF_OPER_UP,
                                IFF_RUNNING, IFF_ALLMULTI, IFF_BROADCAST, IFF_LOOPBACK,
                                IFF_LOWER_UP, IFF_MULTICAST, IFF_NOARP, IFF_PROMISC, IFF_UP)
from netkernel.uapi.if_arp import ARPHRD_ETHER, ARPHRD_LOOPBACK

IFNAMSIZ = 16
NAME_MAX = 255

# exit statuses of ip(8): a mistake on the command line (invarg/duparg/incomplete_command exit(-1)),
# a refusal found in user space, an error answered by the kernel
EXIT_SYNTAX = 255
EXIT_FAILURE = 1
EXIT_RTNETLINK = 2

# The device kinds `ip link add ... type KIND` creates, with their arguments: (ip syntax, Python
# keyword of Kernel.link_add, what it is). The same table writes the help texts.
KINDS = {
    "veth": ("[ peer [ name ] PEER ]", "peer=",
             "a pair of virtual Ethernet devices: a frame sent on one end is received on the "
             "other (drivers/net/veth.c); the peer's name defaults to vethN"),
    "dummy": ("", "",
              "a device that drops everything sent to it (drivers/net/dummy.c)"),
    "tap": ("[ host_ifname NAME ] [ host_netns NETNS ]", "host_ifname=, host_netns=",
            "its cable is a real TAP device NAME (default: the device's name) in the real "
            "namespace NETNS (default: the caller's); needs root and /dev/net/tun"),
    "qemu": ("netdev SPEC", "netdev=",
             "its cable is a QEMU socket backend written as QEMU's -netdev option: "
             "stream,addr.type=inet,addr.host=H,addr.port=P (4-byte length + frame), or dgram,... (a frame a datagram)"),
}
_SET_AFTER_ADD = frozenset({"mtu", "address", "netns", "txqueuelen", "txqlen", "broadcast",
                            "index", "numtxqueues", "numrxqueues", "group", "up", "down"})
_KIND_WORDS = {"tap": ("host_ifname", "host_netns"), "qemu": ("netdev",)}

def _kinds_text() -> str:
    lines = []
    for kind, (args, kw, what) in KINDS.items():
        lines.append(f"  {kind:<6}{args or '(no arguments)'}")
        py = f"Kernel.link_add(NAME, kind=\"{kind}\"{', ' + kw.replace('=', '=...') if kw else ''})"
        lines += textwrap.wrap(f"{what}. Python: {py}", 92, initial_indent=" " * 8,
                               subsequent_indent=" " * 8)
    return "\n".join(lines) + "\n"


USAGE = """\
Usage: ip [ -n NETNS ] [ -j ] [ -4 | -6 ] OBJECT COMMAND
       ip link add [ name ] NAME type TYPE [ ARGS ]
       ip link set [ dev ] NAME [ up | down ] [ mtu MTU ] [ address LLADDR ] [ netns NETNSNAME ]
       ip link delete [ dev ] NAME
       ip link show [ [ dev ] NAME ] [ up ]
       ip addr { add | replace | del } PREFIX dev NAME [ broadcast ADDR | + | - ] [ label LABEL ]
                [ metric N ] [ valid_lft SECS ] [ preferred_lft SECS ] [ noprefixroute ] [ nodad ]
       ip addr show [ [ dev ] NAME ]
       ip route { add | replace | del } { PREFIX | default } [ via ADDR ] [ dev NAME ]
                [ metric N ] [ table TABLE ] [ src ADDR ] [ scope SCOPE ]
                [ unicast | local | unreachable | blackhole | prohibit ] [ onlink ]
       ip route show [ table all ]
       ip route get ADDR [ from ADDR ] [ oif NAME ]
       ip netns add NETNSNAME
TYPE := { veth | dummy | tap | qemu }, with their ARGS:
""" + _kinds_text()

_FLAG_NAMES = ((IFF_LOOPBACK, "LOOPBACK"), (IFF_BROADCAST, "BROADCAST"),
               (IFF_MULTICAST, "MULTICAST"), (IFF_NOARP, "NOARP"), (IFF_ALLMULTI, "ALLMULTI"),
               (IFF_PROMISC, "PROMISC"), (IFF_UP, "UP"), (IFF_LOWER_UP, "LOWER_UP"))

# ARPHRD_* as ip(8)'s ll_type_n2a names them
_LINK_TYPES = {ARPHRD_ETHER: "ether", ARPHRD_LOOPBACK: "loopback"}

# include/uapi/linux/if.h IF_OPER_*, as ip(8) names them
_OPER_NAMES = {IF_OPER_UNKNOWN: "UNKNOWN", IF_OPER_NOTPRESENT: "NOTPRESENT",
               IF_OPER_DOWN: "DOWN", IF_OPER_LOWERLAYERDOWN: "LOWERLAYERDOWN",
               IF_OPER_TESTING: "TESTING", IF_OPER_DORMANT: "DORMANT", IF_OPER_UP: "UP"}



class IpError(ValueError):
    """A command ip(8) refuses, with its message and exit status."""

    def __init__(self, message: str, status: int = EXIT_SYNTAX):
        super().__init__(message)
        self.status = status


class IpHelp(Exception):
    """`ip ... help`: the usage text is the answer (standard output, status 0)."""


def _matches(word: str, pattern: str) -> bool:
    """iproute2's matches(): a word names a keyword when it is a non-empty prefix of it."""
    return 0 < len(word) <= len(pattern) and pattern.startswith(word)


def _invarg(what: str, arg: str) -> IpError:
    return IpError(f'Error: argument "{arg}" is wrong: {what}')


def _garbage(arg: str) -> IpError:
    return IpError(f'Error: either "dev" is duplicate, or "{arg}" is a garbage.')


def _incomplete() -> IpError:
    return IpError('Command line is not complete. Try option "help"')


def check_ifname(name: str) -> bool:
    """iproute2's check_ifname: non-empty, shorter than IFNAMSIZ, not . or .., no / or space."""
    return (0 < len(name.encode()) < IFNAMSIZ and name not in (".", "..")
            and not any(c == "/" or c.isspace() for c in name))


def parse_lladdr(text: str, addr_len: int = 6) -> bytes:
    """iproute2's ll_addr_a2n: colon-separated hex bytes."""
    out = []
    for part in text.split(":"):
        try:
            b = int(part, 16) if part and len(part) <= 2 else -1
        except ValueError:
            b = -1
        if b < 0:
            raise IpError(f'"{text}" is invalid lladdr.', EXIT_FAILURE)
        out.append(b)
    if len(out) != addr_len:
        raise IpError(f"Invalid address length {len(out)} - must be {addr_len} bytes",
                      EXIT_FAILURE)
    return bytes(out)


def _parse_int(text: str, what: str) -> int:
    """iproute2's get_integer (strtol, base 0, fits an int)."""
    try:
        v = int(text, 0)
    except ValueError:
        v = None
    if v is None or not -2**31 <= v < 2**31:
        raise _invarg(f'Invalid "{what}" value', text)
    return v


def _answer(e: Exception, kind: str | None = None) -> IpError:
    """The kernel's refusal of an rtnetlink request, worded as ip(8) prints it."""
    if isinstance(e, OSError) and e.errno is not None:
        extack = getattr(e, "extack", None)
        if extack:
            return IpError(f"Error: {extack.rstrip('.')}.", EXIT_RTNETLINK)
        if kind is not None and e.errno == 95 and kind not in KINDS:   # EOPNOTSUPP
            return IpError("Error: Unknown device type.", EXIT_RTNETLINK)
        text = e.strerror or os.strerror(e.errno)
        if text.startswith("Unknown error"):
            text = os.strerror(e.errno)
        return IpError(f"RTNETLINK answers: {text}", EXIT_RTNETLINK)
    return IpError(f"Error: {e}", EXIT_RTNETLINK)


def _rtnl(call, *args, **kw):
    """Run one rtnl request on the machine; its refusals (OSError with Linux's errno, or the
    ValueError of a value it cannot take) become ip(8)'s messages. A TypeError stays a
    traceback: every value passed here was parsed into its type, so it would be a bug."""
    try:
        return call(*args, **kw)
    except (OSError, ValueError) as e:
        raise _answer(e, kw.get("kind")) from None


def _names(v) -> set[str]:
    return {li["name"] for li in v.links()}


def _need_dev(v, name: str) -> None:
    """ip(8) looks the device up (ll_name_to_index) before it sends the request."""
    if name not in _names(v):
        raise IpError(f'Cannot find device "{name}"', EXIT_FAILURE)


def run(k, argv: list[str], out=None) -> str:
    """Run one `ip` command (with or without the leading `ip`) on machine `k`; returns what it
    prints. Raises IpError (message, status) for what ip(8) refuses, IpHelp for `help`."""
    args = list(argv)
    if args[:1] == ["ip"]:
        args = args[1:]
    netns = None
    json_out = False
    family = None
    while args and args[0].startswith("-") and len(args[0]) > 1:
        opt = args.pop(0).lstrip("-")
        if opt in ("h", "help"):
            raise IpHelp(USAGE)
        if opt in ("4", "6"):
            family = opt
            continue
        if _matches(opt, "netns") or opt == "n":
            if not args:
                raise IpError("No netns name specified")
            netns = args.pop(0)
        elif _matches(opt, "json") or opt == "j":
            json_out = True
        else:
            raise IpError(f'Option "-{opt}" is unknown, try "ip -help".')
    if not args:
        raise IpError(USAGE.rstrip("\n"))
    obj, *rest = args
    if _matches(obj, "help"):
        raise IpHelp(USAGE)
    if _matches(obj, "netns"):
        return _netns(k, rest)
    is_addr = _matches(obj, "address")
    is_route = _matches(obj, "route")
    if not (_matches(obj, "link") or is_addr or is_route):
        raise IpError(f'Object "{obj}" is unknown, try "ip help".', EXIT_FAILURE)
    if netns is None:
        v = k
    else:
        try:
            v = k.netns(netns)
        except (OSError, KeyError):
            raise IpError(f'Cannot open network namespace "{netns}": No such file or directory')
    if is_addr:
        return _addr_cmd(v, rest, json_out, {"4": "inet", "6": "inet6"}.get(family))
    if is_route:
        return _route_cmd(v, rest, json_out, {"4": 2, "6": 10}.get(family))
    cmd, *rest = rest or ["show"]
    if any(w in ("help", "-h", "--help") for w in [cmd, *rest]):
        raise IpHelp(USAGE)
    if _matches(cmd, "add"):
        return _link_add(v, rest)
    if _matches(cmd, "set") or _matches(cmd, "change"):
        return _link_set(k, v, rest)
    if _matches(cmd, "delete"):
        return _link_del(v, rest)
    if _matches(cmd, "show") or _matches(cmd, "lst") or _matches(cmd, "list"):
        return _link_show(v, rest, json_out)
    raise IpError(f'Command "{cmd}" is unknown, try "ip link help".')


def _netns(k, rest: list[str]) -> str:
    cmd, *rest = rest or ["list"]
    if _matches(cmd, "add"):
        if not rest:
            raise IpError("No netns name specified", EXIT_FAILURE)
        name, *more = rest
        if more:
            raise IpError(f'Garbage instead of arguments "{more[0]} ...". Try "ip netns help".')
        if not name or len(name) > NAME_MAX or "/" in name or name in (".", ".."):
            raise IpError(f'Invalid netns name "{name}"')
        try:
            k.netns_add(name)
        except (OSError, ValueError, TypeError) as e:
            text = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            if isinstance(e, OSError) and e.errno == 17:
                text = os.strerror(17)
            raise IpError(f'Cannot create namespace file "/run/netns/{name}": {text}',
                          EXIT_FAILURE) from None
        return ""
    if _matches(cmd, "help"):
        raise IpHelp(USAGE)
    raise IpError(f'Command "{cmd}" is unknown, try "ip netns help".', EXIT_FAILURE)


def _link_add(v, rest: list[str]) -> str:
    """iplink_parse for `add`: [name] NAME [dev NAME] type TYPE ARGS."""
    name = kind = None
    i = 0
    while i < len(rest):
        w = rest[i]
        if w in ("name", "dev"):
            if i + 1 >= len(rest):
                raise _incomplete()
            if name is not None:
                raise IpError(f'Error: duplicate "{w}": "{rest[i + 1]}" is the second value.')
            name = rest[i + 1]
            if not check_ifname(name):
                raise _invarg(f'"{w}" not a valid ifname', name)
            i += 2
        elif w == "type":
            if i + 1 >= len(rest):
                raise _incomplete()
            kind = rest[i + 1]
            i += 2
            break
        elif w in _SET_AFTER_ADD:
            # DIVERGENCE(#8): ip(8) sends these with the creation request; netkernel's
            # link_add takes none of them, so they are refused rather than ignored
            raise IpError(f'Error: "{w}" is not supported by `netkernel ip link add`; '
                          f"set it afterwards: ip link set NAME {w} ...", EXIT_FAILURE)
        elif name is None:
            name = w
            if not check_ifname(name):
                raise _invarg('"dev" not a valid ifname', name)
            i += 1
        else:
            raise _garbage(w)
    if kind is None:
        raise IpError('Not enough information: "type" argument is required', EXIT_FAILURE)
    if name is None:
        raise IpError('Not enough information: "name" argument is required', EXIT_FAILURE)
    kw = _kind_args(kind, rest[i:])
    _rtnl(v.link_add, name, kind=kind, **kw)
    return ""


def _kind_args(kind: str, words: list[str]) -> dict:
    """The TYPE ARGS of `ip link add`, as keywords of link_add."""
    kw: dict = {}
    if kind == "veth":
        if words[:1] == ["peer"]:
            words = words[1:]
            if words[:1] == ["name"]:
                words = words[1:]
            if not words:
                raise _incomplete()
            peer, *words = words
            if not check_ifname(peer):
                raise _invarg('"name" not a valid ifname', peer)
            kw["peer"] = peer
    elif kind in _KIND_WORDS:
        while len(words) >= 2 and words[0] in _KIND_WORDS[kind]:
            kw[words[0]] = words[1]
            words = words[2:]
    if words:
        raise IpError(f'Garbage instead of arguments "{words[0]} ...". Try "ip link help".')
    return kw


def _link_set(k, v, rest: list[str]) -> str:
    """iplink_parse for `set`: [dev] NAME then up|down, mtu N, address LLADDR, netns NAME."""
    name = None
    kw: dict = {}
    i = 0
    while i < len(rest):
        w = rest[i]
        if w in ("up", "down"):
            kw["up"] = w == "up"
            i += 1
            continue
        if w in ("mtu", "address", "netns", "dev"):
            if i + 1 >= len(rest):
                raise _incomplete()
            val = rest[i + 1]
            if w == "dev":
                if name is not None:
                    raise _garbage(val)
                if not check_ifname(val):
                    raise _invarg('"dev" not a valid ifname', val)
                name = val
            elif w in kw:
                raise IpError(f'Error: duplicate "{w}": "{val}" is the second value.')
            elif w == "mtu":
                kw["mtu"] = _parse_int(val, "mtu")
            elif w == "address":     # parsed as ip(8) parses it, passed on in canonical form
                kw["address"] = parse_lladdr(val).hex(":")
            else:
                try:
                    k.netns(val)
                except (OSError, KeyError):
                    raise _invarg('Invalid "netns" value', val) from None
                kw["netns"] = val
            i += 2
            continue
        if name is not None:
            raise _garbage(w)
        if not check_ifname(w):
            raise _invarg('"dev" not a valid ifname', w)
        name = w
        i += 1
    if name is None:
        raise IpError('Not enough information: "dev" argument is required.')
    _need_dev(v, name)
    if kw:
        _rtnl(v.link_set, name, **kw)
    return ""


def _link_del(v, rest: list[str]) -> str:
    if rest[:1] == ["dev"]:
        rest = rest[1:]
        if not rest:
            raise _incomplete()
    if not rest:
        raise IpError('Not enough information: "dev" argument is required.')
    name, *more = rest
    if more:
        raise _garbage(more[0])
    _need_dev(v, name)
    _rtnl(v.link_del, name)
    return ""


def _link_show(v, rest: list[str], json_out: bool = False) -> str:
    name = None
    only_up = False
    i = 0
    while i < len(rest):
        w = rest[i]
        if w == "up":
            only_up = True
        elif w == "dev":
            if i + 1 >= len(rest):
                raise _incomplete()
            if name is not None:
                raise _garbage(rest[i + 1])
            name = rest[i + 1]
            i += 1
        elif name is None:
            name = w
        else:
            raise _garbage(w)
        i += 1
    infos = ifinfo(v)
    if name is not None:
        infos = [li for li in infos if li["ifname"] == name]
        if not infos:
            raise IpError(f'Device "{name}" does not exist.', EXIT_FAILURE)
    if only_up:
        infos = [li for li in infos if "UP" in li["flags"]]
    if json_out:
        return json.dumps([_json(li) for li in infos], separators=(",", ":")) + "\n"
    return "".join(_text(li) for li in infos)


def show(v, name: str | None = None) -> str:
    """`ip link show [dev NAME]` on a machine or namespace view."""
    return _link_show(v, [] if name is None else ["dev", name])


def _operstate(dev) -> int:
    """IFLA_OPERSTATE as v5.15 rtnl_fill_ifinfo reports it: DOWN when the device is not
    running, else the operational state linkwatch keeps (net/core/link_watch.py: UNKNOWN for
    devices that never report carrier, such as lo and dummy; UP; LOWERLAYERDOWN for a veth
    whose peer is down; DOWN)."""
    return dev.operstate if dev.flags & IFF_UP else IF_OPER_DOWN


def ifinfo(v) -> list[dict]:
    """What an RTM_GETLINK dump tells ip(8) about each device of the view's namespace, with the
    keys of `ip -j link show`: `links()`, plus two things rtnl_fill_ifinfo reads from struct
    net_device that `links()` does not carry: tx_queue_len (IFLA_TXQLEN) and the peer device
    (IFLA_LINK; IFLA_LINK_NETNSID when it lives in another namespace)."""
    net = v.net
    nsids: dict = {}     # peernet2id: ids handed out in order of first use within this dump
    out = []
    for li in v.links():
        dev = net.dev_by_index.get(li["ifindex"])
        if dev is None:          # deleted since links() read it
            continue
        peer = getattr(dev.priv, "peer", None)
        info = {"ifindex": li["ifindex"]}
        link_netns = None
        m_down = False
        if peer is not None:
            if peer.nd_net is not net:
                info["link_index"] = peer.ifindex
                link_netns = (nsids.setdefault(id(peer.nd_net), len(nsids)), peer.nd_net.name)
            else:
                info["link"] = peer.name             # ip -j prints "link" before "ifname"
                m_down = not peer.flags & IFF_UP     # print_name_and_link: the lower device is down
        info["ifname"] = li["name"]
        operstate = _operstate(dev)
        flags = []
        if li["up"] and not li["flags"] & IFF_RUNNING:
            flags.append("NO-CARRIER")               # IFF_UP without IFF_RUNNING
        flags += [n for bit, n in _FLAG_NAMES if li["flags"] & bit]
        if m_down:
            flags.append("M-DOWN")
        info.update(flags=flags, mtu=li["mtu"], qdisc=li["qdisc"],
                    operstate=_OPER_NAMES[operstate], linkmode="DEFAULT", group="default")
        if dev.tx_queue_len:                         # print_queuelen leaves out a zero
            info["txqlen"] = dev.tx_queue_len
        info["link_type"] = _LINK_TYPES.get(li["type"], "none")
        info["address"] = li["address"]
        info["broadcast"] = dev.broadcast.hex(":")
        if link_netns is not None:
            info["link_netnsid"] = link_netns[0]
            if link_netns[1] != "init_net":          # ip(8) names it when /run/netns has a name
                info["link_netns"] = link_netns[1]
        out.append(info)
    return out


def _text(li: dict) -> str:
    if "link" in li:
        name = f"{li['ifname']}@{li['link']}"
    elif "link_index" in li:
        name = f"{li['ifname']}@if{li['link_index']}"
    else:
        name = li["ifname"]
    flags = [f for f in li["flags"] if f != "M-DOWN"]
    flag_text = ",".join(flags) + (",M-DOWN" if "M-DOWN" in li["flags"] else "")
    qlen = f" qlen {li['txqlen']}" if "txqlen" in li else ""
    head = (f"{li['ifindex']}: {name}: <{flag_text}> mtu {li['mtu']} qdisc {li['qdisc']} "
            f"state {li['operstate']} mode {li['linkmode']} group {li['group']}{qlen}")
    tail = ""
    if "link_netns" in li:
        tail = f" link-netns {li['link_netns']}"
    elif "link_netnsid" in li:
        tail = f" link-netnsid {li['link_netnsid']}"
    return (f"{head}\n    link/{li['link_type']} {li['address']} brd {li['broadcast']}"
            f"{tail}\n")


def _json(li: dict) -> dict:
    return {k: v for k, v in li.items() if k != "link_netns"}


def load_topology(k, path: str) -> None:
    """Apply a file of `ip ...` commands to machine `k`. A mistake raises IpError whose
    message is `path:line: what ip(8) would say`, and whose status is ip(8)'s."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise IpError(f"{path}: {e.strerror or e}", EXIT_FAILURE) from None
    except UnicodeDecodeError as e:
        raise IpError(f"{path}: not a text file ({e.reason})", EXIT_FAILURE) from None
    for lineno, line in enumerate(lines, 1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as e:
            raise IpError(f"{path}:{lineno}: {e}", EXIT_SYNTAX) from None
        if not words:
            continue
        try:
            run(k, words)
        except IpHelp:
            raise IpError(f"{path}:{lineno}: `help` is not a command", EXIT_SYNTAX) from None
        except IpError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else "error"
            raise IpError(f"{path}:{lineno}: {first}", e.status) from None


# ---------------------------------------------------------------- ip addr / ip route

_RT_TYPES = {1: "unicast", 2: "local", 3: "broadcast", 4: "anycast", 5: "multicast",
             6: "blackhole", 7: "unreachable", 8: "prohibit"}
_RT_PROTOS = {0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static"}
_RT_SCOPES = {0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere"}
_RT_TABLES = {253: "default", 254: "main", 255: "local"}
_IFA_FLAG_WORDS = ((0x01, "secondary"), (0x40, "tentative"), (0x20, "deprecated"),
                   (0x10, "home"), (0x02, "nodad"), (0x100, "mngtmpaddr"),
                   (0x200, "noprefixroute"), (0x400, "autojoin"))


def _ip4(v: int) -> str:
    return ".".join(str(b) for b in v.to_bytes(4, "big"))


def _ip6(raw: bytes) -> str:
    import socket as _socket
    return _socket.inet_ntop(_socket.AF_INET6, raw)


def addr_entries(net) -> list[dict]:
    """Every address of the namespace as `ip -j addr` shows it (plus ifname, flags and the
    remaining lifetimes)."""
    from netkernel.net.ipv4.devinet import inet_ifa_lifetimes
    from netkernel.net.ipv6.addrconf import inet6_ifa_lifetimes, rt_scope
    out = []
    for _, dev in sorted(net.dev_by_index.items()):
        if dev.ip_ptr is not None:
            for ifa in dev.ip_ptr.ifa_list:
                e = {"ifname": dev.name, "family": "inet", "local": _ip4(ifa.ifa_local),
                     "prefixlen": ifa.ifa_prefixlen}
                if ifa.ifa_broadcast:
                    e["broadcast"] = _ip4(ifa.ifa_broadcast)
                e["scope"] = _RT_SCOPES.get(ifa.ifa_scope, str(ifa.ifa_scope))
                e["flags"] = ifa.ifa_flags
                e["label"] = ifa.ifa_label
                e["preferred"], e["valid"] = inet_ifa_lifetimes(ifa)
                out.append(e)
        if dev.ip6_ptr is not None:
            for ifa in dev.ip6_ptr.addr_list:
                preferred, valid = inet6_ifa_lifetimes(ifa)
                out.append({"ifname": dev.name, "family": "inet6", "local": _ip6(ifa.addr),
                            "prefixlen": ifa.prefix_len,
                            "scope": _RT_SCOPES.get(rt_scope(ifa.scope), "global"),
                            "flags": ifa.flags, "preferred": preferred, "valid": valid})
    return out


def _addr_line(e: dict) -> tuple[str, dict]:
    words = [e["family"], f"{e['local']}/{e['prefixlen']}"]
    j = {"family": e["family"], "local": e["local"], "prefixlen": e["prefixlen"]}
    if "broadcast" in e:
        words += ["brd", e["broadcast"]]
        j["broadcast"] = e["broadcast"]
    words += ["scope", e["scope"]]
    j["scope"] = e["scope"]
    for bit, word in _IFA_FLAG_WORDS:
        if e["flags"] & bit:
            words.append(word)
            j[word] = True
    if not e["flags"] & 0x80:
        words.append("dynamic")
        j["dynamic"] = True
    if e["family"] == "inet":
        words.append(e["label"])
        j["label"] = e["label"]
        text = "    " + " ".join(words)
    else:
        text = "    " + " ".join(words) + " "
    j.update(valid_life_time=e["valid"], preferred_life_time=e["preferred"])
    lft = lambda v: "forever" if v == 0xFFFFFFFF else f"{v}sec"    # noqa: E731
    return text + f"\n       valid_lft {lft(e['valid'])} preferred_lft {lft(e['preferred'])}\n", j


def _addr_show(v, rest: list[str], json_out: bool, family: str | None) -> str:
    name = None
    words = list(rest)
    while words:
        w = words.pop(0)
        if w == "dev" and words:
            name = words.pop(0)
        elif name is None:
            name = w
    infos = ifinfo(v)
    if name is not None:
        infos = [li for li in infos if li["ifname"] == name]
        if not infos:
            raise IpError(f'Device "{name}" does not exist.', EXIT_FAILURE)
    entries = addr_entries(v.net)
    out, js = [], []
    for li in infos:
        mine = [e for e in entries if e["ifname"] == li["ifname"] and
                (family is None or e["family"] == family)]
        if family is not None and not mine:
            continue                  # ip -4/-6: only devices with addresses of the family
        lines = [_addr_line(e) for e in mine]
        if json_out:
            d = {k: val for k, val in _json(li).items() if k != "linkmode"}
            if family is not None:    # and without the link-layer part
                for key in ("link_type", "address", "broadcast", "link_netnsid"):
                    d.pop(key, None)
            d["addr_info"] = [j for _, j in lines]
            js.append(d)
        else:
            head = _text(li).replace(" mode DEFAULT", "")
            if family is not None:
                head = head.split("\n", 1)[0] + "\n"
            out.append(head + "".join(t for t, _ in lines))
    if json_out:
        return json.dumps(js, separators=(",", ":")) + "\n"
    return "".join(out)


def route_entries(net) -> list[dict]:
    """Every route of every table, IPv4 then IPv6, as `ip -j route show table all` (plus the
    family)."""
    from netkernel.net.ipv6.ip6_fib import fib6_order
    out = []
    for tb_id in sorted(net.ipv4.fib_tables, key=lambda t: (t & 0xFF, t)):
        for (dst, plen), aliases in net.ipv4.fib_tables[tb_id].ordered():
            for fa in aliases:
                fi = fa.fa_info
                e = {"family": 2, "type": _RT_TYPES.get(fa.fa_type, str(fa.fa_type)),
                     "dst": "default" if not plen else
                     (_ip4(dst) if plen == 32 else f"{_ip4(dst)}/{plen}")}
                if fi.fib_nh_gw4:
                    e["gateway"] = _ip4(fi.fib_nh_gw4)
                if fi.fib_nh_dev is not None:
                    e["dev"] = fi.fib_nh_dev.name
                e["table"] = _RT_TABLES.get(tb_id, str(tb_id))
                e["protocol"] = _RT_PROTOS.get(fi.fib_protocol, str(fi.fib_protocol))
                e["scope"] = _RT_SCOPES.get(fi.fib_scope, str(fi.fib_scope))
                if fi.fib_prefsrc:
                    e["prefsrc"] = _ip4(fi.fib_prefsrc)
                if fi.fib_priority:
                    e["metric"] = fi.fib_priority
                from netkernel.net.ipv4.fib_semantics import fib_nh_linkdown
                e["flags"] = (["onlink"] if fi.fib_nh_flags & 0x4 else []) + \
                    (["linkdown"] if fib_nh_linkdown(fi) else [])
                out.append(e)
    for tb_id in sorted(net.ipv6.fib6_tables, key=lambda t: (t & 0xFF, t)):
        for rt in sorted(net.ipv6.fib6_tables[tb_id], key=fib6_order):
            e = {"family": 10, "type": _RT_TYPES.get(rt.fib6_type, str(rt.fib6_type)),
                 "dst": "default" if not rt.fib6_dst_len else (
                     _ip6(rt.fib6_dst) if rt.fib6_dst_len == 128 else
                     f"{_ip6(rt.fib6_dst)}/{rt.fib6_dst_len}")}
            if rt.fib6_flags & 0x2:
                e["gateway"] = _ip6(rt.fib_nh_gw6)
            if rt.fib_nh_dev is not None:
                e["dev"] = rt.fib_nh_dev.name
            e["table"] = _RT_TABLES.get(tb_id, str(tb_id))
            e["protocol"] = _RT_PROTOS.get(rt.fib6_protocol, str(rt.fib6_protocol))
            e["metric"] = rt.fib6_metric
            dev = rt.fib_nh_dev
            e["flags"] = ["linkdown"] if dev is not None and not dev.carrier and \
                not rt.fib6_flags & 0x80000000 else []       # RTF_LOCAL
            if rt.fib6_flags & 0x00400000 and dev is not None:     # RTF_EXPIRES
                from netkernel.kernel.time.timer import jiffies
                left = rt.expires - jiffies(net.core)
                ticks = abs(left) * 100 // net.core.sysctl["kernel.hz"]   # rta_expires
                e["expires"] = ticks // 100 if left > 0 else -(ticks // 100)
            e["pref"] = "medium"
            out.append(e)
    return out


def route_reply(net, msg: bytes) -> dict:
    """An RTM_GETROUTE answer (rt_fill_info) as `ip -j route get` describes it."""
    import struct as _struct
    (family, _dl, _sl, _tos, table, proto, _scope, rtype,
     flags) = _struct.unpack_from("=BBBBBBBBI", msg, 16)
    attrs, off = {}, 28
    while off + 4 <= len(msg):
        ln, t = _struct.unpack_from("=HH", msg, off)
        attrs[t] = msg[off + 4:off + ln]
        off += (ln + 3) & ~3
    ip4 = (lambda raw: _ip4(int.from_bytes(raw, "big"))) if family == 2 else _ip6
    e = {"type": _RT_TYPES.get(rtype, str(rtype)), "dst": ip4(attrs[1])}
    if family == 10:
        e["from"] = ip4(attrs[2]) if 2 in attrs else "::"
    if 5 in attrs:
        e["gateway"] = ip4(attrs[5])
    if 4 in attrs:
        dev = net.dev_by_index.get(_struct.unpack("=I", attrs[4])[0])
        e["dev"] = dev.name if dev is not None else None
    if 7 in attrs:
        e["prefsrc"] = ip4(attrs[7])
    if family == 10:
        e["table"] = _RT_TABLES.get(table, str(table))
        e["protocol"] = _RT_PROTOS.get(proto, str(proto))
        e["metric"] = _struct.unpack("=I", attrs[6])[0]
        return e
    if 25 in attrs:
        e["uid"] = _struct.unpack("=I", attrs[25])[0]
    # RTCF_* bits of rtm_flags, as iproute2 names them in its "cache <...>" line
    e["cache"] = [w for bit, w in ((0x80000000, "local"), (0x10000000, "brd"),
                                   (0x20000000, "mc")) if flags & bit]
    return e


def _route_get(v, rest: list[str], json_out: bool) -> str:
    dst, kw = None, {}
    words = list(rest)
    while words:
        w = words.pop(0)
        if w in ("from", "oif", "dev") and words:
            kw["src" if w == "from" else "dev"] = words.pop(0)
        elif w == "to" and words:
            dst = words.pop(0)
        elif dst is None:
            dst = w
        else:
            raise _garbage(w)
    if dst is None:
        raise _incomplete()
    if "dev" in kw:
        _need_dev(v, kw["dev"])
    e = _rtnl(v.route_get, dst, **kw)
    if "from" in e:                                   # IPv6: the route found, as a route
        words = [] if e["type"] == "unicast" else [e["type"]]
        words += [e["dst"], "from", e["from"]]
        if "gateway" in e:
            words += ["via", e["gateway"]]
        words += ["dev", e["dev"]]
        if e["table"] != "main":
            words += ["table", e["table"]]
        if e["protocol"] != "boot":
            words += ["proto", e["protocol"]]
        if "prefsrc" in e:
            words += ["src", e["prefsrc"]]
        return " ".join(words + ["metric", str(e["metric"]), "pref", "medium"]) + "\n"
    if json_out:
        d = {k: val for k, val in e.items() if k not in ("cache", "uid") and
             not (k == "type" and val == "unicast")}
        d["flags"] = []
        d["uid"] = e["uid"]
        d["cache"] = e["cache"]
        return json.dumps([d], separators=(",", ":")) + "\n"
    words = [] if e["type"] == "unicast" else [e["type"]]
    words.append(e["dst"])
    if "gateway" in e:
        words += ["via", e["gateway"]]
    words += ["dev", e["dev"]]
    if "prefsrc" in e:
        words += ["src", e["prefsrc"]]
    words += ["uid", str(e["uid"])]
    cache = "    cache " + (f"<{','.join(e['cache'])}> " if e["cache"] else "")
    return " ".join(words) + " \n" + cache + "\n"


def _route_text(e: dict, all_tables: bool) -> str:
    words = [] if e["type"] == "unicast" else [e["type"]]
    words.append(e["dst"])
    if "gateway" in e:
        words += ["via", e["gateway"]]
    if "dev" in e:
        words += ["dev", e["dev"]]
    if all_tables and e["table"] != "main":
        words += ["table", e["table"]]
    if e["protocol"] != "boot":
        words += ["proto", e["protocol"]]
    if e["family"] == 2:
        if e["scope"] != "global":
            words += ["scope", e["scope"]]
        if "prefsrc" in e:
            words += ["src", e["prefsrc"]]
    if "metric" in e:
        words += ["metric", str(e["metric"])]
    words += e["flags"]
    if "expires" in e:
        words += ["expires", f"{e['expires']}sec"]
    if e["family"] == 10:
        words += ["pref", e["pref"]]
    return " ".join(words) + " \n" if e["family"] == 2 else " ".join(words) + "\n"


def _route_show(v, rest: list[str], json_out: bool, family: int | None) -> str:
    """`ip route show [table all]`: without -4/-6 a table filter (main by default) means IPv4,
    `table all` both families (iproute2's iproute_list_flush_or_save)."""
    all_tables = "all" in rest
    if family is None and not all_tables:
        family = 2
    entries = [e for e in route_entries(v.net) if family is None or e["family"] == family]
    if not all_tables:
        entries = [e for e in entries if e["table"] == "main"]
    if json_out:
        js = []
        for e in entries:
            d = {k: val for k, val in e.items() if k != "family"}
            if d["type"] == "unicast":
                d.pop("type")
            if not all_tables or d["table"] == "main":
                d.pop("table")
            if e["family"] == 10:
                d.pop("scope", None)
            if d["protocol"] == "boot":
                d.pop("protocol")
            if e["family"] == 2 and d.get("scope") == "global":
                d.pop("scope")
            js.append(d)
        return json.dumps(js, separators=(",", ":")) + "\n"
    return "".join(_route_text(e, all_tables) for e in entries)


def _addr_cmd(v, rest: list[str], json_out: bool, family: str | None) -> str:
    cmd, *rest = rest or ["show"]
    if _matches(cmd, "show") or _matches(cmd, "list") or _matches(cmd, "lst"):
        return _addr_show(v, rest, json_out, family)
    if not (_matches(cmd, "add") or _matches(cmd, "delete") or _matches(cmd, "replace")):
        raise IpError(f'Command "{cmd}" is unknown, try "ip address help".')
    if not rest:
        raise _incomplete()
    prefix, dev, kw = None, None, {}
    words = list(rest)
    while words:
        w = words.pop(0)
        if w == "dev":
            if not words:
                raise _incomplete()
            dev = words.pop(0)
        elif w in ("broadcast", "brd") and words:
            kw["broadcast"] = words.pop(0)
        elif w == "label" and words:
            kw["label"] = words.pop(0)
        elif w in ("metric", "priority", "preference") and words:
            kw["metric"] = _parse_int(words.pop(0), "metric")
        elif w in ("noprefixroute", "nodad"):
            kw[w] = True
        elif w in ("valid_lft", "preferred_lft") and words:
            t = words.pop(0)
            kw[w] = None if t == "forever" else _parse_int(t, w)
        elif w == "local" and words:
            prefix = words.pop(0)
        elif prefix is None:
            prefix = w
        else:
            raise _garbage(w)
    if dev is None:
        raise IpError('Not enough information: "dev" argument is required.')
    _need_dev(v, dev)
    if kw.get("broadcast") in ("+", "-") and prefix is not None and ":" not in prefix:
        # brd + / brd -: the local address with its host bits all set / all clear
        import ipaddress
        iface = ipaddress.ip_interface(prefix)
        host = int(iface.network.hostmask)
        a = int(iface.ip)
        kw["broadcast"] = str(ipaddress.ip_address(a | host if kw["broadcast"] == "+"
                                                   else a & ~host))
    if _matches(cmd, "delete"):
        _rtnl(v.addr_del, dev, prefix)
    else:
        _rtnl(v.addr_add, dev, prefix, replace=_matches(cmd, "replace"), **kw)
    return ""


def _route_cmd(v, rest: list[str], json_out: bool, family: int | None) -> str:
    cmd, *rest = rest or ["show"]
    if _matches(cmd, "show") or _matches(cmd, "list") or _matches(cmd, "lst"):
        return _route_show(v, rest, json_out, family)
    if _matches(cmd, "get"):
        return _route_get(v, rest, json_out)
    if not (_matches(cmd, "add") or _matches(cmd, "delete") or _matches(cmd, "replace")):
        raise IpError(f'Command "{cmd}" is unknown, try "ip route help".')
    dst, kw = None, {}
    words = list(rest)
    while words:
        w = words.pop(0)
        if w in ("via", "dev", "src", "scope") and words:
            kw[{"via": "via", "dev": "dev", "src": "src", "scope": "scope"}[w]] = words.pop(0)
        elif w in ("metric", "priority", "preference") and words:
            kw["metric"] = _parse_int(words.pop(0), "metric")
        elif w == "table" and words:
            t = words.pop(0)
            kw["table"] = {"main": 254, "local": 255, "default": 253}.get(t) or \
                _parse_int(t, "table")
        elif w in ("unreachable", "blackhole", "prohibit", "local", "broadcast", "unicast") \
                and dst is None:
            kw["type"] = w
        elif w == "onlink":
            kw["onlink"] = True
        elif dst is None:
            dst = w
        else:
            raise _garbage(w)
    if dst is None:
        raise _incomplete()
    if dst == "default" and (family == 10 or ":" in kw.get("via", "")):
        dst = "default6"
    if "dev" in kw:
        _need_dev(v, kw["dev"])
    if _matches(cmd, "delete"):
        for key in ("src", "scope", "type", "onlink"):
            kw.pop(key, None)
        _rtnl(v.route_del, dst, **kw)
    else:
        _rtnl(v.route_add, dst, replace=_matches(cmd, "replace"), **kw)
    return ""
