"""FTGMAC100 Gigabit Ethernet MAC, at register level (after QEMU's hw/net/ftgmac100.c).

The model sees 32-bit MMIO accesses and guest memory only: it knows nothing of sk_buffs. It reads
top to bottom in QEMU's order: register map (ftgmac100_regs), descriptor access (read_bd /
write_bd, the only DMA and endian code), update_irq (the line is ISR & IER), the PHY, do_tx,
can_receive / filter / receive, the read and write switches, reset.

Variants are data: `edotr`/`edorr` pick the end-of-ring bit (Aspeed: bit 30), `rx_fcs` whether
VDBC counts the 4 CRC bytes and the CRC is stored after the data (QEMU does; a real AST2500
seen from Linux does not, so the default is off — DIVERGENCE(#4) from QEMU, by choice).
Runts: a frame too short to hold a MAC header (destination, source, type: 14 bytes) is never
address-filtered; with MACCR.RX_RUNT set (the Linux driver sets it) it is stored flagged RXDES0_RUNT
for the driver to drop, else discarded and counted (rx_runt_drops); an empty frame is no frame on
the wire and is only counted. DIVERGENCE(#8): the chip calls runt anything under 64 bytes with
its FCS; frames from socket backends come unpadded, and QEMU delivers them, so frames of 14..59
bytes are received as QEMU does. (QEMU's model has no runt rule of its own: it leaves short
frames to its net layer, whose tap and user backends pad them to 60 bytes and whose stream and
dgram backends pass them on as they come.)
Faults a test can inject: `set_link(False)`, `tx_hold(True)` (the transmitter is held, as by
PAUSE frames from the link partner); RX exhaustion happens on its own when the CPU stops
servicing the interrupt (see Ast2500.irqs_off).
"""
from __future__ import annotations

import zlib

from netkernel.hw.net.ftgmac100_regs import *  # noqa: F401,F403 - the shared register map
from netkernel.hw.net.ftgmac100_regs import (FTGMAC100_DESC, FTGMAC100_REG_NAMES, RXDES0, RXDES1,
                                             RXDES3, TXDES0, TXDES1, TXDES3, decode_rxdes,
                                             decode_txdes)
from netkernel.uapi.if_ether import (ETH_ALEN, ETH_H_DEST, ETH_H_PROTO, ETH_HLEN, ETH_P_8021Q,
                                     VLAN_ETH_H_TCI, VLAN_ETH_HLEN, VLAN_HLEN)

FRAME_SIZE = 9220                   # QEMU's frame buffer (jumbo + VLAN)
MAX_FRAME = 1518
MAX_FRAME_VLAN = 1522
_TPID = ETH_P_8021Q.to_bytes(2, "big")   # an 802.1Q tag's first two bytes, on the wire
_BROADCAST = b"\xff" * ETH_ALEN
RUNT_LIMIT = ETH_HLEN               # shorter frames cannot hold dst, src and type: runts

# PHY (RTL8211E as QEMU presents it), clause-22 registers
MII_BMCR, MII_BMSR, MII_PHYID1, MII_PHYID2, MII_ANAR, MII_ANLPAR = 0, 1, 2, 3, 4, 5
MII_ANER = 6
MII_CTRL1000, MII_STAT1000, MII_INTMASK, MII_INTSTAT = 9, 10, 18, 19
PHY_PARTNER_ABILITY = 0x45E1    # ACK, pause, 100 full/half, 10 full/half, CSMA (QEMU: always)
PHY_BMCR_MASK = 0x7980          # what a BMCR write keeps, as QEMU 7.2 reads it back
MII_BMSR_LINK_ST = 0x0004
MII_BMSR_AN_COMP = 0x0020
RTL8211E_PHYID1 = 0x001C
RTL8211E_PHYID2 = 0xC915


