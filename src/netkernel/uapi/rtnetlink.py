"""rtnetlink message types: include/uapi/linux/rtnetlink.h."""
RTM_BASE = 16
RTM_NEWLINK = 16
RTM_DELLINK = 17
RTM_GETLINK = 18
RTM_SETLINK = 19
