"""Corpus statistics: what ``khlang stats`` prints and the report, token counts and the export's
data card build on (SQL fragments and queries over the catalog; no rendering here)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from .store import Corpus

#: Words per document: the segmenter's count when it ran, else whitespace-separated tokens (which
#: undercounts Thai, Lao, Khmer and Burmese, written without spaces between words).
WORDS_SQL = (
    "coalesce(TRY_CAST(annotations->>'$.segment.n_words' AS BIGINT), "
    "len(string_split_regex(trim(text), '\\s+')))"
)
LANG_SQL = "coalesce(lang, '(unknown)')"


def has_annotation(corpus: Corpus, section: str) -> bool:
    """Does any kept document carry ``annotations.<section>`` (did that stage run)?"""
    return bool(corpus.con.execute(
        f"SELECT count(*) FROM documents WHERE json_exists(annotations, '$.{section}')").fetchall()[0][0])


def key_counts(corpus: Corpus, section: str) -> pd.DataFrame:
    """Sum ``annotations.<section>.{key: number}`` over the corpus by language: columns
    ``lang, key, docs, count`` (docs = documents where the key is non-zero)."""
    return corpus.con.execute(f"""
        WITH kv AS (
            SELECT {LANG_SQL} AS lang, k AS key,
                   TRY_CAST(json_extract_string(annotations, '$.{section}."' || k || '"') AS DOUBLE) AS v
            FROM (SELECT lang, annotations, unnest(json_keys(annotations, '$.{section}')) AS k
                  FROM documents WHERE json_exists(annotations, '$.{section}')))
        SELECT lang, key, count(*) FILTER (WHERE v <> 0) AS docs, sum(v) AS count
        FROM kv WHERE v IS NOT NULL GROUP BY ALL ORDER BY count DESC, lang, key""").df()


def stage_info(corpus: Corpus, stage: str) -> dict[str, Any]:
    """What ``stage`` recorded about how it worked (``StageStats.info``), merged over the finished
    runs, later runs winning: e.g. the quality stage's ``rules`` ({lang: {applied, skipped}}) and
    ``signals`` (rule → signal)."""
    from .stage import StageStats

    merged = StageStats()
    for (stages,) in corpus.con.execute(
            "SELECT stages FROM runs WHERE status = 'done' AND stages IS NOT NULL ORDER BY started_at").fetchall():
        st = json.loads(stages).get(stage)
        if st:
            merged.merge(StageStats.from_dict(st))
    return merged.info


def corpus_stats(corpus: Corpus) -> dict[str, list[dict[str, Any]]]:
    """Documents and characters by source kind, by language, and by stage outcome."""

    return {
        "by_source_kind": corpus.rows(
            "SELECT source_kind, count(*) AS docs, coalesce(sum(n_chars), 0) AS chars "
            "FROM documents GROUP BY 1 ORDER BY docs DESC, 1"
        ),
        "by_lang": corpus.rows(
            "SELECT coalesce(lang, '(unknown)') AS lang, count(*) AS docs, "
            "coalesce(sum(n_chars), 0) AS chars FROM documents GROUP BY 1 ORDER BY docs DESC, 1"
        ),
        "by_outcome": corpus.rows(
            "SELECT 'kept' AS stage, 'kept' AS reason, count(*) AS docs, "
            "coalesce(sum(n_chars), 0) AS chars FROM documents "
            "UNION ALL SELECT stage, reason, count(*), coalesce(sum(length(text)), 0) FROM dropped "
            "GROUP BY ALL ORDER BY docs DESC, stage, reason"
        ),
    }
