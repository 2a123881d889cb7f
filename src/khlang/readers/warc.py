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
import os
from typing import Any, Iterator

from ..document import Document, Drop, make_id
from .base import Reader, file_index, too_large
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


#: Offsets of the index entries that stand for "the archive cannot be read from here on"
#: (a ``parse_error``) and "the archive is cut short here" (a ``truncated`` drop); their second
#: field is the detail.
_DAMAGED, _TRUNCATED = -1, -2


def _build_index(path: str) -> list[tuple[int, str]]:
    """(byte offset, record id) of each document record: a worker that reads shard k of a big
    archive seeks straight to its first record instead of inflating everything before it. An
    archive cut short ends with a ``_TRUNCATED`` entry, standing in for the cut record."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    entries: list[tuple[int, str]] = []
    last = None  # offset of the last record of any type, and whether it is a document
    pages = WarcRecordType.response | WarcRecordType.resource
    try:
        with open(path, "rb") as f:
            for r in ArchiveIterator(f, parse_http=False):
                last = (r.stream_pos, bool(r.record_type & pages))
                if last[1]:
                    entries.append((r.stream_pos, r.record_id))
    except OSError as exc:  # not a WARC, or damaged after the last good record
        entries.append((_DAMAGED, str(exc)))
        return entries
    cut = _cut_short(path, last[0] if last else 0)
    if cut:
        if last and last[1] and not cut.startswith(_AFTER):
            entries.pop()  # the cut record is the truncated drop
        entries.append((_TRUNCATED, cut))
    return entries


_AFTER = "incomplete data after the last record"


def _cut_short(path: str, offset: int) -> str | None:
    """Why the archive is incomplete from its last record (at ``offset``) on, or None when that
    record ends it cleanly. FastWARC stops quietly at a cut, so the tail is checked by hand."""
    import zlib

    with open(path, "rb") as f:
        f.seek(offset)
        if f.read(2) == b"\x1f\x8b":  # one gzip member per record: inflate the last one
            f.seek(offset)
            inflate = zlib.decompressobj(wbits=31)
            try:
                while not inflate.eof:
                    chunk = inflate.unconsumed_tail or f.read(1 << 20)
                    if not chunk:
                        return "the last gzip member ends before its end marker"
                    inflate.decompress(chunk, 1 << 20)
            except zlib.error as exc:
                return f"the last gzip member is damaged: {exc}"
            rest = inflate.unused_data + f.read(1 << 16)
            return _AFTER if rest.strip(b"\r\n\x00 ") else None
        f.seek(offset)
        head = f.read(1 << 16)
        end = head.find(b"\r\n\r\n")
        if not head.startswith(b"WARC/") or end < 0:
            return None  # not an uncompressed record we can measure (e.g. one gzip stream)
        length = next((int(line.split(b":", 1)[1]) for line in head[:end].split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), None)
        if length is None:
            return None
        size = os.fstat(f.fileno()).st_size
        stop = offset + end + 4 + length
        if stop > size:
            return f"the last record is cut short: {size - offset - end - 4:,} of {length:,} bytes"
        f.seek(stop)
        return _AFTER if f.read(1 << 16).strip(b"\r\n\x00 ") else None


def _index(path: str) -> list[tuple[int, str]]:
    return file_index(_build_index, path)


class WarcReader(Reader):
    kind = "warc"

    def count(self, path: str) -> int:
        return len(_index(path))

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        index = _index(path)
        records = self._seek(path, start) if start > 0 else None
        i = start if records is not None else 0
        records = records or _records(path)
        while stop is None or i < stop:
            if i < len(index) and index[i][0] == _TRUNCATED:
                if i >= start:
                    yield self._damaged(path, i, "truncated", f"the archive is cut short: {index[i][1]}")
                return
            try:
                record = next(records, None)
            except OSError as exc:  # damaged from here on: one error record, as count() says
                if i >= start:
                    yield self._damaged(path, i, "parse_error", f"not a readable WARC from here on: {exc}")
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
        if offset < 0:
            return None  # the scan reaches the damage and yields its error record
        records = _records(path, offset)
        try:
            head = next(records, None)
        except Exception:  # noqa: BLE001 — a bad seek only loses the shortcut
            return None
        if head is None or head.stream_pos != offset or head.record_id != record_id:
            return None
        return itertools.chain([head], records)

    def _damaged(self, path: str, index: int, reason: str, detail: str) -> Document:
        return Document(id=make_id(path, str(index)), text="", source_uri=f"{path}#{index}",
                        source_kind=self.kind, drop=Drop("read", reason, detail))

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
        limit = self.spec.max_bytes
        body = record.reader.read(limit + 1)  # a gzip bomb inflates no further than the limit
        common = dict(id=make_id(record_id), source_uri=url or f"{path}#{record.stream_pos}",
                      source_kind=self.kind)
        if len(body) > limit:
            return too_large(size=record.content_length or None, limit=limit, head=body, metadata=meta, **common)
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
                    decoded = decode(body, self.spec.encoding or charset)
                except DecodeError:
                    if self.spec.encoding or not charset:
                        raise
                    decoded = decode(body)  # the header was wrong
                doc.text, doc.metadata["encoding"] = decoded
                if getattr(decoded, "replaced", 0):
                    doc.metadata["replaced_bytes"] = decoded.replaced
            except DecodeError as exc:
                doc.text = body.decode("utf-8", errors="replace")
                doc.drop = Drop("read", "decode_error", str(exc))
            return doc
        doc.drop = Drop("read", "unsupported_type", f"content type {content_type} is not text")
        return doc


def _mime(value: str | None) -> str | None:
    """``text/html; charset=utf-8`` → ``text/html``."""
    return value.split(";", 1)[0].strip().lower() if value else None
