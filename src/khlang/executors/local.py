"""Local executor: shards in N worker processes on this machine (default: all cores)."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterable

from ..shards import Shard, ShardJob, ShardWorker
from .base import Executor

_worker: ShardWorker | None = None


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the driver (a terminal sends it to every process of the group):
    the driver stops them, so no worker dies mid-shard printing its own traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _init(job: ShardJob) -> None:
    global _worker
    _ignore_interrupts()
    _worker = ShardWorker(job)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Ctrl-C or a failed shard: drop the queued shards and end the workers now, not after their
    shards. Safe: a shard is written atomically and marked done last, so ``--resume`` redoes a
    killed one. (``_processes`` is private; ``terminate_workers`` arrives only in Python 3.14.)"""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(10)


def _run(shard: Shard) -> dict[str, Any]:
    assert _worker is not None
    return _worker(shard)


class LocalExecutor(Executor):
    """Runs shards in a process pool; with one worker, in this process (simplest to debug).

    ``group_by_key`` is the contract's default: DuckDB on this machine, out of core.
    """

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def run_shards(self, job: ShardJob, shards: list[Shard], on_done: Callable[[dict[str, Any]], None]) -> None:
        if self.workers == 1 or len(shards) <= 1:
            worker = ShardWorker(job)
            for shard in shards:
                on_done(worker(shard))
            return
        # spawn, not fork: the driver holds a DuckDB connection and a progress thread.
        ctx = mp.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=min(self.workers, len(shards)), mp_context=ctx, initializer=_init, initargs=(job,)
        ) as pool:
            try:
                # Keep a bounded window of shards in flight so the plan can be huge.
                pending = iter(shards)
                futures = set()
                for shard in pending:
                    futures.add(pool.submit(_run, shard))
                    if len(futures) >= 2 * self.workers:
                        break
                while futures:
                    done, futures = wait(futures, return_when=FIRST_COMPLETED)
                    for fut in done:
                        on_done(fut.result())
                        nxt = next(pending, None)
                        if nxt is not None:
                            futures.add(pool.submit(_run, nxt))
            except BaseException:
                _stop(pool)
                raise

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """``[fn(x) for x in items]`` over the worker processes, results in input order."""
        items = list(items)
        if self.workers == 1 or len(items) <= 1:
            return [fn(x) for x in items]
        with ProcessPoolExecutor(max_workers=min(self.workers, len(items)), mp_context=mp.get_context("spawn"),
                                 initializer=_ignore_interrupts) as pool:
            try:
                return list(pool.map(fn, items))
            except BaseException:
                _stop(pool)
                raise
