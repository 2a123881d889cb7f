"""khlang's Khmer segmenter runs khmer-nltk's CRF itself (lang/khmer_crf.py): its tokens must be
exactly khmer-nltk's own, on real sentences, on long texts (long Viterbi paths, and more clusters
than one scoring block holds), and on text mixing clusters with digits, Latin, punctuation and
zero-width spaces. (bench/segment_identity.py compares on the segmentation gold texts and the
benchmark corpus as well.)"""

from pathlib import Path

from khmernltk import word_tokenize
from khmernltk.utils.data import cleanup_str, seg_kcc

from khlang.lang.khmer_crf import _BLOCK, model
from khlang.lang.segment import _khmernltk

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "bench" / "data" / "langid_eval.tsv"


def khmer_sentences() -> list[str]:
    rows = [line.split("\t", 1) for line in EVAL.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [text for lang, text in rows if lang == "km"]


def mixed_texts() -> list[str]:
    sentences = khmer_sentences()
    return [
        "ឆ្នាំ 2024 ក្រុមហ៊ុន Apple បានប្រកាស (ថ្មី) ១២៣ ភាគរយ!", "ក", "ABC 123", "", "  ", "\u200b",
        "ក\u200b\u200bខ្មែរ  ខ្មែរ…“ភាសា”។ ៛១០០ ,.? ᧠᧡ ្ក ក្", sentences[0].replace(" ", "\u200b"),
        "\n".join(sentences), "12,5 ១២.៥ 3១ ១3 a1ក",
    ]


def test_same_tokens_as_khmer_nltk():
    sentences = khmer_sentences()
    assert len(sentences) >= 10
    long = " ".join(sentences * 15)
    assert len(model().clusters(long)) > _BLOCK
    for text in sentences + mixed_texts() + [" ".join(sentences * 3), long]:
        assert _khmernltk(text) == word_tokenize(text), text[:40]


def test_same_clusters_as_khmer_nltk():
    for text in khmer_sentences() + mixed_texts():
        assert model().clusters(text) == seg_kcc(cleanup_str(text)), text[:40]
