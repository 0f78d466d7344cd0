"""Faraday FTGMAC100 driver (drivers/net/ethernet/faraday/ftgmac100.c, Linux 5.15).

The driver reaches the MAC only through 32-bit MMIO (ioread32/iowrite32) and descriptor rings in
guest memory; the register map is netkernel.hw.net.ftgmac100_regs, shared with the model.
Hot paths: ftgmac100_hard_start_xmit, ftgmac100_interrupt, ftgmac100_poll, ftgmac100_rx_packet.
Rules, in our words:
- xmit: pad to ETH_ZLEN, drop above MAX_PKT_SIZE, fill the slot's txdes3/txdes1, publish txdes0
  (OWN | FTS | LTS | size, EDOTR on the last slot) last, advance tx_pointer, stop the queue when
  fewer than TX_THRESHOLD slots are left, then kick NPTXPD once.
- interrupt: read ISR and write it back (write-1-to-clear), count the bad bits, mask RX/TX
  interrupts (IER = INT_BAD) and schedule NAPI.
- poll: clean completed TX slots (OWN clear) and wake the queue when room is back; receive up to
  the budget; keep polling while TX is pending; else clear INT_RXTX, re-check, complete, IER = ALL.
- set_rx_mode: the multicast list hashed into MAHT0/MAHT1 (HT_MULTI_EN in MACCR while the list
  is not empty), rewritten whenever the list or the flags change on a running device.
- link: the PHY's result (speed, duplex, pause) in adjust_link; a new link masks interrupts and
  queues the reset task (v5.15; 6.1 resets from adjust_link itself), as does an AHB error.
Checked against the real driver on QEMU's AST2500 (tests/hw/aspeed/, data in tests/data/ast2500).
DIVERGENCE(#4): no NC-SI (the AST2500 EVB's device tree has no use-ncsi: Linux drives the PHY
over MDIO there too), no ethtool setters, no VLAN-filter ops; MAC address changes are not
written back (no ndo_set_mac_address).
"""
from __future__ import annotations

LINUX_SOURCE = "drivers/net/ethernet/faraday/ftgmac100.c"

from netkernel.drivers.base.platform import PlatformDevice, platform_get_irq
from netkernel.drivers.net.phy.phy import (DUPLEX_FULL, PhyDevice, phy_connect,
                                           phy_ethtool_get_link_ksettings, phy_start, phy_stop,
                                           phy_support_asym_pause)
from netkernel.net.ethtool.ioctl import EthtoolOps, ethtool_op_get_link
from netkernel.hw.net.ftgmac100_regs import (
    ASPEED_RXDES0_EDORR, ASPEED_TXDES0_EDOTR, FTGMAC100_APTC_RXPOLL_CNT,
    FTGMAC100_DBLAC_RX_THR_EN, FTGMAC100_DBLAC_RXBURST_SIZE, FTGMAC100_DBLAC_RXDES_SIZE,
    FTGMAC100_DBLAC_RXFIFO_HTHR, FTGMAC100_DBLAC_RXFIFO_LTHR, FTGMAC100_DBLAC_TXBURST_SIZE,
    FTGMAC100_DBLAC_TXDES_SIZE, FTGMAC100_DESC_SIZE, FTGMAC100_FCR_FC_EN, FTGMAC100_FCR_FCTHR_EN,
    FTGMAC100_FCR_PAUSE_TIME, FTGMAC100_INT_AHB_ERR, FTGMAC100_INT_ALL, FTGMAC100_INT_BAD,
    FTGMAC100_INT_NO_RXBUF, FTGMAC100_INT_RPKT_LOST, FTGMAC100_INT_RXTX, FTGMAC100_INT_XPKT_LOST,
    FTGMAC100_ITC_RXINT_THR, FTGMAC100_ITC_TXINT_THR, FTGMAC100_MACCR_CRC_APD,
    FTGMAC100_MACCR_FAST_MODE, FTGMAC100_MACCR_FULLDUP, FTGMAC100_MACCR_GIGA_MODE,
    FTGMAC100_MACCR_HT_MULTI_EN, FTGMAC100_MACCR_PHY_LINK_LEVEL, FTGMAC100_MACCR_RM_VLAN,
    FTGMAC100_MACCR_RX_ALL, FTGMAC100_MACCR_RX_BROADPKT, FTGMAC100_MACCR_RX_MULTIPKT,
    FTGMAC100_MACCR_RX_RUNT, FTGMAC100_MACCR_RXDMA_EN, FTGMAC100_MACCR_RXMAC_EN,
    FTGMAC100_MACCR_SW_RST, FTGMAC100_MACCR_TXDMA_EN, FTGMAC100_MACCR_TXMAC_EN,
    FTGMAC100_OFFSET_APTC, FTGMAC100_OFFSET_DBLAC, FTGMAC100_OFFSET_FCR, FTGMAC100_OFFSET_FEAR,
    FTGMAC100_OFFSET_IER, FTGMAC100_OFFSET_ISR, FTGMAC100_OFFSET_ITC, FTGMAC100_OFFSET_MAC_LADR,
    FTGMAC100_OFFSET_MAC_MADR, FTGMAC100_OFFSET_MACCR, FTGMAC100_OFFSET_MAHT0,
    FTGMAC100_OFFSET_MAHT1, FTGMAC100_OFFSET_NPTXPD, FTGMAC100_OFFSET_NPTXR_BADR,
    FTGMAC100_OFFSET_PHYCR, FTGMAC100_OFFSET_PHYDATA, FTGMAC100_OFFSET_RBSR,
    FTGMAC100_OFFSET_REVR, FTGMAC100_OFFSET_RXR_BADR, FTGMAC100_OFFSET_TPAFCR,
    FTGMAC100_PHYCR_MDC_CYCTHR_MASK, FTGMAC100_PHYCR_MIIRD, FTGMAC100_PHYCR_PHYAD,
    FTGMAC100_PHYCR_REGAD, FTGMAC100_PHYDATA_MIIRDATA, FTGMAC100_RBSR_SIZE,
    FTGMAC100_REVR_NEW_MDIO_INTERFACE, FTGMAC100_RXDES0, FTGMAC100_RXDES1, FTGMAC100_RXDES3,
    FTGMAC100_RXDES0_FRS, FTGMAC100_RXDES0_LRS,
    FTGMAC100_RXDES0_MULTICAST, FTGMAC100_RXDES0_RUNT, FTGMAC100_RXDES0_RX_ERR,
    FTGMAC100_RXDES0_CRC_ERR, FTGMAC100_RXDES0_FTL, FTGMAC100_RXDES0_RX_ODD_NB,
    FTGMAC100_RXDES0_RXPKT_RDY, FTGMAC100_RXDES0_VDBC, FTGMAC100_RXDES1_IP_CHKSUM_ERR,
    FTGMAC100_RXDES1_PROT_MASK, FTGMAC100_RXDES1_TCP_CHKSUM_ERR, FTGMAC100_RXDES1_UDP_CHKSUM_ERR,
    FTGMAC100_RXDES1_VLANTAG_AVAIL, FTGMAC100_TXDES0, FTGMAC100_TXDES1, FTGMAC100_TXDES3,
    FTGMAC100_TXDES0_FTS, FTGMAC100_TXDES0_LTS,
    FTGMAC100_TXDES0_TXBUF_SIZE, FTGMAC100_TXDES0_TXDMA_OWN, FTGMAC100_TXDES1_INS_VLANTAG,
    RXDES0_ANY_ERROR)
