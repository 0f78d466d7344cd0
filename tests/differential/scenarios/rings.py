"""Memory-mapped rings (§4.6, §5 rules 6–10, 18, 20, 22; §9 ring layouts).

PACKET_RX_RING / PACKET_TX_RING for TPACKET_V1, V2 and V3: request validation errnos, the mmap
checks, header fields (everything but timestamps), sockaddr_ll after the header, status words
and their transitions, frames, drops, statistics (tpacket_stats_v3), V3 blocks (filled, closed
when full, retired by timeout, frozen), TX frames sent by send() with an empty buffer.

The ring is read through a real mapping on both backends (Python's mmap on the socket's fd, or
netkernel's sys_mmap). Status words are compared without the timestamp-source bits
(TP_STATUS_TS_*: whether the host stamps frames depends on other programs). V3 blocks are closed
by filling them (retire timeout 10 s) except in the timeout scenarios.
"""
import struct
import time

from ._common import *  # noqa: F401,F403

PACKET_RX_RING, PACKET_COPY_THRESH, PACKET_HDRLEN, PACKET_RESERVE = 5, 7, 11, 12
PACKET_TX_RING, PACKET_LOSS, PACKET_VNET_HDR, PACKET_TIMESTAMP = 13, 14, 15, 17
PACKET_TX_HAS_OFF, PACKET_AUXDATA = 19, 8
V1, V2, V3 = 0, 1, 2
POLLIN, POLLOUT = 0x1, 0x4
TS_BITS = 0xE0000000
PAGE = 4096
HDRLEN = {V1: 52, V2: 52, V3: 68}
SO_ATTACH_FILTER, SO_SNDTIMEO_ = 26, 21
MAP_SHARED, MAP_PRIVATE = 1, 2


# ---------------------------------------------------------------- helpers

def req(bs=PAGE, bn=2, fs=2048, fn=4):
    return struct.pack("<IIII", bs, bn, fs, fn)


def req3(bs=PAGE, bn=2, fs=2048, fn=4, tov=10000, priv=0, feat=0):
    return struct.pack("<IIIIIII", bs, bn, fs, fn, tov, priv, feat)


def setopt(b, s, name, raw):
    return only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, name, raw))


def setver(b, s, v):
    return only_err(attempt(setint, b, s, SOL_PACKET, PACKET_VERSION, v))


def ring(b, s, v, tx=False, **kw):
    raw = req3(**kw) if v == V3 else req(**kw)
    return setopt(b, s, PACKET_TX_RING if tx else PACKET_RX_RING, raw)


def mm(b, s, length, offset=0, flags=MAP_SHARED, prot=3):
    r = attempt(b.mmap, s, length, flags, prot, offset)
    if r[0] == "err":
        return r[1]
    return "ok"


def rx_sock(b, v, type=SOCK_RAW, dev="veth1", proto=ETH_P_ALL, reserve=None, setup=None, **kw):
    """A socket bound to `dev` with an RX ring of version v, and its mapping."""
    s = psock(b, type, proto, bind_to=dev)
    assert setver(b, s, v) == "ok"
    if reserve is not None:
        setint(b, s, SOL_PACKET, PACKET_RESERVE, reserve)
    if setup:
        setup(s)
    r = ring(b, s, v, **kw)
    assert r == "ok", r
    bs, bn = kw.get("bs", PAGE), kw.get("bn", 2)
    return s, b.mmap(s, bs * bn)


def tx_ring_sock(b, v, type=SOCK_RAW, dev="veth0", proto=ETH_P_EX, setup=None, **kw):
    s = psock(b, type, proto, bind_to=dev)
    assert setver(b, s, v) == "ok"
    if setup:
        setup(s)
    if v == V3:
        kw.setdefault("tov", 0)
    r = ring(b, s, v, tx=True, **kw)
    assert r == "ok", r
    bs, bn = kw.get("bs", PAGE), kw.get("bn", 2)
    return s, b.mmap(s, bs * bn)


def u32(m, off):
    return struct.unpack_from("<I", m, off)[0]


def u16(m, off):
    return struct.unpack_from("<H", m, off)[0]


def sll_at(m, off):
    fam, proto, ifx, hatype, pkttype, halen = struct.unpack_from("<HHiHBB", m, off)
    return {"family": fam, "protocol": "%04x" % socket.ntohs(proto), "ifindex": ifx,
            "hatype": hatype, "pkttype": pkttype, "halen": halen,
            "addr": bytes(m[off + 12:off + 12 + halen]).hex()}


def frame_v12(m, v, off, names=None, data=True):
    """A V1/V2 frame header (no timestamps), its sockaddr_ll and data."""
    if v == V1:
        status = struct.unpack_from("<Q", m, off)[0]
        ln, snap, mac, net = struct.unpack_from("<IIHH", m, off + 8)
        d = {"status": "%x" % (status & ~TS_BITS)}
    else:
        status, ln, snap, mac, net = struct.unpack_from("<IIIHH", m, off)
        tci, tpid = struct.unpack_from("<HH", m, off + 24)
        d = {"status": "%x" % (status & ~TS_BITS), "vlan_tci": tci, "vlan_tpid": "%04x" % tpid,
             "pad": bytes(m[off + 28:off + 32]).hex()}
    d.update({"len": ln, "snaplen": snap, "mac": mac, "net": net})
    if status & 1:
        sll = sll_at(m, off + 32)
        if names:
            sll["ifindex"] = names.get(sll["ifindex"], sll["ifindex"])
        d["sll"] = sll
        if data:
            d["data"] = bytes(m[off + mac:off + mac + snap]).hex()
    return d


