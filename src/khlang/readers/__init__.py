"""Readers: files, folders and globs → Documents, one reader per format.

``read("crawl/")`` is the one-call API; executors use :func:`expand` + :func:`reader_for` to plan
shards. Formats: plain text / Markdown, HTML, JSONL, Parquet, CSV, WARC / WARC.gz.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Iterator

from ..document import Document
from ..lazy import load
from ..pipeline import InputSpec
from .base import Reader

#: Reader kind → ("module:Class", file name endings it claims). Modules import on first use, so
#: choosing a reader by extension never loads trafilatura or fastwarc.
READERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "text": ("khlang.readers.text:TextReader", (".txt", ".md", ".markdown", ".text")),
    "html": ("khlang.readers.html:HtmlReader", (".html", ".htm", ".xhtml")),
    "jsonl": ("khlang.readers.records:JsonlReader", (".jsonl", ".ndjson", ".jsonl.gz")),
    "csv": ("khlang.readers.records:CsvReader", (".csv", ".tsv")),
    "parquet": ("khlang.readers.records:ParquetReader", (".parquet",)),
    "warc": ("khlang.readers.warc:WarcReader", (".warc", ".warc.gz")),
}


def reader_class(kind: str) -> type[Reader]:
    if kind not in READERS:
        raise KeyError(f"unknown reader kind {kind!r}; known: {', '.join(sorted(READERS))}")
    return load(READERS[kind][0])


def kind_for(path: str) -> str | None:
    """The reader kind for a file name, by its longest matching extension (None if unknown)."""
    lower = path.lower()
    best: tuple[int, str | None] = (0, None)
    for kind, (_, extensions) in READERS.items():
        for ext in extensions:
            if lower.endswith(ext) and len(ext) > best[0]:
                best = (len(ext), kind)
    return best[1]


def reader_for(path: str, spec: InputSpec | None = None) -> Reader:
    """The reader for ``path``: ``spec.kind`` if set, else chosen by extension."""
    kind = (spec.kind if spec else None) or kind_for(path)
    if kind is None:
        raise ValueError(f"no reader for {path!r}; give input.kind or use one of: {', '.join(READERS)}")
    return reader_class(kind)(spec)


def expand(paths: list[str] | str, spec: InputSpec | None = None) -> list[str]:
    """Files named by ``paths`` (files, folders walked recursively, globs), sorted and unique.

    In folders, files no reader claims (and hidden files) are skipped unless ``spec.kind`` forces
    a reader; a file named explicitly must exist.
    """
    if isinstance(paths, str):
        paths = [paths]
    forced = spec is not None and spec.kind is not None
    found: set[str] = set()
    for p in paths:
        if any(ch in p for ch in "*?["):
            matches = glob.glob(p, recursive=True)
            if not matches:
                raise FileNotFoundError(f"no files match {p!r}")
            found.update(m for m in matches if os.path.isfile(m))
        elif os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for f in files:
                    full = os.path.join(root, f)
                    if not f.startswith(".") and (forced or kind_for(full)):
                        found.add(full)
        elif os.path.isfile(p):
            found.add(p)
        else:
            raise FileNotFoundError(f"input path does not exist: {p!r}")
    return sorted(str(Path(f)) for f in found)


def read(paths: list[str] | str, **spec_fields) -> Iterator[Document]:
    """Every document in ``paths``, in a stable order (errors included, with ``drop`` set)."""
    spec = InputSpec(paths=[paths] if isinstance(paths, str) else list(paths), **spec_fields)
    for path in expand(spec.paths, spec):
        yield from reader_for(path, spec).read(path)


__all__ = ["Reader", "READERS", "expand", "kind_for", "read", "reader_class", "reader_for"]
