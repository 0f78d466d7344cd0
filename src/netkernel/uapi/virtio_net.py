"""struct virtio_net_hdr, include/uapi/linux/virtio_net.h: the header a PACKET_VNET_HDR socket
puts before each frame (GSO and checksum-offload requests).

A packet socket uses the legacy layout in the host's byte order (vio_le() is false for it; the
model's hosts are little-endian): six fields, 10 bytes.
"""
import struct

# field offsets
VNET_HDR_FLAGS = 0          # __u8 flags
VNET_HDR_GSO_TYPE = 1       # __u8 gso_type
VNET_HDR_HDR_LEN = 2        # __virtio16 hdr_len: length of the headers to copy per segment
VNET_HDR_GSO_SIZE = 4       # __virtio16 gso_size: payload bytes per segment
VNET_HDR_CSUM_START = 6     # __virtio16 csum_start: checksum from here...
VNET_HDR_CSUM_OFFSET = 8    # __virtio16 csum_offset: ...stored this far after csum_start
VIRTIO_NET_HDR_SIZE = 10    # sizeof(struct virtio_net_hdr)

VIRTIO_NET_HDR = struct.Struct("<BBHHHH")   # the fields above, in order
assert VIRTIO_NET_HDR.size == VIRTIO_NET_HDR_SIZE

# flags
VIRTIO_NET_HDR_F_NEEDS_CSUM = 1
VIRTIO_NET_HDR_F_DATA_VALID = 2
# gso_type
VIRTIO_NET_HDR_GSO_NONE = 0
VIRTIO_NET_HDR_GSO_TCPV4 = 1
VIRTIO_NET_HDR_GSO_UDP = 3
VIRTIO_NET_HDR_GSO_TCPV6 = 4
VIRTIO_NET_HDR_GSO_ECN = 0x80


def virtio_net_hdr_pack(flags: int, gso_type: int, hdr_len: int, gso_size: int,
                        csum_start: int, csum_offset: int) -> bytes:
    """struct virtio_net_hdr as bytes."""
    return VIRTIO_NET_HDR.pack(flags, gso_type, hdr_len, gso_size, csum_start, csum_offset)


def virtio_net_hdr_unpack(buf) -> tuple[int, int, int, int, int, int]:
    """(flags, gso_type, hdr_len, gso_size, csum_start, csum_offset) from the first 10 bytes."""
    return VIRTIO_NET_HDR.unpack_from(buf)
