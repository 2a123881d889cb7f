# Two entry points (see README): `make demo` and `make test`. Both set everything up first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: setup system interop-tools demo test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[all,test]'
	touch $@

demo: setup
	$(VENV)/bin/khlang demo --output demo-out --overwrite

# System packages for the browser and database tests (Chromium, PostgreSQL): scripts/setup-system.sh.
system:
	bash scripts/setup-system.sh

# The pinned Label Studio and doccano the `interop` tests run (tests/interop_servers.py): installed from
# PyPI into .cache/interop once (6.5 minutes from an empty pip cache on 2 busy cores), then reused
# while their pins stay the same.
interop-tools: setup
	$(PY) tests/interop_servers.py

# The tests run with a fresh, empty HOME and XDG folders (removed afterwards), so nothing left in
# a home folder (a Ray token, caches, config) can make them pass; installing above still uses the
# real HOME (pip's configuration and cache). pytest exits 5 when it collects no test: not a failure.
test: setup system interop-tools
	@home=$$(mktemp -d) && trap 'rm -rf "$$home"' EXIT && \
	  env HOME="$$home" XDG_CONFIG_HOME="$$home/.config" XDG_CACHE_HOME="$$home/.cache" \
	      XDG_DATA_HOME="$$home/.local/share" XDG_STATE_HOME="$$home/.local/state" PYTHONNOUSERSITE=1 \
	      $(PY) -m pytest -q -ra || [ $$? -eq 5 ]

# Every benchmark of the README, with the arguments its tables were measured with (hours on 2 cores).
# BASE_SRC=path/to/older/checkout/src adds that khlang to the throughput table (e.g. a git worktree of bc8fbe8).
bench: setup
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/throughput.py --docs 20000 --workers 2 $(if $(BASE_SRC),--base-src $(BASE_SRC))
	$(PY) bench/profile_stages.py --docs 500
	$(PY) bench/readers.py
	$(PY) bench/langid.py
	$(PY) bench/segment.py
	$(PY) bench/zawgyi.py
	$(PY) bench/quality.py --docs 3000
	$(PY) bench/quality.py --keep-drop
	$(PY) bench/dedup.py --docs 20000
	$(PY) bench/export.py --docs 20000
	$(PY) bench/scale.py --ray --docs 20000 --docs-per-shard 1000
	$(PY) bench/scale.py --sizes 25000,50000,100000,200000
	$(PY) bench/scale.py --sizes 1000000 --stages langid,quality,dedup_minhash
	$(PY) bench/codeswitch.py
	$(if $(BASE_SRC),$(PY) bench/codeswitch.py --src $(BASE_SRC))
	$(PY) bench/annotate_load.py --seconds 30
	$(PY) bench/collect.py --pages 1000

clean:
	rm -rf $(VENV) demo-out .pytest_cache test-artifacts
