"""Word-level language labels for Latin-script text that switches language inside a sentence.

Southeast-Asian social text mixes Indonesian, Javanese and English (or Malay and English, Tagalog
and English) within one sentence: ``vcrnya jahat bgt masa pake lagu just as usual gue kan nangis``.
Each word gets evidence from khlang's Latin model (:func:`.latin_model.word_probs`: character
n-grams, so unseen spellings still lean the right way; informal forms such as *bgt, gue, yg, ga*
and elongations like *bangettt* were in its training data). One word is weak evidence, so a
hidden-Markov pass (Viterbi) smooths it: switching language costs, staying is cheap, and the
run's own language is a prior on every word. The states are a regional set around that
language — an Indonesian run may switch to Javanese or English, not to Malay (its Malay-looking
words count as Indonesian), a Malay run to English, a Tagalog or Cebuano run to English — so
the neighbours a detector confuses do not split a sentence into noise.

:func:`label_run` returns spans over ``text[start:end]`` at code-point offsets; characters between
words (spaces, punctuation, emoji, numbers, mentions) belong to the span of the word before them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from itertools import accumulate
from operator import itemgetter
from typing import NamedTuple

from . import latin_model

#: Which labels a run in a given language may switch to, and where the evidence for a label
#: outside that set goes (fold) — the regional prior. Indonesian and Malay are one language
#: family for this purpose, and so are Tagalog and Cebuano: the run's label (decided on the
#: whole run) is the family's label.
STATES = {
    "id": ("id", "jv", "en"),
    "jv": ("jv", "id", "en"),
    "su": ("su", "id", "en"),
    "ms": ("ms", "jv", "en"),
    "tl": ("tl", "en"),
    "ceb": ("ceb", "en"),
    "en": ("en", "id", "jv", "ms", "tl"),
}
_FOLD = {"ms": "id", "id": "ms", "su": "jv", "jv": "su", "ceb": "tl", "tl": "ceb"}
SWITCH = math.log(0.2)  # log-probability of changing language between two words
STAY = math.log(0.8)
PRIOR_WEIGHT = 0.1  # how strongly the run's language pulls every word
CHAR_WEIGHT = 0.3  # exponent on the character model's probability
FREQ_SCALE = 1.5  # log-odds per Zipf unit of word frequency (ln 10 would trust the lists fully)
SHORT = 2  # words this short (di, yo, e, a) carry little evidence of their own
_INDEX = {lang: i for i, lang in enumerate(latin_model.LABELS)}
_TOKEN_PATTERN = r"https?://{nonspace}+|www\.{nonspace}+|[@#]{word}+|({letter}+(?:['’-]{letter}+)*)"
_TOKEN = re.compile(_TOKEN_PATTERN.format(nonspace=r"\S", word=r"\w", letter=r"[^\W\d_]"))
#: the same tokens in ASCII text, spelt with ranges (a third of the time: no Unicode category
#: look-ups); the classes are what \S, \w and letters are among ASCII characters
_ASCII_TOKEN = re.compile(_TOKEN_PATTERN.format(nonspace=r"[^\t\n\v\f\r\x1c-\x1f ]", word="[A-Za-z0-9_]", letter="[A-Za-z]"))
#: the word alternative alone, captured, for ``split`` (text without links, mentions, hashtags)
_WORDS = re.compile(r"([^\W\d_]+(?:['’-][^\W\d_]+)*)")
_ASCII_WORDS = re.compile(r"([A-Za-z]+(?:['’-][A-Za-z]+)*)")


class Piece(NamedTuple):
    start: int
    end: int
    lang: str
    confidence: float


def words(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """(start, end, normalised word) of each word in ``text[start:end]``; links, @mentions and
    #hashtags are skipped (they name things, not languages)."""
    norm = latin_model.normalise_word
    return [(m.start(1), m.end(1), norm(m.group(1))) for m in _TOKEN.finditer(text, start, end) if m.lastindex]


