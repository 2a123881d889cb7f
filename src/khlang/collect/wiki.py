"""A MediaWiki XML dump on disk (Wikipedia's ``pages-articles.xml.bz2``, or any wiki's export)
→ JSONL shards of documents with ``title``, ``url``, ``licence``, ``date`` and ``lang`` set.

The dump is streamed (``iterparse``, each page cleared once read), so its size does not matter.
Articles only by default (namespace 0), redirects left out. Wikitext becomes plain text with
mwparserfromhell: templates, references, files/images and categories go (their namespace names
are read from the dump's own ``<siteinfo>``, so a Thai dump's ``ไฟล์:`` and ``หมวดหมู่:`` go
too), link and formatting text stays.

Resumable: a shard is written to a temporary file and renamed, then its manifest line records
how many pages of the dump it ends at; a re-run skips that many pages and goes on.
"""

from __future__ import annotations

import bz2
import gzip
import json
import os
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

from .manifest import CollectError, Manifest
from .progress import CollectProgress

LICENCE = "CC BY-SA 4.0"
_DROP_TAGS = {"ref", "references", "gallery", "math", "score", "timeline", "syntaxhighlight", "source", "imagemap"}
_MEDIA_NS = (6, 14)  # File, Category


def _open(path: Path):
    with open(path, "rb") as f:
        magic = f.read(3)
    if magic == b"BZh":
        return bz2.open(path, "rb")
    if magic[:2] == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class Dump:
    """Pages of a MediaWiki XML export, streamed: ``(number, page)``, number counting every
    ``<page>`` of the dump from 0, so a resumed read can skip exactly what is done."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.base: str | None = None  #: article URL prefix from <siteinfo><base>
        self.media_prefixes: set[str] = {"file", "image", "category", "media"}

    def pages(self) -> Iterator[tuple[int, dict]]:
        from xml.etree.ElementTree import ParseError, iterparse

        number = 0
        try:
            with _open(self.path) as f:
                context = iterparse(f, events=("start", "end"))
                _, root = next(context)
                if _local(root.tag) != "mediawiki":
                    raise CollectError(f"{self.path} is not a MediaWiki XML dump (root <{_local(root.tag)}>)")
                for event, elem in context:
                    if event != "end":
                        continue
                    name = _local(elem.tag)
                    if name == "siteinfo":
                        self._siteinfo(elem)
                        root.clear()
                    elif name == "page":
                        yield number, self._page(elem)
                        number += 1
                        root.clear()  # keeps memory flat on a many-GB dump
        except (ParseError, EOFError, OSError) as exc:
            raise CollectError(f"{self.path}: not a readable MediaWiki XML dump after page {number}: {exc}") from None

    def _siteinfo(self, elem) -> None:
        for child in elem:
            if _local(child.tag) == "base" and child.text and "/wiki/" in child.text:
                self.base = child.text.split("/wiki/", 1)[0] + "/wiki/"
            if _local(child.tag) == "namespaces":
                for ns in child:
                    if int(ns.get("key", "0")) in _MEDIA_NS and ns.text:
                        self.media_prefixes.add(ns.text.strip().lower())

    @staticmethod
    def _page(elem) -> dict:
        page: dict = {"redirect": False}
        for child in elem:
            name = _local(child.tag)
            if name in ("title", "ns", "id"):
                page[name] = child.text
            elif name == "redirect":
                page["redirect"] = True
            elif name == "revision":
                for r in child:
                    if _local(r.tag) in ("timestamp", "text"):
                        page[_local(r.tag)] = r.text or ""
        return page


def strip_wikitext(text: str, media_prefixes: set[str]) -> str:
    """Plain text of wikitext: what a reader of the article sees as prose."""
    import mwparserfromhell

    code = mwparserfromhell.parse(text)
    for tag in code.filter_tags(recursive=True):
        if str(tag.tag).strip().lower() in _DROP_TAGS:
            _remove(code, tag)
    for link in code.filter_wikilinks(recursive=True):
        prefix = str(link.title).strip().lstrip(":").split(":", 1)
        if len(prefix) == 2 and prefix[0].strip().lower() in media_prefixes:
            _remove(code, link)
    plain = code.strip_code(normalize=True, collapse=True)
    plain = re.sub(r"[ \t]+\n", "\n", plain)
    return re.sub(r"\n{3,}", "\n\n", plain).strip()


def _remove(code, node) -> None:
    try:
        code.remove(node)
    except ValueError:  # inside a node removed already
        pass


def collect_wiki(dump: Path, out: Path, *, lang: str, base_url: str | None = None, licence: str = LICENCE,
                 docs_per_shard: int = 10_000, limit: int | None = None, namespaces: tuple[int, ...] = (0,),
                 progress: bool = True) -> dict[str, int]:
    """Write the articles of ``dump`` as ``out/wiki-<lang>-NNNNN.jsonl`` (fields ``text``, ``id``,
    ``title``, ``url``, ``licence``, ``date``, ``lang``); returns the manifest's event counts."""
    dump = Path(dump)
    if not dump.is_file():
        raise FileNotFoundError(2, "No such file or directory", str(dump))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(out)
    shards = list(manifest.events("shard"))
    pages_done = shards[-1]["pages_read"] if shards else 0
    written = sum(s["docs"] for s in shards)
    number = len(shards)
    source = Dump(dump)
    batch: list[dict] = []
    skipped = {"redirect": 0, "namespace": 0}

    flushed = pages_done

    def flush(pages_read: int) -> None:
        nonlocal number, batch, written, flushed
        name = f"wiki-{lang}-{number:05d}.jsonl"
        tmp = out / (name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in batch)
        os.replace(tmp, out / name)
        manifest.add("shard", file=name, docs=len(batch), pages_read=pages_read, dump=str(dump),
                     skipped_redirects=skipped["redirect"], skipped_other_namespaces=skipped["namespace"])
        number, written, batch, flushed = number + 1, written + len(batch), [], pages_read
        skipped.update(redirect=0, namespace=0)

    last = pages_done
    try:
        with CollectProgress("wiki", limit, progress) as bar:
            bar.advance(written)
            for n, page in source.pages():
                if n < pages_done:
                    continue
                last = n + 1
                if limit is not None and written + len(batch) >= limit:
                    last = n
                    break
                if page["redirect"]:
                    skipped["redirect"] += 1
                elif int(page.get("ns") or 0) not in namespaces:
                    skipped["namespace"] += 1
                else:
                    batch.append(_document(page, source, lang, base_url, licence))
                    bar.advance(1, len(page.get("text", "")))
                    if len(batch) >= docs_per_shard:
                        flush(last)
            if batch or last > flushed:
                flush(last)
    finally:
        manifest.close()
    return manifest.counts()


def _document(page: dict, source: Dump, lang: str, base_url: str | None, licence: str) -> dict:
    title = page.get("title") or ""
    base = base_url or source.base or f"https://{lang}.wikipedia.org/wiki/"
    return {
        "text": strip_wikitext(page.get("text", ""), source.media_prefixes),
        "id": page.get("id"),
        "title": title,
        "url": base + quote(title.replace(" ", "_"), safe="/:()_,'-"),
        "licence": licence,
        "date": page.get("timestamp"),
        "lang": lang,
    }
