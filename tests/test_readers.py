"""Readers: every format, encodings, error records, ids, and count/read consistency."""

from __future__ import annotations

import csv
import gzip
import html as html_lib
import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from khlang.document import make_id
from khlang.pipeline import InputSpec, Pipeline
from khlang.readers import expand, kind_for, read, reader_for
from khlang.readers.encoding import DecodeError, decode
from khlang.clean import clean_text

THAI = "สวัสดีครับ วันนี้ฝนตกหนัก ๒๕๖๘ ที่กรุงเทพฯ"
THAI_DIGITS = re.compile("[๐-๙]+")
CJK = re.compile("[\u4e00-\u9fff]+")


def docs(path, **spec):
    path = str(path)
    return list(reader_for(path, InputSpec(paths=[path], **spec)).read(path))


def spec_reader(path, **spec):
    return reader_for(str(path), InputSpec(paths=[str(path)], **spec))


# -- helpers that build test files ----------------------------------------------------------------
def html_page(body: str, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">{head}</head><body>'
        '<nav><a href="/">หน้าแรก</a> | <a href="/news">ข่าว</a> | <a href="/contact">ติดต่อ</a></nav>'
        f"<article>{body}</article>"
        "<footer>สงวนลิขสิทธิ์ เว็บไซต์ทดสอบ · นโยบายความเป็นส่วนตัว</footer></body></html>"
    )


def paragraphs(text: str) -> str:
    return "".join(f"<p>{html_lib.escape(line)}</p>" for line in text.split("\n") if line.strip())


def write_warc(path: Path, pages: list[dict], gz: bool) -> None:
    """pages: dicts with url, body (bytes), content_type, optional record_id/date; each response
    is preceded by a request record, and the archive starts with warcinfo and ends with a
    metadata record — none of which are documents."""
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gz)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "test"}))
        for p in pages:
            w.write_record(w.create_warc_record(
                p["url"], "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"),
                warc_content_type="application/http; msgtype=request"))
            headers = StatusAndHeaders("200 OK", [("Content-Type", p["content_type"])], protocol="HTTP/1.1")
            rec = w.create_warc_record(p["url"], "response", payload=io.BytesIO(p["body"]), http_headers=headers)
            if "record_id" in p:
                rec.rec_headers.replace_header("WARC-Record-ID", p["record_id"])
            if "date" in p:
                rec.rec_headers.replace_header("WARC-Date", p["date"])
            w.write_record(rec)
        w.write_record(w.create_warc_record("urn:meta", "metadata", payload=io.BytesIO(b"fetchTimeMs: 12"),
                                            warc_content_type="application/warc-fields"))


# -- encodings ------------------------------------------------------------------------------------
def test_decode_detects_tis620_utf16_and_rejects_binary():
    assert decode(THAI.encode("tis-620")) == (THAI, "cp874")
    assert decode(THAI.encode("utf-16"))[0] == THAI
    assert decode(THAI.encode("utf-16-le")) == (THAI, "utf-16-le")  # no BOM
    assert decode(("ข้อความ ABC 123\n" + THAI).encode("utf-16-be"))[1] == "utf-16-be"
    for text in ("ສະບາຍດີ ທຸກຄົນ", "ពិធីបុណ្យអុំទូក", "မိုးလေဝသပညာရှင်များက", "Hello, plain ASCII"):
        assert decode(text.encode("utf-16-le"))[0] == text
    assert decode("ข่าว…“ไทย”".encode("cp874"))[0] == "ข่าว…“ไทย”"  # cp874 extras
    assert decode(b"\xef\xbb\xbf" + THAI.encode()) == (THAI, "utf-8-sig")
    # legacy non-Thai text is not mistaken for TIS-620, and common code pages win over rare ones
    french = "Le café est très bon à Paris, dit-elle. Déjà vu, naïve façade."
    assert decode(french.encode("latin-1"))[0] == french
    chinese = "昆明至万象的铁路今年运送旅客超过三百万人次。沿线的水果和大米也运往市场。"
    assert decode(chinese.encode("gb18030"))[0] == chinese
    with pytest.raises(DecodeError):
        decode(b"\x00\x01\xff\xfe\xfd\x00\xc3\x28" + bytes(range(0x80, 0xA0)))
    with pytest.raises(DecodeError):
        decode(THAI.encode("utf-8"), "ascii")


