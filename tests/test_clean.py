import re

from khlang.document import Document
from khlang.clean import Clean, clean_text


def test_clean_text_rules():
    text, counts = clean_text("a\u200b b\r\n\r\n\r\n\r\nx\u00a0\u00a0y\x07  ")
    assert text == "a b\n\nx y"
    assert set(counts) == {"line_endings", "invisible_chars", "whitespace", "blank_lines"}


def test_clean_nfc_and_keeps_zwj():
    decomposed = "e\u0301"  # é as e + combining acute
    text, counts = clean_text(decomposed + " \u1780\u200d")
    assert text == "\u00e9 \u1780\u200d"
    assert "nfc" in counts


def test_clean_stage_drops_empty_with_reason():
    stage = Clean()
    docs = list(stage([Document("a", "\u200b \n\t"), Document("b", "ข่าว")]))
    assert docs[0].drop is not None and docs[0].drop.reason == "empty" and docs[0].drop.stage == "clean"
    assert docs[1].drop is None and docs[1].text == "ข่าว"
    assert stage.stats.docs_in == 2 and stage.stats.docs_out == 1 and stage.stats.dropped["empty"] == 1


def test_seed_articles_survive_clean_intact(seed_texts):
    for raw in seed_texts:
        text, _ = clean_text(raw)
        assert text.split() == raw.split()  # only whitespace / invisible characters may change


def test_whitespace_rule_sees_every_space_character():
    """clean_text collapses spaces over the whole text with one pattern that names the space
    characters; every other whitespace character must be gone by then (a line break or a
    deleted control), or a line would keep one at its end that ``str.strip`` used to remove."""
    from khlang.clean import _DELETE, _LINE_BREAKS, _SPACE_CHARS
    import re

    spaces = re.compile(f"[ {_SPACE_CHARS}]")
    left = [hex(c) for c in range(0x110000) if chr(c).isspace() and chr(c) != "\n" and not spaces.match(chr(c))
            and not _DELETE.match(chr(c)) and not _LINE_BREAKS.match(chr(c))]
    assert left == []


def test_whitespace_collapsed_and_lines_stripped_like_per_line_strip():
    for raw in [" a  b \n\t c\u3000\n \n\u00a0", "x \u2000 y\n  \n z ", " ", "a \n \n b", "\t\ta\t"]:
        text, _ = clean_text(raw)
        expect = "\n".join(" ".join(line.split()) for line in raw.split("\n")).strip("\n")
        assert text == re.sub(r"\n{3,}", "\n\n", expect)
