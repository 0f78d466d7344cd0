"""The packet core (net/core/dev.c): hook placement, transmit taps, the backlog and its limit,
receive classification, device state."""
import netkernel
from netkernel.net.core import dev as netdev
from netkernel.net.core.dev import (NET_RX_DROP, NET_RX_SUCCESS, PacketType, dev_add_pack,
                                    dev_queue_xmit, dev_remove_pack, do_softirq, netif_rx)
from netkernel.net.core.skbuff import alloc_skb, skb_put
from netkernel.net.ethernet.eth import eth_type_trans
from netkernel.uapi.errno import EADDRNOTAVAIL, EBUSY, EINVAL
from netkernel.uapi.if_ import IFF_LOWER_UP, IFF_UP
from netkernel.uapi.if_ether import ETH_P_ALL, ETH_P_IP
from netkernel.uapi.if_packet import PACKET_HOST, PACKET_OTHERHOST, PACKET_OUTGOING

MAC0 = bytes.fromhex("020000000001")
MAC1 = bytes.fromhex("020000000002")


def _pair():
    k = netkernel.Kernel()
    k.link_add("veth0", kind="veth", peer="veth1")
    k.link_set("veth0", address=MAC0)
    k.link_set("veth1", address=MAC1)
    k.link_set("veth0", up=True)
    k.link_set("veth1", up=True)
    return k, k.init_net.dev_by_name["veth0"], k.init_net.dev_by_name["veth1"]


def _frame(dst=MAC1, src=MAC0, ethertype=0x88B5, payload=bytes(46)):
    return dst + src + ethertype.to_bytes(2, "big") + payload


def _rx_skb(k, dev, data):
    """A frame as a driver hands it to netif_rx: dev set, classified by eth_type_trans."""
    skb = alloc_skb(k.core.profile, len(data))
    off = skb_put(skb, len(data))
    skb.buf[off:off + len(data)] = data
    skb.protocol = eth_type_trans(skb, dev)
    return skb


def _tx_skb(k, dev, data):
    skb = alloc_skb(k.core.profile, len(data))
    off = skb_put(skb, len(data))
    skb.buf[off:off + len(data)] = data
    skb.dev = dev
    skb.network_header = skb.data + 14
    skb.protocol = int.from_bytes(data[12:14], "big")
    return skb


def _recorder(type, dev=None):
    seen = []
    pt = PacketType(type, lambda skb, d, p, orig: seen.append((skb.pkt_type, skb.protocol,
                                                                skb.bytes(), d.name)))
    pt.dev = dev
    return pt, seen


# ---------------------------------------------------------------- hook placement

def test_dev_add_pack_places_hooks_by_protocol_and_device():
    k, v0, _ = _pair()
    core = k.core
    a, _ = _recorder(ETH_P_ALL)
    b, _ = _recorder(ETH_P_ALL, v0)
    c, _ = _recorder(ETH_P_IP)
    d, _ = _recorder(ETH_P_IP, v0)
    for pt in (a, b, c, d):
        dev_add_pack(pt, core)
    assert a in core.ptype_all and b in v0.ptype_all
    assert c in core.ptype_base[ETH_P_IP] and d in v0.ptype_specific
    for pt in (a, b, c, d):
        dev_remove_pack(pt, core)
    assert a not in core.ptype_all and b not in v0.ptype_all
    assert c not in core.ptype_base[ETH_P_IP] and d not in v0.ptype_specific


def test_dev_add_pack_puts_new_hooks_first():
    k, _, _ = _pair()
    a, _ = _recorder(ETH_P_ALL)
    b, _ = _recorder(ETH_P_ALL)
    dev_add_pack(a, k.core)
    dev_add_pack(b, k.core)
    assert k.core.ptype_all[:2] == [b, a]


# ---------------------------------------------------------------- transmit taps

def test_xmit_gives_eth_p_all_taps_an_outgoing_copy_and_the_peer_a_host_copy():
    k, v0, v1 = _pair()
    tap, seen = _recorder(ETH_P_ALL)
    dev_add_pack(tap, k.core)
    data = _frame()
    assert dev_queue_xmit(_tx_skb(k, v0, data)) == 0
    # the outgoing copy starts at the link header, the received one after eth_type_trans pulled it
    assert seen == [(PACKET_OUTGOING, 0x88B5, data, "veth0"),
                    (PACKET_HOST, 0x88B5, data[14:], "veth1")]


def test_protocol_hooks_do_not_see_outgoing_frames():
    k, v0, v1 = _pair()
    ip, seen = _recorder(ETH_P_IP)
    dev_add_pack(ip, k.core)
    dev_queue_xmit(_tx_skb(k, v0, _frame(ethertype=ETH_P_IP)))
    assert [(s[0], s[3]) for s in seen] == [(PACKET_HOST, "veth1")]


