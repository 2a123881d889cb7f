"""Readers: files, folders and globs → Documents, one reader per format.

``read("crawl/")`` is the one-call API; executors use :func:`scan` + :func:`reader_for` to plan
shards (scan also says which input paths are not read, and why). Formats: plain text / Markdown, HTML, JSONL, Parquet, CSV, WARC / WARC.gz.
"""

from __future__ import annotations

from typing import Iterator

from ..document import Document, Drop
from ..lazy import load
from ..pipeline import InputSpec
from .base import Reader
from .inputs import refused_document, scan

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
    """Files named by ``paths`` (files, folders walked recursively, globs) that are to be read,
    sorted and unique. :func:`scan` also lists the paths that are not read, and why.
    """
    return [path for path, why in scan(paths, spec) if why is None]


def read(paths: list[str] | str, **spec_fields) -> Iterator[Document]:
    """Every document in ``paths``, in a stable order (errors included, with ``drop`` set): an
    input path that is not read, or holds no record, is one drop saying why."""
    spec = InputSpec(paths=[paths] if isinstance(paths, str) else list(paths), **spec_fields)
    for path, why in scan(spec.paths, spec):
        if why is not None:
            yield refused_document(path, why)
            continue
        empty = True
        for doc in reader_for(path, spec).read(path):
            empty = False
            yield doc
        if empty:
            yield refused_document(path, NO_RECORDS)


#: The drop for a readable file that holds no record (a JSONL of blank lines, a CSV header only).
NO_RECORDS = Drop("read", "no_records", "the file holds no record")


__all__ = ["NO_RECORDS", "Reader", "READERS", "expand", "kind_for", "read", "reader_class", "reader_for",
           "refused_document", "scan"]
