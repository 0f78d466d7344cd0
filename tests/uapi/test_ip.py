"""struct iphdr field offsets (include/uapi/linux/ip.h) against a real header's bytes."""
from netkernel.uapi.ip import (IP_MF, IPHDR_DADDR, IPHDR_FRAG_OFF, IPHDR_PROTOCOL, IPHDR_SADDR,
                               IPHDR_SIZE, IPHDR_VERSION_IHL)

# 10.0.0.1 -> 10.0.0.2, UDP, more fragments set, as a host would send it
GOLDEN = bytes.fromhex("4500" "001c" "1234" "2000" "4011" "0000" "0a000001" "0a000002")


def test_iphdr_deconstruct():
    assert len(GOLDEN) == IPHDR_SIZE
    assert GOLDEN[IPHDR_VERSION_IHL] == 0x45
    assert GOLDEN[IPHDR_PROTOCOL] == 17
    assert int.from_bytes(GOLDEN[IPHDR_FRAG_OFF:IPHDR_FRAG_OFF + 2], "big") == IP_MF
    assert GOLDEN[IPHDR_SADDR:IPHDR_SADDR + 4] == bytes([10, 0, 0, 1])
    assert GOLDEN[IPHDR_DADDR:IPHDR_DADDR + 4] == bytes([10, 0, 0, 2])
