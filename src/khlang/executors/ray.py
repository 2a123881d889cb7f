"""Ray executor: every shard is a Ray task, so one pipeline runs on a laptop or a whole cluster.

Nothing about a shard changes: each task runs :class:`khlang.shards.ShardWorker` on the worker
node, which reads the shard's input, writes its Parquet files atomically into the corpus folder
and writes the done marker last. Hence

* the corpus folder (and the input files) must be at the **same path on every node** — shared
  storage such as NFS, CephFS, a Kubernetes ReadWriteMany volume (see ``docs/ray.md``);
* a task killed with its worker or node is simply retried (``max_retries``): it rewrites the same
  files under the same names, so nothing is lost or duplicated;
* ``--resume`` works across executors: a run started locally may be finished on Ray and back,
  because both only look at the per-shard done markers.

Without an address a private local Ray instance is started (no dashboard, worker logs not
forwarded) and shut down by :meth:`RayExecutor.close`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Iterable

import ray

from ..shards import Shard, ShardJob, ShardWorker
from .base import GROUP_SQL, Executor, no_groups

#: One ShardWorker per Ray worker process, reused by every shard of the same run that lands there.
_workers: dict[str, ShardWorker] = {}


def _shard_worker(job: ShardJob) -> ShardWorker:
    key = json.dumps(asdict(job), sort_keys=True, default=str)
    worker = _workers.get(key)
    if worker is None:
        _workers.clear()  # a worker process serves one run at a time; free the old stages
        worker = _workers[key] = ShardWorker(job)
    return worker


@ray.remote
def _run_shard(job: ShardJob, shard: Shard) -> dict[str, Any]:
    return _shard_worker(job)(shard)


@ray.remote
def _apply(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


@ray.remote
def _hash_partition(fn: Callable[[Any], Any], item: Any, partitions: int):
    """``fn(item)`` (a table with a ``key`` column) cut into ``partitions`` tables by key hash.

    DuckDB's ``hash`` is the same in every process (Python's ``hash`` of a string is not), so a
    key lands in the same partition whichever task produced it.
    """
    import duckdb
    import pyarrow.compute as pc

    con = duckdb.connect()
    con.register("t", fn(item))
    tagged = con.sql(f"SELECT *, hash(key) % {int(partitions)} AS _part FROM t").to_arrow_table()
    con.close()
    parts = tuple(tagged.filter(pc.equal(tagged["_part"], p)).drop_columns(["_part"]) for p in range(partitions))
    return parts if partitions > 1 else parts[0]


@ray.remote
def _group_partition(min_size: int, *tables):
    """One partition's groups: ``key`` and the list of its ``value``s, for keys seen ``min_size``+ times."""
    import duckdb
    import pyarrow as pa

    con = duckdb.connect()
    con.register("t", pa.concat_tables(tables))
    out = con.sql(GROUP_SQL.format(source="t", min_size=int(min_size))).to_arrow_table()
    con.close()
    return out


def stage_resources(pipeline_dict: dict[str, Any]) -> dict[str, float]:
    """The largest request per resource over the pipeline's stages (``Stage.resources``).

    A shard runs every stage in one task, so the task needs what the most demanding stage needs:
    one GPU stage makes every shard task a GPU task.
    """
    from ..pipeline import Pipeline

    stages, _ = Pipeline.from_dict(pipeline_dict).build()
    need: dict[str, float] = {}
    for stage in stages:
        for name, amount in (getattr(stage, "resources", None) or {}).items():
            need[name] = max(need.get(name, 0.0), float(amount))
    return need


def _same_khlang(runtime_env: dict[str, Any] | None) -> dict[str, Any]:
    """``runtime_env`` whose workers import the driver's khlang (a checkout's ``src/`` included)."""
    import khlang

    src = str(Path(khlang.__file__).resolve().parents[1])
    env = dict(runtime_env or {})
    env_vars = dict(env.get("env_vars") or {})
    rest = env_vars.get("PYTHONPATH") or os.environ.get("PYTHONPATH")
    env_vars["PYTHONPATH"] = os.pathsep.join(p for p in (src, rest) if p)
    env["env_vars"] = env_vars
    return env


