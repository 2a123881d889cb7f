"""The language layer as pipeline stages: ``normalize``, ``langid`` and ``segment``.

Each stage is a thin wrapper over one API function (:func:`.normalize.normalize`,
:func:`.langid.detect`/:func:`.langid.spans`, :func:`.segment.words`) that records what it found
on the document.
"""

from __future__ import annotations

from typing import Any

from ..document import Document
from ..stage import Stage
from . import langid as _langid
from .normalize import RULE_NAMES, has_script, normalize
from .segment import _choose, count_sentences, segment_words
from .thaidate import date_metadata


class Normalize(Stage):
    """Script-aware repairs (Thai mark order, Sara Am, Zawgyi → Unicode, Khmer/Lao order …).

    Parameters are rule switches by name (``thai_digits: true``, ``zawgyi: false`` …) and
    ``dates`` (default on): read the document date of Thai text (Buddhist era or CE) into
    ``metadata["date_gregorian"]``. Per-rule counts go to ``annotations["normalize"]``; a Zawgyi
    conversion sets ``metadata["zawgyi_converted"] = True``.
    """

    name = "normalize"

    def __init__(self, dates: bool = True, **rule_switches: bool) -> None:
        super().__init__()
        unknown = set(rule_switches) - set(RULE_NAMES)
        if unknown:
            raise TypeError(f"stage 'normalize' got unknown rules {sorted(unknown)}; known: {', '.join(RULE_NAMES)}")
        self.dates = dates
        self.rule_switches = {k: bool(v) for k, v in rule_switches.items()}

    def params(self) -> dict[str, Any]:
        return {"dates": self.dates, **self.rule_switches}

    def process(self, doc: Document) -> Document:
        doc.text, counts = normalize(doc.text, **self.rule_switches)
        doc.annotations[self.name] = counts
        if counts.get("zawgyi"):
            doc.metadata["zawgyi_converted"] = True
        if self.dates and has_script(doc.text[:20000], "thai"):
            doc.metadata.update(date_metadata(doc.text))
        return doc


class LangId(Stage):
    """Sets ``doc.lang`` and ``annotations["langid"] = {lang, confidence, spans, [zh_script]}``.

    ``spans`` is a list of ``[start, end, lang, confidence]`` (code points, neighbours with the same
    language merged). ``spans: false`` skips them for speed.
    """

    name = "langid"

    def __init__(self, spans: bool = True) -> None:
        super().__init__()
        self.spans = spans

    def params(self) -> dict[str, Any]:
        return {"spans": self.spans}

    def process(self, doc: Document) -> Document:
        lang, confidence = _langid.detect(doc.text)
        doc.lang = lang
        found: dict[str, Any] = {"lang": lang, "confidence": confidence}
        if self.spans:
            spans = _langid.spans(doc.text)
            found["spans"] = [[s.start, s.end, s.lang, s.confidence] for s in spans]
            han = "".join(doc.text[s.start : s.end] for s in spans if s.lang == "zh")
        else:
            han = doc.text if lang == "zh" else ""
        if han and (variant := _langid.zh_script(han)):
            found["zh_script"] = variant
        doc.annotations[self.name] = found
        return doc


class Segment(Stage):
    """Word tokens into ``doc.cache["words"]`` (for quality in the same pass) and counts into
    ``annotations["segment"] = {n_words, n_sentences, engine}``. ``engine`` picks a non-default
    engine for its script (e.g. ``nlpo3`` for Thai); ``engine`` in the annotation names every
    engine used, joined by ``+``."""

    name = "segment"

    def __init__(self, engine: str | None = None) -> None:
        super().__init__()
        _choose(engine)  # unknown engine → error now, not on the first document
        self.engine = engine

    def params(self) -> dict[str, Any]:
        return {"engine": self.engine}

    def process(self, doc: Document) -> Document:
        tokens, used = segment_words(doc.text, self.engine)
        doc.cache["words"] = tokens
        doc.annotations[self.name] = {
            "n_words": len(tokens),
            "n_sentences": count_sentences(doc.text),
            "engine": "+".join(used),
        }
        return doc
