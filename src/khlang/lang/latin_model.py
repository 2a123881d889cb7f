"""khlang's own model for Latin-script languages of the region: a compact fastText classifier.

Off-the-shelf detectors confuse exactly the pairs this project cares about — Indonesian/Malay,
Tagalog/Cebuano, Javanese/Sundanese — and call informal or short regional text English. This
model is trained on real, externally written text of those languages plus English and a catch-all
``other`` (the other regional languages of NusaX), see docs/language.md for sources and licences
and ``scripts/langid_corpus.py`` / ``scripts/langid_train.py`` to rebuild it. It ships inside the
package (``data/latin_lid.ftz``, quantised, ~2 MB) and runs through ``fasttext-predict``; nothing
is downloaded.

Input is normalised the same way for training and prediction (:func:`normalise`): lower case,
letters only, elongations collapsed (``bangettt`` → ``banget``, ``nakkkk`` → ``nak``), so the
spelling habits of social text meet the words the model learnt. The model sees sentences, short
fragments and single words in training, which is what lets :func:`word_probs` score one token at
a time for code-switching.
"""

from __future__ import annotations

import re
from functools import lru_cache, reduce
from importlib import resources
from operator import add

import numpy as np

#: The labels the model knows, in a fixed order (``word_probs`` returns probabilities in it).
LABELS = ("en", "id", "ms", "tl", "ceb", "jv", "su", "other")
MODEL_FILE = "latin_lid.ftz"
WORDS_FILE = "latin_words.json.gz"
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
#: the same words in ASCII text, where a letter is [A-Za-z]: a range test per character instead
#: of Unicode category look-ups (a third of the time; ``str.isascii`` costs nothing)
_ASCII_WORD = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*")
_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
#: any character three times in a row: a necessary condition for an elongation, found several
#: times faster than one, so the text is searched for elongations only when this matches
_TRIPLE = re.compile(r"(.)\1\1", re.DOTALL)


def words(text: str) -> list[str]:
    """Lower-cased words of ``text`` with letters repeated three or more times collapsed."""
    return list(_words(text))


@lru_cache(maxsize=256)  # one text is asked for its words by the model, the lists and the votes
def _words(text: str) -> tuple[str, ...]:
    low = _collapse(text.lower())
    return tuple((_ASCII_WORD if low.isascii() else _WORD).findall(low))


def normalise(text: str) -> str:
    return " ".join(_words(text))


def normalise_word(word: str) -> str:
    """One word as :func:`words` would give it (lower case, elongations collapsed); callers
    cache what they derive from it (:mod:`.codeswitch` keeps each word's evidence)."""
    return _collapse(word.lower())


def _collapse(text: str) -> str:
    """Letters repeated three or more times → one (``bangettt`` → ``banget``)."""
    return _ELONGATED.sub(r"\1", text) if _TRIPLE.search(text) else text


@lru_cache(maxsize=1)
def model():
    """The packaged model, loaded once (fasttext-predict: inference only, no download path)."""
    import fasttext

    path = resources.files("khlang.lang") / "data" / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"Latin language model missing from the package: {path}")
    return fasttext.load_model(str(path))


@lru_cache(maxsize=256)  # spans() asks for a run it has just classified: one prediction
def probs(text: str) -> dict[str, float]:
    """Probability of each label for ``text`` (all labels present; empty text → uniform).
    The dict is shared through the cache: do not modify it."""
    norm = normalise(text)
    if not norm:
        return {lang: 1 / len(LABELS) for lang in LABELS}
    out = dict.fromkeys(LABELS, 0.0)
    # fastText's own predict: the wrapper's newline check and NumPy array are not needed here
    for p, label in model().f.predict(norm + "\n", len(LABELS), 0.0, "strict"):
        out[label.removeprefix("__label__")] = p
    return out


_WORD_CACHE: dict[str, tuple[float, ...]] = {}
_WORD_CACHE_SIZE = 200_000  # words of social text repeat a lot; the cache is emptied when full


def word_probs(word: str) -> tuple[float, ...]:
    """Probabilities of one already-normalised word, in :data:`LABELS` order."""
    found = _WORD_CACHE.get(word)
    if found is None:
        prefetch([word])
        found = _WORD_CACHE[word]
    return found


def prefetch(words: list[str]) -> None:
    """Predict the words not yet cached, one call of fastText's own ``predict`` each (the Python
    wrapper's checks cost as much as a one-word prediction). Not ``multilinePredict``: with
    fasttext-predict, the build khlang depends on, it returns labels without probabilities
    (only fastText's full build, which ``make bench`` installs for datatrove, gives both)."""
    todo = list({w for w in words if w not in _WORD_CACHE})
    if not todo:
        return
    if len(_WORD_CACHE) + len(todo) > _WORD_CACHE_SIZE:
        _WORD_CACHE.clear()
    predict, k = model().f.predict, len(LABELS)
    for word in todo:
        row = [1e-4] * k  # a floor: no label is impossible
        for p, name in predict(word + "\n", k, 0.0, "strict"):  # (probability, "__label__xx")
            if p > 1e-4:
                row[_LABEL_INDEX[name]] = p
        _WORD_CACHE[word] = tuple(row)


_LABEL_INDEX = {f"__label__{lang}": i for i, lang in enumerate(LABELS)}


def clear_caches() -> None:
    """Forget cached predictions (benchmarks measure cold runs with this)."""
    _WORD_CACHE.clear()
    probs.cache_clear()
    _words.cache_clear()
    _FACTS.clear()


