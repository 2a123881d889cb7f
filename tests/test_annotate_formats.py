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
        for u in ("ann1", "ann2", "rev"):
            create_user(db2, u, PASSWORD)
        p2 = create_project(db2, "dst", SCHEMA, [], overlap=2)
        counts = import_project(db2, p2, fmt, data, default_user="rev")  # doccano names no annotator
        db2.commit()
        assert counts["users_created"] == []
        want = _comparable(project_rows(db, p), KEEP[fmt])
        if fmt == "doccano":  # one example per document: every annotator's spans, no annotator names
            want = _doccano_view(project_rows(db, p))
            assert _doccano_view(project_rows(db2, p2)) == want and counts["annotations"] == 2
        else:
            assert counts["annotations"] >= 3
            assert _comparable(project_rows(db2, p2), KEEP[fmt]) == want
        # importing twice replaces, never duplicates
        import_project(db2, p2, fmt, data, default_user="rev")
        assert len(project_rows(db2, p2)) == len(want)


def _doccano_view(rows):
    spans: dict[str, set] = {}
    for r in rows:
        if r["status"] == "done":
            spans.setdefault(r["doc_id"], set()).update((s["start"], s["end"], s["label"]) for s in r["spans"])
    return sorted((d, tuple(sorted(s))) for d, s in spans.items())


def test_labelstudio_offsets_are_code_points(source):
    """Label Studio 1.23.2 stores and highlights spans in code points (tests/test_annotate_interop.py)."""
    _, db, p = source
    tasks = json.loads(export_project(db, p, "labelstudio"))
    result = [r for r in tasks[0]["annotations"][0]["result"] if r["type"] == "labels"]
    loc = next(r["value"] for r in result if r["value"]["labels"] == ["LOCATION"])
    assert (loc["start"], loc["end"]) == (ORG, ORG + 8) and THAI[ORG:ORG + 8] == "กรุงเทพฯ" == loc["text"]
    assert tasks[0]["annotations"][0]["completed_by"] == {"email": "ann1@khlang.invalid"}
    mapped = json.loads(export_project(db, p, "labelstudio", users={"ann1": "nida@example.org"}))
    assert mapped[0]["annotations"][0]["completed_by"] == {"email": "nida@example.org"}


def _ls_task(text, start, end, quoted=None, completed_by=3):
    value = {"start": start, "end": end, "labels": ["PERSON"]}
    if quoted is not None:
        value["text"] = quoted
    return [{"id": 7, "data": {"text": text}, "annotations": [{"completed_by": completed_by, "result": [
        {"type": "labels", "from_name": "spans", "to_name": "text", "value": value}]}]}]


@pytest.mark.parametrize(("text", "start", "end", "quoted"), [
    ("𠀀 คุณนิดา", 5, 9, None), ("𠀀 คุณนิดา", 5, 9, "นิดา"), ("😀ๆๆๆๆ ok", 2, 4, None), ("😀ๆๆๆๆ ok", 2, 4, "ๆๆ")])
def test_labelstudio_import_takes_offsets_as_code_points(tmp_path, text, start, end, quoted):
    """The fallback cases of issue 21: offsets are never shifted, with or without ``value.text``."""
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.session() as db:
        create_user(db, "nida", PASSWORD)
        p = create_project(db, "x", SCHEMA, [])
        data = json.dumps(_ls_task(text, start, end, quoted)).encode()
        import_project(db, p, "labelstudio", data, users={"3": "nida"})
        rows = project_rows(db, p)
    assert rows[0]["spans"] == [{"start": start, "end": end, "label": "PERSON"}] and rows[0]["user"] == "nida"


def test_labelstudio_import_errors_instead_of_shifting_or_inventing_users(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with database.session() as db:
        create_user(db, "nida", PASSWORD)
        p = create_project(db, "x", SCHEMA, [])
        utf16 = json.dumps(_ls_task("𠀀 คุณนิดา", 6, 10, "นิดา")).encode()  # an old khlang export: UTF-16 units
        with pytest.raises(ValueError, match=r"covers 'ิดา' but its value.text is 'นิดา'"):
            import_project(db, p, "labelstudio", utf16, users={"3": "nida"})
        plain = json.dumps(_ls_task("𠀀 คุณนิดา", 5, 9)).encode()
        with pytest.raises(ValueError, match="annotator 3 matches no khlang user"):
            import_project(db, p, "labelstudio", plain)
        with pytest.raises(ValueError, match="annotator 'ghost' is not a khlang user"):
            import_project(db, p, "labelstudio", plain, users={"3": "ghost"})
        # Label Studio's own user list (GET /api/users/) maps ids through e-mails
        ls_users = [{"id": 3, "email": "nida@khlang.invalid"}, {"id": 4, "email": "someone@example.org"}]
        import_project(db, p, "labelstudio", json.dumps({"tasks": json.loads(plain), "users": ls_users}).encode())
        assert [r["user"] for r in project_rows(db, p)] == ["nida"]
        from sqlalchemy import func, select

        from khlang.annotate.db import User

        assert db.scalar(select(func.count()).select_from(User)) == 1  # nobody invented


def test_doccano_export_is_what_its_importer_takes(source):
    _, db, p = source
    lines = [json.loads(x) for x in export_project(db, p, "doccano").decode().splitlines()]
    assert [x["doc_id"] for x in lines] == ["emoji", "seed"]  # one example per document
    assert all(set(x) == {"text", "label", "doc_id", "lang"} for x in lines)  # the default "label" column
    assert "null" not in export_project(db, p, "doccano").decode()
    # both annotators' MONEY spans on the emoji text
    assert [MONEY, MONEY + 3, "MONEY"] in lines[0]["label"] and [MONEY, MONEY + 7, "MONEY"] in lines[0]["label"]


def test_doccano_native_export_matches_documents_by_text(tmp_path, source):
    """doccano's own ids (42, 43) name no khlang document: the texts find them, nothing is added."""
    _, db, p = source
    texts = {r["doc_id"]: r["text"] for r in project_rows(db, p)}
    native = [{"id": 42, "text": texts["emoji"], "label": [[ORG, ORG + 8, "LOCATION"]], "Comments": []},
              {"id": 43, "text": texts["seed"], "label": [], "Comments": []}]
    before = len({r["doc_id"] for r in project_rows(db, p)})
    counts = import_project(db, p, "doccano", "".join(json.dumps(x) + "\n" for x in native).encode(), default_user="rev")
    rows = project_rows(db, p)
    assert len({r["doc_id"] for r in rows}) == before == 2 and counts == {"annotations": 1, "gold": 0, "users_created": []}
    assert {"doc_id": "emoji", "user": "rev", "spans": [{"start": ORG, "end": ORG + 8, "label": "LOCATION"}]} in [
        {k: r[k] for k in ("doc_id", "user", "spans")} for r in rows if r["status"] == "done"]


def test_code_point_formats(source):
    _, db, p = source
    rec = json.loads(export_project(db, p, "argilla"))[0]
    assert rec["responses"]["label"][0] == {"value": "news", "user_id": "ann1"}  # single-label question
    spans = rec["responses"]["spans"][0]["value"]
    assert {"start": ORG, "end": ORG + 8, "label": "LOCATION"} in spans
    assert THAI[ORG:ORG + 8] == "กรุงเทพฯ"


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