def frames_v12(m, v, n, fs=2048, bs=PAGE, names=None, data=True):
    fpb = bs // fs
    return [frame_v12(m, v, (i // fpb) * bs + (i % fpb) * fs, names, data) for i in range(n)]


def set_status(m, v, off, status):
    if v == V1:
        struct.pack_into("<Q", m, off, status)
    elif v == V2:
        struct.pack_into("<I", m, off, status)
    else:
        struct.pack_into("<I", m, off + 20, status)


def block(m, off, names=None, data=True, limit=64):
    """A V3 block descriptor (no timestamps) and its packets, walked by tp_next_offset."""
    (ver, o2priv, status, num, o2fp, blk_len, seq) = struct.unpack_from("<IIIIIIQ", m, off)
    d = {"version": ver, "offset_to_priv": o2priv, "status": "%x" % (status & ~TS_BITS),
         "num_pkts": num, "offset_to_first_pkt": o2fp, "blk_len": blk_len, "seq_num": seq}
    if status & 1:
        pkts = []
        p = off + o2fp
        for _ in range(min(num, limit)):
            (nxt, _sec, _nsec, snap, ln, st, mac, net, rxh, tci, tpid, pad) = \
                struct.unpack_from("<IIIIIIHHIIHH", m, p)
            sll = sll_at(m, p + 48)
            if names:
                sll["ifindex"] = names.get(sll["ifindex"], sll["ifindex"])
            e = {"next": nxt, "snaplen": snap, "len": ln, "status": "%x" % (st & ~TS_BITS),
                 "mac": mac, "net": net, "rxhash_zero": rxh == 0, "vlan_tci": tci,
                 "vlan_tpid": "%04x" % tpid, "pad": pad, "tail": bytes(m[p + 40:p + 48]).hex(),
                 "sll": sll}
            if data:
                e["data"] = bytes(m[p + mac:p + mac + snap]).hex()
            pkts.append(e)
            if not nxt:
                break
            p += nxt
        d["pkts"] = pkts
    return d


def stats3(b, s, n=12):
    raw = b.sys_getsockopt(s, SOL_PACKET, PACKET_STATISTICS, n)
    return list(struct.unpack("<%dI" % (len(raw) // 4), raw))


def tx_frame(m, v, off, data, tp_len=None, mac=None, net=None, status=1, next_offset=0):
    """Write a TX frame: data right after the header (or at `mac`), then the status."""
    hdr = {V1: 32, V2: 32, V3: 48}[v] if mac is None else mac
    m[off + hdr:off + hdr + len(data)] = data
    n = len(data) if tp_len is None else tp_len
    if v == V1:
        struct.pack_into("<I", m, off + 8, n)
        if mac is not None:
            struct.pack_into("<HH", m, off + 16, mac, net if net is not None else mac)
    elif v == V2:
        struct.pack_into("<I", m, off + 4, n)
        if mac is not None:
            struct.pack_into("<HH", m, off + 12, mac, net if net is not None else mac)
    else:
        struct.pack_into("<I", m, off + 0, next_offset)
        struct.pack_into("<I", m, off + 16, n)
        if mac is not None:
            struct.pack_into("<HH", m, off + 24, mac, net if net is not None else mac)
    set_status(m, v, off, status)


def tx_status(m, v, offs):
    out = []
    for off in offs:
        if v == V1:
            out.append(struct.unpack_from("<Q", m, off)[0] & ~TS_BITS)
        elif v == V2:
            out.append(u32(m, off) & ~TS_BITS)
        else:
            out.append(u32(m, off + 20) & ~TS_BITS)
    return out


def wait_status(m, v, offs, want=0, timeout=1.0):
    """TX frames become AVAILABLE when the device frees them (at once on veth, but the host may
    defer its softirq): wait a little before observing."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if all(x == want for x in tx_status(m, v, offs)):
            break
        time.sleep(0.001)
    return tx_status(m, v, offs)


def send_frames(b, tx, frames, dev="veth0"):
    ix = ifx(b, dev)
    return [b.sys_sendto(tx, f, 0, sll(ix, ETH_P_EX)) for f in frames]


def pkt(i, size=60, etype=ETH_P_EX, dst=MAC_B, src=MAC_A):
    return eth(dst, src, etype, bytes([i]) * 4, size)


def wait_pollin(b, s, timeout_ms=2000):
    return b.poll(s, POLLIN, timeout_ms) & POLLIN


# ---------------------------------------------------------------- request validation

def scenario_ring_optlen_by_version(b):
    """A tpacket_req (16 bytes) for V1/V2, a tpacket_req3 (28) for V3; shorter is EINVAL,
    longer is accepted."""
    out = {}
    for v in (V1, V2, V3):
        for n in (0, 15, 16, 27, 28, 40):
            s = psock(b)
            setver(b, s, v)
            raw = (req3() if v == V3 else req()) + bytes(40)
            out[f"v{v}_{n}"] = setopt(b, s, PACKET_RX_RING, raw[:n])
            s.close()
    return out


def scenario_ring_block_size_checks(b):
    """Block size: a positive int, a multiple of the page size."""
    out = {}
    for bs in (0, 100, 2048, 4095, 6000, 4096, 8192, 0x80000000, 0xFFFFF000):
        s = psock(b)
        fn = bs // 2048 if bs < 1 << 20 else 0
        out[str(bs)] = setopt(b, s, PACKET_RX_RING, req(bs, 1, 2048, fn))
        s.close()
    return out


def scenario_ring_frame_size_checks(b):
    """Frame size: at least the version's header length (+ PACKET_RESERVE), a multiple of 16,
    not larger than a block."""
    out = {}
    for v in (V1, V2, V3):
        for fs in (32, 48, 52, 64, 68, 80, 2050, 2056, 4096, 8192):
            s = psock(b)
            setver(b, s, v)
            fn = 2 * (PAGE // fs) if fs <= PAGE else 2
            out[f"v{v}_{fs}"] = ring(b, s, v, bs=PAGE, bn=2, fs=fs, fn=fn)
            s.close()
    return out


def scenario_ring_frame_size_with_reserve(b):
    out = {}
    for v in (V1, V3):
        for fs in (144, 160, 176):
            s = psock(b)
            setver(b, s, v)
            setint(b, s, SOL_PACKET, PACKET_RESERVE, 100)
            out[f"v{v}_{fs}"] = ring(b, s, v, fs=fs, fn=2 * (PAGE // fs))
            s.close()
    return out


def scenario_ring_frame_count_checks(b):
    """tp_frame_nr must be frames-per-block × blocks exactly."""
    out = {}
    for fn in (0, 1, 3, 4, 5, 8):
        s = psock(b)
        out[str(fn)] = setopt(b, s, PACKET_RX_RING, req(PAGE, 2, 2048, fn))
        s.close()
    return out


def scenario_ring_overflow_and_enomem(b):
    """frames-per-block × blocks overflowing 32 bits is EINVAL; a block array beyond kmalloc's
    largest size is ENOMEM (nothing else is allocated)."""
    out = {}
    s = psock(b)
    blocks = (1 << 20) + 1                        # 4096 frames per block × blocks > 2^32
    out["overflow"] = setopt(b, s, PACKET_RX_RING,
                             req(64 * PAGE, blocks, 64, (4096 * blocks) & 0xFFFFFFFF))
    out["block_array"] = setopt(b, s, PACKET_RX_RING, req(PAGE, 524289, PAGE, 524289))
    out["tx_block_array"] = setopt(b, s, PACKET_TX_RING, req(PAGE, 524289, PAGE, 524289))
    out["then_ok"] = setopt(b, s, PACKET_RX_RING, req())
    return out


def scenario_ring_zero_blocks(b):
    """tp_block_nr 0 destroys: tp_frame_nr must be 0 too; destroying nothing succeeds."""
    s = psock(b)
    return {
        "frames_without_blocks": setopt(b, s, PACKET_RX_RING, req(PAGE, 0, 2048, 4)),
        "destroy_none": setopt(b, s, PACKET_RX_RING, req(0, 0, 0, 0)),
        "destroy_none_tx": setopt(b, s, PACKET_TX_RING, req(PAGE, 0, 2048, 0)),
        "create": setopt(b, s, PACKET_RX_RING, req()),
        "destroy_bad": setopt(b, s, PACKET_RX_RING, req(PAGE, 0, 2048, 4)),
        "destroy": setopt(b, s, PACKET_RX_RING, req(0, 0, 0, 0)),
        "again": setopt(b, s, PACKET_RX_RING, req()),
    }


def scenario_ring_twice_is_ebusy(b):
    s = psock(b)
    return {"rx": setopt(b, s, PACKET_RX_RING, req()),
            "rx_again": setopt(b, s, PACKET_RX_RING, req()),
            "rx_bad_again": setopt(b, s, PACKET_RX_RING, req(100, 1, 16, 1)),
            "tx": setopt(b, s, PACKET_TX_RING, req()),
            "tx_again": setopt(b, s, PACKET_TX_RING, req(PAGE, 1, 2048, 2))}


def scenario_ring_v3_block_room_for_priv(b):
    """V3: a block must hold the block header, the aligned private area and one frame header."""
    out = {}
    for priv in (0, 8, 3980, 3981, 3984, 4000):
        s = psock(b)
        setver(b, s, V3)
        out[str(priv)] = ring(b, s, V3, fs=2048, fn=4, priv=priv)
        s.close()
    return out


def scenario_ring_v3_tx_ring_takes_no_block_options(b):
    out = {}
    for name, kw in (("tov", {"tov": 5}), ("priv", {"priv": 8}), ("feat", {"feat": 1}),
                     ("none", {"tov": 0})):
        s = psock(b)
        setver(b, s, V3)
        out[name] = ring(b, s, V3, tx=True, **kw)
        s.close()
    return out


def scenario_ring_version_reserve_loss_locked(b):
    """With a ring: VERSION, RESERVE, LOSS and VNET_HDR are EBUSY; TX_HAS_OFF is accepted and
    ignored; COPY_THRESH, TIMESTAMP still set. A bad value is refused before the ring check."""
    s = psock(b)
    out = {"ring": setopt(b, s, PACKET_RX_RING, req())}
    for name, opt, val in (("version", PACKET_VERSION, 1), ("version_bad", PACKET_VERSION, 7),
                           ("reserve", PACKET_RESERVE, 8), ("reserve_neg", PACKET_RESERVE, -1),
                           ("loss", PACKET_LOSS, 1), ("vnet", PACKET_VNET_HDR, 1),
                           ("tx_has_off", PACKET_TX_HAS_OFF, 1),
                           ("copy_thresh", PACKET_COPY_THRESH, 1),
                           ("timestamp", PACKET_TIMESTAMP, 1)):
        out[name] = only_err(attempt(setint, b, s, SOL_PACKET, opt, val))
    out["get"] = [getint(b, s, SOL_PACKET, o) for o in (PACKET_VERSION, PACKET_RESERVE, PACKET_LOSS,
                                                       PACKET_TX_HAS_OFF, PACKET_TIMESTAMP)]
    out["destroy"] = setopt(b, s, PACKET_RX_RING, req(0, 0, 0, 0))
    out["version_after"] = setver(b, s, V2)
    return out


def scenario_ring_tx_ring_also_locks_options(b):
    s = psock(b)
    out = {"tx": setopt(b, s, PACKET_TX_RING, req())}
    out["version"] = setver(b, s, V3)
    out["reserve"] = only_err(attempt(setint, b, s, SOL_PACKET, PACKET_RESERVE, 4))
    out["loss"] = only_err(attempt(setint, b, s, SOL_PACKET, PACKET_LOSS, 1))
    return out


def scenario_ring_request_uses_version_at_creation(b):
    """The header length (and so the minimum frame) is the version's when the ring is made."""
    s = psock(b)
    out = {"v3_frame_64": (setver(b, s, V3), ring(b, s, V3, fs=64, fn=128))}
    out["v3_frame_80"] = ring(b, s, V3, fs=80, fn=2 * (PAGE // 80))
    out["hdrlen"] = [struct.unpack("<i", b.sys_getsockopt(s, SOL_PACKET, PACKET_HDRLEN, 4,
                                                          struct.pack("<i", v)))[0]
                     for v in (V1, V2, V3)]
    return out


def scenario_ring_on_sock_dgram_and_protocol_zero(b):
    out = {}
    for t, p in ((SOCK_DGRAM, ETH_P_ALL), (SOCK_RAW, 0), (SOCK_DGRAM, 0)):
        s = b.socket(AF_PACKET, t, htons(p))
        out[f"{t}_{p}"] = [setopt(b, s, PACKET_RX_RING, req()), setopt(b, s, PACKET_TX_RING, req()),
                           mm(b, s, 4 * PAGE)]
    return out


# ---------------------------------------------------------------- mmap

def scenario_mmap_checks(b):
    """No ring → EINVAL; the length (rounded up to pages) must be the rings' size; the offset
    must be 0; a zero length is EINVAL."""
    s = psock(b)
    out = {"no_ring": mm(b, s, 2 * PAGE)}
    setopt(b, s, PACKET_RX_RING, req())
    for n in (0, 1, PAGE, PAGE + 1, 2 * PAGE - 1, 2 * PAGE, 2 * PAGE + 1, 3 * PAGE):
        out[f"len_{n}"] = mm(b, s, n)
    out["offset_page"] = mm(b, s, 2 * PAGE, offset=PAGE)
    out["offset_unaligned"] = mm(b, s, 2 * PAGE, offset=100)
    out["private"] = mm(b, s, 2 * PAGE, flags=MAP_PRIVATE)
    out["read_only"] = mm(b, s, 2 * PAGE, prot=1)
    out["bad_type"] = mm(b, s, 2 * PAGE, flags=0)
    return out


def scenario_mmap_rx_and_tx_layout(b):
    """Both rings: one mapping, RX ring first; each ring alone is the wrong length."""
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="lo")
    setopt(b, s, PACKET_RX_RING, req(PAGE, 2, 2048, 4))
    setopt(b, s, PACKET_TX_RING, req(2 * PAGE, 1, 2048, 4))
    return {"rx_only": mm(b, s, 2 * PAGE), "tx_only": mm(b, s, 2 * PAGE),
            "sum": mm(b, s, 4 * PAGE), "sum_plus": mm(b, s, 5 * PAGE)}


def scenario_mmap_ebusy_while_mapped(b):
    """While mapped, changing either ring is EBUSY (destroying too); after munmap it is fine."""
    s = psock(b)
    setopt(b, s, PACKET_RX_RING, req())
    m1 = b.mmap(s, 2 * PAGE)
    m2 = b.mmap(s, 2 * PAGE)
    out = {"destroy": setopt(b, s, PACKET_RX_RING, req(0, 0, 0, 0)),
           "tx": setopt(b, s, PACKET_TX_RING, req())}
    m1.close()
    out["one_left"] = setopt(b, s, PACKET_RX_RING, req(0, 0, 0, 0))
    m2.close()
    out["unmapped"] = setopt(b, s, PACKET_RX_RING, req(0, 0, 0, 0))
    out["tx_after"] = setopt(b, s, PACKET_TX_RING, req())
    return out


def scenario_mmap_sock_packet_is_enodev(b):
    s = b.socket(AF_PACKET, SOCK_PACKET, htons(ETH_P_ALL))
    return {"mmap": mm(b, s, PAGE)}


def scenario_mmap_tx_then_rx_layout(b):
    """A TX ring made before the RX ring still maps after it; frames land in the RX part."""
    names = setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    setopt(b, s, PACKET_TX_RING, req(PAGE, 1, 2048, 2))
    setopt(b, s, PACKET_RX_RING, req(PAGE, 2, 2048, 4))
    m = b.mmap(s, 3 * PAGE)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    return {"rx": frames_v12(m, V1, 1, names=names),
            "tx_part_zero": bytes(m[2 * PAGE:3 * PAGE]) == bytes(PAGE)}


# ---------------------------------------------------------------- RX V1/V2

def _rx_basic(v, type):
    def scenario(b):
        names = setup_veth(b)
        s, m = rx_sock(b, v, type)
        tx = psock(b, SOCK_RAW, 0)
        ret = send_frames(b, tx, [pkt(1), pkt(2, 100), pkt(3, 14)])
        return {"sent": ret, "frames": frames_v12(m, v, 4, names=names),
                "poll": b.poll(s, POLLIN | POLLOUT) & (POLLIN | POLLOUT), "stats": stats(b, s)}
    scenario.__doc__ = f"V{v + 1} {'RAW' if type == SOCK_RAW else 'DGRAM'}: three frames land in " \
                       "frames 0-2 with tp_len/snaplen/mac/net, the sockaddr_ll, USER status."
    return scenario


for _v in (V1, V2):
    for _t, _tn in ((SOCK_RAW, "raw"), (SOCK_DGRAM, "dgram")):
        globals()[f"scenario_rx_v{_v + 1}_{_tn}_basic"] = _rx_basic(_v, _t)


def _rx_reserve(v, type, reserve):
    def scenario(b):
        names = setup_veth(b)
        s, m = rx_sock(b, v, type, reserve=reserve)
        tx = psock(b, SOCK_RAW, 0)
        send_frames(b, tx, [pkt(1, 80)])
        return frames_v12(m, v, 1, names=names)
    scenario.__doc__ = "PACKET_RESERVE moves tp_mac/tp_net by the reserve."
    return scenario


for _v, _t, _r in ((V1, SOCK_RAW, 32), (V2, SOCK_RAW, 7), (V2, SOCK_DGRAM, 100),
                   (V1, SOCK_DGRAM, 1)):
    globals()[f"scenario_rx_v{_v + 1}_{'raw' if _t == SOCK_RAW else 'dgram'}_reserve_{_r}"] = \
        _rx_reserve(_v, _t, _r)


def scenario_rx_v2_vlan_tag(b):
    """A tagged frame arrives untagged with tp_vlan_tci/tpid and VLAN_VALID|TPID_VALID (802.1Q
    and 802.1ad)."""
    names = setup_veth(b)
    s, m = rx_sock(b, V2)
    tx = psock(b, SOCK_RAW, 0)
    ix = ifx(b, "veth0")
    b.sys_sendto(tx, vlan_eth(tci=0x2005, size=64), 0, sll(ix, ETH_P_8021Q))
    b.sys_sendto(tx, vlan_eth(tpid=ETH_P_8021AD, tci=7, size=64), 0, sll(ix, ETH_P_8021AD))
    return frames_v12(m, V2, 2, names=names)


def scenario_rx_v1_vlan_tag(b):
    """V1 has no VLAN fields: the tag is gone from the data and not reported."""
    names = setup_veth(b)
    s, m = rx_sock(b, V1)
    tx = psock(b, SOCK_RAW, 0)
    b.sys_sendto(tx, vlan_eth(tci=9, size=64), 0, sll(ifx(b, "veth0"), ETH_P_8021Q))
    return frames_v12(m, V1, 1, names=names)


def _rx_snaplen(v, type):
    def scenario(b):
        names = setup_veth(b)
        s, m = rx_sock(b, v, type, fs=128, fn=64)
        tx = psock(b, SOCK_RAW, 0)
        send_frames(b, tx, [pkt(1, 200), pkt(2, 62), pkt(3, 63)])
        return {"frames": frames_v12(m, v, 3, fs=128, names=names),
                "queued": drain(b, s, names)}
    scenario.__doc__ = "A frame longer than the slot is cut to frame_size - tp_mac (tp_len keeps " \
                       "the full length); nothing is queued without PACKET_COPY_THRESH."
    return scenario


for _v, _t in ((V1, SOCK_RAW), (V2, SOCK_RAW), (V2, SOCK_DGRAM)):
    globals()[f"scenario_rx_v{_v + 1}_{'raw' if _t == SOCK_RAW else 'dgram'}_snaplen"] = \
        _rx_snaplen(_v, _t)


def scenario_rx_v2_copy_thresh(b):
    """With PACKET_COPY_THRESH a cut frame is also queued whole: TP_STATUS_COPY, recv() gets it."""
    setup_veth(b)
    s, m = rx_sock(b, V2, fs=128, fn=64,
                   setup=lambda s: setint(b, s, SOL_PACKET, PACKET_COPY_THRESH, 1))
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1, 200), pkt(2, 60)])
    f = frames_v12(m, V2, 2, fs=128, data=False)
    got = []
    for _ in range(3):
        try:
            ret, data, _ = b.sys_recvfrom(s, 4096, MSG_DONTWAIT)
            got.append({"ret": ret, "data": data.hex()})
        except OSError as e:
            got.append(errname(e))
            break
    return {"frames": f, "queued": got, "stats": stats(b, s)}


def _rx_full(v):
    def scenario(b):
        names = setup_veth(b)
        s, m = rx_sock(b, v)
        tx = psock(b, SOCK_RAW, 0)
        send_frames(b, tx, [pkt(i) for i in range(6)])
        out = {"full": frames_v12(m, v, 4, names=names, data=False),
               "poll": b.poll(s, POLLIN) & POLLIN}
        set_status(m, v, 0, 0)           # hand frame 0 back
        send_frames(b, tx, [pkt(7)])
        out["after_release"] = frames_v12(m, v, 4, names=names)
        out["stats"] = stats(b, s)
        for i in range(4):
            set_status(m, v, (i // 2) * PAGE + (i % 2) * 2048, 0)
        send_frames(b, tx, [pkt(8), pkt(9)])
        out["after_stats"] = frames_v12(m, v, 4, names=names, data=False)
        out["stats2"] = stats(b, s)
        return out
    scenario.__doc__ = "A full ring drops and counts; the next frame after a drop carries " \
                       "TP_STATUS_LOSING until the statistics are read; the head wraps."
    return scenario


for _v in (V1, V2):
    globals()[f"scenario_rx_v{_v + 1}_ring_full_losing"] = _rx_full(_v)


def scenario_rx_v2_poll_follows_ring(b):
    """POLLIN while the frame before the head is the user's; gone when it is handed back."""
    setup_veth(b)
    s, m = rx_sock(b, V2)
    tx = psock(b, SOCK_RAW, 0)
    out = {"empty": b.poll(s, POLLIN)}
    send_frames(b, tx, [pkt(1)])
    out["one"] = b.poll(s, POLLIN)
    set_status(m, V2, 0, 0)
    out["released"] = b.poll(s, POLLIN)
    send_frames(b, tx, [pkt(2)])
    out["two"] = b.poll(s, POLLIN)
    set_status(m, V2, 2048, 0)
    out["released2"] = b.poll(s, POLLIN)
    return out


def scenario_rx_ring_purges_queue_and_recv(b):
    """Making an RX ring drops what was queued; with the ring, recv() finds nothing; destroying
    the ring brings back the receive queue."""
    names = setup_veth(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth1")
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    out = {"ring": setopt(b, s, PACKET_RX_RING, req())}
    out["queued_after_ring"] = drain(b, s, names)
    send_frames(b, tx, [pkt(2)])
    out["recv_with_ring"] = recv1(b, s, names, flags=MSG_DONTWAIT)
    out["destroy"] = setopt(b, s, PACKET_RX_RING, req(0, 0, 0, 0))
    send_frames(b, tx, [pkt(3)])
    out["queued_after_destroy"] = drain(b, s, names)
    out["stats"] = stats(b, s)
    return out


def scenario_rx_ring_filter_applies(b):
    """A socket filter rejects frames before the ring and its return value caps tp_snaplen."""
    names = setup_veth(b)
    prog = [(0x28, 0, 0, 12), (0x15, 0, 1, ETH_P_EX), (0x06, 0, 0, 20), (0x06, 0, 0, 0)]
    s, m = rx_sock(b, V2)
    import ctypes
    arr = (ctypes.c_uint8 * (8 * len(prog)))(*b"".join(struct.pack("<HBBI", *i) for i in prog))
    fp = struct.pack("<HxxxxxxQ", len(prog), ctypes.addressof(arr))
    out = {"attach": only_err(attempt(b.sys_setsockopt, s, SOL_SOCKET, SO_ATTACH_FILTER, fp))}
    tx = psock(b, SOCK_RAW, 0)
    ix = ifx(b, "veth0")
    b.sys_sendto(tx, pkt(1, 60, ETH_P_EX2), 0, sll(ix, ETH_P_EX2))
    b.sys_sendto(tx, pkt(2, 60), 0, sll(ix, ETH_P_EX))
    out["frames"] = frames_v12(m, V2, 2, names=names)
    out["stats"] = stats(b, s)
    return out


def scenario_rx_ring_sees_outgoing(b):
    """An ETH_P_ALL ring on the sending device gets the frame as PACKET_OUTGOING."""
    names = setup_veth(b)
    s, m = rx_sock(b, V2, dev="veth0")
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    return frames_v12(m, V2, 2, names=names)


def scenario_rx_ring_on_lo_both_directions(b):
    """On lo the ring sees the frame leave (OUTGOING) and arrive (HOST)."""
    names = {1: "lo"}
    s, m = rx_sock(b, V1, dev="lo", proto=ETH_P_EX)
    tx = psock(b, SOCK_RAW, 0)
    b.sys_sendto(tx, pkt(1), 0, sll(1, ETH_P_EX))
    return frames_v12(m, V1, 3, names=names)


def scenario_rx_ring_unbound_socket(b):
    """A ring socket bound to no device sees frames of every device (both veth ends here)."""
    names = setup_veth(b)
    s, m = rx_sock(b, V2, dev=0, proto=ETH_P_EX, bn=4, fn=8)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    f = frames_v12(m, V2, 3, names=names, data=False)
    return sorted([(x.get("sll", {}).get("ifindex", ""), x.get("sll", {}).get("pkttype", -1),
                    x["status"]) for x in f], key=str)


def scenario_rx_ring_protocol_filter(b):
    """A ring socket bound to one EtherType only gets that one."""
    names = setup_veth(b)
    s, m = rx_sock(b, V1, proto=ETH_P_EX2)
    tx = psock(b, SOCK_RAW, 0)
    ix = ifx(b, "veth0")
    b.sys_sendto(tx, pkt(1), 0, sll(ix, ETH_P_EX))
    b.sys_sendto(tx, pkt(2, 60, ETH_P_EX2), 0, sll(ix, ETH_P_EX2))
    return frames_v12(m, V1, 2, names=names)


def scenario_rx_ring_vnet_hdr(b):
    """With PACKET_VNET_HDR (SOCK_RAW) a virtio_net_hdr sits right before tp_mac; tp_net moves
    by its 10 bytes."""
    names = setup_veth(b)
    s, m = rx_sock(b, V2, setup=lambda s: setint(b, s, SOL_PACKET, PACKET_VNET_HDR, 1))
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    f = frames_v12(m, V2, 1, names=names)
    f[0]["vnet"] = bytes(m[f[0]["mac"] - 10:f[0]["mac"]]).hex()
    return f


def scenario_rx_ring_stats_v1_v2_size(b):
    """PACKET_STATISTICS on V1/V2 is 8 bytes, on V3 12 (with tp_freeze_q_cnt)."""
    out = {}
    for v in (V1, V2, V3):
        s = psock(b)
        setver(b, s, v)
        ring(b, s, v)
        out[v] = len(b.sys_getsockopt(s, SOL_PACKET, PACKET_STATISTICS, 64))
    return out


def scenario_rx_ring_device_down_up(b):
    """The ring survives the device going down and up; frames arrive again after up."""
    names = setup_veth(b)
    s, m = rx_sock(b, V2)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    b.link_set("veth1", up=False)
    out = {"err": getint(b, s, SOL_SOCKET, SO_ERROR)}
    b.link_set("veth1", up=True)
    wait_path(b, "veth0", "veth1")
    out["version"] = setver(b, s, V1)
    send_frames(b, tx, [pkt(2)])
    f = frames_v12(m, V2, 4, names=names, data=False)
    out["frames"] = [(x["status"], x.get("len")) for x in f if x["status"] != "0"]
    return out


def scenario_rx_ring_device_unregister(b):
    """Deleting the device leaves the ring and the mapping; the socket gets no more frames and
    the ring still locks its options; the frames already there stay readable."""
    names = setup_veth(b)
    s, m = rx_sock(b, V1)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    b.link_del("veth0")
    out = {"frames": frames_v12(m, V1, 2, names=names),
           "version": setver(b, s, V2), "err": getint(b, s, SOL_SOCKET, SO_ERROR),
           "name": dec_sll(b.sys_getsockname(s))}
    out["remap"] = mm(b, s, 2 * PAGE)
    return out


def scenario_rx_ring_mapping_outlives_close(b):
    """munmap is independent of close: after close() the mapping still shows the frames."""
    names = setup_veth(b)
    s, m = rx_sock(b, V2)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    s.close()
    send_frames(b, tx, [pkt(2)])
    return frames_v12(m, V2, 2, names=names)


# ---------------------------------------------------------------- RX V3

def _big(i, n=1000):
    return pkt(i, n)


def scenario_rx_v3_block_fills_and_closes(b):
    """Packets are packed 8-aligned in the active block; one that does not fit closes it (USER)
    and opens the next (seq_num 2). Block 1 stays the kernel's until it fills."""
    names = setup_veth(b)
    s, m = rx_sock(b, V3)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [_big(i) for i in range(5)])
    return {"b0": block(m, 0, names), "b1": block(m, PAGE, names, data=False),
            "poll": b.poll(s, POLLIN), "stats": stats3(b, s)}


def scenario_rx_v3_dgram_and_reserve(b):
    """V3 SOCK_DGRAM: tp_mac = tp_net = 80 + 16 + reserve."""
    names = setup_veth(b)
    s, m = rx_sock(b, V3, SOCK_DGRAM, reserve=5)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [_big(i, 1500) for i in range(3)])
    return {"b0": block(m, 0, names)}


def scenario_rx_v3_sizeof_priv(b):
    """The private area (aligned to 8) comes between block header and first packet."""
    names = setup_veth(b)
    s, m = rx_sock(b, V3, priv=13)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [_big(i, 1400) for i in range(4)])
    return {"b0": block(m, 0, names, data=False)}


def scenario_rx_v3_vlan(b):
    """V3 keeps the tag in hv1 (tp_vlan_tci/tp_vlan_tpid) with VLAN_VALID|TPID_VALID."""
    names = setup_veth(b)
    s, m = rx_sock(b, V3)
    tx = psock(b, SOCK_RAW, 0)
    ix = ifx(b, "veth0")
    b.sys_sendto(tx, vlan_eth(tci=0x3003, size=1400), 0, sll(ix, ETH_P_8021Q))
    b.sys_sendto(tx, _big(1, 1400), 0, sll(ix, ETH_P_EX))
    b.sys_sendto(tx, _big(2, 1400), 0, sll(ix, ETH_P_EX))
    return {"b0": block(m, 0, names, data=False)}


def scenario_rx_v3_freeze_drops_and_thaw(b):
    """Both blocks full and the user holds them: the queue freezes (tp_freeze_q_cnt), frames are
    dropped; handing block 0 back lets the next frame reopen it (seq_num 3, LOSING on close)."""
    names = setup_veth(b)
    s, m = rx_sock(b, V3)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [_big(i) for i in range(10)])
    out = {"b0": block(m, 0, names, data=False), "b1": block(m, PAGE, names, data=False),
           "stats": stats3(b, s), "stats_again": stats3(b, s)}
    send_frames(b, tx, [_big(20)])
    struct.pack_into("<I", m, 8, 0)              # hand block 0 back
    send_frames(b, tx, [_big(i) for i in range(21, 25)])
    out["b0_reopened"] = block(m, 0, names, data=False)
    out["stats_after"] = stats3(b, s)
    out["poll"] = b.poll(s, POLLIN)
    return out


def scenario_rx_v3_losing_on_close(b):
    """A block closed while drops are uncounted carries TP_STATUS_LOSING."""
    setup_veth(b)
    s, m = rx_sock(b, V3)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [_big(i) for i in range(9)])       # fills both blocks, drops
    struct.pack_into("<I", m, 8, 0)
    send_frames(b, tx, [_big(i) for i in range(10, 17)])  # reopen 0, fill, close it again
    return {"b0": block(m, 0, data=False), "b1": block(m, PAGE, data=False),
            "stats": stats3(b, s)}


def scenario_rx_v3_retire_by_timeout(b):
    """A partly filled block is retired by the timer (USER | BLK_TMO) and poll says POLLIN.
    (One frame: with two, a slow machine may see the timer fire between them.)"""
    names = setup_veth(b)
    s, m = rx_sock(b, V3, tov=60)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(2, 100)])
    out = {"ready": wait_pollin(b, s)}
    out["b0"] = block(m, 0, names)
    out["b1"] = block(m, PAGE, names, data=False)
    return out


