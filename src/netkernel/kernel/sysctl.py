"""The machine's /proc/sys (kernel/sysctl.c, fs/proc/proc_sysctl.c): ctl_table entries and the
proc handlers that check a write before storing it.

A write goes through the entry's handler, as `echo VALUE > /proc/sys/...` does: out of range is
EINVAL and the old value stays; an unknown name is ENOENT (opening a missing /proc/sys file).
Values are Python ints, or text parsed exactly as the kernel parses what is written to the file
(proc_get_long: leading blanks skipped, an optional '-', then C's strtoul with base 0 — "0x1f" is
hex, "010" octal — ending at a blank or the end; anything else is EINVAL). Only the first number
of a line is taken, as for any one-int entry.

Readers on hot paths use `root.values` (NetCore.sysctl) directly: a plain dict, name → int.
"""
from __future__ import annotations

LINUX_SOURCE = "kernel/sysctl.c"
MODEL_HELPERS = ("proc_do_config_choice",)   # not kernel functions (see netkernel.trace)

from netkernel.uapi.errno import EINVAL, ENOENT

INT_MAX = 0x7FFFFFFF
INT_MIN = -0x80000000
TMPBUFLEN = 22                  # proc_get_long: longer numbers are EINVAL
_BLANKS = " \t\n\v\f\r"          # proc_skip_spaces (isspace)
_SEPARATORS = " \t\n"           # proc_wspace_sep: what may follow a number


class CtlTable:
    """struct ctl_table: one /proc/sys entry — its name, initial value, proc handler and the
    handler's bounds (extra1/extra2: None = unbounded)."""
    __slots__ = ("procname", "data", "proc_handler", "extra1", "extra2")

    def __init__(self, procname: str, data: int, proc_handler, extra1=None, extra2=None):
        self.procname = procname
        self.data = data
        self.proc_handler = proc_handler
        self.extra1 = extra1
        self.extra2 = extra2


class SysctlRoot:
    """The machine's sysctl tree: registered entries by dotted name, and their current values."""
    __slots__ = ("entries", "values")

    def __init__(self):
        self.entries: dict[str, CtlTable] = {}
        self.values: dict[str, int] = {}


def register_sysctl(root: SysctlRoot, path: str, table: list[CtlTable]) -> None:
    """register_sysctl: add the entries of `table` under `path` ("net.core") with their values."""
    for t in table:
        name = f"{path}.{t.procname}"
        root.entries[name] = t
        root.values[name] = t.data


# ---------------------------------------------------------------- the proc handlers

def proc_dointvec(table: CtlTable, value: int) -> int:
    """proc_dointvec: any C int (do_proc_dointvec_conv: above INT_MAX, or below INT_MIN, EINVAL)."""
    if not INT_MIN <= value <= INT_MAX:
        return -EINVAL
    return 0


def proc_dointvec_minmax(table: CtlTable, value: int) -> int:
    """proc_dointvec_minmax: an int within [extra1, extra2] (a missing bound does not limit)."""
    if not INT_MIN <= value <= INT_MAX:
        return -EINVAL
    if table.extra1 is not None and value < table.extra1:
        return -EINVAL
    if table.extra2 is not None and value > table.extra2:
        return -EINVAL
    return 0


def proc_do_config_choice(table: CtlTable, value: int) -> int:
    """A build-time choice (extra1: the allowed values); any other value is EINVAL.
    DIVERGENCE(#8): Linux has no such file — see `kernel.hz` below."""
    return 0 if value in table.extra1 else -EINVAL


# CONFIG_HZ (kernel/Kconfig.hz): the tick rate is chosen when the kernel is built, among these.
# Users observe it through SO_RCVTIMEO/SO_SNDTIMEO rounding to jiffies, so the model lets a test
# pick the host's value. DIVERGENCE(#8): a sysctl here, build configuration in Linux.
CONFIG_HZ_CHOICES = (100, 250, 300, 1000)
kern_table = [
    CtlTable("hz", 250, proc_do_config_choice, CONFIG_HZ_CHOICES),   # 5.15 default: HZ_250
]


def sysctl_init(root: SysctlRoot) -> None:
    """sysctl_init: the kernel's own entries ("kernel.*")."""
    register_sysctl(root, "kernel", kern_table)


# ---------------------------------------------------------------- reading and writing

def proc_get_long(text: str) -> int | None:
    """proc_get_long on what was written: the first number, or None when the text is not one
    (EINVAL). Leading blanks are skipped; '+' is not accepted; base 0 as strtoul."""
    s = text.lstrip(_BLANKS)
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    end = 0
    while end < len(s) and s[end] not in _SEPARATORS:
        end += 1
    num, rest = s[:end], s[end:]
    if not num or len(num) >= TMPBUFLEN - 1:
        return None
    # _parse_integer_fixup_radix: "0x" followed by a hex digit is hex, a leading 0 is octal
    if num[:2].lower() == "0x" and len(num) > 2:
        base, digits = 16, num[2:]
    elif num[0] == "0":
        base, digits = 8, num
    else:
        base, digits = 10, num
    valid = "0123456789abcdef"[:base]
    if not all(c in valid for c in digits.lower()):
        return None
    v = int(digits, base)
    if v > 0xFFFFFFFFFFFFFFFF:          # strtoul overflow
        return None
    return -v if neg else v


def proc_dointvec_value(value: int | str) -> int | None:
    """A value written to an int entry outside the registered tables (the per-device
    net.ipv4/ipv6.conf ones): text parsed as the file parses it (proc_get_long), then held to a
    C int as proc_dointvec holds it. None means EINVAL."""
    if isinstance(value, str):
        value = proc_get_long(value)
        if value is None:
            return None
    return value if INT_MIN <= value <= INT_MAX else None


def proc_sys_read(root: SysctlRoot, name: str) -> tuple[int, int]:
    """Read an entry: (0, value), or (-ENOENT, 0) for a name that is not registered (values may
    be negative, so the errno comes apart)."""
    if name not in root.entries:
        return -ENOENT, 0
    return 0, root.values[name]


def proc_sys_write(root: SysctlRoot, name: str, value: int | str) -> int:
    """proc_sys_call_handler for a write: ENOENT for an unknown name; text is parsed as the file
    would parse it (empty text writes nothing); then the entry's handler decides (EINVAL keeps
    the old value). Returns 0 or a negative errno."""
    t = root.entries.get(name)
    if t is None:
        return -ENOENT
    if isinstance(value, str):
        if value == "":
            return 0                    # a zero-length write() never reaches the handler
        value = proc_get_long(value)
        if value is None:
            return -EINVAL
    err = t.proc_handler(t, value)
    if err:
        return err
    root.values[name] = value
    return 0
