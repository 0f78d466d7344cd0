"""copy_from_user honours page protection: buffers that lie in, or run into, a PROT_NONE page.

v5.15: move_addr_to_kernel (bind, sendto's address, sendmsg's msg_name) copies the address
first — a fault is EFAULT before the socket is looked at. The data of a send is copied by
packet_snd / packet_sendmsg_spkt (skb_copy_datagram_from_iter, memcpy_from_msg) after the
device, address and early size checks, so those errors win over EFAULT; the frame is not sent.
Options copy what they read after their length checks: an int option reads only its first 4
bytes (a longer optval whose tail is unreadable works), PACKET_ADD_MEMBERSHIP reads
min(optlen, 40), the rings their tpacket_req. sk_attach_filter copies the sock_fprog, then the
instructions it points to.

The buffers are memoryviews of an anonymous mapping whose second page is PROT_NONE: the real
kernel gets their address (ctypes), netkernel gets the memoryview, which the model reads where
it lies (process_vm_readv).
"""
import ctypes
import mmap
import struct

from ._common import *  # noqa: F401,F403
from .bpf import I, RET_K, SO_ATTACH_FILTER, fprog_raw
from .membership import MR_PROMISC, mreq

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
_keep = []      # the mappings stay for the process (ctypes exports pin them)
PACKET_ADD_MEMBERSHIP, PACKET_AUXDATA, PACKET_VERSION, PACKET_RX_RING = 1, 8, 10, 5
PACKET_FANOUT, PACKET_VNET_HDR = 18, 15


def guarded(data: bytes, readable: int) -> memoryview:
    """`data` laid out so that its first `readable` bytes end a readable page and the rest
    starts a PROT_NONE page."""
    page = mmap.PAGESIZE
    m = mmap.mmap(-1, 3 * page)
    off = page - readable
    m[off:off + len(data)] = data
    base = ctypes.addressof(ctypes.c_char.from_buffer(m))
    if _libc.mprotect(base + page, page, 0) != 0:
        raise OSError(ctypes.get_errno(), "mprotect")
    _keep.append(m)
    return memoryview(m)[off:off + len(data)]


def address_of(mv: memoryview) -> int:
    return ctypes.addressof(ctypes.c_char.from_buffer(mv))


def _pair(b):
    names = setup_veth(b)
    tx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth0")
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    return names, tx, rx


def _got(b, rx, names):
    return [f["ret"] for f in drain(b, rx, names, show_data=False)]


def scenario_uaccess_sendto_data_prot_none(b):
    """Frames of 60 bytes readable for 0, 1, 14, 59 and 60 bytes: only the last is sent."""
    names, tx, rx = _pair(b)
    f = eth(MAC_B, MAC_A, ETH_P_EX, size=60)
    out = {n: only_err(attempt(b.sys_sendto, tx, guarded(f, n), 0, None)) for n in (0, 1, 14, 59, 60)}
    out["rx"] = _got(b, rx, names)
    return out


def scenario_uaccess_send_checks_before_copy(b):
    """An unreadable frame still gets the errors checked before the copy: ENXIO (no device),
    EINVAL (short address), ENETDOWN, EMSGSIZE (early size check); past them, EFAULT — also
    for a frame between the early and the late size check, and for SOCK_DGRAM."""
    names, tx, rx = _pair(b)
    unbound = b.socket(AF_PACKET, SOCK_RAW, 0)
    dgram = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    bad = guarded(eth(MAC_B, MAC_A, ETH_P_EX, size=1600), 0)
    v0 = ifx(b, "veth0")
    out = {"unbound": only_err(attempt(b.sys_sendto, unbound, bad[:60], 0, None)),
           "short_addr": only_err(attempt(b.sys_sendto, unbound, bad[:60], 0, sll(v0)[:12])),
           "early_size": only_err(attempt(b.sys_sendto, tx, bad[:1600], 0, None)),
           "late_size": only_err(attempt(b.sys_sendto, tx, bad[:1515], 0, None)),
           "tiny": only_err(attempt(b.sys_sendto, tx, bad[:3], 0, None)),
           "dgram": only_err(attempt(b.sys_sendto, dgram, bad[:46], 0,
                                     sll(v0, ETH_P_EX, halen=6, addr=MAC_B)))}
    b.link_set("veth0", up=False)
    out["down"] = only_err(attempt(b.sys_sendto, tx, bad[:60], 0, None))
    return out


