"""Patterns the quality signals need: boilerplate lines and spam terms in the region's languages.

Boilerplate patterns catch the lines a web page wraps around an article — cookie notices,
navigation, "read more", share buttons, log-in, copyright — in the languages of the region, not
only in English. Spam terms are the vocabulary of gambling and adult pages, the commonest web spam
in Thai, Vietnamese and Indonesian crawls (C4 drops pages with "bad words"; here a page is judged by
the share of its words that are such terms, so news about gambling stays). Stop words live in the
language table (:mod:`khlang.lang.languages`).
"""

from __future__ import annotations

import re

# Lines that are boilerplate wherever they appear, even when long (cookie banners, copyright).
_ANYWHERE = [
    r"cookies?\b", r"คุกกี้", r"\bkuki\b", r"ខូឃី", r"ຄຸກກີ້",
    r"all rights reserved", r"สงวนลิขสิทธิ์", r"bản quyền thuộc", r"hak cipta", r"hak cipta terpelihara",
    r"karapatang-ari", r"រក្សាសិទ្ធិ", r"ສະຫງວນລິຂະສິດ", r"မူပိုင်ခွင့်", r"版权所有", r"©",
    r"privacy policy", r"นโยบายความเป็นส่วนตัว", r"chính sách bảo mật", r"kebijakan privasi",
    r"dasar privasi", r"patakaran sa privacy", r"javascript", r"lorem ipsum",
]
# Words of menus, buttons and widgets. A line made (almost) only of them is boilerplate.
_MENU_WORDS = [
    # navigation / home / menu
    r"home", r"menu", r"หน้าแรก", r"หน้าหลัก", r"เมนู", r"trang chủ", r"beranda", r"laman utama",
    r"utama", r"tahanan", r"ទំព័រដើម", r"ໜ້າຫຼັກ", r"ပင်မစာမျက်နှာ", r"首页", r"back to top",
    r"กลับด้านบน", r"lên đầu trang", r"kembali ke atas", r"news", r"ข่าว", r"tin tức", r"berita",
    r"balita", r"sport", r"video", r"วิดีโอ", r"กีฬา", r"thể thao", r"olahraga", r"sukan",
    # share / follow
    r"share", r"tweet", r"แชร์", r"แบ่งปัน", r"chia sẻ", r"bagikan", r"kongsi", r"ibahagi",
    r"ចែករំលែក", r"ແບ່ງປັນ", r"မျှဝေ", r"分享", r"follow us", r"ติดตามเรา", r"theo dõi",
    r"ikuti kami", r"facebook", r"twitter", r"line", r"whatsapp", r"telegram", r"email",
    r"youtube", r"instagram", r"tiktok", r"copy link", r"คัดลอกลิงก์",
    # log-in / subscribe / search
    r"log ?in", r"sign ?in", r"sign up", r"subscribe", r"เข้าสู่ระบบ", r"สมัครสมาชิก", r"ค้นหา",
    r"đăng nhập", r"đăng ký", r"tìm kiếm", r"masuk", r"daftar", r"log masuk", r"langgan", r"cari",
    r"mag-login", r"mag-subscribe", r"maghanap", r"ចូល", r"ស្វែងរក", r"ເຂົ້າສູ່ລະບົບ", r"ຄົ້ນຫາ",
    # contact / about / terms / ads
    r"contact us", r"about us", r"ติดต่อเรา", r"เกี่ยวกับเรา", r"liên hệ", r"hubungi kami",
    r"tentang kami", r"terms of (?:use|service)", r"ข้อกำหนด", r"điều khoản", r"syarat",
    r"advertisement", r"โฆษณา", r"quảng cáo", r"iklan", r"patalastas", r"ពាណិជ្ជកម្ម", r"ໂຄສະນາ",
    r"ကြော်ငြာ",
]
# Phrases that open a boilerplate line ("Read more: <link title>", "Tags: a, b, c").
_LEADS = [
    r"read more", r"อ่านต่อ", r"อ่านเพิ่มเติม", r"อ่านข่าว", r"xem thêm", r"đọc thêm", r"đọc tiếp",
    r"baca juga", r"baca selengkapnya", r"selengkapnya", r"baca lagi", r"baca seterusnya",
    r"magbasa pa", r"basahin pa", r"អានបន្ត", r"ອ່ານຕໍ່", r"ဆက်ဖတ်ရန်", r"阅读更多", r"相关阅读",
    r"related (?:articles|posts|news|stories)", r"ข่าวที่เกี่ยวข้อง", r"บทความที่เกี่ยวข้อง",
    r"tin liên quan", r"bài viết liên quan", r"berita terkait", r"artikel terkait",
    r"artikel berkaitan", r"mga kaugnay na (?:artikulo|balita)", r"អត្ថបទទាក់ទង", r"tags?\s*:",
    r"แท็ก", r"thẻ\s*:", r"share (?:this|on)", r"แชร์", r"chia sẻ", r"bagikan", r"kongsi",
    r"ติดตาม(?:เรา|ข่าว)", r"follow us", r"theo dõi", r"ikuti kami", r"sundan kami",
]


