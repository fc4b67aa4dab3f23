"""Libraries and who may read them (issue 28), through the JSON API, the widget's token and the page.

One index of its own (real e5 model, SQLite, FAISS): the sample corpus in 政府工作报告 and a
meeting memo in 内部资料 that answers the question asked best and repeats a paragraph of a public
report (so an admin's hit cites it in ``also_in``). A users file gives the readers and editors.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from govqa.config import IndexConfig
from govqa.web.auth import make_hash

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
QUESTION = "天府新区数据中心试点项目的预算是多少"
MEMO_NAME = "2020年第7次内部会议纪要.txt"
# A paragraph of the public 2020 report, repeated word for word in the memo (an ``also_in`` of the memo).
COPIED = (
    "从严从紧防范境外疫情输入风险,成立专班24小时驻守双流国际机场,根据国家统一安排,分期分阶段对入境来(返)蓉人员"
    "实施全流程集中健康监测和防控管理,设置123个隔离酒店、组织上万名工作人员,服务管理2.48万名乘客。"
)
MEMO = (
    "内部会议纪要\n"
    "一、天府新区数据中心试点项目\n"
    "会议确定天府新区数据中心试点项目的预算是3.2亿元，由市大数据中心牵头，2020年底前完成选址。\n"
    "二、疫情防控回顾\n" + COPIED + "\n"
)
KEYS = {"portal": "portal-key-readonly-123", "script": "script-key-editor-456"}
USERS = {"alice": "pw-alice", "bob": "pw-bob", "carol": "pw-carol", "dave": "pw-dave"}
SECRET_WORDS = ("会议纪要", "内部资料", "3.2亿元", MEMO_NAME)


def users_file(path: Path) -> Path:
    """alice reads 政府工作报告; bob reads and edits 内部资料 and reads 政府工作报告; carol edits 政策文件 and
    reads 政府工作报告; dave is an administrator; the portal key only reads 政府工作报告; the script key edits 政策文件."""
    h = {name: make_hash(pw) for name, pw in USERS.items()}
    digest = {name: hashlib.sha256(key.encode()).hexdigest() for name, key in KEYS.items()}
    path.write_text(
        f"""
[users.alice]
password = "{h["alice"]}"
groups = ["reports"]
[users.bob]
password = "{h["bob"]}"
groups = ["reports", "internal"]
[users.carol]
password = "{h["carol"]}"
groups = ["reports", "policy"]
[users.dave]
password = "{h["dave"]}"
groups = ["admin"]

[keys.portal]
sha256 = "{digest["portal"]}"
groups = ["reports"]
read_only = true
[keys.script]
sha256 = "{digest["script"]}"
groups = ["policy"]