def scenario_rx_v3_empty_block_not_retired(b):
    """An empty block is never retired by the timer; the next frame still goes into block 0."""
    names = setup_veth(b)
    s, m = rx_sock(b, V3, tov=20)
    time.sleep(0.15)
    out = {"poll": b.poll(s, POLLIN), "b0": block(m, 0, names)}
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    out["ready"] = wait_pollin(b, s)
    out["b0_after"] = block(m, 0, names, data=False)
    return out


def scenario_rx_v3_oversized_clamped(b):
    """A frame larger than a block's room is clamped to max_frame_len - tp_mac; not fitting the
    open (empty) block, it closes that one and goes into the next."""
    names = setup_veth(b)
    b.link_set("veth0", mtu=9000)
    b.link_set("veth1", mtu=9000)
    s, m = rx_sock(b, V3)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [_big(1, 5000)])
    return {"b0": block(m, 0, names, data=False), "b1": block(m, PAGE, names, data=False),
            "stats": stats3(b, s)}


def scenario_rx_v3_many_blocks_seq(b):
    """Sequence numbers count opened blocks; blocks are used in order and wrap."""
    setup_veth(b)
    s, m = rx_sock(b, V3, bn=4, fn=8)
    tx = psock(b, SOCK_RAW, 0)
    out = []
    for rnd in range(3):
        send_frames(b, tx, [_big(i) for i in range(7)])
        out.append([block(m, k * PAGE, data=False) for k in range(4)])
        for k in range(4):
            if u32(m, k * PAGE + 8) & 1:
                struct.pack_into("<I", m, k * PAGE + 8, 0)
    return {"rounds": [[(x["seq_num"], x["status"], x["num_pkts"]) for x in r] for r in out],
            "stats": stats3(b, s)}


