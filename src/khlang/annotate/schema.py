"""A project's label schema and the validation of one answer against it.

Schema (JSON)::

    {"classification": "single" | "multi" | null,   # pick one label, several, or none
     "labels": ["positive", "negative", ...],
     "rating": {"min": 1, "max": 5} | null,          # an integer scale
     "comment": true,                                # a free-text field
     "span_labels": ["PERSON", "ORG", ...]}          # span labels (empty: no spans)
"""

from __future__ import annotations

from typing import Any

from .spans import clean_spans

DEFAULT_SPAN_LABELS = ["PERSON", "ORG", "LOCATION", "MONEY", "DATE"]


def make_schema(classification: str | None = "single", labels: list[str] | None = None,
                rating: tuple[int, int] | dict | None = None, comment: bool = True,
                span_labels: list[str] | None = None) -> dict[str, Any]:
    """Build and validate a schema."""
    if isinstance(rating, (tuple, list)) and len(rating) == 2:
        rating = {"min": rating[0], "max": rating[1]}
    schema = {"classification": classification or None, "labels": list(labels or []), "rating": rating,
              "comment": bool(comment), "span_labels": list(span_labels or [])}
    return check_schema(schema)


def check_schema(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("classification") not in (None, "single", "multi"):
        raise ValueError("classification must be single, multi or null")
    for key in ("labels", "span_labels"):
        values = schema.get(key) or []
        if not all(isinstance(v, str) and v.strip() for v in values) or len(set(values)) != len(values):
            raise ValueError(f"{key} must be distinct non-empty strings")
        schema[key] = [v.strip() for v in values]
    if schema.get("classification") and not schema["labels"]:
        raise ValueError("a classification project needs labels")
    rating = schema.get("rating")
    if rating is not None:
        try:
            lo, hi = int(rating["min"]), int(rating["max"])
        except (TypeError, ValueError, KeyError, OverflowError):
            raise ValueError("rating must be {'min': a, 'max': b} with whole numbers a < b") from None
        if not (lo < hi and hi - lo <= 100):
            raise ValueError("rating must be {'min': a, 'max': b} with a < b and at most 100 steps")
        schema["rating"] = {"min": lo, "max": hi}
    schema.setdefault("comment", True)
    return schema


MAX_COMMENT = 20_000  # characters: a note on a task, not a document (the review page shows every one)


def clean_answer(schema: dict[str, Any], text: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Validate an annotator's answer (``labels``, ``rating``, ``comment``, ``spans``); spans are
    snapped to grapheme clusters. Raises ``ValueError`` saying what is wrong."""
    labels = answer.get("labels") or []
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list) or not all(isinstance(v, str) for v in labels):
        raise ValueError("labels must be a list of strings")
    labels = sorted(set(labels), key=labels.index)
    unknown = [v for v in labels if v not in schema["labels"]]
    if unknown:
        raise ValueError(f"unknown label(s): {unknown}")
    if schema["classification"] == "single" and len(labels) > 1:
        raise ValueError("this project takes one label per document")
    if not schema["classification"] and labels:
        raise ValueError("this project has no classification")
    rating = answer.get("rating")
    if rating in ("", None):
        rating = None
    else:
        if not schema.get("rating"):
            raise ValueError("this project has no rating")
        try:
            rating = int(rating)
        except (TypeError, ValueError):
            raise ValueError(f"rating must be an integer, got {rating!r}") from None
        if not schema["rating"]["min"] <= rating <= schema["rating"]["max"]:
            raise ValueError(f"rating {rating} outside {schema['rating']['min']}..{schema['rating']['max']}")
    comment = answer.get("comment") or ""
    if not isinstance(comment, str):
        raise ValueError("comment must be a string")
    if len(comment) > MAX_COMMENT:
        raise ValueError(f"comment longer than {MAX_COMMENT} characters")
    spans = clean_spans(text, answer.get("spans") or [], schema.get("span_labels") or [])
    return {"labels": labels, "rating": rating, "comment": comment, "spans": spans}
