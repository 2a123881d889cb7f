"""URL deduplication: keep one document per canonical URL (``dedup_url``).

The same page reaches a crawl under many addresses: ``http``/``https``, with and without ``www.``,
a trailing slash, tracking parameters (``utm_*``, ``fbclid``, ``gclid`` …), and the AMP or mobile
copy (``m.``/``amp.`` hosts, ``/amp`` paths, ``?amp=1``). :func:`canonical_url` folds those into
one key: courlan (a maintained URL library, installed with trafilatura) normalises the URL and
strips its tracking parameters; the host and AMP/mobile rules on top are ours.

Out of core: each docs shard's ``(id, url)`` column pair is canonicalised by ``executor.map``
(local processes or Ray) into ``dedup/url-<run>/<shard file>``; DuckDB groups by the key and the
shared :func:`khlang.dedup.common.write_results` keeps one document per group by the policy
(``newest`` by the ``date`` column, or ``longest``, ``earliest``, ``best_quality``).
A document whose URL is missing or malformed is never grouped (counted in the stage's ``info``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.parquet as pq

from ..executors import Executor
from ..runner import run_corpus_stage
from ..stage import CorpusStage, StageStats
from ..store import Corpus, quote
from .common import clear_outputs, count_documents, keep_order, write_results

#: Host prefixes that name the same site (mobile and AMP mirrors included).
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")
#: Query parameters that only track the visitor or pick the AMP rendering.
_DROP_PARAMS = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|_ga|ref_src|amp|outputtype)$", re.I)
_AMP_PATH = re.compile(r"(/amp|\.amp)(?=/?$)|^/amp(?=/)", re.I)


def canonical_url(url: str | None) -> str | None:
    """The key two addresses of the same page share, or ``None`` when ``url`` is not an http(s) URL
    with a host (missing, malformed, ``mailto:`` …). The scheme is left out (http = https)."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if "://" not in url:
        if not url.lower().startswith("www."):
            return None
        url = "http://" + url
    try:
        from courlan import normalize_url

        parts = urlsplit(normalize_url(url, strict=False, trailing_slash=False))
        port = parts.port
    except (ValueError, TypeError):
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in parts.hostname:
        return None
    host = parts.hostname.rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
            break
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = _AMP_PATH.sub("", parts.path).rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _DROP_PARAMS.match(k))
    return urlunsplit(("", host, path or "", urlencode(query), "")).lstrip("/")


_KEY_SCHEMA = pa.schema([("id", pa.string()), ("key", pa.string())])


def canonicalise_file(task: dict[str, str]) -> dict[str, Any]:
    """Write ``(id, key)`` for one docs shard file (atomically); picklable for ``executor.map``."""
    src, dst = Path(task["src"]), Path(task["dst"])
    tmp = dst.with_name(f".{dst.name}.tmp{os.getpid()}")
    bad = 0
    with pq.ParquetWriter(tmp, _KEY_SCHEMA, compression="zstd") as writer:
        for batch in pq.ParquetFile(src).iter_batches(batch_size=5000, columns=["id", "url"]):
            ids, urls = batch.column("id").to_pylist(), batch.column("url").to_pylist()
            keys = [canonical_url(u) for u in urls]
            bad += sum(1 for u, k in zip(urls, keys) if u and k is None)
            writer.write_table(pa.table([pa.array(ids, pa.string()), pa.array(keys, pa.string())], schema=_KEY_SCHEMA))
    os.replace(tmp, dst)
    return {"malformed": bad}


class UrlDedup(CorpusStage):
    """Drop documents whose canonical URL an other document already has (``reason = duplicate``,
    ``duplicate_of`` = the kept id). Parameter ``keep``: ``newest`` (default; the ``date`` column,
    then longest), ``longest``, ``earliest`` or ``best_quality``."""

    name = "dedup_url"

    def __init__(self, keep: str = "newest") -> None:
        super().__init__()
        keep_order(keep)
        self.keep = keep

    def params(self) -> dict[str, Any]:
        return {"keep": self.keep}

    def run(self, corpus: Corpus, run_id: str, executor: Executor) -> StageStats:
        clear_outputs(corpus, self.name, run_id)
        work = corpus.path / "dedup" / f"url-{run_id}"
        shutil.rmtree(work, ignore_errors=True)  # a resumed run recomputes from the corpus as it is
        work.mkdir(parents=True)
        docs_in = count_documents(corpus)
        sources = [Path(f) for f in corpus._finished(corpus.docs_dir)]
        tasks = [{"src": str(s), "dst": str(work / f"{n:06d}.parquet")} for n, s in enumerate(sources)]
        results = executor.map(canonicalise_file, tasks) if tasks else []
        stats = StageStats(docs_in=docs_in, docs_out=docs_in)
        stats.info["malformed_urls"] = sum(r["malformed"] for r in results)
        if tasks:
            keys = f"SELECT DISTINCT k.id, k.key FROM read_parquet({quote(work / '*.parquet')}) k " \
                   "SEMI JOIN documents d USING (id) WHERE k.key IS NOT NULL"
            members = f"""
                SELECT id, first_value(id) OVER (PARTITION BY key ORDER BY id) AS cluster_id
                FROM (SELECT id, key, count(*) OVER (PARTITION BY key) AS n FROM ({keys})) WHERE n > 1
            """
            dropped = write_results(corpus, self.name, run_id, members, self.keep, "same canonical URL as ")
            stats.docs_out -= dropped
            if dropped:
                stats.dropped["duplicate"] = dropped
        shutil.rmtree(work, ignore_errors=True)
        return stats


def dedup_url(corpus: str | Path | Corpus, *, keep: str = "newest", run_id: str | None = None) -> StageStats:
    """URL-deduplicate an existing corpus folder in place (drops go to ``dropped``)."""
    return run_corpus_stage(UrlDedup(keep=keep), corpus, run_id)


__all__ = ["UrlDedup", "canonical_url", "dedup_url"]
