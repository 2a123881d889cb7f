"""Test-only stages and functions for tests/test_ray.py, importable by Ray worker processes
(the cluster fixture puts this folder on their PYTHONPATH)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from khlang.stage import Stage


class Slow(Stage):
    """Sleeps ``delay`` seconds per document and logs each processed id next to ``pid_dir``. On
    the record whose ``id`` field is ``stall_on`` it leaves the worker's pid in ``pid_dir`` and
    sleeps ``stall`` seconds, so a test can kill that worker while it is surely mid-shard."""

    name = "slow"

    def __init__(self, delay: float = 0.0, pid_dir: str | None = None, stall_on: str | None = None,
                 stall: float = 0.0) -> None:
        super().__init__()
        self.delay, self.pid_dir, self.stall_on, self.stall = delay, pid_dir, stall_on, stall

    def params(self):
        return {"delay": self.delay, "pid_dir": self.pid_dir, "stall_on": self.stall_on, "stall": self.stall}

    def process(self, doc):
        if self.pid_dir:
            with open(Path(self.pid_dir).with_name("processed.log"), "a", encoding="utf-8") as log:
                log.write(doc.id + "\n")  # a retried shard shows up as ids processed twice
            if self.stall_on is not None and doc.metadata.get("id") == self.stall_on:
                Path(self.pid_dir, str(os.getpid())).touch()
                time.sleep(self.stall)
        time.sleep(self.delay)
        return doc


class NeedsGPU(Stage):
    name = "needs-gpu"
    resources = {"GPU": 1, "memory": 2**30}

    def process(self, doc):
        return doc


class NeedsCPU(Stage):
    name = "needs-cpu"
    resources = {"CPU": 2, "GPU": 0.5, "accelerator_x": 1}

    def process(self, doc):
        return doc


def square_with_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def band_keys(n: int):
    """A table of (key, value) pairs for the group_by_key test: key = value mod 7, as strings."""
    import pyarrow as pa

    values = [f"doc{n}-{i}" for i in range(10)]
    return pa.table({"key": [f"k{(n * 10 + i) % 7}" if i < 9 else f"solo{n}" for i in range(10)],
                     "value": values})


def band_groups(items, min_size: int = 2) -> dict[str, list[str]]:
    """What ``group_by_key(band_keys, items, min_size=min_size)`` must return, grouped by hand."""
    groups: dict[str, list[str]] = {}
    for n in items:
        t = band_keys(n)
        for k, v in zip(t["key"].to_pylist(), t["value"].to_pylist()):
            groups.setdefault(k, []).append(v)
    return {k: sorted(v) for k, v in groups.items() if len(v) >= min_size}


class OnGPU(Stage):
    """Asks for a GPU and records where it ran and which GPU Ray gave it."""

    name = "on-gpu"
    resources = {"GPU": 1}

    def process(self, doc):
        import ray

        doc.annotations[self.name] = {"node": ray.get_runtime_context().get_node_id(),
                                      "gpus": [str(g) for g in ray.get_gpu_ids()],
                                      "cuda": os.environ.get("CUDA_VISIBLE_DEVICES")}
        return doc