def test_text_reader_tis620_and_utf16(tmp_path):
    (tmp_path / "a.txt").write_bytes(THAI.encode("tis-620"))
    (tmp_path / "b.txt").write_bytes(("หัวเรื่อง\n" + THAI).encode("utf-16"))
    a, = docs(tmp_path / "a.txt")
    b, = docs(tmp_path / "b.txt")
    assert a.text == THAI and a.metadata["encoding"] == "cp874" and a.drop is None
    assert b.text == "หัวเรื่อง\n" + THAI and b.metadata["title"] == "หัวเรื่อง"
    assert a.id == make_id(str(tmp_path / "a.txt")) and a.source_uri == str(tmp_path / "a.txt")


def test_undecodable_file_is_an_error_record_in_the_dropped_table(tmp_path):
    data = tmp_path / "in"
    data.mkdir()
    (data / "ok.txt").write_text(THAI, encoding="utf-8")
    (data / "bad.txt").write_bytes(b"\x00\x01PK\x03\x04\xff\xfe\xfd\x00\xc3\x28" + bytes(range(0x80, 0xA0)) * 2)
    bad, = docs(data / "bad.txt")
    assert bad.drop.stage == "read" and bad.drop.reason == "decode_error" and "PK" in bad.text

    from khlang.runner import run
    from khlang.store import Corpus

    result = run(Pipeline.from_dict({"input": {"paths": [str(data)]}, "stages": ["clean"]}),
                 tmp_path / "out", workers=1, progress=False)
    assert (result.docs_in, result.docs_out, result.docs_dropped) == (2, 1, 1)
    with Corpus(tmp_path / "out") as corpus:
        rows = corpus.sql("SELECT stage, reason, source_uri, text FROM dropped").fetchall()
        kept = corpus.sql("SELECT text FROM documents").fetchall()
    assert len(rows) == 1
    stage, reason, uri, text = rows[0]
    assert (stage, reason, uri) == ("read", "decode_error", str(data / "bad.txt")) and "PK" in text
    assert kept == [(THAI,)]


# -- JSONL ----------------------------------------------------------------------------------------
def test_jsonl_fields_errors_and_ids(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text(
        json.dumps({"id": "r1", "body": THAI, "title": "t1", "url": "https://x.example/1", "licence": "CC0"},
                   ensure_ascii=False) + "\n"
        + "\n"  # blank lines are not records
        + '{"id": "r2", "body": "cut off\n'
        + '["not", "an", "object"]\n'
        + json.dumps({"id": "r4", "other": "no body here"}) + "\n",
        encoding="utf-8",
    )
    out = docs(p, text_field="body", id_field="id")
    assert spec_reader(p).count(str(p)) == len(out) == 4
    ok, cut, array, missing = out
    assert ok.text == THAI and ok.drop is None and ok.metadata == {
        "title": "t1", "url": "https://x.example/1", "licence": "CC0", "record_id": "r1"}
    assert ok.id == make_id(str(p), "r1") and ok.source_uri == f"{p}#0"
    assert cut.drop.reason == "parse_error" and "cut off" in cut.text
    assert array.drop.reason == "parse_error"
    assert missing.drop.reason == "missing_text" and json.loads(missing.text)["other"] == "no body here"
    # without id_field the id is path + index, still stable across reads
    assert [d.id for d in docs(p)] == [make_id(str(p), str(i)) for i in range(4)]
    assert [d.id for d in docs(p)] == [d.id for d in docs(p)]


def test_jsonl_gz(tmp_path):
    p = tmp_path / "a.jsonl.gz"
    with gzip.open(p, "wt", encoding="utf-8") as f:
        for i in range(3):
            f.write(json.dumps({"text": f"{THAI} {i}"}, ensure_ascii=False) + "\n")
    assert kind_for(str(p)) == "jsonl"
    assert [d.text for d in docs(p)] == [f"{THAI} {i}" for i in range(3)]


# -- CSV / TSV ------------------------------------------------------------------------------------
def test_csv_text_field_multiline_and_missing(tmp_path):
    p = tmp_path / "a.csv"
    with open(p, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "headline", "content", "date"])
        w.writerow(["1", "หัวข้อ", THAI + "\nบรรทัดที่สอง, มีจุลภาค", "2025-01-02"])
        w.writerow(["2", "second", "plain, \"quoted\" text", ""])
    out = docs(p, text_field="content", id_field="id")
    assert len(out) == spec_reader(p).count(str(p)) == 2
    assert out[0].text == THAI + "\nบรรทัดที่สอง, มีจุลภาค"
    assert out[0].metadata == {"headline": "หัวข้อ", "date": "2025-01-02", "record_id": "1"}
    assert out[1].text == 'plain, "quoted" text' and "date" not in out[1].metadata
    assert out[0].source_kind == "csv" and out[1].source_uri == f"{p}#1"
    missing = docs(p, text_field="body")
    assert [d.drop.reason for d in missing] == ["missing_text", "missing_text"]
    assert json.loads(missing[0].text)["content"].startswith(THAI)


