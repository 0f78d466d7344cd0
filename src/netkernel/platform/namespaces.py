"""The child's private namespaces and the kernel views it sees.

A run's child gets its own network namespace (native AF_INET, generic netlink and the like see
only a loopback that is down, never the host's interfaces) and its own mount namespace (mounts made
for it never propagate to the host). Without root it first enters a new user namespace where it
is root (where the host allows user namespaces). Nothing outlives the run: the namespaces die with
its last process, no /run/netns entry or host device is created.

In that mount namespace, the machine's interfaces appear where programs look for them:
/sys/class/net/DEV/... is a tmpfs of generated files, and the started program's /proc/net
(/proc/PID/net) is a tmpfs holding the generated `dev` and `packet` beside a copy of the private
namespace's other files. Both are a snapshot taken when the run starts. DIVERGENCE(#10): not live
(a later `ip link set` inside the run is not reflected), and a process the program forks has
another PID, hence its private namespace's /proc/net (a down `lo`), never the host's: procfs
looks /proc/self/net/* up afresh, so a mount over the files themselves does not hold. Serving
them to every process needs openat notification or a FUSE file (TODO(#10)).

The text comes from the model's views (`k.sysfs`, `k.procfs`, helper "views") when they exist;
until then `fallback_files` renders the common attributes from `k.links()`.
"""
from __future__ import annotations

import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                       ctypes.c_char_p]
libc.unshare.argtypes = [ctypes.c_int]

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG = 1

SYSFS_NET = "/sys/class/net"
PROCFS_FILES = ("/proc/net/dev", "/proc/net/packet", "/proc/net/route", "/proc/net/if_inet6",
                "/proc/net/ipv6_route")
SYSFS_ATTRS = ("ifindex", "iflink", "address", "broadcast", "addr_len", "mtu", "flags",
               "operstate", "carrier", "type", "tx_queue_len")
STATISTICS = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
              "rx_dropped", "tx_dropped", "multicast", "rx_length_errors", "rx_over_errors",
              "rx_crc_errors", "rx_fifo_errors", "tx_fifo_errors")


def _fail(what: str) -> OSError:
    err = ctypes.get_errno()
    return OSError(err, f"{what}: {os.strerror(err)}")


def view_files(k) -> dict[str, str]:
    """path → text of every generated file (taken in the supervisor, before the fork)."""
    sysfs, procfs = getattr(k, "sysfs", None), getattr(k, "procfs", None)
    if sysfs is None or procfs is None:
        return fallback_files(k)
    out = {}
    for link in k.links():
        base = f"{SYSFS_NET}/{link['name']}"
        for attr in SYSFS_ATTRS + tuple("statistics/" + s for s in STATISTICS):
            try:
                out[f"{base}/{attr}"] = sysfs(f"{base}/{attr}")
            except (OSError, KeyError, ValueError):
                continue                     # an attribute this device has not (or no read)
    for path in PROCFS_FILES:
        try:
            out[path] = procfs(path)
        except (OSError, KeyError, ValueError):
            continue
    return out


