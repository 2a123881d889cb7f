"""Word lists the quality signals need: stop words and boilerplate-line patterns per language.

Stop words answer Gopher's "does this read like running text?" question (real prose always has
function words). The lists for languages other than Thai are short on purpose: the rule needs a
handful of very frequent function words, not a full list. Thai comes from PyThaiNLP's corpus.

Boilerplate patterns catch the lines a web page wraps around an article — cookie notices,
navigation, "read more", share buttons, log-in, copyright — in the languages of the region, not
only in English.
"""

from __future__ import annotations

import re
from functools import lru_cache

_STOP_WORDS: dict[str, str] = {
    "en": "the be to of and a in that have it is was for on are with as at by this from or an not",
    "vi": "và của là có được cho không những các một trong với người này đã để khi thì cũng từ như "
    "đến nhiều ra tại theo về",
    "id": "yang dan di ke dari ini itu dengan untuk dalam tidak akan pada juga ada adalah oleh "
    "karena atau sudah bisa saat",
    "ms": "yang dan di ke dari ini itu dengan untuk dalam tidak akan pada juga ada adalah oleh "
    "kerana atau sudah boleh telah ialah",
    "tl": "ang ng sa na mga at ay si ni para kay hindi ito siya ako ka kung pero dahil may "
    "naman lang din rin",
    "lo": "ແລະ ທີ່ ຂອງ ໃນ ເປັນ ໄດ້ ມີ ກັບ ຈະ ແມ່ນ ນີ້ ຫຼື ໃຫ້ ຈາກ ໂດຍ ວ່າ ກໍ່ ແຕ່",
    "km": "និង ជា នៃ នៅ ដែល បាន មាន ក្នុង ពី ទៅ ថា គឺ ឲ្យ ឱ្យ ការ ដើម្បី ហើយ នេះ",
    "my": "နှင့် သည် ကို ၏ မှ တွင် ၍ များ ရန် ဖြင့် သော ပြီး လည်း ဟု ကြောင်း",
    "zh": "的 了 是 在 和 有 我 他 这 不 也 就 人 都 一 个 上 们 到 说",
    "ta": "ஒரு மற்றும் இந்த அந்த என்று என்ற இது அது உள்ள போது மேலும் என",
}

#: Languages written without spaces between words; stop words are counted as substrings there
#: when no segmenter ran (a fallback word list from whitespace would hide them).
UNSEGMENTED = frozenset({"lo", "km", "my", "zh"})


@lru_cache(maxsize=None)
def stop_words(lang: str) -> frozenset[str]:
    """The stop-word set for ``lang`` (empty if we have none)."""
    if lang == "th":
        from pythainlp.corpus import thai_stopwords

        return frozenset(thai_stopwords())
    return frozenset(_STOP_WORDS.get(lang, "").split())


@lru_cache(maxsize=None)
def stop_word_regex(lang: str) -> re.Pattern | None:
    """An alternation of ``lang``'s stop words, for unsegmented scripts."""
    words = sorted(stop_words(lang), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


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
    """Latin patterns get word boundaries; patterns in unspaced scripts cannot have them."""
    return "|".join(rf"\b(?:{p})" + ("" if p.endswith(":") else r"(?!\w)") if p[0].isascii() else p
                    for p in patterns)


#: Boilerplate anywhere in a line of at most this many characters.
ANYWHERE_MAX_CHARS = 400
#: Menu-word lines and lead lines count only up to these lengths.
MENU_MAX_CHARS = 80
LEAD_MAX_CHARS = 160

ANYWHERE_RE = re.compile(_alternation(_ANYWHERE), re.IGNORECASE)
MENU_WORDS_RE = re.compile(_alternation(_MENU_WORDS), re.IGNORECASE)
LEAD_RE = re.compile(r"^\W*(?:" + _alternation(_LEADS) + ")", re.IGNORECASE)
#: What may sit between menu words: separators, punctuation, digits, icons.
FILLER_RE = re.compile(r"[\W\d_]+")
#: Breadcrumbs ("Home > News > Economy") and pipe menus ("News | Sport | Video").
CRUMBS_RE = re.compile(r"(?:[^>|»›\n]{1,40}\s[>|»›]\s){2,}")