from netkernel.hw.net.ftgmac100_regs import FTGMAC100_PHYCR_MIIWR, FTGMAC100_PHYDATA_MIIWDATA
from netkernel.kernel.dma.mapping import (DMA_FROM_DEVICE, DMA_TO_DEVICE, dma_alloc_coherent,
                                          dma_free_coherent, dma_map_single, dma_mapping_error,
                                          _coherent_read32, dma_unmap_single, _coherent_write32)
from netkernel.kernel.irq.manage import free_irq, request_irq
from netkernel.include.linux.workqueue import WorkStruct, schedule_work
from netkernel.include.linux.crc32 import ether_crc_le
from netkernel.include.linux.skbuff import netdev_alloc_skb_ip_align
from netkernel.lib.devres import devm_ioremap_resource
from netkernel.lib.iomap import ioread32, iowrite32
from netkernel.include.linux.etherdevice import eth_skb_pad
from netkernel.include.linux.netdevice import (napi_complete, napi_schedule_irqoff, netdev_priv,
                                               netif_napi_del, netif_queue_stopped,
                                               netif_running, netif_start_queue, netif_stop_queue,
                                               netif_tx_disable, netif_wake_queue)
from netkernel.net.core.dev import (NETDEV_TX_OK, NapiStruct, NetDevice, NetDeviceOps,
                                    napi_disable, napi_enable, napi_gro_receive, netif_napi_add,
                                    netif_receive_skb, register_netdevice)
from netkernel.net.core.skbuff import (SkBuff, alloc_skb, consume_skb, kfree_skb, skb_put,
                                      skb_reserve)
from netkernel.net.ethernet.eth import eth_type_trans, ether_setup
from netkernel.net.sched.sch_generic import pfifo_fast
from netkernel.uapi.errno import ENOMEM

EIO = 5  # include/uapi/asm-generic/errno-base.h
from netkernel.uapi.if_ import IFF_ALLMULTI, IFF_PROMISC
from netkernel.uapi.if_ether import ETH_HLEN, ETH_P_8021Q

DRV_NAME = "ftgmac100"
TX_QUEUE_ENTRIES = 128
RX_QUEUE_ENTRIES = 128
MAX_TX_QUEUE_ENTRIES = 1024
MAX_RX_QUEUE_ENTRIES = 1024
MIN_RX_QUEUE_ENTRIES = 32
RX_BUF_SIZE = 1536
MAX_PKT_SIZE = 1536
MAX_SKB_FRAGS = 17
TX_THRESHOLD = MAX_SKB_FRAGS + 1
ETH_ZLEN = 60
NET_IP_ALIGN = 2
NET_SKB_PAD = 32            # max(32, L1_CACHE_BYTES) on the AST2500's ARM11
CHECKSUM_NONE = 0
CHECKSUM_UNNECESSARY = 1


class Ftgmac100:
    """struct ftgmac100 (netdev_priv): registers, rings in DRAM, NAPI, PHY and link state.
    Lock order: the machine lock (rtnl + the TX lock + the IRQ context, all one here)."""
    __slots__ = (
        # resources
        "netdev", "pdev", "dev", "base", "irq",
        # rings
        "rxdes_dma", "txdes_dma", "rx_scratch_dma", "rx_skbs", "tx_skbs", "rx_pointer",
        "tx_pointer", "tx_clean_pointer", "rx_q_entries", "tx_q_entries", "new_rx_q_entries",
        "new_tx_q_entries", "txdes0_edotr_mask", "rxdes0_edorr_mask",
        # NAPI, PHY, link, filters, flow control
        "napi", "reset_task", "phydev", "cur_speed", "cur_duplex", "use_ncsi", "maht0", "maht1",
        "tx_pause", "rx_pause", "aneg_pause", "need_mac_restart", "is_aspeed",
        # the cable end of the MAC's PHY (set by the machine; netkernel.connect plugs into it)
        "port")

    def __init__(self):
        for f in self.__slots__:
            setattr(self, f, None)


def _txdes(priv: Ftgmac100, i: int) -> int:
    return priv.txdes_dma + i * FTGMAC100_DESC_SIZE


def _rxdes(priv: Ftgmac100, i: int) -> int:
    return priv.rxdes_dma + i * FTGMAC100_DESC_SIZE


# ---------------------------------------------------------------- MAC reset and set-up

def ftgmac100_reset_mac(priv: Ftgmac100, maccr: int) -> int:
    """ftgmac100_reset_mac: write MACCR, then with SW_RST, and wait for SW_RST to clear."""
    iowrite32(maccr, priv.base, FTGMAC100_OFFSET_MACCR)
    iowrite32(maccr | FTGMAC100_MACCR_SW_RST, priv.base, FTGMAC100_OFFSET_MACCR)
    for _ in range(200):
        if not ioread32(priv.base, FTGMAC100_OFFSET_MACCR) & FTGMAC100_MACCR_SW_RST:
            return 0
    return -EIO


