"""Register-level tests of the FTGMAC100 model: program it through MMIO, check descriptors and ISR."""
from netkernel.hw.aspeed.ast2500 import ASPEED_MAC0_BASE, Ast2500
from netkernel.hw.net.ftgmac100_regs import (
    ASPEED_RXDES0_EDORR, ASPEED_TXDES0_EDOTR, FTGMAC100_DESC, FTGMAC100_INT_NO_NPTXBUF,
    FTGMAC100_INT_NO_RXBUF, FTGMAC100_INT_RPKT_BUF, FTGMAC100_INT_RPKT_FIFO,
    FTGMAC100_INT_XPKT_ETH, FTGMAC100_MACCR_RX_BROADPKT, FTGMAC100_MACCR_RX_RUNT,
    FTGMAC100_MACCR_RXDMA_EN, FTGMAC100_RXDES0_RUNT, FTGMAC100_RXDES0_VDBC,
    FTGMAC100_MACCR_RXMAC_EN, FTGMAC100_MACCR_SW_RST, FTGMAC100_MACCR_TXDMA_EN,
    FTGMAC100_MACCR_TXMAC_EN, FTGMAC100_OFFSET_IER, FTGMAC100_OFFSET_ISR, FTGMAC100_OFFSET_MACCR,
    FTGMAC100_OFFSET_NPTXPD, FTGMAC100_OFFSET_NPTXR_BADR, FTGMAC100_OFFSET_RXR_BADR,
    FTGMAC100_RXDES0_BROADCAST, FTGMAC100_RXDES0_FRS, FTGMAC100_RXDES0_LRS,
    FTGMAC100_RXDES0_RXPKT_RDY, FTGMAC100_TXDES0_FTS, FTGMAC100_TXDES0_LTS,
    FTGMAC100_TXDES0_TXDMA_OWN)

TX_RING, RX_RING, BUF = 0x80001000, 0x80002000, 0x80010000
FRAME = b"\xff" * 6 + bytes.fromhex("020000000001") + b"\x88\xb5" + bytes(range(46))


class Sink:
    def __init__(self):
        self.frames = []
        self.backend = None

    def send(self, frame):
        self.frames.append(bytes(frame))
        return True


def soc_with_mac():
    soc = Ast2500(dram_size=1 << 20)
    mac = soc.mac0
    sink = Sink()
    mac.port = sink
    mac.phy_link = True
    w = lambda off, v: soc.bus.write32(ASPEED_MAC0_BASE + off, v)  # noqa: E731
    r = lambda off: soc.bus.read32(ASPEED_MAC0_BASE + off)  # noqa: E731
    return soc, mac, sink, w, r


def desc(soc, addr):
    return FTGMAC100_DESC.unpack(soc.dma_read(addr, 16))


def test_reset_values_are_the_documented_ones():
    soc, mac, _, w, r = soc_with_mac()
    regs = mac.regs()
    assert (regs["RBSR"], regs["DBLAC"], regs["APTC"], regs["TPAFCR"], regs["FCR"]) == \
        (0x640, 0x22F00, 1, 0xF1, 0x400)
    assert regs["MAC_MADR"] == 0x5254 and regs["MAC_LADR"] == 0x00123456


def test_isr_is_write_one_to_clear_and_the_line_is_isr_and_ier():
    soc, mac, _, w, r = soc_with_mac()
    mac.isr = FTGMAC100_INT_XPKT_ETH | FTGMAC100_INT_RPKT_BUF
    w(FTGMAC100_OFFSET_IER, FTGMAC100_INT_XPKT_ETH)
    assert soc.vic.levels[2] == 1
    w(FTGMAC100_OFFSET_ISR, FTGMAC100_INT_XPKT_ETH)
    assert r(FTGMAC100_OFFSET_ISR) == FTGMAC100_INT_RPKT_BUF
    assert soc.vic.levels[2] == 0
    assert [e[3] for e in soc.vic.log] == ["raise", "lower"]


