"""Reader benchmark: a WARC.gz of Thai news pages (seed paragraphs wrapped in boilerplate), read by
khlang's WarcReader and by the warcio + trafilatura loop that datatrove's WarcReader runs,
in the same process on the same file.

    python bench/readers.py [--pages 2000] [--shards 10]

Prints a table: pages/s for raw record iteration and for full reading (HTML → main text), and
the cost of reading the *last* shard of a sharded archive (seek via the offset index vs scanning
from the start, as a reader without an index must).
"""

from __future__ import annotations

import argparse
import html
import io
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import seed_paragraphs  # noqa: E402

NAV = '<nav><a href="/">หน้าแรก</a> | <a href="/news">ข่าว</a> | <a href="/biz">เศรษฐกิจ</a></nav>'
FOOT = "<footer>© ๒๕๖๘ เว็บข่าวทดสอบ สงวนลิขสิทธิ์ · นโยบายความเป็นส่วนตัว · ติดต่อโฆษณา</footer>"


def build_warc(path: Path, pages: int, seed: int = 0) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = random.Random(seed)
    paragraphs = seed_paragraphs()
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=True)
        for i in range(pages):
            url = f"https://bench.example/news/{i}"
            body = "".join(f"<p>{html.escape(rng.choice(paragraphs))}</p>" for _ in range(rng.randint(2, 6)))
            page = (f'<html><head><meta charset="utf-8"><title>ข่าว {i}</title></head><body>{NAV}'
                    f"<article><h1>ข่าวที่ {i}</h1>{body}</article>{FOOT}</body></html>").encode()
            w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"),
                                                warc_content_type="application/http; msgtype=request"))
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(page), http_headers=headers))


def warcio_iterate(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    n = 0
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type == "response":
                record.content_stream().read()
                n += 1
    return n


def fastwarc_iterate(path: Path) -> int:
    from khlang.readers.warc import _records

    return sum(1 for r in _records(str(path)) if r.reader.read() is not None)


def warcio_trafilatura(path: Path, with_metadata: bool = False) -> int:
    """What datatrove's WarcReader + Trafilatura(favour_precision=True) extractor do per record
    (``with_metadata``: also title/date/url, which khlang always extracts)."""
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    n = 0
    with open(path, "rb") as f:
        for record in ArchiveIterator(f):
            if record.rec_type != "response":
                continue
            content = record.content_stream().read().decode("utf-8", errors="replace")
            text = trafilatura.extract(content, favor_precision=True, include_comments=False, deduplicate=True,
                                       with_metadata=with_metadata)
            n += text is not None
    return n


def khlang_read(path: Path) -> int:
    from khlang.readers import reader_for

    return sum(1 for d in reader_for(str(path)).read(str(path)) if d.drop is None)


def all_shards(path: Path, shards: int, seek: bool, extract: bool) -> int:
    """Read the archive shard by shard, as the executor does; without ``seek`` every shard scans
    from the start of the file (what a reader without an offset index must do)."""
    from khlang.readers import reader_for, warc

    warc._INDEX.clear()
    reader = reader_for(str(path))
    if not extract:
        reader._document = lambda p, record: record.reader.read()
    if not seek:
        reader._seek = lambda *a: None
    n = reader.count(str(path))
    bounds = [n * k // shards for k in range(shards + 1)]
    return sum(1 for a, b in zip(bounds, bounds[1:]) for _ in reader.read(str(path), a, b))


def timed(fn, *args, repeat: int = 3) -> tuple[float, int]:
    """Best of ``repeat`` runs (the first also pays imports and cold caches)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        n = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--shards", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.warc.gz"
        build_warc(path, args.pages)
        mb = path.stat().st_size / 1e6
        rows = []
        s_peer, n_peer = timed(warcio_iterate, path)
        s_ours, n_ours = timed(fastwarc_iterate, path)
        rows.append(("iterate records (no extraction)", "warcio", n_peer / s_peer, n_ours / s_ours))
        s_ours, n_ours = timed(khlang_read, path, repeat=1)
        for meta in (False, True):
            s_peer, n_peer = timed(warcio_trafilatura, path, meta, repeat=1)
            peer = "warcio + trafilatura" + (" with_metadata" if meta else "")
            rows.append(("read HTML → main text (+ title/date/url)", peer, n_peer / s_peer, n_ours / s_ours))
        for extract in (False, True):
            repeat = 1 if extract else 3
            s_scan, n_scan = timed(all_shards, path, args.shards, False, extract, repeat=repeat)
            s_seek, n_seek = timed(all_shards, path, args.shards, True, extract, repeat=repeat)
            assert n_scan == n_seek == args.pages
            what = "with extraction" if extract else "records only"
            rows.append((f"{args.shards} shards one by one, {what}", "scan from start (no index)",
                         n_scan / s_scan, n_seek / s_seek))
        print(f"{args.pages} pages, {mb:.1f} MB WARC.gz\n")
        print("| task | peer | peer pages/s | khlang pages/s | khlang / peer |")
        print("|---|---|---:|---:|---:|")
        for task, peer, p, o in rows:
            print(f"| {task} | {peer} | {p:,.0f} | {o:,.0f} | {o / p:.2f}× |")

if __name__ == "__main__":
    main()