def ftgmac100_reset_and_config_mac(priv: Ftgmac100) -> int:
    """ftgmac100_reset_and_config_mac: speed bits from cur_speed, ring pointers to 0, reset twice."""
    maccr = 0
    if priv.cur_speed == 100:
        maccr |= FTGMAC100_MACCR_FAST_MODE
    elif priv.cur_speed == 1000:
        maccr |= FTGMAC100_MACCR_GIGA_MODE
    priv.rx_pointer = 0
    priv.tx_clean_pointer = 0
    priv.tx_pointer = 0
    if ftgmac100_reset_mac(priv, maccr):
        return -EIO
    return ftgmac100_reset_mac(priv, maccr)


def ftgmac100_write_mac_addr(priv: Ftgmac100, mac: bytes) -> None:
    iowrite32((mac[0] << 8) | mac[1], priv.base, FTGMAC100_OFFSET_MAC_MADR)
    iowrite32((mac[2] << 24) | (mac[3] << 16) | (mac[4] << 8) | mac[5], priv.base,
              FTGMAC100_OFFSET_MAC_LADR)


def ftgmac100_initial_mac(priv: Ftgmac100) -> int:
    """ftgmac100_initial_mac: the DT's local-mac-address, else the chip's if valid, else random."""
    dt = priv.dev.of_node.get("local-mac-address")
    if dt:
        priv.netdev.dev_addr = bytes(dt)
        return 0
    m = ioread32(priv.base, FTGMAC100_OFFSET_MAC_MADR)
    lo = ioread32(priv.base, FTGMAC100_OFFSET_MAC_LADR)
    mac = bytes(((m >> 8) & 0xFF, m & 0xFF, (lo >> 24) & 0xFF, (lo >> 16) & 0xFF,
                 (lo >> 8) & 0xFF, lo & 0xFF))
    if not mac[0] & 1 and any(mac):
        priv.netdev.dev_addr = mac
    else:
        rnd = priv.dev.of_node.get("random-mac", b"\x02\x00\x00\x00\x00\x01")
        priv.netdev.dev_addr = bytes(rnd)
    return 0


def ftgmac100_config_pause(priv: Ftgmac100) -> None:
    fcr = FTGMAC100_FCR_PAUSE_TIME(16)
    if priv.rx_pause:
        fcr |= FTGMAC100_FCR_FC_EN
    if priv.tx_pause:
        fcr |= FTGMAC100_FCR_FCTHR_EN
    iowrite32(fcr, priv.base, FTGMAC100_OFFSET_FCR)


def ftgmac100_init_hw(priv: Ftgmac100) -> None:
    """ftgmac100_init_hw: clear ISR, ring bases, RBSR, APTC, MAC address, hash, DBLAC, ITC, TPAFCR."""
    base = priv.base
    reg = ioread32(base, FTGMAC100_OFFSET_ISR)
    iowrite32(reg, base, FTGMAC100_OFFSET_ISR)
    iowrite32(priv.rxdes_dma, base, FTGMAC100_OFFSET_RXR_BADR)
    iowrite32(priv.txdes_dma, base, FTGMAC100_OFFSET_NPTXR_BADR)
    iowrite32(FTGMAC100_RBSR_SIZE(RX_BUF_SIZE), base, FTGMAC100_OFFSET_RBSR)
    iowrite32(FTGMAC100_APTC_RXPOLL_CNT(1), base, FTGMAC100_OFFSET_APTC)
    ftgmac100_write_mac_addr(priv, priv.netdev.dev_addr)
    iowrite32(priv.maht0, base, FTGMAC100_OFFSET_MAHT0)
    iowrite32(priv.maht1, base, FTGMAC100_OFFSET_MAHT1)
    iowrite32(FTGMAC100_DBLAC_RXDES_SIZE(2) | FTGMAC100_DBLAC_TXDES_SIZE(2)
              | FTGMAC100_DBLAC_RXBURST_SIZE(3) | FTGMAC100_DBLAC_TXBURST_SIZE(3)
              | FTGMAC100_DBLAC_RX_THR_EN | FTGMAC100_DBLAC_RXFIFO_HTHR(6)
              | FTGMAC100_DBLAC_RXFIFO_LTHR(2), base, FTGMAC100_OFFSET_DBLAC)
    iowrite32(FTGMAC100_ITC_RXINT_THR(1) | FTGMAC100_ITC_TXINT_THR(1), base, FTGMAC100_OFFSET_ITC)
    reg = ioread32(base, FTGMAC100_OFFSET_FEAR)
    rfifo_sz = reg & 0x7
    tfifo_sz = (reg >> 3) & 0x7
    reg = ioread32(base, FTGMAC100_OFFSET_TPAFCR)
    reg &= ~0x3F000000
    reg |= (tfifo_sz << 27) | (rfifo_sz << 24)
    iowrite32(reg, base, FTGMAC100_OFFSET_TPAFCR)


def ftgmac100_start_hw(priv: Ftgmac100) -> None:
    """ftgmac100_start_hw: keep the speed bits, enable DMA and MAC both ways, add the filters."""
    maccr = ioread32(priv.base, FTGMAC100_OFFSET_MACCR)
    maccr &= FTGMAC100_MACCR_FAST_MODE | FTGMAC100_MACCR_GIGA_MODE
    maccr |= (FTGMAC100_MACCR_TXDMA_EN | FTGMAC100_MACCR_RXDMA_EN | FTGMAC100_MACCR_TXMAC_EN
              | FTGMAC100_MACCR_RXMAC_EN | FTGMAC100_MACCR_CRC_APD
              | FTGMAC100_MACCR_PHY_LINK_LEVEL | FTGMAC100_MACCR_RX_RUNT
              | FTGMAC100_MACCR_RX_BROADPKT)
    netdev = priv.netdev
    if priv.cur_duplex == DUPLEX_FULL:
        maccr |= FTGMAC100_MACCR_FULLDUP
    if netdev.flags & IFF_PROMISC:
        maccr |= FTGMAC100_MACCR_RX_ALL
    if netdev.flags & IFF_ALLMULTI:
        maccr |= FTGMAC100_MACCR_RX_MULTIPKT
    elif netdev.mc:
        maccr |= FTGMAC100_MACCR_HT_MULTI_EN
    maccr |= FTGMAC100_MACCR_RM_VLAN          # NETIF_F_HW_VLAN_CTAG_RX is on by default
    iowrite32(maccr, priv.base, FTGMAC100_OFFSET_MACCR)


