"""One class per package file format: how a data file is written, counted and read back.

A new format is one :class:`Writer` subclass registered in :data:`WRITERS` (``hf`` is the Hub's
layout with Parquet files, hence the same class). :class:`SplitWriter` cuts one split into
shards of a row or byte budget with whichever writer the export asked for.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..store import COMPRESSION, DOCS_SCHEMA

COLUMNS = DOCS_SCHEMA.names


class Writer:
    """One open data file. Subclasses set ``ext``, open ``self._file`` in ``__init__`` and
    implement ``write``, ``count_rows`` and ``read``."""

    ext: ClassVar[str]
    #: Suffixes of files written beside each data file (e.g. an index), renamed and listed with it.
    companions: ClassVar[tuple[str, ...]] = ()
    _file: Any  # whatever the format writes through; closed by close()

    def write(self, table: pa.Table) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        self._file.close()

    @staticmethod
    def count_rows(path: Path) -> int:  # pragma: no cover - abstract
        """Rows in a finished file (``khlang verify`` checks them against the MANIFEST)."""
        raise NotImplementedError

    @staticmethod
    def read(path: Path) -> pa.Table:  # pragma: no cover - abstract
        """The file's rows as a table (``khlang import``)."""
        raise NotImplementedError


class ParquetWriter(Writer):
    """zstd Parquet with the corpus ``documents`` schema."""

    ext = "parquet"

    def __init__(self, path: Path) -> None:
        self._file = pq.ParquetWriter(path, DOCS_SCHEMA, compression=COMPRESSION)

    def write(self, table: pa.Table) -> None:
        self._file.write_table(table)

    @staticmethod
    def count_rows(path: Path) -> int:
        return pq.ParquetFile(path).metadata.num_rows

    @staticmethod
    def read(path: Path) -> pa.Table:
        return pq.read_table(path)


class JsonlWriter(Writer):
    """One JSON object a line, UTF-8, non-ASCII kept as is."""

    ext = "jsonl"

    def __init__(self, path: Path) -> None:
        self._file = open(path, "w", encoding="utf-8")

    def write(self, table: pa.Table) -> None:
        for row in table.to_pylist():
            self._file.write(json.dumps(row, ensure_ascii=False) + "\n")

    @staticmethod
    def count_rows(path: Path) -> int:
        with open(path, "rb") as f:
            return sum(1 for line in f if line.strip())

    @staticmethod
    def read(path: Path) -> pa.Table:
        with open(path, encoding="utf-8") as f:
            return pa.Table.from_pylist([json.loads(line) for line in f if line.strip()])


class TokensWriter(Writer):
    """Training-token shards: the token ids of each document's text, concatenated, in a binary
    ``.tokens`` file, plus its index ``.tokens.idx`` (Parquet: ``id, start, length`` in tokens, one
    row per document, in file order) so a trainer finds document boundaries and a reader maps ids
    back to the corpus.

    ``.tokens`` layout: the 8-byte magic ``KHLTOKS1``, a little-endian uint32 item size (2 when the
    vocabulary fits in uint16, else 4), a uint32 vocabulary size, then the ids as little-endian
    unsigned integers of that size. :func:`read_tokens` reads a shard back. The class is bound to a
    tokenizer file with :meth:`bound` (``khlang export --format tokens --tokenizer FILE``).
    """

    ext = "tokens"
    companions: ClassVar[tuple[str, ...]] = (".idx",)
    MAGIC = b"KHLTOKS1"
    tokenizer: ClassVar[Any] = None

    @classmethod
    def bound(cls, tokenizer_path: str | Path) -> type["TokensWriter"]:
        """This writer for one tokenizer file (a missing or unknown file is a clear error here)."""
        from ..tokens import load_tokenizer

        return type("TokensWriter", (cls,), {"tokenizer": load_tokenizer(tokenizer_path)})

    @classmethod
    def itemsize(cls) -> int:
        return 2 if cls.tokenizer.vocab_size <= 1 << 16 else 4

    def __init__(self, path: Path) -> None:
        if self.tokenizer is None:
            raise ValueError("--format tokens needs a tokenizer (--tokenizer FILE: tokenizers .json or sentencepiece .model)")
        self._path = Path(path)
        self._dtype = np.dtype(f"<u{self.itemsize()}")
        self._file = open(path, "wb")
        self._file.write(self.MAGIC + np.array([self.itemsize(), self.tokenizer.vocab_size], "<u4").tobytes())
        self._index: dict[str, list] = {"id": [], "start": [], "length": []}
        self._at = 0

    def write(self, table: pa.Table) -> None:
        texts = table.column("text").to_pylist()
        for doc_id, ids in zip(table.column("id").to_pylist(), self.tokenizer.encode(texts)):
            self._file.write(np.asarray(ids, dtype=self._dtype).tobytes())
            self._index["id"].append(doc_id)
            self._index["start"].append(self._at)
            self._index["length"].append(len(ids))
            self._at += len(ids)

    def close(self) -> None:
        super().close()
        schema = pa.schema([("id", pa.string()), ("start", pa.int64()), ("length", pa.int64())])
        pq.write_table(pa.table(self._index, schema=schema), str(self._path) + ".idx", compression=COMPRESSION)

    @staticmethod
    def count_rows(path: Path) -> int:
        """Documents in the shard, after checking the index against the token file's size."""
        tokens, index = read_tokens(path)
        return len(index)

    @staticmethod
    def read(path: Path) -> pa.Table:
        raise ValueError(f"{Path(path).name}: a tokens package holds token ids, not text; it cannot be imported")


