"""Corpus statistics: what ``khlang stats`` prints and the report builds on."""

from __future__ import annotations

from typing import Any

from .store import Corpus


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
