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


# -- append: one row per id ------------------------------------------------------------------------
def write_feed(path: Path, texts: list[str], ids: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            record = {"text": text} if ids is None else {"id": ids[i], "text": text}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def corpus_state(out: Path) -> dict:
    """What an append test checks every time: the documents, and the invariants of the catalog."""
    with Corpus(out) as c:
        docs = c.sql("SELECT id, text FROM documents ORDER BY id").fetchall()
        assert c.scalar("SELECT count(*) - count(DISTINCT id) FROM documents") == 0, "one row per id"
        assert c.scalar("SELECT count(*) FROM dropped WHERE duplicate_of = id") == 0, "its own duplicate"
        runs = c.runs()
        for r in runs:
            assert min(r["docs_in"], r["docs_out"], r["docs_dropped"]) >= 0, r
            assert r["docs_out"] + r["docs_dropped"] == r["docs_in"], r
        drops = c.sql("SELECT id, stage, reason, text FROM dropped ORDER BY stage, reason, id").fetchall()
    return {"docs": docs, "drops": drops, "runs": runs}


FEED = ["ข่าวเช้า ฝนตกหนักในกรุงเทพ", "ตลาดหุ้นปิดบวก", "Harga beras naik lagi", "ข่าวเช้า ฝนตกหนักในกรุงเทพ"]


def test_append_same_input_twice_is_a_no_op(tmp_path):
    inp = write_feed(tmp_path / "feed.jsonl", FEED)  # line 3 repeats line 0's text: an exact duplicate
    p = pipeline(inp, ("clean", "dedup_exact"))
    first = run(p, tmp_path / "out", workers=1, progress=False)
    assert (first.docs_in, first.docs_out, first.docs_dropped) == (4, 3, 1)
    before = corpus_state(tmp_path / "out")
    again = run(p, tmp_path / "out", workers=1, progress=False, mode="append")
    assert (again.docs_in, again.docs_out, again.docs_dropped, again.already_present) == (4, 0, 4, 4)
    after = corpus_state(tmp_path / "out")
    assert after["docs"] == before["docs"] and len(after["docs"]) == 3
    with Corpus(tmp_path / "out") as c:
        reasons = c.sql("SELECT stage, reason, count(*) FROM dropped WHERE run_id = ? GROUP BY ALL",
                        [again.run_id]).fetchall()
        # every copy of the second run stopped at reading; no stage ran on it
        assert reasons == [("read", "already_present", 4)]
        assert [r["docs_out"] for r in c.runs()] == [3, 0]
    third = run(p, tmp_path / "out", workers=2, progress=False, mode="append")  # and again, on 2 workers
    assert (third.docs_out, third.already_present) == (0, 4)
    assert corpus_state(tmp_path / "out")["docs"] == before["docs"]


def test_append_a_feed_that_grew(tmp_path):
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, FEED[:3])
    p = pipeline(feed, ("clean", {"dedup_exact": {"keep": "longest", "ignore_punctuation": True}}), per_shard=2)
    run(p, tmp_path / "out", workers=1, progress=False)
    assert len(corpus_state(tmp_path / "out")["docs"]) == 3
    # two new lines: a new story, and a longer copy of line 0 (punctuation only) that `longest` would prefer
    write_feed(feed, [*FEED[:3], "Bão số 3 đổ bộ miền Bắc", FEED[0] + " !!!"])
    grown = run(p, tmp_path / "out", workers=2, progress=False, mode="append")
    assert (grown.docs_in, grown.docs_out, grown.docs_dropped, grown.already_present) == (5, 1, 4, 3)
    state = corpus_state(tmp_path / "out")
    fresh = run(pipeline(feed, ("clean",)), tmp_path / "fresh", workers=1, progress=False)
    assert fresh.docs_out == 5
    expected = [d for d in corpus_state(tmp_path / "fresh")["docs"] if d[1] != FEED[0] + " !!!"]
    assert state["docs"] == expected and len(expected) == 4
    with Corpus(tmp_path / "out") as c:
        (dup,) = c.rows("SELECT id, duplicate_of, text FROM dropped WHERE reason = 'duplicate'")
        kept = c.scalar("SELECT id FROM documents WHERE text = ?", [FEED[0]])
    # the earlier run's document stays; the later copy is the one dropped, pointing at it
    assert dup["text"] == FEED[0] + " !!!" and dup["duplicate_of"] == kept != dup["id"]


