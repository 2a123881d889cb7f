"""Plain text and Markdown: one file is one document."""

from __future__ import annotations

from ..document import Document, Drop, make_id
from .base import FileReader
from .encoding import DecodeError, decode


class TextReader(FileReader):
    kind = "text"

    def document(self, path: str, data: bytes) -> Document:
        doc = Document(id=make_id(path), text="", source_uri=path, source_kind=self.kind)
        try:
            decoded = decode(data, self.spec.encoding)
            doc.text, encoding = decoded
        except DecodeError as exc:
            doc.text = data.decode("utf-8", errors="replace")
            doc.drop = Drop("read", "decode_error", str(exc))
            return doc
        doc.metadata["encoding"] = encoding
        if getattr(decoded, "replaced", 0):
            doc.metadata["replaced_bytes"] = decoded.replaced
        if self.kind == "text" and path.lower().endswith((".md", ".markdown")):
            doc.metadata["format"] = "markdown"
        title = doc.text.lstrip().split("\n", 1)[0].lstrip("# ").strip()
        if title:
            doc.metadata["title"] = title[:200]
        return doc
