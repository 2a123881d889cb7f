"""Junk documents for bench/quality.py, built from templates written for this bench (deterministic).

Kinds: menus, link lists, keyword stuffing, gambling/adult spam (Thai, Vietnamese, Indonesian),
symbol runs, repeated lines, boilerplate, machine-made product listings. Every kind exists for every language of the
language table (its words come from the small per-language vocabularies below); the spam kinds
only for th, vi, id (``spam``: slogan lists; ``spam_article``: the same pitch written as prose). None of this text comes from the evaluation data.
"""

from __future__ import annotations

import random

#: Per language: menu/navigation words, words for link titles, a boilerplate sentence set.
VOCAB: dict[str, dict[str, list[str]]] = {
    "th": {"menu": ["หน้าแรก", "ข่าว", "กีฬา", "บันเทิง", "เศรษฐกิจ", "การเมือง", "ติดต่อเรา", "เกี่ยวกับเรา", "ค้นหา", "เข้าสู่ระบบ"],
           "title": ["ราคาทองวันนี้", "ผลบอลเมื่อคืน", "หวยงวดนี้", "สภาพอากาศ", "ข่าวด่วน", "ดาราดัง", "รถไฟฟ้า", "ค่าเงินบาท"],
           "boiler": ["เว็บไซต์นี้ใช้คุกกี้เพื่อมอบประสบการณ์ที่ดีที่สุด", "สงวนลิขสิทธิ์ พ.ศ. 2568", "นโยบายความเป็นส่วนตัว",
                      "กดติดตามเพื่อไม่พลาดข่าวสาร", "หน้านี้สร้างขึ้นโดยอัตโนมัติ", "สินค้าหมด กรุณาติดต่อผู้ขาย"]},
    "lo": {"menu": ["ໜ້າຫຼັກ", "ຂ່າວ", "ກິລາ", "ບັນເທີງ", "ເສດຖະກິດ", "ຕິດຕໍ່", "ຄົ້ນຫາ", "ເຂົ້າສູ່ລະບົບ"],
           "title": ["ລາຄາຄຳມື້ນີ້", "ຂ່າວດ່ວນ", "ອາກາດ", "ເງິນກີບ", "ບານເຕະ", "ລົດໄຟ"],
           "boiler": ["ສະຫງວນລິຂະສິດ 2025", "ເວັບໄຊນີ້ໃຊ້ຄຸກກີ້", "ແບ່ງປັນ Facebook", "ອ່ານຕໍ່"]},
    "km": {"menu": ["ទំព័រដើម", "ព័ត៌មាន", "កីឡា", "កម្សាន្ត", "សេដ្ឋកិច្ច", "ទំនាក់ទំនង", "ស្វែងរក", "ចូល"],
           "title": ["តម្លៃមាសថ្ងៃនេះ", "ព័ត៌មានថ្មី", "អាកាសធាតុ", "បាល់ទាត់", "ប្រាក់រៀល"],
           "boiler": ["រក្សាសិទ្ធិគ្រប់យ៉ាង ២០២៥", "ចែករំលែក Facebook", "អានបន្ត", "គេហទំព័រនេះប្រើខូឃី"]},
    "my": {"menu": ["ပင်မစာမျက်နှာ", "သတင်း", "အားကစား", "ဖျော်ဖြေရေး", "စီးပွားရေး", "ဆက်သွယ်ရန်", "ရှာဖွေရန်"],
           "title": ["ရွှေဈေးနှုန်း", "သတင်းထူး", "ရာသီဥတု", "ဘောလုံး", "ငွေလဲနှုန်း"],
           "boiler": ["မူပိုင်ခွင့် ၂၀၂၅", "မျှဝေပါ Facebook", "ဆက်ဖတ်ရန်", "ကြော်ငြာ"]},
    "vi": {"menu": ["Trang chủ", "Tin tức", "Thể thao", "Giải trí", "Kinh tế", "Liên hệ", "Tìm kiếm", "Đăng nhập", "Đăng ký"],
           "title": ["Giá vàng hôm nay", "Kết quả bóng đá", "Thời tiết", "Tỷ giá USD", "Xổ số miền Bắc", "Tin nóng"],
           "boiler": ["Bản quyền thuộc về Công ty ABC", "Chính sách bảo mật", "Website sử dụng cookie để cải thiện trải nghiệm",
                      "Trang này được tạo tự động", "Sản phẩm tạm hết hàng, vui lòng liên hệ"]},
    "id": {"menu": ["Beranda", "Berita", "Olahraga", "Hiburan", "Ekonomi", "Hubungi Kami", "Cari", "Masuk", "Daftar"],
           "title": ["Harga emas hari ini", "Jadwal bola", "Cuaca Jakarta", "Kurs rupiah", "Berita terkini", "Resep masakan"],
           "boiler": ["Hak cipta dilindungi undang-undang", "Kebijakan privasi", "Situs ini menggunakan cookie",
                      "Halaman ini dibuat secara otomatis", "Stok habis, silakan hubungi penjual"]},
    "ms": {"menu": ["Laman Utama", "Berita", "Sukan", "Hiburan", "Ekonomi", "Hubungi Kami", "Cari", "Log Masuk"],
           "title": ["Harga emas hari ini", "Jadual bola", "Cuaca", "Kadar tukaran ringgit", "Berita terkini"],
           "boiler": ["Hak cipta terpelihara", "Dasar privasi", "Laman ini menggunakan kuki", "Baca seterusnya"]},
    "tl": {"menu": ["Tahanan", "Balita", "Isports", "Libangan", "Negosyo", "Makipag-ugnayan", "Maghanap", "Mag-login"],
           "title": ["Presyo ng ginto", "Lagay ng panahon", "Resulta ng laro", "Palitan ng piso", "Pinakabagong balita"],
           "boiler": ["Karapatang-ari 2025", "Patakaran sa privacy", "Magbasa pa", "Ibahagi sa Facebook"]},
    "ceb": {"menu": ["Balay", "Balita", "Isports", "Kalingawan", "Negosyo", "Kontaka mi", "Pangita", "Sulod"],
            "title": ["Presyo sa bulawan", "Panahon karon", "Resulta sa dula", "Bag-ong balita", "Lutoon karon"],
            "boiler": ["Copyright 2025 tanang katungod gitagana", "Privacy policy", "Basaha pa", "I-share sa Facebook"]},
    "jv": {"menu": ["Ngarep", "Kabar", "Olahraga", "Hiburan", "Ekonomi", "Kontak", "Golek", "Mlebu"],
           "title": ["Rega emas dina iki", "Jadwal bal-balan", "Cuaca", "Kabar anyar", "Resep masakan"],
           "boiler": ["Hak cipta 2025", "Kebijakan privasi", "Waca uga", "Bagikan menyang Facebook"]},
    "su": {"menu": ["Tepas", "Warta", "Olahraga", "Hiburan", "Ékonomi", "Kontak", "Milarian", "Lebet"],
           "title": ["Harga emas dinten ieu", "Jadwal maén bal", "Cuaca", "Warta anyar", "Resep kadaharan"],
           "boiler": ["Hak cipta 2025", "Kawijakan privasi", "Baca ogé", "Bagikeun ka Facebook"]},
    "zh": {"menu": ["首页", "新闻", "体育", "娱乐", "财经", "联系我们", "搜索", "登录", "注册"],
           "title": ["今日金价", "足球比分", "天气预报", "人民币汇率", "最新消息", "美食菜谱"],
           "boiler": ["版权所有 © 2025", "隐私政策", "本网站使用 cookies", "阅读更多", "本页面由系统自动生成"]},
    "en": {"menu": ["Home", "News", "Sport", "Entertainment", "Business", "Contact us", "Search", "Log in", "Sign up"],
           "title": ["Gold price today", "Football results", "Weather", "Exchange rates", "Breaking news", "Recipes"],
           "boiler": ["All rights reserved", "Privacy policy", "This site uses cookies to improve your experience",
                      "This page was generated automatically", "Out of stock, please contact the seller"]},
    "ta": {"menu": ["முகப்பு", "செய்திகள்", "விளையாட்டு", "சினிமா", "வணிகம்", "தொடர்பு", "தேடல்", "உள்நுழை"],
           "title": ["இன்றைய தங்க விலை", "கிரிக்கெட் ஸ்கோர்", "வானிலை", "சமீபத்திய செய்திகள்", "சமையல் குறிப்பு"],
           "boiler": ["பதிப்புரிமை 2025", "Privacy policy", "மேலும் படிக்க", "Facebook இல் பகிர்"]},
}

