"""platform/views.py without a child: which opened paths the model answers, and with what."""
import os

import netkernel
from netkernel import iproute
from netkernel.platform import views
from netkernel.uapi import errno as E

TOPO = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "veth.topology")


def machine():
    k = netkernel.Kernel()
    iproute.load_topology(k, TOPO)
    return k.process()


def test_resolve_decides_most_paths_from_their_text(tmp_path, monkeypatch):
    me = os.getpid()
    assert views.resolve(me, views.AT_FDCWD, "/etc/hostname") is None
    assert views.resolve(me, views.AT_FDCWD, "/proc/self/net/../net/dev") == "/proc/self/net/dev"
    monkeypatch.chdir(tmp_path)
    assert views.resolve(me, views.AT_FDCWD, "x") is None        # a cwd outside /sys and /proc
    fd = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert views.resolve(me, fd, "net/dev") == "/proc/net/dev"
    finally:
        os.close(fd)


def test_generated_answers_the_models_files_and_leaves_the_rest():
    v = machine()
    kind, text = views.generated(v, "/proc/self/net/dev")
    assert kind == "file" and "veth0:" in text and text == v.procfs("net/dev")
    assert views.generated(v, "/proc/42/task/43/net/packet")[0] == "file"
    assert views.generated(v, "/proc/net/no-such-view") is None         # the host's
    assert views.generated(v, "/proc/cpuinfo") is None
    assert views.generated(v, "/sys/class/net/veth0/address") == ("file", "02:00:00:00:00:01\n")
    assert views.generated(v, "/sys/class/net") == ("dir", ["lo", "veth0", "veth1"])
    assert views.generated(v, "/sys/class/net/nosuch/mtu") == ("errno", E.ENOENT)


def test_tree_and_memfd():
    v = machine()
    t = views.tree(v, "/sys/class/net/veth1")
    assert t["/sys/class/net/veth1/mtu"] == "1500\n"
    assert "/sys/class/net/veth1/statistics/rx_packets" in t
    fd = views.memfd_with(t["/sys/class/net/veth1/address"])
    try:
        assert os.read(fd, 100) == b"02:00:00:00:00:02\n"
    finally:
        os.close(fd)
