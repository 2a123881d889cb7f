"""Export and import of annotations in other tools' formats.

Offset units (khlang itself: Unicode code points):

* ``labelstudio`` – Label Studio task JSON. ``value.start/end`` of ``labels`` results are
  JavaScript string indices, i.e. **UTF-16 code units** (an emoji or a CJK Extension B character
  counts 2); we convert both ways and, on import, check against ``value.text`` (falling back to
  code points when the file was made by a tool that counted those).
* ``argilla`` – Argilla v2 records (``fields``/``metadata``/``responses``); span responses are
  Python string offsets = **code points**.
* ``doccano`` – doccano JSONL, one line per document and annotator, ``entities`` as
  ``[start, end, label]`` and ``cats``: **code points** (doccano's backend is Python).
* ``jsonl`` / ``parquet`` – khlang's own flat rows (one per document and annotator, plus
  ``status == "gold"`` rows for adjudicated labels): **code points**.

Skipped tasks travel in Label Studio (``was_cancelled``) and khlang formats only; gold labels
travel in Label Studio (``ground_truth``) and khlang formats.
"""

from __future__ import annotations

import io
import json
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Annotation, Doc, Gold, Project, User
from .projects import add_documents, save_answer, set_gold
from .spans import cp_to_utf16, utf16_to_cp

FORMATS = ("labelstudio", "argilla", "doccano", "jsonl", "parquet")
MEDIA = {"labelstudio": ("application/json", "json"), "argilla": ("application/json", "json"),
         "doccano": ("application/x-ndjson", "jsonl"), "jsonl": ("application/x-ndjson", "jsonl"),
         "parquet": ("application/vnd.apache.parquet", "parquet")}

ROW_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("text", pa.string()), ("lang", pa.string()), ("user", pa.string()),
    ("status", pa.string()), ("labels", pa.list_(pa.string())), ("rating", pa.int64()), ("comment", pa.string()),
    ("spans", pa.list_(pa.struct([("start", pa.int64()), ("end", pa.int64()), ("label", pa.string())]))),
])


# -- the common form: rows ------------------------------------------------------------------------
def project_rows(db: Session, project: Project) -> list[dict[str, Any]]:
    """One row per (document, annotator) answer plus one ``gold`` row per adjudicated document,
    in document order."""
    users = {u.id: u.username for u in db.scalars(select(User))}
    docs = list(db.scalars(select(Doc).where(Doc.project_id == project.id).order_by(Doc.position)))
    anns: dict[int, list[Annotation]] = {}
    for a in db.scalars(select(Annotation).where(Annotation.project_id == project.id).order_by(Annotation.id)):
        anns.setdefault(a.document_id, []).append(a)
    golds = {g.document_id: g for g in db.scalars(select(Gold).where(Gold.project_id == project.id))}
    rows = []
    for d in docs:
        base = {"doc_id": d.doc_id, "text": d.text, "lang": d.lang}
        for a in sorted(anns.get(d.id, []), key=lambda a: users[a.user_id]):
            rows.append({**base, "user": users[a.user_id], "status": a.status, "labels": list(a.labels),
                         "rating": a.rating, "comment": a.comment, "spans": [dict(s) for s in a.spans]})
        if d.id in golds:
            g = golds[d.id]
            rows.append({**base, "user": users[g.reviewer_id], "status": "gold", "labels": list(g.labels),
                         "rating": g.rating, "comment": g.comment, "spans": [dict(s) for s in g.spans]})
    return rows


