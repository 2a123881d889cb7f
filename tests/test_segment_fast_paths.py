"""khlang runs LaoNLP's and Burmese segmenters with its own faster code (lang/lao_maxmatch.py,
lang/myanmar_words.py): the tokens must be exactly the libraries' own, on real sentences, on
sentences with digits, Latin, punctuation and unknown characters inserted, and on long texts
(LaoNLP cuts texts of 140 characters or more into pieces)."""

import random
from pathlib import Path

import pytest
from laonlp.tokenize import word_tokenize as laonlp_word_tokenize

from khlang.lang.segment import _laonlp

DATA = Path(__file__).resolve().parents[1] / "bench" / "data"


def sentences(lang: str) -> list[str]:
    rows = [line.split("\t", 1) for line in (DATA / "langid_eval.tsv").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]
    return [text for code, text in rows if code == lang]


def with_noise(texts: list[str], inserts: list[str], seed: int = 1) -> list[str]:
    """Each text with five insertions (digits, Latin, spaces, newlines, stray marks, "/")."""
    rng = random.Random(seed)
    out = []
    for text in texts:
        chars = list(text)
        for _ in range(5):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(inserts))
        out.append("".join(chars))
    return out


def lao_texts() -> list[str]:
    gold = [line.replace("|", "") for line in (DATA / "seg_lo.txt").read_text(encoding="utf-8").splitlines()]
    real = sentences("lo") + gold
    noise = ["x", "12", "A-b", " ", "\n", "໑໒", "ກ", "ະ", "?", "\u200b", "3,5", " / ", "a/b"]
    return real + with_noise(real, noise) + ["\n".join(gold), "".join(gold).replace(" ", ""), "", "abc", "/"]


@pytest.fixture(scope="module")
def lao() -> list[str]:
    texts = lao_texts()
    assert len(texts) > 400 and max(map(len, texts)) > 10_000
    return texts


def test_lao_same_tokens_as_laonlp(lao):
    differ = [text[:40] for text in lao if _laonlp(text) != laonlp_word_tokenize(text)]
    assert differ == []


def burmese_texts() -> list[str]:
    real = sentences("my")
    noise = ["၁၂", "၁၂ယောက်", " ", "\n", "abc", "(", "၊", "။", "သလို", "ရ", "12", "\u1039", "\u103a"]
    return real + with_noise(real, noise) + with_noise(real, noise, seed=2) + [
        "\n".join(real), "၁၂ယောက် ၃ခု, abc. (၁၂၃) ၊ ။ သလို ရသလို သုံးခု ကတော့", "", " ", "ꩠꩡ က"]


def test_burmese_same_tokens_as_burmesenlp():
    from burmesenlp import Lexicon
    from burmesenlp.tokenize import WordSegmenter, tokenize

    from khlang.lang.myanmar_words import default_words, segmenter

    lexicon = Lexicon.default()
    words, longest = default_words()
    assert words == set(lexicon.words()) and longest == lexicon.max_word_syllables
    reference = WordSegmenter(lexicon)
    texts = burmese_texts()
    assert len(texts) >= 30
    differ = [text[:40] for text in texts
              if segmenter().segment(text) != [t.text for t in reference.segment(tokenize(text))]]
    assert differ == []
    # the rules that differ from a plain longest match all fire on these texts
    tokens = segmenter().segment(texts[-4])
    assert "၁၂ယောက်" in tokens and "သုံးခု" in tokens and "သလို" in tokens


def test_count_sentences_same_as_sentences():
    from khlang.lang.segment import count_sentences, sentences

    rows = [line.split("\t", 1)[1] for line in (DATA / "langid_eval.tsv").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]
    rng = random.Random(3)
    docs = ["".join(rng.choice(rows) + rng.choice([" ", "\n", "\n\n", ' "', "។", ". ", ""]) for _ in range(12))
            for _ in range(300)]
    # random strings of the characters the rules look at: terminators, quotes, brackets, spaces,
    # newlines, Thai/Lao letters, Latin letters, digits
    alphabet = list("ab1 \t\n.!?។៕。\"'”’)](“‘(ก ຂ_9\r\u00a0\u200b")
    fuzz = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(16))) for _ in range(30_000)]
    differ = [t for t in docs + fuzz if count_sentences(t) != len(sentences(t))]
    assert differ == []
    assert count_sentences("ก ข។ Hi. \"Yes\" no\n\nok") == len(sentences("ก ข។ Hi. \"Yes\" no\n\nok")) == 5
