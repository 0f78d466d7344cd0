#!/usr/bin/env python3
"""Turn one oracle run (run.py's run.json and QEMU's trace.log) into the stored data set.

usage: record.py RUN_DIR DATA_DIR KERNEL_CONFIG_FRAGMENT NETKERNEL_SRC [VMLINUX]

Writes, in DATA_DIR (tests/data/ast2500/):
  meta.json            command line, kernel and QEMU versions, the config fragment, step list
  mmio.txt.gz          every MMIO access to both FTGMAC100s, in order, with "@ STEP" lines where
                       the guest's console printed its step markers (decoded from the UART's
                       transmit-register writes, so the markers sit exactly between accesses)
  graphs.txt.gz        the function_graph buffer of each step ("@ STEP" headers; the task column
                       and the call lines as the kernel printed them)
  rings.json           the first slots of the TX and RX rings (words) after each step
  wire.json            every frame on the wire, by step and direction (hex)
  wire.pcap            the same, as QEMU's filter-dump wrote it
  proc_net_dev.txt, proc_interrupts.txt   at the end of the run
  available_filter_functions.txt.gz, text_symbols.txt.gz   the functions ftrace can trace and
                       the kernel's text symbols (a function drawn by netkernel but absent from
                       the real graph: inlined if it has no symbol, untraceable if no ftrace site),
                       trimmed to the names netkernel defines or the graphs show
  frameless_functions.txt.gz   (from VMLINUX) the traceable functions that keep no stack frame:
                       their only push is the `push {lr}` of the __gnu_mcount_nc call. ARM's
                       function_graph cannot hook them (prepare_ftrace_return's unwind_frame
                       finds no caller: pc and sp unchanged, -URC_FAILURE), so they never show
                       in graphs.txt — same trimming
  console.txt          the guest console's marker and info lines
"""
from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys

UART_THR = 0x1E784000
MACS = {0x1E660000: "mac0", 0x1E680000: "mac1"}
MAC_WINDOW = 0x2000
ACCESS = re.compile(r"memory_region_ops_(read|write) cpu -?\d+ mr \S+ addr (0x[0-9a-f]+) "
                    r"value (0x[0-9a-f]+) size (\d) name '([^']*)'")


def mmio_lines(trace_path: str):
    """The FTGMAC100 accesses and the step markers, in trace order."""
    console = ""
    with open(trace_path, errors="replace") as f:
        for line in f:
            m = ACCESS.match(line)
            if not m:
                continue
            rw, addr, value, size, name = m.groups()
            a = int(addr, 16)
            if name == "serial" and rw == "write" and a == UART_THR:
                c = chr(int(value, 16) & 0xFF)
                if c != "\n":
                    console += c
                    continue
                text, console = console.strip("\r "), ""
                w = text.split()
                if len(w) >= 3 and w[0] == "@@NK" and w[1] in ("begin", "end"):
                    yield f"@ {w[1]} {w[2]}"
                continue
            base = a & ~(MAC_WINDOW - 1)
            if base in MACS and name == "ftgmac100":
                yield (f"{MACS[base]} {'R' if rw == 'read' else 'W'} 0x{a - base:03x} "
                       f"0x{int(value, 16):08x}")


def graph_lines(lines):
    """function_graph text without the header; the CPU/duration columns are off already."""
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        yield line.rstrip()


def netkernel_names(src: str) -> set:
    names = set()
    for root, _, files in os.walk(src):
        for fn in files:
            if fn.endswith(".py"):
                with open(os.path.join(root, fn)) as f:
                    names |= set(re.findall(r"^\s*def (\w+)", f.read(), re.M))
    return names


def graph_names(graphs: dict) -> set:
    return {m.group(1) for lines in graphs.values() for line in lines
            for m in [re.search(r"\|\s+([\w.]+)\(\)", line)] if m}


def frameless_functions(vmlinux: str) -> set:
    """The functions of VMLINUX (disassembled by the cross objdump) whose first instruction is
    the `push {lr}` of their __gnu_mcount_nc call: no frame of their own (ARM, -pg)."""
    out = subprocess.run(["arm-linux-gnueabi-objdump", "-d", "--no-show-raw-insn", vmlinux],
                         capture_output=True, text=True, check=True).stdout
    names = set()
    fn, first = None, []
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            fn, first = m.group(1), []
            continue
        if fn is not None and "\t" in line and len(first) < 2:
            first.append(line.split("\t", 1)[1].strip())
            if len(first) == 2:
                if first[0].startswith("push\t{lr}") and "<__gnu_mcount_nc>" in first[1]:
                    names.add(fn)
                fn = None
    return names


def write_names(path: str, names) -> None:
    with open(path, "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write("".join(n + "\n" for n in sorted(names)).encode())


def main() -> int:
    run_dir, data, fragment, nk_src = sys.argv[1:5]
    vmlinux = sys.argv[5] if len(sys.argv) > 5 else None
    with open(os.path.join(run_dir, "run.json")) as f:
        run = json.load(f)
    os.makedirs(data, exist_ok=True)
    # gzip with mtime 0: the same run writes the same bytes
    with open(os.path.join(data, "mmio.txt.gz"), "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz:
        for line in mmio_lines(os.path.join(run_dir, "trace.log")):
            gz.write((line + "\n").encode())
    with open(os.path.join(data, "graphs.txt.gz"), "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as gz:
        for step, lines in run["graphs"].items():
            gz.write(f"@ {step}\n".encode())
            for line in graph_lines(lines):
                gz.write((line + "\n").encode())
    with open(os.path.join(data, "rings.json"), "w") as f:
        json.dump(run["rings"], f, indent=1, sort_keys=True)
    with open(os.path.join(data, "wire.json"), "w") as f:
        json.dump(run["frames"], f, indent=1)
    shutil.copyfile(os.path.join(run_dir, "wire.pcap"), os.path.join(data, "wire.pcap"))
    wanted = netkernel_names(nk_src) | graph_names(run["graphs"])
    for name in ("available_filter_functions", "text_symbols"):
        write_names(os.path.join(data, f"{name}.txt.gz"), set(run["files"].get(name, [])) & wanted)
    if vmlinux:
        traceable = set(run["files"].get("available_filter_functions", []))
        write_names(os.path.join(data, "frameless_functions.txt.gz"),
                    frameless_functions(vmlinux) & traceable & wanted)
    for name in ("proc_net_dev", "proc_interrupts"):
        with open(os.path.join(data, f"{name}.txt"), "w") as f:
            f.write("\n".join(run["files"].get(name, [])) + "\n")
    with open(os.path.join(data, "console.txt"), "w") as f:
        f.write("\n".join(run["console"]) + "\n")
    cmd = [re.sub(r"(path|file)=[^,]*/", r"\1=$RUN/", a) for a in run["command"]]
    cmd = [re.sub(r"^/\S*/(kbuild|initramfs)", r"$CACHE/\1", a) for a in cmd]
    cmd = [re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", a) for a in cmd]
    cmd = [a.replace(run_dir, "$RUN") for a in cmd]
    with open(fragment) as f:
        config = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    meta = {"made_by": "make hw-oracle (scripts/hw-oracle/)",
            "qemu_command": cmd,
            "qemu_version": run["qemu_version"],
            "kernel": " ".join(run["files"].get("uname", [])).strip(),
            "kernel_source": "Debian linux-source-6.1, aspeed_g5_defconfig + the fragment",
            "kernel_config_fragment": config,
            "guest_program": "scripts/hw-oracle/guest/studycase.c",
            "steps": list(run["rings"]),
            "complete": run["done"]}
    with open(os.path.join(data, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(f"hw-oracle: data in {data}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