class RayExecutor(Executor):
    """Runs shards as Ray tasks on a Ray cluster (``address``) or on a local Ray instance.

    ``workers``: CPUs of the local instance started when no ``address`` is given (default: all
    cores); ignored when joining a cluster, whose size is what it is. ``num_cpus``/``memory``
    (bytes): what one shard task requests; GPUs and custom resources come from the stages'
    ``resources``. ``max_retries``: how often a shard is re-run after its worker or node died;
    ``retry_exceptions``: also retry on a Python exception (stage errors inside a document are
    already drops, so an exception here means I/O trouble, e.g. a flaky network filesystem).
    ``runtime_env`` is passed to ``ray.init`` (e.g. ``{"py_modules": [...]}`` when khlang is not
    installed on the nodes).
    """

    name = "ray"

    def __init__(
        self,
        workers: int | None = None,
        address: str | None = None,
        num_cpus: float = 1,
        memory: int | None = None,
        max_retries: int = 3,
        retry_exceptions: bool = True,
        max_in_flight: int | None = None,
        runtime_env: dict[str, Any] | None = None,
    ) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.memory = memory
        self.max_retries = max_retries
        self.retry_exceptions = retry_exceptions
        self._owns_ray = False
        if not ray.is_initialized():
            common = dict(log_to_driver=False, runtime_env=runtime_env, configure_logging=False)
            if address:
                self._join(address, common)
            else:
                # "local": a new private instance, never a cluster `ray start` left on this machine
                common["runtime_env"] = _same_khlang(runtime_env)
                ray.init(address="local", num_cpus=workers or os.cpu_count() or 1, include_dashboard=False, **common)
            self._owns_ray = True
        cpus = ray.cluster_resources().get("CPU", 1.0)
        #: How many shard tasks the cluster runs at once (recorded in the runs table).
        self.workers = max(1, int(cpus // max(num_cpus, 1e-9))) if num_cpus else int(cpus)
        self.max_in_flight = max_in_flight or max(4 * self.workers, 16)

    @staticmethod
    def _join(address: str, common: dict[str, Any]) -> None:
        import socket

        from ..runner import RunError

        host, _, port = address.removeprefix("ray://").rpartition(":")
        if host and port.isdigit():  # fail in seconds, not after Ray's minutes of retries
            try:
                socket.create_connection((host, int(port)), timeout=10).close()
            except OSError as exc:
                raise RunError(f"cannot reach the Ray cluster at {address!r}: {exc}") from exc
        try:
            if address.startswith("ray://"):  # Ray Client: logging is the server's business
                ray.init(address=address, runtime_env=common["runtime_env"])
            else:
                ray.init(address=address, **common)
        except (ConnectionError, RuntimeError) as exc:
            raise RunError(
                f"cannot join the Ray cluster at {address!r} ({exc}). Is it running? A cluster with "
                "token authentication needs RAY_AUTH_MODE=token and its token (~/.ray/auth_token or "
                "RAY_AUTH_TOKEN) on this machine; see docs/ray.md"
            ) from exc

    def _options(self, extra: dict[str, float] | None = None) -> dict[str, Any]:
        extra = dict(extra or {})
        opts: dict[str, Any] = {
            "num_cpus": max(float(extra.pop("CPU", 0)), self.num_cpus),
            "max_retries": self.max_retries,
            "retry_exceptions": self.retry_exceptions,
        }
        if "GPU" in extra:
            opts["num_gpus"] = extra.pop("GPU")
        memory = extra.pop("memory", None) or self.memory
        if memory:
            opts["memory"] = int(memory)
        if extra:
            opts["resources"] = extra
        return opts

    def run_shards(self, job: ShardJob, shards: list[Shard], on_done: Callable[[dict[str, Any]], None]) -> None:
        """Submit shards as tasks (a bounded window of them), report each as it finishes."""
        task = _run_shard.options(**self._options(stage_resources(job.pipeline)))
        job_ref = ray.put(job)
        pending = iter(shards)
        in_flight: list[ray.ObjectRef] = []

        def submit(n: int) -> None:
            for shard in pending:
                in_flight.append(task.remote(job_ref, shard))
                if len(in_flight) >= n:
                    return

        submit(self.max_in_flight)
        try:
            while in_flight:
                done, in_flight[:] = ray.wait(in_flight, num_returns=1)
                for ref in done:
                    on_done(ray.get(ref))
                submit(self.max_in_flight)
        except BaseException:
            for ref in in_flight:  # Ctrl-C or a failed shard: stop the rest; resume redoes them
                ray.cancel(ref, force=True)
            raise

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """``[fn(x) for x in items]`` as Ray tasks, results in input order."""
        fn_ref = ray.put(fn)
        task = _apply.options(**self._options())
        return ray.get([task.remote(fn_ref, item) for item in items])

    def group_by_key(self, fn: Callable[[Any], Any], items: Iterable[Any], partitions: int | None = None,
                     min_size: int = 2):
        """Distributed ``GROUP BY key``: a hash shuffle over the cluster instead of one big group on the driver.

        ``fn(item)`` returns a pyarrow table with columns ``key`` and ``value`` (for near-dup dedup:
        an item is a shard file, a key a band hash, a value a document id). Map tasks cut each table
        into ``partitions`` by key hash, one reduce task per partition groups its keys with DuckDB;
        the result is one pyarrow table ``key, values`` (values sorted) holding the keys that have
        at least ``min_size`` values — the candidate duplicate groups, usually a small fraction.
        """
        import pyarrow as pa

        items = list(items)
        if not items:
            return no_groups()
        partitions = partitions or max(1, min(self.workers, 64))
        fn_ref = ray.put(fn)
        opts = self._options()
        split = _hash_partition.options(num_returns=partitions, **opts)
        mapped = [split.remote(fn_ref, item, partitions) for item in items]
        if partitions == 1:
            mapped = [[ref] for ref in mapped]
        group = _group_partition.options(**opts)
        reduced = [group.remote(min_size, *(refs[p] for refs in mapped)) for p in range(partitions)]
        return pa.concat_tables(ray.get(reduced)).sort_by("key")

    def close(self) -> None:
        """Shut down the local Ray instance this executor started (a joined cluster stays up)."""
        if self._owns_ray and ray.is_initialized():
            ray.shutdown()
        self._owns_ray = False
