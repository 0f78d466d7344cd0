"""The `netkernel` command."""
from __future__ import annotations

import argparse
import os
import socket
import sys

import netkernel
from netkernel import iproute
from netkernel.trace import render
from netkernel.uapi.if_ether import ETH_P_ALL
from netkernel.uapi.if_packet import PACKET_STATISTICS, SOL_PACKET, TPACKET_STATS

PKTTYPES = {0: "PACKET_HOST", 1: "PACKET_BROADCAST", 2: "PACKET_MULTICAST",
            3: "PACKET_OTHERHOST", 4: "PACKET_OUTGOING"}


def _hexdump(data: bytes, indent: str = "    ") -> str:
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off:off + 16]
        lines.append(f"{indent}{off:04x}  {chunk.hex(' '):<47}  "
                     + "".join(chr(b) if 32 <= b < 127 else "." for b in chunk))
    return "\n".join(lines)


def study_machine():
    """The study case's machine: an AST2500 whose eth0 (FTGMAC100 MAC0) is cabled to eth0 of a
    second AST2500, the peer. Returns (kernel, peer machine, peer interface name, frame to send)."""
    from netkernel import machines
    k = machines.ast2500(seed=1, clock="virtual", macaddrs=(
        bytes.fromhex("020000002500"), bytes.fromhex("020000002502")))
    peer = machines.ast2500(seed=2, clock="virtual", macaddrs=(
        bytes.fromhex("020000002501"), bytes.fromhex("020000002503")))
    netkernel.connect(k, "eth0", peer, "eth0")
    frame = bytes.fromhex("020000002501" "020000002500" "88b5") + b"hello from netkernel".ljust(46, b".")
    return k, peer, "eth0", frame


def study_case():
    """Run socket/bind/sendto on eth0 and the peer's recvfrom, each traced.
    Returns ([(call text, trace)], observations)."""
    k, peer, peer_if, frame = study_machine()
    rx = peer.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    rx.bind((peer_if, 0))
    calls = []
    with k.trace() as t:
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    fd = s.fileno()
    calls.append((f"socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) = {fd}", t))
    ifindex = k.if_nametoindex("eth0")
    with k.trace() as t:
        s.bind(("eth0", 0))
    calls.append((f"bind({fd}, {{sll_family=AF_PACKET, sll_protocol=0, sll_ifindex={ifindex}}}, 20) = 0", t))
    with k.trace() as t, peer.trace() as t_rx:
        n = s.sendto(frame, ("eth0", 0x88B5, 0, 0, frame[:6]))
    calls.append((f"sendto({fd}, frame, {len(frame)}, 0, {{sll_ifindex={ifindex}, "
                  f"sll_protocol=0x88b5}}, 20) = {n}", t))
    calls.append(("on the peer machine: the FTGMAC100 interrupt (MAC0, VIC IRQ 2) as the frame "
                  "arrives", t_rx))
    with peer.trace() as t:
        data, addr = rx.recvfrom(2048)
    calls.append((f"recvfrom(peer's socket on {peer_if}, buf, 2048, 0) = {len(data)}", t))
    st = TPACKET_STATS.unpack(rx.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))
    obs = {"frame": frame, "data": data, "addr": addr, "stats": st,
           "links": [(name, next(li for li in view.links() if li["name"] == name)["stats"])
                     for name, view in (("eth0", k), (peer_if, peer))],
           "topology": k.links()}
    s.close()
    rx.close()
    return calls, obs


def demo(fmt: str = "boxes", out=None) -> int:
    """The study case: socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), bind to eth0, sendto."""
    out = out or sys.stdout
    calls, obs = study_case()
    p = lambda *a: print(*a, file=out)  # noqa: E731
    roots = [n for _, t in calls for n in t.roots]
    if fmt == "json":
        p(render.to_json(roots))
    elif fmt == "html":
        p(render.to_html(roots))
    elif fmt == "markdown":
        p(study_case_markdown(calls, obs))
    else:
        p("netkernel: Linux 5.15 AF_PACKET path, study case (socket, bind, sendto on eth0)\n")
        for link in obs["topology"]:
            p(f"  {link['ifindex']}: {link['name']:6} {link['kind']:8} mtu {link['mtu']:<6} "
              f"{link['address']}  {'UP' if link['up'] else 'DOWN'}")
        p("")
        for text, t in calls:
            p(text)
            p(t.render(fmt) + "\n")
        p(where_it_went(obs))
    return 0 if obs["data"] == obs["frame"] else 1


