"""The built-in demo: every input record ends up in ``documents`` or ``dropped``, with reasons."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from khlang.demo import DATA, demo_pipeline, run_demo
from khlang.readers import expand, reader_for
from khlang.store import Corpus


@pytest.fixture(scope="module")
def demo_corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    result = run_demo(out, workers=1, progress=False)
    return out, result


def _input_records():
    """What the readers yield for the demo input: id → (source_kind, drop reason or None)."""
    spec = demo_pipeline().input
    records = {}
    for path in expand(spec.paths, spec):
        reader = reader_for(path, spec)
        docs = list(reader.read(path))
        assert len(docs) == reader.count(path), path
        for d in docs:
            records[d.id] = (d.source_kind, d.drop.reason if d.drop else None)
    return records


def test_demo_data_is_packaged_flat_and_documented():
    names = {p.name for p in DATA.iterdir()}
    assert {"thai_coffee.html", "sea_news.warc.gz", "feeds.jsonl", "thai_weather_tis620.txt",
            "broken.jsonl", "broken.txt", "README.md"} <= names
    assert all(p.is_file() for p in DATA.iterdir())  # pyproject's package-data "demo/data/*" is flat
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in names - {"README.md"})


def test_every_input_record_is_kept_or_dropped(demo_corpus):
    out, result = demo_corpus
    records = _input_records()
    assert len(records) == 29 == result.docs_in
    assert Counter(kind for kind, _ in records.values()) == {"jsonl": 18, "warc": 8, "html": 1, "text": 2}
    # every HTML page and WARC record is read (a missing lxml_html_clean or fastwarc would make them
    # parse errors); only the WARC's image is not text
    web = Counter(reason for kind, reason in records.values() if kind in ("html", "warc"))
    assert web == {None: 8, "unsupported_type": 1}, web
    with Corpus(out) as corpus:
        kept = {r[0] for r in corpus.sql("SELECT id FROM documents").fetchall()}
        dropped = {r[0]: r[1:] for r in corpus.sql("SELECT id, stage, reason, text FROM dropped").fetchall()}
        n_rows = corpus.sql("SELECT (SELECT count(*) FROM all_docs) "
                            "+ (SELECT count(*) FROM dropped WHERE shard IS NOT NULL)").fetchall()[0][0]
    assert not kept & set(dropped)
    assert kept | set(dropped) == set(records)
    assert n_rows == len(records)
    reasons = {records[i][1] for i in dropped if records[i][1]}
    assert reasons == {"decode_error", "parse_error", "missing_text", "unsupported_type"}
    for doc_id, (stage, reason, text) in dropped.items():
        if reason in ("decode_error", "parse_error", "missing_text"):
            assert stage == "read" and text  # the broken input is kept, with what could be read


def test_demo_content(demo_corpus):
    """What the demo data plants, checked on what the readers yield (later stages may change or
    drop documents) and on the corpus (every record once: kept by the document stages, or dropped
    by one of them)."""
    out, _ = demo_corpus
    spec = demo_pipeline().input
    docs = [d for path in expand(spec.paths, spec) for d in reader_for(path, spec).read(path)]
    by_uri = {d.source_uri: d for d in docs}
    html = next(d for d in docs if d.source_kind == "html")
    assert html.metadata["url"] == "https://demo.khlang.example/th/agri/2025/02/maetaeng-coffee"
    assert html.metadata["date"] == "2025-02-14" and "กาแฟอาราบิกา" in html.metadata["title"]
    assert "李文忠" in html.text and "(traceability)" in html.text and "๓.๕" in html.text
    assert "ข่าวยอดนิยม" not in html.text and "สงวนลิขสิทธิ์" not in html.text  # sidebar, footer
    tis = by_uri[str(DATA / "thai_weather_tis620.txt")]
    assert tis.text.startswith("พยากรณ์อากาศประจำวันที่ ๑๕ สิงหาคม ๒๕๖๘") and tis.metadata["encoding"] == "cp874"
    thai_warc = by_uri["https://demo.khlang.example/th/health/flu-vaccine"]
    assert "ฉีดวัคซีนไข้หวัดใหญ่ฟรี" in thai_warc.text and thai_warc.metadata["encoding"] == "cp874"
    assert by_uri["https://demo.khlang.example/id/pertanian/padi-tahan-banjir-salinan"].metadata["date"] == \
        "2025-12-05T10:00:00Z"  # the page has no date: WARC-Date
    jsonl = [d for d in docs if d.source_kind == "jsonl" and d.drop is None]
    assert len(jsonl) == 16 and all(d.metadata["licence"] == "CC-BY-4.0" and d.metadata["url"] for d in jsonl)
    zawgyi = [d for d in jsonl if "\u1031\u1008" in d.text]  # ေ stored before its consonant ဈ
    assert [d.metadata["record_id"] for d in zawgyi] == ["my-market-05-zawgyi"]

    with Corpus(out) as corpus:
        texts = Counter(r[0] for r in corpus.sql(
            "SELECT text FROM all_docs UNION ALL SELECT text FROM dropped WHERE shard IS NOT NULL").fetchall())
        broken = corpus.sql("SELECT reason, source_uri FROM dropped "
                            "WHERE stage = 'read' AND source_uri LIKE '%broken%'").fetchall()
    assert sorted(n for n in texts.values() if n > 1) == [2, 2]  # the two planted duplicate pairs
    assert sorted(broken) == sorted([
        ("parse_error", f"{DATA / 'broken.jsonl'}#1"), ("missing_text", f"{DATA / 'broken.jsonl'}#2"),
        ("decode_error", str(DATA / "broken.txt"))])


def test_cli_demo(tmp_path):
    out = tmp_path / "cli-demo"
    proc = subprocess.run([sys.executable, "-m", "khlang", "demo", "--output", str(out), "--workers", "1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "29 documents read" in " ".join(proc.stdout.split())
    assert (out / "catalog.duckdb").exists()
    report = out / "report.html"
    assert report.exists() and "report.html" in proc.stdout
    html = report.read_text(encoding="utf-8")
    assert "<script" in html and "vegaEmbed" in html  # charts embedded, self-contained


def test_demo_pipeline_end_to_end(demo_corpus):
    """What the whole demo pipeline must do with what the data plants (see data/README.md)."""
    import json

    out, _ = demo_corpus
    with Corpus(out) as c:
        docs = c.rows("SELECT id, url, source_uri, lang, text, annotations FROM documents")
        dropped = c.rows("SELECT id, stage, reason, duplicate_of FROM dropped WHERE stage LIKE 'dedup%'")
    # language ground truth: the URL's first path segment (fil = tl), the TIS-620 file is Thai
    truth = {d["id"]: ("th" if d["url"] is None else d["url"].split("/")[3].replace("fil", "tl")) for d in docs}
    right = sum(d["lang"] == truth[d["id"]] for d in docs)
    assert right >= len(docs) - 1, [(d["url"], d["lang"]) for d in docs if d["lang"] != truth[d["id"]]]
    # Zawgyi converted to exactly the Unicode form the data README gives
    zawgyi = next(d for d in docs if (d["url"] or "").endswith("/my/market/rice-price"))
    assert zawgyi["text"] == "ယနေ့ ဈေးကွက်တွင် ဆန်ဈေး မြင့်တက်လာသည်။ လယ်သမားများ ဝမ်းသာကြသည်။ ပဲဈေးမှာ မပြောင်းလဲပါ။"
    assert json.loads(zawgyi["annotations"])["normalize"] == {"zawgyi": 1}
    # the Thai page with Chinese names and English terms: th with zh/en spans at their offsets
    coffee = next(d for d in docs if d["source_uri"].endswith("thai_coffee.html"))
    langid = json.loads(coffee["annotations"])["langid"]
    assert langid["lang"] == "th"
    spans = {coffee["text"][s:e].strip(" (),"): lang for s, e, lang, _ in langid["spans"]}
    for name in ("李文忠", "昆明", "陈美玲"):
        assert any(name in piece and lang == "zh" for piece, lang in spans.items()), name
    assert any("specialty coffee" in piece and lang == "en" for piece, lang in spans.items())
    # both planted exact duplicates removed, each pointing at its kept twin
    assert sorted(d["reason"] for d in dropped) == ["duplicate", "duplicate"]
    kept_ids = {d["id"] for d in docs}
    assert all(d["duplicate_of"] in kept_ids for d in dropped)
