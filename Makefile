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

# iproute2 is what the differential suite uses to build real namespaces and veth pairs.
sysdeps:
	@command -v ip >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2; \
	  else echo "iproute2 missing and cannot be installed: the differential suite will skip"; fi; }

demo: .venv
	$(VENV)/bin/netkernel demo

test: .venv sysdeps
	$(PY) -m pytest -q

bench: .venv sysdeps
	$(PY) bench/pps.py

clean:
	rm -rf $(VENV) build src/*.egg-info
