"""The seccomp filter and feature checks (no child needed)."""
import ctypes

import pytest

from netkernel import cli
from netkernel.platform import launch, seccomp


def run_filter(insns, nr, args=(0,) * 6, arch=seccomp.AUDIT_ARCH_X86_64):
    """A classic-BPF interpreter for the filter's few opcodes, over one seccomp_data."""
    data = seccomp.seccomp_data(nr, arch, 0, (ctypes.c_uint64 * 6)(*args))
    raw = bytes(data)
    a, pc = 0, 0
    while True:
        code, jt, jf, k = insns[pc]
        if code == seccomp.BPF_LD_W_ABS:
            a = int.from_bytes(raw[k:k + 4], "little")
        elif code == seccomp.BPF_RET_K:
            return k
        else:
            cond = {seccomp.BPF_JEQ_K: a == k, seccomp.BPF_JGE_K: a >= k,
                    seccomp.BPF_JGT_K: a > k}[code]
            pc += jt if cond else jf
        pc += 1


INSNS = seccomp.build_filter(1000, 1023, launch.MODEL_FAMILIES)
NOTIFY, ALLOW = seccomp.SECCOMP_RET_USER_NOTIF, seccomp.SECCOMP_RET_ALLOW
NR = seccomp.NR


@pytest.mark.parametrize("nr,args,want", [
    (NR["socket"], (17, 3, 0x300, 0, 0, 0), NOTIFY),          # AF_PACKET
    (NR["socket"], (2, 2, 0, 0, 0, 0), ALLOW),                # AF_INET: native
    (NR["socket"], (16, 3, 0, 0, 0, 0), NOTIFY),              # NETLINK_ROUTE
    (NR["socket"], (16, 3, 16, 0, 0, 0), ALLOW),              # NETLINK_GENERIC: native
    (NR["ioctl"], (3, 0x8933, 0, 0, 0, 0), NOTIFY),           # SIOCGIFINDEX on any fd
    (NR["ioctl"], (3, 0x5421, 0, 0, 0, 0), ALLOW),            # FIONBIO on a host fd
    (NR["ioctl"], (1000, 0x5421, 0, 0, 0, 0), NOTIFY),        # ... on a placeholder
    (NR["sendto"], (1005, 0, 0, 0, 0, 0), NOTIFY),
    (NR["sendto"], (999, 0, 0, 0, 0, 0), ALLOW),
    (NR["recvfrom"], (1024, 0, 0, 0, 0, 0), ALLOW),
    (NR["close"], (1023, 0, 0, 0, 0, 0), NOTIFY),
    (NR["mmap"], (0, 4096, 3, 1, 1001, 0), NOTIFY),           # mmap's fd is args[4]
    (NR["mmap"], (0, 4096, 3, 0x22, 0xFFFFFFFF, 0), ALLOW),   # anonymous
    (NR["dup2"], (5, 1001, 0, 0, 0, 0), NOTIFY),              # replacing a placeholder
    (NR["read"], (0, 0, 0, 0, 0, 0), ALLOW),
    (NR["openat"], (0, 0, 0, 0, 0, 0), NOTIFY),               # every open: /sys, /proc views
    (NR["open"], (0, 0, 0, 0, 0, 0), NOTIFY),
    (NR["openat2"], (0, 0, 0, 0, 0, 0), NOTIFY),
    (4, (0, 0, 0, 0, 0, 0), ALLOW),                           # stat
    (0x40000000 | NR["sendto"], (1005,) + (0,) * 5, seccomp.SECCOMP_RET_ERRNO | 38),   # x32
])
def test_filter_notifies_exactly_the_model_calls(nr, args, want):
    assert run_filter(INSNS, nr, args) == want


def test_filter_without_opens_lets_them_run():
    insns = seccomp.build_filter(1000, 1023, launch.MODEL_FAMILIES, opens=False)
    assert run_filter(insns, NR["openat"]) == ALLOW


def test_filter_rejects_other_architectures():
    assert run_filter(INSNS, NR["socket"], (17, 3, 0, 0, 0, 0), arch=0x40000003) == \
        seccomp.SECCOMP_RET_ERRNO | 38


def test_ioctl_numbers():
    assert (seccomp.SECCOMP_IOCTL_NOTIF_RECV, seccomp.SECCOMP_IOCTL_NOTIF_SEND,
            seccomp.SECCOMP_IOCTL_NOTIF_ID_VALID, seccomp.SECCOMP_IOCTL_NOTIF_ADDFD,
            seccomp.SECCOMP_IOCTL_NOTIF_SET_FLAGS) == \
        (0xC0502100, 0xC0182101, 0x40082102, 0x40182103, 0x40082104)


@pytest.mark.parametrize("release,name", [
    ("4.19.0-21-amd64", "SECCOMP_FILTER_FLAG_NEW_LISTENER"),
    ("5.4.0", "SECCOMP_USER_NOTIF_FLAG_CONTINUE"),
    ("5.8.18", "SECCOMP_IOCTL_NOTIF_ADDFD"),
    ("5.10.0-19-amd64", "SECCOMP_ADDFD_FLAG_SEND"),
])
def test_old_kernel_names_the_missing_feature(release, name):
    got = seccomp.missing_feature(release)
    assert got is not None and got.startswith(name) and release in got


def test_old_kernel_message_from_the_cli(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(seccomp, "missing_feature",
                        lambda: "SECCOMP_ADDFD_FLAG_SEND, Linux 5.14+ (this kernel is 5.10.0)")
    status = cli.main(["run", "--", "true"])
    err = capsys.readouterr().err
    assert status == 1
    assert err == ("netkernel: run: this host's kernel lacks seccomp's SECCOMP_ADDFD_FLAG_SEND, "
                   "Linux 5.14+ (this kernel is 5.10.0)\n")
