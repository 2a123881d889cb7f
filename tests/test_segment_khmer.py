"""khlang's Khmer segmenter decodes khmer-nltk's CRF itself (lang/khmer_crf.py, 2x faster): its
tokens must be exactly khmer-nltk's own, on real sentences, on one long multi-line text (long
Viterbi paths) and on text mixing clusters with digits, Latin and punctuation."""

from pathlib import Path

from khmernltk import word_tokenize

from khlang.lang.segment import _khmernltk

EVAL = Path(__file__).resolve().parents[1] / "bench" / "data" / "langid_eval.tsv"


def khmer_sentences() -> list[str]:
    rows = [line.split("\t", 1) for line in EVAL.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [text for lang, text in rows if lang == "km"]


def test_same_tokens_as_khmer_nltk():
    sentences = khmer_sentences()
    assert len(sentences) >= 10
    texts = sentences + ["\n".join(sentences), " ".join(sentences * 3),
                         "ឆ្នាំ 2024 ក្រុមហ៊ុន Apple បានប្រកាស (ថ្មី) ១២៣ ភាគរយ!", "ក", "ABC 123"]
    for text in texts:
        assert _khmernltk(text) == word_tokenize(text), text[:40]