def ftgmac100_stop_hw(priv: Ftgmac100) -> None:
    iowrite32(0, priv.base, FTGMAC100_OFFSET_MACCR)


def ftgmac100_calc_mc_hash(priv: Ftgmac100) -> None:
    """ftgmac100_calc_mc_hash: one bit per multicast address: the inverted top six bits of the
    little-endian CRC of the address (bits 2..7 of ether_crc_le, inverted) index the 64-bit
    MAHT1:MAHT0 table."""
    maht0 = maht1 = 0
    for addr in priv.netdev.mc:
        idx = ~(ether_crc_le(addr) >> 2) & 0x3F
        if idx >= 32:
            maht1 |= 1 << (idx - 32)
        else:
            maht0 |= 1 << idx
    priv.maht0 = maht0
    priv.maht1 = maht1


def ftgmac100_set_rx_mode(netdev: NetDevice) -> None:
    """ftgmac100_set_rx_mode (ndo_set_rx_mode): recompute the hash; on a running device write
    MAHT0/MAHT1 and MACCR again (start_hw picks promiscuous, all-multicast or the hash)."""
    priv = netdev.priv
    ftgmac100_calc_mc_hash(priv)
    if not netif_running(netdev):
        return
    iowrite32(priv.maht0, priv.base, FTGMAC100_OFFSET_MAHT0)
    iowrite32(priv.maht1, priv.base, FTGMAC100_OFFSET_MAHT1)
    ftgmac100_start_hw(priv)


# ---------------------------------------------------------------- RX buffers

def ftgmac100_alloc_rx_buf(priv: Ftgmac100, entry: int) -> int:
    """ftgmac100_alloc_rx_buf: a fresh skb mapped into the slot (the scratch buffer if that
    fails), then rxdes0 cleared — EDORR kept on the last slot — which hands the slot back."""
    netdev = priv.netdev
    err = 0
    skb = netdev_alloc_skb_ip_align(netdev, RX_BUF_SIZE)
    addr = dma_map_single(priv.dev, skb.buf, skb.data, RX_BUF_SIZE, DMA_FROM_DEVICE)
    if dma_mapping_error(priv.dev, addr):
        addr = priv.rx_scratch_dma
        skb = None
        err = -ENOMEM
    priv.rx_skbs[entry] = skb
    rxdes = _rxdes(priv, entry)
    _coherent_write32(priv.dev, rxdes + FTGMAC100_RXDES3, addr)
    _coherent_write32(priv.dev, rxdes + FTGMAC100_RXDES0,
                      priv.rxdes0_edorr_mask if entry == priv.rx_q_entries - 1 else 0)
    return err


def ftgmac100_rx_packet_error(priv: Ftgmac100, status: int) -> None:
    st = priv.netdev.stats
    if status & FTGMAC100_RXDES0_RX_ERR:
        st.rx_errors += 1
    if status & FTGMAC100_RXDES0_CRC_ERR:
        st.rx_crc_errors += 1
    if status & (FTGMAC100_RXDES0_FTL | FTGMAC100_RXDES0_RUNT | FTGMAC100_RXDES0_RX_ODD_NB):
        st.rx_length_errors += 1


def ftgmac100_rx_packet(priv: Ftgmac100, processed: list) -> bool:
    """ftgmac100_rx_packet: take one ready descriptor: errors and fragments are dropped and the
    slot given back; a good frame is unmapped, the slot refilled, and the skb sent up."""
    netdev = priv.netdev
    dev = priv.dev
    pointer = priv.rx_pointer
    rxdes = _rxdes(priv, pointer)
    status = _coherent_read32(dev, rxdes + FTGMAC100_RXDES0)
    if not status & FTGMAC100_RXDES0_RXPKT_RDY:
        return False
    if not status & FTGMAC100_RXDES0_FRS or not status & FTGMAC100_RXDES0_LRS:
        return _rx_drop(priv, rxdes, status, pointer)
    size = status & FTGMAC100_RXDES0_VDBC
    csum_vlan = _coherent_read32(dev, rxdes + FTGMAC100_RXDES1)
    if status & RXDES0_ANY_ERROR:
        if (status & FTGMAC100_RXDES0_RUNT and csum_vlan & FTGMAC100_RXDES1_VLANTAG_AVAIL
                and size >= 60):
            status &= ~FTGMAC100_RXDES0_RUNT
        if status & RXDES0_ANY_ERROR:
            ftgmac100_rx_packet_error(priv, status)
            return _rx_drop(priv, rxdes, status, pointer)
    if size < ETH_HLEN:
        # DIVERGENCE(#8): 5.15 trusts the MAC to flag anything this short as RUNT and would pull
        # ETH_HLEN past the end (skb->len wraps). Only a descriptor written by hand reaches
        # here: counted as the RUNT case is, and dropped.
        netdev.stats.rx_length_errors += 1
        return _rx_drop(priv, rxdes, status, pointer)
    skb = priv.rx_skbs[pointer]
    if skb is None:
        ftgmac100_alloc_rx_buf(priv, pointer)
        return _rx_drop(priv, rxdes, status, pointer)
    if status & FTGMAC100_RXDES0_MULTICAST:
        netdev.stats.multicast += 1
    if (csum_vlan & (FTGMAC100_RXDES1_TCP_CHKSUM_ERR | FTGMAC100_RXDES1_UDP_CHKSUM_ERR
                     | FTGMAC100_RXDES1_IP_CHKSUM_ERR)
            or not csum_vlan & FTGMAC100_RXDES1_PROT_MASK):
        skb.ip_summed = CHECKSUM_NONE
    else:
        skb.ip_summed = CHECKSUM_UNNECESSARY
    skb_put(skb, size)
    if csum_vlan & FTGMAC100_RXDES1_VLANTAG_AVAIL:
        skb.vlan_proto = ETH_P_8021Q        # __vlan_hwaccel_put_tag
        skb.vlan_tci = csum_vlan & 0xFFFF
    addr = _coherent_read32(dev, rxdes + FTGMAC100_RXDES3)
    dma_unmap_single(dev, addr, size, DMA_FROM_DEVICE)   # ARM: only the bytes received
    ftgmac100_alloc_rx_buf(priv, pointer)
    priv.rx_pointer = (pointer + 1) & (priv.rx_q_entries - 1)
    skb.protocol = eth_type_trans(skb, netdev)
    netdev.stats.rx_packets += 1
    netdev.stats.rx_bytes += size
    if skb.ip_summed == CHECKSUM_NONE:
        netif_receive_skb(skb)
    else:
        napi_gro_receive(priv.napi, skb)
    processed[0] += 1
    return True


