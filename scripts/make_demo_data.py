"""Regenerate the binary files of the built-in demo corpus (src/khlang/demo/data/).

The text files there (HTML, JSONL) are written by hand; this script writes the three that are
awkward to edit: the web archive ``sea_news.warc.gz``, the TIS-620 text ``thai_weather_tis620.txt``
and the undecodable ``broken.txt``. All passages are original text written for khlang. Record ids
and dates are fixed, so the output is byte-for-byte reproducible::

    python scripts/make_demo_data.py
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DATA = Path(__file__).resolve().parents[1] / "src" / "khlang" / "demo" / "data"
SITE = "https://demo.khlang.example"


def _duplicate_of(record_id: str) -> str:
    """A passage from feeds.jsonl, planted again in the WARC as an exact duplicate."""
    for line in (DATA / "feeds.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == record_id:
            return record["text"]
    raise KeyError(record_id)


def page(title: str, paragraphs: list[str], lang: str, date: str | None = None, charset: str = "utf-8") -> str:
    """A small news page with menu and footer boilerplate around the article."""
    date_meta = f'<meta property="article:published_time" content="{date}">' if date else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="{charset}"><title>{title}</title>{date_meta}</head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/about">About</a></nav>
<article>
{body}
</article>
<footer>Demo news site for khlang. <a href="/privacy">Privacy</a> - <a href="/contact">Contact</a></footer>
</body></html>
"""


#: (path, language, title, date on the page or None, paragraphs, charset)
PAGES = [
    ("/vi/nong-nghiep/lua-chiu-man", "vi", "Nông dân miền Tây chuyển sang lúa chịu mặn", "2025-03-12", [
        "Nông dân ở Đồng bằng sông Cửu Long đang chuyển sang trồng các giống lúa chịu mặn để thích ứng với biến đổi khí hậu.",
        "Năng suất vụ đông xuân năm nay đạt khá cao dù nước mặn xâm nhập sớm. Nhiều hợp tác xã còn ký hợp đồng với doanh nghiệp để bao tiêu sản phẩm.",
    ], "utf-8"),
    # Exact duplicate of feeds.jsonl id-agri-10, with no date on the page (→ WARC-Date is used).
    ("/id/pertanian/padi-tahan-banjir-salinan", "id", "Padi tahan banjir", None,
     [_duplicate_of("id-agri-10")], "utf-8"),
    ("/ms/kesihatan/vaksin-influenza", "ms", "Suntikan vaksin influenza sebelum musim perayaan", "2025-01-20", [
        "Kementerian Kesihatan menggalakkan orang ramai supaya mendapatkan suntikan vaksin influenza sebelum musim perayaan.",
        "Klinik kesihatan di seluruh negeri dibuka sehingga jam sembilan malam sepanjang bulan ini. Warga emas dan kanak-kanak diberi keutamaan.",
    ], "utf-8"),
    ("/fil/balita/bagyo-hilagang-luzon", "fil", "Lalakas pa ang bagyo sa hilagang Luzon", "2025-10-03", [
        "Nagbabala ang PAGASA na lalakas pa ang bagyo habang papalapit ito sa hilagang bahagi ng Luzon.",
        "Pinapayuhan ang mga residente sa mabababang lugar na lumikas nang maaga. Nakahanda na ang mga evacuation center sa ilang bayan at may sapat na pagkain at tubig.",
    ], "utf-8"),
    ("/km/culture/water-festival", "km", "ពិធីបុណ្យអុំទូក", "2025-11-05", [
        "ពិធីបុណ្យអុំទូកត្រូវបានប្រារព្ធធ្វើនៅរាជធានីភ្នំពេញរៀងរាល់ឆ្នាំ។ ក្រុមអ្នកអុំទូកមកពីខេត្តជាច្រើនចូលរួមប្រកួតប្រជែង។",
        "ប្រជាជនរាប់ពាន់នាក់មកទស្សនានៅមាត់ទន្លេ ហើយភ្ញៀវទេសចរក៏ចូលរួមអបអរផងដែរ។",
    ], "utf-8"),
    ("/km/agri/rainy-season-rice", "km", "កសិករចាប់ផ្តើមដាំស្រូវ", "2025-06-02", [
        "កសិករនៅខេត្តបាត់ដំបងចាប់ផ្តើមដាំស្រូវរដូវវស្សា។ ពួកគេសង្ឃឹមថាទឹកភ្លៀងឆ្នាំនេះនឹងគ្រប់គ្រាន់សម្រាប់ដំណាំ។",
    ], "utf-8"),
    # A Thai page served as TIS-620 (charset in the HTTP header and in <meta>).
    ("/th/health/flu-vaccine", "th", "ฉีดวัคซีนไข้หวัดใหญ่ฟรีสำหรับผู้สูงอายุ", "2025-05-28", [
        "โรงพยาบาลส่งเสริมสุขภาพตำบลเปิดให้บริการฉีดวัคซีนไข้หวัดใหญ่ฟรีแก่ผู้สูงอายุ ตั้งแต่วันที่ ๑ ถึง ๓๐ มิถุนายน",
        "ผู้ที่มีโรคประจำตัวควรนำสมุดประจำตัวมาด้วย และงดรับประทานยาบางชนิดตามคำแนะนำของแพทย์",
    ], "tis-620"),
]

