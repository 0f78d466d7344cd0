"""Helpers for the ways-out tests: real network namespaces the test creates (never the host's own
interfaces), and skips that say why a machine cannot run a test."""
from __future__ import annotations

import itertools
import struct
import os
import shutil
import subprocess

import pytest

_seq = itertools.count()


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (make sysdeps installs it)")
    return path


def need_tap() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: a TAP device and a real network namespace need CAP_NET_ADMIN")
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("no /dev/net/tun on this machine")
    need_tool("ip")


@pytest.fixture
def real_netns():
    """A fresh real network namespace (`ip netns add`), deleted afterwards; yields its name."""
    need_tap()
    name = f"nkways-{os.getpid()}-{next(_seq)}"
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot create a network namespace here: {r.stderr.strip()}")
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


def ns_run(ns: str, *cmd: str, **kw) -> subprocess.CompletedProcess:
    """Run a command inside the real namespace `ns`."""
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 30)
    return subprocess.run(["ip", "netns", "exec", ns, *cmd], **kw)


def read_pcap(path: str) -> list[bytes]:
    """The frames of a classic little/big-endian pcap file (what `tcpdump -w` writes)."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("not a pcap file")
    rec = struct.Struct(e + "IIII")
    frames, off = [], 24
    while off + 16 <= len(data):
        _, _, incl, _ = rec.unpack_from(data, off)
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames
