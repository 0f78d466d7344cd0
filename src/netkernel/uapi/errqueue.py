"""The error queue's records (include/uapi/linux/errqueue.h): struct sock_extended_err, the
origins, struct scm_timestamping and the SCM_TSTAMP_* kinds."""
import struct

# struct sock_extended_err: ee_errno (u32), ee_origin, ee_type, ee_code, ee_pad (u8),
# ee_info (u32), ee_data (u32)
SOCK_EXTENDED_ERR = struct.Struct("=IBBBBII")
SOCK_EXTENDED_ERR_SIZE = SOCK_EXTENDED_ERR.size

SO_EE_ORIGIN_NONE = 0
SO_EE_ORIGIN_LOCAL = 1
SO_EE_ORIGIN_ICMP = 2
SO_EE_ORIGIN_ICMP6 = 3
SO_EE_ORIGIN_TXSTATUS = 4
SO_EE_ORIGIN_ZEROCOPY = 5
SO_EE_ORIGIN_TXTIME = 6
SO_EE_ORIGIN_TIMESTAMPING = SO_EE_ORIGIN_TXSTATUS

# struct scm_timestamping / scm_timestamping64: three timespecs (software, legacy, hardware);
# the old and new layouts are the same 48 bytes on x86_64
SCM_TIMESTAMPING_STRUCT = struct.Struct("=qqqqqq")
SCM_TIMESTAMPING_SIZE = SCM_TIMESTAMPING_STRUCT.size

# what ts[0] of a transmit timestamp stands for (ee_info)
SCM_TSTAMP_SND = 0      # the driver handed the frame to the device
SCM_TSTAMP_SCHED = 1    # the frame entered the packet scheduler
SCM_TSTAMP_ACK = 2      # the peer acknowledged it (TCP only)