[libraries."政府工作报告"]
readers = ["reports"]
editors = ["office"]
[libraries."内部资料"]
readers = ["internal"]
editors = ["internal"]
[libraries."政策文件"]
readers = ["reports", "policy"]
editors = ["policy"]
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def library_index(searcher: Any, base_config: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """(config, Searcher) of an index with the corpus in 政府工作报告 and the memo in 内部资料."""
    from govqa.index import Index
    from govqa.qa import Searcher

    root = tmp_path_factory.mktemp("libraries")
    public, internal = root / "public", root / "internal"
    shutil.copytree(CORPUS, public, ignore=shutil.ignore_patterns("README.md"))
    internal.mkdir()
    (internal / MEMO_NAME).write_text(MEMO, encoding="utf-8")
    config = base_config.replace(index=IndexConfig(path=str(root / "政府工作报告")))
    index = Index.open(config.index.path, config, embedder=searcher.index.embedder)
    assert all(r.status == "ok" for r in index.add_paths([public], config.chunk))
    assert all(r.status == "ok" for r in index.add_paths([internal], config.chunk, library="内部资料"))
    yield config, Searcher(index, config)
    index.close()


@pytest.fixture
def served(library_index: Any, tmp_path: Path) -> Any:
    """``served(who)``: a TestClient over the library index logged in as ``who`` (a user), or sending a key."""
    from govqa.config import AppConfig
    from govqa.web import Service, create_app

    config, searcher = library_index
    app_config = replace(AppConfig(), users_file=str(users_file(tmp_path / "users.toml")), data_dir=str(tmp_path))
    config = config.replace(app=app_config)
    service = Service(config, searcher=searcher)
    app = create_app(config, service=service)

    def make(who: str = "", key: str = "") -> TestClient:
        client = TestClient(app)
        if who:
            assert client.post("/login", data={"username": who, "password": USERS[who]}).status_code == 200
        if key:
            client.headers["X-API-Key"] = KEYS[key]
        return client

    make.service = service  # type: ignore[attr-defined]
    return make


def no_secret(response: Any) -> str:
    """The response's text, asserted to hold nothing of 内部资料."""
    text = json.dumps(response.json(), ensure_ascii=False)
    assert not [w for w in SECRET_WORDS if w in text], text[:2000]
    return text


def test_the_best_passage_is_the_memo_for_a_reader_of_both(served: Any) -> None:
    bob = served("bob")
    found = bob.get("/api/ask", params={"q": QUESTION}).json()
    assert found["hits"][0]["citation"]["doc"] == MEMO_NAME
    assert "3.2亿元" in json.dumps(found, ensure_ascii=False)
    admin = served("dave")
    copied = admin.get("/api/search", params={"q": COPIED[:60], "k": 5}).json()
    cited = {h["citation"]["doc"] for h in copied["hits"]} | {a["doc"] for h in copied["hits"] for a in h["also_in"]}
    assert MEMO_NAME in cited and "2020年成都市政府工作报告（要点）.txt" in cited


def test_a_reader_of_one_library_never_sees_another(served: Any) -> None:
    alice = served("alice")
    no_secret(alice.get("/api/ask", params={"q": QUESTION}))
    no_secret(alice.post("/api/ask", json={"q": QUESTION, "k": 10}))
    no_secret(alice.get("/api/search", params={"q": QUESTION, "k": 10}))
    copied = alice.get("/api/search", params={"q": COPIED[:60], "k": 5})
    no_secret(copied)
    assert copied.json()["hits"], "the public copy of the paragraph is still found"
    no_secret(alice.get("/api/ask", params={"q": "2020年内部会议确定的试点项目预算"}))  # a not-found reason
    no_secret(alice.get("/api/compare", params={"q": "数据中心试点项目的预算是多少"}))
    documents = no_secret(alice.get("/api/documents"))
    assert "2020年成都市政府工作报告（要点）.txt" in documents
    no_secret(alice.get("/api/stats"))
    # Health is open to monitors; its counts are those of the caller's libraries (none without credentials here).
    public = alice.get("/api/health").json()
    assert public["status"] == "ok" and public["documents"] == 2
    assert served("dave").get("/api/health").json()["documents"] == 3
    anonymous = served().get("/api/health").json()
    assert anonymous["status"] == "ok" and anonymous["documents"] == 0
    no_secret(alice.get("/api/libraries"))
    assert [x["name"] for x in alice.get("/api/libraries").json()["libraries"]] == ["政府工作报告"]
    no_secret(alice.get("/api/jobs"))
    # Asking for it, naming its document, or opening it: refused, and the refusal names nothing of it.
    refused = alice.get("/api/ask", params={"q": QUESTION, "library": "内部资料"})
    assert refused.status_code == 403 and refused.json()["error"].startswith("alice may not read the library 内部资料")
    unknown = alice.get("/api/search", params={"q": QUESTION, "doc": MEMO_NAME})
    assert unknown.status_code == 404 and unknown.json()["error"] == f"unknown document: {MEMO_NAME}"
    assert alice.get(f"/api/documents/{MEMO_NAME}").status_code == 404
    assert alice.get("/api/documents", params={"library": "内部资料"}).status_code == 403


def test_library_selection_narrows_a_readers_search(served: Any) -> None:
    bob = served("bob")
    only_public = bob.get("/api/ask", params={"q": QUESTION, "library": "政府工作报告"})
    no_secret(only_public)
    both = bob.get("/api/search", params=[("q", QUESTION), ("library", "政府工作报告"), ("library", "内部资料")])
    assert both.json()["hits"][0]["citation"]["doc"] == MEMO_NAME
    listed = bob.get("/api/documents", params={"library": "内部资料"}).json()["documents"]
    assert [(d["name"], d["library"]) for d in listed] == [(MEMO_NAME, "内部资料")]
    missing = served("dave").get("/api/search", params={"q": QUESTION, "library": "没有这个"})
    assert missing.status_code == 404 and "unknown library: 没有这个" in missing.json()["error"]


def test_an_editor_of_one_library_cannot_remove_or_move_a_document_of_another(served: Any) -> None:
    carol = served("carol")
    public = "2020年成都市政府工作报告（要点）.txt"
    refused = carol.delete(f"/api/documents/{public}")
    assert refused.status_code == 403
    assert refused.json()["error"] == (
        "carol may not remove documents of the library 政府工作报告: it needs an editor group of it"
    )
    moved = carol.post(f"/api/documents/{public}/move", json={"library": "政策文件"})
    assert (
        moved.status_code == 403 and "carol may not move documents of the library 政府工作报告" in moved.json()["error"]
    )
    # One of a library it may not read is not there for it at all (404 as an unknown one: its name tells nothing).
    assert carol.delete(f"/api/documents/{MEMO_NAME}").status_code == 404
    assert public in {d["name"] for d in served("dave").get("/api/documents").json()["documents"]}


def test_a_read_only_key_cannot_upload_and_an_editor_key_uploads_only_to_its_library(served: Any) -> None:
    portal = served(key="portal")
    files = {"files": ("政策.txt", "关于促进数字经济发展的若干政策措施。".encode(), "text/plain")}
    refused = portal.post("/api/documents", files=files, data={"library": "政府工作报告"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "key:portal may only read: uploads and removals need an editor's key"
    no_secret(portal.get("/api/ask", params={"q": QUESTION}))
    script = served(key="script")
    wrong = script.post("/api/documents", files=files, data={"library": "政府工作报告"})
    assert wrong.status_code == 403 and "key:script may not upload documents of" in wrong.json()["error"]
    accepted = script.post("/api/documents", files=files, data={"library": "政策文件"})
    assert accepted.status_code == 202, accepted.text
    job = served.service.jobs.wait(accepted.json()["job"], 120)
    assert job.state == "done" and job.library == "政策文件", job
    carol = served("carol")
    assert carol.get("/api/documents/政策.txt").json()["library"] == "政策文件"
    assert job.id in {j["job"] for j in carol.get("/api/jobs").json()["jobs"]}
    internal_job = served("bob").post(
        "/api/documents",
        files={"files": ("纪要二.txt", "内部会议纪要：下一次会议讨论人员编制。".encode(), "text/plain")},
        data={"library": "内部资料"},
    )
    assert internal_job.status_code == 202
    served.service.jobs.wait(internal_job.json()["job"], 120)
    jobs = served("alice").get("/api/jobs").json()["jobs"]
    assert internal_job.json()["job"] not in {j["job"] for j in jobs} and job.id in {j["job"] for j in jobs}
    assert "纪要二.txt" not in json.dumps(jobs, ensure_ascii=False)
    assert served("alice").get(f"/api/jobs/{internal_job.json()['job']}").status_code == 404
    for name in ("政策.txt", "纪要二.txt"):
        assert served("dave").delete(f"/api/documents/{name}").status_code == 200


def test_a_widget_token_carries_its_users_libraries(served: Any) -> None:
    import re

    for who, sees_memo in (("alice", False), ("bob", True)):
        page = served(who).get("/widget").text
        token = re.search(r'name="govqa-token" content="([^"]+)"', page)
        assert token, page[:500]
        anonymous = served()
        answer = anonymous.get("/api/ask", params={"q": QUESTION}, headers={"X-Widget-Token": token.group(1)})
        assert answer.status_code == 200
        assert (answer.json()["hits"][0]["citation"]["doc"] == MEMO_NAME) is sees_memo
        if not sees_memo:
            no_secret(answer)
        upload = anonymous.post(
            "/api/documents",
            files={"files": ("x.txt", b"x", "text/plain")},
            headers={"X-Widget-Token": token.group(1)},
        )
        assert upload.status_code == 401  # a widget token never writes


def test_refusals_uploads_and_removals_are_in_the_audit_log_for_admins_only(served: Any) -> None:
    carol = served("carol")
    assert carol.delete("/api/documents/2020年成都市政府工作报告（要点）.txt").status_code == 403
    log = served("dave").get("/api/audit", params={"user": "carol"})
    assert log.status_code == 200
    events = log.json()["events"]
    assert events[-1]["who"] == "carol" and events[-1]["action"] == "refused" and events[-1]["outcome"] == "refused"
    assert events[-1]["what"] == ["2020年成都市政府工作报告（要点）.txt"] and events[-1]["library"] == "政府工作报告"
    assert events[-1]["from"] == "testclient" and events[-1]["at"].endswith("+00:00")
    refused = carol.get("/api/audit")
    assert refused.status_code == 403 and refused.json()["error"] == (
        "carol may not read the audit log: it needs the admin group"
    )
    lines = (Path(served.service.index_dir) / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[-1])["who"] == "carol"


def test_govqa_audit_and_keys_on_the_command_line(served: Any, tmp_path: Path, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from govqa.cli import app

    assert served("carol").delete("/api/documents/2020年成都市政府工作报告（要点）.txt").status_code == 403
    index_dir = str(served.service.index_dir)
    shown = CliRunner().invoke(app, ["audit", "--index", index_dir, "--user", "carol", "--since", "2000-01-01"])
    assert shown.exit_code == 0, shown.output
    last = shown.output.strip().splitlines()[-2].split("\t")
    assert last[1:5] == ["carol", "refused", "政府工作报告", "2020年成都市政府工作报告（要点）.txt"]
    assert CliRunner().invoke(app, ["audit", "--index", index_dir, "--since", "2999-01-01"]).output == "0 event(s)\n"
    config = tmp_path / "govqa.toml"
    config.write_text(f'[app]\nusers_file = "{tmp_path / "users.toml"}"\n', encoding="utf-8")
    monkeypatch.setenv("GOVQA_CONFIG", str(config))
    keys = CliRunner().invoke(app, ["keys"])
    assert keys.exit_code == 0, keys.output
    lines = keys.output.splitlines()
    assert lines[0].startswith("key:portal\t") and lines[0].endswith(
        "groups: reports\treads: 政府工作报告, 政策文件\tedits: -"
    )
    assert lines[1].startswith("key:script\t") and lines[1].endswith("groups: policy\treads: 政策文件\tedits: 政策文件")
    assert KEYS["portal"] not in keys.output and lines[-1] == "2 scoped key(s)"


def test_openapi_examples_name_no_library_document(served: Any) -> None:
    schema = served("alice").get("/api/openapi.json")
    assert schema.status_code == 200
    assert MEMO_NAME not in schema.text and "3.2亿元" not in schema.text and "内部资料" not in schema.text
    assert '"library"' in schema.text


# -- in a real browser ------------------------------------------------------------------------------
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
TIMEOUT = 90_000


@pytest.fixture
def library_server(library_index: Any, tmp_path: Path) -> Iterator[str]:
    """A live server (uvicorn) over the library index with the users file; its URL."""
    from govqa.config import AppConfig
    from govqa.web import Service, create_app
    from tests.web.conftest import free_port, run_server

    config, searcher = library_index
    port = free_port()
    app_config = replace(
        AppConfig(), users_file=str(users_file(tmp_path / "users.toml")), data_dir=str(tmp_path), port=port
    )
    config = config.replace(app=app_config)
    stop = run_server(create_app(config, service=Service(config, searcher=searcher)), port, app_config)
    yield f"http://127.0.0.1:{port}/"
    stop()


def logged_in(browser: Any, url: str, who: str) -> tuple[Any, Any]:
    """(context, page) of ``who`` logged in through the login form."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.get_by_label("用户名").fill(who)
    page.locator("input[type=password]").fill(USERS[who])
    page.locator("input[type=password]").press("Enter")
    page.locator(".gq-status.gq-ok").wait_for()
    return context, page


def options_of(page: Any, selector: str) -> list[str]:
    """The choices a Gradio dropdown offers (opened, read, closed)."""
    page.locator(f"{selector} input").first.click()
    options = page.locator("[role=listbox] li[role=option]")
    options.first.wait_for()
    texts = [t.strip() for t in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


def page_ask(page: Any, question: str, library: str | None = None) -> str:
    page.get_by_role("tab", name="问答").click()
    if library:
        page.locator("#gq-libraries input").first.click()
        page.locator("[role=listbox] li[role=option]", has_text=library).first.click()
        page.keyboard.press("Escape")
    box = page.locator("#gq-question textarea, #gq-question input").first
    box.fill(question)
    page.evaluate("() => document.querySelectorAll('#gq-results .gq-results').forEach(e => e.dataset.stale = '1')")
    box.press("Enter")
    page.locator("#gq-results .gq-results:not([data-stale])").wait_for()
    return page.locator("#gq-results").inner_text()


@pytest.mark.browser
@pytest.mark.slow
def test_in_the_browser_a_reader_of_one_library_never_sees_another(browser: Any, library_server: str) -> None:
    context, page = logged_in(browser, library_server, "alice")
    try:
        assert options_of(page, "#gq-libraries") == ["政府工作报告"]
        shown = page_ask(page, QUESTION)
        assert not [w for w in SECRET_WORDS if w in shown], shown
        page.get_by_role("tab", name="对比").click()
        assert options_of(page, "#gq-compare-libraries") == ["政府工作报告"]
        box = page.locator("#gq-compare-question textarea, #gq-compare-question input").first
        box.fill("数据中心试点项目的预算是多少")
        box.press("Enter")
        page.locator("#gq-compare-summary > *").first.wait_for()
        compared = page.locator("#gq-tab-compare").inner_text()
        assert not [w for w in SECRET_WORDS if w in compared], compared
        page.get_by_role("tab", name="文库").click()
        table = page.locator("#gq-docs")
        table.get_by_text("2020年成都市政府工作报告（要点）.txt").first.wait_for(state="attached")
        library_tab = page.locator("#gq-tab-library").inner_text()
        assert not [w for w in SECRET_WORDS if w in library_tab], library_tab
        assert page.locator("#gq-audit").is_hidden()
        # The widget opened by alice carries her libraries.
        widget = context.new_page()
        widget.set_default_timeout(TIMEOUT)
        widget.goto(library_server + "widget")
        widget.locator("#gqw-q").fill(QUESTION)
        widget.locator("#gqw-q").press("Enter")
        widget.locator(".gqw-card").first.wait_for()
        cards = widget.locator("#gqw-results").inner_text()
        assert not [w for w in SECRET_WORDS if w in cards], cards
        widget.goto(library_server + "widget?library=内部资料")
        widget.locator("#gqw-q").fill(QUESTION)
        widget.locator("#gqw-q").press("Enter")
        widget.locator(".gqw-status.gqw-error").wait_for()
        assert "alice may not read the library 内部资料" in widget.locator("#gqw-status").inner_text()
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_in_the_browser_the_library_selector_chooses_what_is_searched(browser: Any, library_server: str) -> None:
    context, page = logged_in(browser, library_server, "bob")
    try:
        assert options_of(page, "#gq-libraries") == ["内部资料", "政府工作报告"]
        assert "3.2亿元" in page_ask(page, QUESTION)
        page.locator("#gq-libraries input").first.click()
        page.locator("[role=listbox] li[role=option]", has_text="政府工作报告").first.click()
        page.locator("[role=listbox] li[role=option]").first.wait_for()
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(DOCS_IMG / "library-selector.png"), clip={"x": 140, "y": 0, "width": 1000, "height": 640}
        )
        page.keyboard.press("Escape")
        shown = page_ask(page, QUESTION)
        assert "3.2亿元" not in shown and MEMO_NAME not in shown
    finally:
        context.close()
    context, page = logged_in(browser, library_server, "dave")
    try:
        page.get_by_role("tab", name="文库").click()
        page.locator("#gq-audit table, #gq-audit p").first.wait_for()
        assert "审计日志" in page.locator("#gq-audit").inner_text()
    finally:
        context.close()
