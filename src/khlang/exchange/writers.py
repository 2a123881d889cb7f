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


#: ``--format`` → writer class.
WRITERS: dict[str, type[Writer]] = {"parquet": ParquetWriter, "jsonl": JsonlWriter, "hf": ParquetWriter}
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


__all__ = ["FORMATS", "JsonlWriter", "ParquetWriter", "SplitWriter", "WRITERS", "Writer", "read_data_file",
           "row_sizes", "writer_for"]
