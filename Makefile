# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench sysdeps clean

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

bench: .venv sysdeps
	$(PY) bench/pps.py

clean:
	rm -rf $(VENV) build src/*.egg-info
