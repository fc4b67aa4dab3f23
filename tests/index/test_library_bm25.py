"""A library searched inside a larger index ranks by keyword as an index of that library alone (issue 28).

Real SQLite/FTS5 (and tantivy), the real MiniLM model. The other library is written to skew the whole
index's BM25 statistics: its chunks are full of the words the questions ask, so in the whole index those
words weigh almost nothing (FTS5's IDF floor), while in the library they are rare.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from govqa.index import Index, bm25
from govqa.index.backends.fts5_scope import Fts5Scope
from govqa.index.records import ChunkFilter
from govqa.index.testing import make_report, three_reports

QUESTIONS = (
    "地区生产总值增长",
    "数字经济核心产业增加值增长",
    "城镇新增就业",
    "建设现代化产业体系",
    "居民收入稳步增长",
    "推进长江经济带高质量发展",
    "2026年主要目标",
)


def _others() -> list:
    """Eight reports of another library, each line about GDP growth, jobs and construction."""
    lines = "\n".join(
        f"{n}、地区生产总值增长{n}%，城镇新增就业{n}万人，建设现代化产业体系，居民收入增长。" for n in range(1, 7)
    )
    return [make_report(f"other{i}.txt", f"第{i}号文件\n{lines}") for i in range(8)]


def _ranking(index: Index, hits: list[tuple[int, float]]) -> list[tuple[str, int, float]]:
    """(document, chunk position, score to 4 significant digits) of each hit: comparable across indexes (ids are
    not; tantivy keeps a chunk's length in one byte and sums in float32, the rescoring is FTS5's exact formula)."""
    records = index.chunk_records([i for i, _ in hits])
    return [(records[i].doc, records[i].position, float(f"{score:.4g}")) for i, score in hits]


@pytest.mark.parametrize("pool", ["default", "shallow"])
@pytest.mark.parametrize("engine", ["fts5", "tantivy"])
def test_a_library_ranks_by_keyword_as_an_index_of_its_own(tmp_path, index_config, engine, pool, monkeypatch):
    if pool == "shallow":  # a pool of k: the chunks below it are reached by the risky phrases or a deeper pool
        monkeypatch.setattr(bm25, "POOL", 1)
        monkeypatch.setattr(bm25, "POOL_MIN", 1)
    configs = {}
    for name in ("all", "alone"):
        config = index_config(tmp_path / name)
        configs[name] = replace(config, index=replace(config.index, keyword=engine))
    with (
        Index.open(tmp_path / "all", configs["all"]) as combined,
        Index.open(tmp_path / "alone", configs["alone"]) as alone,
    ):
        combined.add(three_reports(), library="省")
        combined.add(_others(), library="其他")
        alone.add(three_reports())
        combined.backend.sync(persist=True)  # tantivy: in step with the store (as a server's first refresh)
        alone.backend.sync(persist=True)
        mine = frozenset(combined.documents_where(libraries=["省"]))
        scoped = ChunkFilter.of(mine, mine)
        holding, paths = Fts5Scope.holding, []

        def spy(self, *args, **kwargs):  # which way a pool that ran out was continued
            found = holding(self, *args, **kwargs)
            paths.append("deeper pool" if found is None else "risky phrases")
            return found

        monkeypatch.setattr(Fts5Scope, "holding", spy)
        unscoped = ChunkFilter.of(mine)
        differed = 0
        for question in QUESTIONS:
            for k in (1, 3, 10):
                own = _ranking(alone, alone.keyword_search(question, k))
                assert own, question
                assert _ranking(combined, combined.keyword_search(question, k, scoped)) == own, (question, k)
                differed += _ranking(combined, combined.keyword_search(question, k, unscoped)) != own
        assert differed  # the whole index's statistics do rank otherwise: the scope is what made them equal
        if pool == "shallow":
            assert set(paths) == {"deeper pool", "risky phrases"}
        # A year or region inside the library: still the library's statistics, over fewer documents.
        narrower = ChunkFilter.of({"sc.txt", "js.txt"}, mine)
        hits = combined.keyword_search("地区生产总值增长", 10, narrower)
        own = [h for h in _ranking(alone, alone.keyword_search("地区生产总值增长", 10)) if h[0] != "zj.txt"]
        assert _ranking(combined, hits) == own


def test_an_unscoped_search_is_fts5s_own_ranking(tmp_path, index_config):
    # No library selected (or one library in the index): FTS5's bm25() over the whole index, as before.
    from govqa.index.keyword import match_expression, query_tokens

    path = tmp_path / "idx"
    config = index_config(path)
    with Index.open(path, config.replace(index=replace(config.index, keyword="fts5"))) as index:
        index.add(three_reports())
        index.add(_others(), library="其他")
        for question in QUESTIONS:
            rows = index.backend.store.read(
                "SELECT rowid, -bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT 10",
                (match_expression(query_tokens(question)),),
            )
            assert index.keyword_search(question, 10) == [(int(i), float(s)) for i, s in rows]


def test_phrase_frequencies_are_fts5s_counts():
    text = "地区 生产总值 增长 6.37 % 增长 增长 covid-19 covid 6 37"
    wanted = bm25.phrases(["增长", "6.37", "covid", "37", "缺席"])
    assert wanted == [("增长",), ("6", "37"), ("covid",), ("37",), ("缺席",)]
    # FTS5 cuts 6.37 into 6 37 and covid-19 into covid 19: the phrase 6 37 is there twice, covid twice.
    assert bm25.frequencies(text, wanted) == [3, 2, 2, 2, 0]
    assert bm25.frequencies("增长 增长", [("增长",)]) == [2]  # next to each other: both counted


def test_the_bound_holds_every_chunk_the_engine_ranked_lower():
    # A phrase the whole index holds everywhere (its IDF at FTS5's floor) and the scope rarely: a chunk the
    # engine scored near zero may hold it many times; the bound must allow its full weight.
    wanted = [("常见",), ("罕见",)]
    scope = bm25.Statistics(100, 10_000, {("常见",): 2, ("罕见",): 5})
    whole = bm25.Statistics(1000, 100_000, {("常见",): 900, ("罕见",): 5})
    bound = bm25.Bound(wanted, scope, whole)
    weights = scope.weights(wanted)
    for tf in range(1, 20):
        for length in (10, 100, 400):
            text = " ".join(["常见"] * tf + ["其他"] * (length - tf))
            g = bm25.score(text, length, wanted, whole.weights(wanted), whole.average)
            assert bm25.score(text, length, wanted, weights, scope.average) <= bound(g) + 1e-12
    assert bound.risky(1e-5, 1.0) == [0]  # only a chunk holding 常见 may still reach 1.0
