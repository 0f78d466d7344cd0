"""Golden bytes for struct virtio_net_hdr (include/uapi/linux/virtio_net.h; a packet socket's
legacy header, host byte order = little-endian here)."""
from netkernel.uapi.virtio_net import (VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4,
                                       VIRTIO_NET_HDR_SIZE, VNET_HDR_CSUM_OFFSET,
                                       VNET_HDR_CSUM_START, VNET_HDR_FLAGS, VNET_HDR_GSO_SIZE,
                                       VNET_HDR_GSO_TYPE, VNET_HDR_HDR_LEN, virtio_net_hdr_pack,
                                       virtio_net_hdr_unpack)

GOLDEN = bytes.fromhex("01" "01" "3600" "a805" "2200" "1000")
FIELDS = (VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 54, 1448, 34, 16)


def test_virtio_net_hdr_size_and_field_offsets():
    assert VIRTIO_NET_HDR_SIZE == 10
    assert (VNET_HDR_FLAGS, VNET_HDR_GSO_TYPE, VNET_HDR_HDR_LEN, VNET_HDR_GSO_SIZE,
            VNET_HDR_CSUM_START, VNET_HDR_CSUM_OFFSET) == (0, 1, 2, 4, 6, 8)


def test_virtio_net_hdr_construct():
    assert virtio_net_hdr_pack(*FIELDS) == GOLDEN


def test_virtio_net_hdr_deconstruct():
    assert virtio_net_hdr_unpack(GOLDEN) == FIELDS
    assert virtio_net_hdr_unpack(GOLDEN + b"frame") == FIELDS     # the frame follows the header


def test_virtio_net_hdr_fields_sit_at_their_offsets():
    assert GOLDEN[VNET_HDR_HDR_LEN:VNET_HDR_HDR_LEN + 2] == (54).to_bytes(2, "little")
    assert GOLDEN[VNET_HDR_CSUM_OFFSET:VNET_HDR_CSUM_OFFSET + 2] == (16).to_bytes(2, "little")