def scenario_rx_v3_poll_follows_blocks(b):
    """POLLIN once the block before the active one is the user's."""
    setup_veth(b)
    s, m = rx_sock(b, V3)
    tx = psock(b, SOCK_RAW, 0)
    out = {"empty": b.poll(s, POLLIN)}
    send_frames(b, tx, [_big(1)])
    out["open_block"] = b.poll(s, POLLIN)
    send_frames(b, tx, [_big(i) for i in range(3)])
    out["closed"] = b.poll(s, POLLIN)
    struct.pack_into("<I", m, 8, 0)
    out["returned"] = b.poll(s, POLLIN)
    return out


def scenario_rx_v3_dgram_outgoing_and_sll(b):
    """V3 SOCK_DGRAM on the sending device: OUTGOING frames, sockaddr_ll at 48."""
    names = setup_veth(b)
    s, m = rx_sock(b, V3, SOCK_DGRAM, dev="veth0")
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [_big(i, 1500) for i in range(3)])
    return block(m, 0, names)


def scenario_rx_v3_ring_destroy_and_recreate(b):
    """A new V3 ring starts over: seq_num 1, counters from zero."""
    setup_veth(b)
    s, m = rx_sock(b, V3)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [_big(i) for i in range(9)])
    m.close()
    out = {"destroy": setopt(b, s, PACKET_RX_RING, req3(0, 0, 0, 0, 0)),
           "stats": stats3(b, s)}
    out["again"] = ring(b, s, V3)
    m = b.mmap(s, 2 * PAGE)
    send_frames(b, tx, [_big(i) for i in range(4)])
    out["b0"] = block(m, 0, data=False)
    out["stats2"] = stats3(b, s)
    return out


