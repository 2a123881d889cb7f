"""The labelling loop end to end on a real corpus: label 200 documents through the annotation
server's HTTP API (labels from a known truth), train a classifier with the CLI, score the corpus,
tune thresholds, re-run the quality stage with them, and check that it agrees with held-out labels
more often than the default thresholds; then sample the uncertain band into a new project.
Also: training refuses labels it cannot learn from (exit 2, one line)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from annotate_support import login, make_app
from conftest import SHARED
from khlang.classify import load
from khlang.cli import app as cli_app
from khlang.pipeline import Pipeline
from khlang.runner import run
from khlang.store import Corpus
from loop_support import write_input

cli = CliRunner()
FRONT = ["clean", "normalize", "langid", "segment"]


def _run(inp, out, stages):
    p = Pipeline.from_dict({"input": {"paths": [str(inp)], "id_field": "id"}, "stages": FRONT + stages})
    run(p, out, progress=False, workers=1)
    with Corpus(out, read_only=True) as c:
        kept = {r[0]: r[1] for r in c.con.execute(
            "SELECT json_extract_string(meta, '$.record_id'), annotations FROM documents").fetchall()}
    return {rid: json.loads(a) for rid, a in kept.items()}


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    assert SHARED is not None, "../shared not found beside the repository"
    tmp = tmp_path_factory.mktemp("loop")
    truth = write_input(SHARED, tmp / "in.jsonl")
    scored = _run(tmp / "in.jsonl", tmp / "corpus", [{"quality": {"dry_run": True}}])
    with Corpus(tmp / "corpus", read_only=True) as c:
        rid = dict(c.con.execute("SELECT id, json_extract_string(meta, '$.record_id') FROM documents").fetchall())
    app = make_app(f"sqlite:///{tmp / 'annotate.db'}", [tmp / "corpus"])
    admin, ann = login(app, "admin"), login(app, "ann1")
    resp = admin.post("/api/projects", json={
        "name": "keep-or-drop", "overlap": 1, "schema": {"classification": "single", "labels": ["good", "bad"]},
        "query": {"n": 200, "seed": 1, "stratify": True}})
    assert resp.status_code == 201, resp.text
    pid = resp.json()["id"]
    labelled = set()
    while (task := ann.get(f"/api/projects/{pid}/next").json()["document"]) is not None:
        record = rid[task["doc_id"]]
        saved = ann.post(f"/api/projects/{pid}/documents/{task['id']}/annotation",
                         json={"labels": ["good" if truth[record] else "bad"]})
        assert saved.status_code == 200, saved.text
        labelled.add(record)
    assert len(labelled) == 200
    export = admin.get(f"/api/projects/{pid}/export?format=jsonl")
    (tmp / "labels.jsonl").write_bytes(export.content)
    return {"tmp": tmp, "truth": truth, "labelled": labelled, "scored": scored, "db": str(tmp / "annotate.db")}


def test_loop_improves_agreement_with_held_out_labels(loop):
    tmp, truth = loop["tmp"], loop["truth"]
    model = tmp / "good.npz"
    res = cli.invoke(cli_app, ["classify", "train", "--from", str(tmp / "labels.jsonl"), "--positive", "good",
                               "-o", str(model)])
    assert res.exit_code == 0, res.output
    m = load(model)
    assert m.labels == ["bad", "good"] and m.meta["examples"] == 200
    assert set(m.meta["languages"]) >= {"th", "km", "vi", "en"} and len(m.meta["data_sha256"]) == 64
    assert m.meta["held_out"]["n"] > 20 and m.meta["held_out"]["macro_f1"] > 0.9

    res = cli.invoke(cli_app, ["tune", "--from", str(tmp / "labels.jsonl"), "--positive", "good",
                               "--model", str(model), "-o", str(tmp / "tuned.yaml")])
    assert res.exit_code == 0, res.output
    report = json.loads((tmp / "tuned.report.json").read_text())
    assert report["thresholds"], "tuning changed nothing"
    for lang in ("th", "km", "vi", "en"):
        r = report["languages"][lang]
        assert r["after"]["keep_f1"] >= r["before"]["keep_f1"]
        assert r["rules"]["min_words"]["drops"] > 0

    # the default thresholds' decisions: the first run's quality stage in dry-run (would_drop)
    default = {r for r, a in loop["scored"].items() if not a["quality"].get("would_drop")}
    tuned = _run(tmp / "in.jsonl", tmp / "tuned", [{"classify": {"model": str(model)}},
                                                   {"quality": {"thresholds": str(tmp / "tuned.yaml")}}])
    assert all("classify" in a and 0 <= a["classify"]["good"] <= 1 for a in tuned.values())
    held = [r for r in truth if r not in loop["labelled"]]
    assert len(held) > 200

    def agreement(kept):
        return sum((r in kept) == truth[r] for r in held) / len(held)

    before, after = agreement(default), agreement(tuned)
    assert after > before + 0.03, (before, after)
    assert after > 0.95

    # export filters read the classifier's probabilities
    res = cli.invoke(cli_app, ["export", str(tmp / "tuned"), str(tmp / "pkg"), "--format", "jsonl",
                               "--where", "TRY_CAST(annotations->>'$.classify.good' AS DOUBLE) > 0.6"])
    assert res.exit_code == 0, res.output
    exported = [json.loads(line) for f in (tmp / "pkg").rglob("*.jsonl") for line in f.read_text().splitlines()]
    assert exported
    assert all(json.loads(r["annotations"])["classify"]["good"] > 0.6 if isinstance(r["annotations"], str)
               else r["annotations"]["classify"]["good"] > 0.6 for r in exported)

    # the report shows the tuning: PR curves per language and the keep rates before and after
    res = cli.invoke(cli_app, ["report", str(tmp / "tuned"), "--tune", str(tmp / "tuned.report.json"),
                               "-o", str(tmp / "report.html")])
    assert res.exit_code == 0, res.output
    page = (tmp / "report.html").read_text()
    assert 'id="chart-tuning"' in page and "keep rate after" in page and "min_words" in page

    # the uncertain band of the scored corpus becomes the next project, stratified by language
    _run(tmp / "in.jsonl", tmp / "scored", [{"classify": {"model": str(model)}}, {"quality": {"dry_run": True}}])
    res = cli.invoke(cli_app, ["classify", "sample", str(tmp / "scored"), "--db", loop["db"], "--name", "round-2",
                               "--labels", "good,bad", "--width", "0.45", "--n", "40"])
    assert res.exit_code == 0, res.output
    from khlang.annotate.db import Database, Doc, Project
    from sqlalchemy import select

    with Database(loop["db"]).session() as db:
        project = db.scalar(select(Project).where(Project.name == "round-2"))
        docs = list(db.scalars(select(Doc).where(Doc.project_id == project.id)))
    assert len(docs) == 40
    langs = {}
    for d in docs:
        langs[d.lang] = langs.get(d.lang, 0) + 1
        assert abs(d.meta["classify_score"] - 0.5) <= 0.45 or d.meta["uncertain"] != "band"
    assert len(langs) >= 4 and max(langs.values()) - min(langs.values()) <= 10, langs


def _labels_file(tmp_path, rows):
    path = tmp_path / "l.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("rows,message", [
    ([{"text": f"ข่าว {i}", "label": "good", "lang": "th"} for i in range(20)], "at least two labels"),
    ([{"text": f"ข่าว {i}", "label": "good" if i > 2 else "bad", "lang": "th"} for i in range(20)],
     "too few examples per label"),
    ([{"text": f"ข่าว {i}", "label": "good", "lang": "th"} for i in range(10)]
     + [{"text": f"menu {i}", "label": "bad", "lang": "en"} for i in range(10)], "only one label"),
])
def test_train_refuses_labels_it_cannot_learn_from(tmp_path, rows, message):
    res = cli.invoke(cli_app, ["classify", "train", "--from", str(_labels_file(tmp_path, rows)), "-o",
                               str(tmp_path / "m.npz")])
    assert res.exit_code == 2
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m.npz").exists()


def test_bad_model_and_thresholds_files_are_clear_errors(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a khlang classifier model"):
        load(tmp_path / "junk.npz")
    (tmp_path / "t.yaml").write_text("th: {min_wordz: 3}\n")
    from khlang.registry import build

    with pytest.raises(ValueError, match="unknown quality rule"):
        build("quality", {"thresholds": str(tmp_path / "t.yaml")})


def test_project_rows_give_one_example_per_document():
    """Gold wins over votes, the majority decides otherwise, ties and skips give nothing, a
    rating project's label is the rating."""
    from khlang.classify.labels import from_rows

    base = {"text": "t", "lang": "th", "rating": None}
    rows = [{**base, "doc_id": "a", "user": "u1", "status": "done", "labels": ["bad"]},
            {**base, "doc_id": "a", "user": "u2", "status": "gold", "labels": ["good"]},
            {**base, "doc_id": "b", "user": "u1", "status": "done", "labels": ["good"]},
            {**base, "doc_id": "b", "user": "u2", "status": "done", "labels": ["good"]},
            {**base, "doc_id": "b", "user": "u3", "status": "done", "labels": ["bad"]},
            {**base, "doc_id": "c", "user": "u1", "status": "done", "labels": ["good"]},
            {**base, "doc_id": "c", "user": "u2", "status": "done", "labels": ["bad"]},
            {**base, "doc_id": "d", "user": "u1", "status": "skipped", "labels": []},
            {**base, "doc_id": "e", "user": "u1", "status": "done", "labels": [], "rating": 4}]
    assert {e["id"]: e["label"] for e in from_rows(rows)} == {"a": "good", "b": "good", "e": "4"}


