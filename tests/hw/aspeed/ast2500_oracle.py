"""The stored oracle (tests/data/ast2500/, made by `make hw-oracle`) and the rules that compare it
with netkernel's run of the same study case (ast2500_study.py).

Register level: each side's MMIO accesses, step by step, become a list of items after the same
named rules (RULES): MDIO transactions decoded, phylib's 1 s poll and DMA addresses taken out,
the probe's PHY bus scan set aside, and the one thing the real kernel does that netkernel does not
yet (IPv4 joining the all-hosts group) undone on the real side. What is left must be equal.
Call-graph level: the real function_graph of each step, as trees, with the filter that keeps the
graphs the guest asked for (set_graph_function).
"""
from __future__ import annotations

import gzip
import json
import os
import re
import zlib

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "data", "ast2500")

REG = {0x00: "ISR", 0x04: "IER", 0x08: "MAC_MADR", 0x0C: "MAC_LADR", 0x10: "MAHT0",
       0x14: "MAHT1", 0x18: "NPTXPD", 0x1C: "RXPD", 0x20: "NPTXR_BADR", 0x24: "RXR_BADR",
       0x30: "ITC", 0x34: "APTC", 0x38: "DBLAC", 0x40: "REVR", 0x44: "FEAR", 0x48: "TPAFCR",
       0x4C: "RBSR", 0x50: "MACCR", 0x54: "MACSR", 0x60: "PHYCR", 0x64: "PHYDATA", 0x68: "FCR"}
PHYCR, PHYDATA, MAHT0, MAHT1, MACCR = 0x60, 0x64, 0x10, 0x14, 0x50
MIIRD, MIIWR = 1 << 26, 1 << 27
HT_MULTI_EN = 1 << 15
MII = {0: "BMCR", 1: "BMSR", 2: "PHYID1", 3: "PHYID2", 4: "ADVERTISE", 5: "LPA", 9: "CTRL1000",
       10: "STAT1000", 15: "ESTATUS", 18: "INER", 19: "INSR"}
BMSR_LSTATUS = 0x0004
IPV4_ALL_HOSTS = bytes.fromhex("01005e000001")      # 224.0.0.1, joined by ip_mc_up

# Every rule that makes the two sides comparable: (name, which side, why).
RULES = (
    ("mdio", "both", "an MDIO transaction (PHYCR/PHYDATA accesses of ftgmac100_mdiobus_read/"
     "write) is one item: 'mdio read BMSR = 0x796d'; an access pattern that is not Linux's "
     "accessor stays as raw accesses, so it still shows"),
    ("phy-poll", "both", "phylib reruns its state machine every second (PHY_POLL): a read of "
     "BMCR then of BMSR with the link up, not followed by the partner's abilities (a link "
     "coming up reads LPA next), is the timer, not the step; "
     "netkernel has no 1 s timer (DIVERGENCE(#4)) and the real one fires wherever it falls"),
    ("dma-address", "both", "NPTXR_BADR/RXR_BADR carry each kernel's own DMA addresses: "
     "compared as 'the TX ring'/'the RX ring' (the rings are compared through the descriptors, "
     "rings.json)"),
    ("probe-phy-scan", "both", "at probe 6.1 scans all 32 MDIO addresses and runs the RTL8211E "
     "driver's probe (QEMU answers at every address); netkernel attaches the PHY at address 0 "
     "and only reads its abilities: the probe's MDIO transactions are set aside"),
    ("ipv4-all-hosts", "real", "the real kernel's IPv4 joins 224.0.0.1 (01:00:5e:00:00:01) on "
     "every device that comes up (ip_mc_up) and leaves it when it goes down; netkernel has no "
     "IGMP yet: the all-hosts bit is taken out of MAHT0 (and HT_MULTI_EN out of MACCR when "
     "nothing else is hashed), and the set_rx_mode that only added or removed it is dropped"),
)


# ---------------------------------------------------------------- loading

def _gz_lines(name: str) -> list[str]:
    with gzip.open(os.path.join(DATA, name), "rt") as f:
        return f.read().splitlines()