def test_tsv_in_tis620(tmp_path):
    p = tmp_path / "a.tsv"
    p.write_bytes(("title\ttext\nหนึ่ง\t" + THAI + "\nสอง\tข้อความ, ที่มีจุลภาค\n").encode("tis-620"))
    out = docs(p)
    assert [d.text for d in out] == [THAI, "ข้อความ, ที่มีจุลภาค"]
    assert [d.metadata["title"] for d in out] == ["หนึ่ง", "สอง"]


def test_csv_with_bom_from_spreadsheet_export(tmp_path):
    p = tmp_path / "excel.csv"
    p.write_bytes(b"\xef\xbb\xbf" + "text,title\nข้อความ,หัวข้อ\n".encode())
    doc, = docs(p)
    assert doc.text == "ข้อความ" and doc.metadata == {"title": "หัวข้อ"}


def test_csv_undecodable_file_is_one_error_record(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"text\n\x00\xff\xfe\x00\xc3\x28" + bytes(range(0x80, 0xA0)))
    out = docs(p)
    assert spec_reader(p).count(str(p)) == len(out) == 1 and out[0].drop.reason == "decode_error"


# -- Parquet --------------------------------------------------------------------------------------
def test_parquet_text_field_ranges_read_only_needed_row_groups(tmp_path, monkeypatch):
    p = tmp_path / "a.parquet"
    rows = {"body": [f"{THAI} {i}" for i in range(10)], "n": list(range(10)),
            "title": [f"t{i}" for i in range(10)]}
    rows["body"][4] = None
    pq.write_table(pa.table(rows), p, row_group_size=3)  # row groups: 0-2, 3-5, 6-8, 9
    reader = spec_reader(p, text_field="body")
    assert reader.count(str(p)) == 10
    opened = []
    original = pq.ParquetFile.read_row_group
    monkeypatch.setattr(pq.ParquetFile, "read_row_group",
                        lambda self, i, *a, **k: opened.append(i) or original(self, i, *a, **k))
    part = list(reader.read(str(p), 4, 7))
    assert opened == [1, 2]  # rows 4..6 live in row groups 1 and 2 only
    assert [d.source_uri for d in part] == [f"{p}#{i}" for i in (4, 5, 6)]
    assert part[0].drop.reason == "missing_text"
    assert [d.text for d in part[1:]] == [f"{THAI} 5", f"{THAI} 6"]
    assert part[1].metadata == {"n": 5, "title": "t5"}
    assert all(d.drop.reason == "missing_text" for d in docs(p, text_field="nope"))


def test_unreadable_parquet_is_one_error_record(tmp_path):
    p = tmp_path / "bad.parquet"
    p.write_bytes(b"PAR1 this is not really parquet")
    reader = spec_reader(p)
    out = list(reader.read(str(p)))
    assert reader.count(str(p)) == len(out) == 1 and out[0].drop.reason == "parse_error"
    assert list(reader.read(str(p), 1, 2)) == []


