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

from pathlib import Path
from typing import Any

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
        from ..quality.signals import doc_words

        probs = self.model.proba([doc.text], [doc_words(doc)])
        record: dict[str, Any] = {lab: round(float(p), 4) for lab, p in zip(self.model.labels, probs[0])}
        record["label"] = self.model.labels[int(probs[0].argmax())]
        if self.model.positive:
            record["score"] = round(float(self.model.score(probs)[0]), 4)
        doc.annotations[self.name] = record
        return doc