def test_ignore_outgoing_tap_is_skipped_on_transmit_only():
    k, v0, v1 = _pair()
    tap, seen = _recorder(ETH_P_ALL)
    tap.ignore_outgoing = True
    dev_add_pack(tap, k.core)
    dev_queue_xmit(_tx_skb(k, v0, _frame()))
    assert [(s[0], s[3]) for s in seen] == [(PACKET_HOST, "veth1")]


def test_device_tap_sees_only_its_device():
    k, v0, v1 = _pair()
    tap, seen = _recorder(ETH_P_ALL, v1)
    dev_add_pack(tap, k.core)
    dev_queue_xmit(_tx_skb(k, v0, _frame()))
    assert [(s[0], s[3]) for s in seen] == [(PACKET_HOST, "veth1")]


def test_sender_own_tap_is_skipped():
    k, v0, v1 = _pair()
    owner = object()
    tap, seen = _recorder(ETH_P_ALL)
    tap.af_packet_priv = owner
    dev_add_pack(tap, k.core)
    skb = _tx_skb(k, v0, _frame())
    skb.sk = owner
    dev_queue_xmit(skb)
    assert [(s[0], s[3]) for s in seen] == [(PACKET_HOST, "veth1")]


def test_xmit_on_down_noqueue_device_is_enetdown():
    k, v0, v1 = _pair()
    k.link_set("veth0", up=False)
    # without carrier the qdisc is noop: the frame is dropped and NET_XMIT_CN returned
    assert dev_queue_xmit(_tx_skb(k, v0, _frame())) == netdev.NET_XMIT_CN
    assert v0.qdisc.drops == 1


# ---------------------------------------------------------------- backlog

def test_netif_rx_queues_until_softirq_runs():
    k, v0, v1 = _pair()
    tap, seen = _recorder(ETH_P_ALL)
    dev_add_pack(tap, k.core)
    assert netif_rx(_rx_skb(k, v1, _frame())) == NET_RX_SUCCESS
    assert seen == [] and len(k.core.backlog) == 1
    do_softirq(k.core)
    assert len(seen) == 1 and not k.core.backlog


def test_netif_rx_backlog_limit_drops_and_counts_rx_dropped():
    k, v0, v1 = _pair()
    k.sysctl("net.core.netdev_max_backlog", 2)
    tap, seen = _recorder(ETH_P_ALL)
    dev_add_pack(tap, k.core)
    # enqueue_to_backlog accepts while qlen <= netdev_max_backlog: 3 of 5 frames
    rets = [netif_rx(_rx_skb(k, v1, _frame(payload=bytes([i]) * 46))) for i in range(5)]
    assert rets == [NET_RX_SUCCESS] * 3 + [NET_RX_DROP] * 2
    assert v1.stats.rx_dropped == 2
    assert k.core.backlog_dropped == 2
    do_softirq(k.core)
    assert [s[2][14] for s in seen] == [0, 1, 2]


def test_backlog_limit_through_veth_inside_one_softirq():
    """A hook that transmits 4 frames while the softirq runs fills the backlog: with
    netdev_max_backlog 2 the 4th is dropped, counted as rx_dropped on the receiving end and as
    tx_dropped on the sending veth end."""
    k, v0, v1 = _pair()
    k.sysctl("net.core.netdev_max_backlog", 2)
    got = []

    def burst(skb, dev, pt, orig):
        for i in range(4):
            dev_queue_xmit(_tx_skb(k, v0, _frame(ethertype=0x88B6, payload=bytes([i]) * 46)))

    trigger = PacketType(0x88B5, burst)
    trigger.dev = v1
    sink = PacketType(0x88B6, lambda skb, d, p, o: got.append(skb.bytes()[14]))
    sink.dev = v1
    dev_add_pack(trigger, k.core)
    dev_add_pack(sink, k.core)
    dev_queue_xmit(_tx_skb(k, v0, _frame()))
    assert got == [0, 1, 2]
    assert v1.stats.rx_dropped == 1
    assert v0.stats.tx_dropped == 1
    assert v1.stats.rx_packets == 4   # the trigger + 3 accepted


# ---------------------------------------------------------------- receive