def read_tokens(path: str | Path) -> tuple[np.ndarray, pa.Table]:
    """A ``.tokens`` shard as (token ids, index table ``id, start, length``); a file whose header or
    size disagrees with its index is a ``ValueError``."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(16)
    if len(head) < 16 or head[:8] != TokensWriter.MAGIC:
        raise ValueError(f"{path.name}: not a khlang tokens file (bad header)")
    itemsize = int(np.frombuffer(head[8:12], "<u4")[0])
    if itemsize not in (2, 4) or (path.stat().st_size - 16) % itemsize:
        raise ValueError(f"{path.name}: corrupt tokens file (item size {itemsize}, {path.stat().st_size} bytes)")
    tokens = np.memmap(path, dtype=f"<u{itemsize}", mode="r", offset=16)
    index = pq.read_table(str(path) + ".idx")
    total = int(pc.sum(index.column("length")).as_py() or 0)
    if total != len(tokens):
        raise ValueError(f"{path.name}: index lists {total:,} tokens, the file holds {len(tokens):,}")
    return tokens, index


#: ``--format`` → writer class.
WRITERS: dict[str, type[Writer]] = {"parquet": ParquetWriter, "jsonl": JsonlWriter, "hf": ParquetWriter,
                                    "tokens": TokensWriter}
FORMATS = tuple(WRITERS)


def writer_for(path: Path) -> type[Writer]:
    """The writer class of a package data file, by its extension."""
    for cls in WRITERS.values():
        if path.name.endswith("." + cls.ext):
            return cls
    raise ValueError(f"{path.name}: not a package data file (known: {', '.join(sorted({c.ext for c in WRITERS.values()}))})")


def read_data_file(path: Path) -> pa.Table:
    """A package data file as a table with the corpus columns, checked and cast."""
    table = writer_for(path).read(path)
    missing = set(COLUMNS) - set(table.column_names)
    if missing:
        raise ValueError(f"{path.name}: not a khlang export (missing columns {sorted(missing)})")
    return table.select(COLUMNS).cast(DOCS_SCHEMA)


class SplitWriter:
    """Writes one split into ``data/<split>-tmp-NNNNN.<ext>`` files, rolling over at the size limit."""

    def __init__(self, directory: Path, split: str, writer: type[Writer], limit: tuple[str, int]) -> None:
        self.directory, self.split, self.writer, (self.unit, self.limit) = directory, split, writer, limit
        self.paths: list[Path] = []
        self.rows: list[int] = []
        self._file: Writer | None = None
        self._used = 0

    def _open(self) -> None:
        path = self.directory / f".{self.split}-tmp-{len(self.paths):05d}.{self.writer.ext}"
        self.paths.append(path)
        self.rows.append(0)
        self._used = 0
        self._file = self.writer(path)

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def write(self, batch: pa.Table) -> None:
        sizes = row_sizes(batch) if self.unit == "bytes" else None
        offset = 0
        while offset < batch.num_rows:
            if self._file is None or self._used >= self.limit:
                self._close()
                self._open()
            room = self.limit - self._used
            if sizes is None:
                take = min(batch.num_rows - offset, room)
                used = take
            else:  # as many rows as fit in the room left (at least one)
                cum = np.cumsum(sizes[offset:])
                take = max(1, int(np.searchsorted(cum, room, side="right")))
                used = int(cum[take - 1])
            assert self._file is not None
            self._file.write(batch.slice(offset, take))
            self._used += used
            self.rows[-1] += take
            offset += take

    def finish(self) -> list[tuple[Path, int]]:
        """Close and rename to ``<split>-NNNNN-of-NNNNN.<ext>``; return (path, rows) per shard."""
        self._close()
        out = []
        n = len(self.paths)
        for i, (tmp, rows) in enumerate(zip(self.paths, self.rows)):
            final = self.directory / f"{self.split}-{i:05d}-of-{n:05d}.{self.writer.ext}"
            os.replace(tmp, final)
            for suffix in self.writer.companions:
                os.replace(str(tmp) + suffix, str(final) + suffix)
            out.append((final, rows))
        return out


def row_sizes(table: pa.Table) -> np.ndarray:
    """Bytes per row: UTF-8 length of every string column, plus 8 per other value."""
    sizes = np.zeros(table.num_rows, dtype=np.int64)
    for col in table.columns:
        if pa.types.is_string(col.type):
            sizes += pc.fill_null(pc.binary_length(col), 0).to_numpy()
        else:
            sizes += 8
    return sizes


__all__ = ["FORMATS", "JsonlWriter", "ParquetWriter", "SplitWriter", "TokensWriter", "WRITERS", "Writer",
           "read_data_file", "read_tokens", "row_sizes", "writer_for"]
