"""A bounded load check of the annotation server on 127.0.0.1: N simulated annotators (API tokens)
each looping ``POST …/next`` → ``POST …/documents/{id}/annotation`` against a real ``khlang serve``
process, then the integrity checks read back from the database.

Used by ``bench/annotate_load.py`` (the README's numbers) and by the CI test with 8 annotators.
Everything is local: the server listens on 127.0.0.1 only and every loop ends at a deadline.
"""

from __future__ import annotations

import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = {"classification": "single", "labels": ["news", "opinion", "ad"], "rating": None, "comment": True,
          "span_labels": ["PERSON", "ORG", "LOCATION"]}
TEXT = "นายสมชาย ใจดี ไปกรุงเทพฯ กับบริษัท ไทยเบฟ เอกสารที่ {i} ของการทดสอบ"


@dataclass
class Setup:
    db_url: str
    project_id: int
    tokens: list[str]
    overlap: int


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` when it does not exist yet (the role needs
    CREATEDB); nothing to do for SQLite. RuntimeError with a one-line reason when that fails."""
    import re

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from .db import normalise_url

    target = make_url(normalise_url(url))
    if not target.drivername.startswith("postgresql"):
        return
    shown = target.render_as_string(hide_password=True)

    def reason(exc: SQLAlchemyError) -> str:
        return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]

    engine = create_engine(target)
    try:
        with engine.connect():
            return
    except SQLAlchemyError as exc:
        if "does not exist" not in str(exc):
            raise RuntimeError(f"cannot connect to {shown}: {reason(exc)}") from None
    finally:
        engine.dispose()
    if not re.fullmatch(r"\w+", target.database or ""):
        raise RuntimeError(f"database {target.database!r} does not exist (create it first)")
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as con:
            con.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    except SQLAlchemyError as exc:
        raise RuntimeError(f"database {target.database} does not exist and could not be created: {reason(exc)}") from None
    finally:
        server.dispose()


def prepare(db_url: str, annotators: int, docs: int = 2000, overlap: int = 2) -> Setup:
    """A fresh database (its tables are dropped) with ``annotators`` users holding API tokens and one
    project of ``docs`` short Thai documents with a document label and spans."""
    from .auth import create_token, create_user
    from .db import Database
    from .projects import create_project

    database = Database(db_url)
    database.drop_all()
    with database.session() as db:
        users = [create_user(db, f"load{i}", "load-check-password", "annotator") for i in range(annotators)]
        tokens = [create_token(db, u, "load") for u in users]
        project = create_project(db, "load", SCHEMA, [{"id": f"d{i}", "text": TEXT.format(i=i), "lang": "th"}
                                                      for i in range(docs)], overlap=overlap)
        db.commit()
        pid = project.id
    database.engine.dispose()
    return Setup(database.url, pid, tokens, overlap)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``khlang serve`` in a child process on 127.0.0.1 (its log goes to ``log``), with its default
    number of worker processes unless ``workers`` is given."""

    def __init__(self, db_url: str, log: Path, workers: int | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log, "wb")
        # serve refuses a database nobody could log in to: give it a first admin (unused by the load)
        admin = ["--admin-user", "load-admin", "--admin-password", secrets.token_urlsafe(24)]
        from .web import default_workers

        self.workers = workers or default_workers()
        # a session of its own, so that kill() also ends worker processes the server started
        self.proc = subprocess.Popen([sys.executable, "-m", "khlang.cli", "serve", "--db", db_url,
                                      "--host", "127.0.0.1", "--port", str(self.port), *admin,
                                      "--workers", str(self.workers)],
                                     stdout=self._log, stderr=subprocess.STDOUT, env={**os.environ},
                                     start_new_session=True)
        self._wait_ready(Path(log))

    def _wait_ready(self, log: Path, seconds: float = 60) -> None:
        """Until every worker process has started (its start-up is not part of the load) and the
        server answers."""
        import httpx

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode} (see {self._log.name})")
            if log.read_bytes().count(b"Application startup complete") >= self.workers:
                try:
                    httpx.get(self.url + "/login", timeout=2)
                    return
                except httpx.TransportError:
                    pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError("the server did not start")

    def terminate(self, wait: float = 30) -> float | None:
        """SIGTERM; seconds until the process exited, or None when it had to be killed."""
        t = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(wait)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        finally:
            self._log.close()
        return time.monotonic() - t

    def cpu_seconds(self) -> float:
        """User + system CPU time so far of the server and its worker processes (Linux /proc)."""
        stats = _proc_stats()
        tree = {self.proc.pid}
        for _ in range(3):  # the server, its workers, anything they started
            tree |= {pid for pid, (ppid, _) in stats.items() if ppid in tree}
        return sum(stats[pid][1] for pid in tree if pid in stats)

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the server and its workers
        except ProcessLookupError:
            pass
        self.proc.wait()
        if not self._log.closed:
            self._log.close()


def _proc_stats() -> dict[int, tuple[int, float]]:
    """pid → (parent pid, user + system CPU seconds so far) of every process (Linux /proc)."""
    stats, tick = {}, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that just exited
            continue
        stats[int(stat.parent.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return stats


class DatabaseCpu:
    """CPU seconds used by the PostgreSQL backends serving one database (those listed in
    ``pg_stat_activity`` for it: the server's pooled connections, which live as long as the run),
    read from /proc of this machine; None for SQLite, which runs inside the server's processes."""

    def __init__(self, db_url: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.engine = create_engine(db_url, poolclass=NullPool) if db_url.startswith("postgresql") else None
        self.start = self._read()

    def _read(self) -> dict[int, float]:
        if self.engine is None:
            return {}
        with self.engine.connect() as con:
            pids = con.exec_driver_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()").scalars().all()
        stats = _proc_stats()
        return {pid: stats[pid][1] for pid in pids if pid in stats}

    def used(self) -> float | None:
        """Seconds since this object was made (a backend that started since counts from zero); None
        also when no backend is a process of this machine (a PostgreSQL elsewhere)."""
        if self.engine is None:
            return None
        now_ = self._read()
        self.engine.dispose()
        return sum(cpu - self.start.get(pid, 0.0) for pid, cpu in now_.items()) if now_ else None


@dataclass
class Result:
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    #: per annotator, in order: [document handed out, whether its save got a 200]
    tasks: list[list[list]] = field(default_factory=list)
    stop_seconds: float | None = None  # SIGTERM → exit, under load
    server_cpu: float = 0.0  # CPU seconds the server used under load (user + system): a load-independent cost
    db_cpu: float | None = None  # CPU seconds PostgreSQL's backends used for it (None: SQLite, inside the server)
    after_stop: Counter = field(default_factory=Counter)  # what clients got once the server was stopping
    ran_out: int = 0  # annotators that found no task left before the time was up (not a steady load)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def errors(self) -> Counter:
        out: Counter = Counter()
        for route, counts in self.statuses.items():
            for status, n in counts.items():
                if status != 200:
                    out[f"{route} {status}"] += n
        return out


def drive(server: Server, setup: Setup, seconds: float, timeout: float = 35) -> Result:
    """Run the annotators for ``seconds``, then SIGTERM the server while they still send requests."""
    import httpx

    res = Result(tasks=[[] for _ in setup.tokens])
    stopping = threading.Event()
    lock = threading.Lock()
    pid = setup.project_id

    def call(client, route: str, url: str, **kw):
        t = time.perf_counter()
        try:
            r = client.post(url, **kw)
            status: int | str = r.status_code
        except httpx.TimeoutException:
            r, status = None, "timeout"
        except httpx.TransportError:
            r, status = None, "connection"
        dt = time.perf_counter() - t
        with lock:
            if stopping.is_set():
                res.after_stop[f"{route} {status}"] += 1
            else:
                res.latencies[route].append(dt)
                res.statuses[route][status] += 1
        return r, status

    def annotator(i: int) -> None:
        rng = random.Random(i)
        with httpx.Client(base_url=server.url, timeout=timeout,
                          headers={"Authorization": f"Bearer {setup.tokens[i]}"}) as client:
            while not stopping.is_set():
                r, status = call(client, "next", f"/api/projects/{pid}/next")
                if status == "connection":
                    return
                if status != 200:
                    continue
                doc = r.json()["document"]
                if doc is None:
                    with lock:
                        res.ran_out += not stopping.is_set()
                    return
                task = [doc["id"], False]
                res.tasks[i].append(task)
                start = rng.randrange(0, 8)
                answer = {"labels": [rng.choice(SCHEMA["labels"])], "comment": f"load {i}",
                          "spans": [{"start": start, "end": start + 4, "label": rng.choice(SCHEMA["span_labels"])}]}
                r, status = call(client, "save", f"/api/projects/{pid}/documents/{doc['id']}/annotation", json=answer)
                if status == 200:
                    task[1] = True  # also after SIGTERM: the answer was stored
                elif status == "connection":
                    return

    threads = [threading.Thread(target=annotator, args=(i,), daemon=True) for i in range(len(setup.tokens))]
    db_cpu = DatabaseCpu(setup.db_url)
    cpu0, t0 = server.cpu_seconds(), time.monotonic()
    for t in threads:
        t.start()
    time.sleep(seconds)
    with lock:
        stopping.set()
        res.seconds = time.monotonic() - t0
    res.server_cpu = server.cpu_seconds() - cpu0
    res.db_cpu = db_cpu.used()
    res.stop_seconds = server.terminate()
    for t in threads:
        t.join(timeout + 5)
    return res


def integrity(setup: Setup, res: Result) -> dict[str, int]:
    """What the database holds against what the clients were told: saves stored = 200 responses,
    documents answered by more than ``overlap`` annotators, documents handed again to an annotator
    who had answered them, and documents whose count of open places (``open_places``, which guides
    ``/next``) differs from the overlap minus their places in the slots table."""
    from sqlalchemy import func, select

    from .db import Annotation, Database, Doc, Slot

    database = Database(setup.db_url)
    with database.reader() as db:
        stored = db.scalar(select(func.count()).select_from(Annotation)
                           .where(Annotation.project_id == setup.project_id, Annotation.status == "done"))
        per_doc = (select(Annotation.document_id).where(Annotation.project_id == setup.project_id,
                                                        Annotation.status == "done")
                   .group_by(Annotation.document_id).having(func.count() > setup.overlap))
        over = db.scalar(select(func.count()).select_from(per_doc.subquery()))
        held = select(func.count()).where(Slot.document_id == Doc.id).scalar_subquery()
        miscounted = db.scalar(select(func.count()).select_from(Doc).where(
            Doc.project_id == setup.project_id, Doc.open_places != setup.overlap - held))
    database.engine.dispose()
    again = ok = 0
    for tasks in res.tasks:
        answered: set[int] = set()
        for doc, saved in tasks:  # a task handed again before it was answered (renewed) is fine
            again += doc in answered
            if saved:
                answered.add(doc)
                ok += 1
    return {"stored": stored, "ok_responses": ok, "over_overlap": over, "given_twice": again,
            "places_miscounted": miscounted}
