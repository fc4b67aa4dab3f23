"""The question path through the real app does each piece of work once: facets, sentence scores, BM25 threads."""

from __future__ import annotations

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from govqa.qa import highlight

FILTERED = {"q": "2021年青羊区重点抓好哪几个方面的工作", "region": "青羊区", "year": "2021", "k": 5}
OTHER = {"q": "成都如何发展夜间经济", "region": "成都市", "year": "2020", "k": 5}


@pytest.fixture
def counted(searcher: Any, monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts of the backend's facet reads and of the sentence scoring and picking of the highlight."""
    calls: Counter = Counter()
    backend = searcher.index.backend.store

    def facets(_original=backend.facets):
        calls["facets"] += 1
        return _original()

    monkeypatch.setattr(backend, "facets", facets)
    for name in ("score_sentences", "best_sentences", "pick"):
        original = getattr(highlight, name)

        def wrapped(*args, _original=original, _name=name, **kwargs):
            calls[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(highlight, name, wrapped)
    searcher.index._generation_cache.clear()  # start from an index generation not read yet
    return calls


def test_facets_are_read_once_per_index_generation(client, searcher, counted, tmp_path) -> None:
    for params in (FILTERED, OTHER, FILTERED):
        answer = client.get("/api/ask", params=params).json()
        assert answer["hits"]
    assert counted["facets"] == 1  # three filtered questions, one generation: one read
    report = tmp_path / "2022年某县政府工作报告.txt"
    report.write_text("2022年某县政府工作报告\n\n全县新建口袋公园十二个，改造老旧小区三十个。", encoding="utf-8")
    searcher.index.add_paths([report])  # a write: a new generation
    try:
        client.get("/api/search", params=OTHER).raise_for_status()
        found = client.get("/api/search", params={"q": "口袋公园", "doc": report.name}).json()
        assert found["hits"][0]["citation"]["doc"] == report.name  # the new document is known at once
        assert counted["facets"] == 2  # read again, once
    finally:
        searcher.index.remove([report.name])


def test_facets_are_read_once_per_question_where_the_backend_cannot_tell_its_generation(
    client, searcher, counted, monkeypatch
) -> None:
    monkeypatch.setattr(searcher.index.backend.store, "generation", lambda: None)  # as Milvus
    # (a doc= filter is one read more here: the service checks the names it is given before the question runs)
    for number, params in enumerate((FILTERED, OTHER, FILTERED), 1):
        client.get("/api/ask", params=params).raise_for_status()
        assert counted["facets"] == number  # not three times per filtered question


def test_each_passage_is_scored_for_its_highlight_once(client, counted) -> None:
    for params in (FILTERED, {"q": "大运会有哪些场馆", "k": 5}, {"q": "2019年成都地区生产总值是多少", "k": 3}):
        before = counted.copy()
        answer = client.get("/api/ask", params=params).json()
        hits = len(answer["hits"])
        assert hits == params["k"]
        assert counted["score_sentences"] - before["score_sentences"] == hits  # once per passage, not 2 × hits + 1
        assert counted["best_sentences"] == 0
        # one pick per passage's highlight, and one for the answer sentence when found
        assert counted["pick"] - before["pick"] == hits + (answer["verdict"] == "found")


def bm25_waiting_for(searcher: Any, parties: int, timeout: float, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each BM25 search wait until ``parties`` run at once (``BrokenBarrierError`` after ``timeout`` s)."""
    barrier = threading.Barrier(parties, timeout=timeout)
    original = searcher.index.keyword_search

    def waiting(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(searcher.index, "keyword_search", waiting)


def test_the_app_s_bm25_serves_as_many_questions_at_once_as_its_workers(searcher, monkeypatch) -> None:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: the app answers one question at a time")
    bm25_waiting_for(searcher, 2, 30, monkeypatch)  # the app's own searcher (web.service, [app] workers = 0: per core)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(searcher.search, ["大运会有哪些场馆", "成都如何发展夜间经济"]))
    assert all(r.hits for r in results)


def test_one_bm25_thread_would_make_concurrent_questions_queue(searcher, base_config, monkeypatch) -> None:
    from govqa.qa import Searcher

    single = Searcher(searcher.index, base_config, concurrency=1)
    bm25_waiting_for(single, 2, 2, monkeypatch)
    with ThreadPoolExecutor(2) as pool, pytest.raises(threading.BrokenBarrierError):
        list(pool.map(single.search, ["大运会有哪些场馆", "成都如何发展夜间经济"]))
