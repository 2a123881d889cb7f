"""Projects: documents sampled from a corpus query, handed out to K annotators each, answers
saved (one per annotator and document), and gold labels set by reviewers."""

from __future__ import annotations

import functools
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from datetime import timedelta

from sqlalchemy import (DateTime, Integer, and_, bindparam, case, delete, exists, func, literal, literal_column, or_, select, text,
                        union_all, update)
from sqlalchemy.orm import Session, aliased

from .db import Annotation, Doc, Gold, Project, Slot, Suggestion, User, now
from .schema import check_schema, clean_answer


# -- sampling a corpus ----------------------------------------------------------------------------
def sample_corpus(corpus_path: str | Path, langs: list[str] | None = None, min_quality: float | None = None,
                  max_quality: float | None = None, n: int | None = None, seed: int = 0,
                  stratify: bool = False) -> list[dict[str, Any]]:
    """Documents of a corpus matching the query: language in ``langs``, quality score
    (``annotations.quality.score``) in the range, then a seeded random sample of ``n`` (split
    over languages in proportion to their size when ``stratify``). Order is reproducible."""
    from ..store import Corpus

    where, params = [], []
    if langs:
        where.append(f"lang IN ({', '.join('?' for _ in langs)})")
        params += list(langs)
    score = "TRY_CAST(json_extract_string(annotations, '$.quality.score') AS DOUBLE)"
    if min_quality is not None:
        where.append(f"{score} >= ?")
        params.append(float(min_quality))
    if max_quality is not None:
        where.append(f"{score} <= ?")
        params.append(float(max_quality))
    clause = (" WHERE " + " AND ".join(where)) if where else ""
    with Corpus(corpus_path, read_only=True) as corpus:
        ids = corpus.con.execute(f"SELECT id, coalesce(lang, '') FROM documents{clause} ORDER BY id", params).fetchall()
        chosen = _sample(ids, n, seed, stratify)
        rows = []
        for start in range(0, len(chosen), 500):
            batch = chosen[start:start + 500]
            rel = corpus.con.execute(
                f"SELECT id, text, lang, title, url, source_uri, annotations FROM documents WHERE id IN "
                f"({', '.join('?' for _ in batch)})", batch)
            cols = [d[0] for d in rel.description]
            rows += [dict(zip(cols, r)) for r in rel.fetchall()]
    order = {doc_id: i for i, doc_id in enumerate(chosen)}
    return sorted(rows, key=lambda r: order[r["id"]])


def _sample(ids: list[tuple[str, str]], n: int | None, seed: int, stratify: bool) -> list[str]:
    rng = random.Random(seed)
    if n is None or n >= len(ids):
        picked = [i for i, _ in ids]
        rng.shuffle(picked)
        return picked
    if not stratify:
        return [i for i, _ in rng.sample(ids, n)]
    by_lang: dict[str, list[str]] = defaultdict(list)
    for doc_id, lang in ids:
        by_lang[lang].append(doc_id)
    quotas = {lang: n * len(v) / len(ids) for lang, v in sorted(by_lang.items())}
    counts = {lang: int(q) for lang, q in quotas.items()}
    for lang in sorted(quotas, key=lambda k: counts[k] - quotas[k])[: n - sum(counts.values())]:
        counts[lang] += 1  # largest remainders
    picked = [d for lang in sorted(by_lang) for d in rng.sample(by_lang[lang], counts[lang])]
    rng.shuffle(picked)
    return picked


