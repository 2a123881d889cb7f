"""The Document: the one piece of plain data that flows through every stage.

A document is deliberately dumb: text plus where it came from, what we know about it (metadata),
what each stage found (annotations), and, when a stage rejects it, why (``drop``). Stages read
and write these fields; nothing else travels between them. Offsets anywhere in annotations are
Unicode code points into ``text``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

#: Metadata keys that get their own column in the corpus store (everything else goes to ``meta``).
METADATA_COLUMNS = ("title", "date", "url", "licence")


@dataclass
class Drop:
    """Why a document left the pipeline: the stage that dropped it, a short machine-readable reason
    (``error``, ``decode_error``, ``too_short``, ``duplicate`` …) and a human-readable detail."""

    stage: str
    reason: str
    detail: str = ""
    duplicate_of: str | None = None  # for duplicates: the id of the copy that was kept


@dataclass
class Document:
    """One document: text, provenance, metadata and per-stage annotations."""

    id: str
    text: str
    source_uri: str = ""
    source_kind: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, Any] = field(default_factory=dict)
    lang: str | None = None
    drop: Drop | None = None
    #: Scratch space shared by the stages of one pass (e.g. the word list from ``segment``, reused
    #: by ``quality``). Never written to the corpus.
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def dropped(self) -> bool:
        return self.drop is not None

    def to_row(self) -> dict[str, Any]:
        """The document as a row of the corpus ``documents`` schema (see :mod:`khlang.store`)."""
        meta = {k: v for k, v in self.metadata.items() if k not in METADATA_COLUMNS}
        row = {
            "id": self.id,
            "text": self.text,
            "source_uri": self.source_uri,
            "source_kind": self.source_kind,
            "lang": self.lang,
            "n_chars": len(self.text),
            "meta": _dumps(meta),
            "annotations": _dumps(self.annotations),
        }
        for key in METADATA_COLUMNS:
            value = self.metadata.get(key)
            row[key] = None if value is None else str(value)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Document":
        """Inverse of :meth:`to_row`."""
        metadata = json.loads(row.get("meta") or "{}")
        for key in METADATA_COLUMNS:
            if row.get(key) is not None:
                metadata[key] = row[key]
        return cls(
            id=row["id"],
            text=row["text"],
            source_uri=row.get("source_uri") or "",
            source_kind=row.get("source_kind") or "",
            metadata=metadata,
            annotations=json.loads(row.get("annotations") or "{}"),
            lang=row.get("lang"),
        )


def make_id(*parts: str | bytes) -> str:
    """A stable document id: the first 16 hex digits of sha1 over the parts.

    Readers derive ids from the source (``uri`` + record index), so the same input always yields
    the same ids — which is what makes resumed runs equal to uninterrupted ones.
    """
    h = hashlib.sha1()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:16]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
