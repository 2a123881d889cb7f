"""The reader interface: how a file becomes Documents.

A reader is the first stage of every pipeline: it produces Documents from one kind of file. Each
reader can say how many records a file holds (:meth:`Reader.count`, cheap) and read any range of
them (:meth:`Reader.read`), which is what lets an executor cut big files into shards and redo
exactly one shard after a crash.

Ids are derived from the source (file path relative to nothing, i.e. as given, plus record index
or the record's own id field), so reading the same input twice yields the same ids.
A record that cannot be decoded is yielded as a Document whose ``drop`` says why
(stage ``read``, reason ``decode_error`` or ``parse_error``), with whatever text could be
salvaged, so nothing is silently lost.
"""

from __future__ import annotations

import os
from typing import Any, Callable, ClassVar, Iterator

from ..document import Document
from ..pipeline import InputSpec


class Reader:
    """Base class; subclasses set ``kind`` and implement count/read. The file name endings a
    reader claims are listed with it in :data:`khlang.readers.READERS`."""

    kind: ClassVar[str] = "base"

    def __init__(self, spec: InputSpec | None = None) -> None:
        self.spec = spec or InputSpec(paths=[])

    def count(self, path: str) -> int:
        """Number of records ``path`` yields. Single-document formats return 1."""
        return 1

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        """Yield the documents for records ``start`` ≤ i < ``stop`` of ``path``."""
        raise NotImplementedError


#: (builder, path, size, mtime) → what the builder computed for that version of the file.
_FILE_INDEXES: dict[tuple[Any, str, int, int], Any] = {}


def file_index(build: Callable[[str], Any], path: str) -> Any:
    """``build(path)`` once per process and file version, for indexes that let shard k of a big
    file seek to its first record instead of re-reading everything before it (the 16 most recent)."""
    st = os.stat(path)
    key = (build, path, st.st_size, st.st_mtime_ns)
    if key not in _FILE_INDEXES:
        if len(_FILE_INDEXES) >= 16:
            _FILE_INDEXES.pop(next(iter(_FILE_INDEXES)))
        _FILE_INDEXES[key] = build(path)
    return _FILE_INDEXES[key]
