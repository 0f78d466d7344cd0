"""Each parent→child edge of the study note's three diagrams appears, in order, in netkernel's
trace of the same calls (../shared/seed/000_e8faea6050278fbe.txt, copied to tests/data/)."""
import socket

import netkernel
from netkernel.uapi.if_ether import ETH_P_ALL

from study_note import diagrams, edges


def test_parser_reads_the_three_diagrams():
    got = [edges(d) for d in diagrams()]
    assert got[0][:3] == [("sys_socket", "__sys_socket"), ("__sys_socket", "sock_create"),
                          ("sock_create", "__sock_create")]
    assert ("__sock_create", "packet_create") in got[0]
    assert ("packet_create", "__register_prot_hook") in got[0]
    assert ("__sys_socket", "sock_map_fd") in got[0]
    assert ("packet_bind", "packet_do_bind") in got[1]
    assert ("packet_sendmsg", "dev_queue_xmit") in got[2]
    assert sum(len(e) for e in got) == 7 + 5 + 11


def note_edges_in(trace, note_edges):
    """(parent, child) for every traced node named in the note, the parent being its nearest
    ancestor named in the note (helpers the note leaves out, like packet_snd, are skipped)."""
    names = {n for e in note_edges for n in e}
    found = []

    def walk(node, anc):
        if node.function in names:
            if anc is not None:
                found.append((anc, node.function))
            anc = node.function
        for c in node.children:
            walk(c, anc)
    for r in trace.roots:
        walk(r, None)
    return found


def assert_subsequence(expected, found):
    """Every expected edge is there, siblings in the note's order."""
    pos = -1
    last_parent_pos = {}
    for e in expected:
        assert e in found, f"edge {e[0]} -> {e[1]} missing; trace has {found}"
        i = found.index(e)
        if e[0] in last_parent_pos:
            assert i > last_parent_pos[e[0]], f"{e} out of order"
        last_parent_pos[e[0]] = i
        pos = max(pos, i)


def test_trace_contains_the_study_note_diagrams():
    note = [edges(d) for d in diagrams()]
    k = netkernel.Kernel()
    k.link_add("eth0", kind="veth", peer="peer0")
    k.link_set("eth0", up=True)
    k.link_set("peer0", up=True)
    with k.trace() as t_socket:
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    with k.trace() as t_bind:
        s.bind(("eth0", 0))
    assert_subsequence(note[0], note_edges_in(t_socket, note[0]))
    assert_subsequence(note[1], note_edges_in(t_bind, note[1]))
    # The note's sendto diagram builds the MAC header with dev_hard_header: in 5.15 packet_snd does
    # that for SOCK_DGRAM only (a SOCK_RAW sender supplies the header), so sendto is traced on a
    # SOCK_DGRAM socket bound the same way.
    d = k.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
    d.bind(("eth0", 0))
    with k.trace() as t_send:
        d.sendto(b"x" * 46, ("eth0", 0x88B5, 0, 0, b"\xff" * 6))
    assert_subsequence(note[2], note_edges_in(t_send, note[2]))
    # and on SOCK_RAW everything but dev_hard_header is there
    with k.trace() as t_raw:
        s.sendto(b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5" + b"y" * 46, ("eth0", 0x88B5))
    raw_expected = [e for e in note[2] if e[1] != "dev_hard_header"]
    assert_subsequence(raw_expected, note_edges_in(t_raw, note[2]))
    assert ("packet_sendmsg", "dev_hard_header") not in note_edges_in(t_raw, note[2])


def test_boxes_rendering_draws_the_note_edges():
    """The boxes renderer's output, parsed back with the same parser, has the note's edges."""
    k = netkernel.Kernel()
    k.link_add("eth0", kind="veth", peer="peer0")
    k.link_set("eth0", up=True)
    with k.trace() as t:
        s = k.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind(("eth0", 0))
    # bind's name lookup (ioctl SIOCGIFINDEX, as CPython does it) is a call of its own
    drawn = [d for d in t.render("boxes").split("\n\n") if "ioctl" not in d.splitlines()[1]]
    note = [edges(d) for d in diagrams()]
    for i in (0, 1):
        got = edges(drawn[i].splitlines())
        for e in note[i]:
            assert e in got, (e, got)
