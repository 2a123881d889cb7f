"""Active sampling: the documents whose next label teaches the most.

Two kinds of uncertain document in a corpus scored by the ``classify`` stage (and, for the
second kind, the ``quality`` stage in ``dry_run`` so nothing it would drop is missing):

* **band** – the classifier's score is within ``width`` of the threshold;
* **disagree** – the rules and the classifier disagree (the rules would drop a document the
  classifier keeps, or keep one it drops).

The sample is stratified by language: every language gets an equal share of ``n`` (a language
with fewer uncertain documents gives its unused share to the others), closest to the threshold
first within each kind, so a small language is not crowded out by a large one.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

SQL = """
SELECT id, text, lang,
       TRY_CAST(annotations->>'$.classify.score' AS DOUBLE) AS score,
       coalesce(json_array_length(annotations->'$.quality.would_drop'), 0) > 0
         OR (annotations->>'$.quality.dropped_by') IS NOT NULL AS rules_drop
FROM documents
WHERE TRY_CAST(annotations->>'$.classify.score' AS DOUBLE) IS NOT NULL
"""


def uncertain_docs(corpus_path: str | Path, threshold: float = 0.5, width: float = 0.15, n: int = 100,
                   disagree: bool = True) -> list[dict[str, Any]]:
    """Up to ``n`` uncertain documents (dicts with id, text, lang, score, why), stratified by language."""
    from ..store import Corpus

    if not 0 < threshold < 1 or not 0 < width < 1 or n < 1:
        raise ValueError("need 0 < threshold < 1, 0 < width < 1 and n >= 1")
    with Corpus(corpus_path, read_only=True) as corpus:
        rows = corpus.con.execute(SQL).fetchall()
    if not rows:
        raise ValueError(f"no document of {corpus_path} has a classifier score: run the classify stage first")
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc_id, text, lang, score, rules_drop in rows:
        near = abs(score - threshold) <= width
        split = disagree and (rules_drop == (score >= threshold))
        if near or split:
            why = "band" if near else ("rules drop, classifier keeps" if rules_drop else "rules keep, classifier drops")
            by_lang[lang or ""].append({"id": doc_id, "text": text, "lang": lang, "score": round(score, 4), "why": why})
    for docs in by_lang.values():
        docs.sort(key=lambda d: (d["why"] != "band", abs(d["score"] - threshold), d["id"]))
    picked: list[dict[str, Any]] = []
    langs = sorted(by_lang)
    while len(picked) < n and langs:
        share = max(1, (n - len(picked)) // len(langs))
        for lang in list(langs):
            take, by_lang[lang] = by_lang[lang][:share], by_lang[lang][share:]
            picked += take[: n - len(picked)]
            if not by_lang[lang]:
                langs.remove(lang)
    return picked


def create_project(db_url: str, name: str, docs: list[dict[str, Any]], labels: list[str],
                   overlap: int = 1, source: dict[str, Any] | None = None) -> int:
    """A single-label annotation project holding ``docs`` (through the annotation package's own
    project functions); returns its id."""
    from ..annotate.db import Database
    from ..annotate.projects import create_project as make
    from ..annotate.schema import make_schema

    if not docs:
        raise ValueError("no uncertain document to sample (widen --width or score more documents)")
    database = Database(db_url)
    try:
        with database.session() as db:
            project = make(db, name, make_schema(classification="single", labels=labels, rating=None, comment=True,
                                                 span_labels=[]),
                           [{"id": d["id"], "text": d["text"], "lang": d["lang"], "classify_score": d["score"],
                             "uncertain": d["why"]} for d in docs], overlap=overlap,
                           description="uncertain band: classifier score near the threshold, or rules and classifier disagree",
                           source=source or {})
            db.commit()
            return project.id
    finally:
        database.engine.dispose()
