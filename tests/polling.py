"""Waiting in tests for something another thread (an interrupt thread, a backend) makes true."""
import time


def wait_until(cond, timeout: float = 5.0, interval: float = 0.002) -> bool:
    """Poll `cond()` until it is true or `timeout` seconds pass; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(interval)
    return cond()