def _rx_drop(priv: Ftgmac100, rxdes: int, status: int, pointer: int) -> bool:
    """The drop path of ftgmac100_rx_packet: give the slot back, count rx_dropped."""
    _coherent_write32(priv.dev, rxdes + FTGMAC100_RXDES0, status & priv.rxdes0_edorr_mask)
    priv.rx_pointer = (pointer + 1) & (priv.rx_q_entries - 1)
    priv.netdev.stats.rx_dropped += 1
    return True


# ---------------------------------------------------------------- TX

def ftgmac100_base_tx_ctlstat(priv: Ftgmac100, index: int) -> int:
    return priv.txdes0_edotr_mask if index == priv.tx_q_entries - 1 else 0


def ftgmac100_tx_buf_avail(priv: Ftgmac100) -> int:
    """Free TX slots; one is always kept empty so full and empty differ."""
    return (priv.tx_clean_pointer - priv.tx_pointer - 1) & (priv.tx_q_entries - 1)


def ftgmac100_tx_buf_cleanable(priv: Ftgmac100) -> bool:
    return priv.tx_pointer != priv.tx_clean_pointer


def ftgmac100_free_tx_packet(priv: Ftgmac100, pointer: int, skb: SkBuff, ctl_stat: int) -> None:
    addr = _coherent_read32(priv.dev, _txdes(priv, pointer) + FTGMAC100_TXDES3)
    dma_unmap_single(priv.dev, addr, skb.len, DMA_TO_DEVICE)
    if ctl_stat & FTGMAC100_TXDES0_LTS:
        consume_skb(skb)                    # dev_kfree_skb
    priv.tx_skbs[pointer] = None


def ftgmac100_tx_complete_packet(priv: Ftgmac100) -> bool:
    """ftgmac100_tx_complete_packet: one slot the MAC is done with (OWN clear): count, free,
    reset txdes0 to just its end-of-ring bit, advance the cleaner."""
    netdev = priv.netdev
    pointer = priv.tx_clean_pointer
    txdes = _txdes(priv, pointer)
    ctl_stat = _coherent_read32(priv.dev, txdes + FTGMAC100_TXDES0)
    if ctl_stat & FTGMAC100_TXDES0_TXDMA_OWN:
        return False
    skb = priv.tx_skbs[pointer]
    netdev.stats.tx_packets += 1
    netdev.stats.tx_bytes += skb.len
    ftgmac100_free_tx_packet(priv, pointer, skb, ctl_stat)
    _coherent_write32(priv.dev, txdes + FTGMAC100_TXDES0, ctl_stat & priv.txdes0_edotr_mask)
    priv.tx_clean_pointer = (pointer + 1) & (priv.tx_q_entries - 1)
    return True


def ftgmac100_tx_complete(priv: Ftgmac100) -> None:
    """ftgmac100_tx_complete: clean what is done; wake a stopped queue once there is room."""
    while ftgmac100_tx_buf_cleanable(priv) and ftgmac100_tx_complete_packet(priv):
        pass
    netdev = priv.netdev
    if netif_queue_stopped(netdev) and ftgmac100_tx_buf_avail(priv) >= TX_THRESHOLD:
        netif_wake_queue(netdev)


def ftgmac100_hard_start_xmit(skb: SkBuff, netdev: NetDevice) -> int:
    """ftgmac100_hard_start_xmit (drivers/net/ethernet/faraday/ftgmac100.c): map the frame into
    the next slot, publish OWN last, stop the queue below TX_THRESHOLD free slots, kick NPTXPD."""
    priv = netdev.priv
    if eth_skb_pad(skb):
        netdev.stats.tx_dropped += 1
        return NETDEV_TX_OK
    length = skb.tail - skb.data
    if length > MAX_PKT_SIZE:
        kfree_skb(skb)
        netdev.stats.tx_dropped += 1
        return NETDEV_TX_OK
    csum_vlan = 0
    if skb.vlan_tci >= 0:
        csum_vlan |= FTGMAC100_TXDES1_INS_VLANTAG | (skb.vlan_tci & 0xFFFF)
    dev = priv.dev
    addr = dma_map_single(dev, skb.buf, skb.data, length, DMA_TO_DEVICE)
    if dma_mapping_error(dev, addr):
        kfree_skb(skb)
        netdev.stats.tx_dropped += 1
        return NETDEV_TX_OK
    pointer = priv.tx_pointer
    txdes = _txdes(priv, pointer)
    priv.tx_skbs[pointer] = skb
    f_ctl_stat = (ftgmac100_base_tx_ctlstat(priv, pointer) | FTGMAC100_TXDES0_TXDMA_OWN
                  | FTGMAC100_TXDES0_TXBUF_SIZE(length) | FTGMAC100_TXDES0_FTS
                  | FTGMAC100_TXDES0_LTS)
    _coherent_write32(dev, txdes + FTGMAC100_TXDES3, addr)
    _coherent_write32(dev, txdes + FTGMAC100_TXDES1, csum_vlan)
    pointer = (pointer + 1) & (priv.tx_q_entries - 1)
    # dma_wmb(); then OWN goes to the MAC
    _coherent_write32(dev, txdes + FTGMAC100_TXDES0, f_ctl_stat)
    priv.tx_pointer = pointer
    if ftgmac100_tx_buf_avail(priv) < TX_THRESHOLD:
        netif_stop_queue(netdev)
        if ftgmac100_tx_buf_avail(priv) >= TX_THRESHOLD:
            netif_wake_queue(netdev)
    iowrite32(1, priv.base, FTGMAC100_OFFSET_NPTXPD)
    return NETDEV_TX_OK


