"""What a collection has done, kept so that a killed collection resumes exactly.

A collector's output folder holds its data shards (``*.warc.gz`` or ``*.jsonl``, read by the
readers as they are) and a hidden bookkeeping folder ``.khlang/`` (hidden, so a pipeline whose
input is the output folder reads the data and nothing else):

* ``.khlang/manifest.jsonl``: one JSON line per event, appended and flushed as it happens:
  ``fetched`` (URL, where its record lies: ``warc``, ``warc_offset``, ``warc_end``, plus what the
  collector knows: crawl, digest, ETag …), ``unchanged`` (a 304), ``skipped`` (robots.txt) and
  ``failed`` (URL, status, reason, attempts).

Order makes it safe: a record is appended to its shard and flushed *before* its manifest line,
and on start :class:`WarcShards` cuts every shard back to the end of the last record the
manifest names, so a record torn by a kill is dropped and fetched again, never kept twice.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Iterator

BOOKKEEPING = ".khlang"


class CollectError(ValueError):
    """Bad input to a collector (one line for the CLI)."""


class Manifest:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / BOOKKEEPING / "manifest.jsonl"
        self.entries: list[dict] = list(self._load())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8")

    def _load(self) -> Iterator[dict]:
        if not self.path.exists():
            return
        good = 0
        with open(self.path, "rb") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    break  # a line torn by a kill: everything after it is dropped below
                good += len(line)
                yield entry
        if good != self.path.stat().st_size:
            os.truncate(self.path, good)

    def add(self, event: str, **fields) -> dict:
        entry = {"event": event, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **fields}
        self._file.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._file.flush()
        self.entries.append(entry)
        return entry

    def events(self, *events: str) -> Iterator[dict]:
        return (e for e in self.entries if e["event"] in events)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e["event"]] = out.get(e["event"], 0) + 1
        return out

    def close(self) -> None:
        self._file.close()


class WarcShards:
    """Appends gzipped WARC records (each its own gzip member, as Common Crawl stores them) to
    ``<prefix>-00000.warc.gz``, ``-00001`` …, starting a new shard past ``max_bytes``."""

    def __init__(self, folder: Path, prefix: str, manifest: Manifest, max_bytes: int = 1 << 30):
        self.folder, self.prefix, self.max_bytes = Path(folder), prefix, max_bytes
        ends: dict[str, int] = {}
        for e in manifest.events("fetched"):
            if "warc" in e:
                ends[e["warc"]] = max(ends.get(e["warc"], 0), e["warc_end"])
        shards = sorted(self.folder.glob(f"{prefix}-*.warc.gz"))
        if shards and not manifest.entries:
            raise CollectError(f"{self.folder} holds {shards[0].name} but no {BOOKKEEPING}/manifest.jsonl: "
                               "collect into a new folder")
        for shard in shards:  # cut torn records off
            size, end = shard.stat().st_size, ends.get(shard.name, 0)
            if size < end:
                raise CollectError(f"{shard} is shorter than its manifest says ({size} < {end} bytes): "
                                   "collect into a new folder")
            if size > end:
                os.truncate(shard, end)
        self.number = len(shards) - 1 if shards else 0
        self._file = None

    def _open(self):
        if self._file is None or self._file.tell() >= self.max_bytes:
            if self._file is not None:
                self._file.close()
                self.number += 1
            self._file = open(self.folder / self.name, "ab")
        return self._file

    @property
    def name(self) -> str:
        return f"{self.prefix}-{self.number:05d}.warc.gz"

    def append(self, record: bytes) -> dict:
        """Write one gzipped record; returns where it lies, for the manifest."""
        f = self._open()
        start = f.tell()
        f.write(record)
        f.flush()
        return {"warc": self.name, "warc_offset": start, "warc_end": f.tell()}

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
