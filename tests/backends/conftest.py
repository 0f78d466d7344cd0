"""The `real_netns` fixture (see waysout.py)."""
from waysout import real_netns  # noqa: F401
