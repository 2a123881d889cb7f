"""Language ID on the kind of text the region writes: code-switched sentences with their switch
points at exact code-point offsets, informal spelling, the closest language pairs, and the models
shipped in the package. The sentences were written for these tests (none comes from the
evaluation sets in ../shared/data/eval); each asserts what a reader of both languages would mark.
"""

from __future__ import annotations

from importlib import resources

import pytest

from khlang.lang import codeswitch, latin_model
from khlang.lang.langid import classify_latin, detect, spans


def layout(text: str) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.lang) for s in spans(text)]


def test_malay_english_switches_at_exact_code_point_offsets():
    text = ("Saya dah cakap dengan boss tadi 😂 tapi dia kata the meeting has been postponed "
            "until next week. Jadi kita tunggu je lah.")
    en, back = text.index("the meeting"), text.index("Jadi")
    assert layout(text) == [(0, en, "ms"), (en, back, "en"), (back, len(text), "ms")]
    # the emoji before the switch is one code point (two UTF-16 units, four UTF-8 bytes)
    assert en == 48 and text[en:back].rstrip() == "the meeting has been postponed until next week."
    assert detect(text)[0] == "ms"


def test_indonesian_english_switch_inside_one_sentence():
    text = "Aku udah bilang dari kemarin, deadline-nya besok pagi, so please finish your part tonight ya."
    at = text.index("so please")
    assert layout(text) == [(0, at, "id"), (at, len(text), "en")]


def test_indonesian_javanese_switch():
    text = "Tadi pagi aku ke kampus tapi dosennya ga dateng, terus aku mulih wae soale wis kesel banget."
    found = layout(text)
    assert [lang for _, _, lang in found] == ["id", "jv"]
    assert found[1][0] == text.index("aku mulih")  # "mulih wae soale wis kesel" is Javanese


def test_tagalog_english_switch():
    text = "Sobrang init ngayon, hindi ako makalabas ng bahay, I think I need a new electric fan."
    at = text.index("I think")
    assert layout(text) == [(0, at, "tl"), (at, len(text), "en")]


@pytest.mark.parametrize("text, lang", [
    ("Wingi aku tuku sego pecel nang pasar, enak tenan.", "jv"),
    ("Abdi teh bade angkat ka pasar enjing-enjing.", "su"),
    ("Unsa imong pangalan? Taga asa ka?", "ceb"),
    ("Capek bgt hari ini, gue ga sempet makan siang yg enak", "id"),
])
def test_monolingual_regional_text_is_one_span(text, lang):
    """Words shared with Indonesian (pasar, enak, makan) do not split a Javanese or Sundanese
    sentence, and informal Indonesian (bgt, gue, ga, yg) is Indonesian, not English or other."""
    assert layout(text) == [(0, len(text), lang)]
    assert detect(text)[0] == lang


def test_elongations_are_collapsed_before_the_model_sees_them():
    assert latin_model.words("Capek BANGETTT!! nakkkk pulanggg") == ["capek", "banget", "nak", "pulang"]
    assert detect("capek bangettt, pengen pulanggg")[0] == "id"


@pytest.mark.parametrize("text, lang", [
    ("Saya tidak boleh datang kerana ada mesyuarat di pejabat.", "ms"),
    ("Saya tidak bisa datang karena ada rapat di kantor.", "id"),
])
def test_indonesian_and_malay_are_told_apart_by_their_words(text, lang):
    vote = latin_model.frequency_vote(text, "id", "ms")
    assert (vote > 0) == (lang == "id")
    assert detect(text)[0] == lang


@pytest.mark.parametrize("text", [
    "Der Zug kommt heute später an.", "Il treno arriva oggi in ritardo.", "Bonjour tout le monde",
])
def test_other_latin_languages_are_other_not_a_regional_label(text):
    assert classify_latin(text)[0] == "other"


def test_uncertain_latin_text_does_not_fall_to_english():
    # Javanese (krama) the model barely knows: a regional label or other, never English
    lang, conf = classify_latin("Sampun dahar dereng?")
    assert lang != "en" and conf < 0.9


def test_a_run_in_one_language_labels_every_word_with_its_states():
    text = "gue kan nangis"
    [piece] = codeswitch.label_run(text, 0, len(text), "id", latin_model.probs(text))
    assert piece == codeswitch.Piece(0, len(text), "id", piece.confidence) and 0 < piece.confidence <= 1
    # links and mentions are not words: they never start a span
    tweet = "@budi cek https://t.co/x ya"
    assert [w for _, _, w in codeswitch.words(tweet, 0, len(tweet))] == ["cek", "ya"]


def test_models_ship_inside_the_package():
    data = resources.files("khlang.lang") / "data"
    for name in (latin_model.MODEL_FILE, latin_model.WORDS_FILE):
        path = data / name
        assert path.is_file() and path.stat().st_size < 5_000_000
    assert latin_model.word_zipf("banget")[latin_model.LABELS.index("id")] > 4
    probs = latin_model.probs("Saya tidak bisa datang")
    assert set(probs) == set(latin_model.LABELS) and abs(sum(probs.values()) - 1) < 0.01


def test_word_table_tenths_decode_to_the_decimal_values():
    """The word table stores Zipf values as tenths in one byte; each byte must decode to the very
    float its one-decimal number reads as (what the JSON lists of numbers used to give)."""
    assert latin_model._TENTHS[0] is None
    assert all(latin_model._TENTHS[c] == float(f"{c // 10}.{c % 10}") for c in range(1, 256))
    index, rows, listed = latin_model._word_table()
    assert len(rows) == len(index) * len(latin_model.LABELS) > 500_000 and len(listed) == len(index)
    for word in ("banget", "the", "boleh", "kasi", "aabang"):
        bits = sum(1 << i for i, z in enumerate(latin_model.word_zipf(word)) if z is not None)
        assert listed[index[word] // len(latin_model.LABELS)] == bits, word
    row = latin_model.word_zipf("banget")
    assert row is latin_model.word_zipf("banget") and all(z is None or 2 <= z <= 9 for z in row)
