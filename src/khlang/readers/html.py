"""HTML pages: main text extracted with trafilatura, boilerplate (menus, footers, ads) left out.

Three functions, shared with the WARC reader: :func:`decode_html` (bytes → str: HTTP charset,
then ``<meta charset>``, then detection), :func:`extract_html` (str → main text + title, date,
url …, via trafilatura's ``bare_extraction``) and :func:`html_document` (bytes → Document). A page
with no main text is kept as a ``no_text`` drop holding the raw HTML, so nothing is lost.
"""

from __future__ import annotations

import re
from typing import Any

from ..document import Document, Drop, make_id
from .base import FileReader
from .encoding import DecodeError, decode

#: ``<meta charset="x">`` or ``<meta http-equiv="Content-Type" content="text/html; charset=x">``.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
#: Thai legacy charsets all decode with cp874, their superset (TIS-620 pages often contain cp874
#: extras such as the ellipsis or curly quotes).
_ALIASES = {"tis-620": "cp874", "tis620": "cp874", "iso-8859-11": "cp874", "windows-874": "cp874",
            "x-windows-874": "cp874", "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "utf-8",
            "ascii": "utf-8"}
#: Metadata from trafilatura that we keep (title, date and url get their own corpus columns).
_KEEP = ("title", "date", "url", "author", "sitename", "description")


def decode_html(data: bytes, charset: str | None = None, encoding: str | None = None) -> tuple[str, str]:
    """``(html, encoding)``: the forced ``encoding`` (strict), else the declared charset (HTTP
    header ``charset``, then ``<meta>``) when it decodes cleanly, else
    :func:`~khlang.readers.encoding.decode`'s detection.

    Declarations are often wrong (a UTF-8 page still saying ISO-8859-1), so a declared charset
    that fails strictly falls back to detection; Latin-1 declarations are checked as UTF-8 first
    because that is what such pages almost always really are.
    """
    if encoding:
        return decode(data, _ALIASES.get(encoding.lower(), encoding))
    declared = [charset] if charset else []
    m = _META_CHARSET.search(data[:4096])
    if m:
        declared.append(m.group(1).decode("ascii", "ignore"))
    for name in declared:
        name = _ALIASES.get(name.strip().lower(), name.strip().lower())
        if name == "cp1252" and _is_utf8(data):
            return data.decode("utf-8"), "utf-8"
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    return decode(data)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def extract_html(html: str, url: str | None = None) -> tuple[str | None, dict[str, Any]]:
    """Main text and metadata of one page: ``(text or None, {title, date, url, …})``.

    ``url`` is where the page came from (used when the page names no canonical URL).
    """
    import trafilatura
    from trafilatura.utils import load_html

    tree = load_html(html)  # parsed again by trafilatura, which works best from the string
    if tree is None or not _has_content(tree):
        return None, {"url": url} if url else {}
    result = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,  # for training data a missed line costs less than a menu kept
        include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if result is None:
        return None, {"url": url} if url else {}
    data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    meta = {k: data[k] for k in _KEEP if data.get(k)}
    if url and "url" not in meta:
        meta["url"] = url
    text = (data.get("text") or "").strip()
    return (text or None), meta


#: Text outside these elements is what a page has to say (trafilatura's fallback would otherwise
#: return a bare menu as the "main text" of a page that has none).
_CONTENT_TEXT = (
    "//body//text()[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside"
    " or ancestor::script or ancestor::style or ancestor::noscript or ancestor::form"
    " or ancestor::template or ancestor::button or ancestor::select)]"
)


def _has_content(tree) -> bool:
    return any(any(ch.isalnum() for ch in node) for node in tree.xpath(_CONTENT_TEXT))


class HtmlReader(FileReader):
    """One ``.html`` file is one document (``source_uri`` = the path)."""

    kind = "html"

    def document(self, path: str, data: bytes) -> Document:
        return html_document(data, id=make_id(path), source_uri=path, source_kind=self.kind,
                             encoding=self.spec.encoding)


def html_document(
    data: bytes, *, id: str, source_uri: str, source_kind: str, encoding: str | None = None,
    charset: str | None = None, url: str | None = None, metadata: dict[str, Any] | None = None,
) -> Document:
    """A Document from raw HTML bytes: extracted text, or a drop (``decode_error``, ``no_text``,
    ``parse_error``) that keeps the raw page. ``encoding`` is forced (``input.encoding``),
    ``charset`` declared (HTTP header); ``metadata`` (e.g. WARC headers) fills what the page does
    not say."""
    doc = Document(id=id, text="", source_uri=source_uri, source_kind=source_kind)
    try:
        decoded = decode_html(data, charset, encoding)
        html, used = decoded
    except DecodeError as exc:
        doc.text = data.decode("utf-8", errors="replace")
        doc.drop = Drop("read", "decode_error", str(exc))
        doc.metadata.update(metadata or {})
        return doc
    doc.metadata.update(metadata or {})
    doc.metadata["encoding"] = used
    if getattr(decoded, "replaced", 0):
        doc.metadata["replaced_bytes"] = decoded.replaced
    try:
        text, meta = extract_html(html, url)
    except Exception as exc:  # lxml/trafilatura failure on pathological markup: keep the page
        doc.text = html
        doc.drop = Drop("read", "parse_error", f"HTML extraction failed: {type(exc).__name__}: {exc}")
        return doc
    doc.metadata.update(meta)  # what the page says wins over what the container says
    if text is None:
        doc.text = html
        doc.drop = Drop("read", "no_text", "no main text found in the page")
    else:
        doc.text = text
    return doc