def load_meta() -> dict:
    with open(os.path.join(DATA, "meta.json")) as f:
        return json.load(f)


def load_json(name: str):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def load_mmio_lines() -> list[str]:
    return _gz_lines("mmio.txt.gz")


def by_step(lines) -> dict:
    """mmio lines → {step: [(mac, rw, off, value)]}; "boot" is everything before the study,
    "after STEP" what happened between a step's end and the next step's begin."""
    steps: dict = {}
    cur = "boot"
    for line in lines:
        w = line.split()
        if w[0] == "@":
            if w[1] == "begin" and w[2] != "study":
                cur = w[2]
            elif w[1] == "end" and w[2] != "study":
                cur = f"after {w[2]}"
            continue
        steps.setdefault(cur, []).append((w[0], w[1], int(w[2], 16), int(w[3], 16)))
    return steps


def symbols(name: str) -> set:
    return set(_gz_lines(name))


# ---------------------------------------------------------------- the rules

def decode_mdio(accesses: list) -> list:
    """Rule "mdio": Linux's accessor shapes become one item each; anything else stays raw.
    Items are tuples: ("mdio", op, reg, value) or ("reg", rw, off, value)."""
    out = []
    i = 0
    n = len(accesses)
    while i < n:
        rw, off, val = accesses[i][1:]
        shape = [(a[1], a[2]) for a in accesses[i:i + 4]]
        if (shape == [("R", PHYCR), ("W", PHYCR), ("R", PHYCR), ("R", PHYDATA)]
                and accesses[i + 1][3] & MIIRD and not accesses[i + 2][3] & MIIRD):
            reg = (accesses[i + 1][3] >> 21) & 0x1F
            out.append(("mdio", "read", reg, accesses[i + 3][3] >> 16))
            i += 4
            continue
        if (shape == [("R", PHYCR), ("W", PHYDATA), ("W", PHYCR), ("R", PHYCR)]
                and accesses[i + 2][3] & MIIWR and not accesses[i + 3][3] & MIIWR):
            reg = (accesses[i + 2][3] >> 21) & 0x1F
            out.append(("mdio", "write", reg, accesses[i + 1][3] & 0xFFFF))
            i += 4
            continue
        out.append(("reg", rw, off, val))
        i += 1
    return out


def drop_phy_poll(items: list) -> list:
    """Rule "phy-poll"."""
    out = []
    i = 0
    while i < len(items):
        a = items[i]
        b = items[i + 1] if i + 1 < len(items) else None
        after = items[i + 2] if i + 2 < len(items) else None
        if (a[:3] == ("mdio", "read", 0) and b is not None and b[:3] == ("mdio", "read", 1)
                and b[3] & BMSR_LSTATUS
                and (after is None or after[:3] not in (("mdio", "read", 5),
                                                        ("mdio", "read", 10)))):
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def hash_bit(addr: bytes) -> tuple[int, int]:
    """(register offset, bit) of a multicast address in the MAHT table (ftgmac100_calc_mc_hash,
    written here from the datasheet's rule: inverted CRC bits 2..7)."""
    idx = ~((zlib.crc32(addr) ^ 0xFFFFFFFF) >> 2) & 0x3F
    return (MAHT1, idx - 32) if idx >= 32 else (MAHT0, idx)


