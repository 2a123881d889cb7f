"""Plain text and Markdown: one file is one document."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..document import Document, Drop, make_id
from .base import Reader
from .encoding import DecodeError, decode


class TextReader(Reader):
    kind = "text"

    def read(self, path: str, start: int = 0, stop: int | None = None) -> Iterator[Document]:
        if start > 0 or stop == 0:
            return
        data = Path(path).read_bytes()
        doc = Document(id=make_id(path), text="", source_uri=path, source_kind=self.kind)
        try:
            doc.text, encoding = decode(data, self.spec.encoding)
        except DecodeError as exc:
            doc.text = data.decode("utf-8", errors="replace")
            doc.drop = Drop("read", "decode_error", str(exc))
            yield doc
            return
        doc.metadata["encoding"] = encoding
        if self.kind == "text" and path.lower().endswith((".md", ".markdown")):
            doc.metadata["format"] = "markdown"
        title = doc.text.lstrip().split("\n", 1)[0].lstrip("# ").strip()
        if title:
            doc.metadata["title"] = title[:200]
        yield doc