def _alternation(patterns: list[str]) -> str:
    """Latin patterns get word boundaries; patterns in unspaced scripts cannot have them.

    The Latin ones share one leading ``\\b``: Python's ``re`` tries alternatives one by one, so a
    ``\\b`` in front of each costs a failed test per pattern at every position inside a word,
    one in front of the group costs one (4x faster on ordinary text). Matches are the same: a
    pattern starting with an ASCII letter and one starting with a letter of another script never
    match at the same position, and each group keeps its order."""
    latin = [rf"(?:{p})" + ("" if p.endswith(":") else r"(?!\w)") for p in patterns if p[0].isascii()]
    other = [p for p in patterns if not p[0].isascii()]
    return "|".join(([rf"\b(?:{'|'.join(latin)})"] if latin else []) + other)


#: Boilerplate anywhere in a line of at most this many characters.
ANYWHERE_MAX_CHARS = 400
#: Menu-word lines and lead lines count only up to these lengths.
MENU_MAX_CHARS = 80
LEAD_MAX_CHARS = 160



def _first_char(pattern: str) -> str:
    """The character every match of ``pattern`` starts with (its first, after a leading ``\\b``)."""
    return pattern.removeprefix("\\b")[0]


def _search_pattern(patterns: list[str]) -> str:
    """:func:`_alternation` behind a look-ahead on the first characters of the patterns (both
    cases): ``re`` tries an alternation at every position of a line, and most positions hold a
    character no pattern starts with, which the look-ahead rejects in one test — 2.5x faster
    on the lines of the benchmark corpus, same matches (tests/test_quality.py)."""
    first = sorted({c for p in patterns for c in (_first_char(p).lower(), _first_char(p).upper())})
    return f"(?=[{re.escape(''.join(first))}])(?:{_alternation(patterns)})"


ANYWHERE_RE = re.compile(_search_pattern(_ANYWHERE), re.IGNORECASE)
MENU_WORDS_RE = re.compile(_search_pattern(_MENU_WORDS), re.IGNORECASE)
LEAD_RE = re.compile(r"^\W*(?:" + _alternation(_LEADS) + ")", re.IGNORECASE)
#: What may sit between menu words: separators, punctuation, digits, icons.
FILLER_RE = re.compile(r"[\W\d_]+")
#: Breadcrumbs ("Home > News > Economy") and pipe menus ("News | Sport | Video").
CRUMBS_RE = re.compile(r"(?:[^>|»›\n]{1,40}\s[>|»›]\s){2,}")

