"""Quality filter: the real seed articles pass; junk built from them is dropped for the right
reason; thresholds are per language and overridable; dry-run only annotates."""

from __future__ import annotations

import json

import pytest

from khlang import registry
from khlang.document import Document
from khlang.pipeline import Pipeline
from khlang.quality import Quality, assess, guess_lang, is_boilerplate, norm_lang, quality_signals
from khlang.quality.signals import fallback_words
from khlang.quality.thresholds import RULES, THRESHOLDS, for_lang, merge

VI = (
    "Hà Nội là thủ đô của nước Cộng hòa xã hội chủ nghĩa Việt Nam và cũng là kinh đô của nhiều "
    "vương triều Việt trước đây. Thành phố nằm ở trung tâm vùng đồng bằng sông Hồng, có vị trí "
    "quan trọng về chính trị, kinh tế và văn hóa. Trong những năm gần đây, thành phố đã thu hút "
    "được nhiều dự án đầu tư lớn từ các doanh nghiệp trong và ngoài nước.\n"
    "Người dân Hà Nội nổi tiếng với ẩm thực phong phú, từ phở, bún chả cho đến bánh cuốn. Du khách "
    "đến đây thường dạo quanh hồ Hoàn Kiếm và khu phố cổ với những con phố mang tên các nghề thủ "
    "công truyền thống."
)
ID = (
    "Jakarta adalah ibu kota Indonesia dan merupakan kota terbesar di negara itu. Kota ini terletak "
    "di pesisir barat laut Pulau Jawa dan menjadi pusat ekonomi, politik, dan budaya. Pemerintah "
    "telah memutuskan untuk memindahkan ibu kota ke Kalimantan Timur karena Jakarta menghadapi "
    "masalah banjir dan kepadatan penduduk yang tinggi.\n"
    "Banyak warga yang bekerja di Jakarta tinggal di kota-kota sekitarnya seperti Bogor, Depok, "
    "Tangerang, dan Bekasi. Setiap hari jutaan orang melakukan perjalanan dengan kereta komuter "
    "atau kendaraan pribadi untuk sampai ke tempat kerja mereka."
)

NAV_TH = [
    "หน้าแรก | ข่าว | กีฬา | วิดีโอ", "Home > News > Economy", "เข้าสู่ระบบ", "สมัครสมาชิก",
    "แชร์ Facebook Twitter LINE", "อ่านเพิ่มเติม: ข่าวเศรษฐกิจล่าสุด", "ข่าวที่เกี่ยวข้อง",
    "เว็บไซต์นี้ใช้คุกกี้เพื่อพัฒนาประสบการณ์การใช้งานของท่าน ยอมรับ", "© 2568 สงวนลิขสิทธิ์",
    "นโยบายความเป็นส่วนตัว", "ติดต่อเรา", "กลับด้านบน", "โฆษณา", "Tags: ข่าว, เศรษฐกิจ",
]
SOUP = "★☆✦ ■□▪ ♦♣♠ ==> <<< >>> ~~~ ^^^ $$$ %%% *** @@@ ||| ¤¤ ±± ÷÷ ∞∞ ≠≠".split()
NAV_VI = ["Trang chủ | Tin tức | Thể thao", "Đăng nhập", "Đăng ký", "Chia sẻ Facebook",
          "Xem thêm: Giá vàng hôm nay", "Bài viết liên quan", "Bản quyền thuộc về Báo ABC",
          "Chính sách bảo mật", "Liên hệ", "Quảng cáo"]


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def run(text: str, lang: str | None = None, **params) -> Document:
    doc = Document(id="d", text=text, lang=lang)
    (out,) = list(Quality(**params)([doc]))
    return out


@pytest.mark.parametrize("lang", [None, "th", "tha_Thai"])
def test_seed_articles_pass_default_filter(seed_texts, lang):
    for text in seed_texts:
        doc = run(text, lang)
        assert doc.drop is None, (doc.drop, doc.annotations["quality"])
        q = doc.annotations["quality"]
        assert q["lang"] == "th" and q["score"] == 1.0 and q["n_words"] > 300
        json.dumps(q)  # the record is JSON-serialisable


def test_other_languages_pass():
    for text, lang in ((VI, "vi"), (ID, "id")):
        assert guess_lang(text) == lang
        assert assess(text)["failed"] == [], assess(text)


