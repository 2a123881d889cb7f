"""The Southeast-Asian language layer on real text: normalisation rules (each with a broken input
it fixes and a correct input it leaves alone), Thai dates, Zawgyi, language spans on the Thai seed
articles, and segmentation."""

from __future__ import annotations

import re

import pytest

from khlang.document import Document
from khlang.lang.langid import classify_latin, detect, spans, zh_script
from khlang.lang.normalize import RULE_NAMES, normalize
from khlang.lang.segment import sentences, words
from khlang.lang.thaidate import date_metadata
from khlang.registry import build

HAN = re.compile(r"[\u4e00-\u9fff]")

# rule → (broken input, what the rule makes of it, correct text the rule must leave alone)
RULE_CASES = {
    "thai_zero_width": ("ภาษา\u200bไทย", "ภาษาไทย", "ภาษา ไทย"),
    "thai_sara_ae": ("เเม่", "แม่", "แม่"),
    "thai_sara_am": ("น\u0e49\u0e4d\u0e32", "น\u0e49\u0e33", "น้ำ"),  # น + tone + nikhahit + sara aa
    "thai_tone_order": ("ท\u0e48\u0e35", "ท\u0e35\u0e48", "ที่นี่"),  # ที่ typed tone-first
    "thai_dup_marks": ("ก\u0e48\u0e48อน", "ก\u0e48อน", "ก่อน"),
    "thai_digits": ("ปี ๒๕๖๘", "ปี 2568", "ปี 2568"),
    "lao_sara_ae": ("ເເມ່", "ແມ່", "ແມ່"),
    "lao_sara_am": ("ນ\u0ecd\u0eb2", "ນ\u0eb3", "ນຳ"),
    "lao_tone_order": ("ມ\u0ec8\u0eb5", "ມ\u0eb5\u0ec8", "ມີ່"),
    "lao_dup_marks": ("ກ\u0ec9\u0ec9ວຍ", "ກ\u0ec9ວຍ", "ກ້ວຍ"),
    "khmer_coeng_order": ("ក\u17b6\u17d2\u179a", "ក\u17d2\u179a\u17b6", "ក្រា"),  # ក្រា
    "khmer_shifter_order": ("ប\u17be\u17ca", "ប\u17ca\u17be", "ប៊ើ"),
    "khmer_dup_marks": ("ក\u17b6\u17b6", "ក\u17b6", "កា"),
    "khmer_coeng_ro_order": ("ស\u17d2\u179a\u17d2\u178f\u17b8", "ស\u17d2\u178f\u17d2\u179a\u17b8", "ស្ត្រី"),
    "khmer_deprecated": ("\u17a4\u179a", "\u17a2\u17b6\u179a", "អារ"),
    "lao_ho_ligature": ("ຫນອງ", "ໜອງ", "ໜອງຄາຍ"),
    "myanmar_medial_order": ("က\u103d\u103bန\u103a", "က\u103b\u103dန\u103a", "ကျွန်တော်"),
    "zawgyi": ("ေက်ာင္းသားမ်ား ျမန္မာနိုင္ငံ သြားသည္", "ကျောင်းသားများ မြန်မာနိုင်ငံ သွားသည်",
               "ကျောင်းသားများ မြန်မာနိုင်ငံ သွားသည်"),
}


def test_every_rule_has_a_case():
    assert set(RULE_CASES) == set(RULE_NAMES)


@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_rule_fixes_broken_and_keeps_correct(rule):
    broken, fixed, correct = RULE_CASES[rule]
    assert broken != fixed
    out, counts = normalize(broken, **{rule: True})
    assert out == fixed and counts.get(rule, 0) >= 1
    # switched off, the broken input stays broken (so it is this rule that fixes it)
    out_off, counts_off = normalize(broken, **{rule: False})
    assert rule not in counts_off
    assert out_off == broken
    # correct text passes through untouched
    assert normalize(correct, **{rule: True}) == (correct, {})


