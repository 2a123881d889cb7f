"""Export → import round trips for every interchange format, with offsets past astral characters."""

from __future__ import annotations

import json

import pytest
from annotate_support import PASSWORD, SCHEMA, THAI

from khlang.annotate.auth import create_user
from khlang.annotate.db import Database
from khlang.annotate.formats import FORMATS, export_project, import_project, project_rows
from khlang.annotate.projects import create_project, save_answer, set_gold

ORG = THAI.index("กรุงเทพฯ")
WATER = THAI.index("น้ำ")
MONEY = THAI.index("๕๐๐ บาท")


@pytest.fixture()
def source(tmp_path, seed_texts):
    """A project with two annotators' answers on a Thai text with an emoji and a CJK Ext-B char
    before every span, a seed article, a skip and a gold label."""
    database = Database(f"sqlite:///{tmp_path / 'src.db'}")
    db = database.session()
    a, b, r = (create_user(db, u, PASSWORD, role) for u, role in
               (("ann1", "annotator"), ("ann2", "annotator"), ("rev", "reviewer")))
    seed = seed_texts[0][:400]
    p = create_project(db, "src", SCHEMA, [{"id": "emoji", "text": THAI, "lang": "th"},
                                          {"id": "seed", "text": seed, "lang": "th"}], overlap=2)
    from sqlalchemy import select

    from khlang.annotate.db import Doc

    docs = {d.doc_id: d for d in db.scalars(select(Doc))}
    save_answer(db, p, docs["emoji"], a, {"labels": ["news"], "rating": 4, "comment": "ดี 👍", "spans": [
        {"start": ORG, "end": ORG + 8, "label": "LOCATION"}, {"start": WATER, "end": WATER + 3, "label": "ORG"},
        {"start": MONEY, "end": MONEY + 7, "label": "MONEY"}]})
    save_answer(db, p, docs["emoji"], b, {"labels": ["ad"], "spans": [{"start": MONEY, "end": MONEY + 3, "label": "MONEY"}]})
    save_answer(db, p, docs["seed"], a, {"labels": ["opinion"], "spans": [{"start": 10, "end": 20, "label": "PERSON"}]})
    save_answer(db, p, docs["seed"], b, {}, status="skipped")
    set_gold(db, p, docs["emoji"], r, {"labels": ["news"], "spans": [{"start": ORG, "end": ORG + 8, "label": "LOCATION"}]})
    db.commit()
    yield database, db, p
    db.close()


def _comparable(rows, keep):
    return sorted((r["doc_id"], r["user"], r["status"], tuple(r["labels"]), r["rating"], r["comment"],
                   tuple(sorted((s["start"], s["end"], s["label"]) for s in r["spans"])))
                  for r in rows if r["status"] in keep)


KEEP = {"labelstudio": {"done", "skipped", "gold"}, "jsonl": {"done", "skipped", "gold"},
        "parquet": {"done", "skipped", "gold"}, "argilla": {"done"}, "doccano": {"done"}}


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(tmp_path, source, fmt):
    _, db, p = source
    data = export_project(db, p, fmt)
    target = Database(f"sqlite:///{tmp_path / 'dst.db'}")
    with target.session() as db2:
        p2 = create_project(db2, "dst", SCHEMA, [], overlap=2)
        counts = import_project(db2, p2, fmt, data)
        db2.commit()
        assert counts["annotations"] >= 3
        assert _comparable(project_rows(db2, p2), KEEP[fmt]) == _comparable(project_rows(db, p), KEEP[fmt])
        # importing twice replaces, never duplicates
        import_project(db2, p2, fmt, data)
        assert len(project_rows(db2, p2)) == len([r for r in project_rows(db, p) if r["status"] in KEEP[fmt]])


def test_labelstudio_offsets_are_utf16(source):
    _, db, p = source
    tasks = json.loads(export_project(db, p, "labelstudio"))
    result = [r for r in tasks[0]["annotations"][0]["result"] if r["type"] == "labels"]
    loc = next(r["value"] for r in result if r["value"]["labels"] == ["LOCATION"])
    units = THAI.encode("utf-16-le")
    # 😀 and 𠀀 take two UTF-16 units each, so Label Studio's offsets are 2 more than ours
    assert (loc["start"], loc["end"]) == (ORG + 2, ORG + 10)
    assert units[2 * loc["start"]:2 * loc["end"]].decode("utf-16-le") == "กรุงเทพฯ" == loc["text"]


def test_code_point_formats(source):
    _, db, p = source
    line = json.loads(export_project(db, p, "doccano").decode().splitlines()[0])
    assert [ORG, ORG + 8, "LOCATION"] in line["entities"] and line["cats"] == ["news"]
    rec = json.loads(export_project(db, p, "argilla"))[0]
    assert rec["responses"]["label"][0] == {"value": "news", "user_id": "ann1"}  # single-label question
    spans = rec["responses"]["spans"][0]["value"]
    assert {"start": ORG, "end": ORG + 8, "label": "LOCATION"} in spans
    assert THAI[ORG:ORG + 8] == "กรุงเทพฯ"


def test_labelstudio_import_accepts_code_point_offsets_when_text_says_so(tmp_path):
    task = [{"id": 1, "data": {"text": THAI}, "annotations": [{"completed_by": 3, "result": [
        {"type": "labels", "from_name": "spans", "to_name": "text",
         "value": {"start": ORG, "end": ORG + 8, "text": "กรุงเทพฯ", "labels": ["LOCATION"]}}]}]}]
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.session() as db:
        p = create_project(db, "x", SCHEMA, [])
        import_project(db, p, "labelstudio", json.dumps(task).encode())
        rows = project_rows(db, p)
    assert rows[0]["spans"] == [{"start": ORG, "end": ORG + 8, "label": "LOCATION"}] and rows[0]["user"] == "3"


def test_bad_import_is_a_clear_error(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.session() as db:
        p = create_project(db, "x", SCHEMA, [])
        with pytest.raises(ValueError, match="not a valid doccano"):
            import_project(db, p, "doccano", b'{"text": "no id"}\n')
        with pytest.raises(ValueError, match="unknown label"):
            import_project(db, p, "doccano", b'{"id": 1, "text": "abc", "cats": ["zzz"]}\n')
        with pytest.raises(ValueError, match="unknown format"):
            import_project(db, p, "csv", b"")
