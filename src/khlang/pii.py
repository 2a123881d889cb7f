"""``pii``: find and redact personal data common in Southeast-Asian text.

Types and placeholders: ``<EMAIL>``, ``<PHONE>`` (TH, VN, ID, MY, PH, SG, KH, LA, MM, CN formats,
validated with libphonenumber's per-country numbering plans), ``<ID_TH>`` (Thai national ID,
checksum), ``<ID_ID>`` (Indonesian NIK: province code + birth date), ``<ID_VN>`` (Vietnamese
citizen ID: province code + century/gender digit), ``<CARD>`` (Luhn + issuer prefix), ``<IP>``
(IPv4/IPv6, validated). Thai, Lao, Khmer and Burmese digits are read as digits.

Precision is treated as seriously as recall: a candidate must have the right digit count with
nothing digit-like glued to it, and must pass its checksum or structural test; prices, dates,
(Buddhist-era) years, article ids and version numbers are left alone. Removed values are never
stored — annotations carry counts per type only.

API::

    find_pii(text) -> list[Match]            # Match(start, end, type), code-point offsets
    redact(text, types=None) -> (text, counts)
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from typing import Any, Iterable, NamedTuple

from .document import Document
from .stage import Stage

TYPES = ("EMAIL", "PHONE", "ID_TH", "ID_ID", "ID_VN", "CARD", "IP")


class Match(NamedTuple):
    start: int
    end: int
    type: str


# Thai, Lao, Khmer, Myanmar digits → ASCII (one character each, so offsets do not move).
_DIGITS = str.maketrans({chr(base + i): str(i) for base in (0x0E50, 0x0ED0, 0x17E0, 0x1040) for i in range(10)})
_HAS_DIGIT = re.compile(r"[0-9\u0e50-\u0e59\u0ed0-\u0ed9\u17e0-\u17e9\u1040-\u1049]")
_LOCAL_DIGIT = re.compile(r"[\u0e50-\u0e59\u0ed0-\u0ed9\u17e0-\u17e9\u1040-\u1049]")
_LOCAL_DIGITS = re.compile(_LOCAL_DIGIT.pattern + "+")
_NON_DIGIT = re.compile(r"\D")
#: The shortest digit-based PII is 7 characters of digits and separators (1.1.1.1).
_LONG_NUMBER = re.compile(r"[0-9][0-9 .()+\-]{5,}[0-9]")

# Something digit-like right before/after a candidate means it is part of a longer number. Each
# pattern starts with a character class and checks what precedes it with a lookbehind *after*
# that first character: a leading lookbehind would cost the regex engine its fast scan (5× slower).
_LB = r"(?<![\w.,/+\-].)"  # no word char, decimal point, slash, sign or dash before
_E = r"(?![\w/]|[.,\-]\d)"  # no word char/slash after, nor a decimal/thousands/dash continuation

EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?!(?:png|jpe?g|gif|svg|webp|bmp|ico)\b)[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
IPV4_RE = re.compile(r"[0-9]" + _LB + r"[0-9]{0,2}\.(?:[0-9]{1,3}\.){2}[0-9]{1,3}(?![\w.]|\.\d)")
IPV6_RE = re.compile(r"[0-9A-Fa-f:](?<![\w:.].)[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]{1,37}(?:%\w+)?(?![\w:])")
_VERSION_BEFORE = re.compile(r"(?:\bv|\bver\.?|version|versi|phiên bản|เวอร์ชั[นั่]|รุ่น|版本)\s*$", re.IGNORECASE)

# Digit runs of ID / card length: contiguous, or grouped by single spaces/dashes.
ID_TH_RE = re.compile(r"[0-9]" + _LB + r"(?P<s>[ \-]?)[0-9]{4}(?P=s)[0-9]{5}(?P=s)[0-9]{2}(?P=s)[0-9]" + _E)
DIGITS_12_16_RE = re.compile(r"[0-9]" + _LB + r"[0-9]{11}(?:[0-9]{4})?" + _E)
CARD_RE = re.compile(r"[0-9]" + _LB + r"(?:[0-9]{3}(?P<s>[ \-])[0-9]{4}(?P=s)[0-9]{4}(?P=s)[0-9]{4}(?:(?P=s)[0-9]{1,3})?"
                     r"|[0-9]{3}(?P<t>[ \-])[0-9]{6}(?P=t)[0-9]{5}|[0-9]{12,18})" + _E)

_CC = r"(?:66|84|62|60|63|65|855|856|95|86)"
_SEP = r"[ .\-]?"
_GROUPS = rf"(?:{_SEP}[0-9]{{2,5}}){{1,4}}"
PHONE_RE = re.compile(
    r"[+(0-9](?<![\w+./\-].)(?:"
    rf"(?:(?<=\+)|(?<=0)0){_SEP}{_CC}{_SEP}(?:\(0\){_SEP})?\(?[0-9]{{1,4}}\)?{_GROUPS}"  # +66 / 0066
    rf"|(?<=\()0[0-9]{{1,3}}\){_SEP}[0-9]{{3,4}}(?:{_SEP}[0-9]{{3,4}}){{1,2}}"  # (02) 8123 4567
    rf"|(?<=0)[0-9]{{1,4}}{_GROUPS}"  # national, trunk 0
    rf"|(?<=1)[3-9][0-9](?:{_SEP}[0-9]{{4}}){{2}}"  # Chinese mobile 138 0013 8000
    rf"|(?<=[689])[0-9]{{3}}{_SEP}[0-9]{{4}}"  # Singapore, needs a keyword before it (below)
    r")" + _E
)
_PHONE_KEYWORD = re.compile(
    r"(?:tel|phone|mobile|call|whatsapp|hotline|fax|hp|telp|telepon|hubungi|ponsel|"
    r"โทร|เบอร์|มือถือ|điện thoại|đt|sđt|sdt|liên hệ|numero|telepono|ទូរស័ព្ទ|ໂທ|ဖုန်း|电话|手机|電話)"
    r"[^\w\n]{0,4}(?:\w+[^\w\n]{1,3})?$",
    re.IGNORECASE,
)
_REGIONS = ("TH", "VN", "ID", "MY", "PH", "SG", "KH", "LA", "MM", "CN")
# A grouped run is a date or time, not a phone, when groups look like d/m/y or hh.mm.
_DATE_LIKE = re.compile(r"^\d{1,2}[.\-]\d{1,2}[.\-](?:\d{2}|\d{4})(?:\D|$)")

# Indonesian NIK province codes (Kemendagri), Vietnamese citizen-ID province codes (Circular 07/2016).
_NIK_PROVINCES = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63,
                  64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97}
_VN_PROVINCES = {1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36,
                 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72,
                 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96}
_NIK_KEYWORD = re.compile(r"\b(?:nik|ktp|nomor induk)\b", re.IGNORECASE)


def thai_id_valid(digits: str) -> bool:
    """Thai national ID: 13 digits, first 1–8, last = (11 − Σ dᵢ·(13−i) mod 11) mod 10."""
    if len(digits) != 13 or digits[0] in "09":
        return False
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def nik_valid(digits: str) -> bool:
    """Indonesian NIK: province(2) regency(2) district(2) DDMMYY (DD+40 for women) serial(4)."""
    if len(digits) != 16 or int(digits[:2]) not in _NIK_PROVINCES or digits[2:4] == "00":
        return False
    day, month = int(digits[6:8]), int(digits[8:10])
    day = day - 40 if day > 40 else day
    return 1 <= day <= 31 and 1 <= month <= 12 and digits[12:] != "0000"


def vn_id_valid(digits: str) -> bool:
    """Vietnamese citizen ID (CCCD): province(3) century/gender(1) year(2) serial(6)."""
    if len(digits) != 12 or int(digits[:3]) not in _VN_PROVINCES:
        return False
    century = int(digits[3])
    if century > 3:  # 0/1: born 1900s (m/f), 2/3: 2000s; later centuries not issued yet
        return False
    year = (1900 if century < 2 else 2000) + int(digits[4:6])
    return year <= date.today().year


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def card_valid(digits: str) -> bool:
    """Payment card: Luhn, and an issuer prefix and length that exist (Visa, Mastercard, Amex,
    JCB, Discover, UnionPay, Diners)."""
    n = len(digits)
    if not 13 <= n <= 19 or not luhn_valid(digits):
        return False
    p2, p4 = int(digits[:2]), int(digits[:4])
    return (
        (digits[0] == "4" and n in (13, 16, 19))
        or ((51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16)
        or (p2 in (34, 37) and n == 15)
        or (3528 <= p4 <= 3589 and 16 <= n <= 19)
        or ((p4 == 6011 or p2 == 65 or 644 <= int(digits[:3]) <= 649) and 16 <= n <= 19)
        or (p2 == 62 and 16 <= n <= 19)
        or (p2 in (36, 38, 39) or 300 <= int(digits[:3]) <= 305) and n == 14
    )


def phone_valid(candidate: str, before: str) -> bool:
    """A phone candidate is kept only if libphonenumber calls it a valid number of one of the
    covered countries (international form: its own country; national form: any of them)."""
    import phonenumbers

    digits = _NON_DIGIT.sub("", candidate)
    if not 8 <= len(digits) <= 15 or _DATE_LIKE.match(candidate):
        return False
    international = candidate.startswith(("+", "00"))
    if not international and candidate[0] in "689" and not _PHONE_KEYWORD.search(before):
        return False  # bare 8-digit Singapore-style numbers need "Tel", "โทร" … before them
    regions = (None,) if international else _REGIONS
    text = "+" + digits[2:] if candidate.startswith("00") else candidate
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) in _REGIONS:
            return True
    return False


def find_pii(text: str, types: Iterable[str] | None = None) -> list[Match]:
    """Non-overlapping PII spans in ``text``, sorted by start (code-point offsets)."""
    wanted = set(types or TYPES)
    unknown = wanted - set(TYPES)
    if unknown:
        raise ValueError(f"unknown PII type(s) {sorted(unknown)}; known: {list(TYPES)}")
    found: list[Match] = []
    if "EMAIL" in wanted and "@" in text:
        found += [Match(m.start(), m.end(), "EMAIL") for m in EMAIL_RE.finditer(text)]
    if "IP" in wanted and ":" in text:
        found += [Match(m.start(), m.end(), "IP") for m in IPV6_RE.finditer(text) if _ipv6(m.group())]
    if not _HAS_DIGIT.search(text):
        return _resolve(found)
    # Thai, Lao, Khmer, Burmese digits as ASCII; translated run by run (str.translate of the whole
    # text looks every character up in the table's dict: ~0.3 ms for a Thai article)
    norm = _LOCAL_DIGITS.sub(_ascii_digits, text) if _LOCAL_DIGIT.search(text) else text
    if not _LONG_NUMBER.search(norm):  # one scan rules out every digit-based type (most texts)
        return _resolve(found)
    if "IP" in wanted and "." in norm:
        found += [Match(m.start(), m.end(), "IP") for m in IPV4_RE.finditer(norm) if _ipv4(m, norm)]
    if "ID_TH" in wanted:
        found += [Match(m.start(), m.end(), "ID_TH") for m in ID_TH_RE.finditer(norm)
                  if thai_id_valid(_NON_DIGIT.sub("", m.group()))]
    if wanted & {"ID_ID", "ID_VN", "CARD"}:
        found += _ids_and_cards(norm, wanted)
    if "PHONE" in wanted:
        found += [Match(m.start(), m.end(), "PHONE") for m in PHONE_RE.finditer(norm)
                  if phone_valid(m.group(), norm[max(0, m.start() - 30) : m.start()])]
    return _resolve(found)


def _ascii_digits(m: re.Match) -> str:
    return m.group().translate(_DIGITS)


def _ids_and_cards(norm: str, wanted: set[str]) -> list[Match]:
    out = []
    for m in DIGITS_12_16_RE.finditer(norm):
        digits = m.group()
        if len(digits) == 12 and "ID_VN" in wanted and vn_id_valid(digits):
            out.append(Match(m.start(), m.end(), "ID_VN"))
        elif len(digits) == 16 and "ID_ID" in wanted and nik_valid(digits):
            before = norm[max(0, m.start() - 40) : m.start()]
            # A valid NIK that is also a valid card number is a card unless "NIK"/"KTP" precedes it.
            if not ("CARD" in wanted and card_valid(digits) and not _NIK_KEYWORD.search(before)):
                out.append(Match(m.start(), m.end(), "ID_ID"))
    if "CARD" in wanted:
        out += [Match(m.start(), m.end(), "CARD") for m in CARD_RE.finditer(norm)
                if card_valid(_NON_DIGIT.sub("", m.group()))]
    return out


def _ipv4(m: re.Match, norm: str) -> bool:
    octets = m.group().split(".")
    if any(len(o) > 1 and o[0] == "0" for o in octets) or octets[0] == "0":
        return False  # leading zeros: a version or a date, not an address
    try:
        ipaddress.IPv4Address(m.group())
    except ValueError:
        return False
    return not _VERSION_BEFORE.search(norm[max(0, m.start() - 15) : m.start()])


def _ipv6(candidate: str) -> bool:
    if candidate.count(":") < 2 or not any(c.isalnum() for c in candidate):
        return False
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return True


_PRIORITY = {t: i for i, t in enumerate(("EMAIL", "IP", "ID_TH", "ID_VN", "ID_ID", "CARD", "PHONE"))}


def _resolve(found: list[Match]) -> list[Match]:
    """Keep the longest (then highest-priority) of overlapping spans."""
    found.sort(key=lambda m: (m.start, -(m.end - m.start), _PRIORITY[m.type]))
    out: list[Match] = []
    for m in found:
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out


def redact(text: str, types: Iterable[str] | None = None) -> tuple[str, dict[str, int]]:
    """``text`` with each PII span replaced by ``<TYPE>``, and the count per type."""
    matches = find_pii(text, types)
    if not matches:
        return text, {}
    parts, counts, pos = [], {}, 0
    for m in matches:
        parts += (text[pos : m.start], f"<{m.type}>")
        counts[m.type] = counts.get(m.type, 0) + 1
        pos = m.end
    parts.append(text[pos:])
    return "".join(parts), counts


class Pii(Stage):
    """Redact PII in place; ``doc.annotations["pii"]`` = counts per type (never the values).

    Parameter ``types``: the PII types to redact (default: all of :data:`TYPES`).
    """

    name = "pii"

    def __init__(self, types: list[str] | None = None) -> None:
        super().__init__()
        self.types = list(types) if types else list(TYPES)
        unknown = set(self.types) - set(TYPES)
        if unknown:
            raise ValueError(f"unknown PII type(s) {sorted(unknown)}; known: {list(TYPES)}")

    def params(self) -> dict[str, Any]:
        return {"types": self.types}

    def process(self, doc: Document) -> Document:
        doc.text, counts = redact(doc.text, self.types)
        doc.annotations[self.name] = counts
        if counts:
            doc.cache.pop("words", None)  # the text changed: words from segment are stale
        return doc
