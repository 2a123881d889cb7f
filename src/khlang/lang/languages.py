"""The language table: every per-language fact khlang uses, in one place.

One row per language the layer knows: its code, name, script (a key of
:data:`khlang.lang.scripts.SCRIPT_RANGES`), whether words are separated by spaces, the default
segmentation engine, other codes that mean it (ISO 639-2/3, BCP-47 variants), how stop words are
matched, and the row of quality thresholds where it differs from the defaults. Stop-word lists live
in ``lang/data/stopwords/<code>.txt`` (each file names its source and licence); Thai uses
PyThaiNLP's list. Word-length ranges are per script (:data:`WORD_LEN`), because a mean word length
says something only about words cut the same way.

Adding a language = one :class:`Language` row here (+ a stop-word file). Every rule that needs data
the row does not give (no stop-word list, no word-length range for its script) is *skipped* for that
language and reported as such by the quality stage — never silently passed, never a drop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    script: str
    spaced: bool  # words separated by spaces
    aliases: tuple[str, ...] = ()
    #: "word": a stop word is a whole token; "substring": counted in the text (scripts whose default
    #: segmenter yields syllables or clusters, and agglutinative Tamil, where particles attach)
    stop_word_match: str = "word"
    #: quality thresholds that differ from the defaults (rule → value; None switches a rule off)
    thresholds: dict[str, Any] = field(default_factory=dict)

    @property
    def segmenter(self) -> str:
        """The default engine of :mod:`khlang.lang.segment` for this language's script (that
        module's ``ENGINES`` owns the choice; this only reads it)."""
        from .segment import ENGINES

        return next(iter(ENGINES.get(self.script, ENGINES["latin"])))


#: Unspaced scripts cut by a segmenter: words are short, a compound term becomes 3–4 words (so its
#: repetitions are frequent 2-4-grams of good text), and Thai and Lao end no sentence with a stop.
_SEGMENTED = {
    "min_alpha_words_frac": 0.6,
    "max_top_2gram_frac": 0.25,
    "max_top_3gram_frac": 0.25,
    "max_top_4gram_frac": 0.22,
}
_NO_FULL_STOP = {"min_end_punct_lines_frac": None}

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in (
    Language("th", "Thai", "thai", False, ("tha",), "word", {**_SEGMENTED, **_NO_FULL_STOP}),
    Language("lo", "Lao", "lao", False, ("lao",), "substring", {**_SEGMENTED, **_NO_FULL_STOP}),
    Language("km", "Khmer", "khmer", False, ("khm",), "substring",
             {**_SEGMENTED, "min_end_punct_lines_frac": 0.05}),  # ។ ends sentences, not every line
    Language("my", "Burmese", "myanmar", False, ("mya", "bur"), "substring",
             {**_SEGMENTED, "min_end_punct_lines_frac": 0.05}),  # ။ likewise
    Language("vi", "Vietnamese", "latin", True, ("vie",),
             thresholds={"min_mean_word_len": 2, "max_mean_word_len": 8}),  # one syllable per space
    Language("id", "Indonesian", "latin", True, ("ind",)),
    Language("ms", "Malay", "latin", True, ("msa", "zsm", "may")),
    Language("tl", "Tagalog", "latin", True, ("tgl", "fil")),
    Language("ceb", "Cebuano", "latin", True),
    Language("jv", "Javanese", "latin", True, ("jav", "jw")),
    Language("su", "Sundanese", "latin", True, ("sun",)),
    Language("zh", "Chinese", "han", False, ("zho", "cmn", "chi", "yue"), "substring",
             {"min_alpha_words_frac": 0.6}),
    Language("en", "English", "latin", True, ("eng",)),
    Language("ta", "Tamil", "tamil", True, ("tam",), "substring",
             {"min_alpha_words_frac": 0.6}),
)}

#: Mean word length (code points) of running text, per script, as the script's default segmenter
#: cuts it: Latin from Gopher (3–10); Thai/Lao/Khmer/Burmese segmenter words and syllables are
#: 2–9. No range for Han (every character is a word) nor Tamil (the default segmenter splits Tamil
#: words at vowel signs today, so their length means nothing): those rules are skipped there.
WORD_LEN: dict[str, tuple[float, float]] = {
    "latin": (3, 10),
    "thai": (2, 9),
    "lao": (2, 9),
    "khmer": (2, 9),
    "myanmar": (2, 9),
}
#: Why a script has no range (shown in reports as the reason a rule was skipped).
NO_WORD_LEN = {
    "han": "every Han character counts as a word",
    "tamil": "the default segmenter cuts Tamil words at vowel signs",
}

_ALIASES = {alias: lang.code for lang in LANGUAGES.values() for alias in lang.aliases}


def norm_code(lang: str | None) -> str | None:
    """``th`` for ``th``, ``tha``, ``tha_Thai``, ``th-TH`` … (langid engines disagree on codes)."""
    if not lang:
        return None
    code = re.split(r"[_\-]", lang.strip().lower(), maxsplit=1)[0]
    return _ALIASES.get(code, code) or None


def get(lang: str | None) -> Language | None:
    """The row of ``lang`` (any code form), or None for a language the table does not know."""
    return LANGUAGES.get(norm_code(lang) or "")


@lru_cache(maxsize=None)
def stop_words(lang: str) -> frozenset[str]:
    """The stop-word set of ``lang`` (empty when the table has none)."""
    if lang == "th":
        from pythainlp.corpus import thai_stopwords

        return frozenset(thai_stopwords())
    try:
        text = resources.files(__package__).joinpath("data", "stopwords", f"{lang}.txt").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError, ValueError):
        return frozenset()
    return frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))


@lru_cache(maxsize=None)
def stop_word_regex(lang: str) -> re.Pattern | None:
    """An alternation of ``lang``'s stop words (longest first), for substring matching."""
    words = sorted(stop_words(lang), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


def word_len_range(lang: str | None) -> tuple[tuple[float, float] | None, str]:
    """(min, max) mean word length for ``lang``'s script, or (None, why there is none)."""
    row = get(lang)
    if row is None:
        return None, f"{lang!r} is not in the language table (no script, no word-length range)"
    if row.script in WORD_LEN:
        return WORD_LEN[row.script], ""
    return None, f"no word-length range for {row.script} script: {NO_WORD_LEN.get(row.script, 'no data')}"
