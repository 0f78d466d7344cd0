"""Shared by the fs/ syscall tests: a fresh real netns to compare with (skips without one)."""
import pytest

import realkernel


@pytest.fixture(scope="module")
def real():
    ok, why = realkernel.available()
    if not ok:
        pytest.skip(f"needs a real AF_PACKET socket: {why}")
    ns = realkernel.RealNetns()
    yield ns
    ns.close()