# ---------------------------------------------------------------- rings

def ftgmac100_free_buffers(priv: Ftgmac100) -> None:
    for i in range(priv.rx_q_entries or 0):
        skb = priv.rx_skbs[i]
        if skb is None:
            continue
        priv.rx_skbs[i] = None
        buf = _coherent_read32(priv.dev, _rxdes(priv, i) + FTGMAC100_RXDES3)
        dma_unmap_single(priv.dev, buf, 0, DMA_FROM_DEVICE)
        kfree_skb(skb)
    for i in range(priv.tx_q_entries or 0):
        skb = priv.tx_skbs[i]
        if skb is None:
            continue
        ctl_stat = _coherent_read32(priv.dev, _txdes(priv, i) + FTGMAC100_TXDES0)
        ftgmac100_free_tx_packet(priv, i, skb, ctl_stat)


def ftgmac100_free_rings(priv: Ftgmac100) -> None:
    if priv.rxdes_dma:
        dma_free_coherent(priv.dev, MAX_RX_QUEUE_ENTRIES * FTGMAC100_DESC_SIZE, priv.rxdes_dma)
    if priv.txdes_dma:
        dma_free_coherent(priv.dev, MAX_TX_QUEUE_ENTRIES * FTGMAC100_DESC_SIZE, priv.txdes_dma)
    if priv.rx_scratch_dma:
        dma_free_coherent(priv.dev, RX_BUF_SIZE, priv.rx_scratch_dma)
    priv.rxdes_dma = priv.txdes_dma = priv.rx_scratch_dma = 0


def ftgmac100_alloc_rings(priv: Ftgmac100) -> int:
    """ftgmac100_alloc_rings: skb arrays, both descriptor rings (always 1024 entries) and the
    scratch buffer, in coherent DMA memory."""
    priv.rx_skbs = [None] * MAX_RX_QUEUE_ENTRIES
    priv.tx_skbs = [None] * MAX_TX_QUEUE_ENTRIES
    priv.rxdes_dma = dma_alloc_coherent(priv.dev, MAX_RX_QUEUE_ENTRIES * FTGMAC100_DESC_SIZE)
    priv.txdes_dma = dma_alloc_coherent(priv.dev, MAX_TX_QUEUE_ENTRIES * FTGMAC100_DESC_SIZE)
    priv.rx_scratch_dma = dma_alloc_coherent(priv.dev, RX_BUF_SIZE)
    if not (priv.rxdes_dma and priv.txdes_dma and priv.rx_scratch_dma):
        return -ENOMEM
    return 0


def ftgmac100_init_rings(priv: Ftgmac100) -> None:
    """ftgmac100_init_rings: every rxdes0 = 0 with the scratch buffer, EDORR on the last; every
    txdes0 = 0, EDOTR on the last."""
    priv.rx_q_entries = priv.new_rx_q_entries
    priv.tx_q_entries = priv.new_tx_q_entries
    dev = priv.dev
    for i in range(priv.rx_q_entries):
        _coherent_write32(dev, _rxdes(priv, i) + FTGMAC100_RXDES0, 0)
        _coherent_write32(dev, _rxdes(priv, i) + FTGMAC100_RXDES3, priv.rx_scratch_dma)
    last = _rxdes(priv, priv.rx_q_entries - 1) + FTGMAC100_RXDES0
    _coherent_write32(dev, last, _coherent_read32(dev, last) | priv.rxdes0_edorr_mask)
    for i in range(priv.tx_q_entries):
        _coherent_write32(dev, _txdes(priv, i) + FTGMAC100_TXDES0, 0)
    last = _txdes(priv, priv.tx_q_entries - 1) + FTGMAC100_TXDES0
    _coherent_write32(dev, last, _coherent_read32(dev, last) | priv.txdes0_edotr_mask)


def ftgmac100_alloc_rx_buffers(priv: Ftgmac100) -> int:
    for i in range(priv.rx_q_entries):
        if ftgmac100_alloc_rx_buf(priv, i):
            return -ENOMEM
    return 0


# ---------------------------------------------------------------- MDIO and link

def ftgmac100_mdiobus_read(priv: Ftgmac100, phy_addr: int, regnum: int) -> int:
    """ftgmac100_mdiobus_read: the old MDIO interface: PHYCR with MIIRD, poll, data in PHYDATA."""
    phycr = ioread32(priv.base, FTGMAC100_OFFSET_PHYCR) & FTGMAC100_PHYCR_MDC_CYCTHR_MASK
    phycr |= FTGMAC100_PHYCR_PHYAD(phy_addr) | FTGMAC100_PHYCR_REGAD(regnum) | FTGMAC100_PHYCR_MIIRD
    iowrite32(phycr, priv.base, FTGMAC100_OFFSET_PHYCR)
    for _ in range(10):
        if not ioread32(priv.base, FTGMAC100_OFFSET_PHYCR) & FTGMAC100_PHYCR_MIIRD:
            return FTGMAC100_PHYDATA_MIIRDATA(ioread32(priv.base, FTGMAC100_OFFSET_PHYDATA))
    return -EIO


def ftgmac100_mdiobus_write(priv: Ftgmac100, phy_addr: int, regnum: int, value: int) -> int:
    """ftgmac100_mdiobus_write: the data in PHYDATA, then PHYCR with MIIWR; poll until the MAC
    clears MIIWR."""
    phycr = ioread32(priv.base, FTGMAC100_OFFSET_PHYCR) & FTGMAC100_PHYCR_MDC_CYCTHR_MASK
    phycr |= FTGMAC100_PHYCR_PHYAD(phy_addr) | FTGMAC100_PHYCR_REGAD(regnum) | FTGMAC100_PHYCR_MIIWR
    iowrite32(FTGMAC100_PHYDATA_MIIWDATA(value), priv.base, FTGMAC100_OFFSET_PHYDATA)
    iowrite32(phycr, priv.base, FTGMAC100_OFFSET_PHYCR)
    for _ in range(10):
        if not ioread32(priv.base, FTGMAC100_OFFSET_PHYCR) & FTGMAC100_PHYCR_MIIWR:
            return 0
    return -EIO


