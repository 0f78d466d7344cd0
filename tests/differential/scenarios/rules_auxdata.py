"""PACKET_AUXDATA (§4.3 rule 25): tp_len, tp_snaplen, tp_mac/tp_net and the TP_STATUS bits.

v5.15 net/packet/af_packet.c: packet_rcv stores the frame's length before the socket filter's
trim (`PACKET_SKB_CB(skb)->sa.origlen = skb->len`, before pskb_trim to the snaplen) in the first
four bytes of struct packet_skb_cb, which alias sockaddr_ll's sll_family and sll_protocol.
packet_recvmsg reads origlen, then writes sll_family/sll_protocol into those same bytes on every
read of a SOCK_RAW/SOCK_DGRAM frame — with or without MSG_PEEK, with or without a msg_name — so a
frame read a second time (after a MSG_PEEK) reports AF_PACKET | sll_protocol << 16 as its tp_len.
"""
import struct

from ._common import *  # noqa: F401,F403
from .bpf import I, RET_K, attach

PACKET_AUXDATA = 8
SO_RCVBUF = 8


def aux_of(anc):
    """The decoded tpacket_auxdata of a recvmsg's ancillary list (None if absent)."""
    for level, typ, d in anc:
        if level == SOL_PACKET and typ == PACKET_AUXDATA:
            if len(d) < 20:
                return {"short": enc(d)}
            st, ln, snap, mac_, net, tci, tpid = struct.unpack("<IIIHHHH", d[:20])
            return {"status": st, "len": ln, "snaplen": snap, "mac": mac_, "net": net,
                    "tci": tci, "tpid": "%04x" % tpid}
    return None


def rmsg(s, size=2048, flags=MSG_DONTWAIT, anc=256):
    """One recvmsg through Python's socket API: ret, flags and the auxdata, or the errno."""
    try:
        data, anc_l, fl, _ = s.recvmsg(size, anc, flags)
    except OSError as e:
        return {"err": errname(e)}
    return {"len": len(data), "flags": fl, "aux": aux_of(anc_l)}


def _rx(b, type, proto=ETH_P_EX, dev="veth1"):
    s = psock(b, type, proto, bind_to=dev)
    setint(b, s, SOL_PACKET, PACKET_AUXDATA, 1)
    return s


def _tx(b):
    return b.socket(AF_PACKET, SOCK_RAW, 0)


def _send(b, tx, frame, dev="veth0"):
    return send(b, tx, frame, ifx(b, dev), 0)


def scenario_auxdata_filter_truncates_raw(b):
    """A filter returning k < length: tp_len keeps the length before the trim, tp_snaplen and
    the read are k; k at and around the Ethernet header and the frame's end."""
    setup_veth(b)
    tx = _tx(b)
    out = {}
    for k in (1, 13, 14, 15, 59, 60, 61, 0xFFFFFFFF):
        rx = _rx(b, SOCK_RAW)
        attach(b, rx, [I(RET_K, k)])
        _send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60))
        out[str(k)] = rmsg(rx)
        rx.close()
    return out


def scenario_auxdata_filter_truncates_dgram(b):
    """SOCK_DGRAM: the filter sees the frame from the network header; tp_len is that length."""
    setup_veth(b)
    tx = _tx(b)
    out = {}
    for k in (1, 45, 46, 47, 1000):
        rx = _rx(b, SOCK_DGRAM)
        attach(b, rx, [I(RET_K, k)])
        _send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60))
        out[str(k)] = rmsg(rx)
        rx.close()
    return out


def scenario_auxdata_filter_and_short_buffer(b):
    """Filter trim and a short read buffer together: tp_len = wire, tp_snaplen = filter result,
    the read = the buffer (MSG_TRUNC set), and with MSG_TRUNC the return is tp_snaplen."""
    setup_veth(b)
    tx = _tx(b)
    rx = _rx(b, SOCK_RAW)
    attach(b, rx, [I(RET_K, 40)])
    for _ in range(2):
        _send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=100))
    out = {"short": rmsg(rx, size=20)}
    out["trunc_ret"] = attempt(b.sys_recvfrom, rx, 20, MSG_DONTWAIT | MSG_TRUNC)[1][0]
    return out


