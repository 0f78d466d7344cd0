#!/usr/bin/env python3
"""Boot the oracle guest on `qemu-system-arm -M ast2500-evb` and record the study case.

usage: run.py CACHE_DIR OUT_DIR

The guest (guest/studycase.c) brackets each step with console lines "@@NK <verb> <step>" and
waits for an answer on the console after each; this runner answers them:
  begin/end  step boundaries (after "end", the first slots of both rings are dumped with QMP xp)
  quiet/loud MMIO tracing off while the guest prints its function_graph buffer, then on again
  inject     put the step's frame on the wire (a UDP socket backend the runner owns)
It records the raw QEMU memory-region trace, the console, the frames both ways (filter-dump and
the runner's own socket), then hands everything to record.py, which writes the compact data set.
"""
from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time

MACHINE = "ast2500-evb"
GUEST_MAC = bytes.fromhex("525400123456")
PEER_MAC = bytes.fromhex("020000000b00")
GROUP = bytes.fromhex("01005e010203")            # joined by the guest (PACKET_ADD_MEMBERSHIP)
OTHER_GROUP = bytes.fromhex("01005e7f0009")      # not joined; hashes to another MAHT bit
ETH_P_STUDY = bytes.fromhex("88b5")
PAYLOAD = bytes(range(46))
INJECT = {                                        # step -> the frame the peer sends
    "recv": GUEST_MAC + PEER_MAC + ETH_P_STUDY + PAYLOAD,
    "recv-mc": GROUP + PEER_MAC + ETH_P_STUDY + PAYLOAD,
    "recv-mc-miss": OTHER_GROUP + PEER_MAC + ETH_P_STUDY + PAYLOAD,
    "recv-after-up": GUEST_MAC + PEER_MAC + ETH_P_STUDY + PAYLOAD[::-1],
}
RING_SLOTS = 8                                    # descriptors dumped from each ring's start
MAC0 = 0x1E660000
TIMEOUT = float(os.environ.get("HW_ORACLE_TIMEOUT", "900"))
VERBOSE = bool(os.environ.get("HW_ORACLE_VERBOSE"))


