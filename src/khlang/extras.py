"""Optional parts of khlang and the pip extra that installs each one.

The core install (pipeline, readers, store, language layer, quality, PII, dedup, CLI) leaves out
the heavy dependencies only some verbs need. When such a verb imports a module that is not
installed, :func:`missing_extra` names the ``pip install 'khlang[...]'`` that fixes it, and the
CLI prints that instead of a traceback.
"""

from __future__ import annotations

#: Top-level module → the extra of pyproject.toml that installs it.
EXTRA_OF = {
    "ray": "ray",
    "fastapi": "serve", "uvicorn": "serve", "starlette": "serve", "jinja2": "serve", "multipart": "serve",
    "python_multipart": "serve", "sqlalchemy": "serve", "psycopg": "serve", "regex": "serve",
    "altair": "report", "vl_convert": "report", "pandas": "report",
    "tokenizers": "tokens", "sentencepiece": "tokens",
}


def missing_extra(exc: ImportError) -> str | None:
    """The one-line advice for an ImportError of an optional dependency, or None when the module
    is not one (then it is a real bug and keeps its traceback)."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    extra = EXTRA_OF.get(name)
    if extra is None:
        return None
    return (f"this command needs the optional module {name!r}, which is not installed; "
            f"install it with: pip install 'khlang[{extra}]' (or 'khlang[all]' for everything)")
