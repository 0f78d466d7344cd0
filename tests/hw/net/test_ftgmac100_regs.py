"""The FTGMAC100 descriptor layout the model (word indices) and the driver (byte offsets) share:
four little-endian words, status first and the buffer address last."""
from netkernel.hw.net.ftgmac100_regs import (FTGMAC100_DESC, FTGMAC100_DESC_SIZE, FTGMAC100_RXDES0,
                                             FTGMAC100_RXDES1, FTGMAC100_RXDES3, FTGMAC100_TXDES0,
                                             FTGMAC100_TXDES1, FTGMAC100_TXDES3,
                                             FTGMAC100_TXDES0_FTS, FTGMAC100_TXDES0_LTS,
                                             FTGMAC100_TXDES0_TXDMA_OWN,
                                             FTGMAC100_TXDES1_INS_VLANTAG, RXDES0, RXDES1, RXDES3,
                                             TXDES0, TXDES1, TXDES3, decode_txdes)

# a TX descriptor for a 60-byte frame at 0x80001000 (first and last segment), VLAN 5 to insert
GOLDEN_TX = bytes.fromhex("3c000030" "05000100" "00000000" "00100080")


def test_descriptor_word_offsets():
    assert FTGMAC100_DESC_SIZE == FTGMAC100_DESC.size == 16
    assert (FTGMAC100_TXDES0, FTGMAC100_TXDES1, FTGMAC100_TXDES3) == (0x0, 0x4, 0xC)
    assert (FTGMAC100_RXDES0, FTGMAC100_RXDES1, FTGMAC100_RXDES3) == (0x0, 0x4, 0xC)
    for index, offset in ((TXDES0, FTGMAC100_TXDES0), (TXDES1, FTGMAC100_TXDES1),
                          (TXDES3, FTGMAC100_TXDES3), (RXDES0, FTGMAC100_RXDES0),
                          (RXDES1, FTGMAC100_RXDES1), (RXDES3, FTGMAC100_RXDES3)):
        assert offset == 4 * index


def test_tx_descriptor_construct():
    words = [0, 0, 0, 0]
    words[TXDES0] = FTGMAC100_TXDES0_FTS | FTGMAC100_TXDES0_LTS | 60
    words[TXDES1] = FTGMAC100_TXDES1_INS_VLANTAG | 5
    words[TXDES3] = 0x80001000
    assert FTGMAC100_DESC.pack(*words) == GOLDEN_TX


def test_tx_descriptor_deconstruct_by_byte_offset_and_by_word():
    words = FTGMAC100_DESC.unpack(GOLDEN_TX)
    word_at = lambda off: int.from_bytes(GOLDEN_TX[off:off + 4], "little")  # noqa: E731
    assert word_at(FTGMAC100_TXDES3) == words[TXDES3] == 0x80001000
    assert word_at(FTGMAC100_TXDES1) == words[TXDES1] == FTGMAC100_TXDES1_INS_VLANTAG | 5
    assert word_at(FTGMAC100_TXDES0) & 0x3FFF == 60
    assert not word_at(FTGMAC100_TXDES0) & FTGMAC100_TXDES0_TXDMA_OWN
    d = decode_txdes(words)
    assert (d["size"], d["buf"], d["flags"]) == (60, 0x80001000, ["FTS", "LTS"])
