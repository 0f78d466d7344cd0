"""Capabilities: include/uapi/linux/capability.h."""
CAP_NET_BIND_SERVICE = 10
CAP_NET_BROADCAST = 11
CAP_NET_ADMIN = 12
CAP_NET_RAW = 13
CAP_SYS_RAWIO = 17
CAP_SYS_ADMIN = 21
CAP_LAST_CAP = 40
ALL_CAPS = frozenset(range(CAP_LAST_CAP + 1))
