"""Load check of the annotation server (127.0.0.1 only, bounded): 1, 2, 5 and 20 concurrent
simulated annotators, each looping POST …/next → POST …/annotation with an API token, against a
real `khlang serve` on SQLite and on PostgreSQL; then SIGTERM under load and the integrity checks.

    python bench/annotate_load.py [--seconds 60] [--clients 1,2,5,20] [--db sqlite,postgresql]
                                  [--pg-url postgresql+psycopg://khlang:khlang@127.0.0.1:5432/khlang_bench]
                                  [--workers N]

The server is started as a user would start it (``khlang serve``, its default number of worker
processes unless ``--workers``). The PostgreSQL database is created when it does not exist yet (the
role needs CREATEDB), and its tables are dropped.

Prints, per database and client count: requests/s, the server's CPU milliseconds per request (all
its processes) and PostgreSQL's (the backends serving the bench's database; SQLite runs inside the
server), p50/p95/p99 per route (ms), errors by route and status, seconds from SIGTERM to
exit, and the integrity checks (answers stored = 200 responses, documents over their overlap,
documents handed twice to one annotator; and, failing the run when not 0, documents whose count of
open places differs from their slots). Exit status 1 when an integrity check fails, a request errors, the
server does not stop within 10 s of SIGTERM or an annotator runs out of documents; speeds are reported,
not asserted (this machine's load moves them).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from khlang.annotate.loadcheck import Server, drive, ensure_database, integrity, prepare  # noqa: E402


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--clients", default="1,2,5,20")
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--docs", type=int, default=20000,
                    help="documents in the project: enough that none runs out (one annotator answers ~9,000 a minute)")
    ap.add_argument("--overlap", type=int, default=2)
    ap.add_argument("--pg-url", default=os.environ.get("KHLANG_BENCH_PG_URL",
                                                       "postgresql+psycopg://khlang:khlang@127.0.0.1:5432/khlang_bench"))
    ap.add_argument("--workers", type=int, default=None, help="server processes (default: khlang serve's)")
    args = ap.parse_args()
    if "postgresql" in args.db.split(","):
        try:
            ensure_database(args.pg_url)
        except RuntimeError as exc:
            sys.exit(f"error: {exc}")
    tmp = Path(tempfile.mkdtemp(prefix="khlang-bench-annotate-"))
    failed = []
    print(f"{args.docs} documents, overlap {args.overlap}, {args.seconds:g} s per run; load average "
          f"{os.getloadavg()[0]:.1f} at the start; server log in {tmp}")
    print("| db | clients | req/s | server CPU ms/req | PostgreSQL CPU ms/req | next p50/p95/p99 ms | save p50/p95/p99 ms | errors | SIGTERM→exit s "
          "| stored = 200s | over overlap | given twice |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in args.db.split(","):
        for n in (int(c) for c in args.clients.split(",")):
            url = f"sqlite:///{tmp / f'load-{n}.db'}" if kind == "sqlite" else args.pg_url
            setup = prepare(url, n, args.docs, args.overlap)
            server = Server(setup.db_url, tmp / f"server-{kind}-{n}.log", workers=args.workers)
            try:
                res = drive(server, setup, args.seconds)
            finally:
                server.kill()
            check = integrity(setup, res)
            lat = {r: "/".join(f"{pct(res.latencies[r], q):.0f}" for q in (0.5, 0.95, 0.99)) for r in ("next", "save")}
            errors = ", ".join(f"{k}: {v}" for k, v in sorted(res.errors.items())) or "none"
            stop = "killed" if res.stop_seconds is None else f"{res.stop_seconds:.1f}"
            per_req = lambda cpu: "–" if cpu is None else f"{1000 * cpu / max(res.requests, 1):.1f}"  # noqa: E731
            print(f"| {kind} | {n} | {res.requests / res.seconds:.0f} | {per_req(res.server_cpu)} | {per_req(res.db_cpu)} | {lat['next']} | {lat['save']} | {errors} "
                  f"| {stop} | {check['stored']} = {check['ok_responses']} | {check['over_overlap']} "
                  f"| {check['given_twice']} |", flush=True)
            if check["stored"] != check["ok_responses"] or check["over_overlap"] or check["given_twice"] \
                    or check["places_miscounted"]:
                failed.append(f"{kind}/{n}: integrity {check}")
            if res.ran_out:
                failed.append(f"{kind}/{n}: {res.ran_out} annotator(s) ran out of tasks before the time was up: "
                              "the numbers are not a steady load (raise --docs)")
            if res.errors or res.stop_seconds is None or res.stop_seconds > 10:
                failed.append(f"{kind}/{n}: errors {dict(res.errors)}, stop {res.stop_seconds}")
    print(f"server processes: {server.workers}; load average {os.getloadavg()[0]:.1f} at the end")
    for line in failed:
        print("FAILED", line)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
