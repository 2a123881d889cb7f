"""Burmese, Khmer and Lao words by default, and Zawgyi → Unicode through ICU.

Sentences are written for these tests (not taken from ../shared/data/eval); the Lao accuracy floor
uses the small external gold set in bench/data/seg_lo.txt (see bench/data/README.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from myanmar.converter import convert as python_myanmar  # the converter khlang used before ICU

from khlang.lang.normalize import normalize, zawgyi_to_unicode
from khlang.lang.segment import segment_words, words

LAO_GOLD = Path(__file__).resolve().parents[1] / "bench" / "data" / "seg_lo.txt"


# --- words by default ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        # "I will go to Yangon by train tomorrow."
        ("ကျွန်တော်သည် မနက်ဖြန် ရန်ကုန်မြို့သို့ ရထားဖြင့် သွားမည်။",
         ["ကျွန်တော်", "သည်", "မနက်ဖြန်", "ရန်ကုန်", "မြို့", "သို့", "ရထား", "ဖြင့်", "သွား", "မည်"]),
        # "The education ministry published new books for students."
        ("ပညာရေးဝန်ကြီးဌာနက ကျောင်းသားများအတွက် စာအုပ်အသစ်များ ထုတ်ဝေခဲ့သည်။",
         ["ပညာရေး", "ဝန်ကြီးဌာန", "က", "ကျောင်းသား", "များ", "အတွက်", "စာအုပ်", "အသစ်", "များ", "ထုတ်ဝေ",
          "ခဲ့", "သည်"]),
        # "The health ministry announced new measures to prevent dengue fever."
        ("ក្រសួងសុខាភិបាលបានប្រកាសពីវិធានការថ្មីដើម្បីការពារជំងឺគ្រុនឈាម។",
         ["ក្រសួង", "សុខាភិបាល", "បាន", "ប្រកាស", "ពី", "វិធានការ", "ថ្មី", "ដើម្បី", "ការពារ", "ជំងឺ", "គ្រុន", "ឈាម"]),
        # "I want to visit Siem Reap province next month."
        ("ខ្ញុំចង់ទៅលេងខេត្តសៀមរាបនៅខែក្រោយ។",
         ["ខ្ញុំ", "ចង់", "ទៅ", "លេង", "ខេត្ត", "សៀមរាប", "នៅ", "ខែ", "ក្រោយ"]),
        # "The government announced ... to develop the economy." (Lao)
        ("ລັດຖະບານໄດ້ປະກາດແຜນໃໝ່ເພື່ອພັດທະນາເສດຖະກິດ.",
         ["ລັດຖະບານ", "ໄດ້", "ປະກາດ", "ແຜນ", "ໃໝ່", "ເພື່ອ", "ພັດທະນາ", "ເສດຖະກິດ"]),
    ],
)
def test_words_are_words_not_syllables(text, expected):
    assert words(text) == expected


def test_default_engines_and_syllable_engines_differ():
    text = "ပညာရေးဝန်ကြီးဌာနက ကျောင်းသားများအတွက်"
    tokens, used = segment_words(text)
    assert used == ["burmesenlp"]
    syllables = words(text, engine="my-syllable")
    assert len(syllables) > len(tokens) and "".join(syllables) == "".join(tokens) == text.replace(" ", "")
    km = "ប្រទេសកម្ពុជាមានរាជធានីភ្នំពេញ"
    assert segment_words(km)[1] == ["khmernltk"] and words(km) == ["ប្រទេស", "កម្ពុជា", "មាន", "រាជធានី", "ភ្នំពេញ"]
    assert len(words(km, engine="khmer-cluster")) > len(words(km))
    assert segment_words("ປະເທດລາວ")[1] == ["laonlp"]


def test_words_keep_every_letter_of_mixed_text():
    text = "ခ្ញុំ ဆိုတာ Khmer ສະບາຍດີ ကျောင်းသား 2025 ខ្ញុំស្រលាញ់ប្រទេសកម្ពុជា"
    tokens = words(text)
    assert "".join(tokens) == text.replace(" ", "")
    assert "Khmer" in tokens and "2025" in tokens


def _spans(text: str, tokens: list[str]) -> set[tuple[int, int]]:
    out, pos = set(), 0
    for tok in tokens:
        i = text.find(tok, pos)
        out.add((i, i + len(tok)))
        pos = i + len(tok)
    return out


def test_lao_words_on_external_gold():
    """Word F1 (punctuation not counted) on 200 human-checked Lao sentences (HVULao_NLP test set) written outside the project."""
    scores = {}
    for engine in ("laonlp", "lao-icu", "lao-syllable"):
        tp = n_gold = n_hyp = 0
        for line in LAO_GOLD.read_text(encoding="utf-8").splitlines():
            text = line.replace("|", "")
            gold = _spans(text, [w for w in line.split("|") if re.search(r"\w", w)])  # words, as words() gives
            hyp = _spans(text, words(text, engine=engine))
            tp, n_gold, n_hyp = tp + len(gold & hyp), n_gold + len(gold), n_hyp + len(hyp)
        scores[engine] = 2 * tp / (n_gold + n_hyp)
    assert scores["laonlp"] > 0.72 and scores["lao-icu"] > 0.72, scores
    assert scores["lao-syllable"] < scores["laonlp"] - 0.2, scores  # words, not syllables


# --- Zawgyi → Unicode: the gaps python-myanmar left ---------------------------------------------
ZAWGYI_GAPS = {
    # ha-htoe typed after the vowel: ရိွ must become ရှိ, not ရိွ
    "ha_htoe": ("ဒီမွာ စာအုပ္ေတြ ရိွတယ္", "ဒီမှာ စာအုပ်တွေ ရှိတယ်"),
    # digit zero typed for the letter wa
    "zero_wa": ("၀န္ႀကီးခ်ဳပ္ ေျပာၾကားသည္", "ဝန်ကြီးချုပ် ပြောကြားသည်"),
    # ဥ + asat is nya-lay with asat (ဉ်), as in ဥယျာဉ် "garden"
    "u_asat": ("ဥယ်ာဥ္ထဲမွာ ပန္းေတြ ပြင့္တယ္", "ဥယျာဉ်ထဲမှာ ပန်းတွေ ပွင့်တယ်"),
    # U+1093, Zawgyi's stacked bha, must not survive in the output (ကမ္ဘာ "world")
    "u1093": ("ကမ႓ာေပၚမွာ လူေတြ အမ်ားႀကီး ရွိတယ္", "ကမ္ဘာပေါ်မှာ လူတွေ အများကြီး ရှိတယ်"),
}


@pytest.mark.parametrize("case", sorted(ZAWGYI_GAPS))
def test_zawgyi_rule_gaps_are_closed(case):
    zawgyi, unicode = ZAWGYI_GAPS[case]
    assert python_myanmar(zawgyi, "zawgyi", "unicode") != unicode  # the gap was real
    assert zawgyi_to_unicode(zawgyi) == unicode
    text, counts = normalize(zawgyi)
    assert text == unicode and counts == {"zawgyi": 1}
    assert "\u1093" not in text


def test_zawgyi_digit_four_at_the_end_stays_a_digit():
    # "Chapter 4": ICU alone ends the line with the locative sign ၎ (U+104E)
    assert _icu("အခန္း ၄") == "အခန်း ၎"
    assert zawgyi_to_unicode("အခန္း ၄") == "အခန်း ၄"
    assert zawgyi_to_unicode("၄င္း") == "၎င်း"  # the pronoun ၎င်း "it" keeps its sign


def test_zawgyi_medial_typed_between_ya_yit_and_its_consonant():
    # ဒါမှဖြစ်မယ် "only then will it happen" with ha-htoe typed after ya-yit instead of before it
    usual = "\u1012\u102b\u1019\u103d\u103b\u1016\u1005\u1039\u1019\u101a\u1039"
    swapped = "\u1012\u102b\u1019\u103b\u103d\u1016\u1005\u1039\u1019\u101a\u1039"
    assert _icu(swapped) != "ဒါမှဖြစ်မယ်"  # ICU hangs ya-yit on ma: ဒါမြှဖစ်မယ်
    assert zawgyi_to_unicode(swapped) == zawgyi_to_unicode(usual) == "ဒါမှဖြစ်မယ်"


def test_short_zawgyi_line_the_detector_is_unsure_of():
    from khlang.lang.normalize import ZAWGYI_THRESHOLD, _zawgyi_detector

    detector = _zawgyi_detector()
    zawgyi = "မဂၤလာပါ"  # "hello", with Zawgyi's kinzi sign U+1064
    assert 0.5 < detector.get_zawgyi_probability(zawgyi) < ZAWGYI_THRESHOLD
    assert normalize(zawgyi) == ("မင်္ဂလာပါ", {"zawgyi": 1})
    # a lone Unicode word in the same band stays: ရွာ "village" is not Zawgyi for ရှာ "search"
    assert 0.5 < detector.get_zawgyi_probability("ရွာ") < ZAWGYI_THRESHOLD
    assert normalize("ရွာ") == ("ရွာ", {})


def _icu(text: str) -> str:
    import icu

    return icu.Transliterator.createInstance("Zawgyi-my").transliterate(text)


def test_unicode_burmese_is_left_alone():
    for _, unicode in ZAWGYI_GAPS.values():
        assert normalize(unicode) == (unicode, {})
    # asat before dot below after nya (what people type and the reference writes) survives both ways
    assert normalize("ရှိသည့် အခွင့်အရေး")[0] == "ရှိသည့် အခွင့်အရေး"


def test_thai_words_cut_particles_and_keep_emphasis():
    # "I want it sooo much, really; right now there's no need to go" (social-media spelling)
    text = "อยากได้มากกกกก จริงๆ ตอนนี้ไม่ต้องไป"
    assert segment_words(text)[1] == ["thai-words"]
    assert words(text) == ["อยาก", "ได้", "มากกกกก", "จริง", "ๆ", "ตอน", "นี้", "ไม่", "ต้อง", "ไป"]
    plain = words(text, engine="nlpo3")  # PyThaiNLP's dictionary keeps the compounds
    assert "ตอนนี้" in plain and "".join(plain) == "".join(words(text))


def test_zawgyi_probability_is_the_detectors_to_the_last_bit():
    """normalize computes myanmartools' probability with NumPy lookups; it must equal the
    library's own method exactly (same states — including characters the library's unsorted
    character list makes it miss — same ratios, same summation order)."""
    import random

    from khlang.lang.normalize import _zawgyi_detector, _zawgyi_tables, zawgyi_probability

    detector = _zawgyi_detector()
    assert _zawgyi_tables() is not None  # the NumPy path is the one compared here
    rng = random.Random(7)
    alphabet = ([chr(c) for c in range(0x1000, 0x10A0)] + [chr(c) for c in range(0xA9E0, 0xAA80)]
                + [chr(c) for c in range(0x2000, 0x200C)] + list("ab 1\n€"))
    texts = ["", "abc", "ရွာ", "မဂၤလာပါ", *(v for pair in ZAWGYI_GAPS.values() for v in pair)]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(3000)]
    for text in texts:
        assert zawgyi_probability(text) == detector.get_zawgyi_probability(text), text
