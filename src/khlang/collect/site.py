"""A news or government site through its sitemaps or its RSS/Atom feed, fetched politely.

Politeness, all through :class:`~khlang.collect.http.Fetcher`: robots.txt is read first for
every host (with Protego, which knows wildcards, ``$`` and ``Crawl-delay``) and asked before
every URL and every redirect hop; each host gets a rate limit (raised to its Crawl-delay) and a
concurrency cap; the user agent names khlang (``contact`` appends how to reach you).

Re-runs: a page fetched less than ``revisit_after`` seconds ago is not asked for again (a
resumed collection sends nothing for what it holds) unless its sitemap/feed ``lastmod`` is newer;
an older one is asked for with If-None-Match / If-Modified-Since, so only changed pages come back
(a 304 is an ``unchanged`` line in the manifest, nothing is written).
"""

from __future__ import annotations

import calendar
import gzip
import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlsplit

from .http import USER_AGENT, Fetcher, FetchError, Response, fetch_all
from .manifest import CollectError, Manifest, WarcShards
from .progress import CollectProgress

#: Headers that describe the bytes on the wire, not the body we store (httpx has decoded it).
_WIRE_HEADERS = {"content-encoding", "transfer-encoding", "content-length", "connection", "keep-alive"}


@dataclass
class Page:
    url: str
    lastmod: float | None = None  #: from the sitemap or feed, seconds since the epoch


class Robots:
    """robots.txt per host, fetched once through the fetcher (so with our user agent and gate).
    2xx: its rules; 4xx: everything allowed; 5xx or unreachable: nothing allowed (the usual
    reading: the site may be down or overloaded)."""

    def __init__(self, fetcher: Fetcher, user_agent: str, manifest: Manifest):
        self.fetcher, self.agent, self.manifest = fetcher, user_agent, manifest
        self._rules: dict[str, object] = {}

    def rules(self, url: str):
        from protego import Protego

        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        if host not in self._rules:
            robots_url = host + "/robots.txt"
            try:
                r = self.fetcher.get(robots_url)
                if r.status < 300:
                    rules = Protego.parse(r.content.decode("utf-8", errors="replace"))
                elif r.status < 500:
                    rules = Protego.parse("")
                else:
                    raise FetchError(robots_url, f"HTTP {r.status}", r.status, r.attempts)
            except FetchError as exc:
                self.manifest.add("failed", **exc.entry(), note="robots.txt unreadable: host skipped")
                rules = Protego.parse("User-agent: *\nDisallow: /")
            delay = rules.crawl_delay(self.agent)
            if delay:
                self.fetcher.gate.set_interval(parts.netloc, float(delay))
            self._rules[host] = rules
        return self._rules[host]

    def allowed(self, url: str) -> bool:
        return self.rules(url).can_fetch(url, self.agent)

    def sitemaps(self, url: str) -> list[str]:
        return list(self.rules(url).sitemaps)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _epoch(text: str | None) -> float | None:
    """W3C datetime (sitemaps) → epoch seconds; None when absent or unreadable."""
    if not text:
        return None
    from datetime import datetime, timezone

    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def parse_sitemap(content: bytes) -> tuple[list[str], list[Page]]:
    """(nested sitemaps, pages) of one sitemap, gzipped or not (sitemaps.org protocol)."""
    from lxml import etree

    if content[:2] == b"\x1f\x8b":
        content = gzip.decompress(content)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.parse(io.BytesIO(content), parser).getroot()
    if root is None:
        raise ValueError("not XML")
    children, pages = [], []
    for node in root:
        fields = {_local(c.tag): (c.text or "").strip() for c in node}
        if not fields.get("loc"):
            continue
        if _local(root.tag) == "sitemapindex":
            children.append(fields["loc"])
        else:
            pages.append(Page(fields["loc"], _epoch(fields.get("lastmod"))))
    if _local(root.tag) not in ("sitemapindex", "urlset"):
        raise ValueError(f"a <{_local(root.tag)}> document is not a sitemap")
    return children, pages


def parse_feed(content: bytes) -> list[Page]:
    """The entries' links of an RSS or Atom feed (feedparser), with their updated dates."""
    import feedparser

    feed = feedparser.parse(content)
    if not feed.entries and feed.bozo:
        raise ValueError(f"not a feed: {feed.bozo_exception}")
    pages = []
    for entry in feed.entries:
        if entry.get("link"):
            # dict.get: the entry's own keys, not feedparser's deprecated updated→published mapping
            stamp = dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed")
            pages.append(Page(entry["link"], calendar.timegm(stamp) if stamp else None))
    return pages