def test_append_replace_updates_an_edited_document(tmp_path):
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, FEED[:3])
    p = pipeline(feed, ("clean", "dedup_exact"))
    first = run(p, tmp_path / "out", workers=1, progress=False)
    old = dict((t, i) for i, t in corpus_state(tmp_path / "out")["docs"])
    write_feed(feed, [FEED[0], "ตลาดหุ้นปิดลบ (แก้ไข)", FEED[2]])  # line 1 edited in place: same id
    skipped = run(p, tmp_path / "out", workers=1, progress=False, mode="append")
    assert (skipped.docs_out, skipped.already_present) == (0, 3)
    assert sorted(t for _, t in corpus_state(tmp_path / "out")["docs"]) == sorted(FEED[:3])  # skip keeps the old text

    updated = run(p, tmp_path / "out", workers=1, progress=False, mode="append", on_existing="replace")
    assert (updated.docs_in, updated.docs_out, updated.docs_dropped, updated.replaced) == (3, 3, 0, 3)
    state = corpus_state(tmp_path / "out")
    assert state["docs"] == sorted([(old[FEED[0]], FEED[0]), (old[FEED[1]], "ตลาดหุ้นปิดลบ (แก้ไข)"),
                                    (old[FEED[2]], FEED[2])])
    with Corpus(tmp_path / "out") as c:
        replaced = c.rows("SELECT id, text, run_id, detail FROM dropped WHERE reason = 'replaced' ORDER BY id")
        assert {r["run_id"] for r in replaced} == {first.run_id}  # the first run's copies, explained
        assert FEED[1] in {r["text"] for r in replaced}
        assert all(updated.run_id in r["detail"] for r in replaced)
        assert c.scalar("SELECT count(*) FROM documents WHERE run_id = ?", [updated.run_id]) == 3
        shown = c.get(old[FEED[1]])
        assert shown["status"] == "kept" and shown["text"] == "ตลาดหุ้นปิดลบ (แก้ไข)"
        assert [r["status"] for r in c.runs()] == ["done"] * 3


def test_an_id_read_twice_in_one_run_keeps_its_first_copy(tmp_path):
    inp = write_feed(tmp_path / "in.jsonl", ["หนึ่ง", "สอง", "หนึ่ง อีกครั้ง", "สาม", "หนึ่ง ครั้งที่สาม"],
                     ids=["a", "b", "a", "c", "a"])
    p = Pipeline.from_dict({"input": {"paths": [str(inp)], "id_field": "id"}, "docs_per_shard": 2,
                            "stages": ["clean", "dedup_exact"]})
    result = run(p, tmp_path / "out", workers=2, progress=False)
    assert (result.docs_in, result.docs_out, result.docs_dropped, result.already_present) == (5, 3, 2, 2)
    state = corpus_state(tmp_path / "out")
    assert sorted(t for _, t in state["docs"]) == ["สอง", "สาม", "หนึ่ง"]
    assert [(s, r) for _, s, r, _ in state["drops"]] == [("append", "already_present")] * 2


def test_cli_append_reports_what_it_skipped_and_replaced(tmp_path):
    feed = write_feed(tmp_path / "feed.jsonl", FEED[:3])
    pfile = tmp_path / "p.yaml"
    pfile.write_text(f"input:\n  paths: [{feed}]\nstages: [clean]\n", encoding="utf-8")
    from typer.testing import CliRunner

    from khlang.cli import app

    cli = CliRunner()
    assert cli.invoke(app, ["run", str(pfile), "-o", str(tmp_path / "o"), "-q", "-w", "1"]).exit_code == 0
    again = cli.invoke(app, ["run", str(pfile), "-o", str(tmp_path / "o"), "-q", "-w", "1", "--append"])
    assert again.exit_code == 0, again.output
    assert "3 in, 0 kept, 3 dropped" in again.output and "3 already in the corpus" in again.output
    write_feed(feed, [*FEED[:2], "แก้ไขแล้ว"])
    replace = cli.invoke(app, ["run", str(pfile), "-o", str(tmp_path / "o"), "-q", "-w", "1", "--append",
                               "--on-existing", "replace"])
    assert replace.exit_code == 0 and "3 in, 3 kept, 0 dropped" in replace.output and "3 replaced" in replace.output
    bad = cli.invoke(app, ["run", str(pfile), "-o", str(tmp_path / "o"), "--append", "--on-existing", "merge"])
    assert bad.exit_code == 2 and "merge" in bad.stderr


def test_replace_brings_back_an_edited_document_that_dedup_had_dropped(tmp_path):
    """An earlier run's dedup drop concerns the text it saw: the edited copy a later run brings
    with --on-existing replace is judged afresh (here: no longer a duplicate, so kept)."""
    feed = tmp_path / "feed.jsonl"
    write_feed(feed, [FEED[0], FEED[0], FEED[1]])
    p = pipeline(feed, ("clean", "dedup_exact"))
    run(p, tmp_path / "out", workers=1, progress=False)
    with Corpus(tmp_path / "out") as c:
        uri = c.scalar("SELECT source_uri FROM dropped WHERE reason = 'duplicate'")
    line = int(uri.rsplit("#", 1)[1])
    texts = [FEED[0], FEED[0], FEED[1]]
    texts[line] = "ข่าวเช้า ฉบับแก้ไข ไม่ซ้ำแล้ว"
    write_feed(feed, texts)
    result = run(p, tmp_path / "out", workers=1, progress=False, mode="append", on_existing="replace")
    assert (result.docs_in, result.docs_out, result.docs_dropped) == (3, 3, 0)
    assert sorted(t for _, t in corpus_state(tmp_path / "out")["docs"]) == sorted(texts)


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
