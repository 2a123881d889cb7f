"""Common Crawl by host and language: ask the crawl's URL index (the CDX API) for the captures
under chosen TLDs or domains, keep those whose recorded languages and dates match, and fetch
each capture's WARC record alone with an HTTP range request.

Common Crawl stores every record as its own gzip member, so the fetched bytes are appended to
our shards unchanged: the shards are valid WARC.gz files the WARC reader takes as they are, and
each record keeps Common Crawl's own headers. Index pages are cached under ``.khlang/index/``
so a resumed collection does not ask the (slow, rate-limited) index server again.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import httpx

from .http import Fetcher, FetchError, fetch_all
from .manifest import BOOKKEEPING, CollectError, Manifest, WarcShards
from .progress import CollectProgress

INDEX_URL = "https://index.commoncrawl.org"
DATA_URL = "https://data.commoncrawl.org"
_CRAWL = re.compile(r"CC-MAIN-\d{4}-\d{2}\Z")
_DATE = re.compile(r"\d{4,14}\Z")
_FIELDS = ("crawl", "filename", "offset", "length", "digest", "mime", "timestamp", "languages")


@dataclass
class CCQuery:
    crawls: list[str]
    tlds: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)   #: ISO 639-3 codes as the index records them (tha, lao)
    date_from: str | None = None                     #: YYYY[MM[DD[hh[mm[ss]]]]], as the CDX API takes it
    date_to: str | None = None
    limit: int | None = None                         #: records to hold in the output, resumed ones included
    statuses: tuple[str, ...] = ("200",)
    index_url: str = INDEX_URL
    data_url: str = DATA_URL

    def check(self) -> None:
        for crawl in self.crawls:
            if not _CRAWL.match(crawl):
                raise CollectError(f"not a Common Crawl crawl name: {crawl!r} (e.g. CC-MAIN-2024-10)")
        if not self.crawls:
            raise CollectError("name at least one crawl (--crawl CC-MAIN-…)")
        if not self.tlds and not self.domains:
            raise CollectError("name hosts to collect: --tld th,la and/or --domains FILE")
        for d in (self.date_from, self.date_to):
            if d is not None and not _DATE.match(d):
                raise CollectError(f"not a date: {d!r} (YYYY, YYYYMM, YYYYMMDD … as the index takes it)")

    def patterns(self) -> list[str]:
        """URL patterns for the index: ``*.th`` matches every host under .th (matchType=domain)."""
        names = [t.strip().strip(".").lower() for t in self.tlds] + [d.strip().strip(".").lower() for d in self.domains]
        return [f"*.{n}" for n in dict.fromkeys(n for n in names if n)]

    def params(self, pattern: str) -> dict:
        statuses = "|".join(self.statuses)
        status = f"=status:{statuses}" if len(self.statuses) == 1 else f"status:^({statuses})$"
        params: dict = {"url": pattern, "output": "json", "filter": [status]}
        if self.langs:
            params["filter"].append("languages:.*(" + "|".join(map(re.escape, self.langs)) + ")")
        if self.date_from:
            params["from"] = self.date_from
        if self.date_to:
            params["to"] = self.date_to
        return params

    def keeps(self, row: dict) -> bool:
        """The index's answer checked again here: servers differ in how they read filters."""
        if str(row.get("status")) not in self.statuses or "filename" not in row:
            return False
        if self.langs and not set(self.langs) & set((row.get("languages") or "").split(",")):
            return False
        stamp = row.get("timestamp", "")
        if self.date_from and stamp[:len(self.date_from)] < self.date_from:
            return False
        return not (self.date_to and stamp[:len(self.date_to)] > self.date_to)


