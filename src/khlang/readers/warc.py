"""WARC / WARC.gz web archives (Common Crawl, Heritrix, wget --warc-file), read with FastWARC.

Only records that carry a page are documents: ``response`` (and ``resource``) records.
``request``, ``warcinfo``, ``metadata`` and ``revisit`` records are skipped, by :meth:`count` and
:meth:`read` alike, so record *i* means the same thing to both. Of the documents:

* HTML (``text/html``, XHTML, or an untyped body that looks like markup) → main text via
  :func:`khlang.readers.html.extract_html`; charset from the HTTP ``Content-Type`` header, else
  ``<meta charset>``, else detection.
* ``text/plain`` → the decoded body.
* anything else (images, PDFs …) → a drop with reason ``unsupported_type`` (empty text), so the
  catalog still accounts for every response.

Ids derive from ``WARC-Record-ID`` (globally unique), ``source_uri`` is ``WARC-Target-URI``, and
``metadata`` keeps ``url``, ``date`` (the page's own date, else ``WARC-Date``), ``http_status``,
``content_type``, ``warc_record_id``, ``warc_file`` and ``warc_offset``.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

from ..document import Document, Drop, make_id
from .base import Reader, file_index
from .encoding import DecodeError, decode
from .html import html_document

_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")


def _records(path: str, offset: int = 0, parse_http: bool = True):
    """Page-carrying records of ``path`` from byte ``offset`` on (gzip detected by FastWARC)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    with open(path, "rb") as f:
        f.seek(offset)
        yield from ArchiveIterator(
            f, record_types=WarcRecordType.response | WarcRecordType.resource, parse_http=parse_http
        )


#: Offset of the index entry that stands for "the archive cannot be read from here on".
_DAMAGED = -1


def _build_index(path: str) -> list[tuple[int, str]]:
    """(byte offset, record id) of each document record: a worker that reads shard k of a big
    archive seeks straight to its first record instead of inflating everything before it."""
    entries: list[tuple[int, str]] = []
    try:
        for r in _records(path, parse_http=False):
            entries.append((r.stream_pos, r.record_id))
    except OSError as exc:  # not a WARC, or damaged after the last good record
        entries.append((_DAMAGED, str(exc)))
    return entries


def _index(path: str) -> list[tuple[int, str]]:
    return file_index(_build_index, path)


class WarcReader(Reader):
    kind = "warc"

    def count(self, path: str) -> int:
        return len(_index(path))

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        records = self._seek(path, start) if start > 0 else None
        i = start if records is not None else 0
        records = records or _records(path)
        while stop is None or i < stop:
            try:
                record = next(records, None)
            except OSError as exc:  # damaged from here on: one error record, as count() says
                if i >= start:
                    yield self._damaged(path, i, str(exc))
                return
            if record is None:
                return
            if i >= start:
                yield self._document(path, record)
            i += 1

    def _seek(self, path: str, start: int):
        """Records from number ``start`` on, read from its byte offset; None when that does not
        work (e.g. one gzip stream over the whole file), so the caller scans from the start."""
        index = _index(path)
        if start >= len(index):
            return iter(())
        offset, record_id = index[start]
        if offset == _DAMAGED:
            return None  # the scan reaches the damage and yields its error record
        records = _records(path, offset)
        try:
            head = next(records, None)
        except Exception:  # noqa: BLE001 — a bad seek only loses the shortcut
            return None
        if head is None or head.stream_pos != offset or head.record_id != record_id:
            return None
        return itertools.chain([head], records)

    def _damaged(self, path: str, index: int, detail: str) -> Document:
        return Document(
            id=make_id(path, str(index)), text="", source_uri=f"{path}#{index}", source_kind=self.kind,
            drop=Drop("read", "parse_error", f"not a readable WARC from here on: {detail}"),
        )

    def _document(self, path: str, record) -> Document:
        headers = record.headers
        record_id = record.record_id or f"{path}#{record.stream_pos}"
        url = headers.get("WARC-Target-URI") or None
        http = record.http_headers if record.is_http else None
        content_type = record.http_content_type if http is not None else _mime(headers.get("Content-Type"))
        charset = record.http_charset if http is not None else None
        meta: dict[str, Any] = {
            "url": url,
            "date": headers.get("WARC-Date"),
            "warc_record_id": record_id,
            "warc_file": path,
            "warc_offset": record.stream_pos,
        }
        if http is not None:
            meta["http_status"] = http.status_code
        if content_type:
            meta["content_type"] = content_type
        meta = {k: v for k, v in meta.items() if v is not None}
        body = record.reader.read()
        common = dict(id=make_id(record_id), source_uri=url or f"{path}#{record.stream_pos}",
                      source_kind=self.kind)
        kind = (content_type or "").lower()
        if not body.strip():
            return Document(text="", metadata=meta, drop=Drop("read", "no_text", "empty response body"), **common)
        if kind in _HTML_TYPES or (not kind and body.lstrip()[:1] == b"<"):
            return html_document(body, encoding=self.spec.encoding, charset=charset, url=url, metadata=meta,
                                 **common)
        doc = Document(text="", metadata=meta, **common)
        if kind.startswith("text/") or not kind:
            try:
                try:
                    doc.text, doc.metadata["encoding"] = decode(body, self.spec.encoding or charset)
                except DecodeError:
                    if self.spec.encoding or not charset:
                        raise
                    doc.text, doc.metadata["encoding"] = decode(body)  # the header was wrong
            except DecodeError as exc:
                doc.text = body.decode("utf-8", errors="replace")
                doc.drop = Drop("read", "decode_error", str(exc))
            return doc
        doc.drop = Drop("read", "unsupported_type", f"content type {content_type} is not text")
        return doc


def _mime(value: str | None) -> str | None:
    """``text/html; charset=utf-8`` → ``text/html``."""
    return value.split(";", 1)[0].strip().lower() if value else None
