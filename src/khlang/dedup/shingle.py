"""Dedup shingles for a whole batch of texts at once, in NumPy, without a word segmenter.

MinHash only needs tokens that are *the same wherever the text is the same* and that an edit
changes only near the edit; it does not need linguistically right words. Dictionary segmentation
of Thai, Lao, Khmer and Burmese (the ``segment`` stage's engines) costs 100–1,000 µs per document
and was most of the near-dedup time, so shingles here are cut by rules that run over the code
points of a whole batch in a few vector operations:

* **spaced scripts** (Latin, Vietnamese, Tamil …): a token is a run of letters, digits and
  combining marks — words, punctuation never a token (as ``khlang.lang.segment.words``);
* **Han and kana**: every character is a token (as the ``han-char`` engine);
* **Thai, Lao, Khmer, Burmese**: *content-defined chunks*. A token ends between two characters of
  such a run (never before a combining vowel or tone mark) wherever a hash of that character pair
  (two random bytes picked by the characters, added) falls in one of :data:`CHUNK` buckets, so
  chunks average about :data:`CHUNK` characters (the length of a Thai word) and a cut depends only
  on the two characters around it: an edit moves only the cuts next to it, and the rest of the
  text keeps its tokens, which is what makes shingles of near-duplicates agree. (The same idea as
  content-defined chunking in rsync and backup tools, at the scale of characters.)

A shingle is ``ngram`` consecutive tokens of one document; each token is hashed once (a sum of
its code points times per-position random multipliers, then a 64-bit mixer) and n-grams are
combined as in :func:`khlang.dedup.minhash.hash_ngrams`. A document with fewer than ``ngram``
tokens falls back to character n-grams of its non-space characters (and to one shingle if
shorter still). The choice, and the precision and recall it gives on planted near-duplicates
against word-segmented shingles, is in docs/dedup.md.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Sequence

import numpy as np

#: Mean chunk length (characters) in Thai, Lao, Khmer and Burmese runs; a power of two.
CHUNK = 4
_GROUP = 256  # documents per vector pass
_SPACED, _CHUNKED, _EACH = 1, 2, 3  # token classes; 0: not part of any token
_MARK = 4  # added to _CHUNKED for a combining mark of those scripts (no cut before it)
_TABLE_SIZE = 0x30000  # the BMP and the supplementary ideographic planes; beyond: not a token
_BYTES = np.random.default_rng(0x63757473).integers(0, 256, size=(2, 256), dtype=np.uint8)
_CUT_PREV, _CUT_NEXT = _BYTES[0], _BYTES[1]  # by the low byte of the characters before/after a cut
_MIX = np.uint64(0x9E3779B97F4A7C15)
_MUL = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
#: per-position multipliers of a token's code points (position modulo 64)
_POS = np.random.default_rng(0x6B686C616E67).integers(1, 2**63, size=64, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


@lru_cache(maxsize=1)
def _classes() -> np.ndarray:
    """Token class of every code point below :data:`_TABLE_SIZE` (``class & 3``; combining marks
    of the chunked scripts have :data:`_MARK` added), built once per process in ~20 ms: ``re``
    marks the word characters of all code points in one pass, combining marks (Mn/Mc) are looked
    up in the BMP only."""
    every = np.arange(_TABLE_SIZE, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    word = np.frombuffer(re.sub(r"\w", "\x01", every).encode("utf-32-le", "surrogatepass"), dtype=np.uint32) == 1
    word[[0x01, ord("_")]] = False  # \x01 was there before; "_" is \w but no letter
    mark = np.zeros(_TABLE_SIZE, dtype=bool)
    other = np.flatnonzero(~word[:0x10000])
    mark[other] = [unicodedata.category(chr(cp)) in ("Mn", "Mc") for cp in other.tolist()]
    table = np.where(word | mark, _SPACED, 0).astype(np.uint8)
    for lo, hi in ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x19E0, 0x19FF),
                   (0xA9E0, 0xA9FF), (0xAA60, 0xAA7F)):  # Thai, Lao, Myanmar (+ext.), Khmer (+symbols)
        seg = table[lo : hi + 1]
        seg[seg == _SPACED] = _CHUNKED
        seg[mark[lo : hi + 1]] = _CHUNKED + _MARK
    for lo, hi in ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
                   (0x20000, _TABLE_SIZE - 1)):  # kana, CJK ideographs (+ext. A, compatibility, B–G)
        seg = table[lo : hi + 1]
        seg[seg == _SPACED] = _EACH
    return table


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place."""
    h ^= h >> np.uint64(30)
    h *= _MUL
    h ^= h >> np.uint64(27)
    h *= _MUL2
    h ^= h >> np.uint64(31)
    return h


