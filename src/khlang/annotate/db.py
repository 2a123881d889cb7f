"""Tables of the annotation database (SQLAlchemy 2): the same code runs on the embedded SQLite
file and on PostgreSQL (``postgresql+psycopg://…``) for many concurrent annotators."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, create_engine,
                        event, false, inspect, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

ROLES = ("annotator", "reviewer", "admin")  # each role may do what the roles before it may


def now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    #: a disabled user cannot log in and has no sessions or tokens; their answers are kept
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ApiToken(Base):
    """A bearer token for scripts; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class LoginSession(Base):
    """A browser session: the cookie holds a random id whose SHA-256 is the key; ``csrf`` is the
    token every state-changing request of that session must echo."""

    __tablename__ = "sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    #: {"classification": "single"|"multi"|null, "labels": [...], "rating": {"min", "max"}|null,
    #:  "comment": bool, "span_labels": [...]} — see :mod:`khlang.annotate.schema`
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    overlap: Mapped[int] = mapped_column(Integer, default=1)  # annotators per document
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # corpus + query it came from
    guidelines: Mapped[str] = mapped_column(Text, default="", server_default="")  # Markdown
    guidelines_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: an archived project is read-only and hidden from annotators (reviewers and admins still see it)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Member(Base):
    """Who may annotate a project. A project without members is open to every annotator; with
    members, other annotators neither see it nor get its tasks (reviewers and admins see all)."""

    __tablename__ = "members"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class Doc(Base):
    """A document copied into the project (the server works without the corpus afterwards)."""

    __tablename__ = "documents"
    #: tasks are handed out in position order, from this partial index of the documents with a place
    #: left: the next free document is its first entry not already this annotator's, however far
    #: the project has got. (No full index on (project_id, position): planners took it for this
    #: one while their statistics still said every document was open, then walked the full ones.)
    __table_args__ = (UniqueConstraint("project_id", "doc_id"),
                      Index("ix_documents_open", "project_id", "position", postgresql_where=text("open_places > 0"),
                            sqlite_where=text("open_places > 0")))
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    doc_id: Mapped[str] = mapped_column(String(200))  # the corpus id
    position: Mapped[int] = mapped_column(Integer)  # order in which tasks are handed out
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(20), nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: places nobody holds: the project's overlap minus this document's slots (an expired reservation
    #: counts until it is dropped). Changed only by :mod:`.projects`, in the transaction that takes or
    #: gives back a place and under the document's row lock, so it always matches the slots table
    open_places: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Annotation(Base):
    """One annotator's answer for one document (``status``: done or skipped)."""

    __tablename__ = "annotations"
    #: an annotator's answers sent back to them, looked up on every /next: a partial index holds only
    #: those, so the lookup does not read all of the annotator's answers
    __table_args__ = (UniqueConstraint("document_id", "user_id"),
                      Index("ix_annotations_sent_back", "user_id", postgresql_where=text("review = 'sent_back'"),
                            sqlite_where=text("review = 'sent_back'")))
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="done")
    labels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    spans: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"start", "end", "label"}] code points
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)
    #: seconds from handing out the task to the first finished answer (None: not handed out by /next)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: a reviewer's decision on this answer: "" (none yet), accepted, rejected or sent_back (the
    #: annotator gets the document again, with ``review_comment``; answering it again clears it)
    review: Mapped[str] = mapped_column(String(20), default="", server_default="")
    review_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: the project's guidelines version when this answer was last saved
    guidelines_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class GuidelineVersion(Base):
    """Every version of a project's guidelines, with the label schema in force, so an answer can be
    read against the instructions its annotator saw."""

    __tablename__ = "guideline_versions"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    markdown: Mapped[str] = mapped_column(Text)
    schema: Mapped[dict[str, Any]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Slot(Base):
    """One of the ``overlap`` places of a document, held by one annotator: reserved (``expires_at``
    set) when the task is handed out, kept for good (``expires_at`` NULL) once answered. The two
    unique keys make the overlap hold under any concurrency: a place is an INSERT that either wins
    or conflicts, and nobody holds two places of one document."""

    __tablename__ = "slots"
    #: an annotator's open reservation, looked up on every /next: the partial index holds only
    #: reservations (a kept place has no expiry), not every place the annotator ever took
    __table_args__ = (UniqueConstraint("document_id", "user_id"),
                      Index("ix_slots_reserved", "user_id", postgresql_where=text("expires_at IS NOT NULL"),
                            sqlite_where=text("expires_at IS NOT NULL")))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # handed out


class Suggestion(Base):
    """A proposed answer for a document from ``source`` (a pipeline stage or an imported file)."""

    __tablename__ = "suggestions"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"labels", "rating", "comment", "spans"}


class Gold(Base):
    """The adjudicated label of a document."""

    __tablename__ = "gold"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    labels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    spans: Mapped[list[Any]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)


