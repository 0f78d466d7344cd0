"""Every test of a real program under `netkernel run` (test_programs_*.py) also checks that the
host's interfaces and network namespaces are the same after it as before."""
import pytest
from test_seccomp_run import host_state


@pytest.fixture(autouse=True)
def host_left_alone(request):
    if not request.module.__name__.startswith("test_programs_"):
        yield
        return
    before = host_state()
    yield
    assert host_state() == before, "the run changed the host's interfaces or namespaces"
