"""Suggestions (pre-annotations): an answer proposed for a document, shown to the annotator, who
accepts it with one key and edits it before saving. They come from the pipeline's own output when a
project is sampled from a corpus (language spans of the ``langid`` stage whose language is one of the
project's span labels; the ``quality`` score mapped onto the project's rating scale), or from a file
(``POST /api/projects/<id>/suggestions``, e.g. a model's predictions). A suggestion is never an
answer: it counts for nothing until an annotator saves it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .db import Doc, Project, Suggestion
from .schema import clean_answer


def from_pipeline(schema: dict[str, Any], text: str, annotations: dict[str, Any]) -> dict[str, Any] | None:
    """A suggested answer from a corpus document's stage annotations, or None."""
    span_labels = {label.lower(): label for label in schema.get("span_labels") or []}
    spans = [{"start": s[0], "end": s[1], "label": span_labels[str(s[2]).lower()]}
             for s in (annotations.get("langid") or {}).get("spans") or []
             if isinstance(s, (list, tuple)) and len(s) >= 3 and str(s[2]).lower() in span_labels]
    rating = None
    score = (annotations.get("quality") or {}).get("score")
    if schema.get("rating") and isinstance(score, (int, float)):
        lo, hi = schema["rating"]["min"], schema["rating"]["max"]
        rating = lo + round(max(0.0, min(1.0, float(score))) * (hi - lo))
    if not spans and rating is None:
        return None
    return clean_answer(schema, text, {"labels": [], "rating": rating, "spans": spans})


def add(db: Session, project: Project, rows: list[Any], source: str = "import") -> int:
    """Store suggestions ``[{doc_id, labels, rating, spans, [source]}]`` (validated like answers;
    a document's earlier suggestion from the same source is replaced). Unknown documents: ValueError."""
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValueError("suggestions must be a list of objects with doc_id and labels / rating / spans")
    docs = {d.doc_id: d for d in db.scalars(select(Doc).where(Doc.project_id == project.id))}
    for r in rows:
        doc = docs.get(str(r.get("doc_id")))
        if doc is None:
            raise ValueError(f"no document {r.get('doc_id')!r} in this project")
        src = str(r.get("source") or source)[:100]
        answer = clean_answer(project.schema, doc.text, {k: r.get(k) for k in ("labels", "rating", "spans")})
        db.execute(delete(Suggestion).where(Suggestion.document_id == doc.id, Suggestion.source == src))
        db.add(Suggestion(document_id=doc.id, source=src, answer=answer))
    db.flush()
    return len(rows)


def for_document(db: Session, doc: Doc) -> list[dict[str, Any]]:
    return [{"source": s.source, **json.loads(json.dumps(s.answer))}
            for s in db.scalars(select(Suggestion).where(Suggestion.document_id == doc.id).order_by(Suggestion.source))]
