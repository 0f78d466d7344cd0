"""Project-wide pytest hooks."""
import os


def pytest_addoption(parser):
    parser.addoption("--fastpath", choices=("on", "off", "auto"), default=None,
                     help="force netkernel's fast path (netkernel/fastpath.py) on or off for "
                          "every machine the tests create (sets NETKERNEL_FASTPATH)")


def pytest_configure(config):
    mode = config.getoption("--fastpath")
    if mode is not None:
        os.environ["NETKERNEL_FASTPATH"] = mode
    config.addinivalue_line("markers", "oracle61: runs the differential suite on Debian's Linux 6.1 "
                                       "under QEMU (skip with -m 'not oracle61' or NK_ORACLE=0)")


def pytest_terminal_summary(terminalreporter):
    """After the host run, say how the second oracle did (like the host's summary line)."""
    try:
        from differential.test_oracle_61 import RESULT
    except ImportError:
        return
    if RESULT:
        terminalreporter.write_line(
            f"oracle Linux {RESULT['kernel']} (QEMU): {RESULT['summary']} "
            f"({RESULT['seconds']} s including boot)")
