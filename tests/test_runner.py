"""The run: shards, catalog tables, error records, resume after SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from khlang.pipeline import Pipeline
from khlang.runner import RunError, run
from khlang.store import Corpus

TESTS = Path(__file__).parent


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(TESTS)])
    return env


@pytest.fixture(autouse=True)
def _tests_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))
    monkeypatch.setenv("PYTHONPATH", _env()["PYTHONPATH"])


def write_jsonl(path: Path, n: int, extra: list[str] = ()) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"text": f"ข่าวที่ {i} 新闻 news {i % 7}", "url": f"https://x.th/{i}"}, ensure_ascii=False) + "\n")
        for line in extra:
            f.write(line + "\n")
    return path


def pipeline(inp: Path, stages=("clean",), per_shard=50) -> Pipeline:
    return Pipeline.from_dict({"name": "t", "input": {"paths": [str(inp)]}, "stages": list(stages), "docs_per_shard": per_shard})


def snapshot(out: Path) -> tuple[list, list]:
    with Corpus(out) as c:
        docs = c.sql("SELECT id, text, annotations FROM documents ORDER BY id").fetchall()
        dropped = c.sql("SELECT id, stage, reason, text FROM dropped ORDER BY id").fetchall()
    return docs, dropped


def test_every_document_is_kept_or_explained(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", 120, ['{"broken', json.dumps({"text": "BOOM here"}), json.dumps({"text": " \u200b "})])
    result = run(pipeline(inp, ("clean", "stages_for_tests:Explode")), tmp_path / "out", workers=2, progress=False)
    assert result.docs_in == 123 and result.docs_out == 120 and result.docs_dropped == 3
    with Corpus(tmp_path / "out") as c:
        assert c.scalar("SELECT count(*) FROM documents") == 120
        reasons = dict(c.sql("SELECT reason, stage FROM dropped").fetchall())
        assert reasons == {"parse_error": "read", "error": "explode", "empty": "clean"}
        assert c.scalar("SELECT text FROM dropped WHERE reason = 'error'") == "BOOM here"
        assert "planted failure" in c.scalar("SELECT detail FROM dropped WHERE reason = 'error'")
        # ids are unique across kept and dropped
        assert c.scalar("SELECT count(DISTINCT id) FROM (SELECT id FROM all_docs UNION ALL SELECT id FROM dropped)") == 123
        (row,) = c.runs()[:1]
        assert row["status"] == "done" and row["docs_in"] == 123 and row["shards"] == 3
        stages = json.loads(row["stages"])
        assert stages["explode"]["dropped"] == {"error": 1} and stages["read"]["dropped"] == {"parse_error": 1}
        assert json.loads(row["config"])["stages"][1] == {"stages_for_tests:Explode": {}}
        assert "duckdb" in json.loads(row["versions"])
    assert len(list((tmp_path / "out" / "docs").glob("*.parquet"))) == 3


def test_same_input_same_corpus_for_any_worker_count(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", 200)
    run(pipeline(inp), tmp_path / "a", workers=1, progress=False)
    run(pipeline(inp), tmp_path / "b", workers=2, progress=False)
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_existing_corpus_is_not_clobbered(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", 10)
    run(pipeline(inp), tmp_path / "out", workers=1, progress=False)
    with pytest.raises(RunError, match="already holds a corpus"):
        run(pipeline(inp), tmp_path / "out", workers=1, progress=False)
    with pytest.raises(RunError, match="nothing to resume"):
        run(pipeline(inp), tmp_path / "out", workers=1, progress=False, resume=True)
    run(pipeline(inp), tmp_path / "out", workers=1, progress=False, mode="overwrite")
    assert len(snapshot(tmp_path / "out")[0]) == 10


def test_unknown_stage_or_parameter_fails_before_work(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", 3)
    with pytest.raises(KeyError, match="unknown stage"):
        run(pipeline(inp, ("nope",)), tmp_path / "o1", progress=False)
    with pytest.raises(TypeError, match="unknown parameters"):
        run(pipeline(inp, ({"clean": {"bogus": 1}},)), tmp_path / "o2", progress=False)
    assert not (tmp_path / "o1" / "catalog.duckdb").exists()


def test_sigkill_midway_then_resume_equals_uninterrupted_run(tmp_path):
    inp = write_jsonl(tmp_path / "in.jsonl", 1500, ['{"broken'])
    spec = {"name": "crash", "input": {"paths": [str(inp)]}, "docs_per_shard": 50,
            "stages": ["clean", {"stages_for_tests:Slow": {"seconds": 0.003}}]}
    pfile = tmp_path / "p.yaml"
    pfile.write_text(json.dumps(spec))  # JSON is valid YAML
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "khlang", "run", str(pfile), "-o", str(out), "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, env=_env(), start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done_dir = None
    deadline = time.time() + 120
    while time.time() < deadline:
        runs = list((out / "_runs").glob("*/done")) if (out / "_runs").exists() else []
        if runs and len(list(runs[0].glob("*.json"))) >= 4:
            done_dir = runs[0]
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    assert done_dir is not None, "run made no progress"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(done_dir.glob("*.json")))
    assert finished < 31, "the run finished before it could be killed; make it slower"

    with Corpus(out) as c:
        assert c.runs()[0]["status"] == "running"  # the killed run never got to say otherwise
        partial = c.scalar("SELECT count(*) FROM documents")
        assert partial == 50 * len(list(done_dir.glob("*.json"))) - c.scalar("SELECT count(*) FROM dropped")

    resumed = subprocess.run(cmd + ["--resume"], env=_env(), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr + resumed.stdout

    reference = tmp_path / "ref"
    run(Pipeline.from_file(pfile), reference, workers=1, progress=False)
    got, want = snapshot(out), snapshot(reference)
    assert len(got[0]) == 1500 and len(got[1]) == 1
    assert got == want
    with Corpus(out) as c:
        (row,) = c.runs()
        assert row["status"] == "done" and row["docs_in"] == 1501 and row["docs_out"] == 1500


def test_iter_documents_streams_every_document(tmp_path):
    """``Corpus.iter_documents`` yields each kept document once, as Documents, in id order."""
    from rich.console import Console

    from khlang.demo import run_demo
    from khlang.store import Corpus

    out = tmp_path / "demo"
    run_demo(out, workers=1, progress=False, console=Console(quiet=True))
    with Corpus(out) as corpus:
        ids = [doc.id for doc in corpus.iter_documents(batch_size=3)]
        assert ids == sorted(ids) and len(ids) == len(set(ids)) == corpus.scalar("SELECT count(*) FROM documents")
        assert corpus.scalar("SELECT count(*) FROM documents") > 10  # the catalog still answers afterwards


def test_local_executor_keeps_the_executor_contract():
    """The local executor is an ``Executor``; its ``group_by_key`` (the contract's default: each
    table spilled to Parquet, grouped by DuckDB) groups exactly like a dict, in one process or two."""
    from khlang.executors import Executor, get_executor
    from ray_helpers import band_groups, band_keys

    for workers in (1, 2):
        ex = get_executor("local", workers=workers)
        try:
            assert isinstance(ex, Executor) and ex.workers == workers
            assert ex.map(abs, [-1, 2, -3]) == [1, 2, 3]
            for min_size in (2, 1):
                expected = band_groups(range(5), min_size)
                got = ex.group_by_key(band_keys, range(5), min_size=min_size)
                assert got["key"].to_pylist() == sorted(expected)  # keys sorted, singletons only with min_size 1
                assert dict(zip(got["key"].to_pylist(), got["values"].to_pylist())) == expected
            assert ex.group_by_key(band_keys, []).num_rows == 0
        finally:
            ex.close()
