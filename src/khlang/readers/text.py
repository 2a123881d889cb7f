"""Plain text and Markdown: one file is one document."""

from __future__ import annotations

from typing import Iterator

from ..document import Document, Drop, make_id
from .base import Reader, read_bounded, too_large_file
from .encoding import DecodeError, decode


class TextReader(Reader):
    kind = "text"

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        if start > 0 or stop == 0:
            return
        data = read_bounded(path, self.spec.max_bytes)
        if data is None:
            yield too_large_file(path, self.kind, self.spec.max_bytes)
            return
        doc = Document(id=make_id(path), text="", source_uri=path, source_kind=self.kind)
        try:
            decoded = decode(data, self.spec.encoding)
            doc.text, encoding = decoded
        except DecodeError as exc:
            doc.text = data.decode("utf-8", errors="replace")
            doc.drop = Drop("read", "decode_error", str(exc))
            yield doc
            return
        doc.metadata["encoding"] = encoding
        if getattr(decoded, "replaced", 0):
            doc.metadata["replaced_bytes"] = decoded.replaced
        if self.kind == "text" and path.lower().endswith((".md", ".markdown")):
            doc.metadata["format"] = "markdown"
        title = doc.text.lstrip().split("\n", 1)[0].lstrip("# ").strip()
        if title:
            doc.metadata["title"] = title[:200]
        yield doc