def label_run(text: str, start: int, end: int, run_lang: str, run_probs: dict[str, float]) -> list[Piece]:
    """Spans of ``text[start:end]`` (a Latin run whose overall language is ``run_lang``).

    Written for speed, since every word of every Latin document passes here: the words come
    from one C-level ``split`` (:func:`_tokens`) and their evidence from one dict per state set,
    keyed by the word as written (no normalising or tuple keys on a hit, new words learnt
    together); Viterbi runs only when some word leans away from the run's language, and word
    offsets are computed only when the path switches. Results are those of the plain
    formulation to the last bit (same floating-point operations in the same order).
    """
    states = STATES.get(run_lang)
    tokens, offsets = _tokens(text, start, end)
    if not tokens or not states:
        return [Piece(start, end, run_lang, max(run_probs.get(run_lang, 0.0), 0.0))]
    known = _EVIDENCE.get(states)
    if known is None or len(known) > _EVIDENCE_SIZE:
        known = _EVIDENCE[states] = {}
    try:
        evidence = list(map(known.__getitem__, tokens))
    except KeyError:  # words not seen before with these states (words repeat: rarely)
        _learn(known, list(set(tokens).difference(known)), states)
        evidence = list(map(known.__getitem__, tokens))
    if all(map(_LEANS, evidence)):  # every word leans to the run's own language
        total = 0.0
        for ev in evidence:
            total += ev[0][0]
        return [Piece(start, end, states[0], round(total / len(evidence), 4))]
    prior_total = sum(run_probs.get(s, 0.0) for s in states) or 1.0
    prior = [math.log(max(run_probs.get(s, 0.0) / prior_total, 0.02)) * PRIOR_WEIGHT for s in states]
    path = _viterbi(list(map(_LOGS, evidence)), prior)
    # one piece per stretch of equal labels; confidence = mean probability of the chosen label
    starts = offsets()
    out: list[Piece] = []
    begin, total, n, prev = start, 0.0, 0, path[0]
    for i, (state, ev) in enumerate(zip(path, evidence)):
        if state != prev:
            out.append(Piece(begin, starts[i], states[prev], round(total / n, 4)))
            begin, total, n, prev = starts[i], 0.0, 0, state
        total += ev[0][state]
        n += 1
    out.append(Piece(begin, end, states[prev], round(total / n, 4)))
    return out


def _tokens(text: str, start: int, end: int) -> tuple[list[str], Callable[[], list[int]]]:
    """The words of ``text[start:end]`` as written, and a function giving their offsets (only
    asked for when the run switches language). Most runs hold no link, mention or hashtag: then
    the words are the pieces between the separators of one C-level ``split``, and the offsets
    the running sum of the pieces' lengths — no match object per word. ASCII text has its own
    spelling of the pattern (ranges instead of Unicode category look-ups: a third of the time)."""
    run = text[start:end]
    ascii = run.isascii()
    if "@" in run or "#" in run or "://" in run or "www." in run:
        token = _ASCII_TOKEN if ascii else _TOKEN
        tokens = token.findall(text, start, end)
        if "" in tokens:  # a link, mention or hashtag: not a word
            tokens = [w for w in tokens if w]
        return tokens, lambda: [m.start(1) for m in token.finditer(text, start, end) if m.lastindex]
    parts = (_ASCII_WORDS if ascii else _WORDS).split(run)  # gap, word, gap, word, …, gap
    return parts[1::2], lambda: list(accumulate(map(len, parts[:-1]), initial=start))[1::2]


#: state set -> {word as written -> (emission, its logarithms, leans to the run's language)}
_EVIDENCE: dict[tuple[str, ...], dict[str, tuple[tuple[float, ...], tuple[float, ...], bool]]] = {}
_EVIDENCE_SIZE = 200_000  # a state set's table is emptied when it grows past this many words
_LOGS, _LEANS = itemgetter(1), itemgetter(2)