def junk_variants(seed_texts: list[str]) -> dict[str, tuple[str, str]]:
    """name → (text, expected drop reason), each built from a real seed article."""
    article = seed_texts[1]
    paras = paragraphs(article)
    return {
        "navigation_only": ("\n".join(NAV_TH * 3), "max_boilerplate_lines_frac"),
        "boilerplate_wrapped": ("\n".join(NAV_TH[:8] + paras[:2] + NAV_TH[8:]), "max_boilerplate_lines_frac"),
        "repeated_lines": ("\n".join(paras[:3] + [paras[4]] * 6), "max_dup_line_frac"),
        "repeated_paragraphs": ("\n\n".join(paras[:4] + [paras[5]] * 4), "max_dup_para_frac"),
        "repeated_phrase": (paras[0] + " " + "ซื้อเลยวันนี้ ลดราคาพิเศษ " * 60, "max_top_2gram_frac"),
        "hashtag_soup": (paras[0] + "\n" + " ".join(f"#{w}" for w in fallback_words(paras[1] + paras[2])),
                         "max_symbol_word_ratio"),
        "symbol_soup": ("\n".join(" ".join(SOUP[i:] + SOUP[:i]) for i in range(len(SOUP))) + "\nข่าว 2568",
                        "min_alpha_words_frac"),
        "ellipsis_teasers": ("\n".join(p[:120] + "..." for p in paras[:10]), "max_ellipsis_lines_frac"),
        "bullet_list": ("\n".join("• " + p for p in paras[:10]), "max_bullet_lines_frac"),
        "too_short": (paras[0][:120], "min_words"),
        "lorem_ipsum": (article + "\nLorem ipsum dolor sit amet", "max_lorem_ipsum"),
    }


def test_junk_variants_dropped_with_right_reason(seed_texts):
    for name, (text, reason) in junk_variants(seed_texts).items():
        doc = run(text)
        assert doc.drop is not None, f"{name} was not dropped: {doc.annotations['quality']}"
        assert doc.drop.reason == reason, (name, doc.drop)
        assert doc.drop.stage == "quality"
        assert doc.drop.detail.startswith("value ") and " vs threshold " in doc.drop.detail
        assert doc.annotations["quality"]["dropped_by"] == reason


def test_vietnamese_boilerplate_page_dropped():
    doc = run("\n".join(NAV_VI * 2 + paragraphs(VI)[:1]))
    assert doc.drop is not None and doc.drop.reason == "max_boilerplate_lines_frac"


def test_boilerplate_lines():
    for line in NAV_TH + NAV_VI + ["Baca juga: Harga minyak naik", "Bagikan", "Magbasa pa", "អានបន្ត"]:
        assert is_boilerplate(line), line
    for line in ["นายกรัฐมนตรีแชร์ความเห็นเรื่องเศรษฐกิจกับประชาชนจำนวนมากที่มาร่วมงานในวันนี้อย่างคับคั่ง",
                 "Line Man ขยายบริการส่งอาหารไปยัง 20 จังหวัดทั่วประเทศไทยภายในปีนี้",
                 "Harga beras naik di pasar tradisional", "19 เมษายน 2561"]:
        assert not is_boilerplate(line), line


def test_thresholds_are_per_language():
    text = " ".join(paragraphs(VI)[0].split()[:40]) + "."  # 40 words: short for Latin defaults
    assert [f["rule"] for f in assess(text, "vi")["failed"]] == ["min_words"]
    assert assess(text, "vi", thresholds={"vi": {"min_words": 30}})["failed"] == []
    # Thai/Lao have no full stops at line ends; Vietnamese must have them
    assert THRESHOLDS["th"]["min_end_punct_lines_frac"] is None
    assert merge(None)["default"]["min_end_punct_lines_frac"] == 0.12


def test_override_from_pipeline_file(seed_texts, tmp_path):
    spec = tmp_path / "p.yaml"
    spec.write_text(
        "input: {paths: x.jsonl}\nstages:\n  - quality: {thresholds: {th: {min_words: 100000}}, dry_run: false}\n",
        encoding="utf-8",
    )
    (stage,), _ = Pipeline.from_file(spec).build()
    doc = list(stage([Document(id="a", text=seed_texts[0])]))[0]
    assert doc.drop.reason == "min_words" and "threshold 100000" in doc.drop.detail
    # other languages and other rules keep their defaults
    assert for_lang(stage.table, "th")["min_stop_words"] == 2 and stage.table["default"]["min_words"] == 50


def test_unknown_threshold_key_is_an_error():
    with pytest.raises(ValueError, match="unknown quality rule"):
        registry.build("quality", {"thresholds": {"th": {"min_wordz": 3}}})
    with pytest.raises(ValueError, match="must be a number"):
        registry.build("quality", {"thresholds": {"th": {"min_words": "many"}}})
    with pytest.raises(ValueError, match="mapping"):
        registry.build("quality", {"thresholds": [30]})
    with pytest.raises(TypeError):
        registry.build("quality", {"treshold": {}})


def test_dry_run_annotates_without_dropping(seed_texts):
    doc = run(paragraphs(seed_texts[0])[0][:100], dry_run=True)
    assert doc.drop is None
    q = doc.annotations["quality"]
    assert "min_words" in q["would_drop"] and q["score"] < 1


def test_uses_segment_words_when_present():
    doc = Document(id="x", text="ก ข", lang="th")
    doc.cache["words"] = ["ประเทศ", "ไทย", "และ", "ที่"] * 30
    (out,) = list(Quality()([doc]))
    assert out.annotations["quality"]["n_words"] == 120