# -- HTML -----------------------------------------------------------------------------------------
def test_html_extraction_metadata_and_boilerplate(tmp_path):
    p = tmp_path / "page.html"
    head = ('<title>ข่าวฝนตก | เว็บทดสอบ</title><link rel="canonical" href="https://news.example/th/rain">'
            '<meta property="article:published_time" content="2025-06-01">')
    body = ("<h1>ฝนตกหนักทั่วกรุงเทพฯ</h1><p>วันนี้ฝนตกหนักตั้งแต่เช้า ถนนหลายสายมีน้ำท่วมขังสูง ๒๐ เซนติเมตร</p>"
            "<p>กรมอุตุนิยมวิทยาเตือนว่าจะมีฝนต่อเนื่องอีกสองวัน ประชาชนควรหลีกเลี่ยงพื้นที่ลุ่มต่ำ</p>")
    p.write_text(html_page(body, head), encoding="utf-8")
    doc, = docs(p)
    assert doc.drop is None and doc.source_kind == "html" and doc.id == make_id(str(p))
    assert "ถนนหลายสายมีน้ำท่วมขังสูง ๒๐ เซนติเมตร" in doc.text and "ฝนต่อเนื่องอีกสองวัน" in doc.text
    assert "สงวนลิขสิทธิ์" not in doc.text and "หน้าแรก" not in doc.text  # footer, menu
    assert doc.metadata["url"] == "https://news.example/th/rain"
    assert doc.metadata["date"] == "2025-06-01"
    assert "ฝนตก" in doc.metadata["title"]


def test_html_meta_charset_tis620_and_og_url(tmp_path):
    p = tmp_path / "legacy.htm"
    body = paragraphs("ราคาข้าวเปลือกหอมมะลิวันนี้ขยับขึ้นเป็นตันละ ๑๕,๐๐๐ บาท พ่อค้าคาดว่าราคาจะทรงตัวไปจนถึงสิ้นเดือน\n"
                      "ชาวนาในจังหวัดสุรินทร์และศรีสะเกษเริ่มนำข้าวออกขายมากขึ้นหลังเก็บเกี่ยวเสร็จ")
    head = '<meta property="og:url" content="https://news.example/th/rice">'
    p.write_bytes(html_page(body, head, charset="TIS-620").replace("·", "-").encode("tis-620"))
    doc, = docs(p)
    assert doc.metadata["encoding"] == "cp874" and doc.metadata["url"] == "https://news.example/th/rice"
    assert "ตันละ ๑๕,๐๐๐ บาท" in doc.text


def test_html_forced_encoding_is_strict(tmp_path):
    p = tmp_path / "page.html"
    text = "ข่าวเช้าวันนี้ ฝนตกหนักในภาคใต้ ชาวบ้านหลายหมู่บ้านต้องอพยพขึ้นที่สูงเพื่อความปลอดภัย"
    p.write_bytes(html_page(paragraphs(text), charset="utf-8").replace("·", "-").encode("cp874"))
    doc, = docs(p)  # the page lies (says utf-8): detection finds TIS-620
    assert text in doc.text and doc.metadata["encoding"] == "cp874"
    doc, = docs(p, encoding="tis-620")
    assert text in doc.text
    doc, = docs(p, encoding="utf-8")  # forced and wrong: an error record, not a guess
    assert doc.drop.reason == "decode_error"


def test_html_without_main_text_is_kept_as_no_text(tmp_path):
    p = tmp_path / "empty.html"
    raw = '<html><head><title>x</title></head><body><nav><a href="/">home</a></nav></body></html>'
    p.write_text(raw, encoding="utf-8")
    doc, = docs(p)
    assert doc.drop.reason == "no_text" and doc.drop.stage == "read" and doc.text == raw