def _learn(known: dict, tokens: list[str], states: tuple[str, ...]) -> None:
    """Evidence of new words for :func:`label_run`, stored in ``known`` (their state set's
    table): the emission of each word's normalised form, its logarithms (for Viterbi) and
    whether the run's own language is (jointly) the word's best state. The character model
    sees all of a run's new words in one call (:func:`.latin_model.prefetch`)."""
    words = [latin_model.normalise_word(t) for t in tokens]
    latin_model.prefetch(words)
    families = _families(states)
    for token, word in zip(tokens, words):
        em = _emission(word, states, families)
        known[token] = (em, tuple([math.log(p) for p in em]), em[0] == max(em))


def _emission(word: str, states: tuple[str, ...], families=None) -> tuple[float, ...]:
    """P(state | word) over ``states``: how frequent the word is in each language's word list
    (Zipf scale; a language whose list lacks the word gets a floor), times the character model's
    probability (softened), normalised. Evidence for a neighbour outside ``states`` counts for
    the state it folds into (Malay words in an Indonesian run are Indonesian). ``families``:
    :func:`_families` of ``states``, when the caller has it at hand."""
    zipf = latin_model.word_zipf(word)
    chars = latin_model.word_probs(word)
    logs = []
    for floor, family in families or _families(states):
        best = None  # the highest frequency any list of the family gives, else the floor
        char = 0.0  # the family's character-model probability, added in family order
        for i in family:
            char += chars[i]
            if zipf is not None and (z := zipf[i]) is not None and (best is None or z > best):
                best = z
        logs.append(FREQ_SCALE * (floor if best is None else best) + CHAR_WEIGHT * math.log(char))
    top = max(logs)
    exp = [math.exp(x - top) for x in logs]
    total = sum(exp)
    if len(word) <= SHORT:  # flatten: a two-letter word is nearly no evidence
        flat = 0.7 / len(states)
        return tuple([0.3 * (x / total) + flat for x in exp])
    return tuple([x / total for x in exp])


@lru_cache(maxsize=None)  # one entry per value of STATES
def _families(states: tuple[str, ...]) -> tuple[tuple[float, tuple[int, ...]], ...]:
    """For each state: its frequency floor and the indices (in :data:`latin_model.LABELS`) of the
    labels whose evidence it collects — itself, then the neighbours that fold into it."""
    return tuple(
        (latin_model.FLOOR[state],
         tuple(_INDEX[lang] for lang in [state] + [lang for lang, target in _FOLD.items() if target == state and lang not in states]))
        for state in states
    )


def _viterbi(log_emissions: list[tuple[float, ...]], prior: list[float]) -> list[int]:
    """Most likely state sequence (indices) given per-word log-probabilities and the run prior.

    Switching costs the same from every state, so a state's best predecessor is either itself
    (stay) or the best state of the step before (switch): the forward pass keeps only each
    step's scores and their maximum, as plain floats in one flat list (no back-pointer table,
    no tuple per word for the garbage collector to count), and the backward pass redoes the
    one stay-or-switch comparison on the chosen path. Runs of Indonesian, Javanese, Sundanese
    and Malay have three states (most words of the region pass here), Tagalog and Cebuano runs
    two, English runs five: those cases are written out, two to three times the speed of the
    general loop. All add in the
    same order as the textbook recursion, so they agree with it to the last bit.
    """
    n = len(prior)
    forward = _UNROLLED.get(n, _forward)
    history = forward(log_emissions, prior)
    base = len(history) - n - 1  # each step: n scores, then their maximum
    state = history.index(history[base + n], base, base + n) - base
    path = [state]
    while base:
        base -= n + 1
        top = history[base + n]
        if top + SWITCH > history[base + state] + STAY:  # never for the best state: STAY > SWITCH
            state = history.index(top, base, base + n) - base  # the first best state, as max() gives
        path.append(state)
    return path[::-1]