def warc_record(response: Response) -> bytes:
    """One gzipped WARC response record for a fetched page (warcio writes it)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
    headers.append(("Content-Length", str(len(response.content))))
    http = StatusAndHeaders(f"{response.status} {response.reason}".strip(), headers, protocol="HTTP/1.1")
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    record = writer.create_warc_record(response.url, "response", payload=io.BytesIO(response.content),
                                       http_headers=http)
    writer.write_record(record)
    return buf.getvalue()


class SiteCollector:
    def __init__(self, out: Path, *, rate: float = 1.0, concurrency: int = 2, revisit_after: float = 86400,
                 contact: str | None = None, progress: bool = True, shard_bytes: int = 1 << 30,
                 **fetcher_options):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.agent = f"{USER_AGENT[:-1]}; {contact})" if contact else USER_AGENT
        self.manifest = Manifest(self.out)
        self.shards = WarcShards(self.out, "site", self.manifest, max_bytes=shard_bytes)
        self.fetcher = Fetcher(rate=rate, concurrency=concurrency, user_agent=self.agent, **fetcher_options)
        self.robots = Robots(self.fetcher, self.agent, self.manifest)
        self.workers = max(1, concurrency) * 4
        self.revisit_after, self.progress = revisit_after, progress

    # -- finding pages -------------------------------------------------------------------------
    def _list(self, url: str) -> Response | None:
        """A sitemap or feed; a failure is a manifest line and None."""
        try:
            r = self.fetcher.get(url, allow=self.robots.allowed)
            if r.status != 200:
                raise FetchError(url, f"HTTP {r.status}", r.status, r.attempts)
            return r
        except FetchError as exc:
            self.manifest.add("failed", **exc.entry(), note="list")
            return None

    def sitemap_pages(self, start: str, max_depth: int = 5) -> Iterator[Page]:
        """Pages of the sitemaps at ``start``: a sitemap URL, or a site whose robots.txt names
        its sitemaps (else ``/sitemap.xml``). Nested indexes are followed ``max_depth`` deep."""
        path = urlsplit(start).path
        if path.endswith((".xml", ".xml.gz", ".gz")) or "sitemap" in path.lower():
            todo = [(start, 0)]
        else:
            todo = [(u, 0) for u in self.robots.sitemaps(start) or [urljoin(start, "/sitemap.xml")]]
        seen = set()
        while todo:
            url, depth = todo.pop(0)
            if url in seen:
                continue
            seen.add(url)
            r = self._list(url)
            if r is None:
                continue
            try:
                children, pages = parse_sitemap(r.content)
            except (ValueError, OSError) as exc:
                self.manifest.add("failed", url=url, status=r.status, reason=f"unreadable sitemap: {exc}", attempts=1)
                continue
            if depth < max_depth:
                todo.extend((c, depth + 1) for c in children)
            yield from pages

    def feed_pages(self, url: str) -> Iterator[Page]:
        r = self._list(url)
        if r is None:
            return
        try:
            yield from parse_feed(r.content)
        except ValueError as exc:
            self.manifest.add("failed", url=url, status=r.status, reason=str(exc), attempts=1)

    # -- fetching ------------------------------------------------------------------------------
    def _known(self) -> dict[str, dict]:
        """Last fetched/unchanged entry of each URL (the validators for conditional requests)."""
        known: dict[str, dict] = {}
        for e in self.manifest.events("fetched", "unchanged"):
            known[e["url"]] = {**known.get(e["url"], {}), **e}
        return known

    def collect(self, pages: Iterator[Page], limit: int | None = None) -> dict[str, int]:
        known = self._known()
        now = time.time()
        taken = 0

        def todo() -> Iterator[tuple[Page, dict]]:
            nonlocal taken
            seen = set()
            for page in pages:
                if page.url in seen or (limit is not None and taken >= limit):
                    continue
                seen.add(page.url)
                taken += 1
                last = known.get(page.url)
                if last is not None:
                    fetched = _epoch(last["time"]) or 0
                    if now - fetched < self.revisit_after and (page.lastmod is None or page.lastmod <= fetched):
                        continue  # held, and not changed since as far as the list says
                if not self.robots.allowed(page.url):
                    self.manifest.add("skipped", url=page.url, reason="disallowed by robots.txt")
                    continue
                yield page, _validators(last)

        def fetch(item: tuple[Page, dict]) -> Response:
            return self.fetcher.get(item[0].url, headers=item[1], allow=self.robots.allowed)

        with CollectProgress("site", None, self.progress) as bar:
            for (page, _), result in fetch_all(todo(), fetch, self.workers):
                self._record(page, result, bar)
        return self.manifest.counts()

    def _record(self, page: Page, result: Response | FetchError, bar: CollectProgress) -> None:
        if isinstance(result, FetchError):
            self.manifest.add("failed", **{**result.entry(), "url": page.url})
            return
        extra = {"final_url": result.url} if result.url != page.url else {}
        validators = {k: result.headers[h] for k, h in (("etag", "etag"), ("last_modified", "last-modified"))
                      if h in result.headers}
        if result.status == 304:
            self.manifest.add("unchanged", url=page.url, status=304, **validators)
        elif 200 <= result.status < 300:
            where = self.shards.append(warc_record(result))
            self.manifest.add("fetched", url=page.url, status=result.status, bytes=len(result.content),
                              **extra, **validators, **where)
            bar.advance(1, len(result.content))
        else:
            self.manifest.add("failed", url=page.url, status=result.status, reason=f"HTTP {result.status}",
                              attempts=result.attempts, **extra)

    def close(self) -> None:
        self.fetcher.close()
        self.shards.close()
        self.manifest.close()


def _validators(last: dict | None) -> dict:
    """Conditional-request headers from what the last fetch of this URL answered."""
    headers = {}
    if last and last.get("etag"):
        headers["If-None-Match"] = last["etag"]
    if last and last.get("last_modified"):
        headers["If-Modified-Since"] = last["last_modified"]
    return headers


def collect_site(url: str, out: Path, *, mode: str = "sitemap", limit: int | None = None, **options) -> dict[str, int]:
    """Collect the pages listed by the sitemaps (``mode="sitemap"``) or the feed (``"feed"``) at
    ``url`` into ``out/site-NNNNN.warc.gz``; returns the counts of the manifest's events."""
    if mode not in ("sitemap", "feed"):
        raise CollectError(f"mode is sitemap or feed, not {mode!r}")
    if urlsplit(url).scheme not in ("http", "https"):
        raise CollectError(f"not an http(s) URL: {url}")
    collector = SiteCollector(out, **options)
    try:
        pages = collector.sitemap_pages(url) if mode == "sitemap" else collector.feed_pages(url)
        return collector.collect(pages, limit)
    finally:
        collector.close()


__all__ = ["collect_site", "parse_sitemap", "parse_feed", "SiteCollector"]