# -- projects ---------------------------------------------------------------------------------------
def create_project(db: Session, name: str, schema: dict[str, Any], docs: list[dict[str, Any]],
                   overlap: int = 1, description: str = "", source: dict | None = None) -> Project:
    """Create a project and copy its documents (dicts with id, text, lang, …) into the database."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValueError("project name must be 1-200 characters")
    if overlap < 1:
        raise ValueError("overlap must be at least 1")
    if db.scalar(select(Project).where(Project.name == name)):
        raise ValueError(f"project {name!r} exists")
    project = Project(name=name, schema=check_schema(dict(schema)), overlap=overlap, description=description or "",
                      source=source or {})
    db.add(project)
    db.flush()
    add_documents(db, project, docs)
    return project


def add_documents(db: Session, project: Project, docs: list[dict[str, Any]]) -> int:
    """Append documents not in the project yet; returns how many were added."""
    have = set(db.scalars(select(Doc.doc_id).where(Doc.project_id == project.id)))
    position = db.scalar(select(func.coalesce(func.max(Doc.position), -1)).where(Doc.project_id == project.id)) + 1
    added = 0
    for d in docs:
        if not isinstance(d.get("text"), str) or not d.get("id"):
            raise ValueError("every document needs an id and a text")
        if str(d["id"]) in have:
            continue
        meta = {k: v for k, v in d.items() if k not in ("id", "text", "lang", "annotations") and v is not None}
        doc = Doc(project_id=project.id, doc_id=str(d["id"]), position=position, text=d["text"],
                  lang=d.get("lang"), meta=json.loads(json.dumps(meta, default=str)), open_places=project.overlap)
        db.add(doc)
        suggested = _pipeline_suggestion(project.schema, d)
        if suggested is not None:
            db.flush()
            db.add(Suggestion(document_id=doc.id, source="pipeline", answer=suggested))
        have.add(str(d["id"]))
        position += 1
        added += 1
    db.flush()
    if added and db.get_bind().dialect.name == "postgresql":
        # statistics now, not when autovacuum gets round to it (a minute or more): without them the
        # planner takes a project of thousands of documents for a few dozen and walks all of them
        # on every /next. ANALYZE counts the rows this transaction inserted; readers and writers
        # do not wait for it.
        db.execute(text("ANALYZE documents"))
    return added


def _pipeline_suggestion(schema: dict[str, Any], d: dict[str, Any]) -> dict[str, Any] | None:
    """What the corpus's stages found (``annotations`` of a sampled document) as a suggestion."""
    from .suggestions import from_pipeline

    annotations = d.get("annotations")
    if isinstance(annotations, str):
        try:
            annotations = json.loads(annotations)
        except ValueError:
            return None
    return from_pipeline(schema, d["text"], annotations) if isinstance(annotations, dict) else None


RESERVE_MINUTES = 30


class ProjectArchived(Exception):
    """A save into an archived project; answered with 409."""


class OverlapFull(Exception):
    """The document already has ``overlap`` annotators (answered or holding it); answered with 409."""


# The statements of the two routes every annotator calls in a loop (next task, save an answer) are
# built once, with bound parameters: building a SQLAlchemy statement costs more CPU than running it.
_T = bindparam("t", type_=DateTime(timezone=True))
_UID, _PID, _DID = bindparam("uid", type_=Integer), bindparam("pid", type_=Integer), bindparam("did", type_=Integer)


def _live(t):
    return or_(Slot.expires_at.is_(None), Slot.expires_at > t)


# written into the SQL, not bound: only a literal lets PostgreSQL (generic plans) and SQLite prove
# that a query's ``open_places > 0`` is the predicate of the partial index ``ix_documents_open``
_ZERO, _SENT_BACK = literal_column("0"), literal_column("'sent_back'")  # and ix_annotations_sent_back's
# PostgreSQL plans a prepared statement once (a generic plan) only when that plan looks no worse
# than planning it each time: with ``LIMIT $1`` it expects many rows and so plans every call afresh
# (≈0.7 ms, ten times the query's run); ``LIMIT 1`` written out lets it keep the plan
_ONE = literal_column("1")
# a document this user has not answered and holds no live place in (answered-then-skipped counts:
# a skip is an answer); correlated, so it costs two index probes per document looked at
_UNSEEN = and_(~exists().where(Annotation.document_id == Doc.id, Annotation.user_id == _UID),
               ~exists().where(Slot.document_id == Doc.id, Slot.user_id == _UID, _live(_T)))