def test_saved_model_scores_like_scikit_learn(tmp_path, seed_texts):
    """The model file holds only weights; its probabilities equal scikit-learn's own on the same features."""
    from sklearn.linear_model import LogisticRegression

    from khlang.classify.model import featurize
    from khlang.lang.segment import words
    from loop_support import junk_docs

    good = [p for t in seed_texts for p in t.split("\n") if len(p) > 80][:30]
    bad = [t for lang, t in junk_docs(("th",)) if lang == "th"][:30]
    examples = [{"text": t, "label": "good", "lang": "th"} for t in good] + \
               [{"text": t, "label": "bad", "lang": "th"} for t in bad]
    from khlang.classify import train

    model = train(examples, positive=["good"])
    loaded = load(model.save(tmp_path / "m.npz"))
    texts = [e["text"] for e in examples]
    ws = [words(t, "th") for t in texts]
    clf = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced").fit(featurize(texts, ws), [e["label"] for e in examples])
    assert abs(loaded.proba(texts, ws) - clf.predict_proba(featurize(texts, ws))).max() < 1e-4
    assert loaded.meta["data_sha256"] == model.meta["data_sha256"] and loaded.positive == ["good"]


def test_train_from_a_corpus_query(loop, tmp_path):
    """Any labelled column works: here the rules' own dry-run verdicts, as a query over the catalog."""
    sql = ("SELECT text, lang, CASE WHEN coalesce(json_array_length(annotations->'$.quality.would_drop'), 0) > 0 "
           "THEN 'drop' ELSE 'keep' END AS label FROM documents")
    res = cli.invoke(cli_app, ["classify", "train", "--corpus", str(loop["tmp"] / "corpus"), "--sql", sql,
                               "--positive", "keep", "-o", str(tmp_path / "rules.npz")])
    assert res.exit_code == 0, res.output
    assert load(tmp_path / "rules.npz").meta["label_counts"].keys() == {"drop", "keep"}
    res = cli.invoke(cli_app, ["classify", "train", "--corpus", str(loop["tmp"] / "corpus"), "--sql", "SELECT 1"])
    assert res.exit_code == 2 and "must return columns text and label" in res.stderr
