"""Executors decide where shards run; what a shard does lives in :mod:`khlang.shards`.

Every executor implements ``run_shards(pipeline_dict, corpus_path, run_id, shards, on_done)``:
run each shard through :class:`khlang.shards.ShardWorker` and call ``on_done(stats)`` in the
driver as each one finishes (in any order); and ``map(fn, items)`` for the parallel parts of
corpus-level stages (dedup signatures), returning results in input order. An executor may also have ``close()``, called when the run
ends (the Ray executor shuts down the local Ray instance it started).
"""

from __future__ import annotations

import importlib
from typing import Any

EXECUTORS = {
    "local": "khlang.executors.local:LocalExecutor",
    "ray": "khlang.executors.ray:RayExecutor",
}


def get_executor(name: str, **options: Any):
    if name not in EXECUTORS:
        raise KeyError(f"unknown executor {name!r}; known: {', '.join(EXECUTORS)}")
    module, _, cls = EXECUTORS[name].partition(":")
    return getattr(importlib.import_module(module), cls)(**options)
