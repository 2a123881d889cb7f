"""Round trips through the real Label Studio (and doccano): khlang's export goes in through the
tool's REST API, the regions the tool stored are read back, the tool's own export comes back into
khlang. The servers are pinned pip installs cached in .cache/interop (tests/interop_servers.py)."""

from __future__ import annotations

import json

import pytest
from annotate_support import PASSWORD, SCHEMA
from interop_servers import label_studio
from sqlalchemy import select

from khlang.annotate.auth import create_user
from khlang.annotate.db import Database, Doc, User
from khlang.annotate.formats import export_project, import_project, project_rows
from khlang.annotate.lsconfig import labelstudio_config
from khlang.annotate.projects import create_project, save_answer, set_gold

pytestmark = pytest.mark.interop

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
        for task in ls.get("/api/tasks/", params={"project": pid, "page_size": 100}).json()["tasks"]:
            text = task["data"]["text"]
            for ann in ls.get(f"/api/tasks/{task['id']}/annotations/").json():
                for res in ann["result"]:
                    if res["type"] == "labels":
                        v = res["value"]
                        key = (task["data"]["doc_id"], email_of[ann["completed_by"]], v["start"], v["end"])
                        stored[key] = text[v["start"]:v["end"]]
        assert stored == want and len(want) == 8

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
