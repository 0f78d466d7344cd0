# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench oracle hw-oracle sysdeps clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

.venv: $(VENV)/.installed

# System tools the tests use (iproute2 for real namespaces, chromium for the HTML view, tshark,
# tcpdump, arping and qemu for the ways out), installed from Debian's packages when missing.
sysdeps:
	@bash scripts/sysdeps.sh

demo: .venv
	$(VENV)/bin/netkernel demo

# The whole suite runs with the fast path as the environment says (default: on where it
# applies); then the differential suite, the property tests and the reliability suite run again
# with it forced the other way: both speeds must give the same observations (DESIGN.md §3). The
# second pass compares with the real kernel's observations recorded by the first (the real kernel
# does not change with netkernel's speed), so it only reruns the model.
FASTPATH_OTHER = $(if $(filter off,$(NETKERNEL_FASTPATH)),on,off)
SPEED_SUITES = tests/differential/test_differential.py tests/test_syscall_properties.py tests/reliability

LINUX_CACHE = .nkdiff-linux

test: .venv sysdeps
	rm -rf $(LINUX_CACHE)
	NKDIFF_LINUX_CACHE=$(LINUX_CACHE) $(PY) -m pytest -q
	NKDIFF_LINUX_CACHE=$(LINUX_CACHE) NKDIFF_LINUX_REPLAY=1 $(PY) -m pytest -q -p no:cacheprovider \
		--fastpath=$(FASTPATH_OTHER) $(SPEED_SUITES)

# The differential suite on a second real kernel, Debian's Linux 6.1 under QEMU (`make test` runs
# it too; NK_ORACLE=0 skips it there). The kernel package comes from apt and is cached.
oracle: .venv sysdeps
	$(PY) -m pytest -q -rA tests/differential/test_oracle_61.py

# Real Linux 6.1 on QEMU's AST2500 (-M ast2500-evb) running the study case: its FTGMAC100 MMIO
# trace, wire, descriptors and function_graph call graphs, stored in tests/data/ast2500/ (which
# `make test` compares netkernel against). Builds a kernel (cached in HW_ORACLE_CACHE); not run
# by `make test`.
hw-oracle:
	bash scripts/hw-oracle/hw-oracle.sh

# One suite, netkernel and the real kernel in the same run (root for the real column); the
# table is printed and written to bench/results.json.
bench: .venv sysdeps
	$(PY) bench/suite.py

clean:
	rm -rf $(VENV) build src/*.egg-info