def _peek_then_read(b, type, frame, proto=ETH_P_ALL):
    setup_veth(b)
    tx = _tx(b)
    rx = _rx(b, type, proto)
    _send(b, tx, frame)
    return [rmsg(rx, flags=MSG_DONTWAIT | MSG_PEEK), rmsg(rx, flags=MSG_DONTWAIT | MSG_PEEK),
            rmsg(rx), rmsg(rx)]


def scenario_auxdata_peek_then_read_raw(b):
    """The second look at a frame reports sll_family | sll_protocol << 16 as tp_len."""
    return _peek_then_read(b, SOCK_RAW, eth(MAC_B, MAC_A, ETH_P_EX, size=60))


def scenario_auxdata_peek_then_read_dgram(b):
    return _peek_then_read(b, SOCK_DGRAM, eth(MAC_B, MAC_A, ETH_P_IP, size=98))


def scenario_auxdata_peek_then_read_vlan(b):
    """An untagged 802.1Q frame: the aliased tp_len carries the inner protocol."""
    return _peek_then_read(b, SOCK_RAW, vlan_eth(MAC_B, MAC_A, ETH_P_8021Q, 0x2007, ETH_P_IPV6,
                                                  size=80))


def scenario_auxdata_peek_then_read_802_3(b):
    """A length-field frame (protocol ETH_P_802_2 = 0x0004): tp_len 0x04000011 after a peek."""
    return _peek_then_read(b, SOCK_RAW, eth(MAC_B, MAC_A, 0x0030, b"\xaa\xaa\x03", size=60))


def scenario_auxdata_peek_without_auxdata_then_read(b):
    """The aliasing does not depend on AUXDATA being on at the peek, nor on a msg_name being
    given: a recv(MSG_PEEK) without an address buffer, then a recvmsg with AUXDATA on."""
    setup_veth(b)
    tx = _tx(b)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    for _ in range(2):
        _send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=70))
    peek = rx.recv(2048, MSG_PEEK | MSG_DONTWAIT)
    setint(b, rx, SOL_PACKET, PACKET_AUXDATA, 1)
    return {"peek": len(peek), "first": rmsg(rx), "second": rmsg(rx)}


def scenario_auxdata_peek_recvfrom_then_filter_trim(b):
    """A peek through recvfrom (msg_name given), then recvmsg: the trim no longer shows."""
    setup_veth(b)
    tx = _tx(b)
    rx = _rx(b, SOCK_DGRAM, ETH_P_EX)
    attach(b, rx, [I(RET_K, 10)])
    _send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60))
    ret, data, addr = b.sys_recvfrom(rx, 4, MSG_PEEK | MSG_DONTWAIT)
    return {"peek": [ret, len(addr)], "read": rmsg(rx)}


def scenario_auxdata_offsets_outgoing(b):
    """Taps on the sending device: tp_mac 0, tp_net 14 (RAW) / 0 (DGRAM); the status bits of
    an OUTGOING copy (no CSUM_VALID on outgoing frames)."""
    setup_veth(b)
    tx = _tx(b)
    raw = _rx(b, SOCK_RAW, ETH_P_ALL, "veth0")
    dgram = _rx(b, SOCK_DGRAM, ETH_P_ALL, "veth0")
    _send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60))
    _send(b, tx, eth(MAC_B, MAC_A, ETH_P_IP, size=14))
    return {"raw": [rmsg(raw), rmsg(raw)], "dgram": [rmsg(dgram), rmsg(dgram)]}


