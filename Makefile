# Two entry points (see README): `make demo` and `make test`. Both set everything up first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup system demo test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

demo: setup
	$(VENV)/bin/khlang demo --output demo-out

# System packages for the browser and database tests (Chromium, PostgreSQL): scripts/setup-system.sh.
system:
	bash scripts/setup-system.sh

# pytest exits 5 when it collects no test: that is not a failure of the suite.
test: setup system
	$(PY) -m pytest -q -ra || [ $$? -eq 5 ]

bench: setup
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/throughput.py

clean:
	rm -rf $(VENV) demo-out .pytest_cache test-artifacts
