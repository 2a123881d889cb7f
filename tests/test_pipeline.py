import pytest

from khlang.clean import Clean
from khlang.dedup import ExactDedup, MinhashDedup
from khlang.lang.stages import Normalize
from khlang.pipeline import Pipeline, StageSpec


def test_yaml_and_toml_give_the_same_pipeline(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "name: news\ninput:\n  paths: [data/a.jsonl]\n  text_field: body\ndocs_per_shard: 10\n"
        "stages:\n  - clean\n  - langid: {min_confidence: 0.5}\n", encoding="utf-8")
    (tmp_path / "p.toml").write_text(
        'name = "news"\ndocs_per_shard = 10\n[input]\npaths = ["data/a.jsonl"]\ntext_field = "body"\n'
        '[[stages]]\nname = "clean"\n[[stages]]\nname = "langid"\nparams = {min_confidence = 0.5}\n', encoding="utf-8")
    a, b = Pipeline.from_file(tmp_path / "p.yaml"), Pipeline.from_file(tmp_path / "p.toml")
    assert a.to_dict() == b.to_dict()
    assert a.input.paths == [str(tmp_path / "data" / "a.jsonl")]  # relative to the pipeline file
    assert a.stages == [StageSpec("clean"), StageSpec("langid", {"min_confidence": 0.5})]
    assert a.fingerprint() == b.fingerprint()


def test_bad_pipelines_are_rejected_clearly():
    with pytest.raises(ValueError, match="input.paths"):
        Pipeline.from_dict({"stages": ["clean"]})
    with pytest.raises(ValueError, match="unknown pipeline keys"):
        Pipeline.from_dict({"input": "x", "stagez": []})
    with pytest.raises(ValueError, match="cannot read stage entry"):
        Pipeline.from_dict({"input": "x", "stages": [["clean"]]})


def test_build_orders_document_and_corpus_stages():
    doc_stages, corpus_stages = Pipeline.from_dict({"input": "x", "stages": ["clean"]}).build()
    assert [type(s) for s in doc_stages] == [Clean] and corpus_stages == []
    doc_stages, corpus_stages = Pipeline.from_dict(
        {"input": "x", "stages": ["clean", "normalize", "dedup_exact", {"dedup_minhash": {"threshold": 0.8}}]}).build()
    assert [type(s) for s in doc_stages] == [Clean, Normalize]
    assert [type(s) for s in corpus_stages] == [ExactDedup, MinhashDedup] and corpus_stages[1].threshold == 0.8
    # a per-document stage after a corpus-level one cannot run: the shards are written by then
    for stages in (["dedup_exact", "clean"], ["clean", "dedup_minhash", "normalize"]):
        pipeline = Pipeline.from_dict({"input": "x", "stages": stages})
        with pytest.raises(ValueError, match=f"stage '{stages[-1]}' works per document but comes after a "
                                             f"corpus-level stage \\('{stages[-2]}'\\)"):
            pipeline.build()


def test_lazy_names_fail_clearly():
    from khlang import registry
    from khlang.lazy import load
    from khlang.readers import reader_class

    assert load("khlang.clean:Clean") is registry.resolve("clean") is Clean
    assert reader_class("text").__name__ == "TextReader"
    with pytest.raises(ValueError, match="package.module:Name"):
        load("khlang.clean")
    with pytest.raises(AttributeError, match="module 'khlang.clean' has no 'Nope'"):
        registry.resolve("khlang.clean:Nope")
    with pytest.raises(TypeError, match="not a khlang Stage"):
        registry.resolve("khlang.clean:clean_text")


def test_fingerprint_follows_the_contents_of_files_the_stages_read(tmp_path):
    thresholds = tmp_path / "thresholds.yaml"
    thresholds.write_text("th: {min_words: 50}\n", encoding="utf-8")
    bench = tmp_path / "bench"  # a benchmark saved as a folder (datasets' save_to_disk)
    (bench / "test").mkdir(parents=True)
    (bench / "test" / "items.jsonl").write_text('{"text": "คำถามข้อหนึ่ง"}\n', encoding="utf-8")

    def fingerprint() -> str:
        return Pipeline.from_dict({"input": "x", "stages": [
            {"quality": {"thresholds": str(thresholds)}}, {"decontaminate": {"benchmarks": [str(bench)]}}]}).fingerprint()

    first = fingerprint()
    assert fingerprint() == first
    thresholds.write_text("th: {min_words: 80}\n", encoding="utf-8")  # same path, tuned again
    tuned = fingerprint()
    assert tuned != first
    (bench / "test" / "items.jsonl").write_text('{"text": "คำถามข้อสอง"}\n', encoding="utf-8")  # inside a folder
    assert fingerprint() not in (first, tuned)
    thresholds.write_text("th: {min_words: 50}\n", encoding="utf-8")
    (bench / "test" / "items.jsonl").write_text('{"text": "คำถามข้อหนึ่ง"}\n', encoding="utf-8")
    assert fingerprint() == first  # contents, not modification times