def test_nptxpd_walks_owned_descriptors_sends_and_clears_own():
    soc, mac, sink, w, r = soc_with_mac()
    w(FTGMAC100_OFFSET_NPTXR_BADR, TX_RING)
    w(FTGMAC100_OFFSET_MACCR, FTGMAC100_MACCR_TXDMA_EN | FTGMAC100_MACCR_TXMAC_EN)
    soc.dma_write(BUF, FRAME)
    d0 = FTGMAC100_TXDES0_TXDMA_OWN | FTGMAC100_TXDES0_FTS | FTGMAC100_TXDES0_LTS | len(FRAME)
    soc.dma_write(TX_RING, FTGMAC100_DESC.pack(d0 | ASPEED_TXDES0_EDOTR, 0, 0, BUF))
    w(FTGMAC100_OFFSET_NPTXPD, 1)
    assert sink.frames == [FRAME]
    assert desc(soc, TX_RING)[0] == d0 & ~FTGMAC100_TXDES0_TXDMA_OWN | ASPEED_TXDES0_EDOTR
    assert r(FTGMAC100_OFFSET_ISR) == FTGMAC100_INT_XPKT_ETH | FTGMAC100_INT_NO_NPTXBUF
    assert mac.tx_descriptor == TX_RING          # wrapped on EDOTR (bit 30)


def test_a_descriptor_without_own_sends_nothing_but_sets_no_nptxbuf():
    soc, mac, sink, w, r = soc_with_mac()
    w(FTGMAC100_OFFSET_NPTXR_BADR, TX_RING)
    w(FTGMAC100_OFFSET_MACCR, FTGMAC100_MACCR_TXDMA_EN | FTGMAC100_MACCR_TXMAC_EN)
    w(FTGMAC100_OFFSET_NPTXPD, 1)
    assert sink.frames == [] and r(FTGMAC100_OFFSET_ISR) == FTGMAC100_INT_NO_NPTXBUF


def test_unaligned_ring_base_is_ignored():
    soc, mac, _, w, r = soc_with_mac()
    w(FTGMAC100_OFFSET_NPTXR_BADR, TX_RING + 4)
    assert r(FTGMAC100_OFFSET_NPTXR_BADR) == 0


def test_receive_fills_descriptor_and_ring_full_sets_no_rxbuf():
    soc, mac, _, w, r = soc_with_mac()
    w(FTGMAC100_OFFSET_RXR_BADR, RX_RING)
    w(FTGMAC100_OFFSET_MACCR, FTGMAC100_MACCR_RXDMA_EN | FTGMAC100_MACCR_RXMAC_EN
      | FTGMAC100_MACCR_RX_BROADPKT)
    soc.dma_write(RX_RING, FTGMAC100_DESC.pack(0, 0, 0, BUF))
    soc.dma_write(RX_RING + 16, FTGMAC100_DESC.pack(ASPEED_RXDES0_EDORR, 0, 0, BUF + 0x800))
    assert mac.receive(FRAME)
    d0 = desc(soc, RX_RING)[0]
    assert d0 == (FTGMAC100_RXDES0_RXPKT_RDY | FTGMAC100_RXDES0_FRS | FTGMAC100_RXDES0_LRS
                  | FTGMAC100_RXDES0_BROADCAST | len(FRAME))
    assert soc.dma_read(BUF, len(FRAME)) == FRAME
    assert r(FTGMAC100_OFFSET_ISR) == FTGMAC100_INT_RPKT_BUF | FTGMAC100_INT_RPKT_FIFO
    assert mac.receive(FRAME)                     # second slot, then wrap to the first
    assert mac.rx_descriptor == RX_RING
    assert not mac.receive(FRAME)                 # both slots still owned by software
    assert r(FTGMAC100_OFFSET_ISR) & FTGMAC100_INT_NO_RXBUF
    assert mac.rx_no_buf_drops == 1


