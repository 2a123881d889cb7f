"""Hostile inputs beside normal ones: wall time, peak memory and the accounting of a full run.

Builds one input folder holding 10k normal documents (seed paragraphs, bench/corpus.py) and every
kind of hostile file the readers must survive: a .jsonl.gz and a WARC cut in half, a WARC whose
gzip inflates to 300 MB, one 50 MB JSONL line, empty files, a folder of nothing but blanks, a
symlink loop, a symlink to /etc/passwd, a FIFO and UTF-8 Thai with damaged bytes. Then runs
``khlang run`` with every stage and prints wall time, the peak RSS of the largest process, and
the accounting: records read = kept + dropped, and every input path in one or the other.

    python bench/hostile.py [--docs 10000] [--workers 2] [--max-bytes N] [--keep DIR]

``--max-bytes 60000000`` raises the record limit above the 50 MB line, so that line goes through
every stage instead of being cut (a measure of each stage's cost on one huge document).
Exits 1 when peak RSS reaches 1 GB or the accounting does not add up.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from corpus import build, seed_paragraphs  # noqa: E402
from hostile_files import gzip_bomb, warc_record  # noqa: E402  (the files the tests build)

STAGES = ["clean", "normalize", "langid", "segment", "quality", "pii", "dedup_exact", "dedup_minhash"]


def build_folder(folder: Path, docs: int, big_mb: int) -> None:
    paras = seed_paragraphs()
    folder.mkdir(parents=True)
    build(folder / "normal.jsonl", docs=docs)
    def pages(first: int) -> list[bytes]:  # distinct pages per file, so dedup keeps them all
        html = "<html><body><article><p>{} {}</p></article></body></html>"
        return [warc_record(i, html.format(paras[i % len(paras)], paras[(i + 1) % len(paras)]).encode(),
                            host="hostile.example") for i in range(first, first + 8)]

    gz = b"".join(gzip.compress(p) for p in pages(0))
    (folder / "cut.warc.gz").write_bytes(gz[: len(gz) // 2 + 37])
    plain = b"".join(pages(10))
    (folder / "cut.warc").write_bytes(plain[: len(plain) // 2 + 37])
    (folder / "bomb.warc.gz").write_bytes(gzip.compress(pages(20)[0]) + gzip_bomb(300, host="hostile.example"))
    lines = "".join(json.dumps({"text": f"{i} {paras[i % len(paras)]}"}, ensure_ascii=False) + "\n"
                    for i in range(500)).encode()
    packed = gzip.compress(lines)
    (folder / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    line = " ".join(paras)
    huge = line * (big_mb * 2**20 // len(line.encode()) + 1)
    with open(folder / "big_line.jsonl", "w", encoding="utf-8") as f:
        f.write(json.dumps({"text": paras[0]}, ensure_ascii=False) + "\n")
        f.write(json.dumps({"text": huge}, ensure_ascii=False) + "\n")
    del huge
    raw = "\n".join(paras[:20]).encode()
    cut = raw.index("\n".encode(), len(raw) // 2)
    (folder / "damaged_thai.txt").write_bytes(raw[:cut] + b"\xff\xfe\x80\x81" + raw[cut:])
    (folder / "noise.txt").write_bytes(bytes(range(0x80, 0x100)) * 40)
    blanks = folder / "only_blanks"
    blanks.mkdir()
    (blanks / "empty.csv").touch()
    (blanks / "empty.jsonl").touch()
    os.symlink("loop.txt", blanks / "loop.txt")
    (folder / "empty.md").touch()
    os.symlink("/etc/passwd", folder / "passwd_link.txt")
    os.symlink("..", blanks / "up")
    os.mkfifo(folder / "pipe.txt")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--big-mb", type=int, default=50, help="size of the one huge JSONL line")
    ap.add_argument("--max-bytes", type=int, default=None, help="input.max_bytes (default: khlang's)")
    ap.add_argument("--keep", type=Path, default=None, help="build and run in this folder and keep it")
    args = ap.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="khlang-hostile-"))
    folder, out = work / "in", work / "out"
    t = time.perf_counter()
    build_folder(folder, args.docs, args.big_mb)
    print(f"built {folder} in {time.perf_counter() - t:.1f}s")
    spec = {"paths": [str(folder)]}
    if args.max_bytes:
        spec["max_bytes"] = args.max_bytes
    pipeline = work / "pipeline.yaml"
    pipeline.write_text(json.dumps({"name": "hostile", "input": spec, "stages": STAGES, "docs_per_shard": 1000}))

    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "khlang", "run", str(pipeline), "-o", str(out), "-q",
                           "-w", str(args.workers)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(proc.stdout.strip() or proc.stderr.strip()[-2000:])
    if proc.returncode:
        raise SystemExit(f"khlang run exited {proc.returncode}")

    from khlang.readers import scan
    from khlang.store import Corpus

    with Corpus(out) as c:
        (run,) = c.runs()
        kept = c.rows("SELECT source_uri FROM documents")
        dropped = c.rows("SELECT source_uri, stage, reason FROM dropped")
        plan = json.loads((c.run_dir(run["run_id"]) / "plan.json").read_text(encoding="utf-8"))
    # every path the folder holds is in the run's plan (read, or one drop row saying why not), and
    # every planned record is in documents or dropped
    seen = {part["path"] for shard in plan for part in shard["parts"]}
    paths = [p for p, _ in scan(str(folder))]
    missing = [p for p in paths if p not in seen]
    reasons: dict[str, int] = {}
    for r in dropped:
        key = f"{r['stage']}:{r['reason']}"
        reasons[key] = reasons.get(key, 0) + 1
    balanced = run["docs_in"] == len(kept) + len(dropped)
    print(f"\nwall time      {wall:8.1f} s   (khlang run, {args.workers} workers, every stage)")
    print(f"peak RSS       {peak_mb:8.0f} MB  (largest process)")
    print(f"input paths    {len(paths):8d}     ({len(missing)} unaccounted{': ' + ', '.join(missing) if missing else ''})")
    print(f"records read   {run['docs_in']:8d}  = kept {len(kept)} + dropped {len(dropped)}: "
          f"{'yes' if balanced else 'NO'}")
    for key, n in sorted(reasons.items()):
        print(f"  {key:28s} {n:6d}")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    if peak_mb >= 1024 or missing or not balanced:
        raise SystemExit("FAILED: " + ", ".join(
            m for m, bad in (("peak RSS >= 1 GB", peak_mb >= 1024), ("unaccounted paths", missing),
                             ("records do not add up", not balanced)) if bad))


if __name__ == "__main__":
    main()
