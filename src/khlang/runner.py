"""``khlang.run``: a pipeline into a corpus folder, resumable shard by shard.

The driver plans shards, records the run in the catalog, hands shards to an executor, shows a
progress bar, then runs the corpus-level stages and writes the run's totals. Every shard is
written atomically and marked done, so ``resume=True`` after a crash or Ctrl-C redoes only the
shards without a done marker and ends with exactly the corpus an uninterrupted run gives.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import shutil
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .executors import get_executor
from .pipeline import Pipeline
from .shards import load_plan, plan_shards, save_plan
from .stage import StageStats
from .store import Corpus


class RunError(RuntimeError):
    """A run could not start or finish; the message says what to do."""


@dataclass
class RunResult:
    run_id: str
    corpus: Path
    docs_in: int = 0
    docs_out: int = 0
    docs_dropped: int = 0
    seconds: float = 0.0
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    shards_run: int = 0

    @property
    def docs_per_second(self) -> float:
        return self.docs_in / self.seconds if self.seconds else 0.0


def versions() -> dict[str, str]:
    """Versions recorded with every run, so a corpus says what made it."""
    out = {"python": platform.python_version()}
    for pkg in ("khlang", "pyarrow", "duckdb", "trafilatura", "pythainlp", "fastwarc"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def run(
    pipeline: Pipeline | str | Path,
    output: str | Path,
    *,
    executor: str = "local",
    workers: int | None = None,
    resume: bool = False,
    mode: str = "new",
    progress: bool = True,
    executor_options: dict[str, Any] | None = None,
) -> RunResult:
    """Run ``pipeline`` into the corpus folder ``output``.

    ``mode``: ``new`` (the folder must not hold a corpus yet), ``append`` (add a new run to an
    existing corpus) or ``overwrite`` (delete the folder first). ``resume=True`` finishes the
    latest unfinished run of the same pipeline instead of starting a new one.
    """
    if not isinstance(pipeline, Pipeline):
        pipeline = Pipeline.from_file(pipeline)
    if mode not in ("new", "append", "overwrite"):
        raise ValueError("mode must be new, append or overwrite")
    out = Path(output)
    if mode == "overwrite" and out.exists() and not resume:
        if not (out / "catalog.duckdb").exists() and any(out.iterdir()):
            raise RunError(f"{out} is not a khlang corpus; refusing to delete it")
        shutil.rmtree(out)
    if mode == "new" and not resume and (out / "catalog.duckdb").exists():
        with Corpus(out) as existing:
            if existing.runs():
                raise RunError(
                    f"{out} already holds a corpus; use --resume to finish an interrupted run, "
                    "--append to add a new run, or --overwrite to replace it"
                )
    pipeline.build()  # fail fast on unknown stages or parameters, before any work

    corpus = Corpus(out, create=True)
    try:
        return _run(pipeline, corpus, executor, workers, resume, progress, executor_options or {})
    finally:
        corpus.close()


def _run(pipeline, corpus: Corpus, executor_name, workers, resume, progress, executor_options) -> RunResult:
    fingerprint = pipeline.fingerprint()
    if resume:
        run_id = corpus.scalar(
            "SELECT run_id FROM runs WHERE fingerprint = ? AND status <> 'done' "
            "ORDER BY started_at DESC LIMIT 1",
            [fingerprint],
        )
        if run_id is None:
            raise RunError("nothing to resume: no unfinished run of this pipeline in this corpus")
        shards = load_plan(corpus.run_dir(run_id) / "plan.json")
        for leftover in [*corpus.docs_dir.glob(".*.tmp*"), *corpus.dropped_dir.glob(".*.tmp*")]:
            leftover.unlink()  # temp files of shards that were being written when the run died
    else:
        run_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S") + "-" + fingerprint[:6]
        shards = plan_shards(pipeline.input, pipeline.docs_per_shard)
        save_plan(shards, corpus.run_dir(run_id) / "plan.json")

    ex = get_executor(executor_name, workers=workers, **executor_options)
    started = time.perf_counter()
    started_at = dt.datetime.now()
    if not resume:
        corpus.con.execute(
            "INSERT INTO runs (run_id, name, fingerprint, status, executor, workers, started_at, "
            "shards, config, versions) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
            [run_id, pipeline.name, fingerprint, executor_name, getattr(ex, "workers", None),
             started_at, len(shards), json.dumps(pipeline.to_dict(), ensure_ascii=False),
             json.dumps(versions())],
        )
    else:
        corpus.con.execute("UPDATE runs SET status = 'running' WHERE run_id = ?", [run_id])

    todo = [s for s in shards if not corpus.done_marker(run_id, s.index).exists()]
    result = RunResult(run_id=run_id, corpus=corpus.path, shards_run=len(todo))
    status = "failed"
    try:
        _run_shards(ex, pipeline, corpus, run_id, shards, todo, progress)
        totals = _totals(corpus, run_id, shards)
        corpus.refresh()
        doc_stages, corpus_stages = pipeline.build()
        for stage in corpus_stages:
            t = time.perf_counter()
            stats = stage.run(corpus, run_id, ex)
            stats.seconds = stats.seconds or time.perf_counter() - t
            totals[stage.name] = stats
        status = "done"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        seconds = time.perf_counter() - started
        if status == "done":
            result.stages = {k: v.to_dict() for k, v in totals.items()}
            result.docs_in = totals["read"].docs_in
            result.docs_dropped = sum(sum(s.dropped.values()) for s in totals.values())
            result.docs_out = result.docs_in - result.docs_dropped
            result.seconds = seconds
            corpus.con.execute(
                "UPDATE runs SET status = 'done', finished_at = ?, seconds = coalesce(seconds, 0) + ?, "
                "docs_in = ?, docs_out = ?, docs_dropped = ?, stages = ? WHERE run_id = ?",
                [dt.datetime.now(), seconds, result.docs_in, result.docs_out, result.docs_dropped,
                 json.dumps(result.stages), run_id],
            )
        else:
            corpus.con.execute(
                "UPDATE runs SET status = ?, seconds = coalesce(seconds, 0) + ? WHERE run_id = ?",
                [status, seconds, run_id],
            )
        corpus.refresh()
        if hasattr(ex, "close"):
            ex.close()
    return result


def _run_shards(ex, pipeline, corpus: Corpus, run_id, shards, todo, show: bool) -> None:
    total_docs = sum(s.size for s in shards)
    done_docs = total_docs - sum(s.size for s in todo)
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("docs"),
        TextColumn("{task.fields[rate]:>8.0f} docs/s"),
        TimeElapsedColumn(),
    ]
    t0 = time.perf_counter()
    with Progress(*columns, disable=not show, transient=False) as bar:
        task = bar.add_task(f"{pipeline.name} ({len(todo)}/{len(shards)} shards)", total=total_docs,
                            completed=done_docs, rate=0.0)
        processed = 0

        def on_done(stats: dict[str, Any]) -> None:
            nonlocal processed
            processed += stats["docs_in"]
            rate = processed / max(time.perf_counter() - t0, 1e-9)
            bar.update(task, advance=stats["docs_in"], rate=rate)

        ex.run_shards(pipeline.to_dict(), str(corpus.path), run_id, todo, on_done)


def _totals(corpus: Corpus, run_id: str, shards) -> dict[str, StageStats]:
    """Sum the per-shard stats from the done markers (they survive crashes and resumes)."""
    totals: dict[str, StageStats] = {"read": StageStats()}  # an input folder may hold nothing
    for shard in shards:
        marker = corpus.done_marker(run_id, shard.index)
        data = json.loads(marker.read_text(encoding="utf-8"))
        for name, st in data["stages"].items():
            totals.setdefault(name, StageStats()).merge(StageStats.from_dict(st))
    return totals
