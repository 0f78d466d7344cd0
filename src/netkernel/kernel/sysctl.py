"""The machine's tunables, with Linux 5.15's built-in defaults (net/core/sysctl_net_core.c)."""

LINUX_SOURCE = "kernel/sysctl.c"
SYSCTL_DEFAULTS = {
    "net.core.rmem_max": 212992,
    "net.core.wmem_max": 212992,
    "net.core.rmem_default": 212992,
    "net.core.wmem_default": 212992,
    "net.core.netdev_max_backlog": 1000,
    "net.core.optmem_max": 20480,
    "net.core.netdev_budget": 300,
    "net.core.dev_weight": 64,
}

# Build-time configuration that users can observe (jiffies rounding of SO_RCVTIMEO).
CONFIG_DEFAULTS = {
    "kernel.hz": 250,   # CONFIG_HZ: 5.15's Kconfig default (HZ_250)
}