def hw_view(what: str, out=None) -> int:
    """`netkernel hw regs|rings|irqs`: what the driver wrote to MAC0 for one sendto on eth0."""
    from netkernel.hw.net.ftgmac100_regs import decode_int
    out = out or sys.stdout
    p = lambda *a: print(*a, file=out)  # noqa: E731
    k, peer, peer_if, frame = study_machine()
    s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind(("eth0", 0))
    k.hw.clear_irq_log()
    k.hw.mac0.tx_hold(True)          # hold the transmitter: see the descriptor as handed over
    s.sendto(frame, ("eth0", 0x88B5, 0, 0, frame[:6]))
    held = k.hw.mac0.tx_ring(2)
    k.hw.mac0.tx_hold(False)
    p("AST2500 MAC0 (ftgmac100 @ 0x1e660000, IRQ 2) after sendto of "
      f"{len(frame)} bytes on eth0")
    if what == "regs":
        for name, v in k.hw.mac0.regs().items():
            extra = f"  {' | '.join(decode_int(v))}" if name in ("ISR", "IER") and v else ""
            p(f"  {name:<11} 0x{v:08x}{extra}")
    elif what == "rings":
        p("  TX slot 0 as handed to the MAC (transmitter held):")
        for d in held:
            p(f"    [{d['index']}] @0x{d['addr']:08x} txdes0=0x{d['txdes0']:08x} "
              f"{'|'.join(d['flags']) or '-':<14} size={d['size']:<5} buf=0x{d['buf']:08x}")
        p("  TX ring after completion (first 2 slots):")
        for d in k.hw.mac0.tx_ring(2):
            p(f"    [{d['index']}] @0x{d['addr']:08x} txdes0=0x{d['txdes0']:08x} "
              f"{'|'.join(d['flags']) or '-':<14} size={d['size']:<5} buf=0x{d['buf']:08x}")
        p("  peer RX ring (first 2 slots):")
        for d in peer.hw.mac0.rx_ring(2):
            p(f"    [{d['index']}] @0x{d['addr']:08x} rxdes0=0x{d['rxdes0']:08x} "
              f"{'|'.join(d['flags']) or '-':<14} vdbc={d['vdbc']:<5} buf=0x{d['buf']:08x}")
    else:
        for seq, irq, dev, event in k.hw.irq_log():
            p(f"  #{seq:<3} irq {irq} {dev:<12} {event}")
        for irq, (count, name) in sorted(k.hw.interrupts().items()):
            p(f"  /proc/interrupts: {irq:>3}: {count:>6}  VIC  {name}")
    s.close()
    return 0


def where_it_went(obs) -> str:
    addr = obs["addr"]
    lines = ["where the frame went:",
             f"  received on {addr[0]}: {len(obs['data'])} bytes, sll_protocol=0x{addr[1]:04x}, "
             f"sll_pkttype={PKTTYPES.get(addr[2], addr[2])}, sll_hatype={addr[3]}, "
             f"sll_addr={addr[4].hex(':')}",
             _hexdump(obs["data"]),
             f"  PACKET_STATISTICS of the receiver: tp_packets={obs['stats'][0]} "
             f"tp_drops={obs['stats'][1]}"]
    for name, st in obs["links"]:
        lines.append(f"  {name}: tx_packets={st['tx_packets']} tx_bytes={st['tx_bytes']} "
                     f"rx_packets={st['rx_packets']} rx_bytes={st['rx_bytes']}")
    return "\n".join(lines)


def study_case_markdown(calls, obs) -> str:
    head = ["# Study case: Linux 5.15 AF_PACKET on netkernel", "",
            "Generated by `netkernel demo --format markdown` — do not edit by hand "
            "(a test regenerates it and fails when it is stale).", "",
            "`socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))`, `bind()` to eth0, `sendto()` a frame, "
            "and the peer's `recvfrom()`, each as the call graph netkernel ran, with the Linux 5.15 "
            "file that defines every function.", ""]
    body = []
    for text, t in calls:
        body.append(f"## `{text}`\n")
        body.append(render.markdown(t.roots))
    body.append("## Where the frame went\n")
    body.append("```\n" + where_it_went(obs) + "\n```")
    return "\n".join(head + body)


class UserError(Exception):
    """A mistake of the person at the keyboard: one line on standard error, a non-zero status."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one `netkernel: ...` line instead of usage + error."""

    def error(self, message):
        where = self.prog.removeprefix("netkernel").strip()
        raise UserError(f"{where + ': ' if where else ''}{message} (see `{self.prog} --help`)", 2)