# Gambling and adult-content terms (lower case). Matched anywhere in the text: Thai has no spaces.
_SPAM = [
    # Thai: online casino, slots, football betting, lottery, "free credit", deposit/withdraw, adult
    r"บาคาร่า", r"สล็อต", r"แทงบอล", r"เว็บพนัน", r"คาสิโน", r"พนันออนไลน์", r"หวยออนไลน์", r"เครดิตฟรี",
    r"ฝากถอน", r"ฝาก-ถอน", r"ไม่มีขั้นต่ำ", r"เว็บตรง", r"แตกง่าย", r"ยูฟ่าเบท", r"ufabet", r"pg ?slot",
    r"โบนัส 100", r"โบนัส100", r"คลิปโป๊", r"หนังโป๊", r"คลิปหลุด", r"หนังเอ็กซ์", r"เย็ดหี", r"สาวสวยเซ็กซี่",
    # Vietnamese: bookmaker, betting, slot jackpots, over/under, cockfighting, lottery, adult
    r"nhà cái", r"cá cược", r"cá độ", r"nổ hũ", r"tài xỉu", r"đá gà", r"lô đề", r"soi cầu", r"xóc đĩa",
    r"game bài", r"casino", r"khuyến mãi nạp", r"phim sex", r"gái gọi", r"phim người lớn",
    # Indonesian / Malay: gambling, slots, togel lottery, "maxwin", deposit by phone credit, adult
    r"judi", r"slot gacor", r"gacor", r"togel", r"maxwin", r"situs slot", r"bandar (?:judi|togel|slot)",
    r"deposit pulsa", r"agen slot", r"scatter hitam", r"jackpot", r"bokep", r"video mesum", r"live casino", r"poker online",
    r"taruhan", r"sabung ayam",
    # English, anywhere in the region's web
    r"online casino", r"sportsbook", r"porn", r"xxx", r"viagra",
]
# Thai terms are plain strings in a script without case or spaces: str.count finds them at C speed.
# The others go through one regex whose look-ahead on their first letters lets the scan skip most
# positions (an alternation of ~40 terms tried at every character costs 4x more on ordinary text).
_SPAM_THAI = tuple(p for p in _SPAM if "\u0e00" <= p[0] <= "\u0e7f")
_SPAM_OTHER = [p for p in _SPAM if p not in _SPAM_THAI]
_SPAM_FIRST = "".join(sorted({c for p in _SPAM_OTHER for c in (p[0].lower(), p[0].upper())}))
SPAM_RE = re.compile(f"(?=[{re.escape(_SPAM_FIRST)}])(?:{_alternation(_SPAM_OTHER)})", re.IGNORECASE)




def _literal(pattern: str) -> str:
    """The longest plain stretch of a term's pattern: text every match of it contains (an
    optional character ``x?`` or a group ``(?:…)`` cuts the pattern there)."""
    return max(re.sub(r"\(\?:[^)]*\)|.\?", "\0", pattern).split("\0"), key=len)


# Most pages hold no spam term at all, and SPAM_RE still tries its alternation at every word
# start (~90 µs for 2,300 characters). A page whose lower-cased text contains none of these
# plain stretches (one C-level substring search each) cannot match it, so it is not scanned.
_SPAM_LITERALS = sorted({_literal(p) for p in _SPAM_OTHER})
_SPAM_LITERALS = tuple(x for x in _SPAM_LITERALS if not any(y != x and y in x for y in _SPAM_LITERALS))
#: Characters that match a letter of those stretches under ``re.IGNORECASE`` though their
#: ``str.lower()`` is not that letter (İ lowers to two characters; ı and ſ match i and s):
#: a text holding one is always scanned (tests/test_quality.py derives this set from ``re``).
_THAI = re.compile("[\u0e00-\u0e7f]")
CASE_EXOTIC = ("\u0130", "\u0131", "\u017f")


def spam_terms(text: str) -> int:
    """Occurrences of gambling/adult spam terms in ``text``."""
    thai = sum(map(text.count, _SPAM_THAI)) if _THAI.search(text) else 0  # (each count scans the text)
    if not any(map(text.__contains__, CASE_EXOTIC)):
        low = text.lower()
        if not any(map(low.__contains__, _SPAM_LITERALS)):
            return thai
    return thai + len(SPAM_RE.findall(text))
