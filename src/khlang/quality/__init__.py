"""``quality``: Gopher / C4 / FineWeb-style heuristic filters with per-language thresholds.

API::

    quality_signals(text, lang=None, words=None) -> dict      # all signals, no decision
    assess(text, lang=None, words=None, thresholds=None) -> dict  # signals + failed rules + score

The stage annotates every document with its signals (``doc.annotations["quality"]``) and drops
the ones that fail a rule: reason = the rule name (``min_words`` …), detail = "value X vs
threshold Y". With ``dry_run: true`` nothing is dropped; failed rules go to ``would_drop``.
"""

from __future__ import annotations

from typing import Any

from ..document import Document
from ..stage import Stage
from . import thresholds as _thresholds
from .signals import doc_words, fallback_words, guess_lang, is_boilerplate, norm_lang, quality_signals
from .thresholds import RULES, THRESHOLDS

__all__ = ["Quality", "assess", "quality_signals", "fallback_words", "guess_lang", "is_boilerplate",
           "norm_lang", "RULES", "THRESHOLDS"]


def assess(text: str, lang: str | None = None, words: list[str] | None = None,
           thresholds: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Signals of ``text`` plus ``failed`` (rules it breaks, with value and threshold) and
    ``score`` (the fraction of active rules it passes, 0..1). ``thresholds`` overrides the table."""
    table = _thresholds.merge(thresholds)
    signals = quality_signals(text, lang, words)
    return _decide(signals, _thresholds.for_lang(table, signals["lang"]))


def _decide(signals: dict[str, Any], rules: dict[str, Any]) -> dict[str, Any]:
    failed = _thresholds.check(signals, rules)
    active = sum(v is not None for v in rules.values()) or 1
    signals["score"] = round(1 - len(failed) / active, 4)
    signals["failed"] = [{"rule": r, "value": v, "threshold": t} for r, v, t in failed]
    return signals


class Quality(Stage):
    """Heuristic quality filter (see :mod:`khlang.quality.thresholds` for the rules).

    Parameters: ``thresholds`` — per-language overrides deep-merged over the defaults;
    ``dry_run`` — annotate (``would_drop``) instead of dropping.
    """

    name = "quality"

    def __init__(self, thresholds: dict[str, dict[str, Any]] | None = None, dry_run: bool = False) -> None:
        super().__init__()
        self.overrides = thresholds or {}
        self.table = _thresholds.merge(self.overrides)
        self.dry_run = bool(dry_run)

    def params(self) -> dict[str, Any]:
        return {"thresholds": self.overrides, "dry_run": self.dry_run}

    def process(self, doc: Document) -> Document:
        lang = norm_lang(doc.lang) or guess_lang(doc.text)
        words = doc_words(doc)
        signals = quality_signals(doc.text, lang, words)
        record = _decide(signals, _thresholds.for_lang(self.table, lang))
        failed = record.pop("failed")
        doc.annotations[self.name] = record
        if not failed:
            return doc
        if self.dry_run:
            record["would_drop"] = [f["rule"] for f in failed]
            return doc
        first = failed[0]
        record["dropped_by"] = first["rule"]
        more = f" (also failed: {', '.join(f['rule'] for f in failed[1:])})" if len(failed) > 1 else ""
        return self.drop(doc, first["rule"], f"value {first['value']} vs threshold {first['threshold']}{more}")
