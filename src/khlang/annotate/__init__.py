"""The khlang annotation server: projects sampled from a corpus, annotators labelling classes,
ratings, comments and grapheme-safe spans, inter-annotator agreement, adjudication into gold
labels, and Label Studio / Argilla / doccano / JSONL / Parquet interchange.

Offsets of spans are Unicode code points into the document text everywhere inside khlang.
"""


def __getattr__(name):  # lazy: importing the statistics must not import the web stack
    if name == "create_app":
        from .web import create_app

        return create_app
    if name == "Database":
        from .db import Database

        return Database
    raise AttributeError(name)


__all__ = ["Database", "create_app"]