TIS620_TEXT = """พยากรณ์อากาศประจำวันที่ ๑๕ สิงหาคม ๒๕๖๘
กรมอุตุนิยมวิทยาคาดว่าภาคตะวันออกเฉียงเหนือจะมีฝนฟ้าคะนองร้อยละ ๖๐ ของพื้นที่ โดยเฉพาะจังหวัดขอนแก่น อุดรธานี และหนองคาย ประชาชนควรระวังอันตรายจากฟ้าผ่าและน้ำป่าไหลหลาก
ส่วนกรุงเทพมหานครและปริมณฑลมีเมฆมากสลับมีฝนตกบางแห่งในช่วงบ่าย อุณหภูมิสูงสุด ๓๔ องศาเซลเซียส
"""


def make_warc(path: Path) -> None:
    """Page responses (each after its request record), one PNG response and a warcinfo record."""
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        info = writer.create_warcinfo_record(path.name, {"software": "khlang make_demo_data.py",
                                                         "description": "khlang demo crawl"})
        _fix(info, 0)
        writer.write_record(info)
        for n, (url_path, lang, title, date, paragraphs, charset) in enumerate(PAGES, start=1):
            url = SITE + url_path
            request = writer.create_warc_record(
                url, "request", payload=io.BytesIO(f"GET {url_path} HTTP/1.1\r\nHost: demo.khlang.example\r\n\r\n".encode()),
                warc_content_type="application/http; msgtype=request",
            )
            _fix(request, 2 * n - 1)
            writer.write_record(request)
            body = page(title, paragraphs, lang, date, charset).encode("cp874" if charset == "tis-620" else charset)
            headers = StatusAndHeaders("200 OK", [("Content-Type", f"text/html; charset={charset}"),
                                                  ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers)
            _fix(response, 2 * n)
            writer.write_record(response)
        png = b"\x89PNG\r\n\x1a\n" + bytes(24)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        image = writer.create_warc_record(SITE + "/static/logo.png", "response", payload=io.BytesIO(png),
                                          http_headers=headers)
        _fix(image, 99)
        writer.write_record(image)


def _fix(record, n: int) -> None:
    """Fixed record id and date, so the archive is reproducible."""
    record.rec_headers.replace_header("WARC-Record-ID", f"<urn:uuid:00000000-0000-4000-8000-{n:012d}>")
    record.rec_headers.replace_header("WARC-Date", f"2025-12-{1 + n % 28:02d}T10:00:00Z")


def main() -> None:
    make_warc(DATA / "sea_news.warc.gz")
    (DATA / "thai_weather_tis620.txt").write_bytes(TIS620_TEXT.encode("tis-620"))
    # Not text in any encoding: a damaged upload (NUL bytes, invalid UTF-8 sequences, stray C1 bytes).
    (DATA / "broken.txt").write_bytes(
        b"\x00\x01\x02PK\x03\x04\xff\xfe\xfd\x00\xc3\x28\xa0\xa1\xe2\x28\xa1\x00" + bytes(range(0x80, 0xa0)) * 3
    )
    print(f"wrote demo data to {DATA}")


if __name__ == "__main__":
    main()
