"""Project-wide pytest hooks."""
import os

import pytest


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


@pytest.hookimpl(trylast=True)         # after -m/-k deselection: a deselected oracle never boots
def pytest_collection_modifyitems(session, config, items):
    """The 6.1 oracle runs in a QEMU guest for minutes: start it now, in the background, and put
    its test last so the host's tests run meanwhile."""
    oracle = [i for i in items if i.get_closest_marker("oracle61")]
    if not oracle:
        return
    items[:] = [i for i in items if not i.get_closest_marker("oracle61")] + oracle
    from differential.test_oracle_61 import start_guest
    start_guest()


def pytest_sessionfinish(session):
    import sys
    oracle = sys.modules.get("differential.test_oracle_61")
    if oracle is not None:
        oracle.stop_guest()


def pytest_terminal_summary(terminalreporter):
    """After the host run, say how the second oracle did (like the host's summary line), and how
    much of the real AST2500 call graphs netkernel draws (tests/hw/aspeed)."""
    import sys
    graphs = sys.modules.get("test_ast2500_graphs")
    cov = getattr(graphs, "COVERAGE", {}).get("all")
    if cov:
        terminalreporter.write_line(
            f"AST2500 oracle (Linux 6.1 on QEMU): netkernel draws {cov[0]} of the real "
            f"function_graph's {cov[1]} nodes of the study case ({100 * cov[0] / cov[1]:.1f} %)")
    try:
        from differential.test_oracle_61 import RESULT
    except ImportError:
        return
    if RESULT:
        terminalreporter.write_line(
            f"oracle Linux {RESULT['kernel']} (QEMU): {RESULT['summary']} "
            f"({RESULT['seconds']} s including boot)")