# the user's own open task, if any: an answer a reviewer sent back (first), else a live reservation
# not answered yet; and else the document of the oldest expired reservation in the database (kind 2,
# rare: reservations last half an hour), which the caller gives back — an expired reservation still
# counts in ``open_places`` until then. That one comes from the index on ``expires_at`` alone (an
# InitPlan): a plan that walked the project's documents to find expired places would be O(project).
# One statement for all three, as most calls find none.
_OLDEST_EXPIRED = (select(Slot.document_id).where(Slot.expires_at <= _T).order_by(Slot.expires_at)
                   .limit(1).scalar_subquery())
_own = union_all(
    select(Doc, literal(0).label("kind")).join(Annotation, Annotation.document_id == Doc.id)
    .where(Annotation.user_id == _UID, Annotation.project_id == _PID, Annotation.review == _SENT_BACK),
    select(Doc, literal(1).label("kind")).join(Slot, Slot.document_id == Doc.id)
    .where(Slot.user_id == _UID, Slot.expires_at > _T, Doc.project_id == _PID,
           ~exists().where(Annotation.document_id == Doc.id, Annotation.user_id == _UID)),
    select(Doc, literal(2).label("kind")).where(Doc.id == _OLDEST_EXPIRED)).subquery()
_OWN_DOC = aliased(Doc, _own)
_OWN = select(_OWN_DOC, _own.c.kind).order_by(_own.c.kind, _own.c.position).limit(1)
_RENEW = (update(Slot).where(Slot.document_id == _DID, Slot.user_id == _UID)
          .values(expires_at=bindparam("until", type_=DateTime(timezone=True))))
# the first document with a place left that this user has not seen: the first entries of the
# partial index ``ix_documents_open`` (documents being worked on, then untouched ones), not a count
# of every place of the project
_FREE = (select(Doc).where(Doc.project_id == _PID, Doc.open_places > _ZERO, _UNSEEN).order_by(Doc.position)
         .limit(_ONE))
# PostgreSQL: lock the candidate and skip the ones other claimers hold right now, so that concurrent
# annotators spread over documents instead of queueing for one (SQLite ignores the clause: its
# write transaction already is the only claimer). A row changed since the statement began is
# checked again once locked, so a document whose last place was just taken is passed over.
_CLAIM = _FREE.with_for_update(of=Doc, key_share=True, skip_locked=True)
_CLAIM_WAITING = _FREE.with_for_update(of=Doc, key_share=True)
_DROP_EXPIRED = delete(Slot).where(Slot.document_id == _DID, Slot.expires_at.is_not(None), Slot.expires_at <= _T)
_GIVE_BACK = delete(Slot).where(Slot.document_id == _DID, Slot.user_id == _UID)
_REOPEN = update(Doc).where(Doc.id == _DID).values(open_places=Doc.open_places + bindparam("n", type_=Integer))
# Places in one document are taken and given back one transaction at a time: its row stays locked
# until the caller commits (PostgreSQL ``FOR NO KEY UPDATE``, which leaves the foreign-key checks of
# concurrent inserts alone; SQLite's write transaction already is the only writer, and ignores the
# clause). Every writer locks the document before its slots, so two never wait for each other.
_LOCK_DOC = select(Doc.id).where(Doc.id == _DID).with_for_update(key_share=True)
_LOCK_DOC_NOW = select(Doc.id).where(Doc.id == _DID).with_for_update(key_share=True, skip_locked=True)
_KEEP = (update(Slot).where(Slot.document_id == _DID, Slot.user_id == _UID).values(expires_at=None)
         .returning(Slot.taken_at))


