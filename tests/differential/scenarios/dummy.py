"""dummy devices: transmit-only sink with an Ethernet header (drivers/net/dummy.c: ether_setup, NOARP,
IFF_NO_QUEUE, carrier on). Hosts without the dummy module compare netkernel with the 5.15 values below."""
from ._common import *  # noqa: F401,F403

_C = MAC_C.replace(":", "")
_DUMMY_SLL_OUT = {"len": 20, "family": 17, "protocol": "88b5", "ifindex": "dummy0", "hatype": 1,
                  "pkttype": 4, "halen": 6, "addr": _C + "0000"}


def _dummy(b):
    b.link_add("dummy0", "dummy")
    b.link_set("dummy0", address=MAC_C, up=True)
    return names_of(b, "lo", "dummy0")


@host_may_lack("the dummy module", {"len": 18, "family": 17, "protocol": "88b5", "ifindex": "dummy0",
                                    "hatype": 1, "pkttype": 0, "halen": 6, "addr": _C})
def scenario_dummy_getsockname(b):
    names = _dummy(b)
    s = psock(b, SOCK_DGRAM, ETH_P_EX, bind_to="dummy0")
    return dec_sll(b.sys_getsockname(s), names)


@host_may_lack("the dummy module", {"send": ["ok", 60], "ex": [],
                                    "tap": [{"ret": 60, "sll": _DUMMY_SLL_OUT, "datalen": 60}]})
def scenario_dummy_send_tap_only(b):
    """Frames sent on dummy are seen by ETH_P_ALL taps as OUTGOING and never come back in."""
    names = _dummy(b)
    tx = b.socket(AF_PACKET, SOCK_RAW, 0)
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="dummy0")
    ex = psock(b, SOCK_RAW, ETH_P_EX, bind_to="dummy0")
    r = send(b, tx, eth(MAC_B, MAC_C, ETH_P_EX, size=60), ifx(b, "dummy0"), ETH_P_EX)
    return {"send": r, "tap": drain(b, tap, names, show_data=False), "ex": drain(b, ex, names)}


@host_may_lack("the dummy module", {
    "send": ["ok", "EMSGSIZE"],   # SOCK_DGRAM: at most the MTU (1500) of payload
    "tap": [{"ret": 1514, "sll": _DUMMY_SLL_OUT, "data": "ff" * 6 + _C + "88b5" + "00" * 1500}]})
def scenario_dummy_mtu_and_dgram(b):
    names = _dummy(b)
    s = b.socket(AF_PACKET, SOCK_DGRAM, 0)
    tap = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="dummy0")
    d0 = ifx(b, "dummy0")
    out = [only_err(send(b, s, bytes(n), d0, ETH_P_EX, halen=6, addr=BCAST)) for n in (1500, 1501)]
    return {"send": out, "tap": drain(b, tap, names)[:1]}


@host_may_lack("the dummy module", [100, {"len": 12, "family": 17, "protocol": "0003", "ifindex": -1,
                                           "hatype": 0, "pkttype": 0, "halen": 0}])
def scenario_dummy_down_unregister(b):
    _dummy(b)
    s = psock(b, SOCK_RAW, ETH_P_ALL, bind_to="dummy0")
    b.link_set("dummy0", up=False)
    e = getint(b, s, SOL_SOCKET, SO_ERROR)
    b.link_del("dummy0")
    return [e, dec_sll(b.sys_getsockname(s))]
