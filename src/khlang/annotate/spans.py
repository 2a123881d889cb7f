"""Span offsets that never split a grapheme cluster, and conversions between offset units.

Inside khlang a span is ``{"start", "end", "label"}`` in Unicode code points. A Thai, Lao, Khmer
or Burmese vowel sign, tone mark or coeng sequence belongs to the cluster of its consonant, so
offsets are snapped outwards to extended-grapheme-cluster boundaries (``regex``'s ``\\X``, UAX #29):
the start moves left and the end moves right to the nearest boundary.

Browsers count UTF-16 code units: characters outside the Basic Multilingual Plane (emoji, CJK
Extension B) count 2 there and 1 here. (Label Studio and doccano count code points, like khlang.)
"""

from __future__ import annotations

import bisect
from functools import lru_cache

import regex

_CLUSTER = regex.compile(r"\X")


@lru_cache(maxsize=256)
def grapheme_boundaries(text: str) -> tuple[int, ...]:
    """Code-point offsets at which a grapheme cluster starts, plus ``len(text)``."""
    return tuple(m.start() for m in _CLUSTER.finditer(text)) + (len(text),)


def snap(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole grapheme clusters."""
    bounds = grapheme_boundaries(text)
    start = bounds[bisect.bisect_right(bounds, start) - 1]
    end = bounds[bisect.bisect_left(bounds, end)]
    return start, end


def utf16_to_cp(text: str, offset: int) -> int:
    """A UTF-16 code-unit offset (JavaScript, Label Studio) → a code-point offset."""
    units = 0
    for i, ch in enumerate(text):
        if units >= offset:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(text)


def cp_to_utf16(text: str, offset: int) -> int:
    """A code-point offset → a UTF-16 code-unit offset."""
    return offset + sum(1 for ch in text[:offset] if ord(ch) > 0xFFFF)


def clean_spans(text: str, spans: list, allowed: list[str]) -> list[dict]:
    """Validate spans against the text and the label set, snap them to grapheme clusters, drop
    exact duplicates and sort them. Bad input raises ``ValueError`` with the reason."""
    out = set()
    for span in spans or []:
        if not isinstance(span, dict):
            raise ValueError(f"a span must be an object, got {span!r}")
        label = span.get("label")
        if label not in allowed:
            raise ValueError(f"unknown span label {label!r} (allowed: {', '.join(allowed) or 'none'})")
        start, end = span.get("start"), span.get("end")
        if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) or isinstance(end, bool):
            raise ValueError("span start and end must be integers (code points)")
        if not 0 <= start < end <= len(text):
            raise ValueError(f"span [{start}, {end}) is outside the text (length {len(text)})")
        start, end = snap(text, start, end)
        out.add((start, end, label))
    return [{"start": s, "end": e, "label": lab} for s, e, lab in sorted(out)]