def test_thai_digits_off_by_default_and_unknown_rule_rejected():
    assert normalize("๒๕๖๘")[0] == "๒๕๖๘"
    with pytest.raises(TypeError, match="unknown normalisation rules"):
        normalize("x", thai_colour=True)


def test_seed_articles_need_no_repair_but_dates_are_read(seed_texts):
    for text in seed_texts:
        out, counts = normalize(text)
        assert out == text and counts == {}  # well-formed Unicode news text is left alone
    meta = [date_metadata(t) for t in seed_texts]
    assert meta[0]["date_gregorian"] == "2025-02-05"  # "5 กุมภาพันธ์ 2568"
    assert meta[2]["date_gregorian"] == "2019-07-09" and meta[2]["date_text"] == "๙ กรกฎาคม ๒๕๖๒"
    assert meta[3]["date_gregorian"] == "2018-04-19" and meta[3]["date_buddhist_era"] is False
    assert 2020 in meta[2]["buddhist_era_years"]  # "ปี ๒๕๖๓"


def test_thai_dates_full_abbreviated_and_invalid():
    assert date_metadata("ประกาศเมื่อ 23 มกราคม 2568")["date_gregorian"] == "2025-01-23"
    assert date_metadata("วันที่ ๒๓ ม.ค. ๖๘")["date_gregorian"] == "2025-01-23"
    assert date_metadata("ภายใน พ.ศ. 2570 นี้") == {"buddhist_era_years": [2027]}
    assert date_metadata("31 กุมภาพันธ์ 2568") == {}


def test_normalize_stage_records_counts_zawgyi_and_date():
    stage = build("normalize", {"thai_digits": True})
    doc = Document("a", "เเม่ไป ๒๓ มกราคม ๒๕๖๘\nေက်ာင္းသားမ်ား ျမန္မာနိုင္ငံ သြားသည္")
    [doc] = list(stage([doc]))
    assert doc.text.startswith("แม่ไป 23 มกราคม 2568\nကျောင်းသားများ")
    assert doc.annotations["normalize"] == {"thai_sara_ae": 1, "thai_digits": 6, "zawgyi": 1}
    assert doc.metadata["zawgyi_converted"] is True and doc.metadata["date_gregorian"] == "2025-01-23"
    with pytest.raises(TypeError):
        build("normalize", {"no_such_rule": True})


# --- language identification -----------------------------------------------------------------
def test_seed_articles_are_thai_with_zh_and_en_spans(seed_texts):
    zh_seen = en_seen = 0
    for text in seed_texts:
        lang, conf = detect(text)
        assert lang == "th" and conf > 0.5
        found = spans(text)
        assert found[0].start == 0 and found[-1].end == len(text)
        assert all(a.end == b.start for a, b in zip(found, found[1:]))  # contiguous, no gaps
        assert all(a.lang != b.lang for a, b in zip(found, found[1:]))  # neighbours merged
        for s in found:
            piece = text[s.start : s.end]
            if s.lang == "zh":
                zh_seen += 1
                assert HAN.search(piece) and not re.search("[\u0e00-\u0e7f]", piece)
            if s.lang == "en":
                en_seen += 1
                assert re.search("[A-Za-z]", piece) and not re.search("[\u0e00-\u0e7f\u4e00-\u9fff]", piece)
        # every Han character of the article lies in a zh span
        in_zh = sum(len(HAN.findall(text[s.start : s.end])) for s in found if s.lang == "zh")
        assert in_zh == len(HAN.findall(text))
    assert zh_seen >= 3 and en_seen >= 20
    text = seed_texts[1]
    en = [text[s.start : s.end] for s in spans(text) if s.lang == "en"]
    assert any("Artificial Intelligence" in piece for piece in en)
    zh = [text[s.start : s.end] for s in spans(text) if s.lang == "zh"]
    assert any("人工智能创新合作中心" in piece for piece in zh)