def ftgmac100_adjust_link(netdev: NetDevice) -> None:
    """ftgmac100_adjust_link (the PHY's link-change callback): speed (0 = no link), duplex and —
    with aneg_pause — flow control from the autonegotiation result: both directions when the
    partner does symmetric pause, only one when it does asymmetric pause. Nothing changed:
    nothing to do. A new link masks every interrupt and queues the reset task, which restarts
    the MAC with the new speed bits and FCR."""
    priv = netdev.priv
    phydev = priv.phydev
    new_speed = phydev.speed if phydev.link else 0
    if priv.aneg_pause:
        rx_pause = tx_pause = bool(phydev.pause)
        if phydev.asym_pause:
            tx_pause = not rx_pause
    else:
        rx_pause, tx_pause = priv.rx_pause, priv.tx_pause
    if (phydev.speed == priv.cur_speed and phydev.duplex == priv.cur_duplex
            and rx_pause == priv.rx_pause and tx_pause == priv.tx_pause):
        return
    priv.cur_speed = new_speed
    priv.cur_duplex = phydev.duplex
    priv.rx_pause = rx_pause
    priv.tx_pause = tx_pause
    if not new_speed:
        return
    iowrite32(0, priv.base, FTGMAC100_OFFSET_IER)
    schedule_work(netdev.nd_net.core, priv.reset_task)


def ftgmac100_reset_task(work: WorkStruct) -> None:
    """ftgmac100_reset_task (a work item, v5.15): if the device still runs, stop NAPI and the
    queue, stop and reset the MAC, free the buffers, set everything up again
    (ftgmac100_init_all). (6.1 calls the same steps, ftgmac100_reset, from adjust_link.)"""
    priv = work.data
    netdev = priv.netdev
    if not netif_running(netdev):
        return
    napi_disable(priv.napi)
    netif_tx_disable(netdev)
    ftgmac100_stop_hw(priv)
    ftgmac100_reset_and_config_mac(priv)
    ftgmac100_free_buffers(priv)
    ftgmac100_init_all(priv, True)


def ftgmac100_init_all(priv: Ftgmac100, ignore_alloc_err: bool) -> int:
    """ftgmac100_init_all: rings, RX buffers, init_hw, pause, start_hw, NAPI, queue, IER = ALL."""
    ftgmac100_init_rings(priv)
    err = ftgmac100_alloc_rx_buffers(priv)
    if err and not ignore_alloc_err:
        return err
    ftgmac100_init_hw(priv)
    ftgmac100_config_pause(priv)
    ftgmac100_start_hw(priv)
    napi_enable(priv.napi)
    netif_start_queue(priv.netdev)
    iowrite32(FTGMAC100_INT_ALL, priv.base, FTGMAC100_OFFSET_IER)
    return err


# ---------------------------------------------------------------- interrupt and NAPI

def ftgmac100_interrupt(irq: int, netdev: NetDevice) -> int:
    """ftgmac100_interrupt: fetch and clear ISR, account abnormal bits, keep only INT_BAD
    enabled while NAPI runs, schedule NAPI."""
    priv = netdev.priv
    base = priv.base
    new_mask = FTGMAC100_INT_BAD
    status = ioread32(base, FTGMAC100_OFFSET_ISR)
    iowrite32(status, base, FTGMAC100_OFFSET_ISR)
    if status & FTGMAC100_INT_BAD:
        st = netdev.stats
        if status & FTGMAC100_INT_NO_RXBUF:
            st.rx_over_errors += 1
        if status & FTGMAC100_INT_RPKT_LOST:
            st.rx_fifo_errors += 1
        if status & FTGMAC100_INT_XPKT_LOST:
            st.tx_fifo_errors += 1
        if status & FTGMAC100_INT_AHB_ERR:
            iowrite32(0, base, FTGMAC100_OFFSET_IER)
            schedule_work(netdev.nd_net.core, priv.reset_task)
            return 1
        priv.need_mac_restart = True
        new_mask &= ~status
    iowrite32(new_mask, base, FTGMAC100_OFFSET_IER)
    napi_schedule_irqoff(priv.napi)
    return 1        # IRQ_HANDLED


def ftgmac100_check_rx(priv: Ftgmac100) -> bool:
    return bool(_coherent_read32(priv.dev, _rxdes(priv, priv.rx_pointer) + FTGMAC100_RXDES0)
                & FTGMAC100_RXDES0_RXPKT_RDY)


def ftgmac100_poll(napi: NapiStruct, budget: int) -> int:
    """ftgmac100_poll: TX completions, then RX up to the budget; restart the MAC after an
    overflow; stay scheduled while TX is pending; else ack RX/TX, re-check, complete, unmask."""
    priv = napi.dev.priv
    base = priv.base
    work_done = [0]
    if ftgmac100_tx_buf_cleanable(priv):
        ftgmac100_tx_complete(priv)
    while ftgmac100_rx_packet(priv, work_done) and work_done[0] < budget:
        pass
    if priv.need_mac_restart:
        ftgmac100_start_hw(priv)
        priv.need_mac_restart = False
        iowrite32(FTGMAC100_INT_BAD, base, FTGMAC100_OFFSET_IER)
    done = work_done[0]
    if ftgmac100_tx_buf_cleanable(priv):
        done = budget
    if done < budget:
        iowrite32(FTGMAC100_INT_RXTX, base, FTGMAC100_OFFSET_ISR)
        ioread32(base, FTGMAC100_OFFSET_ISR)
        if ftgmac100_check_rx(priv) or ftgmac100_tx_buf_cleanable(priv):
            return budget
        napi_complete(napi)
        iowrite32(FTGMAC100_INT_ALL, base, FTGMAC100_OFFSET_IER)
    return done


# ---------------------------------------------------------------- open / stop

