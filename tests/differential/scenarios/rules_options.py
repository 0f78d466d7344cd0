"""Option rules found by the differential option fuzzer (tests/differential/test_option_fuzz.py)
and the NULL / short option buffers of every SOL_PACKET option.

v5.15 __sys_setsockopt hands the user's pointer to the family's handler (packet_setsockopt,
netlink_setsockopt) untouched: each handler checks the level, the option and the length first
and copies the value (copy_from_sockptr) only then, so a NULL optval is EINVAL or ENOPROTOOPT
where a check fails, EFAULT only where the copy happens, and nothing at all for
PACKET_FANOUT_DATA outside a fanout group.
"""
import struct

from ._common import *  # noqa: F401,F403

PACKET_ADD_MEMBERSHIP, PACKET_DROP_MEMBERSHIP, PACKET_RX_RING = 1, 2, 5
PACKET_COPY_THRESH, PACKET_AUXDATA, PACKET_ORIGDEV, PACKET_VERSION = 7, 8, 9, 10
PACKET_RESERVE, PACKET_TX_RING, PACKET_LOSS, PACKET_VNET_HDR = 12, 13, 14, 15
PACKET_TIMESTAMP, PACKET_FANOUT, PACKET_TX_HAS_OFF, PACKET_QDISC_BYPASS = 17, 18, 19, 20
PACKET_FANOUT_DATA = 22
PACKET_FANOUT_CBPF, PACKET_FANOUT_EBPF = 6, 7
SOL_IP, SOL_TCP, SOL_IPV6, SOL_NETLINK = 0, 6, 41, 270

PACKET_SET = {
    "ADD_MEMBERSHIP": PACKET_ADD_MEMBERSHIP, "DROP_MEMBERSHIP": PACKET_DROP_MEMBERSHIP,
    "COPY_THRESH": PACKET_COPY_THRESH, "AUXDATA": PACKET_AUXDATA, "ORIGDEV": PACKET_ORIGDEV,
    "VERSION": PACKET_VERSION, "RESERVE": PACKET_RESERVE, "LOSS": PACKET_LOSS,
    "VNET_HDR": PACKET_VNET_HDR, "TIMESTAMP": PACKET_TIMESTAMP, "FANOUT": PACKET_FANOUT,
    "TX_HAS_OFF": PACKET_TX_HAS_OFF, "QDISC_BYPASS": PACKET_QDISC_BYPASS,
    "FANOUT_DATA": PACKET_FANOUT_DATA, "IGNORE_OUTGOING": 23, "STATISTICS": 6,
    "HDRLEN": 11, "ROLLOVER_STATS": 21, "unknown_99": 99,
}
NULL_LENGTHS = (0, 1, 3, 4, 5, 8, 16, 17, 28, 40, 1000)


def _null(b, s, level, name, optlen):
    return only_err(attempt(b.sys_setsockopt, s, level, name, None, optlen))


def _null_table(b, type):
    s = b.socket(AF_PACKET, type, htons(ETH_P_EX))
    out = {}
    for key, name in PACKET_SET.items():
        out[key] = {str(n): _null(b, s, SOL_PACKET, name, n) for n in NULL_LENGTHS}
    return out


def scenario_options_null_packet_raw(b):
    """Every SOL_PACKET option given a NULL optval with optlen 0..1000 on SOCK_RAW: the length
    rule answers first (EINVAL), the copy then faults (EFAULT); read-only and unknown options are
    ENOPROTOOPT; FANOUT_DATA outside a group is EINVAL whatever the buffer."""
    return _null_table(b, SOCK_RAW)


def scenario_options_null_packet_dgram(b):
    """The same on SOCK_DGRAM (PACKET_VNET_HDR: EINVAL before anything is copied)."""
    return _null_table(b, SOCK_DGRAM)


_RING_515 = {"v0": {"15": "EINVAL", "16": "EFAULT", "27": "EFAULT", "28": "EFAULT"},
             "v2": {"15": "EINVAL", "16": "EINVAL", "27": "EINVAL", "28": "EFAULT"}}
RING_COPY_EINVAL = dict(
    reason="a tpacket_req that faults is EINVAL, not EFAULT, since the copy was folded into "
           "the length switch",
    commit="86d43e2bf93c af_packet: avoid a false positive warning in packet_setsockopt()",
    since="6.10", backported={"6.1": "6.1.y stable, May 2024", "5.15": "5.15.y stable",
                              "6.6": "6.6.32"})


@kernel_differs(expected_515={f"{v}_{k}": _RING_515[v] for v in ("v0", "v2") for k in ("rx", "tx")},
                **RING_COPY_EINVAL)
def scenario_options_null_ring_v3(b):
    """PACKET_RX_RING/TX_RING with a NULL optval: a tpacket_req (16) for V1/V2, a tpacket_req3
    (28) for V3 — shorter is EINVAL, then the copy faults."""
    out = {}
    for version in (0, 2):
        s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
        setint(b, s, SOL_PACKET, PACKET_VERSION, version)
        for key, name in (("rx", PACKET_RX_RING), ("tx", PACKET_TX_RING)):
            out[f"v{version}_{key}"] = {str(n): _null(b, s, SOL_PACKET, name, n)
                                        for n in (15, 27, 16, 28)}
        s.close()
    return out