def normalize(text: str) -> str:
    """What shingles see: NFC, case-folded."""
    return unicodedata.normalize("NFC", text).casefold()


def _tokens(norms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Token hashes of the concatenated texts (joined by one separator) with, per token, its
    document; plus the token-start flag and the in-token flag of every code point."""
    joined = "\n".join(norms)
    c = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    full = _classes().take(c, mode="clip")  # beyond the table: its last entry, unassigned (class 0)
    cls = full & np.uint8(3)
    start = np.empty(len(c), dtype=bool)
    start[0] = cls[0] != 0
    np.not_equal(cls[1:], cls[:-1], out=start[1:])
    start |= cls == _EACH
    in_tok = cls != 0
    start &= in_tok
    # a cut inside a Thai/Lao/Khmer/Burmese run, before a base character (never a combining mark),
    # where two random bytes picked by the low bytes of the two characters add up to 0 mod CHUNK
    low = c.astype(np.uint8)  # the low byte
    cut = _CUT_PREV.take(low[:-1]) + _CUT_NEXT.take(low[1:])
    cut &= np.uint8(CHUNK - 1)
    chunk_cut = cut == 0
    chunk_cut &= full[1:] == _CHUNKED
    chunk_cut &= cls[:-1] == _CHUNKED
    start[1:] |= chunk_cut
    first = np.flatnonzero(start)  # every token is a run of in-token characters from its start
    if not len(first):
        return np.empty(0, np.uint64), np.empty(0, np.int64), start, in_tok
    # from the first token on: each code point times the multiplier of its position in its token
    # (non-token points between tokens count 0), summed per token
    lengths = np.diff(first, append=len(c))
    pos = np.arange(first[0], len(c))
    pos -= np.repeat(first, lengths)
    vals = np.where(in_tok[first[0]:], c[first[0]:], 0).astype(np.uint64)
    vals *= _POS.take(pos, mode="wrap")
    tok_hash = _mix(np.add.reduceat(vals, first - first[0]))
    doc_starts = np.cumsum([0] + [len(t) + 1 for t in norms[:-1]])
    doc = np.searchsorted(doc_starts, first, side="right") - 1
    return tok_hash, doc, start, in_tok


def shingle_batch(texts: Sequence[str], ngram: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts: one flat uint64 array (document by document, in order, not
    deduplicated within a document: MinHash does not need it) and each document's count."""
    n = len(texts)
    if n == 0:
        return np.empty(0, np.uint64), np.zeros(0, np.int64)
    if n > _GROUP:  # arrays of a few hundred documents stay in the CPU caches: 1.3x faster than 2,000
        parts = [shingle_batch(texts[i : i + _GROUP], ngram) for i in range(0, n, _GROUP)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    norms = [normalize(t) for t in texts]
    tok, doc, _, _ = _tokens(norms)
    ntok = np.bincount(doc, minlength=n)
    m = len(tok) - ngram + 1
    if m > 0:
        acc = tok[:m].copy()
        for k in range(1, ngram):
            acc *= _MIX
            acc += tok[k : k + m]
        ok = doc[:m] == doc[ngram - 1 :]
        flat, lens = acc[ok], np.bincount(doc[:m][ok], minlength=n)
    else:
        flat, lens = np.empty(0, np.uint64), np.zeros(n, np.int64)
    short = np.flatnonzero(ntok < ngram)
    if len(short):  # too few tokens: character n-grams (rare; done one document at a time)
        from .minhash import hash_ngrams

        parts = np.split(flat, np.cumsum(lens)[:-1])
        for i in short:
            parts[i] = hash_ngrams(list("".join(norms[i].split())), ngram)
        lens = np.fromiter(map(len, parts), dtype=np.int64, count=n)
        flat = np.concatenate(parts) if n else flat
    return flat, lens.astype(np.int64)


def tokens(text: str) -> list[str]:
    """The tokens of one text as strings (for inspection and for peers in benchmarks)."""
    norm = normalize(text)
    _, _, start, in_tok = _tokens([norm])
    bounds = np.flatnonzero(np.diff(in_tok.astype(np.int8), prepend=0, append=0) | np.append(start, False))
    return [norm[a:b] for a, b in zip(bounds.tolist(), bounds[1:].tolist()) if in_tok[a]]
