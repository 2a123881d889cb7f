"""Eight annotators at once against a real `khlang serve` process (127.0.0.1) on SQLite and on
PostgreSQL for a few seconds: no errors, no hang, SIGTERM stops it under load, and the integrity
checks of issue 23 hold (answers stored = 200 responses, no document over its overlap, no task
handed twice to one annotator, every document's count of open places matches its slots).
`bench/annotate_load.py` runs the same loop longer, for numbers."""

from __future__ import annotations

import pytest
from annotate_support import PG_URL

from khlang.annotate.loadcheck import Server, drive, integrity, prepare
from khlang.annotate.web import default_workers


@pytest.mark.parametrize("backend, workers", [("sqlite", None), ("postgresql", None), ("sqlite", 1)])
def test_eight_annotators_keep_overlap_and_lose_nothing(backend, workers, tmp_path):
    """``khlang serve`` as started by default (two worker processes) and with one."""
    url = f"sqlite:///{tmp_path / 'load.db'}" if backend == "sqlite" else PG_URL
    setup = prepare(url, annotators=8, docs=300, overlap=2)
    server = Server(setup.db_url, tmp_path / "server.log", workers=workers)
    try:
        res = drive(server, setup, seconds=4, timeout=20)
    finally:
        server.kill()
    check = integrity(setup, res)
    assert res.requests > 8, (res.requests, (tmp_path / "server.log").read_text()[-2000:])
    # PostgreSQL's own CPU time is measured from its backends (this machine's); SQLite has none apart
    assert (res.db_cpu is None) == (backend == "sqlite") and (res.db_cpu is None or res.db_cpu > 0), res.db_cpu
    assert not res.errors, res.errors
    assert res.stop_seconds is not None and res.stop_seconds < 10, res.stop_seconds
    assert check["stored"] == check["ok_responses"] > 0, check
    assert check["over_overlap"] == 0 and check["given_twice"] == 0 and check["places_miscounted"] == 0, check
    assert (tmp_path / "server.log").read_text().count("Started server process") == (workers or default_workers())
