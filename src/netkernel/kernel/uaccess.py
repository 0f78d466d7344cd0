"""Moved to netkernel.include.linux.uaccess (copy_from_user is defined in include/linux/uaccess.h);
kept so that older imports keep working."""
from netkernel.include.linux.uaccess import (  # noqa: F401
    copy_from_user, copy_to_user, get_user_arg, put_user_arg)