@pytest.mark.parametrize(
    "text, lang",
    [
        ("ສາທາລະນະລັດ ປະຊາທິປະໄຕ ປະຊາຊົນລາວ", "lo"),
        ("ព្រះរាជាណាចក្រកម្ពុជា", "km"),
        ("မြန်မာနိုင်ငံ", "my"),
        ("தமிழ் ஒரு பழமையான மொழி", "ta"),
        ("我们今天去北京开会", "zh"),
        ("Hôm nay trời đẹp quá, chúng tôi đi dạo ở Hà Nội.", "vi"),
        ("The committee will publish its final report next week.", "en"),
        ("Pemerintah akan memperbaiki jalan yang rusak bulan depan, kata pejabat itu.", "id"),
        ("Kerajaan akan membaiki jalan yang rosak bulan hadapan, kata pegawai itu.", "ms"),
        ("Pupunta kami sa palengke bukas ng umaga para bumili ng isda.", "tl"),
        ("Moadto mi sa merkado ugma sa buntag aron mopalit og isda.", "ceb"),
        ("Привет, как дела?", "other"),
    ],
)
def test_detect_languages(text, lang):
    assert detect(text)[0] == lang


def test_zh_script_and_empty_text():
    assert zh_script("这个国家的经济发展") == "zh-Hans"
    assert zh_script("這個國家的經濟發展") == "zh-Hant"
    assert detect("") == ("other", 0.0) and detect("12 34 !!") == ("other", 0.0)
    assert spans("") == []
    assert classify_latin("") == ("other", 0.0)


def test_langid_stage_annotation_is_compact(seed_texts):
    [doc] = list(build("langid")([Document("s", seed_texts[1])]))
    ann = doc.annotations["langid"]
    assert doc.lang == "th" and ann["lang"] == "th" and ann["zh_script"] == "zh-Hans"
    assert all(len(s) == 4 for s in ann["spans"])
    langs = [s[2] for s in ann["spans"]]
    assert {"th", "zh", "en"} <= set(langs)
    assert all(a != b for a, b in zip(langs, langs[1:]))


# --- segmentation ----------------------------------------------------------------------------
def test_words_thai_mixed_scripts():
    tokens = words("ประเทศจีนพัฒนา AI (Artificial Intelligence) ร่วมกับ 中国 ครับ")
    assert tokens[:2] == ["ประเทศ", "จีน"]
    assert {"AI", "Artificial", "Intelligence", "中", "国"} <= set(tokens)
    assert all(t and not t.isspace() and t not in "()" for t in tokens)


def test_words_engines_agree_and_cover_seed(seed_texts):
    text = seed_texts[0]
    newmm, nlpo3 = words(text), words(text, engine="nlpo3")
    letters = re.sub(r"[\W_]", "", text)
    assert re.sub(r"[\W_]", "", "".join(newmm)) == letters  # nothing lost, nothing invented
    assert re.sub(r"[\W_]", "", "".join(nlpo3)) == letters
    assert len(set(newmm) & set(nlpo3)) > 0.8 * len(set(newmm))
    with pytest.raises(ValueError, match="unknown segmentation engine"):
        words(text, engine="nope")


def test_words_other_scripts():
    # syllables stay available as engines (words are the default: tests/test_lang_words_zawgyi.py)
    assert words("ကျောင်းသားများ သွားသည်", engine="my-syllable") == ["ကျောင်း", "သား", "များ", "သွား", "သည်"]
    assert words("ប្រទេសកម្ពុជា", engine="khmer-cluster") == ["ប្រ", "ទេស", "ក", "ម្ពុ", "ជា"]
    lao = words("ຂ້ອຍມັກກິນເຂົ້າໜຽວ", engine="laonlp")
    assert lao[0] == "ຂ້ອຍ" and lao[-1] == "ເຂົ້າໜຽວ" and "".join(lao) == "ຂ້ອຍມັກກິນເຂົ້າໜຽວ"
    assert words("Tôi yêu thành phố Hồ Chí Minh", lang="vi", engine="pyvi")[-1] == "Hồ Chí Minh"
    assert words("Saya suka makan nasi-goreng, kan?") == ["Saya", "suka", "makan", "nasi-goreng", "kan"]


