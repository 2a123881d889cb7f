"""Which writing system each character belongs to, and text cut into runs of one script.

Everything language-aware starts here: Thai, Lao, Khmer, Burmese, Tamil and Han text can be told
apart by code point alone, so script runs are both the first step of language identification and
the unit each segmentation engine gets. Characters common to all scripts (spaces, digits,
punctuation) join the run before them, so runs cover the text without gaps.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import numpy as np

#: Script name → character class (regex syntax). Order matters only for readability.
SCRIPT_RANGES: dict[str, str] = {
    "thai": "\u0e00-\u0e7f",
    "lao": "\u0e80-\u0eff",
    "khmer": "\u1780-\u17ff\u19e0-\u19ff",
    "myanmar": "\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f",
    "tamil": "\u0b80-\u0bff",
    "han": "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f",
    "kana": "\u3040-\u30ff\u31f0-\u31ff",
    "hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "latin": "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff",
}
#: Letters of any other script (Cyrillic, Arabic, Devanagari …).
OTHER = "other"
COMMON = "common"

_NAMED = "".join(SCRIPT_RANGES.values())
_NAMES = tuple(SCRIPT_RANGES)
_OPENERS = "([{\"'“‘«「『"  # an opening bracket or quote goes with the run it opens


class Run(NamedTuple):
    """A maximal stretch of one script: ``text[start:end]`` (code points)."""

    start: int
    end: int
    script: str


def script_counts(text: str) -> dict[str, int]:
    """Letters per script in ``text`` (only scripts that occur, in :data:`SCRIPT_RANGES` order).

    One pass for all scripts: the code points as a NumPy array, each mapped to its script
    through a lookup table, then counted — about a tenth of the time of one regex scan per
    script on a 2,000-character document, and every stage asks (normalise, langid).
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _script_table()
    counts = np.bincount(table[np.minimum(codes, len(table) - 1)], minlength=len(_NAMES) + 1)
    return {_NAMES[k]: int(counts[k]) for k in np.flatnonzero(counts[:-1])}


@lru_cache(maxsize=1)
def _script_table() -> np.ndarray:
    """Code point → index of its script in :data:`SCRIPT_RANGES` (``len(SCRIPT_RANGES)`` for
    none), up to the highest code point any script names; the last entry stands for all above."""
    spans = {name: _class_ranges(chars) for name, chars in SCRIPT_RANGES.items()}
    top = max(end for ranges in spans.values() for _, end in ranges)
    table = np.full(top + 2, len(_NAMES), dtype=np.uint8)
    for k, ranges in enumerate(spans.values()):
        for start, end in ranges:
            if (table[start : end + 1] != len(_NAMES)).any():
                raise ValueError(f"script ranges overlap in {_NAMES[k]}: {start:#x}-{end:#x}")
            table[start : end + 1] = k
    return table


def _class_ranges(chars: str) -> list[tuple[int, int]]:
    """(first, last) code points of a regex character class body such as ``A-Za-z\u00c0``."""
    out, i = [], 0
    while i < len(chars):
        if i + 2 < len(chars) and chars[i + 1] == "-":
            out.append((ord(chars[i]), ord(chars[i + 2])))
            i += 3
        else:
            out.append((ord(chars[i]), ord(chars[i])))
            i += 1
    return out


@lru_cache(maxsize=8)  # langid's detect() and spans() and the segmenter cut the same document
def runs(text: str) -> tuple[Run, ...]:
    """Cut ``text`` into script runs covering it entirely (shared through a small cache: the
    runs of the document the pipeline is on are asked for by several stages).

    Common characters (spaces, digits, punctuation) are attached to the preceding run — except an
    opening bracket or quote right before a new script, which goes with the text it opens, so
    "(Artificial Sun)" is one Latin run. Letters of scripts we do not name become ``other``.
    """
    marks = _letter_stretches(text)
    if not marks:
        return (Run(0, len(text), COMMON),) if text else ()
    # each run starts where its letters do — or earlier, at an opening bracket/quote right before
    # them — and ends where the next begins; the first starts at 0, the last ends with the text
    begins = [0]
    for (_, gap_start, _), (start, _, _) in zip(marks, marks[1:]):
        while start > gap_start and text[start - 1] in _OPENERS:
            start -= 1
        begins.append(start)
    begins.append(len(text))
    out: list[list] = []
    for (_, _, script), begin, stop in zip(marks, begins, begins[1:]):
        if out and out[-1][2] == script:  # neighbours of one script (possible after bracket moves)
            out[-1][1] = stop
        elif stop > begin:
            out.append([begin, stop, script])
    return tuple(map(Run._make, out))


def _letter_stretches(text: str) -> list[list]:
    """[start, end, script] of each stretch of letters of one script, the common characters
    between them included: a new stretch starts wherever the next letter (a character of a
    named script, or any other letter: ``other``) belongs to another script than the last one.

    From code points: each character's script through :func:`_script_table` (one NumPy lookup,
    as :func:`script_counts` does), the letters of unnamed scripts marked by one scan of a
    negated class, and the stretches cut where neighbouring letters change script — a third of
    the time of the equivalent regex (one alternative per script, tried at every position;
    tests/test_langid_fast_paths.py checks the two agree)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _script_table()
    labels = table[np.minimum(codes, len(table) - 1)]
    # letters of unnamed scripts (Cyrillic, Arabic, Devanagari …) are among the non-ASCII
    # characters of no named script: usually a few quotes, dashes and symbols, tested one by one
    # ([^\W\d_] is alphanumeric and not a decimal digit); many of them: one regex scan
    maybe = np.flatnonzero((labels == _COMMON_LABEL) & (codes > 127))
    if len(maybe) > 32:
        for m in _OTHER_LETTERS.finditer(text):
            labels[m.start() : m.end()] = _OTHER_LABEL
    else:
        for i in maybe.tolist():
            if text[i].isalnum() and not text[i].isdecimal():
                labels[i] = _OTHER_LABEL
    at = np.flatnonzero(labels != _COMMON_LABEL)  # the letters
    if len(at) == 0:
        return []
    script = labels[at]
    cut = np.flatnonzero(script[1:] != script[:-1]) + 1  # first letter of each stretch but the first
    first = np.concatenate(([0], cut))
    last = np.concatenate((cut, [len(at)])) - 1
    return [[s, e, _LABEL_NAMES[k]] for s, e, k in zip(at[first].tolist(), (at[last] + 1).tolist(), script[first].tolist())]


_COMMON_LABEL = len(_NAMES)  # what _script_table gives a character of no named script
_OTHER_LABEL = len(_NAMES) + 1
_LABEL_NAMES = (*_NAMES, COMMON, OTHER)  # label → script name
# letters ([^\W\d_]) outside every named script
_OTHER_LETTERS = re.compile(f"[^\\W\\d_{_NAMED}]+")