class Ftgmac100State:
    """One FTGMAC100 instance: registers, the internal ring pointers, the PHY, and its port.

    `dma_read(addr, n)` / `dma_write(addr, data)` reach guest memory (None/False on a bus error);
    `irq(level)` drives the interrupt line; `port` is the cable side (netkernel.backends.port.Port)."""
    __slots__ = ("name", "edotr", "edorr", "rx_fcs", "dma_read", "dma_write", "irq", "irq_level",
                 "conf_macaddr", "isr", "ier", "math0", "math1", "tx_ring", "rx_ring",
                 "tx_descriptor", "rx_descriptor", "itc", "aptcr", "dblac", "revr", "fear",
                 "tpafcr", "rbsr", "maccr", "phycr", "phydata", "fcr", "mac_madr", "mac_ladr",
                 "phy_status", "phy_control", "phy_advertise", "phy_int", "phy_int_mask", "phy_lpa",
                 "phy_link", "tx_held", "port", "tx_frames", "rx_frames", "rx_no_buf_drops",
                 "rx_filtered", "rx_runts", "rx_runt_drops", "tx_lost", "on_link_change")

    def __init__(self, name: str, macaddr: bytes, dma_read, dma_write, irq, aspeed: bool = True,
                 rx_fcs: bool = False):
        self.name = name
        self.edotr = ASPEED_TXDES0_EDOTR if aspeed else FTGMAC100_TXDES0_EDOTR
        self.edorr = ASPEED_RXDES0_EDORR if aspeed else FTGMAC100_RXDES0_EDORR
        self.rx_fcs = rx_fcs
        self.dma_read = dma_read
        self.dma_write = dma_write
        self.irq = irq
        self.irq_level = 0
        self.conf_macaddr = bytes(macaddr)
        self.port = None
        self.phy_link = False
        self.tx_held = False
        self.on_link_change = None
        self.phy_lpa = PHY_PARTNER_ABILITY  # what the link partner offers (a test may change it)
        # hardware statistics (what the MAC itself knows; shown by stats())
        self.tx_frames = 0
        self.rx_frames = 0
        self.rx_no_buf_drops = 0
        self.rx_filtered = 0
        self.rx_runts = 0               # runts stored flagged RUNT (MACCR.RX_RUNT set)
        self.rx_runt_drops = 0          # runts discarded (RX_RUNT clear, or an empty frame)
        self.tx_lost = 0
        self.reset()

    # ------------------------------------------------------------ 4. descriptor access
    def read_bd(self, addr: int):
        """Four little-endian words of the descriptor at `addr` (None: bus error)."""
        raw = self.dma_read(addr, 16)
        if raw is None:
            return None
        return list(FTGMAC100_DESC.unpack(raw))

    def write_bd(self, addr: int, bd) -> bool:
        return self.dma_write(addr, FTGMAC100_DESC.pack(*bd))

    # ------------------------------------------------------------ 5. interrupt line
    def update_irq(self) -> None:
        """The line is high while ISR & IER; every path ends here."""
        level = 1 if self.isr & self.ier else 0
        if level != self.irq_level:
            self.irq_level = level
            self.irq(level)

    # ------------------------------------------------------------ 6. the PHY
    def set_link(self, up: bool) -> None:
        """The PHY's link (the cable): BMSR follows; the driver learns it by polling."""
        up = bool(up)
        if up == self.phy_link:
            return
        self.phy_link = up
        self.phy_int |= 0x0400          # link status change (read-to-clear in register 19)
        if self.on_link_change is not None:
            self.on_link_change(self)

    def phy_read(self, reg: int) -> int:
        """QEMU's RTL8211E: a 10/100 PHY as Linux sees it (BMSR has extended status, ESTATUS
        reads 0: no gigabit modes), whose partner always offers 10/100 and symmetric pause."""
        if reg == MII_BMCR:
            return self.phy_control
        if reg == MII_BMSR:
            st = self.phy_status & ~(MII_BMSR_LINK_ST | MII_BMSR_AN_COMP)
            if self.phy_link:
                st |= MII_BMSR_LINK_ST | MII_BMSR_AN_COMP
            return st
        if reg == MII_PHYID1:
            return RTL8211E_PHYID1
        if reg == MII_PHYID2:
            return RTL8211E_PHYID2
        if reg == MII_ANAR:
            return self.phy_advertise
        if reg == MII_ANLPAR:
            return self.phy_lpa
        if reg == MII_ANER:
            return 0x0001                       # the partner does autonegotiation
        if reg == MII_CTRL1000:
            return 0x0300                       # QEMU: 1000 full and half, whatever is written
        if reg == MII_STAT1000:
            return 0x0800
        if reg == MII_INTSTAT:
            v, self.phy_int = self.phy_int, 0
            return v
        if reg == MII_INTMASK:
            return self.phy_int_mask
        return 0                                # ESTATUS and the unimplemented ones

    def phy_write(self, reg: int, val: int) -> None:
        if reg == MII_BMCR:
            if val & 0x8000:                    # reset
                self.phy_reset()
            else:
                self.phy_control = val & PHY_BMCR_MASK     # a restart completes at once
        elif reg == MII_ANAR:
            self.phy_advertise = (val & 0x2D7F) | 0x0080
        elif reg == MII_INTMASK:
            self.phy_int_mask = val & 0xFF

    def phy_reset(self) -> None:
        self.phy_status = 0x7949
        self.phy_control = 0x1140               # autonegotiation, full duplex, speed bit 6
        self.phy_advertise = 0x0DE1             # pause both ways, 10/100 half and full
        self.phy_int = 0
        self.phy_int_mask = 0

    # ------------------------------------------------------------ 7. transmit
    def do_tx(self) -> None:
        """Walk the ring from the internal pointer while OWN is set: gather buffers up to LTS,
        send the frame, clear OWN (keeping the other bits), wrap on EDOTR. Ends with NO_NPTXBUF."""
        addr = self.tx_descriptor
        frame = bytearray()
        flags = 0
        stride = max(FTGMAC100_DBLAC_TXDES_SIZE_OF(self.dblac) * 8, 16)
        while True:
            bd = self.read_bd(addr)
            if bd is None:
                self.isr |= FTGMAC100_INT_AHB_ERR | FTGMAC100_INT_NO_NPTXBUF
                break
            if not bd[TXDES0] & FTGMAC100_TXDES0_TXDMA_OWN:
                self.isr |= FTGMAC100_INT_NO_NPTXBUF
                break
            if bd[TXDES0] & FTGMAC100_TXDES0_FTS:
                flags = bd[TXDES1]
                frame.clear()
            n = bd[TXDES0] & FTGMAC100_TXDES0_TXBUF_SIZE_MASK
            if len(frame) + n > FRAME_SIZE:
                self.isr |= FTGMAC100_INT_XPKT_LOST
                n = FRAME_SIZE - len(frame)
            data = self.dma_read(bd[TXDES3], n)
            if data is None:
                self.isr |= FTGMAC100_INT_AHB_ERR
            else:
                frame += data
            if bd[TXDES0] & FTGMAC100_TXDES0_LTS:
                if flags & FTGMAC100_TXDES1_INS_VLANTAG and frame[ETH_H_PROTO:ETH_HLEN] != _TPID:
                    tci = flags & FTGMAC100_TXDES1_VLANTAG_CI_MASK
                    frame[ETH_H_PROTO:ETH_H_PROTO] = _TPID + tci.to_bytes(2, "big")
                self.tx_frames += 1
                self.isr |= FTGMAC100_INT_XPKT_ETH
                port = self.port
                if port is None or not self.phy_link:
                    self.tx_lost += 1       # no link: the bits go nowhere
                else:
                    port.send(bytes(frame))
            if flags & FTGMAC100_TXDES1_TX2FIC:
                self.isr |= FTGMAC100_INT_XPKT_FIFO
            bd[TXDES0] &= ~FTGMAC100_TXDES0_TXDMA_OWN
            self.write_bd(addr, bd)
            if bd[TXDES0] & self.edotr:
                addr = self.tx_ring
            else:
                addr += stride
        self.tx_descriptor = addr

    def tx_hold(self, held: bool) -> None:
        """Hold or release the transmitter; a release resumes the walk where it stopped."""
        self.tx_held = bool(held)
        if not held and self.maccr & FTGMAC100_MACCR_TXDMA_EN and self.maccr & FTGMAC100_MACCR_TXMAC_EN:
            self.do_tx()
            self.update_irq()

    # ------------------------------------------------------------ 8. receive
    def can_receive(self) -> bool:
        """RX enabled and the current descriptor free (RXPKT_RDY clear)."""
        if (self.maccr & (FTGMAC100_MACCR_RXDMA_EN | FTGMAC100_MACCR_RXMAC_EN)
                != (FTGMAC100_MACCR_RXDMA_EN | FTGMAC100_MACCR_RXMAC_EN)):
            return False
        bd = self.read_bd(self.rx_descriptor)
        return bd is not None and not bd[RXDES0] & FTGMAC100_RXDES0_RXPKT_RDY

    def filter(self, frame: bytes) -> int:
        """Address filter: 0 drops the frame, else the RXDES0 flags to report."""
        dest = frame[ETH_H_DEST:ETH_H_DEST + ETH_ALEN]
        group = dest[0] & 1                     # the I/G bit: multicast or broadcast
        if self.maccr & FTGMAC100_MACCR_RX_ALL:
            if group:
                return (FTGMAC100_RXDES0_BROADCAST if dest == _BROADCAST
                        else FTGMAC100_RXDES0_MULTICAST)
            return -1
        if dest == _BROADCAST:
            return FTGMAC100_RXDES0_BROADCAST if self.maccr & FTGMAC100_MACCR_RX_BROADPKT else 0
        if group:
            if self.maccr & FTGMAC100_MACCR_RX_MULTIPKT:
                return FTGMAC100_RXDES0_MULTICAST
            if self.maccr & FTGMAC100_MACCR_HT_MULTI_EN:
                idx = (~(ether_crc_le(dest) >> 2)) & 0x3F
                hit = (self.math1 >> (idx - 32)) & 1 if idx >= 32 else (self.math0 >> idx) & 1
                return FTGMAC100_RXDES0_MULTICAST if hit else 0
            return 0
        mac = self.mac_madr.to_bytes(4, "big")[2:] + self.mac_ladr.to_bytes(4, "big")
        return -1 if dest == mac else 0

    def receive(self, frame: bytes) -> bool:
        """A frame from the cable: the runt check or the address filter, then spread it over RX
        descriptors (RBSR bytes each), FRS on the first, LRS and flags on the last; NO_RXBUF and
        drop when a descriptor is still owned by software. Returns whether the frame was stored."""
        if not self.phy_link:
            return False
        if not frame:
            self.rx_runt_drops += 1         # an empty frame: nothing crossed the wire
            return False
        if not self.can_receive():
            # QEMU's net layer would queue it until RXPD; a cable does not wait: lost.
            if self.maccr & FTGMAC100_MACCR_RXDMA_EN:
                self.rx_no_buf_drops += 1
                self.isr |= FTGMAC100_INT_NO_RXBUF
                self.update_irq()
            return False
        if len(frame) < RUNT_LIMIT:
            if not self.maccr & FTGMAC100_MACCR_RX_RUNT:
                self.rx_runt_drops += 1
                return False
            flags = FTGMAC100_RXDES0_RUNT   # no address to filter on: the driver decides
            self.rx_runts += 1
        else:
            flags = self.filter(frame)
            if not flags:
                self.rx_filtered += 1
                return False
            if flags < 0:
                flags = 0
        data = bytearray(frame)
        max_len = MAX_FRAME_VLAN if data[ETH_H_PROTO:ETH_HLEN] == _TPID else MAX_FRAME
        if self.maccr & FTGMAC100_MACCR_JUMBO_LF:
            max_len += 9216 - MAX_FRAME
        rxdes1 = 0
        if data[ETH_H_PROTO:ETH_HLEN] == _TPID and len(data) >= VLAN_ETH_HLEN:
            tci = (data[VLAN_ETH_H_TCI] << 8) | data[VLAN_ETH_H_TCI + 1]
            rxdes1 = tci | FTGMAC100_RXDES1_VLANTAG_AVAIL
            if self.maccr & FTGMAC100_MACCR_RM_VLAN:
                del data[ETH_H_PROTO:ETH_H_PROTO + VLAN_HLEN]
        if self.rx_fcs:
            data += zlib.crc32(frame).to_bytes(4, "little")
        if len(data) > max_len:
            del data[max_len:]
            flags |= FTGMAC100_RXDES0_FTL
        self.isr |= FTGMAC100_INT_RPKT_FIFO
        addr = self.rx_descriptor
        stride = max(FTGMAC100_DBLAC_RXDES_SIZE_OF(self.dblac) * 8, 16)
        first = True
        off = 0
        stored = False
        while off < len(data):
            bd = self.read_bd(addr)
            if bd is None:
                self.isr |= FTGMAC100_INT_AHB_ERR
                break
            if bd[RXDES0] & FTGMAC100_RXDES0_RXPKT_RDY:
                self.rx_no_buf_drops += 1
                self.isr |= FTGMAC100_INT_NO_RXBUF
                break
            n = min(len(data) - off, self.rbsr or len(data))
            self.dma_write(bd[RXDES3], bytes(data[off:off + n]))
            off += n
            bd[RXDES0] = (bd[RXDES0] & self.edorr) | n | FTGMAC100_RXDES0_RXPKT_RDY
            bd[RXDES1] = rxdes1 if first else 0
            if first:
                bd[RXDES0] |= FTGMAC100_RXDES0_FRS
                first = False
            if off >= len(data):
                bd[RXDES0] |= FTGMAC100_RXDES0_LRS | flags
                self.isr |= FTGMAC100_INT_RPKT_BUF
                self.rx_frames += 1
                stored = True
            self.write_bd(addr, bd)
            addr = self.rx_ring if bd[RXDES0] & self.edorr else addr + stride
        self.rx_descriptor = addr
        self.update_irq()
        return stored

    # ------------------------------------------------------------ 9. read / write switches
    def read(self, off: int) -> int:
        if off == FTGMAC100_OFFSET_ISR:
            return self.isr
        if off == FTGMAC100_OFFSET_IER:
            return self.ier
        if off == FTGMAC100_OFFSET_MAC_MADR:
            return self.mac_madr
        if off == FTGMAC100_OFFSET_MAC_LADR:
            return self.mac_ladr
        if off == FTGMAC100_OFFSET_MAHT0:
            return self.math0
        if off == FTGMAC100_OFFSET_MAHT1:
            return self.math1
        if off == FTGMAC100_OFFSET_NPTXR_BADR:
            return self.tx_ring
        if off == FTGMAC100_OFFSET_RXR_BADR:
            return self.rx_ring
        if off == FTGMAC100_OFFSET_ITC:
            return self.itc
        if off == FTGMAC100_OFFSET_APTC:
            return self.aptcr
        if off == FTGMAC100_OFFSET_DBLAC:
            return self.dblac
        if off == FTGMAC100_OFFSET_REVR:
            return self.revr
        if off == FTGMAC100_OFFSET_FEAR:
            return self.fear
        if off == FTGMAC100_OFFSET_TPAFCR:
            return self.tpafcr
        if off == FTGMAC100_OFFSET_RBSR:
            return self.rbsr
        if off == FTGMAC100_OFFSET_MACCR:
            return self.maccr
        if off == FTGMAC100_OFFSET_PHYCR:
            return self.phycr
        if off == FTGMAC100_OFFSET_PHYDATA:
            return self.phydata
        if off == FTGMAC100_OFFSET_FCR:
            return self.fcr
        return 0        # unimplemented or write-only (NPTXPD, RXPD): reads as 0

    def write(self, off: int, value: int) -> None:
        value &= 0xFFFFFFFF
        if off == FTGMAC100_OFFSET_ISR:            # write 1 to clear
            self.isr &= ~value
        elif off == FTGMAC100_OFFSET_IER:
            self.ier = value
        elif off == FTGMAC100_OFFSET_MAC_MADR:
            self.mac_madr = value & 0xFFFF
        elif off == FTGMAC100_OFFSET_MAC_LADR:
            self.mac_ladr = value
        elif off == FTGMAC100_OFFSET_MAHT0:
            self.math0 = value
        elif off == FTGMAC100_OFFSET_MAHT1:
            self.math1 = value
        elif off == FTGMAC100_OFFSET_NPTXPD:       # poll demand: transmit now
            if (self.maccr & FTGMAC100_MACCR_TXDMA_EN and self.maccr & FTGMAC100_MACCR_TXMAC_EN
                    and not self.tx_held):
                self.do_tx()
        elif off == FTGMAC100_OFFSET_RXPD:
            pass                                    # nothing is queued: a cable does not wait
        elif off == FTGMAC100_OFFSET_NPTXR_BADR:
            if value & 0xF:
                return                              # guest error: must be 16-byte aligned
            self.tx_ring = value
            self.tx_descriptor = value
        elif off == FTGMAC100_OFFSET_RXR_BADR:
            if value & 0xF:
                return
            self.rx_ring = value
            self.rx_descriptor = value
        elif off == FTGMAC100_OFFSET_ITC:
            self.itc = value
        elif off == FTGMAC100_OFFSET_APTC:
            self.aptcr = value
        elif off == FTGMAC100_OFFSET_DBLAC:
            if (FTGMAC100_DBLAC_TXDES_SIZE_OF(value) * 8 < 16
                    or FTGMAC100_DBLAC_RXDES_SIZE_OF(value) * 8 < 16):
                return                              # guest error: descriptors are 16 bytes at least
            self.dblac = value
        elif off == FTGMAC100_OFFSET_REVR:
            self.revr = value
        elif off == FTGMAC100_OFFSET_TPAFCR:
            self.tpafcr = value
        elif off == FTGMAC100_OFFSET_RBSR:
            self.rbsr = value & 0x3FFF
        elif off == FTGMAC100_OFFSET_MACCR:
            if value & FTGMAC100_MACCR_SW_RST:
                speed = value & (FTGMAC100_MACCR_GIGA_MODE | FTGMAC100_MACCR_FAST_MODE)
                self.reset()
                self.maccr = speed                  # SW_RST keeps the speed bits, then self-clears
            else:
                self.maccr = value
        elif off == FTGMAC100_OFFSET_PHYCR:
            reg = (value >> 21) & 0x1F
            if value & FTGMAC100_PHYCR_MIIRD:
                self.phydata = self.phy_read(reg) << 16     # the low half is cleared
            elif value & FTGMAC100_PHYCR_MIIWR:
                self.phy_write(reg, self.phydata & 0xFFFF)
            self.phycr = value & ~(FTGMAC100_PHYCR_MIIRD | FTGMAC100_PHYCR_MIIWR)
        elif off == FTGMAC100_OFFSET_PHYDATA:
            self.phydata = value & 0xFFFF
        elif off == FTGMAC100_OFFSET_FCR:
            self.fcr = value
        self.update_irq()

    # ------------------------------------------------------------ 10. reset
    def reset(self) -> None:
        """Power-on / SW_RST: the documented reset values; MAC address from the configuration."""
        self.isr = 0
        self.ier = 0
        self.math0 = 0
        self.math1 = 0
        self.tx_ring = 0
        self.rx_ring = 0
        self.tx_descriptor = 0
        self.rx_descriptor = 0
        self.itc = 0
        self.aptcr = 1
        self.dblac = 0x00022F00
        self.revr = 0
        self.fear = 0
        self.tpafcr = 0xF1
        self.rbsr = 0x640
        self.maccr = 0
        self.phycr = 0
        self.phydata = 0
        self.fcr = 0x400
        m = self.conf_macaddr
        self.mac_madr = (m[0] << 8) | m[1]
        self.mac_ladr = (m[2] << 24) | (m[3] << 16) | (m[4] << 8) | m[5]
        self.phy_reset()
        if self.irq_level:
            self.update_irq()

    # ------------------------------------------------------------ inspection
    def regs(self) -> dict:
        """Named register values, as a read of each would return them (no side effects)."""
        return {name: self.read(off) for off, name in sorted(FTGMAC100_REG_NAMES.items())}

    def _ring(self, base: int, n: int | None, stride_of, edo: int, decode) -> list[dict]:
        out = []
        if not base:
            return out
        stride = max(stride_of(self.dblac) * 8, 16)
        addr = base
        limit = n if n is not None else 1024
        for i in range(limit):
            bd = self.read_bd(addr)
            if bd is None:
                break
            d = decode(tuple(bd))
            d["index"] = i
            d["addr"] = addr
            out.append(d)
            if bd[TXDES0] & edo and n is None:      # word 0 of either ring (= RXDES0)
                break
            addr += stride
        return out

    def tx_ring_view(self, n: int | None = None) -> list[dict]:
        return self._ring(self.tx_ring, n, FTGMAC100_DBLAC_TXDES_SIZE_OF, self.edotr, decode_txdes)

    def rx_ring_view(self, n: int | None = None) -> list[dict]:
        return self._ring(self.rx_ring, n, FTGMAC100_DBLAC_RXDES_SIZE_OF, self.edorr, decode_rxdes)

    def stats(self) -> dict:
        return {"tx_frames": self.tx_frames, "tx_lost": self.tx_lost, "rx_frames": self.rx_frames,
                "rx_no_buf_drops": self.rx_no_buf_drops, "rx_filtered": self.rx_filtered,
                "rx_runts": self.rx_runts, "rx_runt_drops": self.rx_runt_drops}


def ether_crc_le(data: bytes) -> int:
    """The little-endian Ethernet CRC (no final inversion), as the hash filter uses it."""
    return zlib.crc32(data) ^ 0xFFFFFFFF
