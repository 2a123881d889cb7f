"""Helpers shared by the annotation-server tests: a small real corpus, an app with users, logins."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from khlang.annotate.db import Database
from khlang.annotate.web import create_app
from khlang.document import Document
from khlang.store import Corpus, docs_table, write_json_atomic, write_parquet_atomic

PG_URL = os.environ.get("KHLANG_TEST_PG_URL", "postgresql+psycopg://khlang:khlang@127.0.0.1:5432/khlang_test")
PASSWORD = "correct horse battery"
USERS = {"admin": "admin", "ann1": "annotator", "ann2": "annotator", "rev": "reviewer"}
# Thai with combining marks (น้ำ: NO NU + MAI THO + SARA AM), an astral emoji and a CJK Ext-B char
THAI = "😀𠀀 นายสมชาย ใจดี ดื่มน้ำที่กรุงเทพฯ จ่ายเงิน ๕๐๐ บาท"


def make_corpus(path: Path, seed_texts: list[str]) -> Path:
    """A corpus folder with the five Thai seed articles (quality 0.2 … 1.0) plus two small
    documents in other languages, written the way the runner writes shards."""
    docs = [Document(id=f"th-{i}", text=t, lang="th", annotations={"quality": {"score": 0.2 * (i + 1)}})
            for i, t in enumerate(seed_texts)]
    docs += [Document(id="en-0", text="The Bank of Thailand held rates.", lang="en",
                      annotations={"quality": {"score": 0.9}}),
             Document(id="lo-0", text="ສະບາຍດີ ນະຄອນຫຼວງວຽງຈັນ", lang="lo")]
    corpus = Corpus(path, create=True)
    docs_file, _ = corpus.shard_paths("r1", 0)
    write_parquet_atomic(docs_table(docs, "r1", 0), docs_file)
    write_json_atomic({}, corpus.done_marker("r1", 0))
    corpus.refresh()
    corpus.close()
    return path


def make_app(db_url: str, corpora=()):
    database = Database(db_url)
    if not db_url.startswith("sqlite") and "://" in db_url:
        database.drop_all()
    app = create_app(database, corpora, admin=("admin", PASSWORD))
    with database.session() as db:
        from khlang.annotate.auth import create_user

        for name, role in USERS.items():
            if name != "admin":
                create_user(db, name, PASSWORD, role)
        db.commit()
    return app


@pytest.fixture()
def corpus(tmp_path, seed_texts):
    """A small real corpus (seed paragraphs and a Lao line) for the server to serve."""
    return make_corpus(tmp_path / "corpus", seed_texts)


@pytest.fixture()
def app(tmp_path, corpus):
    """The annotation app on a fresh SQLite database, with the test users."""
    return make_app(f"sqlite:///{tmp_path / 'annotate.db'}", [corpus])


def login(app, username: str, password: str = PASSWORD) -> TestClient:
    """A TestClient logged in through the real login form; X-CSRF-Token set for API calls."""
    client = TestClient(app)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    resp = client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    me = client.get("/api/me").json()
    assert me["username"] == username
    client.headers["X-CSRF-Token"] = me["csrf_token"]
    client.csrf = me["csrf_token"]
    return client


SCHEMA = {"classification": "single", "labels": ["news", "opinion", "ad"], "rating": {"min": 1, "max": 5},
          "comment": True, "span_labels": ["PERSON", "ORG", "LOCATION", "MONEY", "DATE"]}


def new_project(admin: TestClient, name: str = "p", overlap: int = 2, **body) -> dict:
    payload = {"name": name, "overlap": overlap, "schema": SCHEMA, **body}
    if "documents" not in payload and "corpus" not in payload:
        payload["documents"] = [{"id": "thai-1", "text": THAI, "lang": "th"},
                                {"id": "thai-2", "text": "ข่าวเศรษฐกิจ ธนาคารแห่งประเทศไทย", "lang": "th"}]
    resp = admin.post("/api/projects", json=payload)
    assert resp.status_code == 201, resp.text
    return resp.json()


# -- flows run against both SQLite and PostgreSQL ---------------------------------------------------
def flow_annotate_and_review(app) -> None:
    """Two annotators answer with overlap 2, disagree, a reviewer adjudicates; agreement computed."""
    admin, a1, a2, rev = (login(app, u) for u in ("admin", "ann1", "ann2", "rev"))
    p = new_project(admin, "flow", overlap=2)
    pid = p["id"]
    d1 = a1.post(f"/api/projects/{pid}/next").json()["document"]
    assert d1["doc_id"] == "thai-1" and d1["text"] == THAI
    # a span that splits น้ำ (start on the consonant's mark, end before SARA AM) is snapped outwards
    i = THAI.index("น้ำ")
    answer = {"labels": ["news"], "rating": 4, "comment": "ok",
              "spans": [{"start": i + 1, "end": i + 2, "label": "LOCATION"},
                        {"start": THAI.index("สมชาย"), "end": THAI.index("สมชาย") + 5, "label": "PERSON"}]}
    saved = a1.post(f"/api/projects/{pid}/documents/{d1['id']}/annotation", json=answer)
    assert saved.status_code == 200, saved.text
    spans = saved.json()["spans"]
    assert {"start": i, "end": i + 3, "label": "LOCATION"} in spans
    # overlap 2: ann2 gets the same document; ann1 moves on
    assert a2.post(f"/api/projects/{pid}/next").json()["document"]["id"] == d1["id"]
    assert a1.post(f"/api/projects/{pid}/next").json()["document"]["doc_id"] == "thai-2"
    r = a2.post(f"/api/projects/{pid}/documents/{d1['id']}/annotation",
                json={"labels": ["opinion"], "rating": 2, "spans": [spans[1]]})
    assert r.status_code == 200
    # the document is complete: nobody else gets it
    assert rev.post(f"/api/projects/{pid}/next").json()["document"]["doc_id"] == "thai-2"
    # skip, then back
    d2 = a1.post(f"/api/projects/{pid}/next").json()["document"]
    assert a1.post(f"/api/projects/{pid}/documents/{d2['id']}/skip").json()["status"] == "skipped"
    assert a1.post(f"/api/projects/{pid}/next").json()["document"] is None
    prev = a1.get(f"/api/projects/{pid}/previous", params={"before": d2["id"]}).json()
    assert prev["document"]["id"] == d1["id"] and prev["answer"]["labels"] == ["news"]
    # agreement + conflicts + gold
    stats = rev.get(f"/api/projects/{pid}/agreement").json()
    assert stats["multiply_annotated"] == 1
    assert stats["spans"]["pairs"]["ann1|ann2"] == 2 / 3
    conflicts = rev.get(f"/api/projects/{pid}/conflicts").json()
    assert [c["document"]["id"] for c in conflicts] == [d1["id"]]
    assert set(conflicts[0]["answers"]) == {"ann1", "ann2"}
    g = rev.post(f"/api/projects/{pid}/documents/{d1['id']}/gold", json={"labels": ["news"], "spans": [spans[1]]})
    assert g.status_code == 200 and g.json()["labels"] == ["news"]
    both = rev.get(f"/api/projects/{pid}/documents/{d1['id']}/annotations").json()
    assert both["gold"]["spans"] == [spans[1]] and set(both["answers"]) == {"ann1", "ann2"}
    info = admin.get(f"/api/projects/{pid}").json()["progress"]
    assert info == {"documents": 2, "annotations": 2, "complete": 1, "gold": 1}


def flow_concurrent_submissions(app, n_docs: int = 12) -> None:
    """Two annotators submit all documents at the same time from two threads: nothing is lost."""
    from concurrent.futures import ThreadPoolExecutor

    admin = login(app, "admin")
    docs = [{"id": f"d{i}", "text": f"{THAI} #{i}", "lang": "th"} for i in range(n_docs)]
    pid = new_project(admin, "race", overlap=2, documents=docs)["id"]
    clients = {u: login(app, u) for u in ("ann1", "ann2")}

    def work(user: str) -> int:
        client, count = clients[user], 0
        while True:
            doc = client.post(f"/api/projects/{pid}/next").json()["document"]
            if doc is None:
                return count
            r = client.post(f"/api/projects/{pid}/documents/{doc['id']}/annotation",
                            json={"labels": ["news" if user == "ann1" else "ad"], "comment": f"{user} {doc['doc_id']}"})
            assert r.status_code == 200, r.text
            count += 1

    with ThreadPoolExecutor(2) as pool:
        counts = list(pool.map(work, ["ann1", "ann2"]))
    assert counts == [n_docs, n_docs]
    rows = [r for r in admin.get(f"/api/projects/{pid}/export", params={"format": "jsonl"}).text.splitlines()]
    import json

    rows = [json.loads(r) for r in rows]
    assert len(rows) == 2 * n_docs
    assert {(r["doc_id"], r["user"]) for r in rows} == {(d["id"], u) for d in docs for u in ("ann1", "ann2")}
    assert all(r["comment"] == f"{r['user']} {r['doc_id']}" for r in rows)


def flow_reservations(app) -> None:
    """Overlap 1: annotators asking at the same time get different documents; asking again gives
    the same (reserved) document back; answering releases it."""
    admin, a1, a2 = login(app, "admin"), login(app, "ann1"), login(app, "ann2")
    pid = new_project(admin, "reserve", overlap=1)["id"]
    d1 = a1.post(f"/api/projects/{pid}/next").json()["document"]
    d2 = a2.post(f"/api/projects/{pid}/next").json()["document"]
    assert d1["doc_id"] == "thai-1" and d2["doc_id"] == "thai-2"
    assert a1.post(f"/api/projects/{pid}/next").json()["document"]["id"] == d1["id"]
    assert a2.post(f"/api/projects/{pid}/next").json()["document"]["id"] == d2["id"]
    a1.post(f"/api/projects/{pid}/documents/{d1['id']}/annotation", json={"labels": ["news"]})
    assert a1.post(f"/api/projects/{pid}/next").json()["document"] is None  # thai-2 is held by ann2
    a2.post(f"/api/projects/{pid}/documents/{d2['id']}/skip")
    assert a1.post(f"/api/projects/{pid}/next").json()["document"]["id"] == d2["id"]  # released by the skip


def flow_expired_reservation(app) -> None:
    """Overlap 2: a reservation that expired gives its place back to the next annotator who asks
    (the document was full: one answer, one reservation), the late annotator's save is refused
    with 409, and every document's count of open places matches its slots throughout."""
    from datetime import timedelta

    from sqlalchemy import func, select, update

    from khlang.annotate.db import Doc, Slot, now

    admin, a1, a2, rev = (login(app, u) for u in ("admin", "ann1", "ann2", "rev"))
    pid = new_project(admin, "expire", overlap=2)["id"]

    def places() -> dict[str, tuple[int, int]]:  # doc_id → (open_places, overlap − slots)
        with app.state.db.reader() as db:
            held = select(func.count()).where(Slot.document_id == Doc.id).scalar_subquery()
            return {d: (o, 2 - h) for d, o, h in db.execute(select(Doc.doc_id, Doc.open_places, held)
                                                            .where(Doc.project_id == pid))}

    assert places() == {"thai-1": (2, 2), "thai-2": (2, 2)}
    d1 = a1.post(f"/api/projects/{pid}/next").json()["document"]
    assert a2.post(f"/api/projects/{pid}/next").json()["document"]["id"] == d1["id"]
    assert a1.post(f"/api/projects/{pid}/documents/{d1['id']}/annotation", json={"labels": ["news"]}).status_code == 200
    assert places()["thai-1"] == (0, 0)  # one answer, one reservation: full
    assert rev.post(f"/api/projects/{pid}/next").json()["document"]["doc_id"] == "thai-2"
    with app.state.db.session() as db:  # ann2 walked away: their reservation ran out
        db.execute(update(Slot).where(Slot.document_id == d1["id"], Slot.expires_at.is_not(None))
                   .values(expires_at=now() - timedelta(minutes=1)))
        db.commit()
    assert places()["thai-1"] == (0, 0)  # still counted until someone asks
    assert admin.post(f"/api/projects/{pid}/next").json()["document"]["id"] == d1["id"]  # given back, first by position
    assert places() == {"thai-1": (0, 0), "thai-2": (1, 1)}
    late = a2.post(f"/api/projects/{pid}/documents/{d1['id']}/annotation", json={"labels": ["ad"]})
    assert late.status_code == 409, late.text
    assert admin.post(f"/api/projects/{pid}/documents/{d1['id']}/annotation", json={"labels": ["ad"]}).status_code == 200
    d2 = a2.post(f"/api/projects/{pid}/next").json()["document"]
    assert d2["doc_id"] == "thai-2" and places()["thai-2"] == (0, 0)
    assert rev.post(f"/api/projects/{pid}/documents/{d2['id']}/skip").status_code == 200  # a skip gives the place back
    assert places()["thai-2"] == (1, 1)
    assert a1.post(f"/api/projects/{pid}/next").json()["document"]["id"] == d2["id"]
    assert places() == {"thai-1": (0, 0), "thai-2": (0, 0)}
    with app.state.db.session() as db:  # a count gone wrong (say, a hand-edited database) only costs a recount
        db.execute(update(Doc).where(Doc.project_id == pid, Doc.doc_id == "thai-1").values(open_places=1))
        db.commit()
    assert rev.post(f"/api/projects/{pid}/next").json()["document"] is None  # thai-1 is full; thai-2 skipped
    assert places() == {"thai-1": (0, 0), "thai-2": (0, 0)}


