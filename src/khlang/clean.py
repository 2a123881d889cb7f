"""``clean``: the language-independent first pass every document gets.

Unicode NFC, removal of zero-width and control characters, and whitespace / line-ending
normalisation. Language-aware fixes (Thai mark order, Zawgyi …) belong to ``normalize``.
"""

from __future__ import annotations

import re
import unicodedata

from .document import Document
from .stage import Stage

# Zero-width and invisible format characters that carry no meaning in running text. ZWJ/ZWNJ
# (U+200C/U+200D) are kept: Khmer, Burmese and Indic scripts use them for shaping.
_INVISIBLE = "\u200b\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# C0/C1 controls except tab and newline.
_CONTROL = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, *range(128, 160)])
# one regex substitution, not ``str.translate`` with a deletion table: translate looks every
# character up in a dict (~130 µs for a 2,300-character document); the regex scan is C-level
_DELETE = re.compile("[" + re.escape(_INVISIBLE + _CONTROL) + "]+")
_SPACE_CHARS = "\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"  # besides " "
# After the steps before it, these and "\n" are the only whitespace left (tests/test_clean.py
# checks every code point). A run of them becomes one space; a lone " " already is one, so the
# pattern leaves it alone (no replacement per word gap in spaced text).
_SPACES = re.compile(f" [ {_SPACE_CHARS}]+|[{_SPACE_CHARS}][ {_SPACE_CHARS}]*")
_LINE_EDGE_SPACE = re.compile(" \n ?|\n ")  # after _SPACES: the space a line strip removes
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str) -> tuple[str, dict[str, int]]:
    """Cleaned text and how many characters each rule changed (rule → count)."""
    counts: dict[str, int] = {}

    def apply(rule: str, new: str, old: str) -> str:
        if new != old:
            counts[rule] = counts.get(rule, 0) + max(1, abs(len(old) - len(new)))
        return new

    text = apply("line_endings", _LINE_BREAKS.sub("\n", text), text)
    text = apply("nfc", unicodedata.normalize("NFC", text), text)
    text = apply("invisible_chars", _DELETE.sub("", text), text)
    # every line's spaces collapsed and its ends stripped, over the whole text at once
    spaced = _LINE_EDGE_SPACE.sub("\n", _SPACES.sub(" ", text))
    spaced = spaced[1:] if spaced.startswith(" ") else spaced
    text = apply("whitespace", spaced[:-1] if spaced.endswith(" ") else spaced, text)
    text = apply("blank_lines", _MANY_BLANK_LINES.sub("\n\n", text).strip("\n"), text)
    return text, counts


class Clean(Stage):
    """NFC + invisible/control character removal + whitespace normalisation.

    Drops documents left empty (reason ``empty``), since an empty document is never training data.
    """

    name = "clean"

    def process(self, doc: Document) -> Document:
        doc.text, counts = clean_text(doc.text)
        doc.annotations["clean"] = counts
        if not doc.text:
            return self.drop(doc, "empty", "no text left after cleaning")
        return doc