class AllHostsUndo:
    """Rule "ipv4-all-hosts" (real side), over the whole run in order (the registers keep their
    values across steps)."""

    def __init__(self):
        self.reg, self.bit = hash_bit(IPV4_ALL_HOSTS)
        self.maht = {MAHT0: 0, MAHT1: 0}
        self.clear_ht = False       # the last MACCR written had HT_MULTI_EN only for all-hosts
        self.last_group = None

    def __call__(self, items: list) -> list:
        out = []
        for it in items:
            if it[0] == "reg" and it[2] in (MAHT0, MAHT1):
                v = it[3] & ~(1 << self.bit) if it[2] == self.reg else it[3]
                self.maht[it[2]] = v
                it = ("reg", it[1], it[2], v)
            elif it[0] == "reg" and it[2] == MACCR:
                v = it[3]
                if it[1] == "W":
                    self.clear_ht = bool(v & HT_MULTI_EN) and not (self.maht[MAHT0]
                                                                   or self.maht[MAHT1])
                if self.clear_ht:
                    v &= ~HT_MULTI_EN
                it = ("reg", it[1], it[2], v)
            out.append(it)
        # a set_rx_mode group (W MAHT0, W MAHT1, R MACCR, W MACCR) equal to the one before it
        # (nothing else in between) only added or removed the all-hosts bit
        res: list = []
        i = 0
        while i < len(out):
            grp = out[i:i + 4]
            if [g[:3] for g in grp] == [("reg", "W", MAHT0), ("reg", "W", MAHT1),
                                        ("reg", "R", MACCR), ("reg", "W", MACCR)]:
                if grp != self.last_group:
                    res.extend(grp)
                self.last_group = grp
                i += 4
                continue
            if out[i][0] == "reg" or out[i][1] == "write":
                self.last_group = None
            res.append(out[i])
            i += 1
        return res


def normalize(lines: list, side: str, mac: str = "mac0", skip: str = "") -> dict:
    """One side's whole run (mmio lines) as {step: comparable items} (side "real" or
    "netkernel"), the rules applied in order (`skip`: one rule left out, to show it matters)."""
    undo = AllHostsUndo() if side == "real" and skip != "ipv4-all-hosts" else None
    out = {}
    for step, accesses in by_step(lines).items():
        acc = [a for a in accesses if a[0] == mac]
        items = decode_mdio(acc) if skip != "mdio" else [("reg",) + a[1:] for a in acc]
        if step == "boot" and skip != "probe-phy-scan":
            items = [it for it in items if it[0] != "mdio"]
        if skip != "phy-poll":
            items = drop_phy_poll(items)
        if skip != "dma-address":
            items = [("reg", it[1], it[2], "the RX ring" if it[2] == 0x24 else "the TX ring")
                     if it[0] == "reg" and it[2] in (0x20, 0x24) else it for it in items]
        if undo is not None:
            items = undo(items)
        out[step] = items
    return out


def show(it) -> str:
    if it[0] == "mdio":
        arrow = "=" if it[1] == "read" else "<-"
        return f"mdio {it[1]:5} {MII.get(it[2], it[2])} {arrow} 0x{it[3]:04x}"
    v = it[3] if isinstance(it[3], str) else f"0x{it[3]:08x}"
    return f"{it[1]} {REG.get(it[2], hex(it[2]))} {v}"


def ring_view(rings: dict) -> dict:
    """rings.json-shaped words with each buffer address (des3) as "buf" (rule dma-address)."""
    out = {}
    for which in ("tx", "rx"):
        w = list(rings[which]["words"])
        for i in range(3, len(w), 4):
            w[i] = "buf" if w[i] else 0
        out[which] = w
    return out


# ---------------------------------------------------------------- function_graph

class GNode:
    __slots__ = ("name", "children", "irq")

    def __init__(self, name: str, irq: bool = False):
        self.name = name
        self.children: list = []
        self.irq = irq

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


_CALL = re.compile(r"\|\s*([\w.]+)\(\)\s*(\{|;)")


def clean_name(name: str) -> str:
    """A compiler clone (foo.constprop.0, foo.part.0, foo.isra.0) is foo."""
    return name.split(".", 1)[0]


def parse_graph(lines: list) -> list:
    """function_graph text → roots. An interrupt that arrived meanwhile (between ==========> and
    <==========) becomes a child marked irq of the function it interrupted."""
    roots: list = []
    stack: list = []
    irq_depth: list = []
    for line in lines:
        body = line.split("|", 1)[1] if "|" in line else line
        if "==========>" in body:
            irq_depth.append(len(stack))
            continue
        if "<==========" in body:
            if irq_depth:
                del stack[irq_depth.pop():]
            continue
        m = _CALL.search(line)
        if m:
            node = GNode(clean_name(m.group(1)), irq=bool(irq_depth) and len(stack) == irq_depth[-1])
            (stack[-1].children if stack else roots).append(node)
            if m.group(2) == "{":
                stack.append(node)
            continue
        if body.strip().startswith("}") and stack:
            stack.pop()
    return roots