def flow_database_before_open_places(url: str) -> None:
    """A database made before documents had ``open_places`` (column and index dropped here, and the
    full position index of that time made, as an older khlang left them) keeps working: opening it
    adds the column and its index, drops the old index, counts each document's open places from its
    slots, and /next hands out the right documents."""
    from sqlalchemy import inspect, select

    from khlang.annotate.auth import create_user
    from khlang.annotate.db import Doc
    from khlang.annotate.projects import create_project, next_document, save_answer

    database = Database(url)
    database.drop_all()
    with database.session() as db:
        a1, a2, a3 = (create_user(db, f"old{i}", PASSWORD, "annotator") for i in range(3))
        project = create_project(db, "old", SCHEMA, [{"id": f"o{i}", "text": THAI} for i in range(3)], overlap=2)
        first = next_document(db, project, a1)
        save_answer(db, project, first, a1, {"labels": ["news"]})
        assert next_document(db, project, a2).id == first.id  # o0: one answer, one reservation
        db.commit()
    with database.engine.begin() as con:
        con.exec_driver_sql("DROP INDEX ix_documents_open")
        con.exec_driver_sql("ALTER TABLE documents DROP COLUMN open_places")
        con.exec_driver_sql("CREATE INDEX ix_documents_project_position ON documents (project_id, position)")
    database.engine.dispose()
    database = Database(url)
    assert {i["name"] for i in inspect(database.engine).get_indexes("documents")} >= {"ix_documents_open"}
    assert "ix_documents_project_position" not in {i["name"] for i in inspect(database.engine).get_indexes("documents")}
    with database.session() as db:
        assert dict(db.execute(select(Doc.doc_id, Doc.open_places)).all()) == {"o0": 0, "o1": 2, "o2": 2}
        project = db.merge(project)
        assert next_document(db, project, a3).doc_id == "o1"
        assert next_document(db, project, a1).doc_id == "o1"
        assert next_document(db, project, a2).doc_id == "o0"  # their own reservation
        db.commit()
    database.engine.dispose()


def flow_same_user_race(app, rounds: int = 8) -> None:
    """One annotator's two tabs submit the same document at once: one row, the last answer, no error."""
    from concurrent.futures import ThreadPoolExecutor

    admin = login(app, "admin")
    docs = [{"id": f"r{i}", "text": THAI, "lang": "th"} for i in range(rounds)]
    pid = new_project(admin, "tabs", overlap=1, documents=docs)["id"]
    tabs = [login(app, "ann1"), login(app, "ann1")]
    for _ in range(rounds):
        did = tabs[0].post(f"/api/projects/{pid}/next").json()["document"]["id"]
        url = f"/api/projects/{pid}/documents/{did}/annotation"
        with ThreadPoolExecutor(2) as pool:
            codes = list(pool.map(lambda t: t[1].post(url, json={"labels": ["news"], "comment": f"tab{t[0]}"}).status_code,
                                  enumerate(tabs)))
        assert codes == [200, 200]
    import json

    rows = [json.loads(x) for x in admin.get(f"/api/projects/{pid}/export?format=jsonl").text.splitlines()]
    assert len(rows) == rounds and {r["comment"] for r in rows} <= {"tab0", "tab1"}
