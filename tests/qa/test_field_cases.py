"""The field cases (tests/fixtures/field/cases.json, copied from ../shared/field): each case's files indexed alone.

Each question asserts what cases.json asks: the verdict, words the answer must
hold, the document it must come from, words the top search hit must hold; and
every found answer must be the report's own words: ``text[start:end]`` of its
citation in the cleaned document.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from govqa.config import ChunkConfig, IndexConfig
from govqa.ingest import ingest_paths

FIELD = Path(__file__).resolve().parents[1] / "fixtures" / "field"
CASES = json.loads((FIELD / "cases.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def case_index(seed_searcher, seed_config, tmp_path_factory):
    """``case_index(case)`` → (Searcher over the case's files alone, cleaned documents by name); built once per case."""
    from govqa.index import Index
    from govqa.qa import Searcher

    built = {}

    def make(case: dict):
        if case["id"] not in built:
            files = [FIELD / case["dir"] / name for name in case["files"]]
            config = replace(seed_config, index=IndexConfig(path=str(tmp_path_factory.mktemp(case["id"]) / "index")))
            index = Index.open(config.index.path, config, embedder=seed_searcher.index.embedder)
            reports = index.add_paths(files, config.chunk)
            assert all(r.status == "ok" for r in reports), [(r.path, r.error) for r in reports]
            documents = {d.name: d for r in ingest_paths(files, ChunkConfig()) for d, _ in r.documents}
            built[case["id"]] = (Searcher(index, config), documents)
        return built[case["id"]]

    return make


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_field_case(case_index, case):
    searcher, documents = case_index(case)
    failures = []
    for query in case["queries"]:
        q, expect = query["q"], query["expect"]
        if query["mode"] == "search":
            top = searcher.search(q, k=query["k"]).hits[0]
            missing = [w for w in expect["top_contains"] if w not in top.text]
            if missing:
                failures.append(f"{q}: top hit lacks {missing}: {top.text[:80]!r}")
            continue
        answer = searcher.ask(q, k=query["k"])
        if answer.verdict != expect["verdict"]:
            failures.append(f"{q}: {answer.verdict}, expected {expect['verdict']} ({answer.answer[:60]!r})")
            continue
        if answer.verdict != "found":
            continue
        c = answer.citation
        if documents[c.doc].text[c.start : c.end] != answer.answer:
            failures.append(f"{q}: the answer is not the report's text at its citation: {answer.answer!r}")
        missing = [w for w in expect.get("answer_contains", ()) if w not in answer.answer]
        if missing:
            failures.append(f"{q}: the answer lacks {missing}: {answer.answer!r}")
        if expect.get("doc") and c.doc != expect["doc"]:
            failures.append(f"{q}: answered from {c.doc}, expected {expect['doc']}")
    assert not failures, "\n".join(failures)


def test_a_sentence_across_a_page_break_is_cited_with_both_pages(case_index):
    """B08: the 4号线 sentence starts on page 2 and ends on page 3 of the PDF."""
    searcher, documents = case_index(next(c for c in CASES if c["id"] == "B08"))
    answer = searcher.ask("今年开工建设哪条城市轨道交通线路")
    hit = next(h for h in answer.hits if "轨道交通4号线" in h.text)
    document = documents[hit.citation.doc]
    assert hit.citation.page_end == document.page_at(hit.citation.end - 1)
    assert hit.citation.page_end > hit.citation.page
