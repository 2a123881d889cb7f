"""A local web for the collector tests and bench/collect.py: a fake Common Crawl (CDX index and
WARC files served by byte range) and a news site (robots.txt, nested gzipped sitemaps, an RSS
feed, ETags, 429s, a 500, slow pages, a redirect loop), on 127.0.0.1 in a thread.

Every request is logged (start and end time, path, status, Range, how many were being served at
once), so tests measure what the collectors did from the server's side. ``stall_after`` makes
the server hold every body past the first N (the collector hangs; a test kills it there).
"""

from __future__ import annotations

import gzip
import io
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CRAWL = "CC-MAIN-2024-10"
WARC_PATH = f"crawl-data/{CRAWL}/segments/1/warc/part-00000.warc.gz"
PAGE_SIZE = 3  # index rows per CDX page (Common Crawl's are 15,000 lines: few pages either way)


def thai_page(i: int, host: str = "example.th") -> str:
    return (f"<html><head><title>ข่าว {i} {host}</title></head><body><article><h1>ข่าวที่ {i}</h1>"
            f"<p>กรุงเทพมหานคร วันนี้ {i} มีรายงานว่าการประชุมคณะกรรมการได้ข้อสรุปเรื่องงบประมาณ "
            f"ของโครงการพัฒนาการศึกษาในภูมิภาค {host} โดยมีผู้เข้าร่วมจำนวนมาก</p>"
            f"<p>ผู้สื่อข่าวรายงานเพิ่มเติมว่า การดำเนินงานระยะที่ {i} จะเริ่มขึ้นในเดือนหน้า</p></article></body></html>")


