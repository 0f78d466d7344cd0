"""The machine's /proc/sys (kernel/sysctl.py, net/core/sysctl_net_core.py): 5.15's proc handlers —
EINVAL keeps the old value, unknown names are ENOENT, text is parsed as the kernel parses a write."""
import errno
import os

import pytest

import netkernel
from netkernel.kernel.sysctl import proc_get_long
from netkernel.net.core.skbuff import PROFILES
from netkernel.net.core.sysctl_net_core import sock_min_bufs

NAMES = ["net.core.rmem_max", "net.core.wmem_max", "net.core.rmem_default",
         "net.core.wmem_default", "net.core.netdev_max_backlog", "net.core.optmem_max",
         "net.core.netdev_budget", "net.core.dev_weight", "kernel.hz"]


def _errno(fn, *args):
    with pytest.raises(OSError) as e:
        fn(*args)
    return e.value.errno


def test_defaults_are_5_15s():
    k = netkernel.Kernel()
    assert [k.sysctl(n) for n in NAMES] == [212992, 212992, 212992, 212992, 1000, 20480, 300,
                                             64, 250]


def test_socket_buffer_minimums_are_computed_from_the_machine():
    """SOCK_MIN_RCVBUF = 2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)); SOCK_MIN_SNDBUF twice."""
    assert sock_min_bufs(PROFILES["x86_64"]) == (2304, 4608)
    assert sock_min_bufs(PROFILES["armv7"]) == (2048 + 192, 2 * (2048 + 192))


@pytest.mark.parametrize("name,low", [("net.core.rmem_max", 2304), ("net.core.rmem_default", 2304),
                                      ("net.core.wmem_max", 4608), ("net.core.wmem_default", 4608)])
def test_buffer_sizes_below_the_minimum_are_einval_and_keep_the_old_value(name, low):
    k = netkernel.Kernel()
    for bad in (low - 1, 0, -1, 2 ** 31, -2 ** 31 - 1):
        assert _errno(k.sysctl, name, bad) == errno.EINVAL
        assert k.sysctl(name) == 212992
    assert k.sysctl(name, low) == low
    assert k.sysctl(name, 2 ** 31 - 1) == 2 ** 31 - 1      # no maximum


@pytest.mark.parametrize("name", ["net.core.netdev_max_backlog", "net.core.optmem_max",
                                  "net.core.netdev_budget", "net.core.dev_weight"])
def test_proc_dointvec_takes_any_c_int(name):
    k = netkernel.Kernel()
    old = k.sysctl(name)
    for bad in (2 ** 31, -2 ** 31 - 1):
        assert _errno(k.sysctl, name, bad) == errno.EINVAL
        assert k.sysctl(name) == old
    assert k.sysctl(name, -2 ** 31) == -2 ** 31             # 5.15: proc_dointvec, no bounds
    assert k.sysctl(name, 0) == 0


def test_kernel_hz_is_one_of_config_hz_choices():
    """Regression: kernel.hz=0 was accepted and divided by later."""
    k = netkernel.Kernel()
    for bad in (0, -250, 1, 200, 2000):
        assert _errno(k.sysctl, "kernel.hz", bad) == errno.EINVAL
        assert k.sysctl("kernel.hz") == 250
    for hz in (100, 300, 1000, 250):
        assert k.sysctl("kernel.hz", hz) == hz


def test_unknown_names_are_enoent_and_types_are_checked():
    k = netkernel.Kernel()
    assert _errno(k.sysctl, "net.core.nope") == errno.ENOENT
    assert _errno(k.sysctl, "net.core.nope", 5) == errno.ENOENT
    assert _errno(k.sysctl, "net.core", 5) == errno.ENOENT
    for bad in (1.5, b"100", True, [1], object()):
        with pytest.raises(TypeError):
            k.sysctl("net.core.optmem_max", bad)
    with pytest.raises(TypeError):
        k.sysctl(5)
    assert k.sysctl("net.core.optmem_max") == 20480


@pytest.mark.parametrize("text,value", [
    ("5000", 5000), (" 5000\n", 5000), ("5000\t", 5000), ("5000 abc", 5000), ("5000 6000", 5000),
    ("0x1000", 4096), ("0X1f", 31), ("010", 8), ("-0", 0), ("-7", -7), ("\t-7", -7),
    ("abc", None), ("12abc", None), ("5000,", None), ("+7000", None), ("1e4", None), ("0x", None),
    ("08", None), ("- 7", None), ("  ", None), ("\n", None), ("99999999999999999999", None),
    ("5000\r", None),
])
def test_text_is_parsed_as_a_write_to_proc(text, value):
    assert proc_get_long(text) == value


