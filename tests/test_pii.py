"""PII: at least ten true cases and ten look-alikes per type, the seed articles, the stage."""

from __future__ import annotations

import json

import pytest

from khlang import registry
from khlang.document import Document
from khlang.pii import TYPES, Match, Pii, find_pii, redact

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def thai_id(first12: str) -> str:
    """Complete 12 digits with the Thai ID check digit (the published algorithm)."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


def dashed(tid: str) -> str:
    return f"{tid[0]}-{tid[1:5]}-{tid[5:10]}-{tid[10:12]}-{tid[12]}"


def wrong_check(tid: str) -> str:
    return tid[:-1] + str((int(tid[-1]) + 1) % 10)


_TH_BASES = ["110370000000", "310100123456", "123456789012", "510099988877", "860012345678",
             "370040012345", "210987654321", "145678901234", "699001122334", "410203040506"]
_TH_IDS = [thai_id(b) for b in _TH_BASES]

TRUE = {
    "EMAIL": ["john.doe@example.com", "somchai.j@mail.go.th", "nguyen_van.a@gmail.com",
              "info+news@company.co.id", "a.b-c@sub.domain.com.my", "juan.delacruz@yahoo.com.ph",
              "sales@shop.co.th", "tan.ah.kow@nus.edu.sg", "support@bank.com.kh", "User123@Example.LA",
              "hr@company.vn"],
    "PHONE": ["081-234-5678", "๐๘๑-๒๓๔-๕๖๗๘", "+66 81 234 5678", "02-123-4567", "0912 345 678",
              "+84 912 345 678", "028 3822 1234", "0812-3456-7890", "+62 812-3456-7890", "(021) 5790 1234",
              "012-345 6789", "+60 12-345 6789", "0917 123 4567", "+63 917 123 4567", "(02) 8123 4567",
              "+65 6123 4567", "Tel: 9123 4567", "+855 12 345 678", "+856 20 5555 1234", "020 5555 1234",
              "09 420 123 456", "+95 9 420 123 456", "+86 138 0013 8000", "13800138000", "0066 81 234 5678",
              "០១២ ៣៤៥ ៦៧៨", "໐໒໐ ໕໕໕໕ ໑໒໓໔", "၀၉ ၄၂၀ ၁၂၃ ၄၅၆"],  # Khmer, Lao, Burmese digits
    "ID_TH": [_TH_IDS[0], dashed(_TH_IDS[1]), _TH_IDS[2], dashed(_TH_IDS[3]).translate(THAI_DIGITS),
              _TH_IDS[4].translate(THAI_DIGITS), " ".join(dashed(_TH_IDS[5]).split("-")), _TH_IDS[6],
              dashed(_TH_IDS[7]), _TH_IDS[8], dashed(_TH_IDS[9])],
    "ID_ID": ["3174011203800001", "3273015508950003", "NIK 5171044107900002", "1101010101010001",
              "KTP 6471052512880004", "NIK: 3578102306870009", "7371114511920012", "9471010101000123",
              "3603285204990001", "1271031712650002"],
    "ID_VN": ["001203001234", "079085001234", "031199012345", "048301456789", "001095999999",
              "092302000001", "038190123456", "001098765432", "075200112233", "096312345678"],
    "CARD": ["4111111111111111", "4111 1111 1111 1111", "4012-8888-8888-1881", "5555555555554444",
             "5105 1051 0510 5100", "2223003122003222", "378282246310005", "3782 822463 10005",
             "6011111111111117", "3530111333300000", "30569309025904", "4222222222222"],
    "IP": ["192.168.1.1", "8.8.8.8", "10.0.0.254", "203.0.113.5", "(172.16.254.1)", "2001:db8::1",
           "fe80::1ff:fe23:4567:890a", "::1", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "100.64.0.1"],
}

FALSE = {
    "EMAIL": ["@username", "user@localhost", "icon@2x.png", "logo@3x.jpg", "foo@bar", "a@b.c",
              "email at example dot com", "ราคา @ 5 บาท", "twitter.com/@khlang", "name@@domain"],
    "PHONE": ["ราคา 1,234,567 บาท", "ปี 2568", "วันที่ 01.02.2568", "19/04/2018", "2025-01-31",
              "เวลา 10.30-12.00 น.", "ข่าวที่ 1165183", "ISBN 978-616-123-456-7", "Order 0012345678",
              "1700000000", "ISBN 0-306-40615-2", "๓,๐๐๐ คน", "09.00-17.00", "2568-2570", "0.5 mg",
              "ปี 2567 - 2568", "01 02 2568", "เลขที่ 0123/2568", "Rp 12.500.000", "9123 4567",
              "https://www.bangkokbiznews.com/blogs/1165183", "พ.ศ. ๒๕๖๘"],
    "ID_TH": [wrong_check(t) for t in _TH_IDS[:6]]
    + [dashed(wrong_check(_TH_IDS[6])), "0" + _TH_IDS[7][1:], "1" + _TH_IDS[8], _TH_IDS[9][:12]],
    "ID_ID": ["0074011203800001", "2074011203800001", "3174011213800001", "3174013203800001",
              "3174011203800000", "317401120380001", "31740112038000012", "9974011203800001",
              "3100011203800001", "Rp 3.174.011.203.800.001"],
    "ID_VN": ["003203001234", "100203001234", "001503001234", "001299001234", "00120300123",
              "0012030012345", "202401150001", "999203001234", "001.203.001.234", "001703001234"],
    "CARD": ["4111111111111112", "1234 5678 9012 3456", "4111111111111113", "411111111111",
             "41111111111111111111", "4111 1111 1111", "5555 5555 5555 4445", "0000000000000000",
             "7777777777777777", "1111-2222-3333-4444"],
    "IP": ["256.1.1.1", "1.2.3", "v1.2.3.4", "version 10.0.0.1", "01.02.03.04", "1.2.3.4.5",
           "12:30:45", "3.14159", "1.1.2568", "0.0.0.0", "Rp 1.234.567", "2568.10.15.1",
           "เวอร์ชัน 4.3.2.1", "::"],
}


def cases(table):
    return [(t, s) for t, items in table.items() for s in items]


@pytest.mark.parametrize("kind,value", cases(TRUE))
def test_true_cases_redacted(kind, value):
    text = f"ข้อมูลติดต่อ {value} ขอบคุณครับ"
    out, counts = redact(text)
    assert counts == {kind: 1}, (out, counts)
    assert out.startswith("ข้อมูลติดต่อ ") and out.endswith(" ขอบคุณครับ")
    # what is left of the value is a keyword (NIK, Tel) and the placeholder, never its digits
    assert f"<{kind}>" in out and not any(ch.isdigit() for ch in out)


@pytest.mark.parametrize("kind,value", cases(FALSE))
def test_look_alikes_not_redacted(kind, value):
    text = f"ข้อมูล {value} ครับ"
    assert find_pii(text) == [], (kind, value)
    assert redact(text) == (text, {})


@pytest.mark.parametrize("kind", TYPES)
def test_enough_cases_per_type(kind):
    assert len(TRUE[kind]) >= 10 and len(FALSE[kind]) >= 10


def test_seed_articles_have_no_pii(seed_texts):
    """The seeds hold prices, Buddhist-era dates, Thai digits and an article URL: none is PII."""
    for text in seed_texts:
        assert find_pii(text) == []
        assert redact(text) == (text, {})


def test_offsets_and_mixed_text():
    text = "โทร ๐๘๑-๒๓๔-๕๖๗๘ หรือ a@b.co เมื่อ 19 เมษายน 2561 ราคา 1,500 บาท IP 10.1.2.3"
    matches = find_pii(text)
    assert [m.type for m in matches] == ["PHONE", "EMAIL", "IP"]
    assert all(isinstance(m, Match) for m in matches)
    assert [text[m.start : m.end] for m in matches] == ["๐๘๑-๒๓๔-๕๖๗๘", "a@b.co", "10.1.2.3"]
    out, counts = redact(text)
    assert out == "โทร <PHONE> หรือ <EMAIL> เมื่อ 19 เมษายน 2561 ราคา 1,500 บาท IP <IP>"
    assert counts == {"PHONE": 1, "EMAIL": 1, "IP": 1}


def test_stage_counts_and_never_stores_values():
    secret_id = _TH_IDS[0]
    doc = Document(id="p", text=f"บัตรประชาชน {secret_id} โทร 081-234-5678 อีเมล x@y.com")
    doc.cache["words"] = ["stale"]
    (out,) = list(registry.build("pii")([doc]))
    assert out.annotations["pii"] == {"ID_TH": 1, "PHONE": 1, "EMAIL": 1}
    assert out.text == "บัตรประชาชน <ID_TH> โทร <PHONE> อีเมล <EMAIL>"
    dumped = json.dumps(out.to_row(), ensure_ascii=False)
    assert secret_id not in dumped and "5678" not in dumped and "x@y.com" not in dumped
    assert "words" not in out.cache  # text changed: segmented words must be recomputed


def test_types_parameter():
    text = "x@y.com 081-234-5678"
    assert redact(text, ["EMAIL"]) == ("<EMAIL> 081-234-5678", {"EMAIL": 1})
    (out,) = list(Pii(types=["PHONE"])([Document(id="a", text=text)]))
    assert out.text == "x@y.com <PHONE>"
    with pytest.raises(ValueError, match="unknown PII type"):
        Pii(types=["SSN"])


def test_nik_that_is_also_a_card_number():
    """6471052512880004 is a valid NIK (East Kalimantan) and a Luhn-valid Discover-range number:
    without "NIK"/"KTP" before it, it is called a card; either way it is redacted."""
    assert redact("6471052512880004") == ("<CARD>", {"CARD": 1})
    assert redact("NIK 6471052512880004") == ("NIK <ID_ID>", {"ID_ID": 1})
    assert redact("6471052512880004", ["ID_ID"]) == ("<ID_ID>", {"ID_ID": 1})


def test_cli_redact_and_quality(tmp_path, seed_paths):
    from typer.testing import CliRunner

    from khlang.cli import app

    f = tmp_path / "t.txt"
    f.write_text("โทร 081-234-5678 ปี 2568", encoding="utf-8")
    result = CliRunner().invoke(app, ["redact", str(f)])
    assert result.exit_code == 0 and "โทร <PHONE> ปี 2568" in result.stdout
    result = CliRunner().invoke(app, ["quality", str(seed_paths[0])])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["failed"] == []


NEWS_NUMBERS = [
    "ดัชนีตลาดหุ้นปิดที่ 1,234.56 จุด เพิ่มขึ้น 12.34 จุด มูลค่าซื้อขาย 45,678.90 ล้านบาท",
    "ระหว่างวันที่ 9-11 ธันวาคม 2559 และ 19 เมษายน 2561",
    "แผนปฏิบัติการ ปี 2568 – 2570 งบประมาณ ๓,๐๐๐ ล้านบาท",
    "GDP tăng 7,09% trong năm 2024, đạt 476,3 tỷ USD",
    "Harga cabai naik menjadi Rp 85.000 per kilogram pada 12/03/2025",
    "Windows 10.0.19045.1234 and Python 3.11.4 released on 2023-06-06",
    "COVID-19 cases: 1,234,567 total; 0.5% positivity; ratio 1:2:3",
    "iPhone 15 Pro ราคา 41,900 บาท รุ่น 256GB",
    "Bản tin lúc 08:30:00 ngày 15.01.2025, mã bài 2025011508300001",
    "หมายเลขพัสดุ TH1234567890123 ส่งถึง 10110",
    "Artikel ID 20240512123456 dipublikasikan pukul 10.30 WIB",
    "人民币 1,000 元，2025年3月7日，编号 20250307",
    "ISO 8601: 2025-03-07T10:30:00+07:00",
    "อัตราแลกเปลี่ยน 1 ดอลลาร์ = 33.45 บาท ณ 14.00 น.",
    "รหัสไปรษณีย์ 10400 โทรสายด่วน 1111 หรือ 1669",
]


@pytest.mark.parametrize("text", NEWS_NUMBERS)
def test_numbers_in_news_are_not_pii(text):
    assert find_pii(text) == []


def test_local_digits_translated_run_by_run_as_the_whole_text_would_be():
    from khlang import pii

    text = "โทร ๐๘๑-๒๓๔-๕๖๗๘ ເບີ ໐໒໐ ៥៦៧ ၁၂၃ and 0812345678"
    assert pii._LOCAL_DIGITS.sub(pii._ascii_digits, text) == text.translate(pii._DIGITS)
    assert set(pii._DIGITS) == {ord(c) for c in map(chr, range(0x110000)) if pii._LOCAL_DIGIT.match(c)}