def count_places(con, document_id: int | None = None) -> None:
    """Set ``open_places`` from the slots table: for every document (a database made before the
    column existed), or for one whose count turned out wrong."""
    places = (select(Project.overlap).where(Project.id == Doc.project_id).scalar_subquery()
              - select(func.count()).where(Slot.document_id == Doc.id).scalar_subquery())
    stmt = update(Doc).values(open_places=places).execution_options(synchronize_session=False)
    con.execute(stmt if document_id is None else stmt.where(Doc.id == document_id))


@functools.cache
def _upserts(dialect: str):
    """The ``INSERT … ON CONFLICT`` statements of the hot routes in ``dialect``, on the tables
    (Core: the ORM's bulk-insert machinery costs more than the statement), values as parameters:
    taking a place (a lost race returns no row instead of an error that would abort the
    transaction; on PostgreSQL the same statement takes one off the document's ``open_places``,
    on SQLite — no round trips there — a second one does), and writing an answer (a second save
    of the same task replaces the first; the time of the first finished answer stays, and an
    answer a reviewer sent back goes back into the review queue, comment kept)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    slots, answers, docs = Slot.__table__, Annotation.__table__, Doc.__table__
    take = (insert(slots).values({c: bindparam(c, type_=slots.c[c].type) for c in
                                  ("document_id", "slot", "user_id", "expires_at", "taken_at")})
            .on_conflict_do_nothing().returning(slots.c.document_id))
    if dialect == "postgresql":
        taken = take.cte("taken")
        take = (update(docs).where(docs.c.id == taken.c.document_id)
                .values(open_places=docs.c.open_places - 1).returning(docs.c.id))
    write = insert(answers)
    new, old = write.excluded, answers.c
    write = write.on_conflict_do_update(index_elements=[old.document_id, old.user_id], set_={
        "status": new.status, "labels": new.labels, "rating": new.rating, "comment": new.comment, "spans": new.spans,
        "updated_at": new.updated_at, "guidelines_version": new.guidelines_version,
        "seconds": func.coalesce(old.seconds, new.seconds),
        "review": case((old.review == "sent_back", ""), else_=old.review)})
    return take, write.returning(old.labels, old.rating, old.comment, old.spans, old.status, old.review, old.review_comment)


_TAKEN = update(Doc).where(Doc.id == _DID).values(open_places=Doc.open_places - 1)


def _drop_expired(db: Session, doc_id: int, t) -> int:
    """Give back the places of the document (whose row the caller has locked) whose reservation
    expired before ``t``; returns how many."""
    dropped = db.execute(_DROP_EXPIRED, {"did": doc_id, "t": t}).rowcount
    if dropped:
        db.execute(_REOPEN, {"did": doc_id, "n": dropped})
    return dropped


def _take_slot(db: Session, project: Project, doc: Doc, user: User, expires_at) -> bool:
    """Put ``user`` in a free place of the document (whose row the caller has locked); False when
    all are held. A place whose reservation expired is freed only when no other is left (that
    costs a statement). Places are numbered from 0 and mostly taken in order, so the first one
    tried is the one after those held as ``doc`` was read (a hint: any free number will do)."""
    t, doc_id, overlap = now(), doc.id, project.overlap
    dialect = db.get_bind().dialect.name
    take, _ = _upserts(dialect)
    first = min(max(overlap - (doc.open_places or 0), 0), overlap - 1)
    for attempt in range(2):
        if attempt and not _drop_expired(db, doc_id, t):
            return False
        for slot in (*range(first, overlap), *range(first)):
            row = {"document_id": doc_id, "slot": slot, "user_id": user.id, "expires_at": expires_at,
                   "taken_at": t if expires_at is not None else None}
            if db.execute(take, row).first() is not None:
                if dialect != "postgresql":
                    db.execute(_TAKEN, {"did": doc_id})
                return True
    return False


def next_document(db: Session, project: Project, user: User, reserve: bool = True) -> Doc | None:
    """The first document (by position) this user has not answered or skipped and that fewer than
    ``overlap`` annotators have answered or hold. With ``reserve`` the user gets a place in it
    (the caller commits at once); without, nothing is written (a peek, which does not see a place
    whose reservation expired until some annotator's next reserving call has given it back)."""
    if project.archived:
        return None
    t = now()
    params = {"uid": user.id, "pid": project.id, "t": t}
    mine, kind = db.execute(_OWN, params).first() or (None, None)
    if kind in (0, 1):
        if reserve and kind == 1:  # the user's reservation: renewed
            db.execute(_RENEW, {"did": mine.id, "uid": user.id, "until": t + timedelta(minutes=RESERVE_MINUTES)})
        return mine
    if not reserve:
        return db.scalar(_FREE, params)
    if kind == 2 and db.scalar(_LOCK_DOC_NOW, {"did": mine.id}) is not None:
        _drop_expired(db, mine.id, t)  # an expired reservation (any project's): its place is open again
    until = t + timedelta(minutes=RESERVE_MINUTES)
    for _attempt in range(8):  # each statement sees the places committed before it began
        doc = db.scalar(_CLAIM, params)
        if doc is None:
            # SKIP LOCKED means "none free this instant", not "none left": the last documents may be
            # locked by another annotator's claim right now. Ask once more, waiting for those locks.
            doc = db.scalar(_CLAIM_WAITING, params)
        if doc is None or _take_slot(db, project, doc, user, until):
            return doc
        count_places(db, doc.id)  # the count said a place was left and there was none: recount it
    return None


def previous_document(db: Session, project: Project, user: User, before: Doc | None) -> Doc | None:
    """The document this user answered just before ``before`` (or their latest one)."""
    q = (select(Doc).join(Annotation, Annotation.document_id == Doc.id)
         .where(Annotation.user_id == user.id, Doc.project_id == project.id))
    if before is not None:
        mine = db.scalar(select(Annotation).where(Annotation.document_id == before.id, Annotation.user_id == user.id))
        if mine is not None:
            q = q.where(Annotation.updated_at < mine.updated_at)
    return db.scalar(q.order_by(Annotation.updated_at.desc(), Annotation.id.desc()).limit(1))


def _keep_place(db: Session, project: Project, doc: Doc, user: User, enforce: bool):
    """A finished answer keeps its place in the document for good: the user's reservation, or a
    free place taken now. With none left, :class:`OverlapFull` (or, for imported answers that
    ``enforce`` nothing, the answer is stored beyond the overlap). Returns when the task was handed out."""
    ids = {"did": doc.id, "uid": user.id}
    kept = db.execute(_KEEP, ids).first()
    if kept is None:
        db.execute(_LOCK_DOC, ids)
        kept = db.execute(_KEEP, ids).first()  # the user's other tab took a place while this one waited for the lock
    if kept is None and not _take_slot(db, project, doc, user, None) and enforce:
        raise OverlapFull(f"document {doc.id} already has its {project.overlap} annotator(s)")
    return kept[0] if kept else None


def save_answer(db: Session, project: Project, doc: Doc, user: User, answer: dict[str, Any],
                status: str = "done", enforce: bool = True) -> dict[str, Any]:
    """Insert or replace this user's answer (validated; spans snapped to grapheme clusters); returns
    it as stored, like :func:`answer_dict`. A finished answer needs a place among the document's
    ``overlap`` annotators (see :func:`_keep_place`); a skip gives the user's place back. One
    ``INSERT … ON CONFLICT DO UPDATE`` writes it, so two tabs of one user saving at once both
    succeed (the later one wins). It bypasses the session's identity map: an ``Annotation`` of this
    user and document already loaded in ``db`` is stale afterwards."""
    if status not in ("done", "skipped"):
        raise ValueError("status must be done or skipped")
    if project.archived and enforce:
        raise ProjectArchived("the project is archived: answers are read-only")
    clean = clean_answer(project.schema, doc.text, answer) if status == "done" else \
        {"labels": [], "rating": None, "comment": "", "spans": []}
    taken_at = None
    if status == "done":
        taken_at = _keep_place(db, project, doc, user, enforce)
    else:  # the document first, then its places: the order every claimer keeps
        ids = {"did": doc.id, "uid": user.id}
        db.execute(_LOCK_DOC, ids)
        gone = db.execute(_GIVE_BACK, ids).rowcount
        if gone:
            db.execute(_REOPEN, {"did": doc.id, "n": gone})
    t = now()
    seconds = None
    if taken_at is not None:  # the first finished answer to a task handed out by /next
        taken = taken_at if taken_at.tzinfo else taken_at.replace(tzinfo=t.tzinfo)
        seconds = max(0.0, (t - taken).total_seconds())
    _, write = _upserts(db.get_bind().dialect.name)
    row = {"project_id": project.id, "document_id": doc.id, "user_id": user.id, "status": status,
           "labels": clean["labels"], "rating": clean["rating"], "comment": clean["comment"], "spans": clean["spans"],
           "updated_at": t, "seconds": seconds, "guidelines_version": project.guidelines_version or None,
           "review": "", "review_comment": ""}
    return answer_dict(db.execute(write, row).one())


def set_gold(db: Session, project: Project, doc: Doc, reviewer: User, answer: dict[str, Any]) -> Gold:
    clean = clean_answer(project.schema, doc.text, answer)
    gold = db.get(Gold, doc.id) or Gold(document_id=doc.id, project_id=project.id, reviewer_id=reviewer.id)
    gold.reviewer_id, gold.updated_at = reviewer.id, now()
    gold.labels, gold.rating, gold.comment, gold.spans = clean["labels"], clean["rating"], clean["comment"], clean["spans"]
    db.add(gold)
    db.flush()
    return gold


def answer_dict(a: Annotation | Gold | None) -> dict[str, Any] | None:
    """An answer or gold label as JSON (also a row with the answer's columns)."""
    if a is None:
        return None
    out = {"labels": a.labels, "rating": a.rating, "comment": a.comment, "spans": a.spans}
    if not isinstance(a, Gold):
        out["status"] = a.status
        if a.review or a.review_comment:
            out["review"], out["review_comment"] = a.review, a.review_comment
    return out


def progress(db: Session, project: Project) -> dict[str, int]:
    total = db.scalar(select(func.count()).select_from(Doc).where(Doc.project_id == project.id))
    done = db.scalar(select(func.count()).select_from(Annotation)
                     .where(Annotation.project_id == project.id, Annotation.status == "done"))
    complete = db.scalar(select(func.count()).select_from(
        select(Annotation.document_id).where(Annotation.project_id == project.id, Annotation.status == "done")
        .group_by(Annotation.document_id).having(func.count() >= project.overlap).subquery()))
    gold = db.scalar(select(func.count()).select_from(Gold).where(Gold.project_id == project.id))
    return {"documents": total, "annotations": done, "complete": complete, "gold": gold}


REVIEW_DECISIONS = {"accept": "accepted", "reject": "rejected", "send_back": "sent_back"}


def review_answer(db: Session, doc: Doc, username: str, decision: str, comment: str = "") -> Annotation:
    """A reviewer's decision on one annotator's finished answer to ``doc``."""
    if decision not in REVIEW_DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(REVIEW_DECISIONS)}")
    if not isinstance(comment, str) or len(comment) > 20_000:
        raise ValueError("comment must be a string of at most 20000 characters")
    if decision == "send_back" and not comment.strip():
        raise ValueError("say why the answer is sent back (comment)")
    ann = db.scalar(select(Annotation).join(User, User.id == Annotation.user_id)
                    .where(Annotation.document_id == doc.id, User.username == username, Annotation.status == "done"))
    if ann is None:
        raise LookupError(f"{username!r} has no finished answer to this document")
    ann.review = REVIEW_DECISIONS[decision]
    ann.review_comment = comment or ann.review_comment  # an empty comment keeps the earlier one
    db.flush()
    return ann


