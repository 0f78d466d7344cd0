"""struct nlattr layout (include/uapi/linux/netlink.h) on real bytes."""
from netkernel.uapi.netlink import NLA_F_NESTED, NLA_HDRLEN, NLA_LEN, NLA_TYPE, NLA_TYPE_MASK

# a nested attribute of type 3, 8 bytes long (host order: little-endian here)
GOLDEN = bytes.fromhex("0800" "0380" "2a000000")


def test_nlattr_deconstruct():
    assert NLA_HDRLEN == 4
    assert int.from_bytes(GOLDEN[NLA_LEN:NLA_LEN + 2], "little") == 8
    t = int.from_bytes(GOLDEN[NLA_TYPE:NLA_TYPE + 2], "little")
    assert t & NLA_F_NESTED and t & NLA_TYPE_MASK == 3
