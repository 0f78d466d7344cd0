"""`k.capture(dev, path)`: pcapng recorded at tcpdump's capture point, read back with tshark."""
from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import tempfile
from decimal import Decimal

import pytest

import netkernel
from netkernel.backends.pcap import PCAPNG_EPB, PCAPNG_IDB, PCAPNG_SHB, read_blocks
from netkernel.uapi import ETH_P_ALL, PACKET_AUXDATA, PACKET_STATISTICS, SOL_PACKET

MAC0 = bytes.fromhex("020000000001")
MAC1 = bytes.fromhex("020000000002")
OTHER = bytes.fromhex("020000000099")
MCAST = bytes.fromhex("01005e000001")
BCAST = b"\xff" * 6
OUTBOUND, INBOUND = 2, 1
UNICAST, MULTICAST, BROADCAST, PROMISCUOUS = 1, 2, 3, 4


def _frame(dst, src, n=60, etype=b"\x88\xb5", fill=b"\x5a"):
    return (dst + src + etype).ljust(n, fill)


# (sender device, frame, the receiving device's reception type)
TRAFFIC = [
    ("veth0", _frame(MAC1, MAC0, 60, fill=b"\x01"), UNICAST),
    ("veth0", _frame(BCAST, MAC0, 64, fill=b"\x02"), BROADCAST),
    ("veth0", _frame(MCAST, MAC0, 100, fill=b"\x03"), MULTICAST),
    ("veth0", _frame(OTHER, MAC0, 61, fill=b"\x04"), PROMISCUOUS),
    ("veth0", MAC1 + MAC0 + b"\x81\x00\x00\x05\x88\xb5" + b"\x05" * 50, UNICAST),  # VLAN 5
    ("veth1", _frame(MAC0, MAC1, 1514, fill=b"\x06"), UNICAST),
    ("veth1", _frame(MAC0, MAC1, 15, etype=b"\x88\xb5"), UNICAST),      # 15 bytes: no padding
]
PEER = {"veth0": "veth1", "veth1": "veth0"}


def _machine():
    k = netkernel.Kernel(clock="virtual")
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", address=MAC0, up=True)
    k.link_set("veth1", address=MAC1, up=True)
    return k


def _run(k, path=None, errors=None, after_start=None):
    """Send TRAFFIC (1 µs apart) and return everything the sockets observed, their memory
    accounting included. `errors`: a list that gets what cap.close() raised; `after_start()`
    runs once the capture is recording."""
    socks = {}
    for name in ("veth0", "veth1"):
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        s.setblocking(False)
        socks[name] = s
    cap = k.capture(["veth0", "veth1"], path) if path else None
    if after_start is not None:
        after_start()
    sent_at = []
    for name, frame, _ in TRAFFIC:
        k.advance(1000)
        sent_at.append(k._now)
        socks[name].send(frame)
    if cap is not None:
        try:
            cap.close()
        except OSError as e:
            if errors is None:
                raise
            errors.append(e)
    obs = []
    for name, s in socks.items():
        while True:
            try:
                obs.append((name, s.recvmsg(4096, 256)))
            except BlockingIOError:
                break
        obs.append((name, s.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)))
        sk = k._task.files[s.fileno()].private_data.sk
        obs.append((name, sk.sk_wmem_alloc, sk.sk_rmem_alloc))
    obs.append([(x["name"], x["stats"]) for x in k.links()])
    return obs, sent_at


