"""Project guidelines: Markdown shown beside the task, versioned together with the label schema
(table ``guideline_versions``); every answer records the version in force when it was saved."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import GuidelineVersion, Project, User

MAX_GUIDELINES = 200_000  # characters


def render(markdown: str) -> Markup:
    """CommonMark to HTML with raw HTML disabled (escaped) and unsafe link schemes refused, so
    guidelines cannot carry script into the annotation page."""
    from markdown_it import MarkdownIt

    return Markup(MarkdownIt("commonmark", {"html": False}).render(markdown or ""))


def set_guidelines(db: Session, project: Project, markdown: Any, author: User) -> int:
    """Store a new version of the guidelines (with the current schema); returns its number."""
    if not isinstance(markdown, str) or len(markdown) > MAX_GUIDELINES:
        raise ValueError(f"guidelines must be Markdown text of at most {MAX_GUIDELINES} characters")
    project.guidelines_version = (project.guidelines_version or 0) + 1
    project.guidelines = markdown
    db.add(GuidelineVersion(project_id=project.id, version=project.guidelines_version, markdown=markdown,
                            schema=project.schema, author_id=author.id))
    db.flush()
    return project.guidelines_version


def history(db: Session, project: Project) -> list[dict[str, Any]]:
    rows = db.execute(select(GuidelineVersion, User.username).outerjoin(User, User.id == GuidelineVersion.author_id)
                      .where(GuidelineVersion.project_id == project.id).order_by(GuidelineVersion.version)).all()
    return [{"version": g.version, "markdown": g.markdown, "schema": g.schema, "author": u,
             "created_at": g.created_at.isoformat()} for g, u in rows]
