"""Collectors: get the text in the first place, politely and resumably.

* :func:`collect_cc` (``cc.py``): Common Crawl records chosen by the URL index (TLDs, domains,
  languages, dates), fetched alone with range requests into WARC.gz shards.
* :func:`collect_site` (``site.py``): a site's sitemaps or RSS/Atom feed, pages into WARC.gz,
  robots.txt honoured, per-host rate limit and concurrency cap, conditional re-fetches.
* :func:`collect_wiki` (``wiki.py``): a MediaWiki XML dump on disk into JSONL documents with
  title, URL and licence.

Shared: ``http.py`` (the one HTTP client, its gate, retries and redirects), ``manifest.py`` (the
manifest every collector keeps, and the WARC shards it points into), ``progress.py``. The output
folders are read by :mod:`khlang.readers` as they are (``input: {paths: [raw/]}``).
"""

from .cc import CCQuery, collect_cc, read_domains
from .manifest import CollectError
from .site import collect_site
from .wiki import collect_wiki

__all__ = ["CCQuery", "CollectError", "collect_cc", "collect_site", "collect_wiki", "read_domains"]
