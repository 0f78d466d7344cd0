"""File references (fs/file_table.c)."""
from __future__ import annotations

LINUX_SOURCE = "fs/file_table.c"


def fput(f) -> None:
    """fput: drop a reference; the last one releases the file (f_op->release: sock_close)."""
    f.f_count -= 1
    if f.f_count == 0:
        f.f_op.release(f.private_data)