def _open_out(path: str):
    try:
        return open(path, "w")
    except OSError as e:
        raise UserError(f"{path}: {e.strerror or e}") from None


def main(argv: list[str] | None = None) -> int:
    """The `netkernel` command. User mistakes print one line and return a non-zero status;
    anything else (a bug in netkernel) keeps its traceback."""
    try:
        return _main(argv)
    except UserError as e:
        print(f"netkernel: {e}", file=sys.stderr)
        return e.status
    except iproute.IpError as e:
        # a topology file's mistake: `file:line: message`, as compilers print them
        print(str(e).rstrip(), file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`netkernel demo | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


KINDS_HELP = ("device kinds (`ip link add NAME type KIND ARGS`; Python: "
              "Kernel.link_add(NAME, kind=KIND, ...)):\n"
              + "".join(f"  {kind:<6} {args or '(no arguments)'}\n"
                        for kind, (args, _, _) in iproute.KINDS.items()))


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="netkernel", description=netkernel.__doc__,
                 formatter_class=argparse.RawDescriptionHelpFormatter,
                 epilog="examples:\n"
                        "  netkernel demo --format function_graph\n"
                        "  netkernel run --topology examples/veth.topology -- python "
                        "examples/arp_ping.py veth0 veth1\n"
                        "  netkernel ip --topology examples/veth.topology link show\n"
                        "  netkernel hw rings\n\n"
                        "`netkernel COMMAND --help` tells more about each command.")
    ap.add_argument("--version", action="version",
                    version=f"netkernel {netkernel.__version__} (Linux 5.15 AF_PACKET path)")
    sub = ap.add_subparsers(dest="cmd", metavar="COMMAND")
    d = sub.add_parser("demo", help="run the study case: socket/bind/sendto on eth0, traced",
                       description="Run the study case on two cabled AST2500 machines: "
                                   "socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), bind to eth0, "
                                   "sendto a frame and the peer's recvfrom, and print the kernel "
                                   "functions each call ran (with their Linux 5.15 files).")
    d.add_argument("--format", default="boxes",
                   choices=["boxes", "function_graph", "tree", "json", "html", "markdown"],
                   help="how to draw the traces (default: boxes)")
    d.add_argument("--out", metavar="FILE", help="write to this file instead of standard output")
    r = sub.add_parser("run", help="run any program (python3, tcpdump, arping, ...) on a "
                                   "netkernel machine",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Run an unmodified program on a netkernel machine: its "
                                   "packet sockets, NETLINK_ROUTE sockets\nand interface "
                                   "ioctls are served by the machine (seccomp user notification); "
                                   "every\nother syscall runs on the host, in a private network "
                                   "and mount namespace where\n/sys/class/net and /proc/net show "
                                   "the machine. `python` means the interpreter\nnetkernel runs "
                                   "on. The machine starts with lo; --topology builds the rest.",
                       epilog="topology file: one `ip ...` command a line (iproute2 syntax, "
                              "# comments), e.g.\n"
                              "  ip link add veth0 type veth peer name veth1\n"
                              "  ip link set veth0 up\n\n" + KINDS_HELP)
    r.add_argument("--topology", metavar="FILE",
                   help="file of `ip link ...`/`ip netns add` commands building the machine")
    r.add_argument("--trace", choices=["boxes", "function_graph", "tree", "json", "html"],
                   help="print the traces of the program's syscalls (to stderr or --trace-out)")
    r.add_argument("--trace-out", metavar="FILE", help="write the trace to this file")
    r.add_argument("--capture", metavar="FILE.pcapng",
                   help="record what the devices send and receive (pcapng, for Wireshark)")
    r.add_argument("--capture-dev", metavar="DEV", action="append",
                   help="capture only this device of init_net (repeatable; default: every "
                        "device but lo, in every namespace)")
    r.add_argument("program", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    h = sub.add_parser("hw", help="the AST2500's MAC0 after the study case's sendto: registers, "
                                  "descriptor rings or the interrupt log",
                       description="Send the study case's frame on eth0 of an AST2500 and show "
                                   "what the ftgmac100 driver and MAC did: the MAC's registers "
                                   "(regs), the TX/RX descriptor rings (rings) or the interrupt "
                                   "log and /proc/interrupts (irqs).")
    h.add_argument("what", choices=["regs", "rings", "irqs"])
    ip = sub.add_parser("ip", help="iproute2's `ip link`/`ip netns add` on a netkernel machine",
                        usage="netkernel ip [--topology FILE] [-n NETNS] [-j] OBJECT COMMAND ...",
                        formatter_class=argparse.RawDescriptionHelpFormatter,
                        description="Run one iproute2 command on a fresh netkernel machine "
                                    "(after the commands of --topology FILE)\nand print what "
                                    "ip(8) prints; errors are worded as ip(8) words them.\n\n"
                                    + iproute.USAGE)
    ip.add_argument("--topology", metavar="FILE", help="file of `ip ...` commands applied first")
    ip.add_argument("words", nargs=argparse.REMAINDER, help="the ip command, e.g. link show")
    return ap


def _split_ip_args(argv: list[str]):
    """`netkernel ip [--topology F] WORDS...`: ip's own options (-n, -j) pass through."""
    topology = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--topology":
            if i + 1 >= len(argv):
                raise UserError("ip: argument --topology: expected one argument", 2)
            topology = argv[i + 1]
            i += 2
        elif a.startswith("--topology="):
            topology = a.split("=", 1)[1]
            i += 1
        elif a == "--":
            i += 1
            break
        else:
            break
    return topology, argv[i:]


def _main(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    ap = _parser()
    if argv[:1] == ["ip"] and not set(argv[1:2]) & {"-h", "--help"}:
        topology, words = _split_ip_args(argv[1:])
        return ip_command(topology, words)
    args = ap.parse_args(argv)
    if args.cmd is None:
        raise UserError("a command is required: demo, run, hw or ip (see `netkernel --help`)", 2)
    if args.cmd == "run":
        return run_command(args)
    if args.cmd == "hw":
        return hw_view(args.what)
    if args.cmd == "demo":
        if args.out:
            with _open_out(args.out) as f:
                return demo(args.format, f)
        return demo(args.format)
    return 2


def _machine(topology: str | None):
    k = netkernel.Kernel()
    if topology:
        iproute.load_topology(k, topology)
    return k


def ip_command(topology: str | None, words: list[str]) -> int:
    """`netkernel ip`: one ip(8) command on a machine built from the topology file."""
    k = _machine(topology)
    try:
        sys.stdout.write(iproute.run(k, words or ["link", "show"]))
    except iproute.IpHelp as h:
        sys.stdout.write(str(h))
    except iproute.IpError as e:
        raise UserError(str(e).strip(), e.status) from None
    return 0


def run_command(args) -> int:
    """`netkernel run`: the program on a machine built from the topology file."""
    from netkernel.run import RunError, run_program
    prog = args.program[1:] if args.program[:1] == ["--"] else args.program
    if not prog:
        raise UserError("run: no program given (netkernel run [options] -- COMMAND [ARGS...])", 2)
    if prog[0] in ("python", "python3", sys.executable) and len(prog) > 1 and \
            not prog[1].startswith("-") and not os.path.isfile(prog[1]):
        err = "Is a directory" if os.path.isdir(prog[1]) else "No such file or directory"
        raise UserError(f"run: can't open file '{prog[1]}': {err}", 2)
    k = _machine(args.topology)
    cap = None
    if args.capture:
        from netkernel.capture import capture_devices
        try:
            cap = capture_devices(k, args.capture, args.capture_dev)
        except OSError as e:
            what = next((d for d in args.capture_dev or () if d not in
                         {li["name"] for li in k.links()}), None)
            if what is not None:
                raise UserError(f'run: --capture-dev: Cannot find device "{what}"') from None
            raise UserError(f"run: {args.capture}: {e.strerror or e}") from None
    rc = 1
    try:
        if args.trace_out:
            with _open_out(args.trace_out) as f:
                rc = run_program(k, prog, args.trace, f)
        else:
            rc = run_program(k, prog, args.trace)
    except RunError as e:
        raise UserError(f"run: {e}", e.status) from None
    finally:
        failed = _close_capture(cap)
    if failed:
        raise UserError(f"run: {args.capture}: {failed}", rc or 1)
    return rc


def _close_capture(cap) -> str | None:
    """Close the run's capture; a write that failed during the run is reported here, once (the
    program itself never saw it: a capture never disturbs delivery)."""
    if cap is None:
        return None
    try:
        cap.close()
    except OSError as e:
        return f"{e.strerror or e} (the capture file is incomplete)"
    return None


if __name__ == "__main__":
    sys.exit(main())
