"""The annotation server through its HTTP interface (FastAPI TestClient, SQLite)."""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq
import pytest
from annotate_support import app, corpus  # noqa: F401 (fixtures)
from annotate_support import (PASSWORD, SCHEMA, THAI, flow_annotate_and_review, flow_concurrent_submissions, login,
                              new_project)
from fastapi.testclient import TestClient
from markupsafe import escape


def test_annotate_review_flow(app):
    flow_annotate_and_review(app)


def test_concurrent_submissions(app):
    flow_concurrent_submissions(app)


API_ROUTES = [  # (method, path, least role)
    ("GET", "/api/me", "annotator"), ("GET", "/api/openapi.json", "annotator"), ("POST", "/api/tokens", "annotator"), ("GET", "/api/roles", "annotator"),
    ("GET", "/api/tokens", "annotator"), ("DELETE", "/api/tokens/{tid}", "annotator"),
    ("GET", "/api/users", "admin"), ("POST", "/api/users", "admin"), ("POST", "/api/users/2", "admin"), ("GET", "/api/corpora", "admin"),
    ("DELETE", "/api/users/2", "admin"), ("DELETE", "/api/users/2/tokens", "admin"),
    ("GET", "/api/projects", "annotator"), ("POST", "/api/projects", "admin"),
    ("GET", "/api/projects/{pid}", "annotator"), ("GET", "/api/projects/{pid}/members", "admin"),
    ("POST", "/api/projects/{pid}/members", "admin"), ("GET", "/api/projects/{pid}/next", "annotator"), ("POST", "/api/projects/{pid}/next", "annotator"),
    ("GET", "/api/projects/{pid}/previous", "annotator"), ("GET", "/api/projects/{pid}/documents/{did}", "annotator"),
    ("POST", "/api/projects/{pid}/documents/{did}/annotation", "annotator"),
    ("POST", "/api/projects/{pid}/documents/{did}/skip", "annotator"),
    ("GET", "/api/projects/{pid}/documents/{did}/annotations", "reviewer"),
    ("POST", "/api/projects/{pid}/documents/{did}/gold", "reviewer"),
    ("GET", "/api/projects/{pid}/agreement", "reviewer"), ("GET", "/api/projects/{pid}/progress", "reviewer"),
    ("GET", "/api/projects/{pid}/documents", "reviewer"), ("GET", "/api/projects/{pid}/returned", "annotator"),
    ("POST", "/api/projects/{pid}/archive", "admin"), ("DELETE", "/api/projects/{pid}", "admin"),
    ("GET", "/api/projects/{pid}/guidelines", "annotator"), ("POST", "/api/projects/{pid}/guidelines", "admin"),
    ("POST", "/api/projects/{pid}/documents/{did}/review", "reviewer"), ("POST", "/api/projects/{pid}/suggestions", "admin"), ("GET", "/api/projects/{pid}/conflicts", "reviewer"),
    ("GET", "/api/projects/{pid}/export", "reviewer"), ("GET", "/api/projects/{pid}/config", "reviewer"), ("POST", "/api/projects/{pid}/import", "admin"),
    ("POST", "/api/projects/{pid}/gold/write", "admin"),
]
PAGES = [("GET", "/", "annotator"), ("GET", "/users", "admin"), ("POST", "/users", "admin"),
         ("GET", "/projects/new", "admin"), ("POST", "/projects/new", "admin"),
         ("GET", "/projects/{pid}/annotate", "annotator"), ("GET", "/projects/{pid}/review", "reviewer"),
         ("POST", "/projects/{pid}/review/{did}", "reviewer"), ("POST", "/projects/{pid}/review/{did}/answer", "reviewer"), ("GET", "/projects/{pid}/agreement", "reviewer"),
         ("POST", "/logout", "annotator")]


def _ids(app):
    admin = login(app, "admin")
    pid = new_project(admin, "guarded")["id"]
    did = admin.post(f"/api/projects/{pid}/next").json()["document"]["id"]
    return {"pid": pid, "did": did, "tid": "0" * 16}


def test_route_lists_cover_every_route():
    """A new route must be added to the lists above, so the role and anonymous checks see it."""
    from khlang.annotate import api, pages

    served = {(m, r.path) for r in api.router.routes + pages.router.routes for m in r.methods if m != "HEAD"}
    listed = {(m, p.replace("/api/users/2", "/api/users/{uid}")) for m, p, _ in API_ROUTES + PAGES}
    assert served - {("GET", "/login"), ("POST", "/login")} == listed


