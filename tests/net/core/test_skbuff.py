"""sk_buff arithmetic and truesize (net/core/skbuff.c, x86_64 and armv7 profiles)."""
import pytest

from netkernel.net.core.skbuff import (ARMV7, PAGE_SIZE, X86_64, alloc_skb, alloc_skb_with_frags,
                                       kfree_skb, skb_clone,
                                       skb_orphan, skb_pull, skb_push, skb_put, skb_reserve,
                                       skb_trim)


def test_x86_64_profile_sizes():
    assert X86_64.cache_line == 64
    assert X86_64.data_align(X86_64.sizeof_sk_buff) == 256
    assert X86_64.data_align(X86_64.sizeof_shinfo) == 320


@pytest.mark.parametrize("n, size", [(1, 8), (8, 8), (9, 16), (64, 64), (65, 96), (96, 96),
                                     (97, 128), (129, 192), (192, 192), (193, 256), (448, 512),
                                     (1856, 2048), (4097, 8192), (8192, 8192), (8193, 16384)])
def test_ksize_slub_buckets(n, size):
    assert X86_64.ksize(n) == size


def test_truesize_of_60_byte_raw_frame_head_is_768():
    # packet_snd on veth: LL_RESERVED_SPACE 16 + 60 bytes in the head
    assert alloc_skb(X86_64, 16 + 60).truesize == 768


def test_truesize_of_1514_byte_raw_frame_head_is_2304():
    assert alloc_skb(X86_64, 16 + 1514).truesize == 2304


def test_truesize_counts_page_fragments_one_page_each():
    head = X86_64.head_truesize(100)
    assert alloc_skb_with_frags(X86_64, 100, 1).truesize == head + PAGE_SIZE
    assert alloc_skb_with_frags(X86_64, 100, 5000).truesize == head + 2 * PAGE_SIZE
    assert len(alloc_skb_with_frags(X86_64, 100, 5000).buf) == 5100
    assert alloc_skb_with_frags(X86_64, 100, 0).truesize == head


def test_armv7_profile_truesize_differs():
    assert ARMV7.data_align(33) == 64
    assert alloc_skb(ARMV7, 76).truesize == ARMV7.ksize(96 + 192) + 192
    assert alloc_skb(ARMV7, 76).truesize != alloc_skb(X86_64, 76).truesize


def test_new_skb_is_empty_with_end_at_buffer_size():
    skb = alloc_skb(X86_64, 128)
    assert (skb.head, skb.data, skb.tail, skb.end, skb.len) == (0, 0, 0, 128, 0)
    assert skb.mac_header == -1 and skb.vlan_tci == -1 and skb.sk is None


def test_reserve_put_push_pull_trim_arithmetic():
    skb = alloc_skb(X86_64, 128)
    skb_reserve(skb, 16)
    assert (skb.data, skb.tail, skb.len) == (16, 16, 0)
    assert skb_put(skb, 50) == 16
    assert (skb.data, skb.tail, skb.len) == (16, 66, 50)
    assert skb_push(skb, 14) == 2
    assert skb.len == 64
    assert skb_pull(skb, 14) == 16
    assert skb.len == 50
    skb_trim(skb, 60)            # longer than the data: nothing happens
    assert skb.tail == 66
    skb_trim(skb, 20)
    assert (skb.tail, skb.len) == (36, 20)


def test_bytes_and_view_cover_data_to_tail():
    skb = alloc_skb(X86_64, 32)
    skb_reserve(skb, 4)
    off = skb_put(skb, 3)
    skb.buf[off:off + 3] = b"abc"
    assert skb.bytes() == b"abc"
    assert bytes(skb.view()) == b"abc"


def test_clone_shares_data_but_not_offsets_owner_or_destructor():
    skb = alloc_skb(X86_64, 64)
    skb_put(skb, 20)
    skb.protocol, skb.pkt_type, skb.mark, skb.priority = 0x0800, 3, 7, 2
    skb.sk, skb.destructor = object(), lambda s: None
    c = skb_clone(skb)
    assert c.buf is skb.buf
    assert (c.data, c.tail, c.truesize) == (skb.data, skb.tail, skb.truesize)
    assert (c.protocol, c.pkt_type, c.mark, c.priority) == (0x0800, 3, 7, 2)
    assert c.sk is None and c.destructor is None
    skb_pull(c, 10)
    assert skb.len == 20 and c.len == 10
    c.buf[c.data] = 0xAB
    assert skb.buf[10] == 0xAB


def test_orphan_runs_destructor_once_and_clears_owner():
    calls = []
    skb = alloc_skb(X86_64, 64)
    skb.sk = "owner"
    skb.destructor = calls.append
    skb_orphan(skb)
    skb_orphan(skb)
    kfree_skb(skb)
    assert calls == [skb]
    assert skb.sk is None and skb.destructor is None
