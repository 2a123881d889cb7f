"""Stages used only by tests (referenced from pipelines as ``stages_for_tests:Name``)."""

import time

from khlang.document import Document
from khlang.stage import Stage


class Slow(Stage):
    """Sleeps a little per document so a test can kill a run midway."""

    name = "slow"

    def __init__(self, seconds: float = 0.002) -> None:
        super().__init__()
        self.seconds = seconds

    def params(self):
        return {"seconds": self.seconds}

    def process(self, doc: Document) -> Document:
        time.sleep(self.seconds)
        return doc


class Explode(Stage):
    """Raises on documents whose text contains 'BOOM' (to test error records)."""

    name = "explode"

    def process(self, doc: Document) -> Document:
        if "BOOM" in doc.text:
            raise RuntimeError("planted failure")
        doc.annotations["explode"] = {"ok": True}
        return doc