def read_domains(path: Path) -> list[str]:
    """One domain a line; blank lines and ``#`` comments skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [ln.split("#", 1)[0].strip() for ln in lines if ln.split("#", 1)[0].strip()]


class _Index:
    """Index rows for one query, page by page, each page cached under ``.khlang/index/``."""

    def __init__(self, query: CCQuery, fetcher: Fetcher, manifest: Manifest):
        self.query, self.fetcher, self.manifest = query, fetcher, manifest
        self.cache = manifest.path.parent / "index"

    def rows(self) -> Iterator[dict]:
        seen: set = set()
        for crawl in self.query.crawls:
            for pattern in self.query.patterns():
                for row in self._rows(crawl, pattern):
                    key = (row["filename"], int(row["offset"]))
                    if key not in seen and self.query.keeps(row):
                        seen.add(key)
                        yield {"crawl": crawl, **row}

    def _rows(self, crawl: str, pattern: str) -> Iterator[dict]:
        endpoint = f"{self.query.index_url.rstrip('/')}/{crawl}-index"
        params = self.query.params(pattern)
        key = hashlib.sha1(json.dumps([crawl, params], sort_keys=True).encode()).hexdigest()[:16]
        try:
            pages = self._get(endpoint, {**params, "showNumPages": "true"}, f"{crawl}/{key}-pages.json")
        except FetchError as exc:
            self.manifest.add("failed", **exc.entry(), crawl=crawl, index_query=pattern)
            return
        pages = json.loads(pages)["pages"] if pages.strip() else 0
        for page in range(pages):
            try:
                body = self._get(endpoint, {**params, "page": page}, f"{crawl}/{key}-{page:05d}.jsonl")
            except FetchError as exc:
                self.manifest.add("failed", **exc.entry(), crawl=crawl, index_query=pattern, index_page=page)
                continue
            for line in body.splitlines():
                if line.strip():
                    yield json.loads(line)

    def _get(self, endpoint: str, params: dict, name: str) -> str:
        cached = self.cache / name
        if cached.exists():
            return cached.read_text(encoding="utf-8")
        url = str(httpx.URL(endpoint, params=params))
        r = self.fetcher.get(url)
        if r.status == 404 and b"No Captures" in r.content:
            text = ""  # the CDX server's way of saying: nothing matched
        elif r.status == 404:
            raise CollectError(f"no index at {endpoint} (is the crawl name right?)")
        elif r.status != 200:
            raise FetchError(url, f"index answered HTTP {r.status}", r.status, r.attempts)
        else:
            text = r.content.decode("utf-8")
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(cached)
        return text


def _fetch_record(fetcher: Fetcher, data_url: str, row: dict) -> bytes:
    """One capture's gzipped WARC record, checked to be a whole record of the announced length."""
    offset, length = int(row["offset"]), int(row["length"])
    url = f"{data_url.rstrip('/')}/{row['filename']}"
    r = fetcher.get(url, headers={"Range": f"bytes={offset}-{offset + length - 1}"})
    if r.status != 206:
        raise FetchError(url, f"HTTP {r.status}, expected 206 for a range request", r.status, r.attempts)
    if len(r.content) != length:
        raise FetchError(url, f"got {len(r.content)} bytes of {length}", r.status, r.attempts)
    try:
        head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(r.content, 16)
    except zlib.error:
        head = b""
    if not head.startswith(b"WARC/"):
        raise FetchError(url, "the bytes at this offset are not a gzipped WARC record", r.status, r.attempts)
    return r.content


def collect_cc(query: CCQuery, out: Path, *, workers: int = 8, progress: bool = True,
               shard_bytes: int = 1 << 30, **fetcher_options) -> dict[str, int]:
    """Fetch the records ``query`` selects into ``out/cc-NNNNN.warc.gz``; returns the counts of
    the manifest's events (this run's and earlier runs' together)."""
    query.check()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(out)
    shards = WarcShards(out, "cc", manifest, max_bytes=shard_bytes)
    done = {(e["filename"], e["offset"]) for e in manifest.events("fetched")}
    held = len(done)
    fetcher_options.setdefault("concurrency", workers)
    try:
        with Fetcher(**fetcher_options) as fetcher, CollectProgress("cc", query.limit, progress) as bar:
            bar.advance(held)
            index = _Index(query, fetcher, manifest)
            todo = (row for row in index.rows() if (row["filename"], int(row["offset"])) not in done)

            def more(in_flight: int) -> bool:
                return query.limit is None or held + in_flight < query.limit

            def fetch(row: dict) -> bytes:
                return _fetch_record(fetcher, query.data_url, row)

            for row, result in fetch_all(todo, fetch, workers, more):
                fields = {k: row[k] for k in _FIELDS if k in row}
                fields["offset"], fields["length"] = int(row["offset"]), int(row["length"])
                if isinstance(result, FetchError):
                    manifest.add("failed", **{**fields, **result.entry(), "url": row.get("url"),
                                              "data_url": result.url})
                    continue
                where = shards.append(result)
                manifest.add("fetched", url=row.get("url"), status=int(row["status"]), **fields, **where)
                held += 1
                bar.advance(1, len(result))
    finally:
        shards.close()
        manifest.close()
    return manifest.counts()


__all__ = ["CCQuery", "collect_cc", "read_domains", "BOOKKEEPING"]