def _tshark(path):
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed (make sysdeps installs it)")
    r = subprocess.run(["tshark", "-r", str(path), "-T", "json", "-x"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = []
    for pkt in json.loads(r.stdout):
        layers = pkt["_source"]["layers"]
        fr = layers["frame"]
        flags = int(fr["frame.packet_flags"], 16)
        out.append({
            "bytes": bytes.fromhex(layers["frame_raw"][0]),
            "ifname": fr["frame.interface_id_tree"]["frame.interface_name"],
            "direction": flags & 3,
            "reception": (flags >> 2) & 7,
            "ns": int(Decimal(fr["frame.time_epoch"]) * 10**9),
        })
    return out


def test_tshark_reads_every_frame_with_interface_direction_time_and_order(tmp_path):
    path = tmp_path / "out.pcapng"
    _, sent_at = _run(_machine(), str(path))
    expected = []
    for (dev, frame, rtype), t in zip(TRAFFIC, sent_at):
        expected.append({"bytes": frame, "ifname": dev, "direction": OUTBOUND, "reception": 0,
                         "ns": t})
        if len(frame) >= 14:
            expected.append({"bytes": frame, "ifname": PEER[dev], "direction": INBOUND,
                             "reception": rtype, "ns": t})
    assert _tshark(path) == expected


def test_capture_changes_nothing_sockets_observe(tmp_path):
    without, _ = _run(_machine())
    with_capture, _ = _run(_machine(), str(tmp_path / "out.pcapng"))
    assert with_capture == without


def test_capture_file_has_one_section_one_interface_per_device_then_packets(tmp_path):
    path = tmp_path / "out.pcapng"
    k = _machine()
    with k.capture(["veth0", "veth1"], str(path)) as cap:
        k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).sendto(_frame(MAC1, MAC0),
                                                               ("veth0", 0x88B5))
    assert cap.packets == 2
    kinds = [b for b, _ in read_blocks(path.read_bytes())]
    assert kinds == [PCAPNG_SHB, PCAPNG_IDB, PCAPNG_IDB, PCAPNG_EPB, PCAPNG_EPB]


def test_closed_capture_records_nothing_more_and_unhooks(tmp_path):
    path = tmp_path / "out.pcapng"
    k = _machine()
    cap = k.capture("veth0", str(path))
    cap.close()
    size = path.stat().st_size
    k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).sendto(_frame(MAC1, MAC0), ("veth0", 0x88B5))
    assert path.stat().st_size == size
    assert k.init_net.dev_by_name["veth0"].ptype_all == []
    cap.close()                                   # twice is harmless


def test_capture_through_a_namespace_handle_names_the_namespace(tmp_path):
    k = netkernel.Kernel(clock="virtual")
    b = k.netns_add("b")
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth1", netns="b")
    k.link_set("veth0", up=True)
    b.link_set("veth1", up=True)
    path = tmp_path / "b.pcapng"
    with b.capture("veth1", str(path)):
        k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).sendto(
            _frame(BCAST, MAC0), ("veth0", 0x88B5))
    got = _tshark(path)
    assert [(g["ifname"], g["direction"], g["reception"]) for g in got] == \
        [("veth1", INBOUND, BROADCAST)]
    idb = [body for t, body in read_blocks(path.read_bytes()) if t == PCAPNG_IDB][0]
    assert b"netns b" in idb


def test_capture_of_an_unknown_device_is_enodev(tmp_path):
    k = _machine()
    with pytest.raises(OSError) as e:
        k.capture("nope0", str(tmp_path / "x.pcapng"))
    assert e.value.errno == 19


def test_netkernel_run_capture_records_an_unmodified_program(tmp_path):
    import os
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = tmp_path / "run.pcapng"
    r = subprocess.run([sys.executable, "-m", "netkernel", "run", "--topology",
                        os.path.join(root, "examples", "veth.topology"), "--capture", str(path),
                        "--", sys.executable, os.path.join(root, "examples", "arp_ping.py"),
                        "veth0", "veth1"],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, PYTHONPATH=os.path.join(root, "src")))
    assert r.returncode == 0, r.stdout + r.stderr
    got = _tshark(path)
    assert [(g["ifname"], g["direction"], g["bytes"][12:14]) for g in got] == [
        ("veth0", OUTBOUND, b"\x08\x06"), ("veth1", INBOUND, b"\x08\x06"),     # who-has
        ("veth1", OUTBOUND, b"\x08\x06"), ("veth0", INBOUND, b"\x08\x06")]     # is-at
    assert got[0]["bytes"] == got[1]["bytes"] and got[2]["bytes"] == got[3]["bytes"]


# ---------------------------------------------------------------- a file that fails

class _FailingFile:
    """A file object whose writes start failing with `err` after `good` of them."""

    def __init__(self, good: int, err: int = errno.EIO):
        self.good, self.err, self.closed, self.data = good, err, False, bytearray()

    def write(self, b):
        if self.good <= 0:
            raise OSError(self.err, os.strerror(self.err))
        self.good -= 1
        self.data += b
        return len(b)

    def flush(self):
        pass

    def close(self):
        self.closed = True


def test_disk_full_at_close_is_reported_and_sockets_see_no_difference():
    without, _ = _run(_machine())
    errors = []
    with_full, _ = _run(_machine(), "/dev/full", errors)    # buffered: fails when flushed
    assert with_full == without
    assert [e.errno for e in errors] == [errno.ENOSPC]


