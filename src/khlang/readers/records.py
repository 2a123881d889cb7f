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
import zlib
from itertools import islice
from pathlib import Path
from typing import Any, Iterator

from ..document import Document, Drop, make_id
from .base import PREFIX_BYTES, Reader, file_index, too_large
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
        limit = self.spec.max_bytes
        if len(doc.text) * 4 > limit and (size := len(doc.text.encode("utf-8", "replace"))) > limit:
            return too_large(id=doc.id, source_uri=doc.source_uri, source_kind=self.kind, size=size, limit=limit,
                             head=doc.text[:PREFIX_BYTES])
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


def _lines(f, limit: int) -> Iterator[tuple[int, bytes, int]]:
    """``(byte offset, line, size)`` of every non-blank line of the binary file ``f``, holding at
    most ``limit`` + 1 bytes of any line in memory: a longer line yields its head only (its full
    ``size`` is still counted), so one 50 MB line costs no more memory than the limit."""
    pos = 0
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        start, size = pos, len(line)
        if len(line) > limit and not line.endswith(b"\n"):  # over the limit: skip to its end
            while True:
                chunk = f.readline(1 << 20)
                size += len(chunk)
                if not chunk or chunk.endswith(b"\n"):
                    break
        pos += size
        if size > limit or line.strip():
            yield start, line, size


#: What reading a damaged gzip stream raises: cut short (EOFError), bad header or data.
_GZIP_ERRORS = (EOFError, OSError, zlib.error)


def _build_line_offsets(path: str, limit: int) -> list[int]:
    """Byte offset of every non-blank line, so shard k of a big JSONL file seeks to its first
    line instead of skipping k × docs_per_shard lines (quadratic over a run)."""
    with open(path, "rb") as f:
        return [start for start, _, _ in _lines(f, limit)]


def _count_gzip_lines(path: str, limit: int) -> int:
    """Records of a ``.jsonl.gz``; a stream cut short or damaged adds one (its ``truncated`` drop)."""
    import gzip

    n = 0
    try:
        with gzip.open(path, "rb") as f:
            for _ in _lines(f, limit):
                n += 1
    except _GZIP_ERRORS:
        n += 1
    return n


class JsonlReader(_RecordReader):
    """JSON Lines, plain or gzipped. A line over ``input.max_bytes`` is a ``too_large`` drop; a
    gzip stream that is cut short or damaged keeps every line before the damage and ends with one
    ``truncated`` drop."""

    kind = "jsonl"

    def count(self, path: str) -> int:
        limit = self.spec.max_bytes
        if path.endswith(".gz"):
            return file_index(_count_gzip_lines, path, limit)
        return len(file_index(_build_line_offsets, path, limit))

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        limit = self.spec.max_bytes
        if path.endswith(".gz"):
            import gzip

            f, skip = gzip.open(path, "rb"), start  # gzip cannot seek: skip through it instead
        else:
            offsets = file_index(_build_line_offsets, path, limit)
            if start >= len(offsets):
                return
            f, skip = open(path, "rb"), 0
            f.seek(offsets[start])
        index = start - skip
        with f:
            lines = _lines(f, limit)
            while stop is None or index < stop:
                try:
                    item = next(lines, None)
                except _GZIP_ERRORS as exc:
                    if index >= start:
                        yield self._error(path, index, "truncated",
                                          f"the gzip stream ends or breaks after {index} records: {exc}", b"")
                    return
                if item is None:
                    return
                if index >= start:
                    yield self._record(path, index, item, limit)
                index += 1

    def _record(self, path: str, index: int, item: tuple[int, bytes, int], limit: int) -> Document:
        _, raw, size = item
        if size > limit:
            return too_large(id=make_id(path, str(index)), source_uri=f"{path}#{index}", source_kind=self.kind,
                             size=size, limit=limit, head=raw)
        try:
            decoded = decode(raw, self.spec.encoding)
            record = json.loads(decoded[0])
            if not isinstance(record, dict):
                raise ValueError("a JSONL line must be an object")
        except (DecodeError, ValueError) as exc:
            reason = "decode_error" if isinstance(exc, DecodeError) else "parse_error"
            return self._error(path, index, reason, str(exc), raw)
        doc = self._doc(path, index, record)
        if getattr(decoded, "replaced", 0) and doc.drop is None:
            doc.metadata["replaced_bytes"] = decoded.replaced
        return doc


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