# ---------------------------------------------------------------- TX

def _tx_basic(v, type):
    def scenario(b):
        names = setup_veth(b)
        s, m = tx_ring_sock(b, v, type)
        rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
        if type == SOCK_RAW:
            data = [pkt(1), pkt(2, 100)]
        else:
            data = [b"\x01" * 46, b"\x02" * 80]
        offs = [0, 2048]
        out = {"before": tx_status(m, v, offs), "poll": b.poll(s, POLLOUT)}
        for off, d in zip(offs, data):
            tx_frame(m, v, off, d)
        out["requested"] = tx_status(m, v, offs)
        if type == SOCK_RAW:
            out["send"] = attempt(b.sys_sendto, s, b"", 0, None)
        else:
            out["send"] = attempt(b.sys_sendto, s, b"", 0,
                                  sll(ifx(b, "veth0"), ETH_P_EX, halen=6, addr=MAC_B))
        out["after"] = wait_status(m, v, offs)
        out["received"] = drain(b, rx, names)
        out["again"] = attempt(b.sys_sendto, s, b"", 0, None)
        return out
    scenario.__doc__ = "Frames marked SEND_REQUEST go out on send(b'') and become AVAILABLE; " \
                       "the return value is their total length."
    return scenario


for _v in (V1, V2, V3):
    for _t, _tn in ((SOCK_RAW, "raw"), (SOCK_DGRAM, "dgram")):
        globals()[f"scenario_tx_v{_v + 1}_{_tn}_send"] = _tx_basic(_v, _t)