def scenario_auxdata_vlan_status_bits(b):
    """802.1Q and 802.1ad tags, a priority tag (VID 0) and a CFI/DEI bit: VLAN_VALID and
    VLAN_TPID_VALID with the TCI and TPID; untagged frames have neither."""
    setup_veth(b)
    tx = _tx(b)
    raw = _rx(b, SOCK_RAW, ETH_P_ALL)
    frames = [eth(MAC_B, MAC_A, ETH_P_EX, size=60),
              vlan_eth(MAC_B, MAC_A, ETH_P_8021Q, 0x0005, ETH_P_EX, size=64),
              vlan_eth(MAC_B, MAC_A, ETH_P_8021AD, 0xE00A, ETH_P_EX, size=64),
              vlan_eth(MAC_B, MAC_A, ETH_P_8021Q, 0xA000, ETH_P_EX, size=64),
              vlan_eth(MAC_B, MAC_A, ETH_P_8021Q, 0x1FFF, ETH_P_EX, size=64)]
    for f in frames:
        _send(b, tx, f)
    return [rmsg(raw) for _ in range(len(frames) + 1)]


def scenario_auxdata_lo_both_directions(b):
    """On lo an ETH_P_ALL socket sees the OUTGOING copy and the looped incoming one: neither
    carries a checksum status (loopback_xmit leaves ip_summed as the sender made it)."""
    tx = _tx(b)
    rx = _rx(b, SOCK_RAW, ETH_P_ALL, "lo")
    send(b, tx, eth(ZERO, ZERO, ETH_P_EX, size=60), ifx(b, "lo"), ETH_P_EX)
    return [rmsg(rx), rmsg(rx), rmsg(rx)]


def scenario_auxdata_ctrunc_sizes(b):
    """Control buffers around the cmsg's size (CMSG_LEN(20) = 36, CMSG_SPACE(20) = 40)."""
    setup_veth(b)
    tx = _tx(b)
    rx = _rx(b, SOCK_RAW)
    out = {}
    for n in (0, 15, 16, 17, 24, 35, 36, 40):
        _send(b, tx, eth(MAC_B, MAC_A, ETH_P_EX, size=60))
        try:
            data, anc, fl, _ = rx.recvmsg(2048, n, MSG_DONTWAIT)
            out[str(n)] = {"flags": fl, "anc": [(lv, t, len(d)) for lv, t, d in anc]}
        except OSError as e:
            out[str(n)] = errname(e)
    return out


def scenario_auxdata_csum_status_bits(b):
    """TP_STATUS_CSUMNOTREADY for a frame whose checksum is still to be done (a virtio_net_hdr
    NEEDS_CSUM request: CHECKSUM_PARTIAL), on the sender's tap and across the veth;
    VIRTIO_NET_HDR_F_DATA_VALID and no request: nothing (5.15's virtio_net_hdr_to_skb does not
    take DATA_VALID, so no CSUM_VALID either)."""
    import struct as _s
    setup_veth(b)
    tx = psock(b, SOCK_RAW, 0, bind_to="veth0")
    setint(b, tx, SOL_PACKET, 15, 1)                 # PACKET_VNET_HDR
    tap = _rx(b, SOCK_RAW, ETH_P_ALL, "veth0")
    rx = _rx(b, SOCK_RAW, ETH_P_ALL, "veth1")
    ip_udp = (bytes.fromhex("4500002e00004000401100007f0000017f000001") +
              bytes.fromhex("12345678001a0000") + bytes(18))
    f = eth(MAC_B, MAC_A, ETH_P_IP, ip_udp)
    for flags, start, off in ((0, 0, 0), (1, 34, 6), (2, 0, 0)):
        vh = _s.pack("<BBHHHH", flags, 0, 0, 0, start, off)
        send(b, tx, vh + f, ifx(b, "veth0"), ETH_P_IP)
    return {"tap": [rmsg(tap) for _ in range(4)], "rx": [rmsg(rx) for _ in range(4)]}
