"""Round trips through the real Label Studio (and doccano): khlang's export goes in through the
tool's REST API, the regions the tool stored are read back, the tool's own export comes back into
khlang. The servers are pinned pip installs cached in .cache/interop (tests/interop_servers.py)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from annotate_support import PASSWORD, SCHEMA
from interop_servers import PASSWORD as PASSWORD_LS
from interop_servers import doccano, doccano_wait, label_studio
from sqlalchemy import select

from khlang.annotate.auth import create_user
from khlang.annotate.db import Database, Doc, User
from khlang.annotate.formats import export_project, import_project, project_rows
from khlang.annotate.lsconfig import labelstudio_config
from khlang.annotate.projects import add_documents, create_project, save_answer, set_gold

pytestmark = pytest.mark.interop
ROOT = Path(__file__).resolve().parents[1]

EMOJI = "😀🎉 ปตท. แถลงข่าวที่กรุงเทพฯ วันนี้"  # starts with two emoji
EXT_B = "คุณ𠀀นิดา ไปเชียงใหม่ จ่าย ๕๐๐ บาท"  # a CJK Extension B character inside
PLAIN = "ธนาคารแห่งประเทศไทย ประกาศอัตราดอกเบี้ย"
USERS = ("ann1", "ann2", "rev")


def _span(text, part, label):
    i = text.index(part)
    return {"start": i, "end": i + len(part), "label": label}


def build_project(database):
    """The project of issue 21: three Thai documents, two annotators, a skip and a gold label."""
    db = database.session()
    a, b, r = (create_user(db, u, PASSWORD, role) for u, role in zip(USERS, ("annotator", "annotator", "reviewer")))
    p = create_project(db, "interop", SCHEMA, [{"id": "emoji", "text": EMOJI, "lang": "th"},
                                               {"id": "extb", "text": EXT_B, "lang": "th"},
                                               {"id": "plain", "text": PLAIN, "lang": "th"}], overlap=2)
    docs = {d.doc_id: d for d in db.scalars(select(Doc))}
    save_answer(db, p, docs["emoji"], a, {"labels": ["news"], "rating": 4, "comment": "ดี 👍", "spans": [
        _span(EMOJI, "ปตท.", "ORG"), _span(EMOJI, "กรุงเทพฯ", "LOCATION")]})
    save_answer(db, p, docs["emoji"], b, {"labels": ["ad"], "spans": [_span(EMOJI, "ปตท.", "ORG")]})
    save_answer(db, p, docs["extb"], a, {"labels": ["opinion"], "spans": [
        _span(EXT_B, "นิดา", "PERSON"), _span(EXT_B, "เชียงใหม่", "LOCATION"), _span(EXT_B, "๕๐๐ บาท", "MONEY")]})
    save_answer(db, p, docs["extb"], b, {"labels": ["opinion"], "rating": 2, "spans": [_span(EXT_B, "นิดา", "PERSON")]})
    save_answer(db, p, docs["plain"], a, {"labels": ["news"], "spans": [_span(PLAIN, "ธนาคารแห่งประเทศไทย", "ORG")]})
    save_answer(db, p, docs["plain"], b, {}, status="skipped")
    set_gold(db, p, docs["emoji"], r, {"labels": ["news"], "spans": [_span(EMOJI, "ปตท.", "ORG")]})
    db.commit()
    return db, p


def comparable(rows):
    return sorted((r["doc_id"], r["user"], r["status"], tuple(r["labels"]), r["rating"], r["comment"],
                   tuple(sorted((s["start"], s["end"], s["label"]) for s in r["spans"]))) for r in rows)


def fresh_khlang(path):
    database = Database(f"sqlite:///{path}")
    db = database.session()
    for u in USERS:
        create_user(db, u, PASSWORD)
    return db, create_project(db, "back", SCHEMA, [], overlap=2)


def highlighted(base: str, path: str, n: int) -> list[str]:
    """The texts Label Studio's labelling page highlights for one annotation (headless Chromium),
    once it shows ``n`` regions (or after 90 s)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base + "/user/login/")
        page.fill("input[name=email]", "admin@khlang.invalid")
        page.fill("input[name=password]", PASSWORD_LS)
        with page.expect_navigation():
            page.click("button[type=submit]")
        shown: list[str] = []
        for _ in range(2):  # Label Studio's development server can be slow to serve its scripts on a busy machine
            page.goto(base + path)
            try:  # read the regions in the same step that sees them: the page re-renders while it loads
                shown = page.wait_for_function(
                    "n => { const e = [...document.querySelectorAll('.htx-highlight')];"
                    " return e.length >= n ? e.map(x => x.innerText) : null }", arg=n, timeout=90_000).json_value()
                break
            except Exception:  # the assertion shows what was highlighted instead; the screenshot what was shown
                ROOT.joinpath("test-artifacts").mkdir(exist_ok=True)
                page.screenshot(path=str(ROOT / "test-artifacts" / "labelstudio.png"))
        browser.close()
    return shown