def test_sentences():
    assert sentences("ฉันไปตลาด แล้วกลับบ้าน\nHello there. This is it! 中国很大。他来了。") == [
        "ฉันไปตลาด", "แล้วกลับบ้าน", "Hello there.", "This is it!", "中国很大。", "他来了。"]
    assert sentences("ខ្ញុំទៅផ្សារ។ គាត់នៅផ្ទះ។") == ["ខ្ញុំទៅផ្សារ។", "គាត់នៅផ្ទះ។"]


def test_segment_stage_caches_words(seed_texts):
    stage = build("segment", {"engine": "nlpo3"})
    [doc] = list(stage([Document("s", seed_texts[1], lang="th")]))
    ann = doc.annotations["segment"]
    assert ann["n_words"] == len(doc.cache["words"]) > 1000
    assert ann["n_sentences"] > 50 and ann["engine"].startswith("nlpo3")
    assert "han-char" in ann["engine"]
    assert "cache" not in doc.to_row() and doc.to_row()["annotations"].count("ประเทศ") == 0  # never persisted
    with pytest.raises(ValueError):
        build("segment", {"engine": "bogus"})


def test_pipeline_runs_language_stages_on_seed_files(seed_paths, tmp_path):
    """clean → normalize → langid → segment through the real runner and corpus store."""
    import json

    from khlang.pipeline import InputSpec, Pipeline, StageSpec
    from khlang.runner import run
    from khlang.store import open_corpus

    pipeline = Pipeline(
        input=InputSpec(paths=[str(p) for p in seed_paths]),
        stages=[StageSpec("clean"), StageSpec("normalize"), StageSpec("langid"), StageSpec("segment")],
        docs_per_shard=5,
    )
    result = run(pipeline, tmp_path / "corpus", workers=1, progress=False)
    assert result.docs_out == 5 and result.docs_dropped == 0
    with open_corpus(tmp_path / "corpus", read_only=True) as corpus:
        rows = corpus.con.execute("SELECT lang, annotations, meta FROM documents").fetchall()
    assert [r[0] for r in rows] == ["th"] * 5
    anns = [json.loads(r[1]) for r in rows]
    assert all(a["segment"]["n_words"] > 500 and a["langid"]["spans"] for a in anns)
    dates = {json.loads(r[2]).get("date_gregorian") for r in rows}
    assert {"2025-02-05", "2019-07-09"} <= dates


def test_embedded_latin_terms_do_not_outvote_the_matrix_language():
    assert detect("ระบบ AI (Artificial Intelligence) จาก 中国 พัฒนาเร็ว")[0] == "th"
    assert detect("The Thai word สวัสดี means hello and people say it every day.")[0] == "en"


@pytest.mark.parametrize("text", ["", "   \n ", "!!! ... ???", "\u0e48\u0e48", "123 456", "\u200b"])
def test_degenerate_input_is_handled(text):
    assert words(text) == [] or all(t.strip() for t in words(text))
    assert all(s.strip() for s in sentences(text))
    out, counts = normalize(text)
    assert isinstance(out, str) and isinstance(counts, dict)
    lang, conf = detect(text)
    assert lang in ("other", "th") and 0.0 <= conf <= 1.0
    found = spans(text)
    assert (found == []) == (text == "") and sum(s.end - s.start for s in found) == len(text)


# --- done-when checks of issue 3, on the seed articles ------------------------------------------
def test_mixed_sentence_spans_at_exact_code_point_offsets():
    text = "ระบบ AI (Artificial Intelligence) จาก 中国 พัฒนาเร็ว"
    assert [(s.start, s.end, s.lang) for s in spans(text)] == [
        (0, 5, "th"), (5, 34, "en"), (34, 38, "th"), (38, 41, "zh"), (41, 50, "th")]
    assert text[5:34].strip() == "AI (Artificial Intelligence)" and text[38:40] == "中国"


