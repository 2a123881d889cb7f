"""Bytes → text, detecting the encoding when the file does not say.

Thai text outside the web is still often TIS-620 / Windows-874, and UTF-16 shows up in exports
from office tools. We try, in order: an explicit encoding, a BOM, strict UTF-8, then
charset-normalizer's best guess restricted to plausible encodings, with a Thai-specific check
(TIS-620 bytes 0xA1–0xFB decode to Thai letters). Bytes that no candidate decodes cleanly raise
:class:`DecodeError`, which readers turn into an error record.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


class DecodeError(ValueError):
    """The bytes are not text in any encoding we accept."""


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding_used)`` or raise :class:`DecodeError`."""
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
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_thai_legacy(data):
        try:
            return data.decode("cp874"), "cp874"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise DecodeError("binary data (NUL bytes) that is not UTF-16/32 text")
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise DecodeError("no text encoding fits these bytes")
    if best.percent_chaos > 20:  # decodes, but into garbage: treat as not text
        raise DecodeError(f"bytes decode as {best.encoding} only into noise ({best.percent_chaos:.0f}% chaos)")
    return str(best), best.encoding


def _looks_thai_legacy(data: bytes) -> bool:
    """Most high bytes fall in TIS-620's Thai range (0xA1–0xFB) — CP874 is a superset."""
    high = [b for b in data if b >= 0x80]
    if not high:
        return False
    thai = sum(1 for b in high if 0xA1 <= b <= 0xFB and b not in range(0xDB, 0xDF))
    return thai / len(high) > 0.95
