"""The curation stages (dedup_url, dedup_paragraph, decontaminate, blocklist) on real files built
here, run through the real runner, plus their bad-input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from khlang.blocklist import Blocklist
from khlang.decontam import Decontaminate, ngrams
from khlang.dedup.paragraph import ParagraphDedup
from khlang.dedup.url import UrlDedup, canonical_url
from khlang.pipeline import Pipeline
from khlang.report import funnel_rows
from khlang.runner import run, run_corpus_stage
from khlang.store import Corpus

FOOTER = "ติดตามข่าวสารล่าสุดได้ที่เพจของเรา กดไลก์และแชร์เพื่อไม่พลาดข่าวสำคัญ"
COOKIE = "We use cookies to improve your experience on this website. Accept all cookies"


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def _run(tmp: Path, records: list[dict], stages: list, name: str = "c", per_shard: int = 2) -> Path:
    folder = tmp / f"in-{name}"
    folder.mkdir(exist_ok=True)
    _write_jsonl(folder / "a.jsonl", records)
    pipeline = Pipeline.from_dict({"name": name, "input": {"paths": [str(folder)], "id_field": "id"},
                                   "docs_per_shard": per_shard, "stages": stages})
    run(pipeline, tmp / name, workers=1, progress=False)
    return tmp / name


def _kept(path: Path) -> dict[str, str]:
    with Corpus(path) as c:
        return {json.loads(r["meta"])["record_id"]: r["text"] for r in c.rows("SELECT meta, text FROM documents")}


def _dropped(path: Path, stage: str) -> list[dict]:
    """The stage's drops, each with ``rid``: its record's id (the record is line ``#n`` of a.jsonl)."""
    records = (path.parent / f"in-{path.name}" / "a.jsonl").read_text(encoding="utf-8").splitlines()
    with Corpus(path) as c:
        rows = c.rows("SELECT * FROM dropped WHERE stage = ?", [stage])
    for r in rows:
        r["rid"] = json.loads(records[int(r["source_uri"].rsplit("#", 1)[1])])["id"]
    return sorted(rows, key=lambda r: r["rid"])


# -- dedup_url ----------------------------------------------------------------------------------

def test_canonical_url_folds_variants_and_rejects_malformed():
    same = ["https://www.example.co.th/news/1/?utm_source=fb&utm_medium=x", "http://example.co.th/news/1",
            "https://m.example.co.th/news/1?fbclid=abc", "https://example.co.th/news/1/amp",
            "https://amp.example.co.th/news/1?gclid=1#comments", "HTTPS://EXAMPLE.CO.TH/news/1/"]
    assert {canonical_url(u) for u in same} == {"example.co.th/news/1"}
    assert canonical_url("https://example.co.th/news/1?b=2&a=1") == canonical_url("https://example.co.th/news/1?a=1&b=2")
    assert canonical_url("https://example.co.th/news/2") != canonical_url("https://example.co.th/news/1")
    for bad in ("", None, "not a url", "mailto:a@b.c", "http:///x", "ftp://example.com/a", "javascript:alert(1)"):
        assert canonical_url(bad) is None


def test_dedup_url_keeps_the_newest_copy_and_explains_drops(tmp_path, seed_texts):
    records = [
        {"id": "old", "text": seed_texts[0], "url": "http://www.khaosod.co.th/news/1?utm_source=line", "date": "2024-01-02"},
        {"id": "new", "text": seed_texts[0][:500], "url": "https://khaosod.co.th/news/1/", "date": "2024-03-05"},
        {"id": "amp", "text": seed_texts[0][:300], "url": "https://m.khaosod.co.th/news/1/amp", "date": "2023-12-30"},
        {"id": "other", "text": seed_texts[1], "url": "https://khaosod.co.th/news/2", "date": "2024-01-01"},
        {"id": "broken", "text": seed_texts[2], "url": "ht!tp:/ /bad url"},
        {"id": "nourl", "text": seed_texts[3]},
    ]
    path = _run(tmp_path, records, ["clean", "dedup_url"])
    assert sorted(_kept(path)) == ["broken", "new", "nourl", "other"]
    drops = _dropped(path, "dedup_url")
    assert [(d["rid"], d["reason"]) for d in drops] == [("amp", "duplicate"), ("old", "duplicate")]
    with Corpus(path) as c:
        new_id = c.scalar("SELECT id FROM documents WHERE json_extract_string(meta, '$.record_id') = 'new'")
        stages = json.loads(c.runs()[-1]["stages"])
        run_id = c.runs()[-1]["run_id"]
    assert all(d["duplicate_of"] == new_id and d["detail"].startswith("same canonical URL as ") for d in drops)
    assert stages["dedup_url"]["info"]["malformed_urls"] == 1
    with Corpus(path) as c:  # the report's funnel shows the stage's outcome
        funnel = funnel_rows(c)
    assert funnel[funnel.stage == "dedup_url"].set_index("outcome")["docs"].to_dict() == {"kept": 4, "duplicate": 2}
    # re-running the stage over the corpus (resume) gives the same drops, not doubled ones
    run_corpus_stage(UrlDedup(), path, run_id)
    assert [d["rid"] for d in _dropped(path, "dedup_url")] == ["amp", "old"]


def test_dedup_url_longest_policy_and_bad_policy(tmp_path, seed_texts):
    records = [{"id": "short", "text": seed_texts[0][:200], "url": "https://a.th/x", "date": "2025-01-01"},
               {"id": "long", "text": seed_texts[0], "url": "https://www.a.th/x/", "date": "2020-01-01"}]
    path = _run(tmp_path, records, ["clean", {"dedup_url": {"keep": "longest"}}])
    assert sorted(_kept(path)) == ["long"]
    with pytest.raises(ValueError, match="keep must be one of"):
        Pipeline.from_dict({"name": "x", "input": {"paths": [str(tmp_path)]}, "stages": [{"dedup_url": {"keep": "random"}}]}).build()


# -- dedup_paragraph ----------------------------------------------------------------------------

def test_dedup_paragraph_removes_recurring_paragraphs_and_records_them(tmp_path, seed_texts):
    bodies = [max(t.split("\n"), key=len) for t in seed_texts]  # one real Thai paragraph per article
    records = [{"id": f"d{i}", "text": f"{bodies[i]}\n{FOOTER}\n{COOKIE}"} for i in range(4)]
    records.append({"id": "boiler", "text": f"{FOOTER}\n{COOKIE}\nสั้น"})  # only boilerplate: too little left
    # the footer with other spacing and punctuation is the same paragraph for the words layer
    records.append({"id": "spaced", "text": f"{bodies[4]}\n" + FOOTER.replace(" ", "  ") + " !"})
    path = _run(tmp_path, records, ["clean", "dedup_paragraph"])
    kept = _kept(path)
    assert sorted(kept) == ["d0", "d1", "d2", "d3", "spaced"]
    # exactly one document keeps each boilerplate paragraph; the others are left with their body
    keeper = [rid for rid, t in kept.items() if FOOTER in t]
    assert len(keeper) == 1 and [rid for rid, t in kept.items() if COOKIE in t] == keeper
    for rid, text in kept.items():
        body = bodies[4] if rid == "spaced" else bodies[int(rid[1])]
        assert text.strip() == (records[int(rid[1])]["text"].strip() if rid == keeper[0] else body.strip())
    drops = _dropped(path, "dedup_paragraph")
    revised = sorted({"d0", "d1", "d2", "d3", "spaced"} - set(keeper))
    assert [(d["rid"], d["reason"]) for d in drops] == [("boiler", "too_little_left")] + [(r, "revised") for r in revised]
    old = next(d for d in drops if d["rid"] == revised[0])
    assert old["text"] == next(r["text"] for r in records if r["id"] == revised[0])  # nothing lost
    with Corpus(path) as c:
        removed = c.rows(f"SELECT * FROM read_parquet('{path}/dedup/paragraphs-*.parquet') ORDER BY id, pos")
        n_ids = c.scalar("SELECT count(*) FROM documents")
        run_id = c.runs()[-1]["run_id"]
    # footer in 5 documents besides the keeper, cookie in 4; "สั้น" is too short to count
    assert n_ids == 5 and len(removed) == 5 + 4
    assert sorted(r["count"] for r in removed) == [5] * 4 + [6] * 5
    # resume: running the stage again for the run gives the same corpus
    run_corpus_stage(ParagraphDedup(), path, run_id)
    assert _kept(path) == kept


def test_dedup_paragraph_revises_a_revision(tmp_path, seed_texts):
    """A later run removes more from a document an earlier run already revised: one row per id,
    the newest version in documents, both old versions kept in dropped."""
    bodies = [max(t.split("\n"), key=len)[:150] for t in seed_texts]  # equal lengths
    short = "Share this!"  # 2 words: min_words=3 leaves it alone, min_words=2 does not
    records = [{"id": f"d{i}", "text": f"{bodies[i]}\n{FOOTER}\n{short}"} for i in range(3)]
    path = _run(tmp_path, records, ["clean", {"dedup_paragraph": {"max_docs": 2}}])
    once = _kept(path)
    assert sum(FOOTER in t for t in once.values()) == 2 and all(short in t for t in once.values())
    # keep=longest: the document the first run shortened loses the short line too
    run_corpus_stage(ParagraphDedup(min_words=2, max_docs=2, keep="longest"), path, "second")
    twice = _kept(path)
    assert sorted(twice) == ["d0", "d1", "d2"]
    assert sum(short in t for t in twice.values()) == 2 and sum(FOOTER in t for t in twice.values()) == 2
    assert [rid for rid, t in twice.items() if FOOTER not in t and short not in t] == \
        [rid for rid, t in once.items() if FOOTER not in t]
    with Corpus(path) as c:
        assert c.scalar("SELECT count(*) FROM documents") == 3
        shards = sorted(r["shard"] for r in c.rows("SELECT shard FROM documents WHERE shard < 0"))
        revised = c.scalar("SELECT count(*) FROM dropped WHERE reason = 'revised'")
    assert shards == [-2] and revised == 2  # the first revision, revised again


def test_dedup_paragraph_threshold_and_bad_params(tmp_path, seed_texts):
    bodies = [max(t.split("\n"), key=len) for t in seed_texts]
    records = [{"id": f"d{i}", "text": f"{bodies[i]}\n{FOOTER}"} for i in range(3)]
    path = _run(tmp_path, records, ["clean", {"dedup_paragraph": {"max_docs": 3}}])
    assert all(FOOTER in t for t in _kept(path).values())
    with pytest.raises(ValueError, match="max_docs"):
        ParagraphDedup(max_docs=0)


# -- decontaminate ------------------------------------------------------------------------------

def _benchmark(tmp: Path, seed_texts: list[str]) -> tuple[Path, str]:
    """A small Thai/Indonesian QA benchmark: one item quotes a seed article's sentence."""
    quote_ = max(seed_texts[1].split("\n"), key=len)[:120]
    items = [{"question": "Apa ibu kota Indonesia yang baru menurut undang-undang tahun dua ribu dua puluh dua itu?",
              "answer": "Nusantara"},
             {"question": f"ข้อความนี้มาจากข่าวใด: {quote_}", "answer": "ข่าว"},
             {"question": "สั้น", "answer": "ก"}]
    return _write_jsonl(tmp / "thai_qa.jsonl", items), quote_


def test_decontaminate_drops_documents_sharing_ngrams(tmp_path, seed_texts):
    bench, quote_ = _benchmark(tmp_path, seed_texts)
    id_text = ("Menurut berita hari ini, apa ibu kota Indonesia yang baru menurut undang-undang tahun dua ribu "
               "dua puluh dua itu? Jawabannya sudah jelas bagi banyak orang.")
    records = [{"id": f"s{i}", "text": t} for i, t in enumerate(seed_texts)]
    records.append({"id": "id", "text": id_text})
    records.append({"id": "clean_id", "text": "Ibu kota Indonesia yang baru adalah Nusantara, kata pejabat itu hari ini."})
    path = _run(tmp_path, records, ["clean", {"decontaminate": {"benchmarks": [str(bench)]}}])
    drops = _dropped(path, "decontaminate")
    assert [d["rid"] for d in drops] == ["id", "s1"]
    assert all(d["reason"] == "contaminated" and "benchmark=thai_qa.jsonl" in d["detail"] for d in drops)
    assert "item=0" in drops[0]["detail"] and "item=1" in drops[1]["detail"]
    with Corpus(path) as c:
        assert json.loads(c.runs()[-1]["stages"])["decontaminate"]["info"]["short_items"] == 1


def test_decontaminate_flag_mode_csv_and_parquet(tmp_path, seed_texts):
    quote_ = max(seed_texts[2].split("\n"), key=len)[:100]
    csv = tmp_path / "b.csv"
    csv.write_text("prompt\n" + json.dumps(quote_, ensure_ascii=False) + "\n", encoding="utf-8")
    parquet = tmp_path / "b.parquet"
    pq.write_table(pa.table({"text": ["คำถามที่ไม่เกี่ยวข้องกับข่าวใดเลยในคลังข้อมูลนี้แม้แต่น้อยจริงๆ นะครับ"]}), parquet)
    stage = Decontaminate([str(csv), str(parquet)], mode="flag")
    hits = [stage.find(t) for t in seed_texts]
    assert [h[0] if h else None for h in hits] == [None, None, "b.csv", None, None]
    # a Hugging Face save_to_disk folder: Arrow stream files
    hf = tmp_path / "hf_bench"
    hf.mkdir()
    table = pa.table({"question": [max(seed_texts[4].split("\n"), key=len)[:100]], "label": [1]})
    with pa.ipc.new_stream(hf / "data-00000-of-00001.arrow", table.schema) as w:
        w.write_table(table)
    assert Decontaminate(str(hf)).find(seed_texts[4])[:2] == ("hf_bench", 0)
    path = _run(tmp_path, [{"id": f"s{i}", "text": t} for i, t in enumerate(seed_texts)],
                ["clean", {"decontaminate": {"benchmarks": [str(csv)], "mode": "flag"}}])
    with Corpus(path) as c:
        flagged = c.rows("SELECT annotations FROM documents WHERE json_exists(annotations, '$.decontaminate')")
    assert len(flagged) == 1 and json.loads(flagged[0]["annotations"])["decontaminate"]["benchmark"] == "b.csv"


def test_decontaminate_bad_benchmarks(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="empty.jsonl: the file is empty"):
        Decontaminate([str(empty)])
    with pytest.raises(ValueError, match="no such file"):
        Decontaminate([str(tmp_path / "missing.jsonl")])
    short = _write_jsonl(tmp_path / "short.jsonl", [{"q": "two words"}, {"q": "สวัสดี"}])
    with pytest.raises(ValueError, match="every item is shorter than n=13"):
        Decontaminate([str(short)])
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl: cannot read it"):
        Decontaminate([str(bad)])
    with pytest.raises(ValueError, match="at least one benchmark"):
        Decontaminate([])


def test_unspaced_ngrams_are_characters_of_words():
    grams = list(ngrams("ฝนตกหนักในกรุงเทพมหานคร, วันนี้!", n=13, char_n=10))
    assert grams and all(len(g) == 10 and " " not in g and "," not in g for g in grams)
    assert list(ngrams("a b c", n=3)) == ["a b c"]


# -- blocklist ----------------------------------------------------------------------------------

def test_blocklist_urls_and_words_by_words_not_substrings(tmp_path, seed_texts):
    urls = tmp_path / "urls.txt"
    urls.write_text("# gambling\nbet-casino.com\nhttps://www.news.example/ads/\n", encoding="utf-8")
    th = tmp_path / "th.txt"
    th.write_text("พนันออนไลน์\nบาคาร่า\nตา\n", encoding="utf-8")  # ตา (eye) must not fire inside ตาม/ตาราง
    en = tmp_path / "en.txt"
    en.write_text("casino\n", encoding="utf-8")
    records = [
        {"id": "sub", "text": seed_texts[0], "url": "https://m.bet-casino.com/th/promo"},
        {"id": "ads", "text": seed_texts[1], "url": "http://news.example/ads/page?utm_source=x"},
        {"id": "notads", "text": seed_texts[2], "url": "http://news.example/adsense"},
        {"id": "gamble", "text": "เล่นบาคาร่าและพนันออนไลน์ได้ทุกวัน สมัครเลยวันนี้ รับโบนัสทันที"},
        {"id": "thai_ok", "text": "เดินตามตารางเวลาของโรงเรียน นักเรียนทุกคนมาตามนัด"},
        {"id": "en", "text": "The Casino opened downtown yesterday, residents said."},
        {"id": "en_ok", "text": "The casinos' occasional noise was reported."},
    ]
    stage = {"blocklist": {"urls": [str(urls)], "words": {"th": str(th), "*": str(en)}}}
    path = _run(tmp_path, records, ["clean", "langid", stage])
    drops = {d["rid"]: (d["reason"], d["detail"]) for d in _dropped(path, "blocklist")}
    assert drops == {
        "sub": ("blocked_url", "url list entry bet-casino.com"),
        "ads": ("blocked_url", "url list entry news.example/ads"),
        "gamble": ("blocked_words", "2 hits: บาคาร่า, พนันออนไลน์"),
        "en": ("blocked_words", "1 hits: casino"),
    }
    assert {"notads", "thai_ok", "en_ok"} <= set(_kept(path))


def test_blocklist_bad_lists(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        Blocklist(urls=[str(tmp_path / "nope.txt")])
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no entries"):
        Blocklist(words={"th": str(empty)})
    bad = tmp_path / "bad.txt"
    bad.write_text("not a domain at all\n", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a domain or URL"):
        Blocklist(urls=[str(bad)])
    with pytest.raises(ValueError, match="needs urls"):
        Blocklist()


def test_cli_dedup_url_and_paragraph(tmp_path, seed_texts):
    from typer.testing import CliRunner

    from khlang.cli import app

    bodies = [max(t.split("\n"), key=len) for t in seed_texts]
    records = [{"id": f"d{i}", "text": f"{bodies[i]}\n{FOOTER}", "url": f"https://www.x.th/{i % 2}?utm_source=a"}
               for i in range(4)]
    path = _run(tmp_path, records, ["clean"])
    runner = CliRunner()
    res = runner.invoke(app, ["dedup", str(path), "--method", "url"])
    assert res.exit_code == 0 and "2 duplicates dropped, 2 kept" in res.output, res.output
    res = runner.invoke(app, ["dedup", str(path), "--method", "paragraph"])
    assert res.exit_code == 0 and "1 recurring paragraphs removed from 1 documents" in res.output, res.output
    assert sum(FOOTER in t for t in _kept(path).values()) == 1
    bad = runner.invoke(app, ["dedup", str(path), "--method", "url", "--keep", "random"])
    assert bad.exit_code == 2 and "keep must be one of" in bad.output