def fallback_files(k) -> dict[str, str]:
    """The common /sys/class/net attributes and /proc/net/dev from `k.links()` (until the model's
    net-sysfs/net-procfs views are in main)."""
    out = {}
    links = k.links()
    by_name = {li["name"]: li for li in links}
    dev = ["Inter-|   Receive                                                |  Transmit\n",
           " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets "
           "errs drop fifo colls carrier compressed\n"]
    for li in links:
        base = f"{SYSFS_NET}/{li['name']}"
        loop = li["kind"] == "loopback"
        peer = by_name.get(li["peer"]) if li["peer"] else None
        attrs = {
            "ifindex": li["ifindex"], "iflink": peer["ifindex"] if peer else li["ifindex"],
            "address": li["address"], "addr_len": 6, "mtu": li["mtu"],
            "broadcast": "00:00:00:00:00:00" if loop else "ff:ff:ff:ff:ff:ff",
            "flags": f"{li['flags'] & 0xFFFF:#x}", "type": li["type"],
            "operstate": "unknown" if loop else ("up" if li["up"] and li["carrier"] else "down"),
        }
        if li["up"]:
            attrs["carrier"] = int(bool(li["carrier"]))
        for name, value in attrs.items():
            out[f"{base}/{name}"] = f"{value}\n"
        st = li["stats"]
        for name in STATISTICS:
            out[f"{base}/statistics/{name}"] = f"{st.get(name, 0)}\n"
        g = lambda n: st.get(n, 0)   # noqa: E731
        dev.append(f"{li['name']:>6}:{g('rx_bytes'):8} {g('rx_packets'):7} {g('rx_errors'):4} "
                   f"{g('rx_dropped'):4} {g('rx_fifo_errors'):4} {0:5} {0:10} {g('multicast'):9} "
                   f"{g('tx_bytes'):8} {g('tx_packets'):7} {g('tx_errors'):4} {g('tx_dropped'):4} "
                   f"{g('tx_fifo_errors'):4} {0:5} {0:7} {0:10}\n")
    out["/proc/net/dev"] = "".join(dev)
    out["/proc/net/packet"] = "sk       RefCnt Type Proto  Iface R Rmem   User   Inode\n"
    return out


# ---------------------------------------------------------------- in the child, before exec

def _write_id_map(path: str, line: str) -> None:
    with open(path, "w") as f:
        f.write(line)


def enter(files: dict[str, str]) -> None:
    """Unshare and mount (the child, after fork, before the filter and exec). Raises OSError
    with a message a person can act on."""
    if os.geteuid() != 0:
        uid, gid = os.geteuid(), os.getegid()
        if libc.unshare(CLONE_NEWUSER) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "this host does not allow unprivileged user namespaces "
                               f"({os.strerror(err)}); run as root")
        _write_id_map("/proc/self/setgroups", "deny")
        _write_id_map("/proc/self/uid_map", f"0 {uid} 1")
        _write_id_map("/proc/self/gid_map", f"0 {gid} 1")
    if libc.unshare(CLONE_NEWNET | CLONE_NEWNS) != 0:
        raise _fail("unshare(CLONE_NEWNET|CLONE_NEWNS)")
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        raise _fail("mount --make-rprivate /")
    mount_views(files)


def mount_views(files: dict[str, str]) -> None:
    """A tmpfs on /sys/class/net with the generated attributes, and one on /proc/PID/net."""
    mount_proc_net(files)
    if not os.path.isdir(SYSFS_NET):
        return
    if libc.mount(b"tmpfs", SYSFS_NET.encode(), b"tmpfs", 0, b"mode=0755") != 0:
        raise _fail(f"mount tmpfs on {SYSFS_NET}")
    for path, text in files.items():
        if path.startswith(SYSFS_NET + "/"):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)


def mount_proc_net(files: dict[str, str]) -> None:
    generated = {p[len("/proc/net/"):]: t for p, t in files.items() if p.startswith("/proc/net/")}
    if not generated or not os.path.isdir("/proc/self/net"):
        return
    target = os.path.realpath("/proc/self/net")           # /proc/PID/net of this process
    keep = {}
    for name in os.listdir(target):
        try:
            with open(os.path.join(target, name), "rb") as f:
                keep[name] = f.read()
        except OSError:
            continue                                      # directories, unreadable entries
    if libc.mount(b"tmpfs", target.encode(), b"tmpfs", 0, b"mode=0555") != 0:
        raise _fail(f"mount tmpfs on {target}")
    keep.update((name, text.encode()) for name, text in generated.items())
    for name, data in keep.items():
        with open(os.path.join(target, name), "wb") as f:
            f.write(data)


def die_with_parent() -> None:
    """PR_SET_PDEATHSIG(SIGKILL): the child never outlives its supervisor."""
    libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
