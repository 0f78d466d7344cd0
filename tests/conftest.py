"""Project-wide pytest hooks."""


def pytest_configure(config):
    config.addinivalue_line("markers", "oracle61: runs the differential suite on Debian's Linux 6.1 "
                                       "under QEMU (skip with -m 'not oracle61' or NK_ORACLE=0)")


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
