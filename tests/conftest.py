"""Project-wide pytest hooks."""


def pytest_configure(config):
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
