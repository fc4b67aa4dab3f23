"""First start: the index is built from the corpus in the background, with progress on the page and the API."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient

from govqa.config import Config, IndexConfig
from govqa.web import create_app
from govqa.web.service import Progress, Service, surrounding_text
from govqa.web.ui import Page

REPORT = "翠微区政府工作报告\n\n一、总体要求\n\n翠微区今年新建九所幼儿园，改造老旧小区二十个。\n"


def fresh_config(base: Config, tmp_path: Any) -> Config:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "2023年翠微区政府工作报告.txt").write_text(REPORT, encoding="utf-8")
    return base.replace(
        index=IndexConfig(path=str(tmp_path / "index")),
        app=dataclasses.replace(base.app, corpus_dir=str(corpus), data_dir=str(tmp_path / "data")),
    )


def test_first_start_builds_the_index_with_progress(
    base_config: Config, searcher: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    # (``searcher`` only makes sure the shared model cache is built before the clock matters.)
    config = fresh_config(base_config, tmp_path)
    seen: list[tuple[str, str]] = []
    original = Service._set
    monkeypatch.setattr(
        Service,
        "_set",
        lambda self, state, message, *a: (seen.append((state, message)), original(self, state, message, *a)),
    )
    service = Service(config)
    client = TestClient(create_app(config, service=service, start=False))
    early = client.get("/api/search", params={"q": "幼儿园"})
    assert early.status_code == 503 and early.json()["error"]
    assert client.get("/api/health").json()["status"] == "starting"

    service.start(background=True)
    assert service.wait_ready(timeout=600), service.progress.message
    states = [state for state, _ in seen]
    assert "building" in states and states[-1] == "ready"
    assert any("2023年翠微区政府工作报告.txt" in message for _, message in seen)
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["documents"] == 1
    hits = client.get("/api/search", params={"q": "翠微区新建几所幼儿园"}).json()["hits"]
    assert "九所幼儿园" in hits[0]["text"]


def test_an_unusable_index_is_reported_not_hidden(base_config: Config, tmp_path: Any) -> None:
    blocker = tmp_path / "index"
    blocker.write_text("not a folder", encoding="utf-8")
    config = base_config.replace(index=IndexConfig(path=str(blocker)))
    service = Service(config)
    client = TestClient(create_app(config, service=service, start=False))
    service.start(background=False)
    health = client.get("/api/health").json()
    assert health["status"] == "error" and "索引不可用" in health["message"]
    assert client.get("/api/search", params={"q": "大运会"}).status_code == 503


def test_status_line_shows_build_progress(base_config: Config) -> None:
    service = Service(base_config)
    service.progress = Progress("building", "正在建立索引（1/2）：a.txt", 1, 2)
    html = Page(service).status_html()
    assert '<progress max="2" value="1">' in html and "正在建立索引（1/2）：a.txt" in html and "gq-busy" in html


def test_surrounding_text_skips_chunk_overlap() -> None:
    text = "0123456789ABCDEFGHIJ"
    chunks = [SimpleNamespace(start=s, end=e, text=text[s:e]) for s, e in ((0, 8), (6, 14), (12, 20))]
    assert surrounding_text(chunks, 8, 12) == ("01234567", "CDEFGHIJ")
    assert surrounding_text(chunks, 0, 20) == ("", "")