def scenario_options_null_other_levels(b):
    """A packet socket answers ENOPROTOOPT for every level but SOL_SOCKET and SOL_PACKET before
    looking at the buffer: a NULL optval with any optlen, an IP/TCP/IPv6/netlink/unknown level."""
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    out = {}
    for level in (SOL_IP, SOL_TCP, SOL_IPV6, SOL_NETLINK, 9999):
        out[str(level)] = {str(n): _null(b, s, level, 1, n) for n in (0, 4, 64)}
    return out


def scenario_options_null_fanout_data(b):
    """PACKET_FANOUT_DATA in a CBPF group: a sock_fprog exactly (16, else EINVAL), then the copy
    (NULL: EFAULT); in an EBPF group a 4-byte fd, copied (EFAULT) before it is looked up. A
    short buffer (its tail unreadable, passed with the full optlen) faults the same way."""
    out = {}
    for key, mode in (("cbpf", PACKET_FANOUT_CBPF), ("ebpf", PACKET_FANOUT_EBPF)):
        s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
        out[f"{key}_join"] = only_err(attempt(setint, b, s, SOL_PACKET, PACKET_FANOUT,
                                              0x77 | mode << 16))
        out[key] = {str(n): _null(b, s, SOL_PACKET, PACKET_FANOUT_DATA, n) for n in (0, 4, 8, 16)}
        full = 16 if mode == PACKET_FANOUT_CBPF else 4
        out[f"{key}_short"] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, PACKET_FANOUT_DATA,
                                               bytes(full - 1), full))
        s.close()
    return out


def scenario_options_short_int_buffers(b):
    """An int option given optlen 4 but only 0..3 readable bytes faults (EFAULT) once its length
    rule passed; with optlen 3 the length rule answers (EINVAL) without a copy."""
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    out = {}
    for key in ("COPY_THRESH", "AUXDATA", "VERSION", "RESERVE", "LOSS", "VNET_HDR", "TIMESTAMP",
                "TX_HAS_OFF", "QDISC_BYPASS", "IGNORE_OUTGOING", "FANOUT"):
        name = PACKET_SET[key]
        out[key] = {f"{n}of4": only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, name,
                                                struct.pack("<i", 1)[:n], 4)) for n in (0, 2, 3)}
        out[key]["len3"] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET, name, b"\1\0\0", 3))
    out["membership_8of16"] = only_err(attempt(b.sys_setsockopt, s, SOL_PACKET,
                                               PACKET_ADD_MEMBERSHIP, bytes(8), 16))
    return out


PACKET_VNET_HDR_SZ = 24


@kernel_differs("PACKET_VNET_HDR_SZ (24: a vnet header of 0, 10 or 12 bytes, SOCK_RAW only) is "
                "unknown to 5.15: ENOPROTOOPT both ways (SOCK_PACKET has no SOL_PACKET options "
                "at all: EOPNOTSUPP)",
                "net/packet: support mergeable feature of virtio (Jianfeng Tan, v6.4; the "
                "option's subject, hash not pinned down)",
                {"raw": {"set10": "ENOPROTOOPT", "set7": "ENOPROTOOPT", "get": "ENOPROTOOPT"},
                 "dgram": {"set10": "ENOPROTOOPT", "set7": "ENOPROTOOPT", "get": "ENOPROTOOPT"},
                 "spkt": {"set10": "EOPNOTSUPP", "set7": "EOPNOTSUPP", "get": "EOPNOTSUPP"}},
                since="6.4")
def scenario_options_vnet_hdr_sz(b):
    """An option number 5.15 does not know, found by the option fuzzer."""
    out = {}
    for key, type in (("raw", SOCK_RAW), ("dgram", SOCK_DGRAM), ("spkt", SOCK_PACKET)):
        s = b.socket(AF_PACKET, type, htons(ETH_P_EX))
        out[key] = {"set10": only_err(attempt(setint, b, s, SOL_PACKET, PACKET_VNET_HDR_SZ, 10)),
                    "set7": only_err(attempt(setint, b, s, SOL_PACKET, PACKET_VNET_HDR_SZ, 7)),
                    "get": only_err(attempt(b.sys_getsockopt, s, SOL_PACKET,
                                            PACKET_VNET_HDR_SZ, 4))}
        s.close()
    return out


@kernel_differs("getsockopt(PACKET_COPY_THRESH) is ENOPROTOOPT in 5.15 (the option is set-only); "
                "newer kernels read the value back",
                "net/packet: Add getsockopt support for PACKET_COPY_THRESH (Juntong Deng, v6.7; "
                "hash not pinned down)",
                {"default": "ENOPROTOOPT", "set": "ok", "after": "ENOPROTOOPT",
                 "short": "ENOPROTOOPT"},
                since="6.7")
def scenario_options_copy_thresh_get(b):
    """PACKET_COPY_THRESH can be set (an int, exactly) but 5.15 cannot read it back."""
    s = b.socket(AF_PACKET, SOCK_RAW, htons(ETH_P_EX))
    return {"default": only_err(attempt(b.sys_getsockopt, s, SOL_PACKET, PACKET_COPY_THRESH, 4)),
            "set": only_err(attempt(setint, b, s, SOL_PACKET, PACKET_COPY_THRESH, 1234)),
            "after": only_err(attempt(b.sys_getsockopt, s, SOL_PACKET, PACKET_COPY_THRESH, 4)),
            "short": only_err(attempt(b.sys_getsockopt, s, SOL_PACKET, PACKET_COPY_THRESH, 2))}
