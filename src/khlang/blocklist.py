"""Blocklists: drop documents from blocked sites or full of blocked words (``blocklist``).

* **URL/domain lists** — files with one entry a line (``#`` comments): a bare domain blocks it and
  every subdomain (``example.com`` blocks ``m.example.com``); an entry with a path blocks that
  canonical URL prefix (:func:`khlang.dedup.url.canonical_url`, so ``https://www.x.com/a/?utm_source=y``
  and ``x.com/a`` are the same).
* **Word lists** per language — ``{lang: file}``; ``"*"`` applies to every language. Entries and
  documents are matched as sequences of the language layer's words
  (:func:`khlang.lang.segment.words`, case-folded, NFKC), never as substrings, so a Thai entry
  never fires inside a longer Thai word and an English one never inside another word. A document
  is dropped when it holds at least ``min_hits`` matches (distinct or repeated).

No list ships with khlang (see docs/curation.md for public lists and their licences): the user
supplies the files.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from .document import Document
from .stage import Stage


def _lines(path: str | Path, what: str) -> list[str]:
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"blocklist {what} file {p}: no such file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"blocklist {what} file {p}: not UTF-8 text") from None
    out = [ln.strip() for ln in text.splitlines()]
    out = [ln for ln in out if ln and not ln.startswith("#")]
    if not out:
        raise ValueError(f"blocklist {what} file {p}: no entries")
    return out


def _norm_words(text: str, lang: str | None = None) -> list[str]:
    from .lang.segment import words

    return [w.casefold() for w in words(unicodedata.normalize("NFKC", text), lang)]


class Blocklist(Stage):
    """Drop documents whose URL is blocked (``reason = blocked_url``) or that hold at least
    ``min_hits`` blocked words (``reason = blocked_words``); the detail names the entry matched.

    Parameters: ``urls`` (list of files of domains/URLs), ``words`` (``{lang: file}``, ``"*"`` for
    any language), ``min_hits`` (default 1).
    """

    name = "blocklist"

    def __init__(self, urls: list[str] | str = (), words: dict[str, str] | None = None, min_hits: int = 1) -> None:
        super().__init__()
        from .dedup.url import canonical_url

        self.url_files = [urls] if isinstance(urls, str) else list(urls)
        self.word_files = dict(words or {})
        if not self.url_files and not self.word_files:
            raise ValueError("blocklist needs urls: [files] or words: {lang: file}")
        if int(min_hits) < 1:
            raise ValueError("blocklist min_hits must be at least 1")
        self.min_hits = int(min_hits)
        self.domains: set[str] = set()
        self.prefixes: list[str] = []
        for f in self.url_files:
            for entry in _lines(f, "url"):
                key = canonical_url(entry if "://" in entry else "http://" + entry)
                if key is None:
                    raise ValueError(f"blocklist url file {f}: {entry!r} is not a domain or URL")
                (self.prefixes.append(key) if "/" in key or "?" in key else self.domains.add(key))
        #: lang → first word → list of (word tuple starting with it, the list entry)
        self.phrases: dict[str, dict[str, list[tuple[tuple[str, ...], str]]]] = {}
        for lang, f in self.word_files.items():
            table = self.phrases.setdefault(lang, {})
            for entry in _lines(f, "word"):
                ws = tuple(_norm_words(entry, None if lang == "*" else lang))
                if ws:
                    table.setdefault(ws[0], []).append((ws, entry))

    def params(self) -> dict[str, Any]:
        return {"urls": self.url_files, "words": self.word_files, "min_hits": self.min_hits}

    def blocked_url(self, url: str | None) -> str | None:
        """The list entry that blocks ``url``, or ``None``."""
        from .dedup.url import canonical_url

        key = canonical_url(url)
        if key is None:
            return None
        host = key.split("/", 1)[0].split("?", 1)[0]
        parts = host.split(".")
        for i in range(len(parts) - 1):
            if ".".join(parts[i:]) in self.domains:
                return ".".join(parts[i:])
        for p in self.prefixes:
            if key == p or key.startswith(p.rstrip("/") + "/") or key.startswith(p + "?"):
                return p
        return None

    def blocked_words(self, text: str, lang: str | None) -> list[str]:
        """Every blocked word/phrase occurrence in ``text`` (by words, never substrings)."""
        tables = [t for key, t in self.phrases.items() if key == "*" or key == lang]
        if not tables:
            return []
        ws = _norm_words(text, lang)
        hits = []
        for i, w in enumerate(ws):
            for table in tables:
                for phrase, entry in table.get(w, ()):
                    if tuple(ws[i : i + len(phrase)]) == phrase:
                        hits.append(entry)
        return hits

    def process(self, doc: Document) -> Document:
        if self.domains or self.prefixes:
            entry = self.blocked_url(doc.metadata.get("url"))
            if entry:
                return self.drop(doc, "blocked_url", f"url list entry {entry}")
        hits = self.blocked_words(doc.text, doc.lang)
        if len(hits) >= self.min_hits:
            return self.drop(doc, "blocked_words", f"{len(hits)} hits: {', '.join(sorted(set(hits))[:10])}")
        return doc


__all__ = ["Blocklist"]