def scenario_uaccess_send_vnet_header_prot_none(b):
    """With PACKET_VNET_HDR the 10-byte header is copied first: unreadable → EFAULT; readable
    header but unreadable frame → EFAULT too."""
    names, tx, rx = _pair(b)
    setint(b, tx, SOL_PACKET, PACKET_VNET_HDR, 1)
    f = bytes(10) + eth(MAC_B, MAC_A, ETH_P_EX, size=60)
    out = {n: only_err(attempt(b.sys_sendto, tx, guarded(f, n), 0, None)) for n in (0, 9, 10, 20, 70)}
    out["rx"] = _got(b, rx, names)
    return out


def scenario_uaccess_sendto_address_prot_none(b):
    """The destination address is copied before anything else: EFAULT even for an unbound
    socket or a frame that would be refused; a readable address still sends."""
    names, tx, rx = _pair(b)
    unbound = b.socket(AF_PACKET, SOCK_RAW, 0)
    spk = b.socket(AF_PACKET, SOCK_PACKET, 0)
    a = sll(ifx(b, "veth0"), ETH_P_EX)
    f = eth(MAC_B, MAC_A, ETH_P_EX, size=60)
    out = {n: only_err(attempt(b.sys_sendto, unbound, f, 0, guarded(a, n))) for n in (0, 12, 19, 20)}
    out["tiny_frame"] = only_err(attempt(b.sys_sendto, unbound, f[:3], 0, guarded(a, 0)))
    out["spkt"] = only_err(attempt(b.sys_sendto, spk, f, 0, guarded(spkt("veth0"), 8)))
    out["rx"] = _got(b, rx, names)
    return out


def scenario_uaccess_bind_prot_none(b):
    """bind's address: EFAULT when any of its addrlen bytes is unreadable (SOCK_RAW and
    SOCK_PACKET), before the length and family checks."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    spk = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_EX))
    a = sll(ifx(b, "veth1"), ETH_P_EX)
    out = {n: only_err(attempt(b.sys_bind, s, guarded(a, n))) for n in (0, 4, 19, 20)}
    out["short_len"] = only_err(attempt(b.sys_bind, s, guarded(a[:10], 0)))
    out["spkt"] = only_err(attempt(b.sys_bind, spk, guarded(spkt("veth1"), 15)))
    out["spkt_ok"] = only_err(attempt(b.sys_bind, spk, guarded(spkt("veth1"), 16)))
    out["name"] = dec_sll(b.sys_getsockname(s), names_of(b, "veth1"))
    return out


def scenario_uaccess_setsockopt_int_options(b):
    """Int options copy their first 4 bytes after the length check: unreadable → EFAULT; a
    longer optval with a readable first int works; a too-short one is EINVAL first."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    one = struct.pack("<i", 1)
    out = {}
    for name, (level, opt) in {"rcvbuf": (SOL_SOCKET, SO_RCVBUF), "auxdata": (SOL_PACKET, PACKET_AUXDATA),
                               "version": (SOL_PACKET, PACKET_VERSION)}.items():
        out[name] = {
            "none": only_err(attempt(b.sys_setsockopt, s, level, opt, guarded(one, 0))),
            "3of4": only_err(attempt(b.sys_setsockopt, s, level, opt, guarded(one, 3))),
            "short": only_err(attempt(b.sys_setsockopt, s, level, opt, guarded(one[:2], 0))),
            "4of8": only_err(attempt(b.sys_setsockopt, s, level, opt, guarded(one + one, 4))),
        }
    out["rcvbuf_value"] = getint(b, s, SOL_SOCKET, SO_RCVBUF)
    return out