def test_vlan_tag_is_removed_before_taps_and_protocol_is_inner():
    k, v0, v1 = _pair()
    tap, _ = _recorder(ETH_P_ALL)
    got = []
    tap.func = lambda skb, d, p, o: got.append((skb.bytes(), skb.protocol, skb.vlan_tci,
                                                 skb.vlan_proto, bytes(skb.buf[skb.mac_header:skb.mac_header + 14])))
    dev_add_pack(tap, k.core)
    tagged = MAC1 + MAC0 + b"\x81\x00" + b"\x20\x05" + b"\x08\x00" + b"P" * 46
    netif_rx(_rx_skb(k, v1, tagged))
    do_softirq(k.core)
    data, proto, tci, tpid, mac = got[0]
    assert data == b"P" * 46
    assert (proto, tci, tpid) == (ETH_P_IP, 0x2005, 0x8100)
    assert mac == MAC1 + MAC0 + b"\x08\x00"


def test_vlan_tagged_frame_with_vid_is_otherhost_for_protocol_hooks():
    k, v0, v1 = _pair()
    ip, seen = _recorder(ETH_P_IP)
    dev_add_pack(ip, k.core)
    netif_rx(_rx_skb(k, v1, MAC1 + MAC0 + b"\x81\x00\x00\x05\x08\x00" + bytes(46)))
    do_softirq(k.core)
    assert [s[0] for s in seen] == [PACKET_OTHERHOST]


def test_receive_without_any_hook_is_net_rx_drop():
    k, v0, v1 = _pair()
    assert netdev.netif_receive_skb(_rx_skb(k, v1, _frame())) == NET_RX_DROP


# ---------------------------------------------------------------- device state

def test_register_allocates_increasing_ifindexes_per_namespace():
    k = netkernel.Kernel()
    k.link_add("d0", kind="dummy")
    k.link_add("d1", kind="dummy")
    assert [k.if_nametoindex(n) for n in ("lo", "d0", "d1")] == [1, 2, 3]
    k.link_del("d0")
    k.link_add("d2", kind="dummy")
    assert k.if_nametoindex("d2") == 4   # dev_new_index does not reuse a freed index at once


def test_dev_set_mtu_bounds():
    k, v0, _ = _pair()
    assert netdev.dev_set_mtu(v0, 67) == -EINVAL
    assert netdev.dev_set_mtu(v0, 65536) == -EINVAL
    assert v0.mtu == 1500
    assert netdev.dev_set_mtu(v0, 9000) == 0 and v0.mtu == 9000


def test_dev_set_mac_address_rules():
    k, v0, _ = _pair()
    lo = k.init_net.loopback_dev
    # 5.15's loopback_ops has ndo_set_mac_address = eth_mac_addr (IFF_LIVE_ADDR_CHANGE): a valid
    # unicast address is taken even while up, a zero or group address is EADDRNOTAVAIL
    assert netdev.dev_set_mac_address(lo, bytes(6)) == -EADDRNOTAVAIL
    assert netdev.dev_set_mac_address(lo, b"\x01" + bytes(5)) == -EADDRNOTAVAIL
    assert netdev.dev_set_mac_address(lo, MAC1) == 0 and lo.dev_addr == MAC1
    assert netdev.dev_set_mac_address(v0, b"\x02\x00") == -EINVAL
    assert v0.dev_addr == MAC0
    assert netdev.dev_set_mac_address(v0, MAC1) == 0   # veth: IFF_LIVE_ADDR_CHANGE


def test_dev_set_mac_address_on_up_device_without_live_change_is_ebusy():
    k, v0, _ = _pair()
    v0.link_ops = type(v0.link_ops)("x", v0.link_ops.setup)   # same ops without live change
    assert netdev.dev_set_mac_address(v0, MAC1) == -EBUSY
    assert v0.dev_addr == MAC0


def test_dev_get_flags_lower_up_needs_up_and_carrier():
    k, v0, v1 = _pair()
    assert netdev.dev_get_flags(v0) & (IFF_UP | IFF_LOWER_UP) == IFF_UP | IFF_LOWER_UP
    k.link_set("veth1", up=False)
    assert netdev.dev_get_flags(v0) & (IFF_UP | IFF_LOWER_UP) == IFF_UP


def test_notifier_chain_sees_up_down_events_in_order():
    k, v0, _ = _pair()
    events = []
    netdev.register_netdevice_notifier(k.core, lambda ev, d: events.append((ev, d.name)))
    k.link_set("veth0", up=False)
    k.link_set("veth0", up=True)
    names = [e for e in events if e[1] == "veth0"]
    assert (netdev.NETDEV_GOING_DOWN, "veth0") in names
    assert names.index((netdev.NETDEV_GOING_DOWN, "veth0")) < names.index((netdev.NETDEV_DOWN, "veth0"))
    # NETDEV_UP, then the carrier's linkwatch event once the request is done (NETDEV_CHANGE)
    assert names[-2:] == [(netdev.NETDEV_UP, "veth0"), (netdev.NETDEV_CHANGE, "veth0")]
