"""Moved to netkernel.include.linux.uaccess (copy_from_user is defined in include/linux/uaccess.h);
kept so that older imports keep working."""
from netkernel.include.linux.uaccess import (copy_from_user, kthread_unuse_mm,  # noqa: F401
                                             kthread_use_mm)
