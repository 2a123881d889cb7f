"""Collectors against a local web (tests/collect_server.py on 127.0.0.1, no outside network):
the right records fetched, robots.txt honoured, the rate limit held (measured at the server),
every failure in the manifest, a killed collection resumed without fetching anything twice,
and the output read by `khlang run` as it is."""

from __future__ import annotations

import bisect
import bz2
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collect_server import CRAWL, Web, serve
from khlang.cli import app
from khlang.collect import CCQuery, collect_cc, collect_site, collect_wiki
from khlang.readers import read

cli = CliRunner()
# the CC rows of the fake crawl that --tld th,la --lang tha,lao --from 2024 selects (row 7 always fails)
CC_WANTED = {"https://news.example.th/news/0", "https://www.gov.la/news/1", "https://blog.example.th/news/3",
             "https://radio.example.la/news/5", "https://x.example.th/news/8"}
FAST = dict(progress=False, backoff=0.01, max_backoff=0.05)


@pytest.fixture
def web():
    w = Web(slow=0.2)
    server, base = serve(w)
    w.base = base
    yield w
    w.release.set()
    server.shutdown()


def manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / ".khlang" / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def warc_urls(out: Path) -> list[str]:
    return [d.metadata["url"] for d in read(str(out)) if d.source_kind == "warc"]


def cc_query(web, **kw) -> CCQuery:
    return CCQuery([CRAWL], **{"tlds": ["th", "la"], "langs": ["tha", "lao"], "date_from": "2024",
                               "index_url": web.base, "data_url": web.base, **kw})


# -- Common Crawl ---------------------------------------------------------------------------------
def test_cc_fetches_the_matching_records_by_range_and_records_failures(web, tmp_path):
    out = tmp_path / "raw"
    counts = collect_cc(cc_query(web), out, workers=3, retries=2, **FAST)
    assert counts == {"fetched": 5, "failed": 1}
    # the index was asked with the filters, page by page
    index = [h.path for h in web.hits(f"/{CRAWL}-index")]
    assert any("showNumPages" in p for p in index) and any("page=1" in p for p in index)
    assert all("languages%3A" in p and "from=2024" in p for p in index)
    # only ranges were fetched, each matching record once, the 429 retried, the 500 retried then given up
    data = web.hits("/crawl-data/")
    assert all(h.range for h in data)
    served = Counter(h.range for h in data if h.status == 206)
    assert len(served) == 5 and set(served.values()) == {1}
    assert Counter(h.status for h in data) == {206: 5, 429: 1, 500: 3}
    (failed,) = [e for e in manifest(out) if e["event"] == "failed"]
    assert failed["url"] == "https://media.example.th/news/7" and failed["status"] == 500 and failed["attempts"] == 3
    fetched = [e for e in manifest(out) if e["event"] == "fetched"]
    assert {e["url"] for e in fetched} == CC_WANTED
    for e in fetched:  # the manifest says where each record came from, and the bytes are Common Crawl's own
        assert {"crawl", "offset", "length", "digest", "status", "warc", "warc_offset"} <= set(e)
        raw = (out / e["warc"]).read_bytes()[e["warc_offset"]:e["warc_end"]]
        assert raw == web.warc[e["offset"]:e["offset"] + e["length"]]
    docs = [d for d in read(str(out))]
    assert sorted(d.metadata["url"] for d in docs) == sorted(CC_WANTED)  # the readers take the shards as they are
    assert all(d.drop is None and "ข่าวที่" in d.text for d in docs)