#: Gambling / adult spam phrases per language (promotional sentences of the kind spam pages repeat).
SPAM: dict[str, list[str]] = {
    "th": ["สมัครสล็อตเว็บตรง แตกง่าย ฝากถอนไม่มีขั้นต่ำ", "บาคาร่าออนไลน์ รับเครดิตฟรี 100 บาท", "แทงบอลออนไลน์ ราคาดีที่สุด",
           "คาสิโนออนไลน์ อันดับ 1 ของประเทศไทย", "สมัครสมาชิกวันนี้รับโบนัส 100% ทันที", "ดูคลิปหลุด หนังโป๊ ฟรี ไม่ต้องสมัคร",
           "เว็บพนันออนไลน์ ถูกกฎหมาย มั่นคง ปลอดภัย", "หวยออนไลน์ จ่ายบาทละ 900", "pg slot ทดลองเล่นฟรี ได้เงินจริง",
           "ติดต่อแอดมินได้ตลอด 24 ชั่วโมง ผ่านไลน์", "ฝาก-ถอน ออโต้ ภายใน 30 วินาที"],
    "vi": ["Nhà cái uy tín số 1 Việt Nam", "Cá cược bóng đá trực tuyến tỷ lệ cao", "Nổ hũ đổi thưởng nhận ngay 100k",
           "Tài xỉu online uy tín, rút tiền nhanh", "Đá gà trực tiếp hôm nay", "Soi cầu lô đề chính xác 100%",
           "Game bài đổi thưởng casino trực tuyến", "Khuyến mãi nạp lần đầu tặng 200%", "Xem phim sex miễn phí không quảng cáo",
           "Đăng ký tài khoản ngay để nhận quà", "Hỗ trợ khách hàng 24/7 qua Zalo"],
    "id": ["Situs slot gacor hari ini gampang maxwin", "Daftar judi online terpercaya deposit pulsa tanpa potongan",
           "Bandar togel online resmi hadiah terbesar", "Agen slot gacor scatter hitam", "Live casino dan poker online 24 jam",
           "Bonus new member 100% di awal", "Link alternatif situs slot terbaru", "Nonton video bokep terbaru gratis",
           "Taruhan bola online pasaran lengkap", "Jackpot besar setiap hari, buruan daftar", "Hubungi admin via WhatsApp"],
}
#: Spam written as an article: whole sentences with function words and full stops, the kind that
#: passes length, stop-word and punctuation rules (SEO pages of gambling sites).
SPAM_PROSE: dict[str, list[str]] = {
    "th": ["ปัจจุบันการเล่นสล็อตออนไลน์ได้รับความนิยมอย่างมากในหมู่คนไทยทุกเพศทุกวัย",
           "เว็บของเราเป็นเว็บตรงไม่ผ่านเอเย่นต์ จึงมั่นใจได้ว่าทุกการเดิมพันมีความปลอดภัย",
           "ผู้เล่นสามารถฝากถอนได้ด้วยตัวเองผ่านระบบออโต้ที่รวดเร็วที่สุดในตอนนี้",
           "สมาชิกใหม่จะได้รับเครดิตฟรีทันทีหลังจากสมัครเสร็จ โดยไม่ต้องทำยอดเทิร์น",
           "นอกจากสล็อตแล้ว เรายังมีบาคาร่า รูเล็ต และแทงบอลออนไลน์ให้เลือกเล่นอีกมากมาย",
           "เกมสล็อตของเราแตกง่าย จ่ายจริง และมีโปรโมชั่นใหม่ ๆ ทุกสัปดาห์",
           "หากท่านมีคำถามสามารถติดต่อทีมงานของเราได้ตลอด 24 ชั่วโมง",
           "อย่ารอช้า สมัครวันนี้เพื่อรับโบนัส 100% และสิทธิพิเศษอีกมากมาย"],
    "vi": ["Hiện nay cá cược trực tuyến đang trở thành hình thức giải trí được nhiều người lựa chọn.",
           "Nhà cái của chúng tôi được cấp phép hoạt động hợp pháp và bảo mật thông tin tuyệt đối.",
           "Người chơi có thể tham gia nổ hũ, tài xỉu, đá gà và nhiều trò chơi hấp dẫn khác.",
           "Khi đăng ký tài khoản mới, bạn sẽ nhận được khuyến mãi nạp đầu lên đến 200%.",
           "Hệ thống nạp rút tiền tự động giúp giao dịch chỉ mất vài phút.",
           "Tỷ lệ cá cược bóng đá tại nhà cái luôn cao hơn so với các đơn vị khác.",
           "Đội ngũ chăm sóc khách hàng luôn sẵn sàng hỗ trợ bạn 24/7.",
           "Hãy đăng ký ngay hôm nay để không bỏ lỡ những phần quà giá trị."],
    "id": ["Saat ini bermain slot online menjadi hiburan favorit bagi banyak orang di Indonesia.",
           "Situs kami adalah agen judi online terpercaya yang sudah berdiri sejak lama.",
           "Anda bisa melakukan deposit pulsa tanpa potongan dan penarikan dana yang cepat.",
           "Semua permainan slot gacor di situs ini memiliki peluang maxwin yang sangat tinggi.",
           "Selain slot, kami juga menyediakan togel, live casino, dan taruhan bola.",
           "Member baru akan mendapatkan bonus sebesar 100% pada deposit pertama.",
           "Layanan pelanggan kami siap membantu anda selama 24 jam setiap hari.",
           "Jangan lewatkan kesempatan untuk meraih jackpot terbesar bersama kami."],
}
SYMBOLS = "★☆✦✪❤♦♣♠▶►➤✔✓●■□▪◆◇※§¶†‡$€£¥%#@&*+=~^|<>{}[]"


