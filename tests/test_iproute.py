"""`ip link show` as iproute2 prints it, checked against the real `ip` on the real kernel; and
ip(8)'s own checks and words for commands it refuses."""
import json
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

from netkernel import Kernel, iproute

# The same commands on both sides, each followed by a comparison of `ip link show` and
# `ip -j link show`. Addresses are set, so nothing random is left to normalize.
STEPS = [
    "link set lo up",        # a fresh real netns starts with lo down; a netkernel machine with lo up
    "link add veth0 type veth peer name veth1",
    "link set veth0 address 02:00:00:00:00:01",
    "link set veth1 address 02:00:00:00:00:02",
    "link set veth0 up",     # up without carrier: NO-CARRIER, LOWERLAYERDOWN, M-DOWN (peer down)
    "link set veth1 up",     # both up: UP
    "link set veth1 mtu 9000",
    "link set veth1 down",   # veth0 loses carrier again
    "link set veth0 down",
    "link del veth1",
]
DUMMY_STEPS = ["link add d0 type dummy", "link set d0 address 02:00:00:00:00:0d", "link set d0 up"]


def _model_show(k, json_out=False) -> str:
    return iproute.run(k, (["-j"] if json_out else []) + ["link", "show"])


def test_lo_is_unknown_and_veth_states_follow_carrier():
    k = Kernel()
    lines = _model_show(k).splitlines()
    assert lines[0].startswith("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN")
    assert lines[1] == "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"
    iproute.run(k, ["link", "add", "veth0", "type", "veth", "peer", "name", "veth1"])
    iproute.run(k, ["link", "set", "veth0", "up"])
    show = {li["ifname"]: li for li in json.loads(_model_show(k, json_out=True))}
    assert show["veth0"]["operstate"] == "LOWERLAYERDOWN"
    assert show["veth0"]["flags"][0] == "NO-CARRIER" and show["veth0"]["flags"][-1] == "M-DOWN"
    assert show["veth1"]["operstate"] == "DOWN" and "M-DOWN" not in show["veth1"]["flags"]
    iproute.run(k, ["link", "set", "veth1", "up"])
    show = {li["ifname"]: li for li in json.loads(_model_show(k, json_out=True))}
    assert show["veth0"]["operstate"] == show["veth1"]["operstate"] == "UP"
    assert show["veth0"]["flags"] == ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]


def test_dummy_up_is_unknown():
    """dummy never reports carrier, so its operstate stays UNKNOWN (as lo's)."""
    k = Kernel()
    for step in DUMMY_STEPS:
        iproute.run(k, step.split())
    line = iproute.run(k, ["link", "show", "d0"]).splitlines()[0]
    assert "<BROADCAST,NOARP,UP,LOWER_UP>" in line and "state UNKNOWN" in line


def test_peer_in_another_namespace_shows_ifindex_and_netns():
    k = Kernel()
    for step in ["netns add blue", "link add veth0 type veth peer name veth1",
                 "link set veth1 netns blue"]:
        iproute.run(k, step.split())
    head, tail = iproute.run(k, ["link", "show", "veth0"]).splitlines()
    idx = k.netns("blue").if_nametoindex("veth1")
    assert head.startswith(f"3: veth0@if{idx}: <BROADCAST,MULTICAST> ")
    assert tail.endswith(" link-netns blue")


# ---------------------------------------------------------------- compared with the real ip(8)

def _real_available():
    return os.geteuid() == 0 and shutil.which("ip") is not None


@pytest.fixture
def real_netns():
    if not _real_available():
        pytest.skip("needs root and iproute2 for a real network namespace")
    names = [f"nkcli-{uuid.uuid4().hex[:8]}", f"nkcli-{uuid.uuid4().hex[:8]}"]
    if subprocess.run(["ip", "netns", "add", names[0]], capture_output=True).returncode != 0:
        pytest.skip("`ip netns add` failed")
    try:
        yield names
    finally:
        for n in names:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


def _real(ns, words, check=True):
    r = subprocess.run(["ip", "-n", ns, *words], capture_output=True, text=True, timeout=30)
    if check:
        assert r.returncode == 0, (words, r.stderr)
    return r