# -- WARC -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_reader(tmp_path, name):
    p = tmp_path / name
    thai_body = html_page(paragraphs("เทศกาลลอยกระทงปีนี้จัดขึ้นริมแม่น้ำเจ้าพระยา มีผู้มาร่วมงานกว่า ๓๐,๐๐๐ คน\n"
                                     "ผู้จัดงานขอให้ใช้กระทงจากวัสดุธรรมชาติเพื่อลดขยะในแม่น้ำ"),
                          head='<meta property="article:published_time" content="2025-11-05">',
                          charset="utf-8").replace("·", "-").replace('charset="utf-8"', "")
    pages = [
        # charset only in the HTTP header; the page has its own date
        {"url": "https://a.example/th/loy", "body": thai_body.encode("cp874"),
         "content_type": "text/html; charset=TIS-620", "record_id": "<urn:uuid:11111111-1111-4111-8111-111111111111>"},
        # no date on the page: WARC-Date is used
        {"url": "https://a.example/vi/mua", "content_type": "text/html; charset=utf-8", "date": "2024-05-06T07:08:09Z",
         "body": html_page(paragraphs("Mưa lớn kéo dài ở các tỉnh miền Trung khiến nhiều tuyến đường bị ngập sâu.\n"
                                      "Chính quyền địa phương đã sơ tán hàng trăm hộ dân đến nơi an toàn.")).encode()},
        {"url": "https://a.example/robots-notes.txt", "body": "Khmer: សួស្តី\nLao: ສະບາຍດີ".encode(),
         "content_type": "text/plain"},
        {"url": "https://a.example/logo.png", "body": b"\x89PNG\r\n\x1a\n" + bytes(16), "content_type": "image/png"},
    ]
    write_warc(p, pages, gz=name.endswith(".gz"))
    reader = spec_reader(p)
    out = list(reader.read(str(p)))
    assert reader.count(str(p)) == len(out) == 4  # warcinfo, requests and metadata are skipped
    thai, viet, plain, image = out
    assert "มีผู้มาร่วมงานกว่า ๓๐,๐๐๐ คน" in thai.text and thai.metadata["encoding"] == "cp874"
    assert thai.id == make_id("<urn:uuid:11111111-1111-4111-8111-111111111111>")
    assert thai.source_uri == thai.metadata["url"] == "https://a.example/th/loy"
    assert thai.metadata["date"] == "2025-11-05" and thai.metadata["http_status"] == 200
    assert thai.source_kind == "warc" and thai.metadata["warc_file"] == str(p)
    assert "Mưa lớn kéo dài" in viet.text and viet.metadata["date"] == "2024-05-06T07:08:09Z"
    assert plain.text == "Khmer: សួស្តី\nLao: ສະບາຍດີ" and plain.drop is None
    assert image.drop.reason == "unsupported_type" and image.source_uri == "https://a.example/logo.png"
    assert [d.id for d in reader.read(str(p))] == [d.id for d in out]  # stable ids


# -- the reader contract over every format --------------------------------------------------------
RECORDS = [f"{THAI} เรื่องที่ {i} (第{i}条) ๐๑๒" for i in range(7)]


def _all_formats(tmp_path: Path, texts: list[str], with_variants: bool = False) -> dict[str, Path]:
    """The same texts as one file per format (text: one file per text, in a folder)."""
    out = {}
    (tmp_path / "jsonl").mkdir()
    out["jsonl"] = tmp_path / "jsonl" / "a.jsonl"
    out["jsonl"].write_text("".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8")
    out["csv"] = tmp_path / "a.csv"
    with open(out["csv"], "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text"])
        w.writerows([t] for t in texts)
    out["parquet"] = tmp_path / "a.parquet"
    pq.write_table(pa.table({"text": texts}), out["parquet"], row_group_size=2)
    pages = [{"url": f"https://s.example/{i}", "content_type": "text/html; charset=utf-8",
              "body": html_page(paragraphs(t)).encode()} for i, t in enumerate(texts)]
    out["warc"] = tmp_path / "a.warc.gz"  # one gzip member per record: shards seek to their record
    write_warc(out["warc"], pages, gz=True)
    if with_variants:
        (tmp_path / "warc").mkdir()
        write_warc(tmp_path / "warc" / "plain.warc", pages, gz=False)
        # one gzip stream over the whole archive (not seekable): shards must scan instead
        (tmp_path / "warc" / "single-stream.warc.gz").write_bytes(
            gzip.compress((tmp_path / "warc" / "plain.warc").read_bytes()))
        out["warc variants"] = tmp_path / "warc"
    (tmp_path / "text").mkdir()
    (tmp_path / "html").mkdir()
    for i, t in enumerate(texts):
        (tmp_path / "text" / f"{i:03d}.txt").write_text(t, encoding="utf-8")
        (tmp_path / "html" / f"{i:03d}.html").write_text(html_page(paragraphs(t)), encoding="utf-8")
    out["text"], out["html"] = tmp_path / "text", tmp_path / "html"
    return out