def _menu(rng, v):
    lines = [" | ".join(rng.sample(v["menu"], min(5, len(v["menu"])))) for _ in range(rng.randint(3, 6))]
    lines += rng.sample(v["menu"], len(v["menu"]))
    return "\n".join(lines)


def _links(rng, v):
    lines = []
    for i in range(rng.randint(12, 25)):
        title = rng.choice(v["title"])
        style = rng.randrange(3)
        if style == 0:
            lines.append(f"» {title} {rng.randint(1, 31)}/{rng.randint(1, 12)}")
        elif style == 1:
            lines.append(f"https://news.example.com/{rng.randint(1000, 99999)}/{i} {title}")
        else:
            lines.append(f"- {title} ({rng.randint(1, 500)})")
    return "\n".join(lines)


def _stuffing(rng, v, spam):
    keys = rng.sample(v["title"] + v["menu"], 3) + ([rng.choice(spam)] if spam else [])
    words = [rng.choice(keys) for _ in range(rng.randint(60, 120))]
    return " ".join(words)


def _spam(rng, v, spam):
    lines = [rng.choice(spam) + rng.choice(["", " !!", " ✔", " 🔥", "."]) for _ in range(rng.randint(8, 16))]
    if rng.random() < 0.5:
        lines.insert(rng.randrange(len(lines)), " | ".join(rng.sample(v["menu"], 4)))
    return "\n".join(lines)


