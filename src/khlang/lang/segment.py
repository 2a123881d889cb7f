"""Word and sentence segmentation for every script of the region, one engine per script.

Thai, Lao, Khmer and Burmese are written without spaces between words, so each needs its own
segmenter; Vietnamese separates syllables, not words; Chinese has no spaces at all. :func:`words`
cuts mixed text into script runs (:mod:`.scripts`) and gives each run to its script's engine:

=========  =====================  ==========================================================
script     default engine         other engines (pass ``engine=NAME``)
=========  =====================  ==========================================================
Thai       ``thai-words``         ``nlpo3`` (newmm in Rust with PyThaiNLP's full dictionary),
                                  ``newmm`` (PyThaiNLP's Python newmm; same algorithm, ~4x slower)
Lao        ``laonlp``             ``lao-icu`` (ICU's dictionary: as accurate, ~4x faster),
                                  ``lao-syllable`` (LaoNLP syllables)
Khmer      ``khmernltk``          ``khmer-cluster`` (orthographic syllables)
Burmese    ``burmesenlp``         ``my-syllable`` (syllables)
Han        ``han-char``           —
Latin etc. ``whitespace``         ``pyvi`` (Vietnamese words, for ``lang="vi"``)
=========  =====================  ==========================================================

Thai, Lao, Khmer and Burmese default to words, not syllables: word counts and stop-word ratios
are only comparable across languages when every token is a word. Measured on
externally written gold text in ``bench/segment.py`` (numbers in the README).

Tokens never contain only whitespace or punctuation: they are what quality filters count, so the
token stream must be words. (Dedup shingles use cheaper tokens of their own: :mod:`khlang.dedup.shingle`.)

The Lao, Khmer and Burmese defaults give exactly their library's tokens, computed by khlang's own
code from the library's dictionary or model: :mod:`.lao_maxmatch` (LaoNLP), :mod:`.khmer_crf`
(khmer-nltk) and :mod:`.myanmar_words` (burmesenlp), 2-7x faster (by script and text) and loading in a
fraction of the time (tests compare with the libraries; ``bench/segment_identity.py`` with an
older revision). Models and dictionaries load once per process, at the first text of their
script, so a worker that never sees Khmer never loads the Khmer model.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .scripts import runs

_HAS_WORD = re.compile(r"\w")
_LATIN_WORD = re.compile(r"[^\W_]+(?:['’\-.][^\W_]+)*")
# Khmer orthographic syllable: consonant (+ subscripts) + vowel signs, then a final consonant
# when one follows a vowel and carries no vowel or subscript of its own (ទេស, not ទេ + ស).
_KM_C, _KM_V, _KM_S = "\u1780-\u17b3", "\u17b6-\u17c5", "\u17c6-\u17d1\u17d3\u17dd"
_KHMER_CLUSTER = re.compile(
    f"[{_KM_C}](?:\u17d2[{_KM_C}])*(?:[{_KM_V}][{_KM_V}{_KM_S}]*"
    f"(?:[{_KM_C}](?![{_KM_V}\u17d2\u17c9\u17ca])[{_KM_S}]*)?|[{_KM_S}]*)"
    "|[\u17e0-\u17e9]+|[^\\W_]+"
)
# a Burmese syllable starts at a consonant/independent vowel that is not stacked under the previous
# one (after U+1039) and does not itself carry asat/stacker (then it closes the previous syllable)
_MY_BREAK = re.compile(
    "(?<!\u1039)(?=[\u1000-\u102a\u103f\u104c-\u104f](?![\u103b-\u103e\u1037]*[\u103a\u1039]))"
)


@lru_cache(maxsize=None)
def _thai(engine: str) -> Callable[[str], list[str]]:
    from pythainlp.tokenize import word_tokenize

    return lambda text: word_tokenize(text, engine=engine, keep_whitespace=False)


_local = threading.local()  # an ICU break iterator holds its text: one per thread


def _lao_break_iterator():
    if not hasattr(_local, "lao"):
        import icu  # pyicu-wheels: ICU's Lao word dictionary ships inside the wheel

        _local.lao = icu.BreakIterator.createWordInstance(icu.Locale("lo"))
    return _local.lao


def _lao_icu(text: str) -> list[str]:
    """ICU's dictionary word break for Lao (word F1 within 0.01 of LaoNLP's on bench/data/seg_lo.txt)."""
    it = _lao_break_iterator()
    it.setText(text)
    bounds = [0, *it]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


# Thai particles and function words that human segmenters (wisesight-1000's gold) cut off as words
# of their own, while PyThaiNLP's dictionary also lists many of their compounds (ตอนนี้, ไม่ต้อง,
# ทุกวัน): such compounds are left out of the thai-words dictionary. The lists were chosen while
# reading segmentation errors on the dev set, so expect a smaller gain on other text.
# Nominalised compounds (การสื่อสาร, ความรู้) stay whole, as in BEST's guidelines.
_TH_SUFFIXES = ("นี้", "นั้น", "ได้", "กว่า", "คะ", "ค่ะ", "ครับ", "นะ", "ไหน", "แล้ว", "ไป", "มา", "กัน",
                "ด้วย", "เลย")
_TH_PREFIXES = ("ไม่", "ทุก", "ก็", "ที่", "จะ", "ได้", "ให้", "อยาก")
_TH_ELONGATION = re.compile(r"([\u0e01-\u0e2e\u0e48-\u0e4c])\1*")


@lru_cache(maxsize=1)
def _thai_words_dict() -> str:
    """Load the thai-words dictionary into nlpo3 once per process; returns its nlpo3 name."""
    import tempfile

    import nlpo3
    from pythainlp.corpus import thai_words

    words = set(thai_words())

    def compound(w: str) -> bool:
        return any(w.endswith(a) and w[: -len(a)] in words for a in _TH_SUFFIXES if len(w) > len(a)) or any(
            w.startswith(a) and w[len(a):] in words for a in _TH_PREFIXES if len(w) > len(a))

    # only words with one of the affixes can be compounds: one C-level test each finds them
    compounds = {w for w in words if (w.endswith(_TH_SUFFIXES) or w.startswith(_TH_PREFIXES)) and compound(w)}
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write("\n".join(sorted(words - compounds)))
    nlpo3.load_dict(f.name, "khlang-thai-words")
    Path(f.name).unlink()
    return "khlang-thai-words"


def _thai_words(text: str) -> list[str]:
    """nlpo3 on the thai-words dictionary; a run of one repeated letter typed for emphasis
    (มากกกก) stays on its word, and the repetition mark ๆ is a word of its own."""
    import nlpo3

    tokens = nlpo3.segment(text, _thai_words_dict())
    if "ๆ" not in text and not any(map(_TH_ELONGATION.fullmatch, tokens[1:])):
        return tokens  # nothing to join or split (most texts): no Python loop over the tokens
    out: list[str] = []
    for tok in tokens:
        if out and _TH_ELONGATION.fullmatch(tok) and out[-1].endswith(tok[0]):
            out[-1] += tok
        elif len(tok) > 1 and tok.endswith("ๆ") and tok.strip("ๆ"):
            stem = tok.rstrip("ๆ")
            out += [stem, tok[len(stem):]]
        else:
            out.append(tok)
    return out


def _laonlp(text: str) -> list[str]:
    """LaoNLP's maximal matching: the same tokens as ``laonlp.tokenize.word_tokenize``, found by
    :mod:`.lao_maxmatch` (2-3x faster, loaded without importing LaoNLP)."""
    from .lao_maxmatch import segmenter

    return segmenter().segment(text)


def _lao_syllable(text: str) -> list[str]:
    from laonlp.tokenize import syllable_tokenize

    return syllable_tokenize(text)


def _khmer_cluster(text: str) -> list[str]:
    return _KHMER_CLUSTER.findall(text)


def _khmernltk(text: str) -> list[str]:
    """khmer-nltk's CRF word segmentation: the same tokens as ``khmernltk.word_tokenize``, with the
    CRF run by :mod:`.khmer_crf` (2.5-6x faster, and without loading sklearn-crfsuite)."""
    from .khmer_crf import model

    return model().segment(text)


def _my_syllable(text: str) -> list[str]:
    return [s for chunk in text.split() for s in _MY_BREAK.split(chunk) if s]


def _burmesenlp(text: str) -> list[str]:
    """Longest-match words over syllables: the same tokens as burmesenlp's ``longest`` engine,
    found by :mod:`.myanmar_words` (2.5-5x faster). burmesenlp's own ``word_tokenize``
    normalises first and so may return strings that are not in ``text``; the normalize stage has
    done that already."""
    from .myanmar_words import segmenter

    return segmenter().segment(text)


def _han_char(text: str) -> list[str]:
    return _HAS_WORD.findall(text)  # one character a token; spaces and punctuation are no words


def _whitespace(text: str) -> list[str]:
    return _LATIN_WORD.findall(text)


def _pyvi(text: str) -> list[str]:
    from pyvi import ViTokenizer

    return [t.replace("_", " ") for t in ViTokenizer.tokenize(text).split()]


#: script → {engine name → function}; the first engine of each script is its default.
ENGINES: dict[str, dict[str, Callable[[str], list[str]]]] = {
    # thai-words first (the default): nlpo3 (newmm's algorithm in Rust, 4x faster than newmm)
    # with particles cut off as human segmenters do; bench/segment.py measures all three
    "thai": {"thai-words": _thai_words, "nlpo3": lambda t: _thai("nlpo3")(t), "newmm": lambda t: _thai("newmm")(t)},
    "lao": {"laonlp": _laonlp, "lao-icu": _lao_icu, "lao-syllable": _lao_syllable},
    "khmer": {"khmernltk": _khmernltk, "khmer-cluster": _khmer_cluster},
    "myanmar": {"burmesenlp": _burmesenlp, "my-syllable": _my_syllable},
    "han": {"han-char": _han_char},
    "latin": {"whitespace": _whitespace, "pyvi": _pyvi},
}
_SCRIPT_OF_ENGINE = {name: script for script, engines in ENGINES.items() for name in engines}


def engine_names() -> list[str]:
    return sorted(_SCRIPT_OF_ENGINE)


def words(text: str, lang: str | None = None, engine: str | None = None) -> list[str]:
    """Word tokens of ``text`` (no whitespace or punctuation-only tokens).

    Each script run goes to its script's engine; ``engine`` replaces the default of the script it
    belongs to (e.g. ``engine="nlpo3"`` for Thai). ``lang="vi"`` with ``engine="pyvi"`` groups
    Vietnamese syllables into words; otherwise ``lang`` is only a hint and scripts decide.
    """
    return segment_words(text, engine)[0]


def segment_words(text: str, engine: str | None = None) -> tuple[list[str], list[str]]:
    """Tokens as :func:`words`, plus the engines used in order of first use (for provenance)."""
    choice = _choose(engine)
    out: list[str] = []
    used: list[str] = []
    for run in runs(text):
        engines = ENGINES.get(run.script, ENGINES["latin"])
        name = choice.get(run.script) or next(iter(engines))
        if name not in used:
            used.append(name)
        tokens = engines[name](text[run.start : run.end])
        if name in _WORDS_ONLY:
            out += tokens
        else:
            out += map(str.strip, filter(_HAS_WORD.search, tokens))
    return out, used


# engines whose tokens are all words already (stripped, with a letter or digit): no filter pass
_WORDS_ONLY = frozenset({"whitespace", "han-char"})


def _choose(engine: str | None) -> dict[str, str]:
    if engine is None:
        return {}
    if engine not in _SCRIPT_OF_ENGINE:
        raise ValueError(f"unknown segmentation engine {engine!r}; known: {', '.join(engine_names())}")
    return {_SCRIPT_OF_ENGINE[engine]: engine}


# --- sentences -------------------------------------------------------------------------------
# terminators that end a sentence wherever they stand (Chinese, Khmer khan/bariyoosan, Burmese)
_HARD_END = "。！？।॥។៕။"
_SENT_BREAK = re.compile(
    rf"\n+"  # lines
    rf"|(?<=[{_HARD_END}])\s*"  # script full stops
    r"|(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]*[^\W\d_])"  # Latin full stop + space + letter
    "|(?<=[\u0e00-\u0eff])[ \t]+(?=[\u0e00-\u0eff])"  # Thai/Lao: a space between words ends a clause
)


# The same cuts as _SENT_BREAK, found faster for counting: every match begins with one character
# of a single class (so the regex engine skips to candidates instead of trying four alternatives at
# every character), which is the terminator before a cut (kept, captured) or its first whitespace
# character; a Thai/Lao cut is found at its space, not after the letter before it.
_SENT_CUT = re.compile(
    rf"([\n{_HARD_END}.!? \t])"
    r"(?:(?<=\n)\n*"
    rf"|(?<=[{_HARD_END}])\s*"
    r"|(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]*[^\W\d_])"
    "|(?<=[\u0e00-\u0eff][ \t])[ \t]*(?=[\u0e00-\u0eff]))"
)


def count_sentences(text: str) -> int:
    """``len(sentences(text))`` for the default rules, 3-4x faster: the segment stage only counts.

    Split on :data:`_SENT_CUT`, each piece followed by its cut's first character; a piece counts
    when either holds more than whitespace (that character is a terminator, which ends the
    sentence before it, or whitespace, which changes nothing). A cut that swallows more whitespace
    than ``sentences`` would only moves whitespace between pieces, so no count changes
    (tests compare on real documents and on random strings of the characters that matter)."""
    parts = _SENT_CUT.split(text)
    return sum(1 for piece, cut in zip(parts[0::2], parts[1::2] + [" "])
               if not cut.isspace() or (piece and not piece.isspace()))


def sentences(text: str, lang: str | None = None, engine: str | None = None) -> list[str]:
    """Sentences of ``text``, stripped, none empty.

    Lines, script full stops (。 ។ ။ …) and Latin ". " end sentences everywhere. Thai and Lao mark
    sentence (and clause) ends with a space, which is what the default rule uses; for Thai
    ``engine="crfcut"`` uses PyThaiNLP's CRF sentence model instead.
    """
    if engine == "crfcut":
        from pythainlp.tokenize import sent_tokenize

        return [s.strip() for line in text.split("\n") for s in sent_tokenize(line, engine="crfcut") if s.strip()]
    if engine not in (None, "rules"):
        raise ValueError(f"unknown sentence engine {engine!r}; known: rules, crfcut")
    return [s.strip() for s in _SENT_BREAK.split(text) if s and s.strip()]