def scenario_uaccess_setsockopt_struct_options(b):
    """Struct options copy what they read: a packet_mreq (min(optlen, 40) bytes), PACKET_FANOUT's
    int or fanout_args."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    m = mreq(ifx(b, "veth0"), MR_PROMISC)
    out = {
        "mreq_8of16": only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, guarded(m, 8))),
        "mreq_16of20": only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_ADD_MEMBERSHIP,
                                        guarded(m + bytes(4), 16))),
        "mreq_15_short": only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_ADD_MEMBERSHIP,
                                          guarded(m[:15], 0))),
        "fanout_0of4": only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_FANOUT,
                                        guarded(struct.pack("<i", 7), 0))),
        "fanout_4of8": only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_FANOUT,
                                        guarded(struct.pack("<HHI", 7, 0, 0), 4))),
    }
    out["promiscuity"] = b.link_info("veth0")["promiscuity"]
    return out


@kernel_differs("a tpacket_req that faults is EINVAL, not EFAULT, since the copy was folded into "
                "the length switch", "86d43e2bf93c af_packet: avoid a false positive warning in "
                "packet_setsockopt()", {"0of16": "EFAULT", "12of16": "EFAULT", "16of16": "ok",
                                        "short": "EINVAL"},
                since="6.10", backported={"6.1": "6.1.y stable, May 2024", "5.15": "5.15.y stable",
                                          "6.6": "6.6.32"})
def scenario_uaccess_ring_request_prot_none(b):
    """PACKET_RX_RING copies its tpacket_req after the length check: in 5.15 a fault is EFAULT."""
    out = {}
    req = struct.pack("<IIII", 4096, 1, 2048, 2)
    for key, mv in (("0of16", guarded(req, 0)), ("12of16", guarded(req, 12)),
                    ("16of16", guarded(req, 16)), ("short", guarded(req[:12], 0))):
        s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
        out[key] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_RX_RING, mv))
        s.close()
    return out


def scenario_uaccess_attach_filter_prot_none(b):
    """SO_ATTACH_FILTER: the sock_fprog itself unreadable, its instructions unreadable, or
    the second of two instructions unreadable → EFAULT; all readable → attached."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    ins = b"".join(struct.pack("<HBBI", *i) for i in [I(RET_K, 0xFFFF), I(RET_K, 0xFFFF)])
    out = {}
    out["fprog_unreadable"] = only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER,
                                               guarded(fprog_raw(1, address_of(guarded(ins, 8))), 0)))
    for n in (0, 4, 8, 15, 16):
        g = guarded(ins, n)
        out[f"insns_{n}"] = only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER,
                                             fprog_raw(2, address_of(g))))
    out["one_of_two_readable_len1"] = only_err(attempt(
        b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, fprog_raw(1, address_of(guarded(ins, 8)))))
    return out


def scenario_uaccess_sendmsg_iov_prot_none(b):
    """An iovec whose second buffer is unreadable (wholly or from its 5th byte): EFAULT, nothing
    sent; zero-length iovecs at an unreadable address are never touched."""
    names, tx, rx = _pair(b)
    hdr = eth(MAC_B, MAC_A, ETH_P_EX)
    body = bytes(range(46))
    out = {"second_none": only_err(attempt(b.sys_sendmsg_iov, tx, [hdr, guarded(body, 0)], 0, None)),
           "second_4": only_err(attempt(b.sys_sendmsg_iov, tx, [hdr, guarded(body, 4)], 0, None)),
           "first_13": only_err(attempt(b.sys_sendmsg_iov, tx, [guarded(hdr, 13), body], 0, None)),
           "all_readable": only_err(attempt(b.sys_sendmsg_iov, tx, [guarded(hdr, 14), body], 0, None))}
    out["rx"] = _got(b, rx, names)
    return out


def scenario_uaccess_python_socket_methods(b):
    """The Python socket methods hand the kernel the buffer's address: send, sendto, sendmsg
    and setsockopt with an unreadable memoryview raise EFAULT."""
    names, tx, rx = _pair(b)
    f = eth(MAC_B, MAC_A, ETH_P_EX, size=60)
    out = {"send": only_err(attempt(tx.send, guarded(f, 20))),
           "sendto": only_err(attempt(tx.sendto, guarded(f, 0), ("veth0", ETH_P_EX))),
           "sendmsg": only_err(attempt(tx.sendmsg, [f[:14], guarded(f[14:], 10)])),
           "setsockopt": only_err(attempt(tx.setsockopt, SOL_SOCKET, SO_RCVBUF,
                                          guarded(struct.pack("<i", 5000), 2))),
           "send_ok": only_err(attempt(tx.send, guarded(f, 60)))}
    out["rx"] = _got(b, rx, names)
    return out


def scenario_uaccess_recv_into_prot_none(b):
    """recv_into / recvfrom_into / recvmsg_into a buffer in (or running into) a PROT_NONE page:
    EFAULT, and the frame is gone (packet_recvmsg frees it on a copy fault) — unless peeked."""
    names, tx, rx = _pair(b)
    for i in range(5):
        b.sys_sendto(tx, eth(MAC_B, MAC_A, ETH_P_EX, bytes([i]), size=60), 0, None)
    out = {"peek": only_err(attempt(rx.recv_into, guarded(bytes(64), 0), 0, MSG_PEEK | MSG_DONTWAIT)),
           "recv_into": only_err(attempt(rx.recv_into, guarded(bytes(64), 0), 0, MSG_DONTWAIT)),
           "recvfrom_into_partial": only_err(attempt(rx.recvfrom_into, guarded(bytes(64), 20), 0,
                                                     MSG_DONTWAIT)),
           "recvmsg_into_second": only_err(attempt(rx.recvmsg_into, [bytearray(14), guarded(bytes(50), 0)],
                                                   0, MSG_DONTWAIT))}
    out["fits"] = rx.recv_into(guarded(bytes(64), 64), 0, MSG_DONTWAIT)
    out["left"] = [f["ret"] for f in drain(b, rx, names, show_data=False)]
    return out