def _symbols(rng, v):
    lines = []
    for _ in range(rng.randint(6, 12)):
        run = "".join(rng.choice(SYMBOLS) for _ in range(rng.randint(8, 30)))
        lines.append(run + " " + rng.choice(v["title"]) + " " + run[::-1])
    return "\n".join(lines)


def _repeated(rng, v):
    line = rng.choice(v["boiler"] + v["title"])
    other = rng.choice(v["title"])
    return "\n".join([other] + [line] * rng.randint(8, 20) + [other])


def _boilerplate(rng, v):
    lines = list(v["boiler"]) + rng.sample(v["menu"], 3)
    rng.shuffle(lines)
    return "\n".join(lines * rng.randint(1, 3))


def _spam_article(rng, lang):
    sentences = rng.sample(SPAM_PROSE[lang], len(SPAM_PROSE[lang]))
    sep = " "
    half = len(sentences) // 2
    return sep.join(sentences[:half]) + "\n" + sep.join(sentences[half:])


#: Machine-made listing lines: (label of a product, label of a price, currency, "in stock").
LISTING = {
    "th": ("สินค้า", "ราคา", "บาท", "มีสินค้า"), "vi": ("Sản phẩm", "Giá", "đ", "Còn hàng"),
    "id": ("Produk", "Harga", "Rp", "Stok tersedia"), "ms": ("Produk", "Harga", "RM", "Ada stok"),
    "en": ("Product", "Price", "USD", "In stock"), "zh": ("商品", "价格", "元", "有货"),
}


def _listing(rng, v, lang):
    name, price, cur, stock = LISTING.get(lang, LISTING["en"])
    lines = []
    for _ in range(rng.randint(10, 20)):
        item = f"{rng.choice(v['title'])} {rng.choice('ABCDEFGH')}{rng.randint(10, 999)}"
        lines.append(f"{name}: {item} | {price}: {rng.randint(1, 999) * 10:,} {cur} | {stock}")
    return "\n".join(lines)


KINDS = {"menu": _menu, "links": _links, "stuffing": None, "symbols": _symbols, "repeated": _repeated,
         "boilerplate": _boilerplate, "listing": None, "spam": None, "spam_article": None}


def junk_docs(per_kind: int = 6, seed: int = 19) -> list[tuple[str, str, str]]:
    """(lang, kind, text) for every language and kind; ``spam`` only for th, vi, id (``spam``: slogan lists; ``spam_article``: the same pitch written as prose)."""
    rng = random.Random(seed)
    out = []
    for lang, v in VOCAB.items():
        spam = SPAM.get(lang)
        for kind, make in KINDS.items():
            if kind.startswith("spam") and not spam:
                continue
            for _ in range(per_kind):
                if kind == "stuffing":
                    text = _stuffing(rng, v, spam)
                elif kind == "spam":
                    text = _spam(rng, v, spam)
                elif kind == "listing":
                    text = _listing(rng, v, lang)
                elif kind == "spam_article":
                    text = _spam_article(rng, lang)
                else:
                    text = make(rng, v)
                out.append((lang, kind, text))
    return out