def free_udp_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Qmp:
    def __init__(self, path: str):
        self.s = socket.socket(socket.AF_UNIX)
        for _ in range(200):
            try:
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        self.f = self.s.makefile("rw")
        self.f.readline()                         # greeting
        self.cmd("qmp_capabilities")

    def cmd(self, execute: str, **args):
        self.f.write(json.dumps({"execute": execute, "arguments": args}) + "\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "return" in r or "error" in r:
                return r.get("return", r.get("error"))

    def hmp(self, line: str) -> str:
        return self.cmd("human-monitor-command", **{"command-line": line})

    def trace(self, on: bool) -> None:
        for ev in ("memory_region_ops_read", "memory_region_ops_write"):
            self.cmd("trace-event-set-state", name=ev, enable=on)


def ring_bases(trace_path: str) -> dict:
    """The last values the driver wrote to MAC0's NPTXR_BADR and RXR_BADR."""
    want = {f"0x{MAC0 + 0x20:x}": "tx", f"0x{MAC0 + 0x24:x}": "rx"}
    bases = {}
    with open(trace_path, errors="replace") as f:
        for line in f:
            if "memory_region_ops_write" not in line or "ftgmac100" not in line:
                continue
            parts = line.split()
            addr = parts[parts.index("addr") + 1]
            if addr in want:
                bases[want[addr]] = int(parts[parts.index("value") + 1], 16)
    return bases


def dump_rings(qmp: Qmp, trace_path: str) -> dict:
    out = {}
    for which, base in sorted(ring_bases(trace_path).items()):
        words = []
        for line in qmp.hmp(f"xp /{RING_SLOTS * 4}wx 0x{base:x}").splitlines():
            if ":" in line:
                words += [int(w, 16) for w in line.split(":", 1)[1].split()]
        out[which] = {"base": base, "words": words}
    return out


def main() -> int:
    cache, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    kbuild = os.path.join(cache, "kbuild")
    con_path, qmp_path = os.path.join(out, "con.sock"), os.path.join(out, "qmp.sock")
    trace_path, pcap_path = os.path.join(out, "trace.log"), os.path.join(out, "wire.pcap")
    for p in (con_path, qmp_path, trace_path, pcap_path):
        if os.path.exists(p):
            os.unlink(p)
    wire = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    wire.bind(("127.0.0.1", 0))
    wire_port, qemu_port = wire.getsockname()[1], free_udp_port()
    cmd = ["qemu-system-arm", "-M", MACHINE, "-m", "512M",
           "-kernel", f"{kbuild}/arch/arm/boot/zImage",
           "-dtb", f"{kbuild}/arch/arm/boot/dts/aspeed-ast2500-evb.dtb",
           "-initrd", f"{cache}/initramfs.cpio.gz",
           "-append", "console=ttyS4,115200 ipv6.disable=1 quiet",
           "-display", "none", "-no-reboot",
           "-chardev", f"socket,id=con,path={con_path},server=on,wait=on",
           "-serial", "chardev:con",
           "-qmp", f"unix:{qmp_path},server=on,wait=off",
           "-netdev", f"socket,id=n0,udp=127.0.0.1:{wire_port},localaddr=127.0.0.1:{qemu_port}",
           "-net", "nic,model=ftgmac100,netdev=n0",
           "-object", f"filter-dump,id=f0,netdev=n0,file={pcap_path}",
           "-D", trace_path,
           "-d", "guest_errors,unimp,trace:memory_region_ops_read,trace:memory_region_ops_write"]
    qemu = subprocess.Popen(cmd, stdout=open(os.path.join(out, "qemu.out"), "w"),
                            stderr=subprocess.STDOUT)
    con = socket.socket(socket.AF_UNIX)
    for _ in range(400):
        try:
            con.connect(con_path)
            break
        except OSError:
            time.sleep(0.05)
    qmp = Qmp(qmp_path)
    console, frames, rings, graphs, files = [], [], {}, {}, {}
    step, buf, collecting = "boot", b"", None
    t0 = time.time()
    done = False
    try:
        while qemu.poll() is None and time.time() - t0 < TIMEOUT and not done:
            r, _, _ = select.select([con, wire], [], [], 0.5)
            if wire in r:
                frames.append({"step": step, "dir": "tx", "hex": wire.recv(65536).hex()})
            if con not in r:
                continue
            data = con.recv(65536)
            if not data:
                break
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode(errors="replace").rstrip("\r")
                words = line.split()
                if collecting is not None and not line.startswith("@@NK "):
                    collecting.append(line)
                    continue
                console.append(line)
                if VERBOSE:
                    print(f"[{time.time() - t0:6.1f}] {line}", file=sys.stderr, flush=True)
                if not line.startswith("@@NK ") or len(words) < 2:
                    continue
                verb, arg = words[1], (words[2] if len(words) > 2 else "")
                answer = True
                if verb == "begin":
                    step = arg
                elif verb == "end":
                    rings[arg] = dump_rings(qmp, trace_path)
                elif verb == "quiet":
                    qmp.trace(False)
                elif verb == "loud":
                    qmp.trace(True)
                elif verb == "inject":
                    frames.append({"step": step, "dir": "rx", "hex": INJECT[arg].hex()})
                    wire.sendto(INJECT[arg], ("127.0.0.1", qemu_port))
                    time.sleep(0.3)
                elif verb in ("graph-begin", "file-begin"):
                    collecting = (graphs if verb == "graph-begin" else files).setdefault(arg, [])
                    answer = False
                elif verb in ("graph-end", "file-end"):
                    collecting = None
                    answer = False
                elif verb == "done":
                    done = True
                    answer = False
                else:
                    answer = False
                if answer:
                    con.sendall(b"\n")
    finally:
        time.sleep(0.5)
        if qemu.poll() is None:
            qemu.terminate()
            try:
                qemu.wait(10)
            except subprocess.TimeoutExpired:
                qemu.kill()
                qemu.wait()
    version = subprocess.run(["qemu-system-arm", "--version"], capture_output=True,
                             text=True).stdout.splitlines()[0]
    run = {"command": cmd, "qemu_version": version, "done": done,
           "seconds": round(time.time() - t0, 1), "console": console, "frames": frames,
           "rings": rings, "graphs": graphs, "files": files}
    with open(os.path.join(out, "run.json"), "w") as f:
        json.dump(run, f)
    print(f"hw-oracle: run {'complete' if done else 'INCOMPLETE'} in {run['seconds']} s "
          f"({len(frames)} frames, {len(graphs)} graphs)")
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
