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

from ..document import Document, Drop, make_id
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


class FileReader(Reader):
    """A reader for formats where one file is one document (text, HTML): a file is one record,
    read whole unless it is over ``input.max_bytes`` (then a ``too_large`` drop keeps its first
    bytes). Subclasses turn the bytes into the document in :meth:`document`."""

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        if start > 0 or stop == 0:
            return
        data = read_bounded(path, self.spec.max_bytes)
        yield too_large_file(path, self.kind, self.spec.max_bytes) if data is None else self.document(path, data)

    def document(self, path: str, data: bytes) -> Document:
        raise NotImplementedError


#: (builder, path, args, size, mtime) → what the builder computed for that version of the file.
_FILE_INDEXES: dict[tuple[Any, ...], Any] = {}


def file_index(build: Callable[..., Any], path: str, *args: Any) -> Any:
    """``build(path, *args)`` once per process and file version, for indexes that let shard k of
    a big file seek to its first record instead of re-reading everything before it (the 16 most
    recent)."""
    st = os.stat(path)
    key = (build, path, args, st.st_size, st.st_mtime_ns)
    if key not in _FILE_INDEXES:
        if len(_FILE_INDEXES) >= 16:
            _FILE_INDEXES.pop(next(iter(_FILE_INDEXES)))
        _FILE_INDEXES[key] = build(path, *args)
    return _FILE_INDEXES[key]


#: How much of a too-large record its ``dropped`` row keeps: enough to see what it was.
PREFIX_BYTES = 4096


def too_large(*, id: str, source_uri: str, source_kind: str, size: int | None, limit: int, head: bytes | str,
              metadata: dict[str, Any] | None = None) -> Document:
    """A record over ``InputSpec.max_bytes``: a ``too_large`` drop that keeps only its first
    :data:`PREFIX_BYTES` (the rest is never read into memory where the format allows). ``size``
    None: bigger than the limit, by how much is not known (reading stopped there)."""
    what = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
    if isinstance(head, bytes):
        head = head[:PREFIX_BYTES].decode("utf-8", errors="replace")
    return Document(id=id, text=head[:PREFIX_BYTES], source_uri=source_uri, source_kind=source_kind,
                    metadata=dict(metadata or {}),
                    drop=Drop("read", "too_large", f"{what}, over the limit of {limit:,} (input.max_bytes); "
                                                   f"only the first {PREFIX_BYTES:,} are kept"))


def read_bounded(path: str, limit: int) -> bytes | None:
    """The bytes of a one-document file, or None when it holds more than ``limit`` bytes."""
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size > limit:
            return None
        data = f.read(limit + 1)  # the file may have grown since
    return None if len(data) > limit else data


def too_large_file(path: str, kind: str, limit: int) -> Document:
    """:func:`too_large` for a whole file (text, HTML): its first bytes, its size from the disk."""
    with open(path, "rb") as f:
        head = f.read(PREFIX_BYTES)
    return too_large(id=make_id(path), source_uri=path, source_kind=kind, size=os.path.getsize(path),
                     limit=limit, head=head)
