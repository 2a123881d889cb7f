"""Export and import of annotations in other tools' formats.

Offset units, checked against the real tools (``tests/test_annotate_interop.py`` starts them):

* ``labelstudio`` – Label Studio task JSON (tested with Label Studio 1.23.2). ``value.start/end`` of
  ``labels`` results are **code points** (Label Studio stores and highlights them so, emoji and CJK
  Extension B included). On import the offsets are taken as they are and ``value.text`` only
  confirms them: a mismatch is an error, never a silent shift. ``completed_by`` is written as
  ``{"email": …}`` (Label Studio refuses a bare name) and read back through a user mapping.
* ``argilla`` – Argilla v2 records (``fields``/``metadata``/``responses``); span responses are
  Python string offsets = **code points**.
* ``doccano`` – doccano's sequence-labelling JSONL as its importer takes it by default (tested with
  doccano 1.8.4): one line per document, ``text``, ``label`` = ``[[start, end, label], …]`` (every
  annotator's spans) and the metadata ``doc_id``/``lang`` (never ``null``: doccano aborts the whole
  file on a line whose metadata holds one). Projects without span labels write their classes as
  ``label``. **Code points**.
* ``jsonl`` / ``parquet`` – khlang's own flat rows (one per document and annotator, plus
  ``status == "gold"`` rows for adjudicated labels): **code points**.

Skipped tasks travel in Label Studio (``was_cancelled``) and khlang formats only; gold labels
travel in Label Studio (``ground_truth``) and khlang formats.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any, Callable, Iterable

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Annotation, Doc, Gold, Project, User
from .projects import add_documents, save_answer, set_gold

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


def load_rows(db: Session, project: Project, rows: Iterable[dict[str, Any]], create_users: bool = True) -> dict[str, Any]:
    """Store rows (the common form) into a project.

    A row's document is the project's document with that ``doc_id`` and text, else the one document
    with the same text (another tool's own ids never duplicate a document), else a new document.
    Unknown users are created without a password (they cannot log in until an admin sets one) and
    listed in ``users_created``; with ``create_users=False`` an unknown user is an error."""
    rows = list(rows)
    docs = {d.doc_id: d for d in db.scalars(select(Doc).where(Doc.project_id == project.id))}
    by_text: dict[str, list[Doc]] = {}
    for d in docs.values():
        by_text.setdefault(d.text, []).append(d)
    for r in rows:
        r["doc_id"] = _match_doc(r, docs, by_text)
    add_documents(db, project, [{"id": r["doc_id"], "text": r["text"], "lang": r.get("lang")} for r in rows
                                if r["doc_id"] not in docs])
    docs = {d.doc_id: d for d in db.scalars(select(Doc).where(Doc.project_id == project.id))}
    counts: dict[str, Any] = {"annotations": 0, "gold": 0, "users_created": []}
    for r in rows:
        doc = docs[r["doc_id"]]
        if doc.text != r["text"]:
            raise ValueError(f"document {r['doc_id']!r}: text differs from the project's copy")
        user = _user(db, r.get("user") or "imported", create_users, counts["users_created"])
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


def _match_doc(row: dict[str, Any], docs: dict[str, Doc], by_text: dict[str, list[Doc]]) -> str:
    doc_id, text = str(row["doc_id"]), row["text"]
    if not isinstance(text, str):
        raise TypeError("text")
    if doc_id in docs and docs[doc_id].text == text:
        return doc_id
    same = by_text.get(text, [])
    if len(same) == 1:
        return same[0].doc_id
    return doc_id


def _user(db: Session, username: str, create: bool, created: list[str]) -> User:
    from .auth import create_user

    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        if not create:
            raise ValueError(f"annotator {username!r} is not a khlang user: create it first or map it to one "
                             f"(users=…, see docs/annotate.md)")
        user = create_user(db, username, None)
        created.append(username)
    return user


# -- Label Studio ---------------------------------------------------------------------------------
#: khlang has no e-mail addresses; Label Studio knows its members by e-mail only
EMAIL_DOMAIN = "khlang.invalid"


def ls_email(username: str, emails: dict[str, str] | None = None) -> str:
    """The Label Studio e-mail of a khlang user: from ``emails``, the name itself when it is an
    address, else ``<name>@khlang.invalid`` (create that Label Studio user, see docs/annotate.md)."""
    if emails and username in emails:
        return emails[username]
    return username if "@" in username else f"{username}@{EMAIL_DOMAIN}"


def to_labelstudio(rows: list[dict], emails: dict[str, str] | None = None) -> list[dict]:
    tasks: dict[str, dict] = {}
    for r in rows:
        task = tasks.setdefault(r["doc_id"], {"data": {"text": r["text"], "doc_id": r["doc_id"],
                                                       "lang": r["lang"] or ""}, "annotations": []})
        result = []
        if r["labels"]:
            result.append({"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": r["labels"]}})
        if r["rating"] is not None:
            result.append({"from_name": "rating", "to_name": "text", "type": "rating", "value": {"rating": r["rating"]}})
        if r["comment"]:
            result.append({"from_name": "comment", "to_name": "text", "type": "textarea", "value": {"text": [r["comment"]]}})
        for i, s in enumerate(r["spans"]):
            result.append({"id": f"s{i}", "from_name": "spans", "to_name": "text", "type": "labels",
                           "value": {"start": s["start"], "end": s["end"], "text": r["text"][s["start"]:s["end"]],
                                     "labels": [s["label"]]}})
        task["annotations"].append({"completed_by": {"email": ls_email(r["user"], emails)}, "result": result,
                                    "was_cancelled": r["status"] == "skipped", "ground_truth": r["status"] == "gold"})
    return list(tasks.values())


def from_labelstudio(tasks: list[dict], user_of: Callable[[Any], str]) -> list[dict]:
    """Rows from a Label Studio JSON export; ``user_of`` turns ``completed_by`` into a khlang user."""
    rows = []
    for t in tasks:
        data = t["data"]
        text = data["text"]
        doc_id = str(data.get("doc_id") or t.get("id"))
        for ann in t.get("annotations") or []:
            row = {"doc_id": doc_id, "text": text, "lang": data.get("lang") or None,
                   "user": user_of(ann.get("completed_by")), "labels": [], "rating": None, "comment": "", "spans": [],
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
                    start, end = _ls_offsets(text, v, doc_id)
                    row["spans"] += [{"start": start, "end": end, "label": lab} for lab in v.get("labels", [])]
            rows.append(row)
    return rows


def _ls_offsets(text: str, value: dict, doc_id: str) -> tuple[int, int]:
    """Code-point offsets, confirmed by ``value.text`` when the file has it."""
    start, end = value["start"], value["end"]
    if not isinstance(start, int) or not isinstance(end, int):
        raise TypeError("offsets")
    quoted = value.get("text")
    if quoted is not None and text[start:end] != quoted:
        raise ValueError(f"task {doc_id!r}: span [{start}, {end}) covers {text[start:end]!r} but its value.text is "
                         f"{quoted!r}; Label Studio offsets must be code points (khlang exports older than this "
                         f"check wrote UTF-16 units: export them again)")
    return start, end


def ls_user_resolver(db: Session, users: Any = None) -> Callable[[Any], str]:
    """``completed_by`` (a Label Studio user id, ``{"email": …}`` or ``{"id", "email"}``) → a khlang
    username. ``users`` is Label Studio's own user list (``GET /api/users/``: ``[{"id", "email"}, …]``)
    or a mapping ``{"<id or e-mail>": "<khlang user>"}``. An e-mail maps to the khlang user of that
    name or, for ``<name>@khlang.invalid``, to ``<name>``. Anything unmapped is an error: Label Studio
    ids are never turned into new khlang users."""
    known = set(db.scalars(select(User.username)))

    def by_email(email: Any) -> str | None:
        if not isinstance(email, str):
            return None
        if email in known:
            return email
        name, _, domain = email.rpartition("@")
        return name if domain == EMAIL_DOMAIN and name in known else None

    mapping: dict[str, str] = {}
    if isinstance(users, list):
        for u in users:
            name = by_email(u.get("email")) if isinstance(u, dict) else None
            if name:
                mapping[str(u.get("id"))] = name
    elif isinstance(users, dict):
        mapping = {str(k): str(v) for k, v in users.items()}
    elif users is not None:
        raise ValueError("users must be Label Studio's user list or an object {id or e-mail: khlang user}")

    def user_of(completed_by: Any) -> str:
        if isinstance(completed_by, dict):
            keys, email = [completed_by.get("id"), completed_by.get("email")], completed_by.get("email")
        else:
            keys, email = [completed_by], completed_by
        for key in keys:
            if key is not None and str(key) in mapping:
                return mapping[str(key)]
        name = by_email(email)
        if name is None:
            raise ValueError(f"Label Studio annotator {completed_by!r} matches no khlang user: pass Label Studio's "
                             f"user list or a users mapping (see docs/annotate.md)")
        return name

    return user_of


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
def to_doccano(rows: list[dict], schema: dict[str, Any]) -> list[dict]:
    """One line per document with every annotator's spans (doccano's sequence labelling), or their
    classes when the project has no span labels (text classification). Every line has the same keys
    and no ``null``: doccano reads the file as a table and rejects the metadata of a line otherwise."""
    spans = bool(schema.get("span_labels"))
    lines: dict[str, dict] = {}
    for r in rows:
        if r["status"] != "done":
            continue
        line = lines.setdefault(r["doc_id"], {"text": r["text"], "label": [], "doc_id": r["doc_id"],
                                              "lang": r["lang"] or ""})
        new = [[s["start"], s["end"], s["label"]] for s in r["spans"]] if spans else list(r["labels"])
        line["label"] += [x for x in new if x not in line["label"]]
    for line in lines.values():
        line["label"].sort()
    return list(lines.values())


def from_doccano(lines: list[dict], default_user: str) -> list[dict]:
    """Rows from a doccano export (sequence labelling ``label``/``entities``, text classification
    ``label``/``cats``, the relation export's entity objects). doccano's export names no annotator:
    the lines are ``default_user``'s unless they carry a ``user``. Unlabelled lines are left out."""
    rows = []
    for line in lines:
        entities = line.get("label", line.get("entities", []))
        cats = line.get("cats", [])
        if entities and all(isinstance(e, str) for e in entities):  # a text-classification export: label = classes
            cats, entities = entities, []
        meta = line.get("meta") if isinstance(line.get("meta"), dict) else {}
        doc_id = line.get("doc_id") or meta.get("doc_id") or line["id"]
        if not isinstance(line["text"], str):
            raise TypeError("text")
        if not entities and not cats:
            continue
        rows.append({"doc_id": str(doc_id), "text": line["text"], "lang": line.get("lang") or meta.get("lang") or None,
                     "user": str(line.get("user") or default_user), "status": "done", "labels": list(cats),
                     "rating": line.get("rating"), "comment": line.get("comment") or "",
                     "spans": [_doccano_span(e) for e in entities]})
    return rows


def _doccano_files(data: bytes) -> list[tuple[str, list[dict]]]:
    """doccano's download is a zip with one ``<doccano user>.jsonl`` per project member (or
    ``all.jsonl`` in a collaborative project); a bare JSONL file is read as one unnamed file."""
    if not data.startswith(b"PK"):
        return [("", _read_jsonl(data))]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [(name.rsplit("/", 1)[-1][: -len(".jsonl")], _read_jsonl(z.read(name)))
                    for name in sorted(z.namelist()) if name.endswith(".jsonl")]
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a valid doccano file: a broken zip ({exc})") from exc


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
def export_project(db: Session, project: Project, fmt: str, users: dict[str, str] | None = None) -> bytes:
    """The project's annotations in ``fmt`` (one of FORMATS) as bytes; ``users`` maps khlang users
    to Label Studio e-mails (``labelstudio`` only)."""
    rows = project_rows(db, project)
    if fmt == "labelstudio":
        return _json(to_labelstudio(rows, users))
    if fmt == "argilla":
        return _json(to_argilla(rows, single=project.schema.get("classification") == "single"))
    if fmt == "doccano":
        return _jsonl(to_doccano(rows, project.schema))
    if fmt == "jsonl":
        return _jsonl(rows)
    if fmt == "parquet":
        buf = io.BytesIO()
        pq.write_table(pa.Table.from_pylist(rows, schema=ROW_SCHEMA), buf, compression="zstd")
        return buf.getvalue()
    raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


def import_project(db: Session, project: Project, fmt: str, data: bytes, users: Any = None,
                   default_user: str = "imported") -> dict[str, Any]:
    """Import annotations in ``fmt`` into ``project``; returns counts. Bad input raises ValueError.

    ``labelstudio``: ``data`` is Label Studio's JSON export, or ``{"tasks": export, "users": …}``;
    ``users`` (or the file's) maps its user ids to khlang users (see :func:`ls_user_resolver`).
    ``doccano``: a JSONL file or doccano's zip download; lines without a ``user`` are
    ``users[<doccano user>]``'s (the zip's file names) or else ``default_user``'s."""
    try:
        create_users = True
        if fmt == "labelstudio":
            tasks = json.loads(data)
            if isinstance(tasks, dict):
                users = users if users is not None else tasks.get("users")
                tasks = tasks["tasks"]
            rows = from_labelstudio(tasks, ls_user_resolver(db, users))
            create_users = False
        elif fmt == "argilla":
            rows = from_argilla(json.loads(data))
        elif fmt == "doccano":
            rows = []
            for name, lines in _doccano_files(data):
                rows += from_doccano(lines, (users or {}).get(name, default_user))
        elif fmt == "jsonl":
            rows = _read_jsonl(data)
        elif fmt == "parquet":
            rows = pq.read_table(io.BytesIO(data)).to_pylist()
        else:
            raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise TypeError("rows")
        return load_rows(db, project, rows, create_users=create_users)
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