def test_signals_and_lang_codes():
    s = quality_signals("a\na\nb\n\nb", lang="en")
    assert s["dup_line_frac"] == 0.5 and s["n_lines"] == 4
    assert norm_lang("tha_Thai") == "th" and norm_lang("vie") == "vi" and norm_lang("fil") == "tl"
    assert guess_lang("ພາສາລາວ ແລະ ວັດທະນະທຳ") == "lo"
    assert guess_lang("ភាសាខ្មែរ និង វប្បធម៌") == "km"
    assert guess_lang("The cat is on the mat and it was there") == "en"
    assert set(s) >= {sig for sig, _ in RULES.values()}


KM = ("ភ្នំពេញ គឺជារាជធានីនៃព្រះរាជាណាចក្រកម្ពុជា ហើយជាទីក្រុងធំជាងគេបំផុតនៅក្នុងប្រទេស។ "
      "ទីក្រុងនេះមានប្រជាជនជាងពីរលាននាក់ និងជាមជ្ឈមណ្ឌលសេដ្ឋកិច្ច នយោបាយ និងវប្បធម៌។\n") * 1


def test_unspaced_scripts_get_words_from_the_language_layer():
    """Without a ``segment`` stage, Khmer text is still cut into words (by khlang.lang.segment),
    so its word rules work instead of seeing one giant "word" per line."""
    from khlang.lang.segment import words

    text = KM + ("ការអភិវឌ្ឍហេដ្ឋារចនាសម្ព័ន្ធបានកើនឡើងយ៉ាងលឿនក្នុងរយៈពេលដប់ឆ្នាំចុងក្រោយនេះ។ "
                 "ក្រុមហ៊ុនជាច្រើនបានបើកការិយាល័យថ្មីនៅក្នុងរាជធានី ដើម្បីផ្តល់ការងារដល់យុវជន។")
    doc = run(text)
    q = doc.annotations["quality"]
    assert q["lang"] == "km" and q["n_words"] == len(words(text, "km")) > 50
    assert 1.5 < q["mean_word_len"] < 6 and q["stop_words"] >= 2
    assert doc.drop is None
    # words from a segment stage earlier in the pass are used as given (here: too few)
    doc = Document(id="k", text=KM, lang="km")
    doc.cache["words"] = KM.replace("។", " ។ ").split()
    (out,) = list(Quality()([doc]))
    assert out.drop is not None and out.drop.reason == "min_words"


def test_pipeline_end_to_end(tmp_path, seed_texts):
    """quality + pii through the real runner: kept docs carry both annotations, junk lands in
    the dropped view with the rule name, and no PII value reaches the corpus."""
    from khlang.runner import run as run_pipeline
    from khlang.store import open_corpus

    junk = junk_variants(seed_texts)
    rows = [{"id": f"seed{i}", "text": t} for i, t in enumerate(seed_texts)]
    rows += [{"id": name, "text": text} for name, (text, _) in junk.items()]
    rows.append({"id": "pii", "text": seed_texts[0] + "\nติดต่อ somchai@example.co.th โทร 081-234-5678"})
    data = tmp_path / "in.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    spec = tmp_path / "p.yaml"
    spec.write_text(f"input: {{paths: {data}, id_field: id}}\nstages: [clean, quality, pii]\n", encoding="utf-8")
    run_pipeline(spec, tmp_path / "out", workers=1, progress=False)
    corpus = open_corpus(tmp_path / "out", read_only=True)
    name = {f"#{i}": r["id"] for i, r in enumerate(rows)}
    rid = "regexp_extract(source_uri, '#[0-9]+$')"
    kept = {name[k]: v for k, v in corpus.sql(f"select {rid}, annotations from documents").fetchall()}
    assert sorted(kept) == ["pii"] + [f"seed{i}" for i in range(5)]
    assert json.loads(kept["pii"])["pii"] == {"EMAIL": 1, "PHONE": 1}
    assert json.loads(kept["seed0"])["quality"]["score"] == 1.0
    dropped = {name[k]: v for k, v in corpus.sql(f"select {rid}, reason from dropped").fetchall()}
    assert dropped == {name: reason for name, (_, reason) in junk.items()}
    everything = json.dumps(corpus.sql("select * from all_docs").fetchall(), default=str, ensure_ascii=False)
    assert "somchai@example.co.th" not in everything and "081-234-5678" not in everything


def test_every_long_seed_paragraph_passes_alone(seed_texts):
    """Good paragraphs must pass on their own too, including one that repeats a long compound
    term (การสื่อสารโทรคมนาคมระหว่างประเทศ) — the reason Thai has looser top-n-gram limits."""
    checked = 0
    for text in seed_texts:
        for para in paragraphs(text):
            signals = quality_signals(para, "th")
            if signals["n_words"] >= 50:
                checked += 1
                assert assess(para, "th")["failed"] == [], para[:80]
    assert checked >= 40
    top = max((quality_signals(p, "th") for t in seed_texts for p in paragraphs(t)),
              key=lambda s: s["top_3gram_frac"] or 0)
    assert top["top_3gram_frac"] > THRESHOLDS["default"]["max_top_3gram_frac"]  # Gopher's limit would drop it


def test_empty_and_whitespace_text_dropped_as_too_short():
    for text in ("", "  \n \n"):
        doc = run(text, "th")
        assert doc.drop.reason == "min_words"
        assert doc.annotations["quality"]["end_punct_lines_frac"] is None
