"""``quality``: Gopher / C4 / FineWeb-style heuristic filters with per-language thresholds.

API::

    quality_signals(text, lang=None, words=None) -> dict      # all signals, no decision
    assess(text, lang=None, words=None, thresholds=None) -> dict  # signals + failed/skipped rules + score

The stage annotates every document with its signals (``doc.annotations["quality"]``) and drops
the ones that fail a rule: reason = the rule name (``min_words`` …), detail = "value X vs
threshold Y". With ``dry_run: true`` nothing is dropped; failed rules go to ``would_drop``.
Which rules applied to each language, with which threshold, and which were skipped and why
(:func:`.thresholds.rules_for`) goes to the run record (``runs.stages.quality.info.rules``),
where the report reads it.
"""

from __future__ import annotations

from typing import Any

from ..document import Document
from ..stage import Stage
from . import thresholds as _thresholds
from .signals import doc_lang, doc_words, fallback_words, is_boilerplate, quality_signals
from .thresholds import RULES, THRESHOLDS

__all__ = ["Quality", "assess", "quality_signals", "fallback_words", "doc_lang", "is_boilerplate",
           "RULES", "THRESHOLDS"]


def assess(text: str, lang: str | None = None, words: list[str] | None = None,
           thresholds: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Signals of ``text`` plus ``failed`` (rules it breaks, with value and threshold),
    ``skipped`` (rules that do not apply to its language, and why) and ``score`` (the fraction of
    applied rules it passes, 0..1). ``thresholds`` overrides the table."""
    table = _thresholds.merge(thresholds)
    signals = quality_signals(text, lang, words)
    applied, skipped = _thresholds.rules_for(table, signals["lang"])
    return {**_decide(signals, applied), "skipped": skipped}


def _decide(signals: dict[str, Any], rules: dict[str, Any]) -> dict[str, Any]:
    failed = _thresholds.check(signals, rules)
    signals["score"] = round(1 - len(failed) / (len(rules) or 1), 4)
    signals["failed"] = [{"rule": r, "value": v, "threshold": t} for r, v, t in failed]
    return signals


class Quality(Stage):
    """Heuristic quality filter (see :mod:`khlang.quality.thresholds` for the rules).

    Parameters: ``thresholds`` — per-language overrides deep-merged over the defaults, or the
    path of a YAML/JSON file holding them (``khlang tune`` writes one); ``dry_run`` — annotate
    (``would_drop``) instead of dropping. A document scored by the ``classify`` stage also has the
    signal ``classify_score``, which the rule ``min_classify_score`` reads.
    """

    name = "quality"

    def __init__(self, thresholds: dict[str, dict[str, Any]] | str | None = None, dry_run: bool = False) -> None:
        super().__init__()
        self.source = thresholds if isinstance(thresholds, str) else None
        self.overrides = _thresholds.read_file(thresholds) if self.source else (thresholds or {})
        self.table = _thresholds.merge(self.overrides)
        self.dry_run = bool(dry_run)
        self._rules: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}

    def params(self) -> dict[str, Any]:
        return {"thresholds": self.overrides, "dry_run": self.dry_run, **({"file": self.source} if self.source else {})}

    def rules(self, lang: str) -> tuple[dict[str, Any], dict[str, str]]:
        """(applied {rule: threshold}, skipped {rule: why}) for ``lang``; the first time a shard
        meets a language, both go to ``stats.info["rules"][lang]`` for the run record."""
        found = self._rules.get(lang)
        if found is None:
            found = self._rules[lang] = _thresholds.rules_for(self.table, lang)
        seen = self.stats.info.setdefault("rules", {})
        if lang not in seen:
            seen[lang] = {"applied": found[0], "skipped": found[1]}
            self.stats.info.setdefault("signals", {r: sig for r, (sig, _) in RULES.items()})
        return found

    def process(self, doc: Document) -> Document:
        lang = doc_lang(doc.text, doc.lang)
        words = doc_words(doc)
        signals = quality_signals(doc.text, lang, words)
        scored = doc.annotations.get("classify")
        if isinstance(scored, dict) and "score" in scored:
            signals["classify_score"] = scored["score"]
        applied, _ = self.rules(lang)
        record = _decide(signals, applied)
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
