"""Record formats (one record is one document): JSONL, CSV, Parquet."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path
from typing import Any, Iterator

from ..document import METADATA_COLUMNS, Document, Drop, make_id
from .base import Reader
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
        if text is None:
            doc.drop = Drop("read", "missing_text", f"record has no {field!r} field")
            doc.text = json.dumps(record, ensure_ascii=False, default=str)
            return doc
        doc.text = str(text)
        for key, value in record.items():
            if key != field and value is not None and (key in METADATA_COLUMNS or key != id_field):
                doc.metadata[key] = value
        if rid is not None:
            doc.metadata["record_id"] = rid
        return doc


class JsonlReader(_RecordReader):
    kind = "jsonl"

    def _lines(self, path: str):
        if path.endswith(".gz"):
            import gzip

            return gzip.open(path, "rb")
        return open(path, "rb")

    def count(self, path: str) -> int:
        with self._lines(path) as f:
            return sum(1 for line in f if line.strip())

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        with self._lines(path) as f:
            lines = (line for line in f if line.strip())
            for index, raw in enumerate(islice(lines, start, stop), start):
                try:
                    text, _ = decode(raw, self.spec.encoding)
                    record = json.loads(text)
                    if not isinstance(record, dict):
                        raise ValueError("a JSONL line must be an object")
                except (DecodeError, ValueError) as exc:
                    reason = "decode_error" if isinstance(exc, DecodeError) else "parse_error"
                    yield Document(
                        id=make_id(path, str(index)),
                        text=raw.decode("utf-8", errors="replace"),
                        source_uri=f"{path}#{index}",
                        source_kind=self.kind,
                        drop=Drop("read", reason, str(exc)),
                    )
                    continue
                yield self._doc(path, index, record)
