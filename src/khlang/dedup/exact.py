"""Exact deduplication across the whole corpus, in DuckDB.

Each document's text is normalised in SQL (NFC, case-folded, optionally without punctuation and
symbols, whitespace collapsed), hashed with MD5, and a window over the hash keeps one document per
group. Texts never enter Python, so the corpus may be larger than memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..executors import Executor
from ..runner import run_corpus_stage
from ..stage import CorpusStage, StageStats
from ..store import Corpus
from .common import KEEP_POLICIES, clear_outputs, count_documents, keep_order, write_results


def normalized_sql(column: str = "text", casefold: bool = True, ignore_punctuation: bool = False) -> str:
    """SQL expression for the text that two exact duplicates share."""
    expr = f"nfc_normalize({column})"
    if casefold:
        expr = f"lower({expr})"
    if ignore_punctuation:  # Unicode punctuation (\pP) and symbols (\pS), e.g. Thai ฯ ๆ, CJK 。
        expr = rf"regexp_replace({expr}, '[\pP\pS]+', ' ', 'g')"
    return rf"trim(regexp_replace({expr}, '\s+', ' ', 'g'))"


class ExactDedup(CorpusStage):
    """Drop documents whose normalised text equals an earlier one's (``reason = duplicate``).

    Parameters: ``casefold`` (default true), ``ignore_punctuation`` (default false) and ``keep``
    (``earliest`` | ``longest`` | ``best_quality``; which copy survives).
    """

    name = "dedup_exact"

    def __init__(self, casefold: bool = True, ignore_punctuation: bool = False, keep: str = "earliest") -> None:
        super().__init__()
        keep_order(keep)  # validate now, not after the shards are written
        self.casefold, self.ignore_punctuation, self.keep = bool(casefold), bool(ignore_punctuation), keep

    def params(self) -> dict[str, Any]:
        return {"casefold": self.casefold, "ignore_punctuation": self.ignore_punctuation, "keep": self.keep}

    def run(self, corpus: Corpus, run_id: str, executor: Executor | None = None) -> StageStats:
        clear_outputs(corpus, self.name, run_id)
        docs_in = count_documents(corpus)
        key = normalized_sql("text", self.casefold, self.ignore_punctuation)
        # DISTINCT: a cluster counts documents (ids), never two rows of one id
        members = f"""
            SELECT id, first_value(id) OVER (PARTITION BY h ORDER BY id) AS cluster_id
            FROM (SELECT id, h, count(*) OVER (PARTITION BY h) AS n
                  FROM (SELECT DISTINCT id, md5({key}) AS h FROM documents))
            WHERE n > 1
        """
        dropped = write_results(corpus, self.name, run_id, members, self.keep, "exact duplicate of ")
        stats = StageStats(docs_in=docs_in, docs_out=docs_in - dropped)
        if dropped:
            stats.dropped["duplicate"] = dropped
        return stats


def dedup_exact(
    corpus: str | Path | Corpus,
    *,
    casefold: bool = True,
    ignore_punctuation: bool = False,
    keep: str = "earliest",
    run_id: str | None = None,
) -> StageStats:
    """Exact-deduplicate an existing corpus folder in place (drops go to ``dropped``)."""
    stage = ExactDedup(casefold=casefold, ignore_punctuation=ignore_punctuation, keep=keep)
    return run_corpus_stage(stage, corpus, run_id)


__all__ = ["ExactDedup", "dedup_exact", "normalized_sql", "KEEP_POLICIES"]