def scenario_tx_dontwait_and_head_order(b):
    """MSG_DONTWAIT sends too; frames go from the head in order, stopping at the first frame
    not marked SEND_REQUEST."""
    names = setup_veth(b)
    s, m = tx_ring_sock(b, V2)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    tx_frame(m, V2, 0, pkt(1))
    tx_frame(m, V2, 2048, pkt(2))
    tx_frame(m, V2, 2 * 2048, pkt(3), status=0)
    tx_frame(m, V2, 3 * 2048, pkt(4))
    out = {"send": attempt(b.sys_sendto, s, b"", MSG_DONTWAIT, None)}
    out["status"] = wait_status(m, V2, [0, 2048, 4096, 6144], 99, timeout=0.2)
    out["received"] = [d["data"][28:36] for d in drain(b, rx, names)]
    set_status(m, V2, 2 * 2048, 1)
    out["send2"] = attempt(b.sys_sendto, s, b"", 0, None)
    out["received2"] = [d["data"][28:36] for d in drain(b, rx, names)]
    return out


def scenario_tx_buffer_is_ignored(b):
    """With a TX ring, send() ignores its buffer: nothing requested → 0 and nothing sent."""
    names = setup_veth(b)
    s, m = tx_ring_sock(b, V1)
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    return {"send": attempt(b.sys_sendto, s, pkt(1), 0, None),
            "sendto": attempt(b.sys_sendto, s, pkt(1), 0, sll(ifx(b, "veth0"), ETH_P_EX)),
            "received": drain(b, rx, names)}