def load_graphs() -> dict:
    """{step: [root GNode]} of the stored function_graph, each step's roots restricted to the
    graph functions the guest set (a root outside them is tracefs bookkeeping: the close of the
    tracing_on file)."""
    graphs: dict = {}
    cur = None
    for line in _gz_lines("graphs.txt.gz"):
        if line.startswith("@ "):
            cur = line[2:]
            graphs[cur] = []
            continue
        graphs[cur].append(line)
    wanted = set(GRAPH_FUNCTIONS)
    return {s: [r for r in parse_graph(ls) if r.name in wanted] for s, ls in graphs.items()}


GRAPH_FUNCTIONS = ("__sys_socket", "__sys_bind", "__sys_sendto", "__sys_recvfrom",
                   "__sys_setsockopt", "sys_ioctl", "ftgmac100_interrupt", "net_rx_action",
                   "ftgmac100_reset_task", "phy_state_machine")


# ---------------------------------------------------------------- call graphs, node by node

# The study case's calls and the receive path (the scope), per step: the roots compared.
GRAPH_STEPS = ("raw-socket", "raw-bind", "mc-add", "raw-sendto", "dgram-socket", "dgram-bind",
               "dgram-sendto", "recv", "recv-mc", "sendto-after-up", "recv-after-up")
NK_ROOTS = {"sys_socket", "sys_bind", "sys_sendto", "sys_recvfrom", "sys_setsockopt",
            "handle_domain_irq"}
# the real roots of the same calls (the guest's console ioctls and the PHY's poll are not)
REAL_ROOTS = {"__sys_socket", "__sys_bind", "__sys_sendto", "__sys_recvfrom", "__sys_setsockopt",
              "ftgmac100_interrupt", "net_rx_action"}

