"""Bytes → text, detecting the encoding when the file does not say.

Thai text outside the web is still often TIS-620 / Windows-874, and UTF-16 shows up in exports
from office tools. We try, in order: an explicit encoding, a BOM, strict UTF-8, UTF-16 without a
BOM, UTF-8 with a few damaged bytes (replaced by U+FFFD), a Thai-specific check (TIS-620 bytes
0xA1–0xFB decode to Thai letters), then charset-normalizer's best guess restricted to plausible
encodings. Bytes that no candidate
decodes cleanly raise :class:`DecodeError`, which readers turn into an error record.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter

from charset_normalizer import from_bytes

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


#: Legacy encodings charset-normalizer may choose from: the ones text in our languages (and
#: Western-European boilerplate) actually turns up in. An open choice lets rare code pages such
#: as cp1257 win on short Latin-1 text.
CANDIDATES = [
    "cp1252", "latin_1", "iso8859_15", "cp1258",  # Western, Vietnamese (Windows)
    "cp874", "tis_620",  # Thai
    "gb18030", "big5", "euc_jp", "shift_jis", "euc_kr",  # CJK
    "cp1251", "koi8_r",  # Cyrillic
]


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


class DecodeError(ValueError):
    """The bytes are not text in any encoding we accept."""


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding_used)`` or raise :class:`DecodeError`. UTF-8 with a
    few bad bytes comes back as a :class:`Decoded` whose ``replaced`` counts them."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DecodeError(f"not valid {encoding}: {exc}") from exc
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise DecodeError(f"{name} BOM but invalid data: {exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        mostly = _mostly_utf8(data)
        if mostly is not None:
            return mostly
    else:
        # Thai/Lao/… UTF-16 without BOM is valid UTF-8 too (every byte < 0x80), but decodes into
        # control characters that real text never has.
        if _CONTROL.search(text, 0, 4096):
            utf16 = _utf16_without_bom(data)
            if utf16:
                return utf16
        return text, "utf-8"
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    if _looks_thai_legacy(data):
        try:
            return data.decode("cp874"), "cp874"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise DecodeError("binary data (NUL bytes) that is not UTF-16/32 text")
    best = from_bytes(data, cp_isolation=CANDIDATES).best()
    if best is None or best.encoding is None:
        raise DecodeError("no text encoding fits these bytes")
    if best.percent_chaos > 20:  # decodes, but into garbage: treat as not text
        raise DecodeError(f"bytes decode as {best.encoding} only into noise ({best.percent_chaos:.0f}% chaos)")
    return str(best), best.encoding


#: What a byte that is not UTF-8 becomes with ``surrogateescape``: one lone surrogate per byte.
_ESCAPED = re.compile("[\udc80-\udcff]")


def _mostly_utf8(data: bytes) -> "Decoded | None":
    """UTF-8 with a few damaged bytes (a cut multi-byte character, a stray Latin-1 byte): the text
    with U+FFFD for each bad byte, or None when the bad bytes are more than 5% of the non-ASCII
    bytes (then it is some other encoding, e.g. TIS-620, whose high bytes are almost never valid
    UTF-8)."""
    text = data.decode("utf-8", errors="surrogateescape")
    bad = len(_ESCAPED.findall(text))
    high = len(data) - len(data.decode("ascii", errors="ignore"))
    if bad > 0.05 * high or high - bad < 16:
        return None
    return Decoded(_ESCAPED.sub("\ufffd", text), "utf-8", replaced=bad)


class Decoded(tuple):
    """``(text, encoding)``, plus ``replaced``: how many undecodable bytes became U+FFFD (readers
    keep a non-zero count in ``metadata["replaced_bytes"]``)."""

    def __new__(cls, text: str, encoding: str, replaced: int = 0) -> "Decoded":
        self = super().__new__(cls, (text, encoding))
        self.replaced = replaced
        return self


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 exported without a BOM. Text in one script keeps one byte of each pair nearly
    constant (0x00 for Latin, 0x0E for Thai, 0x0E/0x17/0x10 for Lao/Khmer/Burmese …): when one
    side of the pairs is that uniform and the other is not, and the decoded text is printable,
    it is UTF-16 on that side."""
    if len(data) % 2 or len(data) < 16:  # too short to tell
        return None
    sample = data[:8192]

    def uniformity(side: bytes) -> float:
        top = Counter(side).most_common(2)
        return sum(n for _, n in top) / max(len(side), 1)

    even, odd = uniformity(sample[0::2]), uniformity(sample[1::2])
    name = "utf-16-le" if odd >= 0.9 > even else "utf-16-be" if even >= 0.9 > odd else None
    if name is None:
        return None
    try:
        text = data.decode(name)
    except UnicodeDecodeError:
        return None
    bad = sum(1 for ch in text if not ch.isprintable() and ch not in "\n\r\t")
    return (text, name) if bad <= 0.01 * len(text) else None


#: CP874 bytes outside the Thai block: euro, ellipsis, curly quotes, bullet, dashes, NBSP.
_CP874_PUNCT = frozenset({0x80, 0x85, *range(0x91, 0x98), 0xA0})


def _looks_thai_legacy(data: bytes) -> bool:
    """Thai in TIS-620 / CP874: high bytes are Thai letters (0xA1–0xFB) or CP874 punctuation,
    mostly letters, and they come in runs (Thai words are all high bytes), which tells Thai apart
    from Latin-1 text whose accented letters (also ≥ 0xE0) sit alone between ASCII letters."""
    high = [i for i, b in enumerate(data) if b >= 0x80]
    if not high:
        return False
    thai = sum(1 for i in high if 0xA1 <= data[i] <= 0xFB and not 0xDB <= data[i] <= 0xDE)
    punct = sum(1 for i in high if data[i] in _CP874_PUNCT)
    if thai + punct < 0.98 * len(high) or thai < 0.6 * len(high):
        return False
    in_runs = sum(1 for i in high if (i > 0 and data[i - 1] >= 0x80) or (i + 1 < len(data) and data[i + 1] >= 0x80))
    return in_runs >= 0.7 * len(high)
