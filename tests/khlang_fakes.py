"""Test-only stages that write what the other stages (langid, segment, normalize, quality, pii,
dedup — the real dedup_exact stage) leave in a corpus, so the report/export tests see a fully annotated corpus. Used through
``module:Class`` paths in pipelines (tests/ is on sys.path under pytest)."""

from __future__ import annotations

from khlang.stage import Stage

#: The threshold table the fake quality stage "uses" (recorded via its parameters in runs.config).
THRESHOLDS = {"default": {"min_score": 0.2}, "th": {"max_frac_digits": 0.3, "mean_word_len": [2, 30]}}


class FakeAnnotate(Stage):
    """langid + segment + normalize + quality + pii, from the text and a ``lang`` field."""

    name = "fake_annotate"

    def __init__(self, thresholds: dict | None = None) -> None:
        super().__init__()
        self.thresholds = thresholds or {}

    def params(self):
        return {"thresholds": self.thresholds}

    def process(self, doc):
        text = doc.text
        doc.lang = doc.metadata.pop("lang", None)
        words = text.split()
        digits = sum(c.isdigit() for c in text) / max(len(text), 1)
        score = 0.0 if "spam" in text else min(1.0, len(text) / 200)
        doc.annotations["langid"] = {"lang": doc.lang, "confidence": 0.9 if doc.lang else 0.3, "spans": []}
        doc.annotations["segment"] = {"n_words": len(words) + 1, "n_sentences": 1, "engine": "fake"}
        doc.annotations["normalize"] = {"thai_digits": text.count("๒"), "sara_am": 1}
        doc.annotations["quality"] = {"frac_digits": digits, "mean_word_len": len(text) / max(len(words), 1),
                                      "score": score}
        doc.annotations["pii"] = {"EMAIL": text.count("@"), "PHONE": text.count("+66")}
        if score < 0.2:
            return self.drop(doc, "low_quality", f"score {score:.2f} < 0.2")
        return doc


class quality(FakeAnnotate):  # noqa: N801 - named like the real stage so its thresholds are found
    name = "quality"


def build_corpus(tmp_path, seed_texts, name: str = "corpus", annotate: bool = True):
    """A small corpus in ``tmp_path/name``: the five Thai seed articles plus English, Lao, an
    exact duplicate, a spam document, and one whose text and title try HTML injection."""
    import json

    from khlang.pipeline import Pipeline
    from khlang.runner import run

    records = [{"text": t, "lang": "th", "url": f"https://news.example.co.th/a/{i}", "licence": "CC-BY-4.0",
                "title": f"ข่าว {i}"} for i, t in enumerate(seed_texts)]
    records += [
        {"text": "The Mekong river feeds millions of people across six countries. Contact: info@mekong.org",
         "lang": "en", "url": "https://www.mekong.org/about", "licence": "CC-BY-4.0"},
        {"text": "ແມ່ນ້ຳຂອງ ໄຫຼຜ່ານ ຫົກ ປະເທດ ແລະ ລ້ຽງ ຄົນ ຫຼາຍ ລ້ານ ຄົນ ໃນ ພາກພື້ນ ນີ້ ມາ ດົນນານ ແລ້ວ",
         "lang": "lo", "url": "https://lao.example.la/news/1", "licence": "CC0-1.0"},
        {"text": "<script>alert('x')</script> & <b>bold</b> Mekong river report for the English sample.",
         "lang": "en", "title": "<img src=x onerror=alert(1)>", "licence": "CC-BY-4.0"},
        {"text": "buy spam now spam spam", "lang": "en"},
    ]
    records.append(dict(records[0]))  # an exact duplicate of the first Thai article
    src = tmp_path / f"{name}-input.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    stages = ["clean"]
    if annotate:
        stages += [{"khlang_fakes:quality": {"thresholds": THRESHOLDS}}, "dedup_exact"]
    pipeline = Pipeline.from_dict({"name": "fake", "input": {"paths": [str(src)]}, "docs_per_shard": 4,
                                   "stages": stages})
    out = tmp_path / name
    run(pipeline, out, workers=1, progress=False)
    return out