# Why a function netkernel draws is not where it is in the real graph, by name. The other
# reasons are found from the kernel's symbols: no symbol at all → inlined (or a macro) in the 6.1
# build; a symbol ftrace cannot hook → notrace/noinstr.
KNOWN = {
    "sys_socket": "ARM: sys_socket is an alias that tail-calls __sys_socket; the real graph "
                  "starts at __sys_socket",
    "sys_bind": "ARM: tail call to __sys_bind (as sys_socket)",
    "sys_sendto": "ARM: tail call to __sys_sendto (as sys_socket)",
    "sys_recvfrom": "ARM: tail call to __sys_recvfrom (as sys_socket)",
    "sys_setsockopt": "ARM: tail call to __sys_setsockopt (as sys_socket)",
    "handle_domain_irq": "5.15 → 6.1: removed in 5.16; 6.1 enters through avic_handle_irq → "
                         "generic_handle_domain_irq → handle_level_irq → handle_irq_event",
    "__handle_domain_irq": "5.15 → 6.1: removed in 5.16 (as handle_domain_irq)",
    "generic_handle_irq": "5.15 → 6.1: the VIC's handler calls generic_handle_domain_irq",
    "irq_exit": "6.1 on ARM: the entry code calls irq_exit after the handler (a sibling of the "
                "interrupted function, not under handle_domain_irq)",
    "irq_enter": "6.1 on ARM: called by the entry code before the handler (as irq_exit)",
    "do_softirq": "6.1: the softirq runs from __local_bh_enable_ip → do_softirq → "
                  "handle_softirqs (Debian's 6.1.y name for __do_softirq), or from irq_exit",
    "sock_sendmsg": "inlined at this call site in the 6.1 build (__sys_sendto calls "
                    "packet_sendmsg; the symbol is the out-of-line copy for other callers)",
    "sock_sendmsg_nosec": "inlined (as sock_sendmsg)",
    "sock_recvmsg": "inlined at this call site (as sock_sendmsg)",
    "sock_recvmsg_nosec": "inlined (as sock_recvmsg)",
    "packet_snd": "inlined into packet_sendmsg in the 6.1 build",
    "packet_alloc_skb": "inlined into packet_snd in the 6.1 build",
    "sock_create": "inlined at this call site: the graph shows __sys_socket → __sock_create",
    "sock_map_fd": "inlined into __sys_socket in the 6.1 build (alloc_fd/sock_alloc_file/"
                   "fd_install show instead)",
    "register_prot_hook": "inlined into packet_do_bind",
    "packet_bind": "tail call: packet_bind ends in a jump to packet_do_bind, which the graph "
                   "shows under __sys_bind",
    "dev_mc_add": "tail call to __dev_mc_add (the graph shows __dev_mc_add under "
                  "packet_setsockopt)",
    "dev_mc_del": "tail call to __dev_mc_del (as dev_mc_add)",
    "packet_dev_mc": "inlined at this call site (the graph shows packet_setsockopt → "
                     "__dev_mc_add)",
    "ftgmac100_start_hw": "inlined into ftgmac100_set_rx_mode at this call site (its MACCR "
                          "accesses are there in mmio.txt)",
    "ftgmac100_calc_mc_hash": "inlined into ftgmac100_set_rx_mode",
    "net_rx_action": "6.1 from idle: irq_exit → __irq_exit_rcu → handle_softirqs runs it; the "
                     "graph (set_graph_function net_rx_action) starts at net_rx_action",
    "dev_queue_xmit": "5.15 → 6.1: an inline wrapper of __dev_queue_xmit in 6.1's "
                      "include/linux/netdevice.h (a function of net/core/dev.c in 5.15)",
    "__dev_xmit_skb": "inlined into __dev_queue_xmit in the 6.1 build (sch_direct_xmit shows "
                      "under __dev_queue_xmit)",
    "pfifo_fast_enqueue": "called only when the queue holds frames or runs (otherwise the "
                          "TCQ_F_CAN_BYPASS path): never on the study case's path",
    "xmit_one": "inlined into dev_hard_start_xmit",
    "skb_loop_sk": "inlined into dev_queue_xmit_nit",
    "dma_map_single": "an inline wrapper of dma_map_page_attrs",
    "dma_unmap_single": "an inline wrapper of dma_unmap_page_attrs",
    "dma_mapping_error": "inline (include/linux/dma-mapping.h)",
    "ftgmac100_tx_complete": "inlined into ftgmac100_poll in the 6.1 build",
    "ftgmac100_tx_complete_packet": "inlined into ftgmac100_poll in the 6.1 build",
    "ftgmac100_rx_packet": "inlined into ftgmac100_poll in the 6.1 build",
    "ftgmac100_check_rx": "inlined into ftgmac100_poll",
    "napi_complete": "an inline wrapper of napi_complete_done",
    "netif_receive_skb": "6.1: the frame goes up through napi_gro_receive → ... → "
                         "__netif_receive_skb_one_core (NETIF_F_RXCSUM decides the path)",
    "__netif_receive_skb": "as netif_receive_skb (6.1 takes the GRO path here)",
    "eth_type_trans": "a different parent in 6.1: called from the inlined ftgmac100_rx_packet, "
                      "so it appears under ftgmac100_poll",
    "skb_orphan": "inline (include/linux/skbuff.h)",
    "sock_error": "inline (include/net/sock.h)",
    "alloc_skb": "inline wrapper of __alloc_skb (6.1: alloc_skb_with_frags → __alloc_skb)",
    "netdev_alloc_skb_ip_align": "inline wrapper of __netdev_alloc_skb",
    "__alloc_skb": "under __netdev_alloc_skb: Linux carves a receive buffer between 1 KiB and a "
                   "page out of a page fragment (page_frag_alloc_align, __build_skb); the model "
                   "allocates it as alloc_skb does",
    "ll_reserved_space": "inline (include/linux/netdevice.h)",
    "dev_validate_header": "inline (include/linux/netdevice.h)",
    "skb_reserve": "inline (include/linux/skbuff.h)",
    "skb_set_owner_r": "inline (include/net/sock.h)",
    "sock_skb_dropcount": "inline (include/net/sock.h)",
    "run_filter": "inlined into packet_rcv",
    "eth_skb_pad": "inline (include/linux/etherdevice.h)",
    "ftgmac100_base_tx_ctlstat": "inlined", "ftgmac100_tx_buf_avail": "inlined",
    "ftgmac100_tx_buf_cleanable": "inlined",
    "iowrite32": "MMIO accessor (writel), inline on ARM", "ioread32": "MMIO accessor, inline",
    "dev_add_pack": "same parent (__register_prot_hook) when the socket hooks at creation",
    "packet_parse_headers": "same parent when traced",
}