@pytest.mark.parametrize("why", ["disk full", "closed file", "broken pipe", "EIO"])
def test_a_failing_capture_stops_alone_and_every_frame_still_arrives(why):
    k = _machine()
    if why == "disk full":
        f, err = open("/dev/full", "wb", buffering=0), errno.ENOSPC
    elif why == "closed file":
        f, err = tempfile.TemporaryFile(), errno.EBADF
    elif why == "broken pipe":
        r, w = os.pipe()
        f, err = os.fdopen(w, "wb", buffering=0), errno.EPIPE
    else:
        f, err = _FailingFile(good=3), errno.EIO      # SHB, 2 IDBs, then the first frame fails
    if why == "disk full":
        with pytest.raises(OSError) as e:             # nothing can be written: no capture
            k.capture("veth0", f)
        assert e.value.errno == err and k.init_net.dev_by_name["veth0"].ptype_all == []
        f = open("/dev/full", "wb", buffering=0)
        f.write = _after(3, f.write)                  # headers pass, frames hit the full disk
    tx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    rx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    rx.bind(("veth1", 0))
    devs = [k.init_net.dev_by_name[name] for name in ("veth0", "veth1")]
    hooks = [list(d.ptype_all) for d in devs]
    cap = k.capture(["veth0", "veth1"], f)
    if why == "closed file":
        f.close()
    elif why == "broken pipe":
        os.close(r)
    frame = _frame(MAC1, MAC0)
    for _ in range(50):                               # past any buffer
        assert tx.sendto(frame, ("veth0", 0x88B5)) == len(frame)
        assert rx.recv(2048) == frame
    assert k._task.files[tx.fileno()].private_data.sk.sk_wmem_alloc == 0
    assert cap.stopped and cap.write_errors == 1 and cap.frames_lost == 1
    assert cap.packets == 0
    assert [d.ptype_all for d in devs] == hooks      # the capture's hooks are gone
    with pytest.raises(OSError) as e:
        cap.close()
    assert e.value.errno == err
    cap.close()                                       # reported once
    assert cap.error.errno == err


@pytest.mark.parametrize("why", ["disk full", "closed file", "broken pipe", "EIO"])
def test_a_capture_failing_mid_run_changes_nothing_sockets_observe(why):
    without, _ = _run(_machine())
    after = None
    if why == "disk full":
        f = open("/dev/full", "wb", buffering=0)
        f.write = _after(3, f.write)
    elif why == "closed file":
        f = tempfile.TemporaryFile()
        after = f.close
    elif why == "broken pipe":
        r, w = os.pipe()
        f = os.fdopen(w, "wb", buffering=0)
        after = lambda: os.close(r)             # noqa: E731
    else:
        f = _FailingFile(good=5)                # fails on the third frame
    errors = []
    failing, _ = _run(_machine(), f, errors, after)
    assert failing == without
    assert len(errors) == 1


def _after(n, write):
    """`write`, replaced by a no-op for its first n calls (the header blocks)."""
    calls = [0]

    def w(b):
        calls[0] += 1
        return len(b) if calls[0] <= n else write(b)
    return w


def test_with_block_raises_the_capture_error_unless_the_body_raised():
    k = _machine()
    tx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    with pytest.raises(OSError) as e:
        with k.capture("veth0", _FailingFile(good=2)):
            tx.sendto(_frame(MAC1, MAC0), ("veth0", 0x88B5))
    assert e.value.errno == errno.EIO
    with pytest.raises(KeyError) as e:
        with k.capture("veth0", _FailingFile(good=2)):
            tx.sendto(_frame(MAC1, MAC0), ("veth0", 0x88B5))
            raise KeyError("body")
    assert "Input/output error" in "".join(e.value.__notes__)


def test_flush_failure_stops_the_capture_and_raises():
    k = _machine()
    cap = k.capture("veth0", "/dev/full")
    k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).sendto(_frame(MAC1, MAC0), ("veth0", 0x88B5))
    with pytest.raises(OSError) as e:
        cap.flush()
    assert e.value.errno == errno.ENOSPC and cap.stopped
    with pytest.raises(OSError):
        cap.close()


def test_netkernel_run_capture_shares_the_capture_rule(tmp_path):
    from netkernel.capture import capture_devices
    k = _machine()
    cap = capture_devices(k, _FailingFile(good=3))    # SHB + 2 IDBs, then frames fail
    tx = k.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    assert tx.sendto(_frame(MAC1, MAC0), ("veth0", 0x88B5)) == 60
    assert cap.stopped and cap.frames_lost == 1
    with pytest.raises(OSError):
        cap.close()