def ftgmac100_open(netdev: NetDevice) -> int:
    """ftgmac100_open: rings, reset, NAPI, IRQ, init_all, then the PHY; unwinds in reverse."""
    priv = netdev.priv
    err = ftgmac100_alloc_rings(priv)
    if err:
        ftgmac100_free_rings(priv)
        return err
    priv.cur_duplex = 0
    priv.cur_speed = 0
    err = ftgmac100_reset_and_config_mac(priv)
    if err:
        iowrite32(0, priv.base, FTGMAC100_OFFSET_IER)
        ftgmac100_free_rings(priv)
        return err
    netif_napi_add(netdev, priv.napi, ftgmac100_poll)
    err = request_irq(priv.dev.irqs, priv.irq, ftgmac100_interrupt, 0, netdev.name, netdev)
    if err:
        netif_napi_del(priv.napi)
        iowrite32(0, priv.base, FTGMAC100_OFFSET_IER)
        ftgmac100_free_rings(priv)
        return err
    err = ftgmac100_init_all(priv, False)
    if err:
        ftgmac100_free_buffers(priv)
        free_irq(priv.dev.irqs, priv.irq, netdev)
        netif_napi_del(priv.napi)
        iowrite32(0, priv.base, FTGMAC100_OFFSET_IER)
        ftgmac100_free_rings(priv)
        return err
    phy_start(priv.phydev)
    return 0


def ftgmac100_stop(netdev: NetDevice) -> int:
    """ftgmac100_stop: mirror of open: mask, stop queue and NAPI, PHY, MAC, IRQ, buffers, rings."""
    priv = netdev.priv
    iowrite32(0, priv.base, FTGMAC100_OFFSET_IER)
    netif_stop_queue(netdev)
    napi_disable(priv.napi)
    netif_napi_del(priv.napi)
    phy_stop(priv.phydev)
    ftgmac100_stop_hw(priv)
    free_irq(priv.dev.irqs, priv.irq, netdev)
    ftgmac100_free_buffers(priv)
    ftgmac100_free_rings(priv)
    return 0


# ---------------------------------------------------------------- probe

def ftgmac100_setup_mdio(priv: Ftgmac100) -> int:
    """ftgmac100_setup_mdio: the AST2400/2500 use the old MDIO interface (clear REVR bit 31)."""
    reg = ioread32(priv.base, FTGMAC100_OFFSET_REVR)
    iowrite32(reg & ~FTGMAC100_REVR_NEW_MDIO_INTERFACE, priv.base, FTGMAC100_OFFSET_REVR)
    return 0


def ftgmac100_mii_probe(priv: Ftgmac100) -> int:
    """ftgmac100_mii_probe: the first PHY on the bus, connected with adjust_link."""
    phydev = PhyDevice(lambda addr, reg: ftgmac100_mdiobus_read(priv, addr, reg), 0,
                       lambda addr, reg, val: ftgmac100_mdiobus_write(priv, addr, reg, val))
    priv.phydev = phy_connect(priv.netdev, phydev, ftgmac100_adjust_link)
    phy_support_asym_pause(phydev)
    return 0


def ftgmac100_probe(pdev: PlatformDevice, net, name: str) -> NetDevice:
    """ftgmac100_probe: an Ethernet device on the MAC's registers and IRQ, Aspeed end-of-ring
    bits, MAC address from DT or chip, MDIO and PHY, then register_netdev."""
    netdev = NetDevice(name)
    ether_setup(netdev)
    netdev.netdev_ops = FTGMAC100_NETDEV_OPS
    netdev.ethtool_ops = FTGMAC100_ETHTOOL_OPS
    netdev.qdisc = pfifo_fast()
    netdev.carrier = False               # no link until the PHY says so
    priv = Ftgmac100()
    netdev.priv = priv
    priv.netdev = netdev
    priv.pdev = pdev
    priv.dev = pdev.dev
    priv.base = devm_ioremap_resource(pdev)
    priv.irq = platform_get_irq(pdev, 0)
    priv.is_aspeed = True
    priv.txdes0_edotr_mask = ASPEED_TXDES0_EDOTR
    priv.rxdes0_edorr_mask = ASPEED_RXDES0_EDORR
    priv.new_rx_q_entries = RX_QUEUE_ENTRIES
    priv.new_tx_q_entries = TX_QUEUE_ENTRIES
    priv.rx_q_entries = priv.tx_q_entries = 0
    priv.rx_skbs = []
    priv.tx_skbs = []
    priv.rxdes_dma = priv.txdes_dma = priv.rx_scratch_dma = 0
    priv.maht0 = priv.maht1 = 0
    priv.tx_pause = priv.rx_pause = True     # until the PHY's autonegotiation says otherwise
    priv.aneg_pause = True
    priv.need_mac_restart = False
    priv.use_ncsi = False
    priv.cur_speed = priv.cur_duplex = 0
    priv.napi = NapiStruct()
    priv.reset_task = WorkStruct(ftgmac100_reset_task, priv)
    ftgmac100_initial_mac(priv)
    ftgmac100_setup_mdio(priv)
    ftgmac100_mii_probe(priv)
    err = register_netdevice(net, netdev)
    if err:
        raise OSError(-err, "register_netdev failed")
    return netdev


FTGMAC100_NETDEV_OPS = NetDeviceOps(ndo_start_xmit=ftgmac100_hard_start_xmit,
                                    ndo_open=ftgmac100_open, ndo_stop=ftgmac100_stop,
                                    ndo_set_rx_mode=ftgmac100_set_rx_mode)


# ---------------------------------------------------------------- ethtool

def ftgmac100_get_drvinfo(netdev: NetDevice, info) -> None:
    """ftgmac100_get_drvinfo: driver "ftgmac100", bus info the device's own name (the version
    stays the kernel release: the driver has none)."""
    info.driver = b"ftgmac100"
    info.bus_info = netdev.name.encode()


# ftgmac100_ethtool_ops: the read side (ring and pause parameters, nway_reset and the setters
# are not modelled: DIVERGENCE(#10))
FTGMAC100_ETHTOOL_OPS = EthtoolOps(get_drvinfo=ftgmac100_get_drvinfo, get_link=ethtool_op_get_link,
                                   get_link_ksettings=phy_ethtool_get_link_ksettings)
