"""``classify``: a document classifier trained on a team's own labels, and the stage that scores with it.

API::

    read examples:  labels.from_project(db_url, name) / labels.from_file(path)
    train(examples, positive=["good"]) -> Model        # .save(path); load(path) -> Model
    Classify(model="good.khc.npz")                       # the stage

The stage writes ``annotations["classify"] = {<label>: probability, …, "label": the top label,
"score": P(positive labels)}`` and drops nothing: the quality rule ``min_classify_score`` (off
unless a thresholds file sets it, e.g. one written by ``khlang tune``) and export filters
(``--where "(annotations->>'$.classify.good')::DOUBLE > 0.6"``) decide. The model's version and
training-data hash go to the run record, so a corpus says which labels scored it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..document import Document
from ..stage import Stage
from .model import Model, load
from .train import train

__all__ = ["Classify", "Model", "load", "train"]


class Classify(Stage):
    """Score every document with a trained model (see :mod:`khlang.classify.model`).

    Parameters: ``model`` — the model file written by ``khlang classify train``.
    """

    name = "classify"

    def __init__(self, model: str | None = None) -> None:
        super().__init__()
        if not model:
            raise ValueError("the classify stage needs a model file: - classify: {model: path/to/model.npz}")
        self.path = str(Path(model).resolve())
        self.model: Model = load(self.path)
        self.stats.info["model"] = {"path": self.path, "labels": self.model.labels, "positive": self.model.positive,
                                    "data_sha256": self.model.meta.get("data_sha256"),
                                    "version": self.model.meta.get("version")}

    def params(self) -> dict[str, Any]:
        return {"model": self.path, "data_sha256": self.model.meta.get("data_sha256")}

    def process(self, doc: Document) -> Document:
        return self._score([doc])[0]

    def _score(self, docs: list[Document]) -> list[Document]:
        from ..quality.signals import doc_words

        probs = self.model.proba([d.text for d in docs], [doc_words(d) for d in docs])
        scores = self.model.score(probs)
        for doc, row, score in zip(docs, probs, scores):
            record: dict[str, Any] = {lab: round(float(p), 4) for lab, p in zip(self.model.labels, row)}
            record["label"] = self.model.labels[int(row.argmax())]
            if self.model.positive:
                record["score"] = round(float(score), 4)
            doc.annotations[self.name] = record
        return docs

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        """Score in batches of :attr:`BATCH` (one sparse matrix product instead of one per
        document: the feature hashing has a fixed cost per call); a batch that fails goes
        document by document, so one bad document still becomes one ``error`` drop."""
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= self.BATCH:
                yield from self._batch(batch)
                batch = []
        yield from self._batch(batch)

    BATCH = 64

    def _batch(self, batch: list[Document]) -> Iterator[Document]:
        live = [d for d in batch if d.drop is None]
        if live:
            start = time.perf_counter()
            try:
                self._score(live)
            except Exception:  # noqa: BLE001 - find the document that fails, one at a time
                yield from super().__call__(batch)
                return
            self.stats.seconds += time.perf_counter() - start
            for d in live:
                self.stats.count(d)
        yield from batch
