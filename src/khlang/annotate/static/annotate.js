// The annotation page: classes, rating, comment and spans, with keyboard shortcuts.
// Offsets sent to the server are Unicode code points; the browser counts UTF-16 code units, so we
// convert, and snap selections to grapheme clusters (Intl.Segmenter) so a Thai/Khmer vowel or tone
// mark never leaves its consonant. The server checks and snaps again.
(function () {
  "use strict";
  const task = JSON.parse(document.getElementById("task").textContent);
  const csrf = document.getElementById("csrf").value;
  const schema = task.project.schema;
  const doc = task.document;
  const text = doc.text;
  const textEl = document.getElementById("text");
  const statusEl = document.getElementById("status");
  const api = "/api/projects/" + task.project.id + "/documents/" + doc.id;

  // cpToU16[i] = UTF-16 index of code point i (length: number of code points + 1)
  const cpToU16 = [0];
  for (const ch of text) cpToU16.push(cpToU16[cpToU16.length - 1] + ch.length);
  function u16ToCp(u) { // largest code point index whose UTF-16 index is <= u
    let lo = 0, hi = cpToU16.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (cpToU16[mid] <= u) lo = mid; else hi = mid - 1; }
    return lo;
  }
  // grapheme cluster boundaries in UTF-16 units
  const bounds = [];
  if (window.Intl && Intl.Segmenter) {
    for (const s of new Intl.Segmenter(doc.lang || undefined, { granularity: "grapheme" }).segment(text)) bounds.push(s.index);
  } else {
    for (let i = 0; i < cpToU16.length - 1; i++) bounds.push(cpToU16[i]);
  }
  bounds.push(text.length);
  function snapDown(u) { let b = 0; for (const x of bounds) { if (x <= u) b = x; else break; } return b; }
  function snapUp(u) { for (const x of bounds) if (x >= u) return x; return text.length; }

  const state = { labels: [], spans: [], rating: null, comment: "", selection: null };
  if (task.answer && task.answer.status === "done") {
    state.labels = task.answer.labels.slice();
    state.spans = task.answer.spans.map(s => ({ start: s.start, end: s.end, label: s.label }));
    state.rating = task.answer.rating;
    state.comment = task.answer.comment || "";
  }

  // Unsaved work: what the answer was when the page opened; leaving with changes asks first.
  const answerOf = () => JSON.stringify([state.labels, state.spans, state.rating, state.comment]);
  const opened = answerOf();
  let leaving = false; // set once the answer is saved or skipped
  const dirty = () => !leaving && answerOf() !== opened;
  window.addEventListener("beforeunload", e => { if (dirty()) { e.preventDefault(); e.returnValue = ""; } });
  function leave(url) {
    if (dirty() && !window.confirm("Leave this document without saving your changes?")) return;
    leaving = true;
    window.location.href = url;
  }

  // Shortcut keys by physical key (KeyboardEvent.code), so they work under any layout — with a Thai
  // layout the key "s" types "ห" but its code is still "KeyS". Labels beyond nine use letters
  // (without s, which skips); Shift + the same key adds a span label. The template shows the same list.
  const KEYS = "123456789abcdefghijklmnopqrtuvwxyz";
  function keyIndex(code) {
    const m = /^(?:Digit([1-9])|Key([A-Z]))$/.exec(code);
    if (!m) return -1;
    return KEYS.indexOf(m[1] || m[2].toLowerCase());
  }

  function u16Offset(node, offset) { // UTF-16 offset of a DOM position inside textEl
    const r = document.createRange();
    r.selectNodeContents(textEl);
    r.setEnd(node, offset);
    return r.toString().length;
  }

  // The text cut at every span edge: each piece is marked with the spans covering it, so
  // overlapping spans stay visible (a piece under two or more gets class "overlap" and all labels).
  function renderText() {
    textEl.textContent = "";
    const edges = [...new Set([0, cpToU16.length - 1].concat(...state.spans.map(s => [s.start, s.end])))].sort((a, b) => a - b);
    for (let k = 0; k + 1 < edges.length; k++) {
      const a = edges[k], b = edges[k + 1];
      const piece = text.slice(cpToU16[a], cpToU16[b]);
      const over = state.spans.filter(s => s.start <= a && b <= s.end);
      if (!over.length) { textEl.append(piece); continue; }
      const m = document.createElement("mark");
      m.dataset.label = over[0].label;
      m.title = over.map(s => s.label).join(" + ");
      if (over.length > 1) { m.classList.add("overlap"); m.dataset.labels = m.title; }
      m.textContent = piece;
      textEl.append(m);
    }
  }

  function renderPanel() {
    document.querySelectorAll("button.label").forEach(b => b.classList.toggle("on", state.labels.includes(b.dataset.label)));
    document.querySelectorAll("input[name=rating]").forEach(r => { r.checked = String(state.rating) === r.value; });
    const comment = document.getElementById("comment");
    if (comment && comment.value !== state.comment) comment.value = state.comment;
    const list = document.getElementById("spans");
    if (list) {
      list.textContent = "";
      state.spans.forEach((s, i) => {
        const li = document.createElement("li");
        li.textContent = s.label + ": " + text.slice(cpToU16[s.start], cpToU16[s.end]) + " [" + s.start + "–" + s.end + "] ";
        const x = document.createElement("button");
        x.type = "button"; x.textContent = "×"; x.title = "remove";
        x.addEventListener("click", () => { state.spans.splice(i, 1); render(); });
        li.append(x);
        list.append(li);
      });
    }
    const sel = document.getElementById("selection");
    if (sel) sel.textContent = state.selection ? "Selected: “" + text.slice(cpToU16[state.selection.start], cpToU16[state.selection.end]) + "” – pick a span label" : "";
  }
  function render() { renderText(); renderPanel(); }

  function captureSelection() {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) { state.selection = null; renderPanel(); return; }
    captureRange(sel.getRangeAt(0));
  }

  // A DOM Range inside the text → a pending span in code points, widened to grapheme clusters.
  // (Browsers usually canonicalise a user's selection already; a Range made by script is not.)
  function captureRange(range) {
    if (!textEl.contains(range.startContainer) || !textEl.contains(range.endContainer)) return;
    let a = u16Offset(range.startContainer, range.startOffset), b = u16Offset(range.endContainer, range.endOffset);
    if (a > b) [a, b] = [b, a];
    a = snapDown(a); b = snapUp(b);
    // trim whitespace at the edges, then convert to code points
    while (a < b && /\s/.test(text[a])) a = snapUp(a + 1);
    while (b > a && /\s/.test(text[b - 1])) b = snapDown(b - 1);
    state.selection = a < b ? { start: u16ToCp(a), end: u16ToCp(b) } : null;
    renderPanel();
  }

  function addSpan(label) {
    if (!state.selection) { statusEl.textContent = "Select some text first."; return; }
    const s = { start: state.selection.start, end: state.selection.end, label: label };
    if (!state.spans.some(x => x.start === s.start && x.end === s.end && x.label === s.label)) state.spans.push(s);
    state.selection = null;
    window.getSelection().removeAllRanges();
    render();
  }

  // Accept a suggestion: its classes and rating replace the current ones, its spans are added;
  // the annotator then edits as usual (nothing is saved until Submit).
  function acceptSuggestion(i) {
    const s = (task.suggestions || [])[i];
    if (!s) return;
    if (schema.classification && s.labels.length) state.labels = s.labels.slice();
    if (s.rating !== null && s.rating !== undefined) state.rating = s.rating;
    for (const x of s.spans) {
      if (!state.spans.some(y => y.start === x.start && y.end === x.end && y.label === x.label)) {
        state.spans.push({ start: x.start, end: x.end, label: x.label });
      }
    }
    statusEl.textContent = "Suggestion from " + s.source + " accepted: edit it, then submit.";
    render();
  }

  function toggleLabel(label) {
    if (schema.classification === "single") state.labels = state.labels[0] === label ? [] : [label];
    else state.labels = state.labels.includes(label) ? state.labels.filter(l => l !== label) : state.labels.concat([label]);
    renderPanel();
  }

  async function post(url, body) {
    const resp = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body || {}) });
    if (!resp.ok) {
      let detail = resp.statusText;
      try { detail = (await resp.json()).detail; } catch (e) { /* not JSON */ }
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return resp.json();
  }

  async function submit() {
    statusEl.textContent = "Saving…";
    try {
      await post(api + "/annotation", { labels: state.labels, rating: state.rating, comment: state.comment, spans: state.spans });
      statusEl.textContent = "Saved.";
      leaving = true;
      window.location.href = task.next;
    } catch (e) { statusEl.textContent = "Not saved: " + e.message; }
  }
  async function skip() {
    try { await post(api + "/skip"); leaving = true; window.location.href = task.next; }
    catch (e) { statusEl.textContent = "Not skipped: " + e.message; }
  }

  textEl.addEventListener("mouseup", captureSelection);
  textEl.addEventListener("keyup", captureSelection);
  document.querySelectorAll("button.label").forEach(b => b.addEventListener("click", () => toggleLabel(b.dataset.label)));
  document.querySelectorAll("button.suggestion").forEach(b => b.addEventListener("click", () => acceptSuggestion(Number(b.dataset.index))));
  document.querySelectorAll("button.span-label").forEach(b => {
    b.addEventListener("mousedown", e => e.preventDefault()); // keep the text selection
    b.addEventListener("click", () => { if (!state.selection) captureSelection(); addSpan(b.dataset.label); });
  });
  document.querySelectorAll("input[name=rating]").forEach(r => r.addEventListener("change", () => { state.rating = Number(r.value); }));
  const comment = document.getElementById("comment");
  if (comment) comment.addEventListener("input", () => { state.comment = comment.value; });
  document.getElementById("submit").addEventListener("click", submit);
  document.getElementById("skip").addEventListener("click", skip);

  document.addEventListener("keydown", e => {
    const t = e.target;
    if (t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && t.type !== "radio"))) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.code === "KeyS" && !e.shiftKey) { e.preventDefault(); skip(); return; }
    if (e.code === "Equal" && !e.shiftKey) { e.preventDefault(); acceptSuggestion(0); return; }
    if (e.key === "ArrowLeft" && task.previous) { e.preventDefault(); leave(task.previous); return; }
    if (e.key === "Enter") { e.preventDefault(); submit(); return; }
    const i = keyIndex(e.code);
    if (i < 0) return;
    if (e.shiftKey) { if (schema.span_labels[i]) { addSpan(schema.span_labels[i]); e.preventDefault(); } }
    else if (schema.labels[i] && schema.classification) { toggleLabel(schema.labels[i]); e.preventDefault(); }
  });
  window.khlangAnnotate = { captureRange: captureRange, addSpan: addSpan, state: state, dirty: dirty };
  render();
}());