def test_every_route_refuses_anonymous(app):
    ids = _ids(app)
    anon = TestClient(app)
    for method, path, _ in API_ROUTES:
        r = anon.request(method, path.format(**ids), json={})
        assert r.status_code == 401, (method, path, r.status_code)
    for method, path, _ in PAGES:
        r = anon.request(method, path.format(**ids), follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", (method, path, r.status_code)


@pytest.mark.parametrize("user,role", [("ann1", "annotator"), ("rev", "reviewer")])
def test_every_route_refuses_lower_roles(app, user, role):
    ids = _ids(app)
    client = login(app, user)
    rank = ["annotator", "reviewer", "admin"]
    checked = 0
    for method, path, needed in API_ROUTES + PAGES:
        if rank.index(needed) > rank.index(role):
            data = {"csrf_token": client.csrf} if not path.startswith("/api") else None
            r = client.request(method, path.format(**ids), data=data, json={} if data is None else None,
                               follow_redirects=False)
            assert r.status_code == 403, (user, method, path, r.status_code, r.text)
            checked += 1
    assert checked >= (4 if role == "reviewer" else 11)


def test_csrf_required_for_session_posts_but_not_api_tokens(app):
    admin = login(app, "admin")
    pid = new_project(admin, "csrf")["id"]
    bare = TestClient(app)
    bare.cookies = admin.cookies
    r = bare.post("/api/users", json={"username": "x1", "password": PASSWORD})
    assert r.status_code == 403 and "CSRF" in r.text
    r = bare.post("/users", data={"username": "x1", "password": PASSWORD, "csrf_token": "wrong"}, follow_redirects=False)
    assert r.status_code == 403
    token = admin.post("/api/tokens", json={"name": "script"}).json()["token"]
    script = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert script.post("/api/users", json={"username": "x1", "password": PASSWORD}).status_code == 201
    assert script.get(f"/api/projects/{pid}").json()["name"] == "csrf"
    bad = TestClient(app, headers={"Authorization": "Bearer khl_nope"})
    assert bad.get("/api/me").status_code == 401
    # the login form itself needs its CSRF cookie/field pair
    r = TestClient(app).post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "x"})
    assert r.status_code == 403


def test_api_tokens_are_listed_and_revoked_by_their_owner_only(app):
    ann = login(app, "ann1")
    made = ann.post("/api/tokens", json={"name": "<b>nightly</b> export"}).json()
    script = TestClient(app, headers={"Authorization": f"Bearer {made['token']}"})
    assert script.get("/api/me").json()["username"] == "ann1"
    listed = ann.get("/api/tokens").json()
    assert listed == [{"id": made["id"], "name": "<b>nightly</b> export", "created_at": listed[0]["created_at"]}]
    assert made["token"] not in str(listed)  # the token itself is never shown again
    admin = login(app, "admin")
    assert admin.get("/api/tokens").json() == []  # only one's own tokens
    assert admin.delete(f"/api/tokens/{made['id']}").status_code == 404  # not even an admin revokes another's
    assert ann.delete(f"/api/tokens/{made['id'][:4]}").status_code == 404  # a prefix is not an id
    assert ann.delete(f"/api/tokens/{made['id']}").status_code == 204
    assert script.get("/api/me").status_code == 401 and ann.get("/api/tokens").json() == []


