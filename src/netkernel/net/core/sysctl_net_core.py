"""The net.core sysctls the model uses (net/core/sysctl_net_core.c), with 5.15's handlers."""
from __future__ import annotations

LINUX_SOURCE = "net/core/sysctl_net_core.c"
MODEL_HELPERS = ("sock_min_bufs",)   # not kernel functions (see netkernel.trace)

from netkernel.kernel.sysctl import (CtlTable, SysctlRoot, proc_dointvec, proc_dointvec_minmax,
                                     register_sysctl)
from netkernel.net.core.sock import sock_min_rcvbuf

SK_WMEM_MAX = 212992    # include/net/sock.h: _SK_MEM_PACKETS * _SK_MEM_OVERHEAD on x86_64
SK_RMEM_MAX = 212992


def sock_min_bufs(profile) -> tuple[int, int]:
    """(SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF) of include/net/sock.h for the machine: one and two
    TCP_SKB_MIN_TRUESIZE (2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff))) — 2304 and 4608 on x86_64."""
    rcv = sock_min_rcvbuf(profile)
    return rcv, 2 * rcv


def proc_do_dev_weight(table: CtlTable, value: int) -> int:
    """proc_do_dev_weight: proc_dointvec, then dev_rx_weight/dev_tx_weight follow weight_p
    (the model's NAPI instances keep their own weight). 5.15.0 takes 0 and negative weights;
    stable kernels from 5.15.179 (and Debian's 6.1) refuse them (d1f9f79fa2af, extra1 = 1)."""
    return proc_dointvec(table, value)


def sysctl_core_init(root: SysctlRoot, profile) -> None:
    """sysctl_core_init: register net_core_table. The buffer minimums are the machine's
    SOCK_MIN_RCVBUF/SOCK_MIN_SNDBUF (proc_dointvec_minmax with only a lower bound)."""
    min_rcvbuf, min_sndbuf = sock_min_bufs(profile)
    register_sysctl(root, "net.core", [
        CtlTable("wmem_max", SK_WMEM_MAX, proc_dointvec_minmax, min_sndbuf),
        CtlTable("rmem_max", SK_RMEM_MAX, proc_dointvec_minmax, min_rcvbuf),
        CtlTable("wmem_default", SK_WMEM_MAX, proc_dointvec_minmax, min_sndbuf),
        CtlTable("rmem_default", SK_RMEM_MAX, proc_dointvec_minmax, min_rcvbuf),
        CtlTable("dev_weight", 64, proc_do_dev_weight),
        CtlTable("netdev_max_backlog", 1000, proc_dointvec),
        CtlTable("optmem_max", 20480, proc_dointvec),
        CtlTable("netdev_budget", 300, proc_dointvec),
        CtlTable("tstamp_allow_data", 1, proc_dointvec_minmax, 0, 1),
    ])
