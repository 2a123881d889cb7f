"""The Ray executor on a real two-node Ray cluster on loopback (head + one worker node, one CPU
each), compared document for document with the local executor."""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Ray's token authentication: the nodes and every driver that joins a cluster by address need
# RAY_AUTH_MODE=token and the same token (set before Ray is imported: Ray caches its config). The
# test cluster gets its own fresh token through the environment, which every process started here
# inherits, so nothing in ~/.ray (or any home folder) is read or needed.
os.environ["RAY_AUTH_MODE"] = "token"
os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
os.environ.pop("RAY_AUTH_TOKEN_PATH", None)

import pytest  # noqa: E402
import ray  # noqa: E402

from khlang.executors import get_executor
from khlang.executors.ray import RayExecutor, stage_resources
from khlang.pipeline import Pipeline
from khlang.runner import run
from khlang.store import Corpus

TESTS = Path(__file__).resolve().parent
SRC = TESTS.parent / "src"
RAY = str(Path(sys.executable).with_name("ray"))


def _free_port() -> int:
    return _free_ports(1)[0]


def _free_ports(n: int) -> list[int]:
    """``n`` distinct ports nothing listens on now (all bound at once, so none repeats)."""
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _free_range(size: int) -> int:
    """First port of ``size`` consecutive free ports (Ray's worker ports are a range)."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000 - size)
        try:
            socks = []
            for port in range(base, base + size):
                socks.append(socket.socket())
                socks[-1].bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError(f"no {size} consecutive free ports")


def _node_ports(head: bool) -> list[str]:
    """A free port for every port a Ray node opens, so the test cluster never collides with
    another Ray instance on the machine (Ray's defaults such as 10001 or 52365 are fixed)."""
    names = ["node-manager", "object-manager", "dashboard-agent-listen", "dashboard-agent-grpc",
             "metrics-export", "runtime-env-agent"]
    low = _free_range(64)
    return ([f"--{name}-port={port}" for name, port in zip(names, _free_ports(len(names)))]
            + [f"--min-worker-port={low}", f"--max-worker-port={low + 63}"])


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    # --block keeps `ray start` in the foreground; its own session lets the finalizer stop exactly
    # this node's processes (raylet, object store, workers) and nothing else on the machine.
    return subprocess.Popen([RAY, "start", "--block", "--disable-usage-stats", "--num-cpus=1",
                             "--node-ip-address=127.0.0.1", *args], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen) -> None:
    """Stop one node: SIGTERM to `ray start`, then SIGKILL to its whole process group."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # raylet, GCS, workers: whatever outlived `ray start`
    except ProcessLookupError:
        pass
    proc.wait(10)


@pytest.fixture(scope="module")
def cluster():
    """Address of a running head + worker-node cluster (module-scoped: it takes seconds to start)."""
    port = _free_port()
    address = f"127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), str(TESTS), os.environ.get("PYTHONPATH", "")]))
    procs = [_start(["--head", f"--port={port}", "--include-dashboard=false", *_node_ports(head=True)], env)]
    try:
        deadline = time.monotonic() + 90
        while True:  # the head must be up before a worker node can join it
            try:
                ray.init(address=address, log_to_driver=False)
                break
            except Exception:
                assert time.monotonic() < deadline, "Ray head did not start"
                assert procs[0].poll() is None, "ray start --head exited"
                time.sleep(1)
        # the worker node declares one GPU (Ray accepts a declared GPU without hardware), so GPU
        # stages can be tested for where they are scheduled
        procs.append(_start([f"--address={address}", "--num-gpus=1", *_node_ports(head=False)], env))
        while len([n for n in ray.nodes() if n["Alive"]]) < 2:
            assert time.monotonic() < deadline, "Ray worker node did not join"
            time.sleep(0.5)
        ray.shutdown()
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for proc in reversed(procs):
            _stop(proc)
        # a killed head leaves its address as the machine's default cluster; forget it
        current = Path(tempfile.gettempdir(), "ray", "ray_current_cluster")
        if current.exists() and current.read_text().strip().endswith(f":{port}"):
            current.unlink()


def _inputs(tmp: Path, seed_texts: list[str], docs: int = 30) -> Path:
    """JSONL documents from the seed paragraphs, with a broken line, a record without text and a
    blank document, so reading drops and stage drops both happen."""
    paragraphs = [p.strip() for t in seed_texts for p in t.split("\n") if len(p.strip()) > 40]
    folder = tmp / "in"
    folder.mkdir(parents=True)
    lines = [json.dumps({"id": f"d{i}", "text": paragraphs[i % len(paragraphs)] + "\u200b  \r\n"}, ensure_ascii=False)
             for i in range(docs)]
    lines[7] = '{"id": "broken", "text": "ไม่จบ'  # truncated JSON
    lines[11] = json.dumps({"id": "notext", "body": "x"})
    lines[13] = json.dumps({"id": "blank", "text": " \u200b \n "})
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _pipeline(folder: Path, seed_paths: list[Path], slow: dict | None = None, per_shard: int = 4) -> Pipeline:
    stages = ["clean"] + ([{"ray_helpers:Slow": slow}] if slow is not None else [])
    return Pipeline.from_dict({"name": "raytest", "input": {"paths": [str(folder), *map(str, seed_paths)]},
                               "docs_per_shard": per_shard, "stages": stages})


def _snapshot(path: Path) -> dict:
    """What a corpus holds: kept (id, text, source), dropped (id, stage, reason), duplicates."""
    with Corpus(path) as c:
        kept = c.con.execute("SELECT id, text, source_uri FROM documents ORDER BY id").fetchall()
        dropped = c.con.execute("SELECT id, stage, reason FROM dropped ORDER BY id").fetchall()
        dupes = c.con.execute("SELECT count(*) - count(DISTINCT id) FROM all_docs").fetchone()[0]
        runs = c.runs()
    return {"kept": kept, "dropped": dropped, "dupes": dupes, "runs": runs}


def _same_corpus(a: dict, b: dict) -> None:
    assert a["kept"] == b["kept"]
    assert a["dropped"] == b["dropped"]
    assert a["dupes"] == b["dupes"] == 0


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory, seed_texts, seed_paths):
    tmp = tmp_path_factory.mktemp("ref")
    folder = _inputs(tmp, seed_texts)
    run(_pipeline(folder, seed_paths), tmp / "local", workers=1, progress=False)
    snap = _snapshot(tmp / "local")
    assert len(snap["kept"]) == 27 + 5  # 30 records less 3 bad ones, plus the 5 seed articles
    assert sorted((stage, reason) for _, stage, reason in snap["dropped"]) == [
        ("clean", "empty"), ("read", "missing_text"), ("read", "parse_error")]
    return folder, snap


@pytest.mark.timeout(180)
def test_cli_on_cluster_matches_local(cluster, local_reference, seed_paths, tmp_path):
    folder, expected = local_reference
    pipeline_file = tmp_path / "p.json"
    # a pipeline file given to the CLI, as a user would run it
    pipeline_file.write_text(json.dumps(_pipeline(folder, seed_paths).to_dict()), encoding="utf-8")
    pipeline_yaml = tmp_path / "p.yaml"
    import yaml

    pipeline_yaml.write_text(yaml.safe_dump(json.loads(pipeline_file.read_text())), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "khlang", "run", str(pipeline_yaml), "-o", str(tmp_path / "ray"),
                          "--executor", "ray", "--address", cluster, "-q"],
                         capture_output=True, text=True, timeout=150)
    assert out.returncode == 0, out.stdout + out.stderr
    got = _snapshot(tmp_path / "ray")
    _same_corpus(got, expected)
    (row,) = got["runs"]
    assert row["executor"] == "ray" and row["workers"] == 2 and row["status"] == "done"
    stages = json.loads(row["stages"])
    assert stages["clean"]["docs_in"] == 33 and stages["clean"]["dropped"] == {"empty": 1}
    assert stages["clean"]["seconds"] > 0  # per-stage timings summed from the shards' done markers


def _forget_shards(corpus: Path, keep: int) -> int:
    """Make a finished run look crashed: drop the done markers of all but ``keep`` shards."""
    with Corpus(corpus) as c:
        (run_id,) = c.con.execute("SELECT run_id FROM runs").fetchone()
        c.con.execute("UPDATE runs SET status = 'interrupted'")
    markers = sorted((corpus / "_runs" / run_id / "done").glob("*.json"))
    for m in markers[keep:]:
        m.unlink()
    return len(markers) - keep


@pytest.mark.timeout(180)
def test_resume_across_executors(cluster, local_reference, seed_paths, tmp_path):
    folder, expected = local_reference
    pipeline = _pipeline(folder, seed_paths)
    # started locally, resumed on Ray
    run(pipeline, tmp_path / "a", workers=1, progress=False)
    assert _forget_shards(tmp_path / "a", keep=3) > 0
    result = run(pipeline, tmp_path / "a", resume=True, executor="ray", progress=False,
                 executor_options={"address": cluster})
    assert result.shards_run > 0 and result.docs_in == 35
    _same_corpus(_snapshot(tmp_path / "a"), expected)
    # started on Ray, resumed locally
    run(pipeline, tmp_path / "b", executor="ray", progress=False, executor_options={"address": cluster})
    _forget_shards(tmp_path / "b", keep=2)
    run(pipeline, tmp_path / "b", resume=True, workers=1, progress=False)
    _same_corpus(_snapshot(tmp_path / "b"), expected)
    assert not ray.is_initialized()  # the executor disconnected when the run ended


def _append_sequence(tmp: Path, seed_texts, seed_paths, **executor) -> tuple[list, list, list]:
    """Run, append the same input, grow and edit the feed, append (skip), append (replace):
    the counts of each run, the final documents (record id, text) and every run row."""
    folder = _inputs(tmp, seed_texts)
    feed = folder / "a.jsonl"
    pipeline = Pipeline.from_dict({**_pipeline(folder, seed_paths).to_dict(), "stages": ["clean", "dedup_exact"]})
    corpus = tmp / "corpus"
    results = [run(pipeline, corpus, progress=False, **executor),
               run(pipeline, corpus, mode="append", progress=False, **executor)]
    lines = feed.read_text(encoding="utf-8").splitlines()
    lines.append(json.dumps({"id": "new", "text": "ข่าวใหม่ที่เพิ่งเข้ามาในฟีดวันนี้"}, ensure_ascii=False))
    lines[0] = json.dumps({"id": "d0", "text": "ข่าว d0 ฉบับแก้ไขแล้ว"}, ensure_ascii=False)
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results.append(run(pipeline, corpus, mode="append", progress=False, **executor))
    results.append(run(pipeline, corpus, mode="append", on_existing="replace", progress=False, **executor))
    with Corpus(corpus) as c:
        docs = c.con.execute("SELECT coalesce(json_extract_string(meta, '$.id'), source_uri), text FROM documents "
                             "ORDER BY 1, 2").fetchall()
        assert c.scalar("SELECT count(*) - count(DISTINCT id) FROM documents") == 0
        assert c.scalar("SELECT count(*) FROM dropped WHERE duplicate_of = id") == 0
        runs = c.runs()
    counts = [(r.docs_in, r.docs_out, r.docs_dropped, r.already_present, r.replaced) for r in results]
    return counts, [(k if k.startswith("d") or k == "new" else Path(k).name, t) for k, t in docs], runs


@pytest.mark.timeout(240)
def test_append_on_cluster_matches_local(cluster, seed_texts, seed_paths, tmp_path):
    """--append on Ray gives what it gives locally: the same input again adds nothing, a grown
    feed adds only its new record, an edit replaces its copy only with --on-existing replace; no
    document is ever its own duplicate and no count is negative."""
    local = _append_sequence(tmp_path / "local", seed_texts, seed_paths, workers=1)
    on_ray = _append_sequence(tmp_path / "ray", seed_texts, seed_paths, executor="ray",
                              executor_options={"address": cluster})
    counts, docs, runs = on_ray
    assert counts == local[0] and docs == local[1]
    first, again, grown, replaced = counts
    assert again[1] == 0 and again[3] > 0  # the same input again: nothing added
    assert grown[1] == 1  # the grown feed: only the new record
    assert replaced[4] == replaced[1] > 0  # replace: every copy read replaces the earlier one
    texts = dict(docs)
    assert texts["d0"] == "ข่าว d0 ฉบับแก้ไขแล้ว" and texts["new"] == "ข่าวใหม่ที่เพิ่งเข้ามาในฟีดวันนี้"
    assert [r["executor"] for r in runs] == ["ray"] * 4
    assert all(min(r["docs_in"], r["docs_out"], r["docs_dropped"]) >= 0 for r in runs)


@pytest.mark.timeout(240)
def test_killed_worker_loses_nothing(cluster, seed_texts, seed_paths, tmp_path):
    folder = _inputs(tmp_path, seed_texts, docs=40)
    run(_pipeline(folder, seed_paths, slow={"delay": 0.0}), tmp_path / "local", workers=1, progress=False)
    expected = _snapshot(tmp_path / "local")

    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    # the worker that reaches record d25 stalls there for 3 s with its pid in pid_dir: killed mid-shard
    pipeline = _pipeline(folder, seed_paths, slow={"delay": 0.05, "pid_dir": str(pid_dir), "stall_on": "d25", "stall": 3.0})
    corpus = tmp_path / "ray"
    killed: list[tuple[int, int]] = []  # (pid, shards done when it was killed)

    def kill_a_busy_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            markers = list(corpus.glob("_runs/*/done/*.json"))
            for pid in [int(p.name) for p in pid_dir.iterdir()]:
                try:
                    os.kill(pid, signal.SIGKILL)  # a Ray worker process in the middle of a shard
                except ProcessLookupError:
                    continue
                killed.append((pid, len(markers)))
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    result = run(pipeline, corpus, executor="ray", progress=False,
                 executor_options={"address": cluster, "max_retries": 3})
    killer.join(5)
    shards = len(json.loads(next(corpus.glob("_runs/*/plan.json")).read_text()))
    assert killed and killed[0][1] < shards, "the kill must land while shards were still running"
    processed = (tmp_path / "processed.log").read_text().split()
    assert len(processed) > len(set(processed)), "the killed worker's shard was not redone"
    assert result.docs_in == 45
    _same_corpus(_snapshot(corpus), expected)
    assert len(list(corpus.glob("_runs/*/done/*.json"))) == shards


@pytest.mark.timeout(120)
def test_map_runs_on_cluster_in_order(cluster):
    from ray_helpers import square_with_pid

    ex = RayExecutor(address=cluster)
    try:
        results = ex.map(square_with_pid, range(12))
    finally:
        ex.close()
    assert [r for r, _ in results] == [x * x for x in range(12)]
    assert os.getpid() not in {pid for _, pid in results}
    assert not ray.is_initialized()


def test_stage_resources_and_task_options():
    def pipe(*stages):
        return Pipeline.from_dict({"input": {"paths": ["x"]}, "stages": list(stages)}).to_dict()

    assert stage_resources(pipe("clean")) == {}
    need = stage_resources(pipe("clean", "ray_helpers:NeedsGPU", "ray_helpers:NeedsCPU"))
    assert need == {"GPU": 1.0, "memory": float(2**30), "CPU": 2.0, "accelerator_x": 1.0}
    ex = RayExecutor.__new__(RayExecutor)  # options only; no Ray needed
    ex.num_cpus, ex.memory, ex.max_retries, ex.retry_exceptions = 1, None, 3, True
    assert ex._options(need) == {"num_cpus": 2.0, "num_gpus": 1.0, "memory": 2**30, "max_retries": 3,
                                 "retry_exceptions": True, "resources": {"accelerator_x": 1.0}}
    assert ex._options({}) == {"num_cpus": 1, "max_retries": 3, "retry_exceptions": True}


def test_unknown_executor_is_a_clear_error():
    with pytest.raises(KeyError, match="local, ray"):
        get_executor("spark")


@pytest.mark.timeout(120)
def test_group_by_key_on_cluster(cluster):
    from ray_helpers import band_groups, band_keys

    expected = band_groups(range(5))

    ex = RayExecutor(address=cluster)
    try:
        got = ex.group_by_key(band_keys, range(5), partitions=3)
        single = ex.group_by_key(band_keys, range(5), partitions=1)
    finally:
        ex.close()
    assert dict(zip(got["key"].to_pylist(), got["values"].to_pylist())) == expected
    assert single.equals(got)
    assert not any(k.startswith("solo") for k in got["key"].to_pylist())  # singletons are not groups


@pytest.mark.timeout(120)
def test_gpu_stage_runs_only_where_a_gpu_is(cluster, local_reference, seed_paths, tmp_path):
    folder, expected = local_reference
    pipeline = Pipeline.from_dict({"name": "gpu", "input": {"paths": [str(folder), *map(str, seed_paths)]},
                                   "docs_per_shard": 8, "stages": ["clean", "ray_helpers:OnGPU"]})
    run(pipeline, tmp_path / "gpu", executor="ray", progress=False, executor_options={"address": cluster})
    ray.init(address=cluster, log_to_driver=False)
    try:
        (gpu_node,) = [n["NodeID"] for n in ray.nodes() if n["Alive"] and n["Resources"].get("GPU")]
    finally:
        ray.shutdown()
    with Corpus(tmp_path / "gpu") as c:
        where = [json.loads(a)["on-gpu"] for (a,) in c.con.execute("SELECT annotations FROM documents").fetchall()]
    assert len(where) == len(expected["kept"])
    assert {w["node"] for w in where} == {gpu_node}  # never on the head, which has no GPU
    assert all(w["gpus"] == ["0"] and w["cuda"] == "0" for w in where)


def test_unreachable_cluster_is_a_clear_error(tmp_path):
    from khlang.runner import RunError

    with pytest.raises(RunError, match="cannot reach the Ray cluster"):
        RayExecutor(address=f"127.0.0.1:{_free_port()}")
    assert not ray.is_initialized()


@pytest.mark.timeout(300)
def test_demo_and_near_duplicates_on_cluster_match_local(cluster, seed_texts, tmp_path, monkeypatch):
    """The demo pipeline (every stage) and a near-duplicate run give the local executor's corpus;
    dedup's band grouping goes through the cluster's shuffle (``group_by_key``), not the driver."""
    from khlang.demo import demo_pipeline

    calls = []
    original = RayExecutor.group_by_key
    monkeypatch.setattr(RayExecutor, "group_by_key", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))

    folder = tmp_path / "near"
    folder.mkdir()
    records = [{"id": f"seed{i}", "text": t} for i, t in enumerate(seed_texts)]
    records += [{"id": f"copy{i}", "text": t + "\n\nแชร์ข่าวนี้ ติดตามเราได้ที่เพจ"} for i, t in enumerate(seed_texts[:3])]
    (folder / "n.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    near = Pipeline.from_dict({"name": "near", "input": {"paths": [str(folder)], "id_field": "id"},
                               "docs_per_shard": 2, "stages": ["clean", "dedup_minhash"]})
    for name, pipeline in (("demo", demo_pipeline()), ("near", near)):
        run(pipeline, tmp_path / f"{name}-local", workers=1, progress=False)
        run(pipeline, tmp_path / f"{name}-ray", executor="ray", progress=False, executor_options={"address": cluster})
        _same_corpus(_snapshot(tmp_path / f"{name}-ray"), _snapshot(tmp_path / f"{name}-local"))
    assert len(calls) == 2  # one shuffle per dedup_minhash run on Ray
    with Corpus(tmp_path / "near-ray") as c:
        dropped = c.rows("SELECT d.duplicate_of, a.meta FROM dropped d JOIN all_docs a USING (id) "
                         "WHERE d.stage = 'dedup_minhash'")
        kept = {r["id"] for r in c.rows("SELECT id FROM documents")}
    # each seed article and its copy with a footer: one of the pair kept (the longer: the copy)
    assert len(dropped) == 3 and all(d["duplicate_of"] in kept for d in dropped)
    assert sorted(json.loads(d["meta"])["record_id"] for d in dropped) == ["seed0", "seed1", "seed2"]


@pytest.mark.timeout(300)
def test_curation_stages_on_cluster_match_local(cluster, seed_texts, tmp_path):
    """dedup_url, dedup_paragraph (map over shards on the cluster), decontaminate and blocklist:
    the Ray corpus equals the local one, revised texts and drops included."""
    folder = tmp_path / "cur"
    folder.mkdir()
    footer = "ติดตามข่าวสารล่าสุดได้ที่เพจของเรา กดไลก์และแชร์เพื่อไม่พลาดข่าวสำคัญ"
    records = [{"id": f"s{i}", "text": f"{t}\n{footer}", "url": f"https://www.news.th/{i}/?utm_source=x"}
               for i, t in enumerate(seed_texts)]
    records += [{"id": "amp", "text": seed_texts[0][:400], "url": "https://m.news.th/0/amp", "date": "2030-01-01"},
                {"id": "bet", "text": "เล่นบาคาร่าออนไลน์ได้ทุกวัน สมัครเลยวันนี้", "url": "https://bet.example/x"}]
    (folder / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    bench = tmp_path / "bench.jsonl"
    bench.write_text(json.dumps({"q": max(seed_texts[3].split("\n"), key=len)[:150]}, ensure_ascii=False) + "\n", encoding="utf-8")
    domains = tmp_path / "domains.txt"
    domains.write_text("bet.example\n", encoding="utf-8")
    stages = ["clean", {"blocklist": {"urls": [str(domains)]}}, {"decontaminate": {"benchmarks": [str(bench)]}},
              "dedup_url", "dedup_paragraph"]
    pipeline = Pipeline.from_dict({"name": "cur", "input": {"paths": [str(folder)], "id_field": "id"},
                                   "docs_per_shard": 2, "stages": stages})
    snaps = []
    for name, options in (("local", {"workers": 1}), ("ray", {"executor": "ray", "executor_options": {"address": cluster}})):
        run(pipeline, tmp_path / name, progress=False, **options)
        with Corpus(tmp_path / name) as c:
            snaps.append((c.con.execute("SELECT id, text FROM documents ORDER BY id").fetchall(),
                          c.con.execute("SELECT id, stage, reason, detail FROM dropped ORDER BY id, stage").fetchall()))
    assert snaps[0] == snaps[1]
    reasons = sorted((stage, reason) for _, stage, reason, _ in snaps[0][1])
    assert ("blocklist", "blocked_url") in reasons and ("decontaminate", "contaminated") in reasons
    assert ("dedup_url", "duplicate") in reasons and ("dedup_paragraph", "revised") in reasons
    assert sum(footer in text for _, text in snaps[0][0]) == 1