def test_login_logout_and_wrong_password(app):
    client = TestClient(app)
    page = client.get("/login")
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "ann1", "password": "wrong password", "csrf_token": token})
    assert r.status_code == 401 and "wrong username or password" in r.text
    c = login(app, "ann1")
    assert "session" in next(iter(c.cookies.jar)).name
    cookie = next(iter(c.cookies.jar))
    assert cookie.has_nonstandard_attr("HttpOnly")
    r = c.post("/logout", data={"csrf_token": c.csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/api/me").status_code == 401
    assert "Content-Security-Policy" in c.get("/login").headers


def test_project_from_corpus_query(app, corpus):
    admin = login(app, "admin")
    p = admin.post("/api/projects", json={"name": "q", "corpus": 0, "schema": SCHEMA,
                                          "query": {"langs": ["th"], "min_quality": 0.5, "n": 2, "seed": 7}}).json()
    docs = [d["doc_id"] for d in _all_docs(admin, p["id"])]
    assert len(docs) == 2 and set(docs) <= {"th-2", "th-3", "th-4"}  # quality 0.6, 0.8, 1.0
    again = admin.post("/api/projects", json={"name": "q2", "corpus": str(corpus), "schema": SCHEMA,
                                              "query": {"langs": "th", "min_quality": 0.5, "n": 2, "seed": 7}}).json()
    assert [d["doc_id"] for d in _all_docs(admin, again["id"])] == docs  # same seed, same sample
    strat = admin.post("/api/projects", json={"name": "s", "corpus": 0, "schema": SCHEMA,
                                              "query": {"n": 7, "seed": 1, "stratify": True}}).json()
    assert {d["doc_id"] for d in _all_docs(admin, strat["id"])} >= {"en-0", "lo-0"}
    r = admin.post("/api/projects", json={"name": "none", "corpus": 0, "schema": SCHEMA, "query": {"langs": ["km"]}})
    assert r.status_code == 422 and "no documents" in r.text
    r = admin.post("/api/projects", json={"name": "evil", "corpus": "/etc", "schema": SCHEMA})
    assert r.status_code == 422 and "not one the server was started with" in r.text


def _all_docs(client, pid):
    data = json.loads(client.get(f"/api/projects/{pid}/export", params={"format": "labelstudio"}).text)
    if data:
        return [t["data"] for t in data]
    out, seen = [], set()
    while True:  # no answers yet: walk the queue by skipping with a throwaway annotator
        doc = client.post(f"/api/projects/{pid}/next").json()["document"]
        if doc is None or doc["id"] in seen:
            return out
        seen.add(doc["id"])
        out.append(doc)
        client.post(f"/api/projects/{pid}/documents/{doc['id']}/skip")


def test_project_form_and_pages_render(app):
    admin = login(app, "admin")
    r = admin.post("/projects/new", data={"csrf_token": admin.csrf, "name": "form", "corpus": "0", "langs": "th",
                                          "n": "3", "seed": "1", "classification": "multi", "labels": "a, b",
                                          "rating_min": "1", "rating_max": "3", "span_labels": "PERSON, ORG",
                                          "overlap": "1"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    pid = admin.get("/api/projects").json()[-1]["id"]
    page = admin.get(f"/projects/{pid}/annotate")
    assert page.status_code == 200 and 'id="text"' in page.text and 'lang="th"' in page.text
    assert "/static/annotate.js" in page.text
    assert admin.get("/static/annotate.js").status_code == 200
    assert "Noto Sans Thai" in admin.get("/static/annotate.css").text
    for path in ("/", "/users", "/projects/new", f"/projects/{pid}/review", f"/projects/{pid}/agreement"):
        assert admin.get(path).status_code == 200, path
    bad = admin.post("/projects/new", data={"csrf_token": admin.csrf, "name": "", "corpus": "0"})
    assert bad.status_code == 422


def test_bad_answers_are_refused(app):
    admin, a1 = login(app, "admin"), login(app, "ann1")
    pid = new_project(admin, "bad")["id"]
    did = a1.post(f"/api/projects/{pid}/next").json()["document"]["id"]
    url = f"/api/projects/{pid}/documents/{did}/annotation"
    for body, words in [({"labels": ["nope"]}, "unknown label"), ({"labels": ["news", "ad"]}, "one label"),
                        ({"rating": 9}, "outside"), ({"spans": [{"start": 0, "end": 999, "label": "ORG"}]}, "outside"),
                        ({"spans": [{"start": 0, "end": 2, "label": "<b>"}]}, "unknown span label"),
                        ({"spans": [{"start": "0", "end": 2, "label": "ORG"}]}, "integers")]:
        r = a1.post(url, json=body)
        assert r.status_code == 422 and words in r.text, (body, r.text)
    assert a1.get(f"/api/projects/{pid}/documents/{did}").json()["answer"] is None  # nothing half-stored
    assert a1.post(f"/api/projects/999/next").status_code == 404
    other = new_project(admin, "other")["id"]
    assert a1.get(f"/api/projects/{other}/documents/{did}").status_code == 404


INJECTIONS = ["<script>alert('x')</script>", "Robert'); DROP TABLE users;--", "\" OR 1=1 --", "<img src=x onerror=alert(1)>"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_payloads_stored_verbatim_and_escaped(app, payload):
    admin, rev = login(app, "admin"), login(app, "rev")
    uname = "u" + payload
    assert admin.post("/api/users", json={"username": uname, "password": PASSWORD}).status_code == 201
    evil = login(app, uname)
    label, span_label = "l" + payload, "s" + payload  # schema labels are admin-typed text too
    schema = {**SCHEMA, "labels": SCHEMA["labels"] + [label], "span_labels": SCHEMA["span_labels"] + [span_label]}
    p = new_project(admin, "p" + payload, description=payload, overlap=2, schema=schema,
                    documents=[{"id": "x" + payload, "text": "ข่าว " + payload, "lang": "th"}])
    assert p["name"] == "p" + payload and p["description"] == payload
    did = evil.post(f"/api/projects/{p['id']}/next").json()["document"]["id"]
    r = evil.post(f"/api/projects/{p['id']}/documents/{did}/annotation",
                  json={"labels": [label], "comment": payload, "spans": [{"start": 0, "end": 4, "label": span_label}]})
    assert r.json()["comment"] == payload and r.json()["labels"] == [label]
    assert r.json()["spans"] == [{"start": 0, "end": 4, "label": span_label}]
    a1 = login(app, "ann1")
    a1.post(f"/api/projects/{p['id']}/documents/{did}/annotation", json={"labels": ["news"], "comment": "x"})
    # stored verbatim
    assert any(u["username"] == uname for u in admin.get("/api/users").json())
    rows = [json.loads(x) for x in rev.get(f"/api/projects/{p['id']}/export?format=jsonl").text.splitlines()]
    assert {r["comment"] for r in rows} == {payload, "x"} and rows[0]["doc_id"] == "x" + payload
    # shown escaped on every page that shows it
    pages = [admin.get("/").text, admin.get("/users").text, rev.get(f"/projects/{p['id']}/review").text,
             evil.get(f"/projects/{p['id']}/annotate?doc={did}").text]
    for text in pages:
        assert payload not in text or payload.startswith("Robert") or payload.startswith('"')
        if "<" in payload:
            assert "<script>alert" not in text and "<img src=x" not in text
    assert str(escape("p" + payload)) in pages[0] and str(escape(uname)) in pages[1]
    assert str(escape(payload)) in pages[2] and str(escape("ข่าว " + payload)) in pages[3]
    assert str(escape(label)) in pages[2] and str(escape(span_label)) in pages[2]  # review: answer + form
    assert str(escape(label)) in pages[3] and str(escape(span_label)) in pages[3]  # annotate: label buttons
    # the tables are still there
    assert len(admin.get("/api/users").json()) == 5


def test_review_form_sets_gold_and_writes_corpus(app, corpus):
    admin, a1, a2, rev = (login(app, u) for u in ("admin", "ann1", "ann2", "rev"))
    p = admin.post("/api/projects", json={"name": "gold", "corpus": 0, "schema": SCHEMA, "overlap": 2,
                                          "query": {"langs": ["th"], "n": 1, "seed": 3}}).json()
    doc = a1.post(f"/api/projects/{p['id']}/next").json()["document"]
    a1.post(f"/api/projects/{p['id']}/documents/{doc['id']}/annotation",
            json={"labels": ["news"], "spans": [{"start": 0, "end": 4, "label": "ORG"}]})
    a2.post(f"/api/projects/{p['id']}/documents/{doc['id']}/annotation", json={"labels": ["ad"]})
    page = rev.get(f"/projects/{p['id']}/review")
    assert f'id="doc-{doc["id"]}"' in page.text
    span = a1.get(f"/api/projects/{p['id']}/documents/{doc['id']}").json()["answer"]["spans"][0]
    r = rev.post(f"/projects/{p['id']}/review/{doc['id']}", follow_redirects=False,
                 data={"csrf_token": rev.csrf, "label": "news", "span": f"{span['start']}:{span['end']}:{span['label']}",
                       "comment": "adjudicated"})
    assert r.status_code == 303, r.text
    out = admin.post(f"/api/projects/{p['id']}/gold/write", json={}).json()
    table = pq.read_table(out["path"]).to_pylist()
    assert table[0]["id"] == doc["doc_id"] and json.loads(table[0]["labels"]) == ["news"]
    assert json.loads(table[0]["spans"]) == [span]
    con = duckdb.connect(str(corpus / "catalog.duckdb"), read_only=True)
    rows = con.execute("SELECT d.lang, g.comment FROM documents d JOIN gold_labels g USING (id)").fetchall()
    con.close()
    assert rows == [("th", "adjudicated")]


def test_thai_span_snapping_unit():
    from khlang.annotate.spans import clean_spans, cp_to_utf16, snap, utf16_to_cp

    i = THAI.index("น้ำ")
    assert snap(THAI, i + 1, i + 2) == (i, i + 3)
    khmer = "ក្រុមហ៊ុន"  # coeng sequence: ក្រុ is one cluster
    assert snap(khmer, 1, 2) == (0, 4)
    assert cp_to_utf16(THAI, 2) == 4 and utf16_to_cp(THAI, 4) == 2
    assert clean_spans(THAI, [{"start": i + 2, "end": i + 3, "label": "X"}] * 2, ["X"]) == [
        {"start": i, "end": i + 3, "label": "X"}]


def test_export_import_over_http(app):
    admin, a1 = login(app, "admin"), login(app, "ann1")
    pid = new_project(admin, "src", overlap=1)["id"]
    doc = a1.post(f"/api/projects/{pid}/next").json()["document"]
    i = THAI.index("กรุงเทพฯ")
    a1.post(f"/api/projects/{pid}/documents/{doc['id']}/annotation",
            json={"labels": ["news"], "spans": [{"start": i, "end": i + 8, "label": "LOCATION"}]})
    dst = admin.post("/api/projects", json={"name": "dst", "schema": SCHEMA, "documents": []})
    assert dst.status_code == 422  # an empty project is refused: nothing to annotate
    dst = new_project(admin, "dst", overlap=1)["id"]
    for fmt in ("labelstudio", "argilla", "doccano", "jsonl", "parquet"):
        data = admin.get(f"/api/projects/{pid}/export", params={"format": fmt})
        assert data.status_code == 200 and "attachment" in data.headers["content-disposition"]
        r = admin.post(f"/api/projects/{dst}/import", params={"format": fmt}, content=data.content)
        assert r.status_code == 200 and r.json()["annotations"] == 1, (fmt, r.text)
    rows = [json.loads(x) for x in admin.get(f"/api/projects/{dst}/export?format=jsonl").text.splitlines()]
    # doccano names no annotator: its import is stored as the admin who imported it
    assert [(r["user"], r["spans"]) for r in rows] == [(u, [{"start": i, "end": i + 8, "label": "LOCATION"}])
                                                       for u in ("admin", "ann1")]
    assert admin.get(f"/api/projects/{pid}/export", params={"format": "csv"}).status_code == 422
    r = admin.post(f"/api/projects/{dst}/import", params={"format": "jsonl"}, content=b"{not json")
    assert r.status_code == 422 and "not a valid jsonl" in r.text
    assert admin.get("/api/corpora").json()[0]["index"] == 0
    assert admin.get("/api/roles").json() == ["annotator", "reviewer", "admin"]
    assert "/api/projects/{pid}/export" in a1.get("/api/openapi.json").json()["paths"]
    assert admin.get("/api/docs").status_code == 404  # no Swagger page pulling scripts from a CDN


def test_expired_reservation_gives_its_place_back(app):
    from annotate_support import flow_expired_reservation

    flow_expired_reservation(app)


def test_database_made_before_open_places_keeps_working(tmp_path):
    from annotate_support import flow_database_before_open_places

    flow_database_before_open_places(f"sqlite:///{tmp_path / 'old.db'}")


def test_reservations(app):
    from annotate_support import flow_reservations

    flow_reservations(app)


def test_admin_changes_password_and_role(app):
    admin = login(app, "admin")
    a1 = login(app, "ann1")
    uid = next(u["id"] for u in admin.get("/api/users").json() if u["username"] == "ann1")
    assert admin.post(f"/api/users/{uid}", json={"role": "chief"}).status_code == 422
    assert admin.post(f"/api/users/{uid}", json={"password": "short"}).status_code == 422
    r = admin.post(f"/api/users/{uid}", json={"role": "reviewer", "password": "a new long password"})
    assert r.json()["role"] == "reviewer"
    assert a1.get("/api/me").status_code == 401  # old sessions end
    assert login(app, "ann1", "a new long password").get("/api/me").json()["role"] == "reviewer"
    assert admin.post("/api/users/999", json={}).status_code == 404


def test_same_user_two_tabs(app):
    from annotate_support import flow_same_user_race

    flow_same_user_race(app)