def to_review(db: Session, project: Project, limit: int = 50) -> list[dict[str, Any]]:
    """Finished answers no reviewer has decided on yet (resubmitted ones included), in task order."""
    rows = db.execute(select(Annotation, User.username, Doc).join(User, User.id == Annotation.user_id)
                      .join(Doc, Doc.id == Annotation.document_id)
                      .where(Annotation.project_id == project.id, Annotation.status == "done", Annotation.review == "")
                      .order_by(Doc.position, User.username).limit(limit)).all()
    return [{"document": d, "user": u, "answer": answer_dict(a)} for a, u, d in rows]


def returned_to(db: Session, project: Project, user: User) -> list[dict[str, Any]]:
    """The user's answers a reviewer sent back, with the reviewer's comment."""
    rows = db.execute(select(Annotation, Doc.doc_id).join(Doc, Doc.id == Annotation.document_id)
                      .where(Annotation.project_id == project.id, Annotation.user_id == user.id,
                             Annotation.review == "sent_back").order_by(Doc.position)).all()
    return [{"document_id": a.document_id, "doc_id": doc_id, "comment": a.review_comment} for a, doc_id in rows]


def annotator_progress(db: Session, project: Project) -> list[dict[str, Any]]:
    """Per annotator: answers, skips, open reservations, median seconds per task (from handing out
    to the first answer) and throughput (answers per hour between their first and last answer)."""
    from statistics import median

    rows = db.execute(select(User.username, Annotation.status, Annotation.seconds, Annotation.updated_at)
                      .join(User, User.id == Annotation.user_id).where(Annotation.project_id == project.id)).all()
    held = dict(db.execute(select(User.username, func.count()).select_from(Slot)
                           .join(Doc, Doc.id == Slot.document_id).join(User, User.id == Slot.user_id)
                           .where(Doc.project_id == project.id, Slot.expires_at > now()).group_by(User.username)).all())
    by_user: dict[str, list] = defaultdict(list)
    for username, status, seconds, updated in rows:
        by_user[username].append((status, seconds, updated))
    out = []
    for username in sorted(set(by_user) | set(held)):
        answers = by_user.get(username, [])
        done = [a for a in answers if a[0] == "done"]
        times = [s for _, s, _ in done if s is not None]
        stamps = sorted(u for _, _, u in done)
        hours = (stamps[-1] - stamps[0]).total_seconds() / 3600 if len(stamps) >= 2 else 0.0
        out.append({"user": username, "done": len(done), "skipped": len(answers) - len(done),
                    "reserved": held.get(username, 0), "median_seconds": median(times) if times else None,
                    "per_hour": round((len(stamps) - 1) / hours, 1) if hours > 0 else None})
    return out


def conflicts(db: Session, project: Project) -> list[dict[str, Any]]:
    """Documents with ≥2 finished answers that disagree (labels, rating or spans), with the answers."""
    rows = db.execute(select(Annotation, User.username).join(User, User.id == Annotation.user_id)
                      .where(Annotation.project_id == project.id, Annotation.status == "done")
                      .order_by(Annotation.document_id, User.username)).all()
    by_doc: dict[int, list] = defaultdict(list)
    for ann, username in rows:
        by_doc[ann.document_id].append((username, ann))
    out = []
    for doc_id, answers in by_doc.items():
        keys = {json.dumps([sorted(a.labels), a.rating, a.spans], sort_keys=True) for _, a in answers}
        if len(answers) >= 2 and len(keys) > 1:
            out.append({"document_id": doc_id, "answers": {u: answer_dict(a) for u, a in answers}})
    return out