def normalise_url(url: str) -> str:
    """A path is an SQLite file; ``postgresql://`` means psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """The engine and session factories of one annotation database; creates the tables.

    ``session()`` is for work that writes: on SQLite its transaction takes the write lock when it
    begins (``BEGIN IMMEDIATE``), so it waits its turn (busy timeout) instead of failing on a stale
    snapshot. ``reader()`` is for requests that only read: a deferred transaction that never
    blocks a writer (WAL). Every request runs in the thread pool, never on the event loop."""

    def __init__(self, url: str = "khlang-annotate.db") -> None:
        from .credentials import Credentials, forget_committed  # it needs the User table above

        self.url = normalise_url(url)
        if self.url.startswith("sqlite"):
            self.engine = create_engine(self.url, connect_args={"check_same_thread": False, "timeout": BUSY_SECONDS},
                                        pool_size=20, max_overflow=40)
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        else:
            # no ping before each checkout (a round trip per request): after a restart of PostgreSQL the
            # first request on a dead connection gets 503 "try again", and the pool starts afresh
            self.engine = create_engine(self.url, pool_size=20, max_overflow=40)
        fresh_slots = not inspect(self.engine).has_table(Slot.__tablename__)
        Base.metadata.create_all(self.engine)
        added = _add_columns(self.engine)
        for table in Base.metadata.sorted_tables:  # indexes added after a database was made
            for index in table.indexes:
                index.create(self.engine, checkfirst=True)
        with self.engine.begin() as con:  # and those dropped since
            for name in DROPPED_INDEXES:
                con.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        if fresh_slots:
            _backfill_slots(self.engine)
        if fresh_slots or ("documents", "open_places") in added:
            from .projects import count_places

            with self.engine.begin() as con:
                count_places(con)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        self.reader = sessionmaker(self.engine.execution_options(khlang_read_only=True), expire_on_commit=False)
        #: who the live API tokens and session cookies belong to, remembered for a few seconds in
        #: this process; a session that revokes a credential makes it forget on commit
        self.credentials = Credentials()
        event.listen(self.session, "after_commit", forget_committed(self.credentials))

    def drop_all(self) -> None:
        """Empty the database (tests, the load check): every table in it, also those an older
        khlang made that today's schema no longer has (their foreign keys would block the drop)."""
        from sqlalchemy import MetaData

        existing = MetaData()
        existing.reflect(self.engine)
        existing.drop_all(self.engine)
        Base.metadata.create_all(self.engine)


#: indexes an older khlang made that would now mislead the planner (see :class:`Doc`)
DROPPED_INDEXES = ("ix_documents_project_position",)
BUSY_SECONDS = 15  # how long an SQLite writer waits for the lock before "database is locked"


def _add_columns(engine) -> list[tuple[str, str]]:
    """Columns added after a database was made (``create_all`` only creates missing tables);
    returns those this call added."""
    added = {("users", "disabled"): "BOOLEAN NOT NULL DEFAULT false", ("annotations", "seconds"): "FLOAT",
             ("annotations", "review"): "VARCHAR(20) NOT NULL DEFAULT ''",
             ("annotations", "review_comment"): "TEXT NOT NULL DEFAULT ''",
             ("annotations", "guidelines_version"): "INTEGER",
             ("projects", "guidelines"): "TEXT NOT NULL DEFAULT ''",
             ("projects", "guidelines_version"): "INTEGER NOT NULL DEFAULT 0",
             ("projects", "archived"): "BOOLEAN NOT NULL DEFAULT false",
             ("documents", "open_places"): "INTEGER NOT NULL DEFAULT 0"}
    done = []
    for (table, column), kind in added.items():
        if column not in {c["name"] for c in inspect(engine).get_columns(table)}:
            with engine.begin() as con:
                con.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            done.append((table, column))
    return done


def _backfill_slots(engine) -> None:
    """A database made before slots existed: its finished answers hold their places."""
    from sqlalchemy import func, insert, select

    n = func.row_number().over(partition_by=Annotation.document_id, order_by=Annotation.id) - 1
    rows = select(Annotation.document_id, n, Annotation.user_id).where(Annotation.status == "done")
    with engine.begin() as con:
        con.execute(insert(Slot).from_select(["document_id", "slot", "user_id"], rows))


def _sqlite_pragmas(dbapi_con, _record) -> None:
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: a commit is appended to the log without an fsync (the log is synced at
    # checkpoints). A crash of the server loses nothing and cannot corrupt the file; a power cut may
    # lose the last commits. Writers queue for one lock, so an fsync per commit (~5-15 ms) would cap
    # the whole server at a few dozen saves per second.
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cur.close()
    dbapi_con.isolation_level = None  # SQLAlchemy, not the driver, begins transactions (see below)


def _sqlite_begin(conn) -> None:
    """Writers take the write lock when their transaction starts: a deferred transaction that read
    first and writes later fails at once with "database is locked" when another writer committed
    between (WAL snapshot conflict; busy_timeout does not help). Readers begin deferred and never
    wait for a writer."""
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("khlang_read_only") else "BEGIN IMMEDIATE")