def test_label_studio_round_trip(tmp_path):
    db, p = build_project(Database(f"sqlite:///{tmp_path / 'src.db'}"))
    tasks = json.loads(export_project(db, p, "labelstudio"))
    want = {(t["data"]["doc_id"], a["completed_by"]["email"], r["value"]["start"], r["value"]["end"]): r["value"]["text"]
            for t in tasks for a in t["annotations"] for r in a["result"] if r["type"] == "labels"}
    data = tmp_path / "ls"
    data.mkdir()
    with label_studio(data) as ls:
        for u in USERS:
            r = ls.post("/api/users/", json={"email": f"{u}@khlang.invalid", "username": u})
            assert r.status_code == 201, r.text
        proj = ls.post("/api/projects/", json={"title": "khlang", "label_config": labelstudio_config(SCHEMA)})
        assert proj.status_code == 201, proj.text
        pid = proj.json()["id"]
        r = ls.post(f"/api/projects/{pid}/import", json=tasks)
        assert r.status_code == 201, r.text
        ls_users = ls.get("/api/users/").json()
        email_of = {u["id"]: u["email"] for u in ls_users}

        # the regions Label Studio stored highlight exactly the spans' text, emoji and Ext-B included
        stored = {}
        tasks_back = ls.get("/api/tasks/", params={"project": pid, "page_size": 100}).json()["tasks"]
        for task in tasks_back:
            text = task["data"]["text"]
            for ann in ls.get(f"/api/tasks/{task['id']}/annotations/").json():
                for res in ann["result"]:
                    if res["type"] == "labels":
                        v = res["value"]
                        key = (task["data"]["doc_id"], email_of[ann["completed_by"]], v["start"], v["end"])
                        stored[key] = text[v["start"]:v["end"]]
        assert stored == want and len(want) == 9
        # and Label Studio's own page highlights the same text: its front end counts code points too.
        # (A task page shows one of its annotations, so ann1's go into a project of their own.)
        ui_tasks = [{**t, "annotations": [a for a in t["annotations"] if a["completed_by"]["email"] == "ann1@khlang.invalid"]}
                    for t in tasks if t["data"]["doc_id"] in ("emoji", "extb")]
        ui = ls.post("/api/projects/", json={"title": "khlang ui", "label_config": labelstudio_config(SCHEMA)}).json()["id"]
        assert ls.post(f"/api/projects/{ui}/import", json=ui_tasks).status_code == 201
        for task in ls.get("/api/tasks/", params={"project": ui}).json()["tasks"]:
            expected = sorted(text for (d, u, _, _), text in want.items()
                              if d == task["data"]["doc_id"] and u == "ann1@khlang.invalid")
            url = f"/projects/{ui}/data?task={task['id']}"
            assert sorted(highlighted(str(ls.base_url).rstrip("/"), url, len(expected))) == expected

        exported = ls.get(f"/api/projects/{pid}/export", params={"exportType": "JSON", "download_all_tasks": "true"})
        assert exported.status_code == 200, exported.text
    (tmp_path / "ls-export.json").write_bytes(exported.content)

    db2, p2 = fresh_khlang(tmp_path / "back.db")
    # Label Studio exports completed_by as its own user id: its user list maps them back
    bundle = json.dumps({"tasks": exported.json(), "users": ls_users}).encode()
    counts = import_project(db2, p2, "labelstudio", bundle)
    db2.commit()
    assert counts["users_created"] == [] and counts["gold"] == 1
    assert comparable(project_rows(db2, p2)) == comparable(project_rows(db, p))
    assert {u.username for u in db2.scalars(select(User))} == set(USERS)