def _drop_foreign_irqs(node: GNode) -> GNode:
    """Rule "timer-irq": an interrupt subtree that is not the FTGMAC100's (the timer tick) is cut
    out; the MAC's stays."""
    node.children = [_drop_foreign_irqs(c) for c in node.children
                     if not (c.irq and not any(n.name == "ftgmac100_interrupt" for n in c.walk()))]
    return node


def _hoist(node: GNode):
    """The FTGMAC100's interrupt and NAPI softirq inside a root that is not the study's (the
    frame arrived while the guest waited in its console handshake): as roots, the shape they
    have when they interrupt the idle loop."""
    for c in node.children:
        if c.name in ("ftgmac100_interrupt", "net_rx_action"):
            yield c
        else:
            yield from _hoist(c)


def real_step_graph(graphs: dict, step: str) -> list:
    """The step's real roots of the study's calls, and the receive path wherever it landed."""
    out = []
    for r in graphs.get(step, []):
        out.extend([r] if r.name in REAL_ROOTS else _hoist(r))
    return [_drop_foreign_irqs(r) for r in out]


def _edges(roots, parent=None):
    for r in roots:
        yield parent, r.name
        yield from _edges(r.children, r.name)


FRAMELESS = ("frameless: no stack frame of its own on ARM (its only push is the mcount call's), "
             "so function_graph cannot hook it — prepare_ftrace_return's unwind_frame stops "
             "(pc and sp unchanged) and the call is never recorded")


def compare_graphs(nk_roots: list, real_roots: list, filterable: set, text: set,
                   frameless: set = frozenset()) -> dict:
    """Node by node: for each function netkernel draws, where it is in the real graph.
    'same parent': the real graph has it under the nearest netkernel ancestor the real graph
    also shows; 'deeper': under that ancestor, with real frames netkernel does not draw between;
    'absent': not in this step's real graph (the reason from KNOWN, else the symbol tables and
    frameless_functions.txt.gz: functions ARM's function_graph never records)."""
    real_edges = set(_edges(real_roots))
    real_names = {n for _, n in real_edges}
    real_anc: dict = {}

    def anc(nodes, chain):
        for n in nodes:
            real_anc.setdefault(n.name, set()).update(chain)
            anc(n.children, chain + (n.name,))
    anc(real_roots, ())
    out = {"same parent": [], "deeper": [], "absent": [], "unexplained": []}

    def visit(node, chain):
        name = clean_name(node.function)
        vis = next((a for a in reversed(chain) if a in real_names), None)
        if (vis, name) in real_edges:
            out["same parent"].append((name, vis))
        elif name in real_names and (vis is None or vis in real_anc.get(name, ())):
            out["deeper"].append((name, vis))
        else:
            reason = KNOWN.get(name)
            if reason is None:
                if name not in text and name not in filterable:
                    reason = "no symbol in the 6.1 build: inlined (or a macro)"
                elif name not in filterable:
                    reason = "not traceable in 6.1 (notrace/noinstr)"
                elif name in frameless:
                    reason = FRAMELESS
            (out["absent"] if reason else out["unexplained"]).append((name, vis, reason))
        for c in node.children:
            visit(c, chain + (name,))
    for r in nk_roots:
        visit(r, ())
    return out


def coverage(nk_roots: list, real_roots: list) -> tuple[int, int]:
    """(covered, total) real nodes: a real node is covered when netkernel draws the same
    function in the same step."""
    nk_names = {clean_name(n.function) for r in nk_roots for n in r.walk()}
    total = covered = 0
    for r in real_roots:
        for n in r.walk():
            total += 1
            covered += n.name in nk_names
    return covered, total