def make_cc(hosts: list[tuple[str, str]]) -> tuple[bytes, list[dict]]:
    """A WARC.gz of one response record per (host, languages), each its own gzip member as in
    Common Crawl, and the CDX rows that point into it."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    rows = []
    for i, (host, langs) in enumerate(hosts):
        url = f"https://{host}/news/{i}"
        body = thai_page(i, host).encode()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                           ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        start = buf.tell()
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
        surt = ",".join(reversed(host.split("."))) + ")/news/" + str(i)
        rows.append({"urlkey": surt, "timestamp": f"202402{10 + i % 15:02d}120000", "url": url, "mime": "text/html",
                     "status": "200", "digest": f"DIGEST{i:04d}", "length": str(buf.tell() - start),
                     "offset": str(start), "filename": WARC_PATH, "languages": langs})
    return buf.getvalue(), rows


def sitemap(urls: list[str], index: bool = False) -> bytes:
    tag, item = ("sitemapindex", "sitemap") if index else ("urlset", "url")
    body = "".join(f"<{item}><loc>{u}</loc><lastmod>2024-03-01T00:00:00Z</lastmod></{item}>" for u in urls)
    return f'<?xml version="1.0" encoding="UTF-8"?><{tag} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</{tag}>'.encode()


@dataclass
class Hit:
    start: float
    end: float
    path: str
    status: int
    range: str | None
    active: int
    headers: dict = field(default_factory=dict)


class Web:
    """The state behind the handler: content, behaviours, and the request log."""

    def __init__(self, n_news: int = 8, slow: float = 0.3, cc_records: int | None = None, page_size: int = PAGE_SIZE):
        self.page_size = page_size
        self.log: list[Hit] = []
        self.lock = threading.Lock()
        self.active = 0
        self.slow = slow
        self.counters: dict[str, int] = {}
        self.stall_after: int | None = None  # bodies served before the server stalls
        self.bodies = 0
        self.release = threading.Event()
        self.etags: dict[str, str] = {}
        self.crawl_delay: float | None = None  # a Crawl-delay line in robots.txt
        cc_hosts = [("news.example.th", "tha"), ("www.gov.la", "lao"), ("shop.example.th", "eng"),
                    ("blog.example.th", "tha,eng"), ("example.com", "tha"), ("radio.example.la", "lao,tha"),
                    ("old.example.th", "tha"), ("media.example.th", "tha"), ("x.example.th", "tha")]
        if cc_records is not None:  # a plain crawl of many .th pages, for bench/collect.py
            self.warc, self.rows = make_cc([(f"site{i}.example.th", "tha") for i in range(cc_records)])
            self.bad_range = self.flaky_range = set()
        else:
            self.warc, self.rows = make_cc(cc_hosts)
            self.rows[6]["timestamp"] = "20230101120000"   # outside --from 2024
            self.bad_range = {self.rows[7]["offset"]}       # always 500: a failure for the manifest
            self.flaky_range = {self.rows[8]["offset"]}     # 429 once, then served
        self.news = [f"/news/{i}" for i in range(n_news)]

    # -- what the site serves -------------------------------------------------------------------
    def site(self, path: str, base: str) -> tuple[int, dict, bytes]:
        pages = self.news + ["/private/secret", "/slow", "/very-slow", "/flaky", "/broken", "/loop", "/gone",
                             "/moved"]
        if path == "/robots.txt":
            delay = f"Crawl-delay: {self.crawl_delay}\n" if self.crawl_delay else ""
            return 200, {}, (f"User-agent: *\nDisallow: /private/\n{delay}\nSitemap: {base}/sitemap_index.xml\n").encode()
        if path == "/sitemap_index.xml":
            return 200, {}, sitemap([f"{base}/sitemaps/news.xml.gz", f"{base}/sitemaps/more.xml"], index=True)
        if path == "/sitemaps/news.xml.gz":
            return 200, {"Content-Type": "application/gzip"}, gzip.compress(
                sitemap([f"{base}/sitemaps/deeper.xml"], index=True))
        if path == "/sitemaps/deeper.xml":
            return 200, {}, gzip.compress(sitemap([base + p for p in self.news]))  # gzipped, no .gz name
        if path == "/sitemaps/more.xml":
            return 200, {}, sitemap([base + p for p in pages[len(self.news):]] + [base + self.news[0]])
        if path == "/feed.xml":
            items = "".join(f"<item><title>ข่าว {i}</title><link>{base}/news/{i}</link>"
                            f"<pubDate>Fri, 01 Mar 2024 0{i % 10}:00:00 GMT</pubDate></item>" for i in (1, 2, 3))
            items += f"<item><title>ลับ</title><link>{base}/private/secret</link></item>"
            return 200, {"Content-Type": "application/rss+xml"}, (
                f'<?xml version="1.0"?><rss version="2.0"><channel><title>ข่าว</title><link>{base}/</link>'
                f"{items}</channel></rss>").encode()
        if path.startswith("/news/") or path in ("/private/secret", "/slow", "/very-slow"):
            if path == "/slow":
                time.sleep(self.slow)
            if path == "/very-slow":
                time.sleep(self.slow * 10)
            etag = self.etags.setdefault(path, '"v1"')
            return 200, {"Content-Type": "text/html; charset=utf-8", "ETag": etag}, thai_page(len(path), path).encode()
        if path == "/flaky":
            n = self._count(path)
            if n <= 2:
                return 429, {"Retry-After": "0"}, b"slow down"
            return 200, {"Content-Type": "text/html; charset=utf-8"}, thai_page(99).encode()
        if path == "/broken":
            return 500, {}, b"oops"
        if path == "/loop":
            return 302, {"Location": "/loop2"}, b""
        if path == "/loop2":
            return 302, {"Location": "/loop"}, b""
        if path == "/moved":
            return 301, {"Location": "/news/0"}, b""
        return 404, {}, b"not found"

    # -- what the fake Common Crawl serves ------------------------------------------------------
    def cdx(self, path: str, query: dict) -> tuple[int, dict, bytes]:
        if path != f"/{CRAWL}-index":
            return 404, {}, b"no such index"
        pattern = query["url"][0]
        suffix = pattern[2:] if pattern.startswith("*.") else pattern
        rows = [r for r in self.rows if urlsplit(r["url"]).hostname == suffix
                or urlsplit(r["url"]).hostname.endswith("." + suffix)]
        for f in query.get("filter", []):
            if f.startswith("="):
                name, value = f[1:].split(":", 1)
                rows = [r for r in rows if r.get(name) == value]
            else:
                name, regex = f.split(":", 1)
                rows = [r for r in rows if re.search(regex, r.get(name, ""))]
        if "from" in query:
            rows = [r for r in rows if r["timestamp"][:len(query["from"][0])] >= query["from"][0]]
        if "to" in query:
            rows = [r for r in rows if r["timestamp"][:len(query["to"][0])] <= query["to"][0]]
        if "showNumPages" in query:
            return 200, {}, json.dumps({"pages": math.ceil(len(rows) / self.page_size), "pageSize": self.page_size}).encode()
        page = int(query.get("page", ["0"])[0])
        chunk = rows[page * self.page_size:(page + 1) * self.page_size]
        if not chunk:
            return 404, {}, b'{"message": "No Captures found for: ' + pattern.encode() + b'"}'
        return 200, {"Content-Type": "text/x-ndjson"}, "".join(json.dumps(r) + "\n" for r in chunk).encode()

    def data(self, path: str, byte_range: str | None) -> tuple[int, dict, bytes]:
        if path != "/" + WARC_PATH:
            return 404, {}, b"no such file"
        m = re.fullmatch(r"bytes=(\d+)-(\d+)", byte_range or "")
        if not m:
            return 200, {}, self.warc
        start, end = int(m[1]), int(m[2])
        if str(start) in self.bad_range:
            return 500, {}, b"internal error"
        if str(start) in self.flaky_range and self._count(f"range:{start}") == 1:
            return 429, {"Retry-After": "0"}, b"slow down"
        return 206, {"Content-Range": f"bytes {start}-{end}/{len(self.warc)}"}, self.warc[start:end + 1]

    def _count(self, key: str) -> int:
        with self.lock:
            self.counters[key] = self.counters.get(key, 0) + 1
            return self.counters[key]

    def hits(self, prefix: str = "/", status: int | None = None) -> list[Hit]:
        with self.lock:
            return [h for h in self.log if h.path.startswith(prefix) and (status is None or h.status == status)]


def serve(web: Web):
    """Start the server in a daemon thread; returns (server, base URL). ``server.shutdown()`` stops it."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            start = time.monotonic()
            with web.lock:
                web.active += 1
                active = web.active
            try:
                parts = urlsplit(self.path)
                base = f"http://{self.headers['Host']}"
                query = parse_qs(parts.query)
                if parts.path.endswith("-index"):
                    status, headers, body = web.cdx(parts.path, query)
                elif parts.path.startswith("/crawl-data/"):
                    status, headers, body = web.data(parts.path, self.headers.get("Range"))
                else:
                    status, headers, body = web.site(parts.path, base)
                etag = headers.get("ETag")
                if etag and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                if status in (200, 206) and web.stall_after is not None and parts.path.startswith(
                        ("/crawl-data/", "/news/")):
                    with web.lock:
                        web.bodies += 1
                        stalled = web.bodies > web.stall_after
                    if stalled:
                        web.release.wait(60)
                        status = -1  # never answered: the client was killed meanwhile
                        self.close_connection = True
                        return
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout): what the test wants to happen
            finally:
                with web.lock:
                    web.active -= 1
                    web.log.append(Hit(start, time.monotonic(), self.path, status, self.headers.get("Range"), active,
                                       dict(self.headers)))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
