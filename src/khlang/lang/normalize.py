"""Script-aware normalisation: repair what keyboards, fonts and legacy encodings do to Thai, Lao,
Khmer and Burmese text, so that equal words become equal strings (for dedup, counting and models).

Every rule is a small named regex substitution that can be switched off (``normalize(text,
thai_digits=True, sara_am=False)``); :func:`normalize` returns the text and how often each rule
fired. Rules only ever touch sequences that are invalid or non-canonical in their script, so
correct text passes through unchanged. Burmese in the legacy Zawgyi font encoding is detected with
Google's ``myanmartools`` model and converted with ICU's ``Zawgyi-my`` transform (the converter
Google's own Zawgyi/Unicode pairs were made with), through the bundled ICU of ``pyicu-wheels``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from .scripts import SCRIPT_RANGES

# --- Thai ------------------------------------------------------------------------------------
_TH_TONE = "\u0e48-\u0e4b"  # mai ek, tho, tri, chattawa
_TH_ABOVE_BELOW = "\u0e31\u0e34-\u0e37\u0e38-\u0e3a\u0e47"  # mai han-akat, sara i..ue, u, uu, phinthu, mai taikhu
_TH_MARKS = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"

# --- Lao -------------------------------------------------------------------------------------
_LO_TONE = "\u0ec8-\u0ecb"
_LO_ABOVE_BELOW = "\u0eb1\u0eb4-\u0eb9\u0ebb\u0ebc"
_LO_MARKS = "\u0eb1\u0eb4-\u0eb9\u0ebb\u0ebc\u0ec8-\u0ecd"

# --- Khmer -----------------------------------------------------------------------------------
_KM_CONS = "\u1780-\u17b3"
_KM_VOWEL = "\u17b6-\u17c5"  # dependent vowels
_KM_SHIFTER = "\u17c9\u17ca"  # muusikatoan, triisap: written before the vowel in storage order
_KM_SIGNS = "\u17b6-\u17d1\u17d3\u17dd"


@dataclass(frozen=True)
class Rule:
    """One normalisation rule: a name (the switch and the count key), the script it needs, whether
    it runs by default, and the function that returns (new text, number of fixes)."""

    name: str
    script: str
    default: bool
    apply: Callable[[str], tuple[str, int]]
    doc: str


def _sub(pattern: str, repl: str | Callable, needs: str | tuple[str, ...] | None = None) -> Callable[[str], tuple[str, int]]:
    """A rule from a regex substitution; counts only matches the replacement actually changes.

    ``needs`` is what every match contains, found faster than the pattern itself (most texts
    need no fix, so the scan is the cost): a regex whose search opens with a character class
    (``re`` scans for those in a tight loop; the rule's own pattern, opening with a group or an
    alternation, is tried position by position), or a tuple of strings one of which each match
    holds (``str.__contains__``: a C-level substring search). When it is absent the text is
    returned as it is. tests/test_lang.py checks each against its pattern on random text."""
    rx = re.compile(pattern)
    if needs is None:
        present = None
    elif isinstance(needs, tuple):
        present = lambda text: any(map(text.__contains__, needs))  # noqa: E731
    else:
        present = re.compile(needs).search

    def apply(text: str) -> tuple[str, int]:
        if present is not None and not present(text):
            return text, 0
        changed = 0

        def fix(m: re.Match) -> str:
            nonlocal changed
            new = m.expand(repl) if isinstance(repl, str) else repl(m)
            changed += new != m.group()
            return new

        return rx.sub(fix, text), changed

    apply.pattern, apply.needs = rx, needs  # for the test that each ``needs`` holds
    return apply


def _am_needs(nikhahit: str, tones: str, sara_aa: str) -> tuple[str, ...]:
    """What a decomposed sara am holds, tone mark or not: nikhahit + (tone) + sara aa, the tone
    either between them or before (then nikhahit + sara aa is there too)."""
    first, last = ord(tones[0]), ord(tones[-1])
    return (nikhahit + sara_aa, *(nikhahit + chr(c) + sara_aa for c in range(first, last + 1)))


def _thai_digits(text: str) -> tuple[str, int]:
    n = len(re.findall("[\u0e50-\u0e59]", text))
    return (text.translate(_THAI_DIGIT_TABLE), n) if n else (text, 0)


_THAI_DIGIT_TABLE = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _zawgyi(text: str) -> tuple[str, int]:
    """Convert Zawgyi-encoded Burmese paragraphs to Unicode (count = paragraphs converted)."""
    out, n = [], 0
    for para in text.split("\n"):
        if not _MYANMAR.search(para):
            out.append(para)
            continue
        p = zawgyi_probability(para)
        if p > ZAWGYI_THRESHOLD:
            para = zawgyi_to_unicode(para)
            n += 1
        elif p > 0.5 and _NOT_UNICODE.search(para):  # unsure (short lines), yet not valid Unicode
            converted = zawgyi_to_unicode(para)
            if zawgyi_probability(converted) < ZAWGYI_CONVERTED_MAX:
                para, n = converted, n + 1
        out.append(para)
    return "\n".join(out), n


#: A paragraph counts as Zawgyi above this probability (myanmartools' recommended cut is 0.95+).
ZAWGYI_THRESHOLD = 0.95
#: Between 0.5 and the threshold (the detector is unsure, mostly on short lines such as headings)
#: a paragraph is converted only when the detector is near-certain its conversion is Unicode.
#: Converting real Unicode text does not do that: of the ambiguous Unicode words in the dev pairs,
#: the lowest score after a (wrong) conversion was 1.3e-2; ambiguous Zawgyi words that convert
#: cleanly score 1e-5 and below. Everything else in the band is left as it is.
ZAWGYI_CONVERTED_MAX = 1e-4
# ...and only when the paragraph cannot be well-formed Unicode Burmese: a word that begins with the
# vowel sign ေ or the medial ျ/ြ (Zawgyi stores them before the consonant, Unicode after), or one of
# Zawgyi's glyph-variant code points (kinzi ၤ, stacked and narrow forms) next to Burmese letters.
# Without this a lone Unicode word such as ရွာ "village" (detector 0.90) became ရှာ "search".
_NOT_UNICODE = re.compile("(?:^|[^\u1000-\u109f])[\u1031\u103b]|[\u1000-\u103f][\u1060-\u1097]")
# ICU writes dot below before asat everywhere (ည့်); people typing Unicode, and the reference
# pairs, put asat first after nya (ည့်: U+100A U+103A U+1037) but not after nga (င့်)
_NYA_DOT_ASAT = re.compile("\u100a\u1037\u103a")
# Zawgyi's ya-yit (ြ, U+103B and its width variants U+107E–U+1084) is stored before the consonant
# it surrounds. A medial typed between it and that consonant (ha-htoe U+103D, wa U+103C, their
# combined form U+108A) belongs to the consonant before: ICU would hang ya-yit on that consonant
# instead (မ + ြ + ှ + ဖ became မြှဖ, not မှဖြ). Moving the medial first gives ICU the usual order.
_YA_YIT_MARKS = re.compile("([\u103b\u107e-\u1084])([\u103c\u103d\u108a]+)(?=[\u1000-\u1021])")


def zawgyi_to_unicode(text: str) -> str:
    """Zawgyi → Unicode with ICU's ``Zawgyi-my`` transform, whatever the text's encoding.

    ICU's rules cover what python-myanmar's missed (ha-htoe after a vowel ရိွ → ရှိ, digit zero
    typed for wa at a word's start ၀ → ဝ, ဥ္ → ဉ်, the stacked bha U+1093). Callers decide whether
    the text is Zawgyi (:func:`normalize` asks myanmartools' detector first): Unicode text fed
    here changes.
    """
    # A final ၄ gets a space after it so that ICU sees a digit's context: at the very end of the
    # text ICU turns ၄ into ၎ ("အပိုဒ် ၄", "Article 4", would end in the locative sign).
    pad = text.endswith("\u1044")
    text = _YA_YIT_MARKS.sub(r"\2\1", text)
    out = _zawgyi_transform().transliterate(text + " " if pad else text)
    return _NYA_DOT_ASAT.sub("\u100a\u103a\u1037", out[:-1] if pad else out)


@lru_cache(maxsize=1)
def _zawgyi_transform():
    import icu  # pyicu-wheels: PyICU with ICU's libraries and data inside the wheel

    return icu.Transliterator.createInstance("Zawgyi-my")


@lru_cache(maxsize=1)
def _zawgyi_detector():
    from myanmartools import ZawgyiDetector  # model ships inside the wheel; no network

    return ZawgyiDetector()


_MYANMAR = re.compile("[\u1000-\u109f]")


def zawgyi_probability(text: str) -> float:
    """myanmartools' ``ZawgyiDetector.get_zawgyi_probability``, computed the same way in NumPy.

    The detector is a Markov chain over character pairs: the text's score is the sum of one
    log-likelihood ratio per pair of neighbouring characters (the text's ends paired with a
    "foreign" state). myanmartools finds each character's state by a ``bisect`` and each pair's
    ratio in a Python loop — 2.4 ms for a 2,000-character Burmese document. Here the states come
    from a lookup table over code points and the ratios from one fancy index; the sum is still
    Python's own ``sum`` over the same floats in the same order, so the probability is the
    library's to the last bit (tests/test_lang_words_zawgyi.py checks it against the library).
    """
    tables = _zawgyi_tables()
    if tables is None:  # a myanmartools without the tables this reads: its own (slower) method
        return _zawgyi_detector().get_zawgyi_probability(text)
    table, params, size = tables
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    states = np.zeros(len(codes) + 2, dtype=np.int64)  # foreign (0) before and after the text
    states[1:-1] = table[np.minimum(codes, len(table) - 1)]
    llrs = params[states[:-1] * size + states[1:]]
    keep = ~np.isnan(llrs)
    if not keep.any():
        return -math.inf
    total = sum(llrs[keep].tolist())
    if total >= 0:  # as the library writes it: no overflow for large scores
        z = math.exp(-total)
        return z / (z + 1)
    return 1 / (1 + math.exp(total))


@lru_cache(maxsize=1)
def _zawgyi_tables() -> tuple[np.ndarray, np.ndarray, int] | None:
    """The detector's model as arrays: code point → state (0 for characters it does not know;
    the last entry stands for every code point above), pair ratios as float32 (as stored), and
    the number of states. States are what the detector's own ``_state`` gives each character
    it knows (its character list is not in code-point order, so its ``bisect`` misses some:
    those stay 0 here too). None when the installed myanmartools keeps its model otherwise."""
    detector = _zawgyi_detector()
    chars, params = getattr(detector, "_chars", None), getattr(detector, "_params", None)
    if not isinstance(chars, str) or not hasattr(detector, "_state") or len(params or ()) != (len(chars) + 1) ** 2:
        return None
    table = np.zeros(max(map(ord, chars)) + 2, dtype=np.int64)
    for c in chars:
        table[ord(c)] = detector._state(c)
    return table, np.asarray(params, dtype=np.float32), len(chars) + 1


RULES: tuple[Rule, ...] = (
    # Thai
    Rule("thai_zero_width", "thai", True,
         _sub(f"(?<=[\u0e00-\u0e7f])[{_ZERO_WIDTH}]+|[{_ZERO_WIDTH}]+(?=[\u0e00-\u0e7f])", "", tuple(_ZERO_WIDTH)),
         "zero-width characters next to Thai letters (invisible word-break hints from editors)"),
    Rule("thai_sara_ae", "thai", True, _sub("\u0e40\u0e40", "\u0e41"),
         "two sara e (เเ) typed for sara ae (แ)"),
    Rule("thai_sara_am", "thai", True,
         _sub(f"\u0e4d([{_TH_TONE}]?)\u0e32|([{_TH_TONE}])\u0e4d\u0e32",
              lambda m: (m.group(1) or m.group(2) or "") + "\u0e33", _am_needs("\u0e4d", _TH_TONE, "\u0e32")),
         "decomposed sara am (ํ + า, also with a tone mark between) → ำ, tone mark first"),
    Rule("thai_tone_order", "thai", True,
         _sub(f"([{_TH_TONE}\u0e4c])([{_TH_ABOVE_BELOW}])|\u0e33([{_TH_TONE}])",
              lambda m: m.group(2) + m.group(1) if m.group(1) else m.group(3) + "\u0e33",
              f"[{_TH_TONE}\u0e4c\u0e33][{_TH_ABOVE_BELOW}{_TH_TONE}]"),
         "tone mark typed before an upper/lower vowel (or after sara am) → vowel, then tone"),
    Rule("thai_dup_marks", "thai", True, _sub(f"([{_TH_MARKS}])\\1+", r"\1"),
         "the same vowel/tone mark repeated on one consonant"),
    Rule("thai_digits", "thai", False, _thai_digits, "Thai digits ๐–๙ → 0–9 (off by default)"),
    # Lao
    Rule("lao_sara_ae", "lao", True, _sub("\u0ec0\u0ec0", "\u0ec1"), "two sara e (ເເ) for sara ae (ແ)"),
    Rule("lao_sara_am", "lao", True,
         _sub(f"\u0ecd([{_LO_TONE}]?)\u0eb2|([{_LO_TONE}])\u0ecd\u0eb2",
              lambda m: (m.group(1) or m.group(2) or "") + "\u0eb3", _am_needs("\u0ecd", _LO_TONE, "\u0eb2")),
         "decomposed sara am (ໍ + າ) → ຳ"),
    Rule("lao_tone_order", "lao", True,
         _sub(f"([{_LO_TONE}])([{_LO_ABOVE_BELOW}])", r"\2\1"),
         "tone mark typed before an upper/lower vowel or semivowel → vowel, then tone"),
    Rule("lao_dup_marks", "lao", True, _sub(f"([{_LO_MARKS}])\\1+", r"\1"), "repeated Lao mark"),
    # Khmer
    Rule("khmer_coeng_order", "khmer", True,
         _sub(f"([{_KM_VOWEL}{_KM_SHIFTER}]+)(\u17d2[{_KM_CONS}])", r"\2\1", f"[{_KM_VOWEL}{_KM_SHIFTER}]\u17d2"),
         "subscript consonant (coeng + consonant) typed after a vowel sign → before it"),
    Rule("khmer_shifter_order", "khmer", True,
         _sub(f"([{_KM_VOWEL}])([{_KM_SHIFTER}])", r"\2\1"),
         "register shifter (៉ ៊) typed after the vowel sign → before it"),
    Rule("khmer_dup_marks", "khmer", True, _sub(f"([{_KM_SIGNS}])\\1+", r"\1"), "repeated Khmer sign"),
    Rule("khmer_coeng_ro_order", "khmer", True,
         _sub(f"(\u17d2\u179a)(\u17d2[\u1780-\u1799\u179b-\u17b3])", r"\2\1"),
         "subscript ro (្រ) typed before another subscript → after it (ស្ត្រី, not ស្រ្តី)"),
    Rule("khmer_deprecated", "khmer", True,
         _sub("[\u17a3\u17a4]", lambda m: "\u17a2" if m.group() == "\u17a3" else "\u17a2\u17b6"),
         "deprecated independent vowels ឣ ឤ → អ, អា (Unicode recommends against them)"),
    # Lao spelling variant, off by default: ຫນ ຫມ → ໜ ໝ
    Rule("lao_ho_ligature", "lao", False, _sub("\u0eab([\u0e99\u0ea1])", lambda m: "\u0edc" if m.group(1) == "\u0e99" else "\u0edd"),
         "ຫ + ນ/ມ → the ligatures ໜ/ໝ, so both spellings of a word compare equal (off by default)"),
    # Burmese (Zawgyi first: the other rules assume Unicode)
    Rule("zawgyi", "myanmar", True, _zawgyi, "Burmese in legacy Zawgyi encoding → Unicode"),
    Rule("myanmar_medial_order", "myanmar", True,
         _sub("[\u103b-\u103e]{2,}", lambda m: "".join(sorted(m.group()))),
         "medials in Unicode storage order: ya-pin, ya-yit, wa-hswe, ha-htoe (ျ ြ ွ ှ)"),
)
RULE_NAMES = tuple(r.name for r in RULES)
_SCRIPT_OF_LANG = {"th": "thai", "lo": "lao", "km": "khmer", "my": "myanmar"}
# one letter is enough to know a script is there: ``search`` stops at the first (counting all the
# letters of nine scripts, as script_counts does, cost 10x more per document)
_LETTER_OF = {script: re.compile(f"[{SCRIPT_RANGES[script]}]") for script in sorted({r.script for r in RULES})}
# a letter of any of them: most documents have none (Latin, Han), and one scan says so
_ANY_LETTER = re.compile(f"[{''.join(SCRIPT_RANGES[script] for script in _LETTER_OF)}]")


def has_script(text: str, script: str) -> bool:
    """Does ``text`` hold a letter of ``script`` (thai, lao, khmer, myanmar)?"""
    return _LETTER_OF[script].search(text) is not None


def normalize(text: str, lang: str | None = None, **rule_switches: bool) -> tuple[str, dict[str, int]]:
    """Normalise ``text``; returns (text, {rule: number of fixes}) for the rules that fired.

    ``lang`` (th, lo, km, my) restricts the rules to that language's script; by default every
    script present in the text gets its rules. Switch rules on or off by name, e.g.
    ``normalize(t, thai_digits=True)``. Unknown switches are an error.
    """
    unknown = set(rule_switches) - set(RULE_NAMES)
    if unknown:
        raise TypeError(f"unknown normalisation rules {sorted(unknown)}; known: {', '.join(RULE_NAMES)}")
    if lang is not None:
        scripts = {_SCRIPT_OF_LANG[lang]} if lang in _SCRIPT_OF_LANG else set()
    else:
        first = _ANY_LETTER.search(text)  # nothing before it is a letter of these scripts
        start = first.start() if first else len(text)
        scripts = {script for script, rx in _LETTER_OF.items() if rx.search(text, start)} if first else set()
    counts: dict[str, int] = {}
    for rule in RULES:
        if rule.script not in scripts or not rule_switches.get(rule.name, rule.default):
            continue
        text, n = rule.apply(text)
        if n:
            counts[rule.name] = n
    return text, counts
