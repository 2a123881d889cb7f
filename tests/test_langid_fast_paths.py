"""The fast paths of language ID give exactly what the plain formulations give: the Viterbi pass
without a back-pointer table against the textbook recursion, script counts from the NumPy lookup
table against one regex per script, word offsets from ``split`` against the token pattern (links
and mentions skipped), and the ASCII spellings of the word patterns against the Unicode ones."""

from __future__ import annotations

import math
import random
import re

import pytest

from khlang.lang import codeswitch, latin_model
from khlang.lang.scripts import SCRIPT_RANGES, script_counts


def textbook_viterbi(log_emissions, prior):
    """Viterbi with a back-pointer table: every state considers every predecessor."""
    n = len(prior)
    trans = [[codeswitch.STAY if i == j else codeswitch.SWITCH for j in range(n)] for i in range(n)]
    score = [p + e for p, e in zip(prior, log_emissions[0])]
    back = []
    for em in log_emissions[1:]:
        step, new = [], []
        for j in range(n):
            cands = [score[i] + trans[i][j] for i in range(n)]
            best = cands.index(max(cands))
            step.append(best)
            new.append(cands[best] + prior[j] + em[j])
        back.append(step)
        score = new
    state = score.index(max(score))
    path = [state]
    for step in reversed(back):
        state = step[state]
        path.append(state)
    return path[::-1]


@pytest.mark.parametrize("n_states", [2, 3, 5])
def test_viterbi_finds_the_textbook_path(n_states):
    rng = random.Random(n_states)
    for _ in range(300):
        length = rng.randint(1, 60)
        ems = [tuple(math.log(rng.uniform(0.01, 1)) for _ in range(n_states)) for _ in range(length)]
        prior = [math.log(rng.uniform(0.02, 1)) * codeswitch.PRIOR_WEIGHT for _ in range(n_states)]
        assert codeswitch._viterbi(ems, prior) == textbook_viterbi(ems, prior)


def test_script_counts_count_each_letter_in_its_script():
    text = "ภาษาไทย English ພາສາລາວ ខ្មែរ မြန်မာ தமிழ் 中文字 ひらがな 한국어 Русский 😀 ١٢٣ Việt"
    expected = {name: len(re.findall(f"[{chars}]", text)) for name, chars in SCRIPT_RANGES.items()}
    assert script_counts(text) == {name: n for name, n in expected.items() if n}
    assert list(script_counts(text)) == [name for name in SCRIPT_RANGES if expected[name]]
    assert script_counts("") == {} and script_counts("123 !?") == {}


def test_word_offsets_do_not_move_when_links_and_mentions_are_added():
    plain = "vcrnya jahat bgt masa pake lagu just as usual gue kan nangis"
    linked = "@budi " + plain + " https://t.co/x #mood"
    probs = latin_model.probs(plain)
    a = codeswitch.label_run(plain, 0, len(plain), "id", probs)
    b = codeswitch.label_run(linked, 0, len(linked), "id", probs)
    assert len(a) > 1  # the English phrase is its own piece
    shift = len("@budi ")
    assert [(p.start, p.lang) for p in a[1:]] == [(p.start - shift, p.lang) for p in b[1:]]
    for p in b[1:]:  # every switch falls on the first letter of a word
        assert linked[p.start].isalpha() and linked[p.start - 1] == " "


@pytest.mark.parametrize("text", [
    "Señor BANGETTT, café’s nakkkk pulanggg — ok?",  # not ASCII: the Unicode patterns
    "Capek BANGETTT!! nakkkk pulanggg, don't stop-it",  # ASCII: the range patterns
])
def test_ascii_and_unicode_word_patterns_agree(text):
    expected = re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.sub(r"([^\W\d_])\1{2,}", r"\1", text.lower()))
    assert latin_model.words(text) == expected
    toks, offsets = codeswitch._tokens(text, 0, len(text))
    matches = [m for m in codeswitch._TOKEN.finditer(text) if m.lastindex]
    assert toks == [m.group(1) for m in matches] and offsets() == [m.start(1) for m in matches]


def regex_letter_stretches(text: str) -> list[list]:
    """The stretches of one script as one regex finds them (an alternative per script, each a
    letter stretch with the spaces, digits and punctuation between its words), then the letters
    of unnamed scripts between those matches, merged where only common characters part them."""
    named = "".join(SCRIPT_RANGES.values())
    pattern = re.compile("|".join(
        f"(?P<{name}>[{chars}]+(?:(?:(?![{named}])[\\W\\d_])*[{chars}]+)*)" for name, chars in SCRIPT_RANGES.items()))
    letter = re.compile(r"[^\W\d_]")
    marks = [[m.start(), m.end(), m.lastgroup] for m in pattern.finditer(text)]
    out, pos = [], 0
    for mark in marks + [[len(text), len(text), None]]:
        for m in letter.finditer(text, pos, mark[0]):
            if out and out[-1][2] == "other" and not letter.search(text, out[-1][1], m.start()):
                out[-1][1] = m.end()
            else:
                out.append([m.start(), m.end(), "other"])
        if mark[2] is not None:
            out.append(mark)
        pos = mark[1]
    return out


def test_letter_stretches_from_code_points_equal_the_regex():
    from khlang.lang.scripts import _letter_stretches

    rng = random.Random(21)
    pieces = ["ab", "Zé", "ข่าว", "๑", "๏", "ສ", "ខ្មែរ", "မြန်", "தமிழ்", "中文", "\U00020000", "カナ", "한", "жи", "ع",
              "\u0301", " ", "  ", "\n", "1", "_", ",", "(", "“", "«", "🙂", "-", "ß", "ſ", "\u3005", "ǅ"]
    for n in range(6000):  # short texts, and long ones (many non-ASCII characters: the regex path)
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12 if n % 2 else 60)))
        assert _letter_stretches(text) == regex_letter_stretches(text), text
