"""``khlang.run``: a pipeline into a corpus folder, resumable shard by shard.

The driver plans shards, records the run in the catalog, hands shards to an executor, shows a
progress bar, then runs the corpus-level stages (:func:`run_corpus_stage`, also the way to run
one on an existing corpus) and writes the run's totals. Every shard is
written atomically and marked done, so ``resume=True`` after a crash or Ctrl-C redoes only the
shards without a done marker and ends with exactly the corpus an uninterrupted run gives.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .executors import Executor, get_executor
from .pipeline import Pipeline
from .shards import ShardJob, load_plan, plan_shards, save_plan
from .stage import CorpusStage, StageStats
from .store import ON_EXISTING, SUPERSEDE_STAGE, Corpus


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
    already_present: int = 0  # documents not added: their id was already in the corpus (or read twice)
    replaced: int = 0  # earlier copies this run replaced (``on_existing="replace"``)

    @property
    def docs_per_second(self) -> float:
        return self.docs_in / self.seconds if self.seconds else 0.0


def run(
    pipeline: Pipeline | str | Path,
    output: str | Path,
    *,
    executor: str = "local",
    workers: int | None = None,
    resume: bool = False,
    mode: str = "new",
    on_existing: str = "skip",
    progress: bool = True,
    executor_options: dict[str, Any] | None = None,
) -> RunResult:
    """Run ``pipeline`` into the corpus folder ``output``.

    ``mode``: ``new`` (the folder must not hold a corpus yet), ``append`` (add a new run to an
    existing corpus) or ``overwrite`` (delete the folder first). ``resume=True`` finishes the
    latest unfinished run of the same pipeline instead of starting a new one.

    ``on_existing``: what happens to a document whose id the corpus already holds (a feed that
    grew, the same input appended again): ``skip`` (default) keeps the corpus's copy and drops the
    new one before any stage (reason ``already_present``); ``replace`` keeps the new copy and drops
    the earlier one (reason ``replaced``). Either way the corpus keeps one copy per id.
    """
    if not isinstance(pipeline, Pipeline):
        pipeline = Pipeline.from_file(pipeline)
    if mode not in ("new", "append", "overwrite"):
        raise ValueError("mode must be new, append or overwrite")
    if on_existing not in ON_EXISTING:
        raise ValueError(f"on_existing must be one of {', '.join(ON_EXISTING)}, not {on_existing!r}")
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
        return _run(pipeline, corpus, executor, workers, resume, on_existing, progress, executor_options or {})
    finally:
        corpus.close()


def _run(pipeline, corpus: Corpus, executor_name, workers, resume, on_existing, progress, executor_options) -> RunResult:
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
        # microseconds: the same pipeline appended twice within a second gets two runs
        run_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f") + "-" + fingerprint[:6]
        shards = plan_shards(pipeline.input, pipeline.docs_per_shard)
        save_plan(shards, corpus.run_dir(run_id) / "plan.json")

    ex = get_executor(executor_name, workers=workers, **executor_options)
    started = time.perf_counter()
    if resume:
        on_existing = corpus.resume_run(run_id)  # the policy the run began with
    else:
        corpus.begin_run(run_id, name=pipeline.name, fingerprint=fingerprint, executor=executor_name,
                         workers=ex.workers, shards=len(shards), config=pipeline.to_dict(),
                         on_existing=on_existing)
        if on_existing == "skip":
            corpus.snapshot_ids(run_id)

    todo = [s for s in shards if not corpus.done_marker(run_id, s.index).exists()]
    result = RunResult(run_id=run_id, corpus=corpus.path, shards_run=len(todo))
    status = "failed"
    try:
        _run_shards(ex, pipeline, corpus, run_id, shards, todo, progress)
        totals = _totals(corpus, run_id, shards)
        t = time.perf_counter()
        resolved = corpus.resolve_ids(run_id, on_existing)
        if resolved:  # copies of one id across shards or runs (see store: one row per id)
            totals[SUPERSEDE_STAGE] = StageStats(dropped=Counter(resolved), seconds=time.perf_counter() - t)
        for stage in pipeline.build()[1]:
            totals[stage.name] = run_corpus_stage(stage, corpus, run_id, ex)
        status = "done"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        seconds = time.perf_counter() - started
        if status == "done":
            result.stages = {k: v.to_dict() for k, v in totals.items()}
            result.docs_in = totals["read"].docs_in
            result.already_present = totals["read"].dropped["already_present"] + resolved.get("already_present", 0)
            result.replaced = resolved.get("replaced", 0)
            result.seconds = seconds
            result.docs_out, result.docs_dropped = corpus.finish_run(
                run_id, seconds=seconds, docs_in=result.docs_in, stages=result.stages)
        else:
            corpus.fail_run(run_id, seconds=seconds, status=status)
        ex.close()
    return result


def _run_shards(ex: Executor, pipeline, corpus: Corpus, run_id, shards, todo, show: bool) -> None:
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

        ex.run_shards(ShardJob(pipeline.to_dict(), str(corpus.path), run_id), todo, on_done)


def _totals(corpus: Corpus, run_id: str, shards) -> dict[str, StageStats]:
    """Sum the per-shard stats from the done markers (they survive crashes and resumes)."""
    totals: dict[str, StageStats] = {"read": StageStats()}  # an input folder may hold nothing
    for shard in shards:
        marker = corpus.done_marker(run_id, shard.index)
        data = json.loads(marker.read_text(encoding="utf-8"))
        for name, st in data["stages"].items():
            totals.setdefault(name, StageStats()).merge(StageStats.from_dict(st))
    return totals


def run_corpus_stage(stage: CorpusStage, corpus: Corpus | str | Path, run_id: str | None = None,
                     executor: Executor | None = None, *, workers: int | None = 1) -> StageStats:
    """Run one corpus-level stage (dedup) over a corpus and time it.

    The last step of :func:`run`, and the way to run such a stage on its own over an existing
    corpus (``khlang dedup``, :func:`khlang.dedup.dedup_minhash`): then a local executor with
    ``workers`` processes is made (and closed) unless ``executor`` is given, and the drops are
    recorded under ``run_id`` or, without one, ``api-<time>``.
    """
    if not isinstance(corpus, Corpus):
        with Corpus(corpus) as opened:
            return run_corpus_stage(stage, opened, run_id, executor, workers=workers)
    ex = executor or get_executor("local", workers=workers)
    start = time.perf_counter()
    try:
        stats = stage.run(corpus, run_id or "api-" + dt.datetime.now().strftime("%Y%m%dT%H%M%S%f"), ex)
    finally:
        if executor is None:
            ex.close()
    stats.seconds = stats.seconds or time.perf_counter() - start
    return stats