RANDOM_MAC = re.compile(r"(?<=link/ether )(?!02:00:00:00:00:)[0-9a-f:]{17}")


def _normalize(text: str) -> str:
    """What may differ: the random address of a device before the step that sets it; and two
    gap of the model outside ip(8), pinned by an xfail test below: the `noop` qdisc of a device
    never opened (the model attaches the device's own qdisc at creation, Linux at the first
    dev_open)."""
    out = []
    for line in text.splitlines():
        out.append(RANDOM_MAC.sub("<random>", line.replace("qdisc noop ", "qdisc noqueue ")))
    return "\n".join(out)


def _normalize_json(links: list[dict]) -> list[dict]:
    for li in links:
        if li["qdisc"] == "noop":
            li["qdisc"] = "noqueue"
        if not li["address"].startswith("02:00:00:00:00:") and li["link_type"] == "ether":
            li["address"] = "<random>"
    return links


def _compare(k, ns, step):
    """The real kernel applies carrier changes through linkwatch, asynchronously (within a
    second): read the real side again until it settles on the model's view, or time out."""
    model = _model_show(k)
    deadline = time.monotonic() + 3.0
    while True:
        real = _real(ns, ["link", "show"]).stdout
        if _normalize(model) == _normalize(real) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert _normalize(model) == _normalize(real), step
    real_j = json.loads(_real(ns, ["-j", "link", "show"]).stdout)
    model_j = json.loads(_model_show(k, json_out=True))
    assert _normalize_json(model_j) == _normalize_json(real_j), step


def test_ip_link_show_matches_the_real_ip(real_netns):
    ns, other = real_netns
    k = Kernel()
    steps = list(STEPS)
    if _real(ns, ["link", "add", "nkprobe0", "type", "dummy"], check=False).returncode == 0:
        _real(ns, ["link", "del", "nkprobe0"])
        steps += DUMMY_STEPS
    for step in steps:
        _real(ns, step.split())
        iproute.run(k, step.split())
        _compare(k, ns, step)


def test_ip_link_show_peer_in_another_netns_matches_the_real_ip(real_netns):
    ns, other = real_netns
    subprocess.run(["ip", "netns", "add", other], check=True, capture_output=True)
    k = Kernel()
    k.netns_add(other)
    for step in ["link set lo up", "link add veth0 type veth peer name veth1",
                 "link set veth0 address 02:00:00:00:00:01", "link set veth0 up",
                 f"link set veth1 netns {other}"]:
        _real(ns, step.split())
        iproute.run(k, step.split())
    _compare(k, ns, "peer moved")


def test_lo_qlen_like_linux():
    """v5.15's loopback_setup leaves alloc_netdev's tx_queue_len of 1000 (ip shows qlen 1000)."""
    assert iproute.run(Kernel(), ["link", "show", "lo"]).splitlines()[0].endswith(" qlen 1000")


def test_never_opened_device_has_noop_qdisc_like_linux():
    """v5.15 keeps noop_qdisc until dev_activate (first dev_open), and the real qdisc after."""
    k = _veth_machine()
    assert " qdisc noop state DOWN " in iproute.run(k, ["link", "show", "veth0"])
    k.link_set("veth0", up=True)
    k.link_set("veth0", up=False)
    assert " qdisc noqueue state DOWN " in iproute.run(k, ["link", "show", "veth0"])


# ---------------------------------------------------------------- refusals, in ip(8)'s words