@pytest.mark.parametrize("needle, lang", [
    ("中国—老挝人工智能创新合作中心", "zh"),
    ("孙椿睿", "zh"),
    ("China-Laos Artificial Intelligence (AI) Innovation Cooperation Center", "en"),
    ("Nanning Data Administration", "en"),
    ("China-ASEAN Information Harbor – CAIH", "en"),  # fastText alone: Spanish → "other"
])
def test_seed_article_span_covers_known_term_at_its_offset(seed_texts, needle, lang):
    text = seed_texts[1]
    at = text.index(needle)
    [span] = [s for s in spans(text) if s.start <= at < s.end]
    assert span.lang == lang and span.end >= at + len(needle)
    assert text[span.start : at].strip(" (/“") == ""  # the span starts at the term, not inside Thai


def test_embedded_latin_terms_in_seed_articles_are_never_other(seed_texts):
    """Brands and acronyms (NVIDIA, SMEs, ByteDance) are too short for fastText, which calls them
    Serbian, Volapük, German …; inside Thai text they are English terms, never "other"."""
    for text in seed_texts:
        other = [text[s.start : s.end] for s in spans(text) if s.lang == "other"]
        assert not [p for p in other if re.search("[A-Za-z]", p)]
    assert spans("Bonjour tout le monde")[0].lang == "other"  # Latin on its own is still classified
    assert spans("ราคา Müller ดี")[1].lang == "other"  # non-ASCII letters are not assumed English


def test_zawgyi_planted_in_a_seed_article_is_converted_and_the_rest_kept(seed_texts):
    zawgyi, unicode = RULE_CASES["zawgyi"][:2]
    text = seed_texts[0] + "\n" + zawgyi + "\n"
    [doc] = list(build("normalize")([Document("z", text)]))
    assert doc.text == seed_texts[0] + "\n" + unicode + "\n"
    assert doc.annotations["normalize"] == {"zawgyi": 1} and doc.metadata["zawgyi_converted"] is True
    [doc] = list(build("langid")([doc]))
    assert doc.lang == "th" and doc.annotations["langid"]["spans"][-1][2] == "my"


def test_words_api_signature_other_branches_call():
    import inspect

    params = inspect.signature(words).parameters
    assert list(params)[:2] == ["text", "lang"] and params["lang"].default is None
    assert words("ฉันกินข้าว ที่บ้าน", "th") == words("ฉันกินข้าว ที่บ้าน") == ["ฉัน", "กินข้าว", "ที่", "บ้าน"]


def test_each_rule_hint_is_in_every_match_of_its_pattern():
    """A rule with ``needs`` skips texts without it; that is only right if every match of the
    rule's pattern contains it: random strings of the script's block (where the sequences the
    rules fix are frequent) must never match the pattern without the hint being there."""
    import random

    from khlang.lang.normalize import _ZERO_WIDTH, RULES

    blocks = {"thai": range(0x0E00, 0x0E80), "lao": range(0x0E80, 0x0F00), "khmer": range(0x1780, 0x1800),
              "myanmar": range(0x1000, 0x10A0)}
    rng = random.Random(3)
    hinted = [r for r in RULES if getattr(r.apply, "needs", None)]
    assert {r.name for r in hinted} >= {"thai_zero_width", "thai_sara_am", "thai_tone_order", "lao_sara_am"}
    for rule in hinted:
        needs, pattern = rule.apply.needs, rule.apply.pattern
        chars = [chr(c) for c in blocks[rule.script]] + list(_ZERO_WIDTH) + [" "]
        matched = 0
        for _ in range(30000):
            text = "".join(rng.choice(chars) for _ in range(rng.randint(1, 12)))
            if pattern.search(text):
                matched += 1
                assert (any(n in text for n in needs) if isinstance(needs, tuple) else re.search(needs, text)), (rule.name, text)
        assert matched, rule.name
