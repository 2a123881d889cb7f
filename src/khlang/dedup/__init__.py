"""Deduplication at corpus scale: exact (``dedup_exact``) and MinHash near-duplicate
(``dedup_minhash``) corpus stages, plus the same as plain functions. See docs/dedup.md."""

from .exact import ExactDedup, dedup_exact, normalized_sql
from .minhash import (
    MinhashDedup,
    candidate_probability,
    dedup_minhash,
    lsh_params,
    near_duplicates,
    shingle_tokens,
    shingles,
    signatures,
)

__all__ = [
    "ExactDedup", "MinhashDedup", "candidate_probability", "dedup_exact", "dedup_minhash", "lsh_params",
    "near_duplicates", "normalized_sql", "shingle_tokens", "shingles", "signatures",
]