def scenario_tx_too_long_wrong_format(b):
    """tp_len above frame room or MTU: EMSGSIZE, the frame marked WRONG_FORMAT, the call stops."""
    setup_veth(b)
    out = {}
    for name, size, fs in (("over_mtu", 1515, 2048), ("over_frame", 2020, 2048),
                           ("vlan_ok", 1518, 2048), ("at_mtu", 1514, 2048)):
        s, m = tx_ring_sock(b, V2, fs=fs)
        f = vlan_eth(size=size) if name == "vlan_ok" else pkt(1, size)
        tx_frame(m, V2, 0, f)
        tx_frame(m, V2, fs, pkt(2))
        out[name] = {"send": attempt(b.sys_sendto, s, b"", 0, None),
                     "status": wait_status(m, V2, [0, fs])}
        s.close()
    return out


def scenario_tx_loss_skips_bad_frames(b):
    """With PACKET_LOSS a bad frame is skipped (made AVAILABLE) and the rest are sent."""
    names = setup_veth(b)
    s, m = tx_ring_sock(b, V1, setup=lambda s: setint(b, s, SOL_PACKET, PACKET_LOSS, 1))
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    tx_frame(m, V1, 0, pkt(1))
    tx_frame(m, V1, 2048, pkt(2), tp_len=1900)      # above size_max: refused before allocation
    tx_frame(m, V1, 4096, pkt(3))
    out = {"send": attempt(b.sys_sendto, s, b"", 0, None),
           "status": wait_status(m, V1, [0, 2048, 4096]),
           "received": [d["data"][28:36] for d in drain(b, rx, names)]}
    return out


def scenario_tx_short_raw_header(b):
    """A SOCK_RAW frame shorter than the link header fails dev_validate_header: EINVAL."""
    setup_veth(b)
    s, m = tx_ring_sock(b, V2)
    tx_frame(m, V2, 0, b"\x02" * 10)
    return {"send": attempt(b.sys_sendto, s, b"", 0, None), "status": tx_status(m, V2, [0])}


def scenario_tx_has_off(b):
    """PACKET_TX_HAS_OFF: data at tp_mac (RAW) / tp_net (DGRAM), which must lie between the
    header and the end of the frame (EINVAL otherwise)."""
    names = setup_veth(b)
    out = {}
    for name, off, v in (("ok_v2", 100, V2), ("ok_v3", 64, V3), ("below", 20, V2),
                         ("beyond", 2000, V2), ("min_v1", 32, V1)):
        s, m = tx_ring_sock(b, v, setup=lambda s: setint(b, s, SOL_PACKET, PACKET_TX_HAS_OFF, 1))
        rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
        tx_frame(m, v, 0, pkt(5, 64), mac=off)
        out[name] = {"send": attempt(b.sys_sendto, s, b"", 0, None),
                     "status": wait_status(m, v, [0]),
                     "received": [d["data"][28:36] for d in drain(b, rx, names)]}
        s.close()
        rx.close()
    return out


def scenario_tx_v3_next_offset_must_be_zero(b):
    setup_veth(b)
    s, m = tx_ring_sock(b, V3)
    tx_frame(m, V3, 0, pkt(1), next_offset=2048)
    return {"send": attempt(b.sys_sendto, s, b"", 0, None), "status": tx_status(m, V3, [0])}


def scenario_tx_unbound_and_address_checks(b):
    """Without a bound device and without an address: ENXIO; a short address: EINVAL; a device
    that is down: ENETDOWN. The frame keeps SEND_REQUEST."""
    setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    ring(b, s, V2, tx=True)
    m = b.mmap(s, 2 * PAGE)  # noqa
    tx_frame(m, V2, 0, pkt(1))
    ix = ifx(b, "veth0")
    out = {"unbound": attempt(b.sys_sendto, s, b"", 0, None),
           "short_addr": attempt(b.sys_sendto, s, b"", 0, sll(ix, ETH_P_EX)[:12]),
           "bad_ifindex": attempt(b.sys_sendto, s, b"", 0, sll(999, ETH_P_EX))}
    b.link_set("veth0", up=False)
    out["down"] = attempt(b.sys_sendto, s, b"", 0, sll(ix, ETH_P_EX))
    out["status"] = tx_status(m, V2, [0])
    return out


def scenario_tx_ring_and_rx_ring_one_socket(b):
    """One socket with both rings on lo: the TX part of the mapping sends, the RX part sees the
    frame go out and come back."""
    names = {1: "lo"}
    s = psock(b, SOCK_RAW, ETH_P_EX, bind_to="lo")
    setver(b, s, V2)
    ring(b, s, V2)
    ring(b, s, V2, tx=True, bs=PAGE, bn=1, fs=2048, fn=2)
    m = b.mmap(s, 3 * PAGE)
    tx_frame(m, V2, 2 * PAGE, pkt(1))
    out = {"send": attempt(b.sys_sendto, s, b"", 0, None),
           "tx_status": wait_status(m, V2, [2 * PAGE])}
    out["rx"] = frames_v12(m, V2, 2, names=names)
    return out


def scenario_tx_frames_seen_by_taps_and_stats(b):
    """Frames from the TX ring reach ETH_P_ALL taps on the sender side as OUTGOING."""
    names = setup_veth(b)
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="veth0")
    s, m = tx_ring_sock(b, V1)
    for i in range(3):
        tx_frame(m, V1, i * 2048 if i < 2 else PAGE, pkt(i))
    out = {"send": attempt(b.sys_sendto, s, b"", 0, None)}
    out["tap"] = drain(b, tap, names)
    out["tap_stats"] = stats(b, tap)
    return out


def scenario_tx_ring_poll(b):
    """POLLOUT with a free head frame (and from the send buffer anyway)."""
    setup_veth(b)
    s, m = tx_ring_sock(b, V2)
    out = {"free": b.poll(s, POLLOUT)}
    tx_frame(m, V2, 0, pkt(1))
    out["requested"] = b.poll(s, POLLOUT)
    return out


@kernel_differs("6.16 (and stable kernels after it) waits for a completion only while frames are "
                "pending, so a frame dropped under PACKET_LOSS after its skb was built no longer "
                "leaves a blocking send() waiting; 5.15 waits until SO_SNDTIMEO (ETIMEDOUT)",
                "55f0bfc03705 af_packet: fix soft lockup issue caused by tpacket_snd() (v6.16, "
                "Cc stable: queued for 5.4-6.15 stable in Aug 2025)",
                {"send": ["err", "ETIMEDOUT"], "status": [0], "dontwait": ["ok", 0]},
                since="6.16", backported={"6.1": "6.1.y stable of Aug 2025",
                                          "6.6": "6.6.y stable of Aug 2025",
                                          "6.12": "6.12.y stable of Jul 2025"})
def scenario_tx_blocking_timeout_after_loss(b):
    """5.15: a frame dropped under PACKET_LOSS after its skb was built leaves a blocking send()
    waiting for a completion that never comes: SO_SNDTIMEO ends it with ETIMEDOUT."""
    setup_veth(b)
    s, m = tx_ring_sock(b, V2, setup=lambda s: setint(b, s, SOL_PACKET, PACKET_LOSS, 1))
    b.sys_setsockopt(s, SOL_SOCKET, SO_SNDTIMEO_, timeval(0, 100000))
    tx_frame(m, V2, 0, b"\x02" * 10)                # fails dev_validate_header after allocation
    return {"send": attempt(b.sys_sendto, s, b"", 0, None), "status": tx_status(m, V2, [0]),
            "dontwait": (tx_frame(m, V2, 2048, b"\x02" * 10),
                         attempt(b.sys_sendto, s, b"", MSG_DONTWAIT, None))[1]}


# ---------------------------------------------------------------- rings with fanout, hashes, bypass

def _udp(tag, sport=1000):
    payload = bytes([tag]) * 18
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), 0, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    udp = struct.pack("!HHHH", sport, 2000, 8 + len(payload), 0)
    return mac(MAC_B) + mac(MAC_A) + struct.pack("!H", ETH_P_IP) + ip + udp + payload