REFUSALS = [   # (command, message, exit status): as iproute2 6.1 prints them
    ("link add veth0 type veth peer name veth1", "RTNETLINK answers: File exists", 2),
    ("link add x type veth peer name veth1", "RTNETLINK answers: File exists", 2),
    ("link add foo type bogus", "Error: Unknown device type.", 2),
    ("link add", 'Not enough information: "type" argument is required', 1),
    ("link set veth9 up", 'Cannot find device "veth9"', 1),
    ("link set veth0 mtu abc", 'Error: argument "abc" is wrong: Invalid "mtu" value', 255),
    ("link set veth0 address zz", '"zz" is invalid lladdr.', 1),
    ("link set veth0 address 02:00:00:00:00", "Invalid address length 5 - must be 6 bytes", 1),
    ("link set veth0 netns nope", 'Error: argument "nope" is wrong: Invalid "netns" value', 255),
    ("link set veth0 frob", 'Error: either "dev" is duplicate, or "frob" is a garbage.', 255),
    ("link set veth0 mtu", 'Command line is not complete. Try option "help"', 255),
    ("link del veth9", 'Cannot find device "veth9"', 1),
    ("link del", 'Not enough information: "dev" argument is required.', 255),
    ("link del dev veth0 extra", 'Error: either "dev" is duplicate, or "extra" is a garbage.', 255),
    ("link show veth9", 'Device "veth9" does not exist.', 1),
    ("link frob", 'Command "frob" is unknown, try "ip link help".', 255),
    ("frob", 'Object "frob" is unknown, try "ip help".', 1),
    ("netns add", "No netns name specified", 1),
    ("link add name 0123456789abcdefg type veth",
     'Error: argument "0123456789abcdefg" is wrong: "name" not a valid ifname', 255),
    ("link add a/b type veth", 'Error: argument "a/b" is wrong: "dev" not a valid ifname', 255),
    ("link add veth5 type veth peer name 0123456789abcdefgh",
     'Error: argument "0123456789abcdefgh" is wrong: "name" not a valid ifname', 255),
    ("-n nope link show", 'Cannot open network namespace "nope": No such file or directory', 255),
]


def _veth_machine():
    k = Kernel()
    iproute.run(k, ["link", "add", "veth0", "type", "veth", "peer", "name", "veth1"])
    return k


@pytest.mark.parametrize("cmd,message,status", REFUSALS)
def test_refusals_in_iproute2_words(cmd, message, status):
    k = _veth_machine()
    before = iproute.run(k, ["link", "show"])
    with pytest.raises(iproute.IpError) as e:
        iproute.run(k, cmd.split())
    assert (str(e.value), e.value.status) == (message, status)
    assert iproute.run(k, ["link", "show"]) == before       # a refused command changes nothing


def test_refusals_match_the_real_ip(real_netns):
    """The same refusals from the real ip(8) on the real kernel (a namespace with the same veth)."""
    ns, _ = real_netns
    _real(ns, "link add veth0 type veth peer name veth1".split())
    for cmd, message, status in REFUSALS:
        words = cmd.split()
        r = (subprocess.run(["ip", *words], capture_output=True, text=True) if words[0] == "-n"
             else _real(ns, words, check=False))
        if cmd == "link add foo type bogus" and "Unknown device type" not in r.stderr:
            continue      # a kernel without the extack message
        assert (r.stderr.strip(), r.returncode) == (message, status), cmd


def test_link_add_tap_and_qemu_arguments_reach_link_add():
    calls = []

    class Recorder:
        def links(self):
            return []

        def link_add(self, name, kind, **kw):
            calls.append((name, kind, kw))

    iproute.run(Recorder(), "link add t0 type tap host_ifname nktap0 host_netns ns1".split())
    iproute.run(Recorder(), "link add q0 type qemu netdev dgram,local.type=inet".split())
    iproute.run(Recorder(), "link add v0 type veth peer v1".split())
    assert calls == [("t0", "tap", {"host_ifname": "nktap0", "host_netns": "ns1"}),
                     ("q0", "qemu", {"netdev": "dgram,local.type=inet"}),
                     ("v0", "veth", {"peer": "v1"})]


def test_help_names_every_kind_and_its_keywords():
    with pytest.raises(iproute.IpHelp) as h:
        iproute.run(Kernel(), ["link", "add", "help"])
    text = str(h.value)
    for kind, words in (("veth", ["peer"]), ("dummy", []), ("tap", ["host_ifname", "host_netns"]),
                        ("qemu", ["netdev"])):
        assert f"kind=\"{kind}\"" in text
        for w in words:
            assert w in text and f"{w}=" in text


def test_add_time_attributes_are_refused_not_ignored():
    k = Kernel()
    with pytest.raises(iproute.IpError, match='"mtu" is not supported by `netkernel ip link add`'):
        iproute.run(k, "link add veth0 mtu 9000 type veth peer name veth1".split())
    assert [li["name"] for li in k.links()] == ["lo"]