@lru_cache(maxsize=1)
def _word_table() -> tuple[dict[str, int], bytes, bytes]:
    """word → where its row starts, the rows: Zipf frequency per label in :data:`LABELS` order,
    one byte each (ten times the Zipf value, which has one decimal; 0 where that language's list
    lacks the word), built by ``scripts/langid_words.py``; and per word one byte with a bit per
    label whose list has it (:func:`known_share`). Loaded once per process, which is every
    worker's first Latin document: the rows as one base64 string load in a fraction of the
    time 91,000 JSON lists of numbers took (~20 ms against ~130 ms), and become tuples only for
    the words a process meets (:func:`word_zipf`)."""
    import base64
    import gzip
    import json

    path = resources.files("khlang.lang") / "data" / WORDS_FILE
    with gzip.open(str(path), "rt", encoding="utf-8") as f:
        data = json.load(f)
    if tuple(data["labels"]) != LABELS:
        raise ValueError(f"{path}: labels {data['labels']} do not match {LABELS}")
    rows = base64.b64decode(data["zipf10"])
    if len(rows) != len(LABELS) * len(data["words"]):
        raise ValueError(f"{path}: {len(rows)} Zipf values for {len(data['words'])} words")
    listed = np.packbits(np.frombuffer(rows, dtype=np.uint8).reshape(-1, len(LABELS)) != 0, axis=1, bitorder="little")
    return dict(zip(data["words"], range(0, len(rows), len(LABELS)))), rows, listed.tobytes()


def word_zipf(word: str) -> tuple[float | None, ...] | None:
    """Zipf frequency of an already-normalised word in each language of :data:`LABELS` (None for
    a language whose list lacks it), or None when no list has the word."""
    found = _ZIPF_ROWS.get(word)
    if found is None:
        index, rows, _ = _word_table()
        at = index.get(word)
        if at is None:
            return None
        found = _ZIPF_ROWS[word] = tuple(map(_TENTHS.__getitem__, rows[at : at + len(LABELS)]))
    return found


_ZIPF_ROWS: dict[str, tuple[float | None, ...]] = {}  # the rows of the listed words met so far
#: byte → the Zipf value it stands for: None for 0, else tenths (74 / 10 is the double nearest
#: 7.4, the float the JSON lists held)
_TENTHS = (None, *(z / 10 for z in range(1, 256)))


#: Zipf frequency assumed for a word a language's list lacks: the wordfreq lists (en, id, ms,
#: tl) hold each language's 30,000 commonest words, so a word missing there is rarer than ~1.5;
#: the lists built from small corpora (jv, su, ceb) miss many common words, so absence says less.
FLOOR = {"en": 1.5, "id": 1.5, "ms": 1.5, "tl": 1.5, "jv": 2.5, "su": 2.5, "ceb": 2.5, "other": 1.5}


def frequency_vote(text: str, a: str, b: str) -> float:
    """Σ over the words of ``text`` of Zipf(word in a) − Zipf(word in b) (:data:`FLOOR` where a
    list lacks the word): positive when the words are, on balance, more typical of ``a``. Word
    lists built from large corpora separate the closest pairs better than character n-grams:
    Indonesian *bisa, karena, kantor* against Malay *boleh, kerana, pejabat* is a matter of
    which words, not which letters."""
    ws = _words(text)
    known = _facts((a, b))  # word → its term
    for word in set(ws).difference(known):
        z = word_zipf(word)
        za = z[LABELS.index(a)] if z is not None else None
        zb = z[LABELS.index(b)] if z is not None else None
        known[word] = (FLOOR[a] if za is None else za) - (FLOOR[b] if zb is None else zb)
    # added one by one in text order, as the sum has always been taken (sum() compensates
    # rounding from Python 3.12 on, which would move the result in its last bits)
    return reduce(add, map(known.__getitem__, ws), 0.0)


def known_share(text: str, langs: tuple[str, ...]) -> float:
    """Share of the words of ``text`` that any of ``langs``' word lists has (1.0 for no words):
    low when a confident prediction is really a language the model never saw (German text
    looks Indonesian to character n-grams, but its words are in no Indonesian list)."""
    ws = _words(text)
    if not ws:
        return 1.0
    listed = _facts("listed")  # word → one bit per label whose list has it
    new = set(ws).difference(listed)
    if new:
        index, _, bits_of = _word_table()
        for word in new:
            at = index.get(word)
            listed[word] = 0 if at is None else bits_of[at // len(LABELS)]
    bits = sum(1 << LABELS.index(lang) for lang in set(langs))
    return (len(ws) - list(map(bits.__and__, map(listed.__getitem__, ws))).count(0)) / len(ws)


def _facts(key: object) -> dict:
    """The per-word table named ``key``; a new one when it has grown past :data:`_FACTS_SIZE`
    words (replaced, not emptied: a caller still holding the old one keeps a consistent table)."""
    table = _FACTS.get(key)
    if table is None or len(table) > _FACTS_SIZE:
        table = _FACTS[key] = {}
    return table


# Per-word facts derived from the word table as words are met (a dict lookup each after that),
# rather than tables over all 91,000 words built up front (a quarter of a second per process).
_FACTS: dict[object, dict] = {}  # "listed": word → bits; (a, b): word → Zipf(a) − Zipf(b)
_FACTS_SIZE = 500_000  # words; a table is replaced by an empty one when it grows past this
