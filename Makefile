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

test: .venv sysdeps
	$(PY) -m pytest -q

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

bench: .venv sysdeps
	$(PY) bench/pps.py
	$(PY) bench/rings.py

clean:
	rm -rf $(VENV) build src/*.egg-info