def test_text_values_through_the_api():
    k = netkernel.Kernel()
    assert k.sysctl("net.core.optmem_max", "0x1000\n") == 4096
    assert _errno(k.sysctl, "net.core.optmem_max", "junk") == errno.EINVAL
    assert k.sysctl("net.core.optmem_max", "") == 4096        # an empty write changes nothing
    assert _errno(k.sysctl, "net.core.rmem_max", "100") == errno.EINVAL
    assert _errno(k.sysctl, "net.core.rmem_max", "4294967296") == errno.EINVAL
    assert k.sysctl("net.core.rmem_max") == 212992


def test_a_negative_value_reads_back():
    k = netkernel.Kernel()
    assert k.sysctl("net.core.netdev_max_backlog", -1) == -1
    assert k.sysctl("net.core.netdev_max_backlog") == -1


def test_sysctls_are_per_machine():
    k1, k2 = netkernel.Kernel(), netkernel.Kernel()
    k1.sysctl("net.core.rmem_max", 4194304)
    assert k2.sysctl("net.core.rmem_max") == 212992


# ---------------------------------------------------------------- against the real kernel

# Writes the real kernel rejects (so trying them on the host changes nothing). Values it would
# accept are not tried on the host's global sysctls: other tests read them at the same time.
# optmem_max's negative values are left out: 5.15 takes them (proc_dointvec), 6.9+ does not.
REJECTED_ON_LINUX = {
    "rmem_max": ["-1", "0", "2303", "abc", "2147483648", "+5000", "1e4", "5000,"],
    "wmem_max": ["-1", "4607", "abc", "2147483648"],
    "rmem_default": ["2303", "0x8ff", "abc"],
    "wmem_default": ["4607", "0x11ff", "abc"],
    "netdev_max_backlog": ["abc", "2147483648", "+5", "1e3", "0x", "08"],
    "netdev_budget": ["abc", "2147483648", "- 5"],
    "dev_weight": ["abc", "2147483648", "99999999999999999999"],
    "optmem_max": ["abc", "2147483648", "12abc"],
}


def _write_proc(name: str, text: str) -> int:
    fd = os.open(f"/proc/sys/net/core/{name}", os.O_WRONLY)
    try:
        os.write(fd, text.encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


@pytest.mark.parametrize("name", sorted(REJECTED_ON_LINUX))
def test_rejected_writes_match_the_real_kernel(name):
    path = f"/proc/sys/net/core/{name}"
    if os.geteuid() != 0 or not os.access(path, os.W_OK):
        pytest.skip("needs root and a writable /proc/sys/net/core")
    k = netkernel.Kernel()
    for text in REJECTED_ON_LINUX[name]:
        before = open(path).read()
        linux = _write_proc(name, text)
        assert open(path).read() == before, f"the host's {name} changed on {text!r}"
        with pytest.raises(OSError) as e:
            k.sysctl(f"net.core.{name}", text)
        assert (linux, e.value.errno) == (errno.EINVAL, errno.EINVAL), text


def test_unknown_name_matches_a_missing_proc_file():
    with pytest.raises(FileNotFoundError):
        open("/proc/sys/net/core/nope")
    with pytest.raises(FileNotFoundError):
        netkernel.Kernel().sysctl("net.core.nope")


ACCEPTED = {
    "rmem_max": ["2304", "0x900", " 5000 6000"],
    "wmem_max": ["4608", "011000"],          # 0o11000 = 4608
    "rmem_default": ["2304"],
    "wmem_default": ["4608\n"],
    "netdev_max_backlog": ["-1", "2147483647", "\t77"],
    "optmem_max": ["-5", "-2147483648", "0"],           # 5.15 and 6.1: proc_dointvec
    "netdev_budget": ["-0", "0X1f"],
    "dev_weight": ["1", "0x40"],
}
# 5.15.0 takes these (proc_dointvec); d1f9f79fa2af ("net: let net.core.dev_weight always be
# non-zero", 6.14, backported to 5.15.179 and to Debian's 6.1) makes the real kernel refuse them.
BACKPORTED_REJECTS = {"dev_weight": ["0", "-64"]}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_accepted_writes_match_the_real_kernel_in_the_disposable_guest(name):
    """Writes the kernel takes change a global: only inside the 6.1 oracle's guest
    (`scripts/oracle-6.1/run.sh`), where nothing else runs; restored afterwards anyway."""
    if not os.environ.get("NK_ORACLE_GUEST"):
        pytest.skip("changes the host's global sysctls: runs only inside the 6.1 oracle guest")
    path = f"/proc/sys/net/core/{name}"
    k = netkernel.Kernel()
    old = open(path).read()
    try:
        for text in ACCEPTED[name]:
            assert _write_proc(name, text) == 0, text
            assert int(open(path).read()) == k.sysctl(f"net.core.{name}", text), text
        for text in BACKPORTED_REJECTS.get(name, ()):
            assert _write_proc(name, text) == errno.EINVAL, f"{text}: backport missing?"
            k.sysctl(f"net.core.{name}", text)        # the model keeps 5.15.0's rule
    finally:
        _write_proc(name, old)