def test_cc_cli_domains_file_limit_and_bad_input(web, tmp_path):
    domains = tmp_path / "domains.txt"
    domains.write_text("# ours\nexample.com\nblog.example.th\n", encoding="utf-8")
    out = tmp_path / "raw"
    args = ["collect", "cc", "--crawl", CRAWL, "--domains", str(domains), "--lang", "tha", "--index-url", web.base,
            "--data-url", web.base, "-o", str(out), "-q", "--backoff", "0.01"]
    result = cli.invoke(app, args + ["--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "1 fetched" in result.stdout
    assert len(warc_urls(out)) == 1
    result = cli.invoke(app, args)  # the rest, without the one held
    assert result.exit_code == 0 and "2 fetched" in result.stdout
    assert sorted(warc_urls(out)) == ["https://blog.example.th/news/3", "https://example.com/news/4"]
    for bad, message in ((["--crawl", "2024"], "not a Common Crawl crawl name"), (["--crawl", CRAWL], "name hosts"),
                         (["--crawl", CRAWL, "--tld", "th", "--from", "last week"], "not a date")):
        result = cli.invoke(app, ["collect", "cc", *bad, "-o", str(tmp_path / "x"), "-q"])
        assert result.exit_code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x").exists()


def _kill_after(cmd: list[str], out: Path, fetched: int) -> None:
    """Start a collector, let the server hold everything past the first bodies, and kill -9 it
    once ``fetched`` records are in its manifest (the rest are in flight, unanswered)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    path = out / ".khlang" / "manifest.jsonl"
    while not path.exists() or path.read_text(encoding="utf-8").count('"fetched"') < fetched:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.2)  # the requests past the stall are now waiting on the server
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)


def test_cc_killed_and_rerun_fetches_nothing_twice(web, tmp_path):
    out = tmp_path / "raw"
    web.stall_after = 2
    cmd = [sys.executable, "-m", "khlang", "collect", "cc", "--crawl", CRAWL, "--tld", "th,la", "--lang", "tha,lao",
           "--from", "2024", "--index-url", web.base, "--data-url", web.base, "-o", str(out), "-q", "-w", "2",
           "--retries", "1", "--backoff", "0.01"]
    _kill_after(cmd, out, 2)
    assert len(warc_urls(out)) == 2
    with open(out / "cc-00000.warc.gz", "ab") as f:
        f.write(b"\x1f\x8b\x08 torn")  # as if the kill had come in the middle of writing a record
    web.stall_after = None
    web.release.set()
    counts = collect_cc(cc_query(web), out, workers=2, retries=1, **FAST)
    assert counts["fetched"] == 5
    served = Counter(h.range for h in web.hits("/crawl-data/", status=206))
    assert len(served) == 5 and set(served.values()) == {1}  # nothing fetched twice
    assert sorted(warc_urls(out)) == sorted(CC_WANTED)        # nothing lost, the torn tail gone
    index_pages = len(web.hits(f"/{CRAWL}-index"))
    collect_cc(cc_query(web), out, workers=2, retries=1, **FAST)  # done: asks nothing, not even the index
    assert len(web.hits("/crawl-data/", status=206)) == 5 and len(web.hits(f"/{CRAWL}-index")) == index_pages


# -- sites ----------------------------------------------------------------------------------------
SITE = dict(rate=10.0, concurrency=2, timeout=0.6, retries=2, **FAST)


def _overlap(intervals: list[tuple[float, float]]) -> int:
    edges = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def test_site_sitemaps_robots_rate_limit_and_failures(web, tmp_path):
    out = tmp_path / "site"
    counts = collect_site(web.base, out, **SITE)
    entries = manifest(out)
    by_url = {e["url"].removeprefix(web.base): e for e in entries}
    # nested sitemaps (an index, a gzipped index, a gzipped urlset without .gz in its name) all read
    assert {p for p, e in by_url.items() if e["event"] == "fetched"} == set(web.news) | {"/slow", "/flaky", "/moved"}
    assert by_url["/moved"]["final_url"] == web.base + "/news/0"
    # robots.txt: read once, the disallowed page never asked for, and said so
    assert len(web.hits("/robots.txt")) == 1 and not web.hits("/private/")
    assert by_url["/private/secret"] == {**by_url["/private/secret"], "event": "skipped"}
    # every failure in the manifest, with its status and reason
    failed = {p: (e["status"], e["reason"]) for p, e in by_url.items() if e["event"] == "failed"}
    assert failed == {"/broken": (500, "HTTP 500"), "/very-slow": (None, "timeout"), "/gone": (404, "HTTP 404"),
                      "/loop": (302, f"redirect loop at {web.base}/loop")}
    assert by_url["/broken"]["attempts"] == 3 and counts["failed"] == 4
    assert [h.status for h in web.hits("/flaky")] == [429, 429, 200]  # retried after each 429
    # the user agent names khlang
    assert all(h.headers["User-Agent"].startswith("khlang/") for h in web.log)
    # the rate limit holds (10/s, measured at the server, whose clock jitters by tens of ms on a busy
    # machine): on average, at the median, and in every one-second window; and so does the cap of 2
    starts = sorted(h.start for h in web.log)
    assert starts[-1] - starts[0] >= 0.1 * (len(starts) - 1) * 0.95
    gaps = sorted(b - a for a, b in zip(starts, starts[1:]))
    assert gaps[len(gaps) // 2] > 0.09, gaps
    assert max(bisect.bisect(starts, s + 1.0) - i for i, s in enumerate(starts)) <= 10 + 3
    clipped = [(h.start, min(h.end, h.start + SITE["timeout"])) for h in web.log]
    assert _overlap(clipped) <= 2
    assert sorted(warc_urls(out)) == sorted([web.base + p for p in web.news + ["/slow", "/flaky"]]
                                            + [web.base + "/news/0"])


def test_site_rerun_asks_conditionally_and_keeps_only_changes(web, tmp_path):
    out = tmp_path / "site"
    collect_site(web.base, out, **SITE)
    first = len(web.hits("/news/", status=200))
    collect_site(web.base, out, **SITE)  # within --revisit-after: nothing asked for again
    assert len(web.hits("/news/")) == first
    web.etags["/news/1"] = '"v2"'  # one page changes
    collect_site(web.base, out, revisit_after=0, **SITE)
    news = web.hits("/news/")[first:]
    assert all(h.headers.get("If-None-Match") == '"v1"' for h in news)
    # /news/1 changed; the others, and /moved → /news/0 (asked with the ETag /news/0 answered), did not
    assert Counter(h.status for h in news) == {304: len(web.news), 200: 1}
    unchanged = {e["url"].removeprefix(web.base) for e in manifest(out) if e["event"] == "unchanged"}
    assert unchanged == set(web.news) - {"/news/1"} | {"/moved", "/slow"}  # /flaky sends no ETag: fetched anew
    assert Counter(warc_urls(out))[web.base + "/news/1"] == 2  # the new version, kept beside the old


def test_site_feed_killed_and_rerun_fetches_nothing_twice(web, tmp_path):
    out = tmp_path / "feed"
    web.stall_after = 1
    cmd = [sys.executable, "-m", "khlang", "collect", "site", web.base + "/feed.xml", "--feed", "-o", str(out), "-q",
           "--rate", "50", "--backoff", "0.01", "--contact", "corpus@example.org"]
    _kill_after(cmd, out, 1)
    web.stall_after = None
    web.release.set()
    counts = collect_site(web.base + "/feed.xml", out, mode="feed", **SITE)
    assert counts["fetched"] == 3 and counts["skipped"] == 2  # /private/secret, disallowed, on each run
    pages = Counter(h.path for h in web.hits("/news/", status=200))
    assert pages == {"/news/1": 1, "/news/2": 1, "/news/3": 1}
    assert sorted(warc_urls(out)) == [f"{web.base}/news/{i}" for i in (1, 2, 3)]
    assert any("corpus@example.org" in h.headers["User-Agent"] for h in web.log)


def test_site_crawl_delay_slows_the_rate_limit_down(web, tmp_path):
    web.crawl_delay = 0.3
    collect_site(web.base + "/feed.xml", tmp_path / "feed", mode="feed", **{**SITE, "rate": 50.0})
    starts = sorted(h.start for h in web.log)
    assert [h.path for h in sorted(web.log, key=lambda h: h.start)][0] == "/robots.txt"
    gaps = [b - a for a, b in zip(starts[1:], starts[2:])]  # after robots.txt was read: 0.3 s, not 0.02 s
    assert len(gaps) == 3 and min(gaps) > 0.15 and sum(gaps) > 0.75, gaps  # 0.06 s in all without it


# -- the chain: collect → khlang run → stats ------------------------------------------------------
def test_collected_warc_flows_through_run_and_stats(web, tmp_path):
    raw = tmp_path / "raw"
    result = cli.invoke(app, ["collect", "cc", "--crawl", CRAWL, "--tld", "th,la", "--lang", "tha,lao", "--from", "2024",
                              "--index-url", web.base, "--data-url", web.base, "-o", str(raw),
                              "--backoff", "0.01", "--retries", "1"])
    assert result.exit_code == 0 and "5 fetched, 1 failed" in result.stdout, result.output
    assert re.search(r"5 pages [\d.]+ pages/s 3\.\d kB", result.stderr), result.stderr  # the progress bar
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(f"input:\n  paths: [{raw}]\nstages: [clean, langid]\n", encoding="utf-8")
    result = cli.invoke(app, ["run", str(pipeline), "-o", str(tmp_path / "corpus"), "-w", "1", "-q"])
    assert result.exit_code == 0 and "5 in, 5 kept" in result.stdout, result.output
    result = cli.invoke(app, ["stats", str(tmp_path / "corpus")], terminal_width=200)
    assert result.exit_code == 0
    assert "warc" in result.stdout and "th" in result.stdout


# -- MediaWiki dumps ------------------------------------------------------------------------------
DUMP = """<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="th">
<siteinfo><sitename>วิกิพีเดีย</sitename><base>https://th.wikipedia.org/wiki/หน้าหลัก</base>
<namespaces><namespace key="0" case="first-letter" /><namespace key="6" case="first-letter">ไฟล์</namespace>
<namespace key="14" case="first-letter">หมวดหมู่</namespace></namespaces></siteinfo>
{pages}</mediawiki>"""
ARTICLE = """'''กรุงเทพมหานคร''' เป็น[[เมืองหลวง|เมืองหลวง]]ของ[[ประเทศไทย]]{{อ้างอิง}}<ref>แหล่งที่มา ลับ</ref>
[[ไฟล์:Bangkok.jpg|thumb|ภาพเมือง]]
== ประวัติ ==
ก่อตั้งเมื่อ พ.ศ. 2325 {{lang|en|Bangkok}}
[[หมวดหมู่:เมืองหลวง]]"""


def _page(i: int, title: str, text: str, ns: int = 0, redirect: bool = False) -> str:
    from xml.sax.saxutils import escape

    marker = '<redirect title="x" />' if redirect else ""
    return (f"<page><title>{escape(title)}</title><ns>{ns}</ns><id>{i}</id>{marker}"
            f"<revision><id>{i}00</id><timestamp>2024-0{1 + i % 9}-01T00:00:00Z</timestamp>"
            f'<text xml:space="preserve">{escape(text)}</text></revision></page>\n')


def _dump(tmp_path: Path) -> Path:
    pages = [_page(1, "กรุงเทพมหานคร", ARTICLE), _page(2, "บางกอก", "#REDIRECT [[กรุงเทพมหานคร]]", redirect=True),
             _page(3, "คุยกับผู้ใช้:ก", "สวัสดี", ns=3)]
    pages += [_page(10 + i, f"บทความ {i}", f"เนื้อหาของบทความที่ {i} ว่าด้วย[[ภาษาไทย]]") for i in range(5)]
    path = tmp_path / "thwiki-pages-articles.xml.bz2"
    path.write_bytes(bz2.compress(DUMP.format(pages="".join(pages)).encode()))
    return path


def test_wiki_dump_to_documents_with_title_url_licence(tmp_path):
    out = tmp_path / "wiki"
    counts = collect_wiki(_dump(tmp_path), out, lang="th", progress=False)
    assert counts == {"shard": 1}
    docs = list(read(str(out)))
    assert len(docs) == 6  # the redirect and the talk page left out, and counted
    (shard,) = manifest(out)
    assert shard["skipped_redirects"] == 1 and shard["skipped_other_namespaces"] == 1
    bkk = docs[0]
    assert bkk.metadata["title"] == "กรุงเทพมหานคร" and bkk.metadata["licence"] == "CC BY-SA 4.0"
    assert bkk.metadata["url"] == "https://th.wikipedia.org/wiki/" + "%E0%B8%81%E0%B8%A3%E0%B8%B8%E0%B8%87%E0%B9%80%E0%B8%97%E0%B8%9E%E0%B8%A1%E0%B8%AB%E0%B8%B2%E0%B8%99%E0%B8%84%E0%B8%A3"
    assert bkk.text.startswith("กรุงเทพมหานคร เป็นเมืองหลวงของประเทศไทย")
    assert "ก่อตั้งเมื่อ พ.ศ. 2325" in bkk.text
    for gone in ("{{", "[[", "'''", "แหล่งที่มา", "Bangkok.jpg", "ภาพเมือง", "หมวดหมู่"):
        assert gone not in bkk.text, gone


def test_wiki_resumes_without_repeating_or_losing_pages(tmp_path):
    dump, out = _dump(tmp_path), tmp_path / "wiki"
    collect_wiki(dump, out, lang="th", docs_per_shard=2, limit=3, progress=False)
    assert len(list(read(str(out)))) == 3
    (out / "wiki-th-00002.jsonl.tmp").write_text('{"text": "half a shard"}\n', encoding="utf-8")  # a kill mid-shard
    collect_wiki(dump, out, lang="th", docs_per_shard=2, progress=False)
    titles = [d.metadata["title"] for d in read(str(out))]
    assert len(titles) == 6 and len(set(titles)) == 6 and not list(out.glob("*.tmp"))


def test_wiki_bad_input_is_one_line(tmp_path):
    bad = tmp_path / "notes.xml"
    bad.write_text("<html><body>not a dump</body></html>", encoding="utf-8")
    for dump, message in ((bad, "not a MediaWiki XML dump"), (tmp_path / "nosuch.xml", "no such file")):
        result = cli.invoke(app, ["collect", "wiki", str(dump), "--lang", "th", "-o", str(tmp_path / "w"), "-q"])
        assert result.exit_code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_site_bad_input_is_one_line(tmp_path):
    for args, message in ((["ftp://example.th/"], "not an http(s) URL"),
                          (["http://127.0.0.1:9/", "--feed", "--sitemap"], "exclude each other")):
        result = cli.invoke(app, ["collect", "site", *args, "-o", str(tmp_path / "s"), "-q"])
        assert result.exit_code == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "s").exists()


def test_fetcher_caps_bodies_and_refuses_non_http_links_at_once(web):
    from khlang.collect.http import Fetcher, FetchError

    with Fetcher(max_bytes=200, backoff=0.01) as fetcher:
        assert fetcher.get(web.base + "/robots.txt").status == 200
        with pytest.raises(FetchError, match="larger than 200 bytes"):
            fetcher.get(web.base + "/news/1")
        started = time.monotonic()
        with pytest.raises(FetchError, match="not a URL to fetch") as info:
            fetcher.get("mailto:editor@example.th")
        assert info.value.attempts == 1 and time.monotonic() - started < 0.5