def scenario_fanout_rollover_between_rings(b):
    """PACKET_FANOUT_ROLLOVER over two V2 ring members: the first member is used while its ring
    has normal room (the slot a quarter ahead is free), then frames roll over to the second."""
    names = setup_veth(b)
    members = []
    for _ in range(2):
        s, m = rx_sock(b, V2, proto=ETH_P_EX, bn=2, fn=4)
        r = setopt(b, s, 18, struct.pack("<HH", 0x77, 3))
        assert r == "ok", r
        members.append((s, m))
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(i) for i in range(7)])
    return {"rings": [[(f["status"], f.get("data", "")[28:30]) for f in frames_v12(m, V2, 4)]
                      for _, m in members],
            "stats": [stats(b, s) for s, _ in members]}


def scenario_fanout_lb_v3_rings(b):
    """PACKET_FANOUT_LB alternates between two V3 ring members; each fills its own blocks."""
    setup_veth(b)
    members = []
    for _ in range(2):
        s, m = rx_sock(b, V3, proto=ETH_P_EX)
        assert setopt(b, s, 18, struct.pack("<HH", 0x78, 1)) == "ok"
        members.append((s, m))
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [_big(i) for i in range(8)])
    return [{"b0": [p["data"][28:30] for p in block(m, 0)["pkts"]] if u32(m, 8) & 1 else "open",
             "stats": stats3(b, s)} for s, m in members]


def scenario_rx_v3_fill_rxhash_feature(b):
    """TP_FT_REQ_FILL_RXHASH puts the flow hash of an IP frame in hv1.tp_rxhash (its value is
    the host's secret: only whether it is set is compared); without the feature it is 0."""
    setup_veth(b)
    out = {}
    for feat in (0, 1):
        s, m = rx_sock(b, V3, proto=ETH_P_IP, feat=feat)
        tx = psock(b, SOCK_RAW, 0)
        for i in range(40):
            b.sys_sendto(tx, _udp(i) + bytes(1000), 0, sll(ifx(b, "veth0"), ETH_P_IP))
        out[feat] = [p["rxhash_zero"] for p in block(m, 0, data=False)["pkts"]]
        s.close()
        tx.close()
    return out


def scenario_tx_ring_qdisc_bypass(b):
    """PACKET_QDISC_BYPASS sends ring frames straight to the driver: same frames, same states."""
    names = setup_veth(b)
    s, m = tx_ring_sock(b, V2, setup=lambda s: setint(b, s, SOL_PACKET, 20, 1))
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    tx_frame(m, V2, 0, pkt(1))
    tx_frame(m, V2, 2048, pkt(2))
    return {"send": attempt(b.sys_sendto, s, b"", 0, None), "status": wait_status(m, V2, [0, 2048]),
            "received": [d["data"][28:36] for d in drain(b, rx, names)]}


def scenario_two_mappings_share_pages(b):
    """Two mappings of one ring see the same bytes: a frame the kernel wrote, and a status the
    user wrote through the other mapping."""
    setup_veth(b)
    s, m1 = rx_sock(b, V1)
    m2 = b.mmap(s, 2 * PAGE)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    out = {"same": bytes(m1[:2 * PAGE]) == bytes(m2[:2 * PAGE]), "status": m2[0]}
    set_status(m2, V1, 0, 0)
    out["after"] = m1[0]
    send_frames(b, tx, [pkt(2), pkt(3)])
    out["frames"] = [f["status"] for f in frames_v12(m1, V1, 4, data=False)]
    return out


def scenario_rx_ring_auxdata_and_origdev_options(b):
    """PACKET_ORIGDEV picks sll_ifindex of the original device (here the same); PACKET_AUXDATA
    has no effect on ring frames."""
    names = setup_veth(b)
    s, m = rx_sock(b, V2, setup=lambda s: (setint(b, s, SOL_PACKET, 9, 1),
                                           setint(b, s, SOL_PACKET, PACKET_AUXDATA, 1)))
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    return frames_v12(m, V2, 1, names=names)


def scenario_rx_ring_csum_status_on_lo(b):
    """A frame sent with a checksum request (PACKET_VNET_HDR, NEEDS_CSUM) is CHECKSUM_PARTIAL:
    both copies on lo carry TP_STATUS_CSUMNOTREADY; a plain frame carries no checksum bit."""
    names = {1: "lo"}
    s, m = rx_sock(b, V2, dev="lo", proto=ETH_P_IP)
    tx = psock(b, SOCK_RAW, 0)
    setint(b, tx, SOL_PACKET, PACKET_VNET_HDR, 1)
    vnet = struct.pack("<BBHHHH", 1, 0, 0, 0, 34, 6)
    b.sys_sendto(tx, vnet + _udp(1), 0, sll(1, ETH_P_IP))
    b.sys_sendto(tx, bytes(10) + _udp(2), 0, sll(1, ETH_P_IP))
    return [(f["status"], f.get("sll", {}).get("pkttype"))
            for f in frames_v12(m, V2, 4, names=names)]


def scenario_tx_dgram_needs_an_address(b):
    """SOCK_DGRAM TX ring without a destination: the link header cannot be built (EINVAL,
    WRONG_FORMAT); with PACKET_TX_HAS_OFF the payload is taken at tp_net."""
    names = setup_veth(b)
    s, m = tx_ring_sock(b, V2, SOCK_DGRAM)
    tx_frame(m, V2, 0, b"\x01" * 46)
    out = {"no_addr": attempt(b.sys_sendto, s, b"", 0, None), "status": tx_status(m, V2, [0])}
    s.close()
    rx = psock(b, SOCK_RAW, ETH_P_EX, bind_to="veth1")
    s, m = tx_ring_sock(b, V1, SOCK_DGRAM,
                        setup=lambda s: setint(b, s, SOL_PACKET, PACKET_TX_HAS_OFF, 1))
    tx_frame(m, V1, 0, b"\x07" * 46, mac=40, net=96)
    m[96:96 + 46] = b"\x08" * 46
    out["has_off"] = attempt(b.sys_sendto, s, b"", 0,
                             sll(ifx(b, "veth0"), ETH_P_EX, halen=6, addr=MAC_B))
    out["received"] = drain(b, rx, names)
    return out


def scenario_rx_ring_huge_reserve_drops(b):
    """A reserve that puts tp_net beyond 65535 makes every frame a counted drop."""
    setup_veth(b)
    s, m = rx_sock(b, V2, reserve=70000, bs=18 * PAGE, bn=1, fs=70064, fn=1)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    return {"status": u32(m, 0), "stats": stats(b, s)}


def scenario_rx_ring_rebind_keeps_ring(b):
    """bind() after the ring: the hook moves (still tpacket_rcv) to the new device/protocol; a
    socket created with protocol 0 starts receiving into its ring once bound."""
    names = setup_veth(b)
    s = b.socket(AF_PACKET, SOCK_RAW, 0)
    setver(b, s, V2)
    ring(b, s, V2)
    m = b.mmap(s, 2 * PAGE)
    tx = psock(b, SOCK_RAW, 0)
    send_frames(b, tx, [pkt(1)])
    out = {"unbound": frames_v12(m, V2, 1, data=False)}
    b.sys_bind(s, sll(ifx(b, "veth1"), ETH_P_EX))
    send_frames(b, tx, [pkt(2)])
    b.sys_bind(s, sll(ifx(b, "veth0"), ETH_P_ALL))
    send_frames(b, tx, [pkt(3)])
    out["frames"] = frames_v12(m, V2, 3, names=names)
    return out