def load_rows(db: Session, project: Project, rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Store rows (the common form) into a project: unknown documents are added, unknown users are
    created without a password (they cannot log in until an admin sets one)."""
    rows = list(rows)
    add_documents(db, project, [{"id": r["doc_id"], "text": r["text"], "lang": r.get("lang")} for r in rows])
    docs = {d.doc_id: d for d in db.scalars(select(Doc).where(Doc.project_id == project.id))}
    counts = {"annotations": 0, "gold": 0}
    for r in rows:
        doc = docs[str(r["doc_id"])]
        if doc.text != r["text"]:
            raise ValueError(f"document {r['doc_id']!r}: text differs from the project's copy")
        user = _user(db, r.get("user") or "imported")
        answer = {k: r.get(k) for k in ("labels", "rating", "comment", "spans")}
        answer["spans"] = [{"start": int(s["start"]), "end": int(s["end"]), "label": s["label"]}
                           for s in answer.get("spans") or []]
        if r.get("status") == "gold":
            set_gold(db, project, doc, user, answer)
            counts["gold"] += 1
        else:
            save_answer(db, project, doc, user, answer, r.get("status") or "done", enforce=False)
            counts["annotations"] += 1
    db.flush()
    return counts


def _user(db: Session, username: str) -> User:
    from .auth import create_user

    return db.scalar(select(User).where(User.username == username)) or create_user(db, username, None)


# -- Label Studio ---------------------------------------------------------------------------------
def to_labelstudio(rows: list[dict]) -> list[dict]:
    tasks: dict[str, dict] = {}
    for r in rows:
        task = tasks.setdefault(r["doc_id"], {"id": len(tasks) + 1, "data": {"text": r["text"], "doc_id": r["doc_id"],
                                                                            "lang": r["lang"]}, "annotations": []})
        result = []
        if r["labels"]:
            result.append({"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": r["labels"]}})
        if r["rating"] is not None:
            result.append({"from_name": "rating", "to_name": "text", "type": "rating", "value": {"rating": r["rating"]}})
        if r["comment"]:
            result.append({"from_name": "comment", "to_name": "text", "type": "textarea", "value": {"text": [r["comment"]]}})
        for i, s in enumerate(r["spans"]):
            result.append({"id": f"s{i}", "from_name": "spans", "to_name": "text", "type": "labels",
                           "value": {"start": cp_to_utf16(r["text"], s["start"]), "end": cp_to_utf16(r["text"], s["end"]),
                                     "text": r["text"][s["start"]:s["end"]], "labels": [s["label"]]}})
        task["annotations"].append({"completed_by": r["user"], "result": result,
                                    "was_cancelled": r["status"] == "skipped", "ground_truth": r["status"] == "gold"})
    return list(tasks.values())


def from_labelstudio(tasks: list[dict]) -> list[dict]:
    rows = []
    for t in tasks:
        data = t["data"]
        text = data["text"]
        for ann in t.get("annotations") or []:
            row = {"doc_id": str(data.get("doc_id") or t.get("id")), "text": text, "lang": data.get("lang"),
                   "user": _ls_user(ann.get("completed_by")), "labels": [], "rating": None, "comment": "", "spans": [],
                   "status": "gold" if ann.get("ground_truth") else "skipped" if ann.get("was_cancelled") else "done"}
            for res in ann.get("result") or []:
                v = res.get("value", {})
                kind = res.get("type")
                if kind == "choices":
                    row["labels"] += v.get("choices", [])
                elif kind == "rating":
                    row["rating"] = v.get("rating")
                elif kind == "textarea":
                    row["comment"] = "\n".join(v.get("text", []))
                elif kind == "labels":
                    start, end = _ls_offsets(text, v)
                    row["spans"] += [{"start": start, "end": end, "label": lab} for lab in v.get("labels", [])]
            rows.append(row)
    return rows


def _ls_user(completed_by: Any) -> str:
    if isinstance(completed_by, dict):
        return str(completed_by.get("email") or completed_by.get("username") or completed_by.get("id"))
    return str(completed_by) if completed_by is not None else "imported"


def _ls_offsets(text: str, value: dict) -> tuple[int, int]:
    """UTF-16 offsets → code points; if ``value.text`` only matches as code points, keep them."""
    start, end = utf16_to_cp(text, value["start"]), utf16_to_cp(text, value["end"])
    quoted = value.get("text")
    if quoted is not None and text[start:end] != quoted and text[value["start"]:value["end"]] == quoted:
        return value["start"], value["end"]
    return start, end


# -- Argilla v2 -------------------------------------------------------------------------------------
def to_argilla(rows: list[dict], single: bool = False) -> list[dict]:
    """``single``: a LabelQuestion (the value is one label), else a MultiLabelQuestion (a list)."""
    records: dict[str, dict] = {}
    for r in rows:
        if r["status"] not in ("done",):
            continue
        rec = records.setdefault(r["doc_id"], {"id": r["doc_id"], "fields": {"text": r["text"]},
                                               "metadata": {"lang": r["lang"]}, "responses": {},
                                               "suggestions": {}, "status": "completed"})
        resp = rec["responses"]
        if r["labels"]:
            value = r["labels"][0] if single else r["labels"]
            resp.setdefault("label", []).append({"value": value, "user_id": r["user"]})
        if r["rating"] is not None:
            resp.setdefault("rating", []).append({"value": r["rating"], "user_id": r["user"]})
        if r["comment"]:
            resp.setdefault("comment", []).append({"value": r["comment"], "user_id": r["user"]})
        resp.setdefault("spans", []).append({"value": [{"start": s["start"], "end": s["end"], "label": s["label"]}
                                                       for s in r["spans"]], "user_id": r["user"]})
    return list(records.values())


def from_argilla(records: list[dict]) -> list[dict]:
    rows = []
    for rec in records:
        per_user: dict[str, dict] = {}
        for question, responses in (rec.get("responses") or {}).items():
            for resp in responses:
                row = per_user.setdefault(str(resp.get("user_id")), {
                    "doc_id": str(rec["id"]), "text": rec["fields"]["text"], "lang": (rec.get("metadata") or {}).get("lang"),
                    "user": str(resp.get("user_id")), "status": "done", "labels": [], "rating": None, "comment": "",
                    "spans": []})
                value = resp.get("value")
                if question == "label":
                    row["labels"] = value if isinstance(value, list) else [value]
                elif question == "rating":
                    row["rating"] = value
                elif question == "comment":
                    row["comment"] = value or ""
                elif question == "spans":
                    row["spans"] = [dict(s) for s in value or []]
        rows += per_user.values()
    return rows


# -- doccano ------------------------------------------------------------------------------------------
def to_doccano(rows: list[dict]) -> list[dict]:
    return [{"id": r["doc_id"], "text": r["text"], "entities": [[s["start"], s["end"], s["label"]] for s in r["spans"]],
             "cats": r["labels"], "rating": r["rating"], "comment": r["comment"], "user": r["user"],
             "meta": {"lang": r["lang"]}} for r in rows if r["status"] == "done"]


def from_doccano(lines: list[dict]) -> list[dict]:
    rows = []
    for line in lines:
        entities = line.get("entities", line.get("label", []))
        cats = line.get("cats", [])
        if entities and isinstance(entities[0], str):  # a text-classification export: label = classes
            cats, entities = entities, []
        rows.append({"doc_id": str(line["id"]), "text": line["text"], "lang": (line.get("meta") or {}).get("lang"),
                     "user": str(line.get("user") or "imported"), "status": "done", "labels": list(cats),
                     "rating": line.get("rating"), "comment": line.get("comment") or "",
                     "spans": [_doccano_span(e) for e in entities]})
    return rows


def _doccano_span(entity: Any) -> dict[str, Any]:
    """A doccano entity: ``[start, end, label]`` (sequence labelling export) or
    ``{"id", "label", "start_offset", "end_offset"}`` (the "JSONL (relation)" export)."""
    if isinstance(entity, dict):
        return {"start": entity["start_offset"], "end": entity["end_offset"], "label": entity["label"]}
    if not isinstance(entity, (list, tuple)) or len(entity) != 3:
        raise ValueError("a doccano entity is [start, end, label] or {start_offset, end_offset, label}")
    start, end, label = entity
    return {"start": start, "end": end, "label": label}


# -- entry points -------------------------------------------------------------------------------------
def export_project(db: Session, project: Project, fmt: str) -> bytes:
    """The project's annotations in ``fmt`` (one of FORMATS) as bytes."""
    rows = project_rows(db, project)
    if fmt == "labelstudio":
        return _json(to_labelstudio(rows))
    if fmt == "argilla":
        return _json(to_argilla(rows, single=project.schema.get("classification") == "single"))
    if fmt == "doccano":
        return _jsonl(to_doccano(rows))
    if fmt == "jsonl":
        return _jsonl(rows)
    if fmt == "parquet":
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows, schema=ROW_SCHEMA), buf, compression="zstd")
        return buf.getvalue()
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def import_project(db: Session, project: Project, fmt: str, data: bytes) -> dict[str, int]:
    """Import annotations in ``fmt`` into ``project``; returns counts. Bad input raises ValueError."""
    try:
        if fmt == "labelstudio":
            rows = from_labelstudio(json.loads(data))
        elif fmt == "argilla":
            rows = from_argilla(json.loads(data))
        elif fmt == "doccano":
            rows = from_doccano(_read_jsonl(data))
        elif fmt == "jsonl":
            rows = _read_jsonl(data)
        elif fmt == "parquet":
            rows = pq.read_table(io.BytesIO(data)).to_pylist()
        else:
            raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise TypeError("rows")
        return load_rows(db, project, rows)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a valid {fmt} file: bad JSON at line {exc.lineno} column {exc.colno}") from exc
    except UnicodeDecodeError as exc:
        raise ValueError(f"not a valid {fmt} file: not UTF-8 at byte {exc.start}") from exc
    except (KeyError, TypeError, AttributeError, RecursionError, pa.ArrowInvalid) as exc:
        # the Python message ("too many values to unpack", …) says nothing to the user
        raise ValueError(f"not a valid {fmt} file: a row lacks a field or has one of the wrong type "
                         f"(see docs/annotate.md for the expected layout)") from exc


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def _read_jsonl(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
