"""A real browser (Debian's Chromium, driven by Playwright) labels a Thai document.

The server is started with the real ``khlang serve`` command on a free loopback port. The test
selects text starting and ending *inside* Thai grapheme clusters, after an emoji and a CJK
Extension B character (two UTF-16 units each), and checks the stored span is in code points and
snapped to whole clusters. Screenshot: test-artifacts/annotate.png."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from annotate_support import PASSWORD, SCHEMA, THAI
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from khlang.annotate.auth import create_user
from khlang.annotate.db import Annotation, Database, Doc
from khlang.annotate.projects import create_project
from khlang.annotate.spans import grapheme_boundaries, snap

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(tmp_path, seed_texts):
    url = f"sqlite:///{tmp_path / 'browser.db'}"
    database = Database(url)
    with database.session() as db:
        create_user(db, "ann1", PASSWORD, "annotator")
        project = create_project(db, "thai-news", SCHEMA, [{"id": "emoji", "text": THAI, "lang": "th"},
                                                           {"id": "seed", "text": seed_texts[1][:600], "lang": "th"}])
        from khlang.annotate.suggestions import add

        add(db, project, [{"doc_id": "seed", "source": "ner-model", "labels": ["ad"],
                           "spans": [{"start": 0, "end": 4, "label": "ORG"}]}])
        db.commit()
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "khlang", "serve", "--db", url, "--host", "127.0.0.1",
                             "--port", str(port), "--admin-user", "admin", "--admin-password", PASSWORD],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/login", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode())
            time.sleep(0.1)
    yield base, database
    proc.terminate()
    proc.wait(10)


RANGE_JS = """([startU16, endU16, label]) => {
  const el = document.getElementById('text');
  let node = el.firstChild, start = startU16, end = endU16;
  while (node && start > node.textContent.length) {  // the text may be split by <mark>s
    start -= node.textContent.length; end -= node.textContent.length; node = node.nextSibling;
  }
  node = node.nodeType === 3 ? node : node.firstChild;
  const range = document.createRange();
  range.setStart(node, start);
  range.setEnd(node, end);
  const raw = range.toString();  // before the text is re-rendered with the new <mark>
  window.khlangAnnotate.captureRange(range);
  window.khlangAnnotate.addSpan(label);
  return raw;
}"""

OVERLAP_JS = """() => {
  const m = document.querySelector('#text mark');
  const range = document.createRange();
  range.setStart(m.firstChild, 2);
  range.setEnd(m.nextSibling, 4);
  window.khlangAnnotate.captureRange(range);
  window.khlangAnnotate.addSpan('PERSON');
}"""

THAI_KEY_JS = """([key, code]) => document.dispatchEvent(new KeyboardEvent('keydown', {key, code, bubbles: true}))"""

SELECT_JS = """([startU16, endU16]) => {
  const el = document.getElementById('text');
  const node = el.firstChild;
  const range = document.createRange();
  range.setStart(node, startU16);
  range.setEnd(node, endU16);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  el.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
  return sel.toString();
}"""


def test_browser_labels_thai_span(server):
    base, database = server
    start_cp = THAI.index("ดื่ม")       # ด + SARA UUE + MAI EK
    end_cp = THAI.index("น้ำ") + 3      # น + MAI THO + SARA AM
    u16 = lambda cp: len(THAI[:cp].encode("utf-16-le")) // 2  # noqa: E731
    # start after ด (inside the cluster ดื่), end between น้ and ำ (inside the cluster น้ำ)
    select_from, select_to = u16(start_cp + 1), u16(end_cp - 1)
    org_cp = THAI.index("ที่กรุง")  # raw range: from SARA II (inside ที่) to between ร and SARA U
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/projects/1/annotate")
        assert page.url.endswith("/login")  # anonymous → login form
        page.fill("input[name=username]", "ann1")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.goto(base + "/projects/1/annotate")
        assert "ดื่มน้ำ" in page.inner_text("#text")
        # 1. a selection dispatched over the Thai words, starting inside ดื่ and ending between
        #    น้ and ำ (Chromium shows it shrunk to "มน้ำ" but getRangeAt keeps the split offsets);
        #    our Intl.Segmenter code widens it to whole clusters: ดื่มน้ำ
        selected = page.evaluate(SELECT_JS, [select_from, select_to])
        assert "น้" in selected and selected in THAI
        assert "“ดื่มน้ำ”" in page.inner_text("#selection")
        page.click("button.span-label[data-label=LOCATION]")
        # 2. a script Range that really splits both clusters: our Intl.Segmenter code snaps it
        raw = page.evaluate(RANGE_JS, [u16(org_cp + 1), u16(org_cp + 5), "ORG"])
        assert raw == THAI[org_cp + 1:org_cp + 5] and raw[0] == "\u0e35"  # begins with SARA II alone
        page.keyboard.press("1")  # class 1 = news
        page.click("input[name=rating][value='4']")
        assert page.get_attribute("button.label[data-label=news]", "class").endswith("on")
        with page.expect_navigation():
            page.click("#submit")
        assert page.url.endswith("/projects/1/annotate")
        page.keyboard.press("ArrowLeft")  # back to the answered document, span highlighted
        page.wait_for_selector("mark[data-label=LOCATION]")
        assert page.inner_text("mark[data-label=LOCATION]") == "ดื่มน้ำ"
        out = ROOT / "test-artifacts" / "annotate.png"
        out.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(out), full_page=False)
        width = page.evaluate("() => { const m = document.querySelector('mark'); return m.getBoundingClientRect().width; }")
        # 3. a Thai keyboard layout: the keys send Thai characters (e.key), shortcuts go by e.code
        page.goto(base + "/projects/1/annotate")
        assert "ดื่มน้ำ" not in page.inner_text("#text")  # the second document
        page.evaluate(THAI_KEY_JS, ["/", "Digit2"])  # Thai layout: the "2" key types "/"
        assert page.get_attribute("button.label[data-label=opinion]", "class").endswith("on")
        assert page.evaluate("() => window.khlangAnnotate.dirty()")
        dialogs = []
        page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.keyboard.press("ArrowLeft")  # unsaved work: asks first, and stays when dismissed
        assert dialogs and "without saving" in dialogs[0]
        assert "ดื่มน้ำ" not in page.inner_text("#text")
        page.evaluate(THAI_KEY_JS, ["ช", "Equal"])  # "=" under a Thai layout: accept the suggestion
        assert page.get_attribute("button.label[data-label=ad]", "class").endswith("on")
        assert page.inner_text("mark[data-label=ORG]")
        page.evaluate(OVERLAP_JS)  # a PERSON span across the end of the suggested ORG span: both shown
        assert page.get_attribute("mark.overlap", "data-labels") == "ORG + PERSON"
        page.screenshot(path=str(ROOT / "test-artifacts" / "annotate-suggestion.png"), full_page=False)
        with page.expect_navigation():
            page.evaluate(THAI_KEY_JS, ["ห", "KeyS"])  # the "s" key under a Thai layout: skip
        browser.close()
    assert not errors, errors
    assert width > 20  # the Thai glyphs have real width (a font was found)
    with database.session() as db:
        doc = db.scalar(select(Doc).where(Doc.doc_id == "emoji"))
        ann = db.scalar(select(Annotation).where(Annotation.document_id == doc.id))
    assert ann.labels == ["news"] and ann.rating == 4
    bounds = set(grapheme_boundaries(THAI))
    loc = next(s for s in ann.spans if s["label"] == "LOCATION")
    org = next(s for s in ann.spans if s["label"] == "ORG")
    assert (loc["start"], loc["end"]) == (start_cp, end_cp) and {start_cp, end_cp} <= bounds  # code points
    assert THAI[loc["start"]:loc["end"]] == "ดื่มน้ำ"
    assert (org["start"], org["end"]) == snap(THAI, org_cp + 1, org_cp + 5) == (org_cp, org_cp + 6)
    assert THAI[org["start"]:org["end"]] == "ที่กรุ"
    with database.session() as db:
        doc = db.scalar(select(Doc).where(Doc.doc_id == "seed"))
        assert db.scalar(select(Annotation.status).where(Annotation.document_id == doc.id)) == "skipped"


def _browser_login(page, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_browser_review_sends_back_annotator_fixes_reviewer_accepts(server):
    """An annotator answers, a reviewer sends the answer back with a comment, the annotator sees the
    comment, fixes the answer, and the reviewer accepts it — two browser contexts, real forms."""
    base, database = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        ann, rev = browser.new_context().new_page(), browser.new_context().new_page()
        errors = []
        for p in (ann, rev):
            p.on("pageerror", lambda e: errors.append(str(e)))
        _browser_login(ann, base, "ann1")
        ann.goto(base + "/projects/1/annotate")
        ann.keyboard.press("3")  # class 3 = ad
        with ann.expect_navigation():
            ann.click("#submit")
        _browser_login(rev, base, "admin")
        rev.goto(base + "/projects/1/review")
        form = rev.locator("section.to-review").first
        form.locator("input.review-comment").fill("this is news, not an ad")
        with rev.expect_navigation():
            form.locator("button[value=send_back]").click()
        ann.goto(base + "/projects/1/annotate")  # the sent-back document comes first, with the comment
        assert "this is news, not an ad" in ann.inner_text("#sent-back")
        assert ann.get_attribute("button.label[data-label=ad]", "class").endswith("on")  # the old answer
        ann.keyboard.press("1")  # news
        with ann.expect_navigation():
            ann.click("#submit")
        rev.goto(base + "/projects/1/review")
        out = ROOT / "test-artifacts" / "annotate-review.png"  # the fixed answer, waiting for a decision
        out.parent.mkdir(exist_ok=True)
        rev.screenshot(path=str(out), full_page=False)
        with rev.expect_navigation():
            rev.locator("section.to-review").first.locator("button[value=accept]").click()
        assert rev.locator("section.to-review").count() == 0
        browser.close()
    assert not errors, errors
    with database.session() as db:
        ann_row = db.scalar(select(Annotation).join(Doc, Doc.id == Annotation.document_id).where(Doc.doc_id == "emoji"))
    assert ann_row.labels == ["news"] and ann_row.review == "accepted" and ann_row.review_comment == "this is news, not an ad"
