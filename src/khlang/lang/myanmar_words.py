"""burmesenlp's Burmese word segmentation (greedy longest match over syllables), the same tokens
as its ``WordSegmenter(Lexicon.default()).segment(tokenize(text))`` at 2.5 times the speed.

burmesenlp makes a frozen dataclass per syllable, and at every syllable tries each word length
from 17 syllables down to 2, joining the syllables anew for each length. Here the syllables are
plain strings, and the candidates grow one syllable at a time only while they still begin some
dictionary word (a set of every word's prefixes), so most positions cost one or two lookups; the
longest candidate that is a word and does not swallow the first syllable of a frozen function
word (burmesenlp's ``FROZEN_WORD_SYLLABLES``) wins, as in burmesenlp. The dictionary is the word
set of ``Lexicon.default()``, built without its per-word validation and syllable counting (a third
of a second); tests compare the set and the tokens with burmesenlp's own.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

# burmesenlp.tokenize.syllable: Myanmar runs, whitespace, other runs; syllable starts in a Myanmar
# run (sylbreak: a consonant not after a stacker nor before asat/stacker, an independent vowel or
# symbol, the first digit of a digit run, the Burmese comma and full stop); punctuation elsewhere
_RUNS = re.compile(r"[\u1000-\u109F]+|\s+|[^\u1000-\u109F\s]+")
_BREAK = re.compile(
    "(?<!\u1039)[\u1000-\u1021](?![\u103A\u1039])"
    "|[\u1023-\u102A\u104C-\u104F]"
    "|(?<![\u1040-\u1049])[\u1040-\u1049]"
    "|[\u104A\u104B]"
)
_DIGITS = re.compile("[\u1040-\u1049]+")
_STOPS = re.compile("[\u104a\u104b]+")
_PUNCT = ".,;:!?()[]{}\"'\u2026\u201c\u201d\u2018\u2019"
_OTHER_SPLIT = re.compile(f"[{re.escape(_PUNCT)}]+|[^{re.escape(_PUNCT)}]+")
_DIGIT_OR_STOP = frozenset("\u1040\u1041\u1042\u1043\u1044\u1045\u1046\u1047\u1048\u1049\u104a\u104b")
_SYLLABLE, _DIGIT, _NONE = 0, 1, 2  # kinds that matter here: syllables, digit runs, the rest


class MyanmarWords:
    """Greedy longest match of syllables against a word set (burmesenlp's ``longest`` engine)."""

    def __init__(self, words, max_syllables: int, counters, numerals, frozen) -> None:
        self.words = frozenset(words)
        self.prefixes = frozenset(w[:k] for w in self.words for k in range(1, len(w) + 1))
        self.max_syllables = max_syllables
        self.counters, self.numerals = frozenset(counters), frozenset(numerals)
        self.frozen: dict[str, list[tuple[str, ...]]] = {}  # first syllable → frozen words
        for seq in frozen:
            self.frozen.setdefault(seq[0], []).append(tuple(seq))

    def segment(self, text: str) -> list[str]:
        """Words, digit runs (a digit run and a counter word after it are one word) and the
        punctuation and other tokens in between, as burmesenlp gives them."""
        out: list[str] = []
        for m in _RUNS.finditer(text):
            run = m.group()
            if run.isspace():
                continue
            if "\u1000" <= run[0] <= "\u109f":
                self._myanmar(run, out)
            else:
                out += _OTHER_SPLIT.findall(run)
        return out

    def _myanmar(self, run: str, out: list[str]) -> None:
        starts = [m.start() for m in _BREAK.finditer(run)]
        if not starts or starts[0]:
            starts.insert(0, 0)
        pieces = [run[a:b] for a, b in zip(starts, starts[1:] + [len(run)])]
        kinds = [_SYLLABLE if p[0] not in _DIGIT_OR_STOP else _DIGIT if _DIGITS.fullmatch(p)
                 else _NONE if _STOPS.fullmatch(p) else _SYLLABLE for p in pieces]
        i, n = 0, len(pieces)
        while i < n:
            if kinds[i] == _DIGIT:  # digits + a counter word: one word
                if i + 1 < n and kinds[i + 1] == _SYLLABLE and pieces[i + 1] in self.counters:
                    out.append(pieces[i] + pieces[i + 1])
                    i += 2
                else:
                    out.append(pieces[i])
                    i += 1
            elif kinds[i] == _NONE:
                out.append(pieces[i])
                i += 1
            else:
                j = i + 1
                while j < n and kinds[j] == _SYLLABLE:
                    j += 1
                self._match(pieces[i:j], out)
                i = j

    def _match(self, syl: list[str], out: list[str]) -> None:
        m, k = len(syl), 0
        frozen_at = self._frozen_starts(syl)
        words, prefixes = self.words, self.prefixes
        while k < m:
            # candidates of 2+ syllables that are words, grown while they begin some word
            found, cand, top = [], syl[k], min(self.max_syllables, m - k)
            for length in range(2, top + 1):
                if cand not in prefixes:
                    break
                cand += syl[k + length - 1]
                if cand in words:
                    found.append((length, cand))
            for length, cand in reversed(found):
                if not any(frozen_at[k + 1 : k + length]):  # would swallow a frozen word's onset
                    out.append(cand)
                    k += length
                    break
            else:
                if syl[k] in self.numerals and k + 1 < m and syl[k + 1] in self.counters:
                    out.append(syl[k] + syl[k + 1])
                    k += 2
                else:
                    out.append(syl[k])
                    k += 1

    def _frozen_starts(self, syl: list[str]) -> list[bool]:
        """Whether one of the frozen function words starts at each syllable."""
        frozen = self.frozen
        return [any(tuple(syl[p : p + len(seq)]) == seq for seq in frozen[s]) if s in frozen else False
                for p, s in enumerate(syl)]


def _syllable_count(word: str) -> int:
    """burmesenlp's ``len(tokenize(word))`` for a word without spaces."""
    count = 0
    for m in _RUNS.finditer(word):
        run = m.group()
        if run.isspace():
            continue
        if "\u1000" <= run[0] <= "\u109f":
            count += len({0} | {b.start() for b in _BREAK.finditer(run)})
        else:
            count += len(_OTHER_SPLIT.findall(run))
    return count


def default_words() -> tuple[set[str], int]:
    """The word set of burmesenlp's ``Lexicon.default()`` and its longest word in syllables:
    seed lists, the bundled JSON files, the canonical closed-class words, each normalised as
    the lexicon normalises it."""
    from burmesenlp import lexicon as lx
    from burmesenlp.normalize import normalize

    words = {normalize(w, warn_zawgyi=False) for w in lx._seed_entries()}
    for path in sorted(lx._DATA_DIR.glob("*.json")):
        for w in json.loads(path.read_text(encoding="utf-8-sig")):
            key = normalize(w, warn_zawgyi=False)
            if key:
                words.add(normalize(key, warn_zawgyi=False))
    words |= {normalize(w, warn_zawgyi=False) for w in lx._CANONICAL_TAGS}
    words.discard("")
    longest = 1  # a word has at most as many syllables as characters: count only the long ones
    for w in sorted(words, key=len, reverse=True):
        if len(w) <= longest:
            break
        longest = max(longest, _syllable_count(w))
    return words, longest


@lru_cache(maxsize=1)
def segmenter() -> MyanmarWords:
    """burmesenlp's default lexicon and grammar lists, loaded once per process."""
    from burmesenlp import grammar

    words, longest = default_words()
    return MyanmarWords(words, longest, grammar.COUNTER_CLASSIFIERS, grammar.NUMERAL_WORDS,
                        grammar.FROZEN_WORD_SYLLABLES)
