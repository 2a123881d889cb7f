# Two entry points (see README): `make demo` and `make test`. Both set everything up first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup system interop-tools demo test bench clean

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

# The pinned Label Studio and doccano the `interop` tests run (tests/interop_servers.py): installed from
# PyPI into .cache/interop once (6.5 minutes from an empty pip cache on 2 busy cores), then reused
# while their pins stay the same.
interop-tools: setup
	$(PY) tests/interop_servers.py

# pytest exits 5 when it collects no test: that is not a failure of the suite.
test: setup system interop-tools
	$(PY) -m pytest -q -ra || [ $$? -eq 5 ]

# Every benchmark of the README, with the arguments its tables were measured with (tens of minutes on 2 cores).
bench: setup
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/throughput.py --docs 100000 --full
	$(PY) bench/readers.py
	$(PY) bench/langid.py
	$(PY) bench/segment.py
	$(PY) bench/quality.py --docs 3000
	$(PY) bench/dedup.py --docs 10000
	$(PY) bench/export.py --docs 20000
	$(PY) bench/scale.py --docs 20000 --docs-per-shard 1000

clean:
	rm -rf $(VENV) demo-out .pytest_cache test-artifacts
