"""Record formats (one record is one document): JSONL, CSV/TSV, Parquet.

The text comes from ``InputSpec.text_field`` (default ``text``); a record without it is kept as a
``missing_text`` drop holding the whole record as JSON. Other fields become metadata (``title``,
``date``, ``url``, ``licence`` get their own corpus columns). The id is ``make_id(path, index)``,
or ``make_id(path, record[id_field])`` when ``InputSpec.id_field`` is set (the raw value is kept
as ``metadata["record_id"]``); ``source_uri`` is ``path#index``.
"""

from __future__ import annotations

import csv
import io
import json
from itertools import islice
from pathlib import Path
from typing import Any, Iterator

from ..document import Document, Drop, make_id
from .base import Reader, file_index
from .encoding import DecodeError, decode


class _RecordReader(Reader):
    def _doc(self, path: str, index: int, record: dict[str, Any]) -> Document:
        field = self.spec.text_field
        id_field = self.spec.id_field
        rid = record.get(id_field) if id_field else None
        doc = Document(
            id=make_id(path, str(rid)) if rid is not None else make_id(path, str(index)),
            text="",
            source_uri=f"{path}#{index}",
            source_kind=self.kind,
        )
        text = record.get(field)
        if isinstance(text, bytes):
            try:
                text, _ = decode(text, self.spec.encoding)
            except DecodeError as exc:
                doc.text = text.decode("utf-8", errors="replace")
                doc.drop = Drop("read", "decode_error", f"field {field!r}: {exc}")
                return doc
        if text is None or (isinstance(text, float) and text != text):  # missing, null or NaN
            doc.drop = Drop("read", "missing_text", f"record has no {field!r} field")
            doc.text = json.dumps(record, ensure_ascii=False, default=str)
            return doc
        doc.text = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False, default=str)
        for key, value in record.items():
            if key not in (field, id_field) and value is not None and value != "":
                doc.metadata[key] = value
        if rid is not None:
            doc.metadata["record_id"] = rid
        return doc

    def _error(self, path: str, index: int, reason: str, detail: str, raw: bytes | str) -> Document:
        """A record that could not be read: kept, with the raw text, as a drop."""
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        return Document(
            id=make_id(path, str(index)), text=text, source_uri=f"{path}#{index}",
            source_kind=self.kind, drop=Drop("read", reason, detail),
        )


def _build_line_offsets(path: str) -> list[int]:
    """Byte offset of every non-blank line, so shard k of a big JSONL file seeks to its first
    line instead of skipping k × docs_per_shard lines (quadratic over a run)."""
    offsets, pos = [], 0
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                offsets.append(pos)
            pos += len(line)
    return offsets


def _line_offsets(path: str) -> list[int]:
    return file_index(_build_line_offsets, path)


class JsonlReader(_RecordReader):
    kind = "jsonl"

    def _lines(self, path: str):
        if path.endswith(".gz"):
            import gzip

            return gzip.open(path, "rb")
        return open(path, "rb")

    def count(self, path: str) -> int:
        if not path.endswith(".gz"):
            return len(_line_offsets(path))
        with self._lines(path) as f:
            return sum(1 for line in f if line.strip())

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        with self._lines(path) as f:
            skip = start
            if start and not path.endswith(".gz"):  # gzip cannot seek: skip through it instead
                offsets = _line_offsets(path)
                if start >= len(offsets):
                    return
                f.seek(offsets[start])
                skip = 0
            lines = islice((line for line in f if line.strip()), skip, None if stop is None else skip + stop - start)
            for index, raw in enumerate(lines, start):
                try:
                    text, _ = decode(raw, self.spec.encoding)
                    record = json.loads(text)
                    if not isinstance(record, dict):
                        raise ValueError("a JSONL line must be an object")
                except (DecodeError, ValueError) as exc:
                    reason = "decode_error" if isinstance(exc, DecodeError) else "parse_error"
                    yield self._error(path, index, reason, str(exc), raw)
                    continue
                yield self._doc(path, index, record)


class CsvReader(_RecordReader):
    """CSV (``,``) and TSV (tab, for ``.tsv``/``.tab``) with a header row; quoted fields may span
    lines. The file's encoding is detected once for the whole file (UTF-8, BOMs, TIS-620 …); a
    file no encoding fits is one ``decode_error`` record."""

    kind = "csv"

    def _rows(self, path: str) -> Iterator[tuple[dict[str, Any] | None, tuple[str, str, str] | None]]:
        """``(row, None)`` per record, or ``(None, (reason, detail, raw text))`` for one that
        cannot be read."""
        data = Path(path).read_bytes()
        try:
            text, _ = decode(data, self.spec.encoding)
        except DecodeError as exc:
            yield None, ("decode_error", str(exc), data.decode("utf-8", errors="replace"))
            return
        delimiter = "\t" if path.lower().endswith((".tsv", ".tab")) else ","
        csv.field_size_limit(1 << 30)
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield None, ("parse_error", f"line {reader.line_num}: {exc}", "")
                continue
            if not any(v for k, v in row.items() if k is not None):
                continue  # blank line
            extra = row.pop(None, None)  # more cells than header names
            if extra:
                row["_extra"] = extra
            yield row, None

    def count(self, path: str) -> int:
        return sum(1 for _ in self._rows(path))

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        for index, (row, error) in enumerate(islice(self._rows(path), start, stop), start):
            yield self._doc(path, index, row) if error is None else self._error(path, index, *error)


class ParquetReader(_RecordReader):
    """Parquet files: the count comes from the footer, and a range reads only the row groups it
    overlaps, so a shard of a big file costs a shard's worth of I/O."""

    kind = "parquet"

    def _open(self, path: str):
        """The ParquetFile, or the error message when ``path`` is not readable Parquet (then the
        file counts as one ``parse_error`` record)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as exc:
            return f"not a readable Parquet file: {exc}"

    def count(self, path: str) -> int:
        pf = self._open(path)
        return 1 if isinstance(pf, str) else pf.metadata.num_rows

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        pf = self._open(path)
        if isinstance(pf, str):
            if start == 0 and stop != 0:
                yield self._error(path, 0, "parse_error", pf, "")
            return
        meta = pf.metadata
        stop = meta.num_rows if stop is None else min(stop, meta.num_rows)
        first = 0  # index of the first row of row group g
        for g in range(meta.num_row_groups):
            rows = meta.row_group(g).num_rows
            if first + rows > start and first < stop:
                table = pf.read_row_group(g)
                lo, hi = max(start - first, 0), min(stop - first, rows)
                for offset, record in enumerate(table.slice(lo, hi - lo).to_pylist()):
                    yield self._doc(path, first + lo + offset, record)
            first += rows
            if first >= stop:
                return
