"""Collector benchmark: pages/s and CPU per page of ``khlang collect site`` and ``collect cc``
against the local web of the tests (tests/collect_server.py, in a process of its own so its CPU
is not counted), each beside a bare httpx loop fetching the same URLs with the same number of
threads and writing nothing (no robots.txt, no gate, no WARC, no manifest): the ratio is what
politeness and bookkeeping cost. No outside network is used.

    python bench/collect.py [--pages 2000] [--workers 8] [--repeat 2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))


def _serve(pages: int, queue) -> None:
    from collect_server import Web, serve

    _, base = serve(Web(n_news=pages, cc_records=pages, page_size=15_000))  # Common Crawl's page size
    queue.put(base)
    time.sleep(3600)


def _timed(fn) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    n = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, n


def bare(urls: list[tuple[str, dict]], workers: int) -> int:
    import httpx

    with httpx.Client(http2=True, limits=httpx.Limits(max_connections=32)) as client:
        def get(item):
            r = client.get(item[0], headers=item[1])
            r.raise_for_status()
            return len(r.content)

        with ThreadPoolExecutor(workers) as pool:
            return sum(1 for _ in pool.map(get, urls))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each; the best is reported")
    args = ap.parse_args()

    from collect_server import CRAWL, WARC_PATH, Web
    from khlang.collect import CCQuery, collect_cc, collect_site

    queue = mp.get_context("spawn").Queue()
    server = mp.get_context("spawn").Process(target=_serve, args=(args.pages, queue), daemon=True)
    server.start()
    base = queue.get(timeout=60)
    rows = Web(n_news=0, cc_records=args.pages).rows  # the same bytes the server builds
    site_urls = [(f"{base}/news/{i}", {}) for i in range(args.pages)]
    ranges = [(f"{base}/{WARC_PATH}", {"Range": f"bytes={r['offset']}-{int(r['offset']) + int(r['length']) - 1}"})
              for r in rows]

    def site() -> int:
        with tempfile.TemporaryDirectory() as out:
            return collect_site(f"{base}/sitemaps/deeper.xml", out, rate=0, concurrency=args.workers,
                                progress=False)["fetched"]

    def cc() -> int:
        with tempfile.TemporaryDirectory() as out:
            query = CCQuery([CRAWL], tlds=["th"], langs=["tha"], index_url=base, data_url=base)
            return collect_cc(query, out, workers=args.workers, progress=False)["fetched"]

    cases = [("site: khlang collect site", site), ("site: bare httpx loop", lambda: bare(site_urls, args.workers)),
             ("cc: khlang collect cc", cc), ("cc: bare httpx range loop", lambda: bare(ranges, args.workers))]
    print(f"{args.pages} pages, {args.workers} threads, best of {args.repeat}")
    print(f"{'case':<30} {'pages':>6} {'pages/s':>9} {'CPU ms/page':>12}")
    best: dict[str, tuple[float, float]] = {}
    for name, fn in cases:
        runs = [_timed(fn) for _ in range(args.repeat)]
        wall, cpu, n = min(runs)
        assert n == args.pages, (name, n)
        best[name] = (n / wall, cpu / n * 1000)
        print(f"{name:<30} {n:>6} {n / wall:>9,.0f} {cpu / n * 1000:>12.2f}")
    for kind in ("site", "cc"):
        (ours, ours_cpu), (peer, peer_cpu) = [v for k, v in best.items() if k.startswith(kind)]
        print(f"{kind}: khlang at {ours / peer:.2f}× the bare loop's pages/s, {ours_cpu / peer_cpu:.2f}× its CPU per page")
    server.terminate()


if __name__ == "__main__":
    main()
