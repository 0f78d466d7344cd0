"""socket(): types, protocols, flags, unsupported operations (spec §1)."""
import socket

from ._common import *  # noqa: F401,F403


def scenario_socket_types(b):
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW, SOCK_PACKET, socket.SOCK_STREAM, socket.SOCK_SEQPACKET,
              socket.SOCK_RDM, 6, 7):
        out[str(t)] = only_err(attempt(b.socket, AF_PACKET, t, htons(ETH_P_ALL)))
    return out


def scenario_socket_bad_type_and_family(b):
    return {
        "type_11_sock_max": only_err(attempt(b.socket, AF_PACKET, 11, htons(ETH_P_ALL))),
        "type_unknown_flag": only_err(attempt(b.socket, AF_PACKET, SOCK_RAW | 0x10000, 0)),
        "family_1000": only_err(attempt(b.socket, 1000, SOCK_RAW, 0)),
        "stream_proto0": only_err(attempt(b.socket, AF_PACKET, socket.SOCK_STREAM, 0)),
    }


def scenario_socket_protocols_getsockname(b):
    """G-PS-2: every 16-bit protocol is accepted; the unbound name reports it."""
    out = []
    for t in (SOCK_DGRAM, SOCK_RAW):
        for p in (0, 1, 255, ETH_P_IP, ETH_P_IPV6, 0xFFFF):
            s = b.socket(AF_PACKET, t, htons(p))
            out.append([t, p, dec_sll(b.sys_getsockname(s))])
    return out


def scenario_socket_protocol_high_bits_dropped(b):
    """Bits of the protocol above 16 are discarded silently."""
    s = b.socket(AF_PACKET, SOCK_RAW, 0x12340000 | htons(ETH_P_EX))
    return dec_sll(b.sys_getsockname(s))


def scenario_socket_getsockname_unbound(b):
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW):
        s = b.socket(AF_PACKET, t, htons(ETH_P_ALL))
        out[t] = dec_sll(b.sys_getsockname(s))
    sp = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_ALL))
    out["spkt"] = b.sys_getsockname(sp).hex()
    return out


def scenario_socket_pf_inet_sock_packet_remapped(b):
    """PF_INET + SOCK_PACKET is silently turned into a packet socket."""
    s = b.socket(socket.AF_INET, SOCK_PACKET, htons(ETH_P_ALL))
    return {
        "domain": getint(b, s, SOL_SOCKET, SO_DOMAIN),
        "type": getint(b, s, SOL_SOCKET, SO_TYPE),
        "name": b.sys_getsockname(s).hex(),
    }


def scenario_socket_unsupported_ops(b):
    out = {}
    for t in (SOCK_DGRAM, SOCK_RAW, SOCK_PACKET):
        s = b.socket(AF_PACKET, t, htons(ETH_P_ALL))
        out[t] = {
            "shutdown": only_err(attempt(s.shutdown, socket.SHUT_RDWR)),
            "connect": only_err(attempt(s.connect, ("lo", ETH_P_ALL))),
            "listen": only_err(attempt(s.listen, 1)),
            "getpeername": only_err(attempt(s.getpeername)),
        }
    return out


def scenario_socket_accept_unsupported(b):
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    s.setblocking(False)
    return only_err(attempt(s.accept))


def scenario_socket_receives_before_bind(b):
    """A socket with a non-zero protocol is hooked at creation; protocol 0 receives nothing."""
    names = names_of(b, "lo")
    s_all = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL))
    s_ex = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    s_0 = b.socket(AF_PACKET, SOCK_RAW, 0)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    r = send(b, tx, eth(ZERO, ZERO, ETH_P_EX, b"hello", 60), ifx(b, "lo"), ETH_P_EX)
    return {"send": r, "all": drain(b, s_all, names, show_data=False),
            "ex": drain(b, s_ex, names, show_data=False), "zero": drain(b, s_0, names)}


def scenario_socket_nonblock_flag(b):
    s = b.socket(AF_PACKET, SOCK_RAW | socket.SOCK_NONBLOCK, htons(ETH_P_EX))
    return only_err(attempt(b.sys_recvfrom, s, 100, 0))
