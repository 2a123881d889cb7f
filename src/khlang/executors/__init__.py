"""Executors decide where shards run; what a shard does lives in :mod:`khlang.shards`.

The contract is :class:`khlang.executors.base.Executor`; this table names the executors a
pipeline run may choose (``khlang run --executor ray``), imported only when chosen.
"""

from __future__ import annotations

from typing import Any

from ..lazy import load
from .base import Executor

EXECUTORS = {
    "local": "khlang.executors.local:LocalExecutor",
    "ray": "khlang.executors.ray:RayExecutor",
}


def get_executor(name: str, **options: Any) -> Executor:
    if name not in EXECUTORS:
        raise KeyError(f"unknown executor {name!r}; known: {', '.join(EXECUTORS)}")
    return load(EXECUTORS[name])(**options)


__all__ = ["EXECUTORS", "Executor", "get_executor"]
