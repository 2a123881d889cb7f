"""Polite HTTP for the collectors: one pooled httpx client (HTTP/2 where the server offers it),
a per-host gate (rate limit and concurrency cap), retries with back-off, and redirects followed
hop by hop so that every hop passes robots.txt and the gate.

Every collector fetches through :class:`Fetcher`, so the politeness rules live in one place and
a failure always ends as one :class:`FetchError` (URL, status, reason, attempts) that the caller
writes to its manifest.
"""

from __future__ import annotations

import random
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Callable, Iterable, Iterator, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__

USER_AGENT = f"khlang/{__version__} (corpus collector)"  #: ``--contact`` appends how to reach you
_REDIRECTS = (301, 302, 303, 307, 308)
T = TypeVar("T")
R = TypeVar("R")


class FetchError(Exception):
    """A URL that could not be fetched, after every retry."""

    def __init__(self, url: str, reason: str, status: int | None = None, attempts: int = 1):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason, self.status, self.attempts = url, reason, status, attempts

    def entry(self) -> dict:
        return {"url": self.url, "status": self.status, "reason": self.reason, "attempts": self.attempts}


@dataclass
class Response:
    url: str                      #: the URL that answered (after redirects)
    status: int
    reason: str
    headers: httpx.Headers
    content: bytes
    http_version: str = "HTTP/1.1"
    redirects: list[str] = field(default_factory=list)  #: the URLs redirected from, in order
    attempts: int = 1


class _Host:
    def __init__(self, concurrency: int, interval: float):
        self.slots = threading.Semaphore(concurrency)
        self.lock = threading.Lock()
        self.interval = interval
        self.next_start = 0.0


class HostGate:
    """Per host: at most ``concurrency`` requests at once, and request starts at least
    ``1 / rate`` seconds apart (each request reserves the next start time, so the spacing holds
    across threads). ``slow_down`` pushes a host's next start back (Retry-After, crawl-delay)."""

    def __init__(self, rate: float | None = None, concurrency: int = 2):
        self.interval = 1.0 / rate if rate else 0.0
        self.concurrency = max(1, concurrency)
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def _host(self, host: str) -> _Host:
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = _Host(self.concurrency, self.interval)
            return self._hosts[host]

    def set_interval(self, host: str, seconds: float) -> None:
        """Space this host's requests at least ``seconds`` apart (robots.txt Crawl-delay)."""
        h = self._host(host)
        with h.lock:
            h.interval = max(h.interval, seconds)

    def slow_down(self, host: str, seconds: float) -> None:
        h = self._host(host)
        with h.lock:
            h.next_start = max(h.next_start, time.monotonic() + seconds)

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        h = self._host(host)
        with h.slots:
            with h.lock:
                now = time.monotonic()
                start = max(now, h.next_start)
                h.next_start = start + h.interval
            if start > now:
                time.sleep(start - now)
            yield


class Fetcher:
    """GET with the gate, retries on 429 / 5xx / timeouts / connection errors (exponential
    back-off with jitter, or the server's Retry-After, capped at ``max_backoff``), and
    redirects followed by hand (a loop or more than ``max_redirects`` hops is a failure)."""

    def __init__(self, *, rate: float | None = None, concurrency: int = 2, timeout: float = 30.0,
                 retries: int = 3, backoff: float = 1.0, max_backoff: float = 60.0, max_redirects: int = 5,
                 user_agent: str = USER_AGENT, pool: int = 32, max_bytes: int = 64 << 20):
        self.gate = HostGate(rate, concurrency)
        self.retries, self.backoff, self.max_backoff = retries, backoff, max_backoff
        self.max_redirects, self.max_bytes = max_redirects, max_bytes
        self.client = httpx.Client(
            http2=True, timeout=timeout, follow_redirects=False, headers={"User-Agent": user_agent},
            limits=httpx.Limits(max_connections=pool, max_keepalive_connections=pool),
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str, headers: dict | None = None, allow: Callable[[str], bool] | None = None) -> Response:
        """The response for ``url`` (any status but 429/5xx, which are retried), following
        redirects; ``allow(url)`` is asked before every hop (robots.txt). Raises FetchError."""
        seen: list[str] = []
        for _ in range(self.max_redirects + 1):
            if allow is not None and not allow(url):
                raise FetchError(url, "disallowed by robots.txt")
            response = self._attempts(url, headers)
            location = response.headers.get("location")
            if response.status not in _REDIRECTS or not location:
                response.redirects = seen
                return response
            seen.append(url)
            url = urljoin(url, location)
            if url in seen:
                raise FetchError(seen[0], f"redirect loop at {url}", response.status)
        raise FetchError(seen[0], f"more than {self.max_redirects} redirects", response.status)

    def _attempts(self, url: str, headers: dict | None) -> Response:
        host = urlsplit(url).netloc
        for attempt in range(1, self.retries + 2):
            status, wait = None, None
            try:
                with self.gate.slot(host):
                    r, content = self._get(url, headers)
            except httpx.TimeoutException:
                reason = "timeout"
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
                raise FetchError(url, f"not a URL to fetch: {exc}") from None
            except httpx.TransportError as exc:
                reason = f"connection error: {exc or type(exc).__name__}"
            else:
                if r.status_code != 429 and r.status_code < 500:
                    return Response(str(r.url), r.status_code, r.reason_phrase, r.headers, content,
                                    r.http_version, attempts=attempt)
                status, reason = r.status_code, f"HTTP {r.status_code}"
                wait = _retry_after(r.headers.get("retry-after"))
            if attempt > self.retries:
                raise FetchError(url, reason, status, attempt)
            if wait is None:
                wait = self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 4)
            wait = min(wait, self.max_backoff)
            if status == 429:
                self.gate.slow_down(host, wait)  # the whole host backs off, not only this URL
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _get(self, url: str, headers: dict | None) -> tuple[httpx.Response, bytes]:
        """The response and its (decoded) body, read no further than ``max_bytes``: a sitemap
        that lists a video does not fill the memory."""
        with self.client.stream("GET", url, headers=headers) as r:
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchError(url, f"body larger than {self.max_bytes:,} bytes", r.status_code)
                chunks.append(chunk)
            return r, b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def fetch_all(items: Iterable[T], work: Callable[[T], R], workers: int,
              more: Callable[[int], bool] = lambda in_flight: True) -> Iterator[tuple[T, R | FetchError]]:
    """Run ``work`` on ``items`` in ``workers`` threads and yield ``(item, result or FetchError)``
    as they finish, in the caller's thread (which alone writes shards and the manifest). Items
    are taken lazily, at most ``2 × workers`` ahead, and only while ``more(in_flight)`` says so."""
    pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="khlang-collect")
    pending: dict = {}
    items = iter(items)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < 2 * workers and more(len(pending)):
                item = next(items, _END)
                if item is _END:
                    exhausted = True
                else:
                    pending[pool.submit(work, item)] = item
            if not pending:
                return
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                item = pending.pop(future)
                try:
                    yield item, future.result()
                except FetchError as exc:
                    yield item, exc
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


_END = object()