def _forward(log_emissions: list[tuple[float, ...]], prior: list[float]) -> list[float]:
    """Scores after each word, each step's followed by their maximum, in one flat list."""
    score = [p + e for p, e in zip(prior, log_emissions[0])]
    top = max(score)
    history = [*score, top]
    for em in log_emissions[1:]:
        switch = top + SWITCH
        before, score = score, []
        for s, p, e in zip(before, prior, em):
            stay = s + STAY
            score.append(((switch if switch > stay else stay) + p) + e)
        top = max(score)
        history += score
        history.append(top)
    return history


def _forward2(log_emissions: list[tuple[float, ...]], prior: list[float]) -> list[float]:
    """:func:`_forward` for two states (Tagalog and Cebuano runs), unrolled."""
    p0, p1 = prior
    e0, e1 = log_emissions[0]
    s0, s1 = p0 + e0, p1 + e1
    top = s0 if s0 >= s1 else s1
    history = [s0, s1, top]
    for e0, e1 in log_emissions[1:]:
        switch = top + SWITCH
        a = s0 + STAY
        s0 = ((switch if switch > a else a) + p0) + e0
        a = s1 + STAY
        s1 = ((switch if switch > a else a) + p1) + e1
        top = s0 if s0 >= s1 else s1
        history += (s0, s1, top)
    return history


def _forward3(log_emissions: list[tuple[float, ...]], prior: list[float]) -> list[float]:
    """:func:`_forward` for three states, unrolled."""
    p0, p1, p2 = prior
    e0, e1, e2 = log_emissions[0]
    s0, s1, s2 = p0 + e0, p1 + e1, p2 + e2
    top = s0 if s0 >= s1 and s0 >= s2 else s1 if s1 >= s2 else s2
    history = [s0, s1, s2, top]
    for e0, e1, e2 in log_emissions[1:]:
        switch = top + SWITCH
        a = s0 + STAY
        s0 = ((switch if switch > a else a) + p0) + e0
        a = s1 + STAY
        s1 = ((switch if switch > a else a) + p1) + e1
        a = s2 + STAY
        s2 = ((switch if switch > a else a) + p2) + e2
        top = s0 if s0 >= s1 and s0 >= s2 else s1 if s1 >= s2 else s2
        history += (s0, s1, s2, top)
    return history


def _forward5(log_emissions: list[tuple[float, ...]], prior: list[float]) -> list[float]:
    """:func:`_forward` for five states (English runs), unrolled."""
    p0, p1, p2, p3, p4 = prior
    e0, e1, e2, e3, e4 = log_emissions[0]
    s0, s1, s2, s3, s4 = p0 + e0, p1 + e1, p2 + e2, p3 + e3, p4 + e4
    top = max(s0, s1, s2, s3, s4)
    history = [s0, s1, s2, s3, s4, top]
    for e0, e1, e2, e3, e4 in log_emissions[1:]:
        switch = top + SWITCH
        a = s0 + STAY
        s0 = ((switch if switch > a else a) + p0) + e0
        a = s1 + STAY
        s1 = ((switch if switch > a else a) + p1) + e1
        a = s2 + STAY
        s2 = ((switch if switch > a else a) + p2) + e2
        a = s3 + STAY
        s3 = ((switch if switch > a else a) + p3) + e3
        a = s4 + STAY
        s4 = ((switch if switch > a else a) + p4) + e4
        top = max(s0, s1, s2, s3, s4)
        history += (s0, s1, s2, s3, s4, top)
    return history


_UNROLLED = {2: _forward2, 3: _forward3, 5: _forward5}  # states → its written-out forward pass


def clear_caches() -> None:
    """Forget cached word evidence (benchmarks measure cold runs with this)."""
    latin_model.clear_caches()
    _EVIDENCE.clear()
