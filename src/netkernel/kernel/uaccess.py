"""Moved to netkernel.include.linux.uaccess (copy_from_user is defined in include/linux/uaccess.h);
kept so that older imports keep working."""
from netkernel.include.linux.uaccess import (copy_from_user, copy_to_user,  # noqa: F401
                                             get_user_arg, kthread_unuse_mm, kthread_use_mm,
                                             put_user_arg)