def _lines(text: str) -> list[str]:
    """Non-blank lines after clean (HTML extraction drops blank lines between paragraphs)."""
    return [line for line in clean_text(text)[0].split("\n") if line]


def test_count_matches_read_and_ranges_partition(tmp_path):
    from khlang.readers.base import _FILE_INDEXES

    for kind, path in _all_formats(tmp_path, RECORDS, with_variants=True).items():
        for f in expand(str(path)):
            _FILE_INDEXES.clear()  # no offset index from an earlier file
            reader = reader_for(f)
            everything = list(reader.read(f))
            n = reader.count(f)
            assert n == len(everything), (kind, f)
            ids = [d.id for d in everything]
            assert len(set(ids)) == len(ids)
            for cuts in ([0, n], [0, 1, n], [0, 2, 3, n], list(range(n + 1)), [0, n // 2, n, n + 5]):
                pieces = [d.id for a, b in zip(cuts, cuts[1:]) for d in reader.read(f, a, b)]
                assert pieces == ids, (kind, cuts)
            assert list(reader.read(f, n, None)) == []
        got = [d.text for d in read(str(path))]
        copies = len(expand(str(path))) if kind == "warc variants" else 1
        assert [_lines(t) for t in got] == [_lines(t) for t in RECORDS] * copies, kind


# -- the five real seed articles through every format --------------------------------------------
def test_seed_articles_survive_every_format(tmp_path, seed_paths, seed_texts):
    expected = [_lines(t) for t in seed_texts]
    assert sum(len(THAI_DIGITS.findall(t)) for t in seed_texts) > 0
    assert sum(len(CJK.findall(t)) for t in seed_texts) > 0
    by_kind = {"seed files": [d.text for p in seed_paths for d in docs(p)]}
    assert [d.source_kind for p in seed_paths for d in docs(p)] == ["text"] * 5
    for kind, path in _all_formats(tmp_path, seed_texts).items():
        by_kind[kind] = [d.text for d in read(str(path))]
    for kind, texts in by_kind.items():
        assert len(texts) == 5, kind
        for got, want, original in zip(texts, expected, seed_texts):
            assert _lines(got) == want, kind
            assert THAI_DIGITS.findall(got) == THAI_DIGITS.findall(original), kind
            assert CJK.findall(got) == CJK.findall(original), kind
    # formats that do not re-flow text keep it exactly (after clean)
    for kind in ("seed files", "jsonl", "csv", "parquet", "text"):
        assert [clean_text(t)[0] for t in by_kind[kind]] == [clean_text(t)[0] for t in seed_texts], kind


# -- choosing readers ------------------------------------------------------------------------------
def test_reader_choice_and_expand(tmp_path):
    assert kind_for("a/B.WARC.GZ") == "warc" and kind_for("x.jsonl.gz") == "jsonl" and kind_for("x.tsv") == "csv"
    assert kind_for("x.pdf") is None
    (tmp_path / "notes.log").write_text("ข้อความ", encoding="utf-8")
    (tmp_path / "a.txt").write_text("ข้อความ", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    assert expand(str(tmp_path)) == [str(tmp_path / "a.txt")]
    forced = InputSpec(paths=[str(tmp_path)], kind="text")
    assert expand(str(tmp_path), forced) == [str(tmp_path / "a.txt"), str(tmp_path / "notes.log")]
    with pytest.raises(ValueError, match="no reader"):
        reader_for(str(tmp_path / "notes.log"))
    assert reader_for(str(tmp_path / "notes.log"), forced).kind == "text"
    with pytest.raises(FileNotFoundError):
        expand(str(tmp_path / "missing.jsonl"))


def test_cli_read(tmp_path):
    from typer.testing import CliRunner

    from khlang.cli import app

    p = tmp_path / "a.jsonl"
    p.write_text('{"body": "ข้อความแรก", "id": "x1"}\n{"body": \n', encoding="utf-8")
    result = CliRunner().invoke(app, ["read", str(p), "--text-field", "body", "--id-field", "id"])
    assert result.exit_code == 0, result.output
    first, second = [json.loads(line) for line in result.output.splitlines()]
    assert first["text"] == "ข้อความแรก" and first["metadata"] == {"record_id": "x1"} and first["drop"] is None
    assert second["drop"]["reason"] == "parse_error"
    assert CliRunner().invoke(app, ["read", str(tmp_path / "missing.txt")]).exit_code == 2


def test_warc_shards_seek_to_their_first_record(tmp_path, monkeypatch):
    from khlang.readers import warc

    pages = [{"url": f"https://s.example/{i}", "content_type": "text/plain", "body": f"ข้อความ {i}".encode()}
             for i in range(6)]
    write_warc(tmp_path / "a.warc.gz", pages, gz=True)
    (tmp_path / "single.warc.gz").write_bytes(gzip.compress(gzip.decompress((tmp_path / "a.warc.gz").read_bytes())))
    opened = []
    original = warc._records
    monkeypatch.setattr(warc, "_records",
                        lambda path, offset=0, **k: opened.append(offset) or original(path, offset, **k))
    for name, seeks in (("a.warc.gz", True), ("single.warc.gz", False)):
        path = str(tmp_path / name)
        reader = reader_for(path)
        assert reader.count(path) == 6
        opened.clear()
        assert [d.text for d in reader.read(path, 4, 6)] == ["ข้อความ 4", "ข้อความ 5"]
        if seeks:
            assert len(opened) == 1 and opened[0] > 0  # straight to record 4
        else:
            assert opened[-1] == 0  # seeking failed the check: scanned from the start


def test_damaged_and_foreign_warcs_are_error_records(tmp_path):
    pages = [{"url": f"https://s.example/{i}", "content_type": "text/plain", "body": f"ข้อความ {i} " .encode() * 50}
             for i in range(4)]
    good = tmp_path / "good.warc.gz"
    write_warc(good, pages + [{"url": "https://s.example/empty", "content_type": "text/html", "body": b""}], gz=True)
    empty, = [d for d in docs(good) if d.source_uri.endswith("/empty")]
    assert empty.drop.reason == "no_text"
    # not a WARC at all
    junk = tmp_path / "junk.warc"
    junk.write_text("this is not a web archive\n", encoding="utf-8")
    # a valid archive followed by garbage
    tail = tmp_path / "tail.warc"
    write_warc(tail, pages, gz=False)
    tail.write_bytes(tail.read_bytes() + b"<html>stray bytes, not a WARC record</html>")
    for path, n_good in ((junk, 0), (tail, 4)):
        reader = spec_reader(path)
        out = docs(path)
        assert reader.count(str(path)) == len(out) == n_good + 1
        assert [d.drop is None for d in out] == [True] * n_good + [False]
        assert out[-1].drop.reason == "parse_error" and out[-1].source_uri == f"{path}#{n_good}"
        assert [d.id for k in range(len(out)) for d in reader.read(str(path), k, k + 1)] == [d.id for d in out]


def test_jsonl_shards_seek_to_their_lines(tmp_path):
    """Reading lines [start, stop) by offset gives exactly what a full read gives for them,
    blank lines included in the file and a start past the end giving nothing."""
    from khlang.readers.records import JsonlReader

    path = tmp_path / "x.jsonl"
    lines = [json.dumps({"text": f"บรรทัด {i}"}, ensure_ascii=False) for i in range(50)]
    path.write_text("\n\n".join(lines[:10]) + "\n\n" + "\n".join(lines[10:]) + "\n\n", encoding="utf-8")
    reader = JsonlReader()
    full = [(d.id, d.text, d.source_uri) for d in reader.read(str(path))]
    assert reader.count(str(path)) == len(full) == 50
    parts = [(d.id, d.text, d.source_uri) for a in range(0, 50, 7) for d in reader.read(str(path), a, a + 7)]
    assert parts == full
    assert [d.text for d in reader.read(str(path), 48)] == ["บรรทัด 48", "บรรทัด 49"]
    assert list(reader.read(str(path), 60, 70)) == []