def union_spans(rows):
    """What one doccano example holds: every annotator's spans of a document, without names."""
    out: dict[str, set] = {}
    for r in rows:
        if r["status"] == "done":
            out.setdefault(r["doc_id"], set()).update((s["start"], s["end"], s["label"]) for s in r["spans"])
    return {d: sorted(s) for d, s in out.items()}


def test_doccano_round_trip(tmp_path):
    db, p = build_project(Database(f"sqlite:///{tmp_path / 'src.db'}"))
    jsonl = export_project(db, p, "doccano")
    want = union_spans(project_rows(db, p))
    texts = {r["doc_id"]: r["text"] for r in project_rows(db, p)}
    data = tmp_path / "doccano"
    data.mkdir()
    with doccano(data) as dc:
        proj = dc.post("/v1/projects", json={
            "name": "khlang", "description": "interop", "guideline": "", "project_type": "SequenceLabeling",
            "resourcetype": "SequenceLabelingProject", "allow_overlapping": True, "grapheme_mode": False,
            "use_relation": False, "random_order": False, "collaborative_annotation": False, "tags": []})
        assert proj.status_code == 201, proj.text
        pid = proj.json()["id"]
        upload = dc.post("/v1/fp/process/", files={"filepond": ("khlang.jsonl", jsonl, "application/octet-stream")})
        assert upload.status_code == 200, upload.text
        # the import dialog's defaults: column_data "text", column_label "label"
        task = dc.post(f"/v1/projects/{pid}/upload", json={
            "format": "JSONL", "task": "SequenceLabeling", "uploadIds": [upload.text], "column_data": "text",
            "column_label": "label", "delimiter": "", "encoding": "utf_8"})
        assert doccano_wait(dc, task.json()["task_id"]) == {"error": []}

        # the spans doccano stored cover exactly the same text, emoji and Ext-B included
        types = {t["id"]: t["text"] for t in dc.get(f"/v1/projects/{pid}/span-types").json()}
        examples = dc.get(f"/v1/projects/{pid}/examples", params={"limit": 100}).json()["results"]
        assert len(examples) == 3  # one example per document
        stored, highlighted = {}, set()
        for ex in examples:
            doc = ex["meta"]["doc_id"]
            assert ex["text"] == texts[doc]
            spans = dc.get(f"/v1/projects/{pid}/examples/{ex['id']}/spans").json()
            stored[doc] = sorted((s["start_offset"], s["end_offset"], types[s["label"]]) for s in spans)
            highlighted |= {(doc, ex["text"][s["start_offset"]:s["end_offset"]], types[s["label"]]) for s in spans}
        assert stored == want
        assert highlighted == {(d, texts[d][a:b], lab) for d, v in want.items() for a, b, lab in v}

        task = dc.post(f"/v1/projects/{pid}/download", json={"format": "JSONL", "exportApproved": False})
        doccano_wait(dc, task.json()["task_id"])
        exported = dc.get(f"/v1/projects/{pid}/download", params={"taskId": task.json()["task_id"]})
        assert exported.status_code == 200 and exported.content.startswith(b"PK")
    (tmp_path / "doccano-export.zip").write_bytes(exported.content)
    with zipfile.ZipFile(io.BytesIO(exported.content)) as z:
        assert z.namelist() == ["admin.jsonl"]  # one file per doccano member

    db2, p2 = fresh_khlang(tmp_path / "back.db")
    # the project already holds the documents: doccano's own ids (1, 2, 3) must not add copies
    add_documents(db2, p2, [{"id": d, "text": t} for d, t in texts.items()])
    counts = import_project(db2, p2, "doccano", exported.content, users={"admin": "rev"})
    db2.commit()
    assert counts == {"annotations": 3, "gold": 0, "users_created": []}
    rows = project_rows(db2, p2)
    assert len({r["doc_id"] for r in rows}) == 3 and {r["user"] for r in rows} == {"rev"}  # no duplicate documents
    assert union_spans(rows) == want
