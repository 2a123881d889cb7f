"""The shared test corpus of the report, export and token tests, built by the real stages.

``build_corpus`` runs ``clean, normalize, langid, segment, quality, pii, dedup_exact`` over the
five Thai seed articles, two English texts (one with an e-mail, one that tries HTML injection in
its text and title), a Lao paragraph, a Thai navigation page (junk: the quality stage drops it)
and an exact duplicate of the first article (dedup drops it): 8 documents kept, 2 dropped.
"""

from __future__ import annotations

#: The quality overrides the corpus runs with (recorded by the stage; the report must show them).
THRESHOLDS = {"lo": {"min_words": 10}, "en": {"min_words": 30}}

EN_MEKONG = (
    "The Mekong river feeds millions of people across six countries, from the Tibetan plateau to the delta "
    "in southern Vietnam. Fishermen in Cambodia and Laos depend on its seasonal floods, which carry "
    "sediment and fish into the lakes and rice fields.\n"
    "Dams built upstream over the last twenty years have changed the timing of the floods, and scientists "
    "are now measuring how much sediment still reaches the sea.\n"
    "Contact: info@mekong.org for the full report and the data behind it."
)
EN_INJECTION = (
    "<script>alert('x')</script> & <b>bold</b> Mekong river report for the English sample. The river "
    "carries water, sediment and fish through six countries, and the people who live along it have "
    "watched it change over the last twenty years.\n"
    "This report collects what they told us about the floods, the fish and the new bridges.\n"
    "It also lists the sources we used, so that anyone can check the numbers."
)
#: (its "ໍາ" is a decomposed Sara Am: the normalize stage repairs it, so the report lists a rule)
LAO = "ແມ່ນ້ໍາຂອງ ໄຫຼຜ່ານ ຫົກ ປະເທດ ແລະ ລ້ຽງ ຄົນ ຫຼາຍ ລ້ານ ຄົນ ໃນ ພາກພື້ນ ນີ້ ມາ ດົນນານ ແລ້ວ"
NAV_PAGE = "\n".join(["หน้าแรก | ข่าว | กีฬา | วิดีโอ", "เข้าสู่ระบบ", "สมัครสมาชิก", "แชร์ Facebook Twitter LINE",
                      "ข่าวที่เกี่ยวข้อง", "© 2568 สงวนลิขสิทธิ์", "นโยบายความเป็นส่วนตัว", "ติดต่อเรา"] * 3)

#: The real stages, in pipeline order.
STAGES = ["clean", "normalize", "langid", "segment", {"quality": {"thresholds": THRESHOLDS}}, "pii", "dedup_exact"]


def build_corpus(tmp_path, seed_texts, name: str = "corpus", annotate: bool = True):
    """A small corpus in ``tmp_path/name`` (see the module docstring); ``annotate=False`` runs only
    the clean stage."""
    import json

    from khlang.pipeline import Pipeline
    from khlang.runner import run

    records = [{"text": t, "url": f"https://news.example.co.th/a/{i}", "licence": "CC-BY-4.0",
                "title": f"ข่าว {i}"} for i, t in enumerate(seed_texts)]
    records += [
        {"text": EN_MEKONG, "url": "https://www.mekong.org/about", "licence": "CC-BY-4.0"},
        {"text": LAO, "url": "https://lao.example.la/news/1", "licence": "CC0-1.0"},
        {"text": EN_INJECTION, "title": "<img src=x onerror=alert(1)>", "licence": "CC-BY-4.0"},
        {"text": NAV_PAGE, "url": "https://news.example.co.th/menu"},
    ]
    records.append(dict(records[0]))  # an exact duplicate of the first Thai article
    src = tmp_path / f"{name}-input.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    stages = STAGES if annotate else ["clean"]
    pipeline = Pipeline.from_dict({"name": "test", "input": {"paths": [str(src)]}, "docs_per_shard": 4,
                                   "stages": stages})
    out = tmp_path / name
    run(pipeline, out, workers=1, progress=False)
    return out
