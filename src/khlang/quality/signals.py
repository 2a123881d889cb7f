"""Quality signals: the numbers the Gopher / C4 / FineWeb heuristics look at, for one text.

Everything is computed from three views of the text, each built once: its words (from a
segmenter for unspaced scripts), its non-empty lines and its paragraphs. Counting is done by
C-level helpers (``Counter``, ``re``; NumPy for the n-gram repetition signals) so the
per-document cost stays near the cost of segmenting it.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import compress
from operator import itemgetter, not_
from typing import Any

import numpy as np

from ..lang import languages
from . import lexicon

# --- words -----------------------------------------------------------------------------------

def fallback_words(text: str, lang: str | None = None) -> list[str]:
    """Words when no ``segment`` stage ran in this pass: the language layer's
    :func:`khlang.lang.segment.words` (each script run to its own segmenter — Thai, Lao, Khmer,
    Burmese, Han one character per word, spaced scripts by whitespace)."""
    from ..lang.segment import words

    return words(text, lang)


def doc_words(doc: Any) -> list[str]:
    """The words of ``doc``: the ``segment`` stage's list when it ran earlier in this pass
    (``doc.cache["words"]``), else :func:`fallback_words` (cached for later stages)."""
    words = doc.cache.get("words")
    if words is None:
        words = doc.cache["words"] = fallback_words(doc.text, doc.lang)
    return words


# --- language ----------------------------------------------------------------------------------


def doc_lang(text: str, lang: str | None) -> str:
    """``lang`` in its table form (``tha`` → ``th``); when no langid ran, the language layer's
    detector decides (:func:`khlang.lang.langid.detect`)."""
    code = languages.norm_code(lang)
    if code:
        return code
    from ..lang.langid import detect

    return detect(text)[0]


# --- signals -----------------------------------------------------------------------------------

_HAS_ALNUM = re.compile(r"\w")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_SYMBOLS = re.compile(r"#|\.\.\.|…")
_BULLET = ("•", "●", "○", "▪", "■", "□", "◦", "‣", "➤", "►", "▶", "✓", "✔", "-", "*", "·")
_ELLIPSIS = ("...", "…")
_END_PUNCT = tuple('.!?"”’\')»:;។။。！？…')
_PARAS = re.compile(r"\n\s*\n")
_LOREM = re.compile(r"lorem ipsum", re.IGNORECASE)
SHORT_LINE_CHARS = 30
#: Below this many words the n-gram repetition signals are None (rules skip them): in a 20-word
#: text one repeated 3-gram already covers a quarter of the characters.
NGRAM_MIN_WORDS = 50
#: Below this many lines the end-punctuation fraction is None: in a text of one or two long lines
#: (a pasted review, a paragraph) it says only how one sentence ends, not whether lines are prose.
END_PUNCT_MIN_LINES = 3


def quality_signals(text: str, lang: str | None = None, words: list[str] | None = None) -> dict[str, Any]:
    """All quality signals of ``text`` (a flat dict of numbers; see docs/quality-pii.md).

    ``lang`` picks the stop-word list (detected when None); ``words`` is the segmented word list if
    the caller has one (else :func:`fallback_words`).
    """
    lang = doc_lang(text, lang)
    if words is None:
        words = fallback_words(text, lang)
    tokens = list(filter(str.strip, words or ()))  # a segmenter may keep whitespace tokens
    words, n_letter_tokens = _word_tokens(tokens)
    n_words = len(words)
    word_chars = sum(map(len, words))
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    n_lines = len(lines)

    s: dict[str, Any] = {"lang": lang, "n_chars": len(text), "n_words": n_words,
                         "n_lines": len(lines)}
    s["mean_word_len"] = round(word_chars / n_words, 4) if n_words else None  # None: min_words decides
    s["symbol_word_ratio"] = _ratio(len(_SYMBOLS.findall(text)), n_words)
    s["alpha_words_frac"] = _ratio(n_letter_tokens, len(tokens))
    s["stop_words"] = _count_stop_words(tokens, text, lang)
    s["spam_words_frac"] = _ratio(lexicon.spam_terms(text), n_words)
    s["bullet_lines_frac"] = _ratio(sum(ln.startswith(_BULLET) for ln in lines), n_lines)
    s["ellipsis_lines_frac"] = _ratio(sum(ln.endswith(_ELLIPSIS) for ln in lines), n_lines)
    s["end_punct_lines_frac"] = (_ratio(sum(ln.endswith(_END_PUNCT) for ln in lines), n_lines)
                                 if n_lines >= END_PUNCT_MIN_LINES else None)
    s["short_lines_frac"] = _ratio(sum(len(ln) <= SHORT_LINE_CHARS for ln in lines), n_lines)
    s["boilerplate_lines_frac"] = _ratio(sum(map(is_boilerplate, lines)), n_lines)
    s["dup_line_frac"], s["dup_line_char_frac"] = _dup_fracs(lines)
    paras = [p.strip() for p in _PARAS.split(text)]
    s["dup_para_frac"], s["dup_para_char_frac"] = _dup_fracs([p for p in paras if p])
    if n_words >= NGRAM_MIN_WORDS:
        s.update(_ngram_signals(words, word_chars))
    else:  # None: too few words for n-gram statistics to mean much
        s.update({f"top_{n}gram_frac": None for n in (2, 3, 4)})
        s.update({f"dup_{n}gram_frac": None for n in range(5, 11)})
    s["lorem_ipsum"] = len(_LOREM.findall(text))
    return s


def _word_tokens(tokens: list[str]) -> tuple[list[str], int]:
    """The tokens holding a letter or digit (the words), and how many tokens hold a letter.

    A regex search per token costs ~60 µs per document for each of the two; but a token whose
    first character is alphanumeric holds one (``str.isalnum`` ⇒ ``\\w``), one whose first
    character is alphabetic holds a letter (``str.isalpha`` ⇒ ``[^\\W\\d_]``), and segmenters
    give words, which nearly always start so: the first characters are tested together, and
    only the tokens that fail are searched."""
    firsts = "".join(map(_FIRST, tokens))  # tokens are non-empty (stripped)
    words = tokens if firsts.isalnum() else list(filter(_HAS_ALNUM.search, tokens))
    if firsts.isalpha():
        return words, len(tokens)
    rest = list(compress(tokens, map(not_, map(str.isalpha, firsts))))
    return words, len(tokens) - len(rest) + len(list(filter(_HAS_LETTER.search, rest)))


_FIRST = itemgetter(0)


def is_boilerplate(line: str) -> bool:
    """Is this (stripped, non-empty) line page furniture rather than content?"""
    n = len(line)
    if n <= lexicon.ANYWHERE_MAX_CHARS and lexicon.ANYWHERE_RE.search(line):
        return True
    if n <= lexicon.LEAD_MAX_CHARS and lexicon.LEAD_RE.match(line):
        return True
    if n <= lexicon.MENU_MAX_CHARS:
        if sum(map(line.count, ">|»›")) >= 2 and lexicon.CRUMBS_RE.match(line + " > "):
            return True
        letters = lexicon.FILLER_RE.sub("", line)  # no letters: symbol soup, not page furniture
        rest = lexicon.FILLER_RE.sub("", lexicon.MENU_WORDS_RE.sub("", line))
        return bool(letters) and len(rest) <= 0.3 * len(letters)
    return False


def _ratio(a: float, b: float) -> float | None:
    """a / b to 4 places; None when b is 0 (a ratio over nothing: the rule has nothing to judge)."""
    return round(a / b, 4) if b else None


def _count_stop_words(tokens: list[str], text: str, lang: str) -> int:
    row = languages.get(lang)
    if row is not None and row.stop_word_match == "substring":
        rx = languages.stop_word_regex(lang)
        return len(rx.findall(text)) if rx else 0
    stops = languages.stop_words(lang)
    if not stops:
        return 0
    if lang != "th":
        return sum(map(stops.__contains__, map(str.lower, tokens)))
    return sum(map(stops.__contains__, tokens))


def _dup_fracs(items: list[str]) -> tuple[float, float]:
    """Gopher: fraction of items that repeat an earlier one, and of characters in them."""
    if not items:
        return 0.0, 0.0
    counts = Counter(items)
    if len(counts) == len(items):
        return 0.0, 0.0
    dup_items = sum(c - 1 for c in counts.values())
    dup_chars = sum(len(item) * (c - 1) for item, c in counts.items())
    return _ratio(dup_items, len(items)), _ratio(dup_chars, sum(map(len, items)))


def _ngram_signals(words: list[str], word_chars: int) -> dict[str, float]:
    """Gopher's n-gram repetition signals: ``top_{2,3,4}gram_frac`` (characters covered by the most
    frequent n-gram; among equally frequent ones the first to occur) and ``dup_{5..10}gram_frac``
    (characters of words inside an n-gram that occurred earlier).

    In NumPy, level by level: an n-gram can repeat only where its (n-1)-gram does, so each level
    looks only at the positions whose (n-1)-gram occurs more than once (under half the words at
    n = 2, a few at n = 4 in ordinary text) — no sort over every position at every n. Every word
    gets the position of its first occurrence as id, and an n-gram is keyed by (first position
    of its (n-1)-gram, id of its last word): equal keys exactly when the n-grams are equal, no
    hash collisions. tests/test_quality.py checks it against the plain per-n formulation."""
    m = len(words)
    lens = np.fromiter(map(len, words), dtype=np.int64, count=m)
    first_seen: dict[str, int] = {}
    ids = np.fromiter(map(first_seen.setdefault, words, range(m)), dtype=np.int64, count=m)
    out: dict[str, float] = {}
    # positions whose (n-1)-gram occurs more than once, and where that (n-1)-gram first occurs
    cand = np.flatnonzero(np.bincount(ids, minlength=m)[ids] >= 2)
    first = ids[cand]
    frac = 1.0
    for n in range(2, 11):
        if n >= 5 and not frac:  # no repeated n-gram ⇒ no repeated longer one
            out[f"dup_{n}gram_frac"] = frac
            continue
        keep = cand <= m - n  # an n-gram starts there
        cand, first = cand[keep], first[keep]
        value = 0.0
        key = first * m + ids[cand + (n - 1)]
        order = np.argsort(key)
        sk = key[order]
        same = sk[1:] == sk[:-1]  # sorted neighbours holding the same n-gram
        if same.any():
            new = np.empty(len(sk) + 1, dtype=bool)  # a group of equal n-grams starts here (+ the end)
            new[0] = new[-1] = True
            np.logical_not(same, out=new[1:-1])
            edges = np.flatnonzero(new)
            starts, counts = edges[:-1], edges[1:] - edges[:-1]
            members = cand[order]
            group_first = np.minimum.reduceat(members, starts)
            if n <= 4:
                top = int(counts.max())
                start = int(group_first[counts == top].min())
                value = _ratio(top * int(lens[start : start + n].sum()), word_chars) if word_chars else 0.0
            shared = np.zeros(len(sk), dtype=bool)  # in a group of two or more
            shared[:-1] = same
            shared[1:] |= same
            cand, first = members[shared], group_first[(np.cumsum(new[:-1]) - 1)[shared]]
            if n >= 5:
                repeats = cand[first != cand]
                edge = np.zeros(m + 1, dtype=np.int64)  # +1 where a repeat starts, -1 where it ends
                edge[repeats] += 1
                edge[repeats + n] -= 1
                value = _ratio(int(lens[np.cumsum(edge[:m]) > 0].sum()), word_chars)
        else:  # every n-gram once: so every longer one too
            cand = cand[:0]
        if n >= 5:
            frac = value
        out[f"top_{n}gram_frac" if n <= 4 else f"dup_{n}gram_frac"] = value
    return out
