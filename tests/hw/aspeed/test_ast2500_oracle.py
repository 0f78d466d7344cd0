"""netkernel's AST2500 against real Linux 6.1's ftgmac100 on QEMU's AST2500 (tests/data/ast2500,
recorded by `make hw-oracle`): the same MMIO sequence step by step (register, direction, value),
the same frames on the wire, the same descriptor words, the same counters — with only the named
rules of ast2500_oracle.RULES between them."""
from __future__ import annotations

import difflib

import pytest

import ast2500_oracle as oracle
import ast2500_study as study

META = oracle.load_meta()
STEPS = ["boot"] + [s for s in META["steps"] if s != "study"]


@pytest.fixture(scope="module")
def run():
    return study.run()


@pytest.fixture(scope="module")
def real_items():
    lines = oracle.load_mmio_lines()
    return {mac: oracle.normalize(lines, "real", mac) for mac in ("mac0", "mac1")}


def _diff(a, b) -> str:
    return "\n".join(difflib.unified_diff([oracle.show(i) for i in a], [oracle.show(i) for i in b],
                                          "real 6.1", "netkernel", lineterm="", n=2))


def test_the_data_set_says_what_made_it():
    assert META["complete"] is True
    assert META["kernel"].split()[2].startswith("6.1.")
    assert META["qemu_version"].startswith("QEMU emulator version")
    cmd = " ".join(META["qemu_command"])
    assert "-M ast2500-evb" in cmd and "model=ftgmac100" in cmd and "filter-dump" in cmd
    assert "--enable FUNCTION_GRAPH_TRACER" in META["kernel_config_fragment"]
    assert STEPS[:3] == ["boot", "linkup", "raw-socket"]


@pytest.mark.parametrize("mac", ["mac0", "mac1"])
@pytest.mark.parametrize("step", STEPS)
def test_mmio_sequence_is_the_real_drivers(run, real_items, step, mac):
    """Probe, link-up, each socket call, each send and receive, down and up: register by
    register, read or write, value by value."""
    nk = oracle.normalize(run.mmio, "netkernel", mac)
    real = real_items[mac].get(step, [])
    assert nk.get(step, []) == real, _diff(real, nk.get(step, []))


def test_between_steps_only_the_phy_poll_and_the_exit_differ(run, real_items):
    """Between steps the real kernel only polls the PHY (filtered); when the program exits its
    sockets close and the membership goes: the same set_rx_mode on both sides."""
    nk = oracle.normalize(run.mmio, "netkernel", "mac0")
    for step, items in real_items["mac0"].items():
        if step.startswith("after "):
            assert nk.get(step, []) == items, (step, _diff(items, nk.get(step, [])))


def test_the_link_up_sequence_is_long_and_complete(real_items):
    """What the issue saw missing: the multicast hash writes, the reset when the PHY reports the
    link, FCR from the PHY's pause result, the MDIO traffic of autonegotiation."""
    shown = [oracle.show(i) for i in real_items["mac0"]["linkup"]]
    assert len(shown) > 60
    assert shown.count("W IER 0x0000019d") == 2 and "W IER 0x00000000" in shown
    assert shown.count("W FCR 0x00100005") == 2
    assert "mdio write BMCR <- 0x1340" in shown and "mdio read  LPA = 0x45e1" in shown
    assert "W MAHT0 0x00000000" in shown


@pytest.mark.parametrize("rule", [r[0] for r in oracle.RULES])
def test_every_rule_is_needed(run, rule):
    """A rule nothing needs would hide nothing; without any one of them some step differs."""
    lines = oracle.load_mmio_lines()
    for mac in ("mac0", "mac1"):
        real = oracle.normalize(lines, "real", mac, skip=rule)
        nk = oracle.normalize(run.mmio, "netkernel", mac, skip=rule)
        if any(real.get(s, []) != nk.get(s, []) for s in set(real) | set(nk)):
            return
    pytest.fail(f"rule {rule!r} changes nothing")


def test_the_multicast_hash_is_the_chips(real_items):
    """The group the guest joined (01:00:5e:01:02:03) is bit 38: MAHT1 bit 6, as Linux wrote."""
    assert oracle.hash_bit(study.GROUP) == (oracle.MAHT1, 6)
    assert ("reg", "W", oracle.MAHT1, 0x40) in real_items["mac0"]["mc-add"]
    assert oracle.hash_bit(study.OTHER_GROUP) != oracle.hash_bit(study.GROUP)


def test_the_same_frames_cross_the_wire(run):
    real = [(f["step"], f["dir"], f["hex"]) for f in oracle.load_json("wire.json")]
    nk = [(f["step"], f["dir"], f["hex"]) for f in run.frames]
    assert nk == real


def test_the_wire_pcap_holds_the_same_frames():
    """QEMU's filter-dump of the netdev: every frame of wire.json, both ways, in order."""
    import struct
    with open(oracle.os.path.join(oracle.DATA, "wire.pcap"), "rb") as f:
        data = f.read()
    off, frames = 24, []
    while off < len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        frames.append(data[off + 16:off + 16 + incl].hex())
        off += 16 + incl
    assert frames == [f["hex"] for f in oracle.load_json("wire.json")]


@pytest.mark.parametrize("step", [s for s in STEPS if s != "boot"])
def test_descriptor_words_after_each_step(run, step):
    real = oracle.ring_view(oracle.load_json("rings.json")[step])
    nk = oracle.ring_view(run.rings[step])
    assert nk == real


def test_what_each_call_returned(run):
    """The guest's "@@NK info" lines: sendto lengths, the frames received (QEMU stores the 4 CRC
    bytes: 64), the miss, ENETDOWN once after down/up, then the send."""
    with open(oracle.os.path.join(oracle.DATA, "console.txt")) as f:
        info = [ln.split()[2] for ln in f if ln.startswith("@@NK info ") and "=" in ln.split()[2]
                and not ln.split()[2].startswith("carrier")]
    r = run.results
    nk = [f"sendto={r['raw-sendto']}", f"sendto={r['dgram-sendto']}", f"recv={r['recv']}",
          f"recv={r['recv-mc']}", f"recv={r['recv-mc-miss']}",
          *(f"sendto=-{e}" for e in r.get("errors", [])), f"sendto={r['sendto-after-up']}",
          f"recv={r['recv-after-up']}"]
    assert nk == info


def test_proc_net_dev_and_interrupts(run):
    k = run.kernel
    with open(oracle.os.path.join(oracle.DATA, "proc_net_dev.txt")) as f:
        real = {ln.split(":")[0].strip(): ln.split(":")[1].split() for ln in f if ":" in ln}
    nk = {ln.split(":")[0].strip(): ln.split(":")[1].split()
          for ln in k.procfs("/proc/net/dev").splitlines() if ":" in ln}
    assert nk["eth0"] == real["eth0"] and nk["eth1"] == real["eth1"]
    with open(oracle.os.path.join(oracle.DATA, "proc_interrupts.txt")) as f:
        eth0 = next(ln.split() for ln in f if ln.rstrip().endswith("eth0"))
    assert k.hw.interrupts()[2] == (int(eth0[1]), "eth0")