def test_unicast_for_someone_else_is_filtered():
    soc, mac, _, w, r = soc_with_mac()
    w(FTGMAC100_OFFSET_RXR_BADR, RX_RING)
    w(FTGMAC100_OFFSET_MACCR, FTGMAC100_MACCR_RXDMA_EN | FTGMAC100_MACCR_RXMAC_EN)
    soc.dma_write(RX_RING, FTGMAC100_DESC.pack(ASPEED_RXDES0_EDORR, 0, 0, BUF))
    assert not mac.receive(bytes.fromhex("020000000099") + FRAME[6:])
    assert mac.receive(bytes.fromhex("525400123456") + FRAME[6:])


def test_sw_rst_keeps_speed_bits_and_self_clears():
    soc, mac, _, w, r = soc_with_mac()
    w(FTGMAC100_OFFSET_IER, 0x1FF)
    w(FTGMAC100_OFFSET_MACCR, (1 << 9) | FTGMAC100_MACCR_SW_RST)
    assert r(FTGMAC100_OFFSET_MACCR) == 1 << 9 and r(FTGMAC100_OFFSET_IER) == 0


def _rx_mac(maccr_extra=0):
    soc, mac, _, w, r = soc_with_mac()
    w(FTGMAC100_OFFSET_RXR_BADR, RX_RING)
    w(FTGMAC100_OFFSET_MACCR, FTGMAC100_MACCR_RXDMA_EN | FTGMAC100_MACCR_RXMAC_EN | maccr_extra)
    soc.dma_write(RX_RING, FTGMAC100_DESC.pack(ASPEED_RXDES0_EDORR, 0, 0, BUF))
    soc.dma_write(BUF, b"\xee" * 64)             # stale bytes from an earlier frame
    return soc, mac


def test_runts_are_stored_flagged_runt_when_rx_runt_is_set_never_filtered():
    for n in range(1, 14):
        soc, mac = _rx_mac(FTGMAC100_MACCR_RX_RUNT)
        runt = bytes(range(0x20, 0x20 + n))     # not our address, not broadcast
        assert mac.receive(runt)
        d0 = desc(soc, RX_RING)[0]
        assert d0 & FTGMAC100_RXDES0_VDBC == n
        assert d0 & (FTGMAC100_RXDES0_RUNT | FTGMAC100_RXDES0_FRS | FTGMAC100_RXDES0_LRS
                     | FTGMAC100_RXDES0_RXPKT_RDY) == (FTGMAC100_RXDES0_RUNT
                                                     | FTGMAC100_RXDES0_FRS | FTGMAC100_RXDES0_LRS
                                                     | FTGMAC100_RXDES0_RXPKT_RDY)
        assert soc.dma_read(BUF, n) == runt
        assert (mac.stats()["rx_runts"], mac.stats()["rx_filtered"]) == (1, 0)


def test_runts_are_discarded_and_counted_without_rx_runt_and_empty_frames_always():
    soc, mac = _rx_mac()
    for n in range(14):
        assert not mac.receive(bytes(n))
    soc2, mac2 = _rx_mac(FTGMAC100_MACCR_RX_RUNT)
    assert not mac2.receive(b"")
    for m, s in ((mac, soc), (mac2, soc2)):
        assert not desc(s, RX_RING)[0] & FTGMAC100_RXDES0_RXPKT_RDY
        assert m.isr == 0
    assert mac.stats()["rx_runt_drops"] == 14 and mac2.stats()["rx_runt_drops"] == 1


def test_a_14_byte_frame_is_no_runt_and_goes_through_the_filter():
    soc, mac = _rx_mac(FTGMAC100_MACCR_RX_RUNT)
    assert not mac.receive(bytes.fromhex("020000000099") + FRAME[6:14])
    assert mac.stats()["rx_filtered"] == 1
    assert mac.receive(bytes.fromhex("525400123456") + FRAME[6:14])
    assert desc(soc, RX_RING)[0] & (FTGMAC100_RXDES0_RUNT | FTGMAC100_RXDES0_VDBC) == 14
