"""The page and the widget in headless Chromium, against a live server over the corpus index.

Every request the browser makes is recorded; each test ends by asserting
that none left the server (or the local page that embeds the widget).
Screenshots: runs/screenshots/screenshot-ask.png, screenshot-notfound.png and screenshot-widget.png (copy them into docs/ to refresh).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Written outside the git tree (runs/ is ignored); copy them into docs/ on purpose to refresh the README's pictures.
SHOTS = Path(__file__).resolve().parents[2] / "runs" / "screenshots"
VENUES = "东安湖体育公园、凤凰山体育公园等13处新建场馆"
TITLE_2020 = "2020年成都市政府工作报告（要点）"
TIMEOUT = 90_000  # ms: a search on a cold CPU can take a while


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """``open_page(url, width)``: a fresh page whose every request and CSP report is recorded and checked."""
    contexts: list[Any] = []
    requests: list[str] = []
    violations: list[str] = []

    def make(url: str | None = None, width: int = 1280, height: int = 900) -> Any:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.set_default_timeout(TIMEOUT)
        contexts.append(context)
        page.goto(url or live_server.url)
        return page

    yield make
    for context in contexts:
        context.close()
    allowed = {live_server.host, live_server.embed_host, live_server.other_host}
    outside = [
        u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about") and urlsplit(u).netloc not in allowed
    ]
    assert requests and not outside, f"requests left the server: {outside}"
    assert not violations, f"the page tried to load something from elsewhere: {violations}"


def ask(page: Any, question: str) -> None:
    """Type a question in the Ask tab and press Enter; wait for the new results to replace the old."""
    page.get_by_role("tab", name="问答").click()
    box = page.locator("#gq-question textarea, #gq-question input").first
    box.fill(question)
    page.evaluate("() => document.querySelectorAll('#gq-results .gq-results').forEach(e => e.dataset.stale = '1')")
    box.press("Enter")
    page.locator("#gq-results .gq-results:not([data-stale])").wait_for()


def upload(page: Any, path: Path) -> str:
    """Add one file in the Library tab; the text of its result line."""
    page.get_by_role("tab", name="文库").click()
    page.locator("#gq-files input[type=file]").set_input_files(str(path))
    # The file list shows the name split over several elements; its cell carries it whole.
    page.locator(f'#gq-files [aria-label="{path.name}"]').first.wait_for()
    page.locator("#gq-add").click()
    line = page.locator("#gq-upload-result .gq-up:not(.gq-up-pending)").first
    line.wait_for()
    return line.inner_text()


def remove(page: Any, name: str) -> None:
    """Remove a report through the Library tab's dropdown and button."""
    page.get_by_role("tab", name="文库").click()
    combo = page.locator("#gq-remove-choice input[role=combobox]")
    combo.click()
    combo.fill(name[:4])
    page.get_by_role("option").filter(has_text=name).first.click()
    page.locator("#gq-remove").click()
    page.locator("#gq-remove-result").get_by_text(f"已移除：{name}").wait_for()


def remove_via_api(live_server: Any, name: str) -> None:
    httpx.delete(f"{live_server.url}api/documents/{name}", timeout=60)


def test_ask_shows_answer_with_citation_and_highlight(open_page: Callable[..., Any]) -> None:
    page = open_page()
    page.locator(".gq-status.gq-ok").wait_for()
    ask(page, "大运会有哪些场馆")
    verdict = page.locator("#gq-results .gq-found")
    assert "东安湖" in verdict.inner_text() and TITLE_2020 in verdict.inner_text()
    first = page.locator("#gq-results .gq-card").first
    assert VENUES in first.locator(".gq-passage").inner_text()
    assert first.locator(".gq-title").inner_text() == TITLE_2020
    assert "成都市" in first.locator(".gq-meta").inner_text() and "2020年" in first.locator(".gq-meta").inner_text()
    assert VENUES in first.locator(".gq-passage mark").first.inner_text()
    first.locator("details summary").click()
    assert first.locator(".gq-context-text").is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.screenshot(path=str(SHOTS / "screenshot-ask.png"))


def test_phone_width(open_page: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    page = open_page(width=375, height=812)
    ask(page, "大运会有哪些场馆")
    assert VENUES in page.locator("#gq-results .gq-card").first.inner_text()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than a 375px phone"
    shot = tmp_path_factory.mktemp("phone") / "ask-375.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"375px screenshot: {shot}")


def test_not_found_verdict(open_page: Callable[..., Any]) -> None:
    page = open_page()
    ask(page, "成都2022年GDP是多少")
    verdict = page.locator("#gq-results .gq-notfound")
    assert "未找到相关内容" in verdict.inner_text()
    reason = verdict.locator(".gq-reason")
    assert reason.get_attribute("data-reason") == "no_report" and "没有成都市2022年的报告" in reason.inner_text()
    assert page.locator("#gq-results .gq-card.gq-weak").count() >= 1


def test_not_found_says_only_the_result_is_stated(open_page: Callable[..., Any]) -> None:
    page = open_page()
    ask(page, "2019年成都地区生产总值增长目标是多少")
    reason = page.locator("#gq-results .gq-notfound .gq-reason")
    assert reason.get_attribute("data-reason") == "only_result"
    assert reason.inner_text() == "报告中只有2019年的实际完成值（1.70万亿元），没有预期目标"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path=str(SHOTS / "screenshot-notfound.png"))


def test_example_question_runs(open_page: Callable[..., Any]) -> None:
    page = open_page()
    page.locator(".gq-example", has_text="青羊区重点抓好哪八个方面工作").click()
    page.locator("#gq-results .gq-card").first.wait_for()
    value = page.locator("#gq-question textarea, #gq-question input").first.input_value()
    assert value == "青羊区重点抓好哪八个方面工作"


def test_upload_find_then_remove(open_page: Callable[..., Any], live_server: Any, tmp_path: Path) -> None:
    word = "玄" + uuid.uuid4().hex[:4]
    name = f"浏览器测试{word}.txt"
    sentence = f"{word}港示范区共建成二十三座潮汐电站"
    path = tmp_path / name
    path.write_text(f"{word}港建设报告\n\n{sentence}，年发电量四亿千瓦时。\n", encoding="utf-8")
    page = open_page()
    try:
        line = upload(page, path)
        assert "已添加" in line and name in line
        assert name in page.locator("#gq-docs").inner_text()
        ask(page, f"{word}港示范区建成多少座潮汐电站")
        assert sentence in page.locator("#gq-results .gq-card").first.inner_text()
        remove(page, name)
        assert name not in page.locator("#gq-docs").inner_text()
        ask(page, f"{word}港示范区建成多少座潮汐电站")
        assert sentence not in page.locator("#gq-results").inner_text()
    finally:
        remove_via_api(live_server, name)


def test_upload_a_scanned_page(
    open_page: Callable[..., Any], live_server: Any, tmp_path: Path, cjk_font_file: str
) -> None:
    pytest.importorskip("rapidocr", reason="the ocr extra: pip install -e '.[ocr]'")
    from PIL import Image, ImageDraw, ImageFont

    word = uuid.uuid4().hex[:4]
    name = f"扫描件{word}.png"
    scan = Image.new("L", (900, 160), 255)
    text = "全县今年新建乡村图书馆四十二所。"
    ImageDraw.Draw(scan).text((40, 60), text, font=ImageFont.truetype(cjk_font_file, 28), fill=0)
    scan.save(tmp_path / name)
    page = open_page()
    try:
        line = upload(page, tmp_path / name)
        assert "已添加" in line and name in line
        docs = page.locator("#gq-docs").inner_text()
        # Only a scan has an OCR confidence (the last column); the corpus reports leave it empty.
        assert re.search(rf"{name}.*?\s(0\.9\d\d|1\.000)\s", docs + "\n", re.S), docs
        ask(page, "新建多少所乡村图书馆")
        assert text in page.locator("#gq-results .gq-card").first.inner_text()
    finally:
        remove_via_api(live_server, name)


def test_injected_script_shows_as_text(open_page: Callable[..., Any], live_server: Any, tmp_path: Path) -> None:
    word = "渊" + uuid.uuid4().hex[:4]
    payload = '<script>window.gqpwned=1</script><img src=x onerror="window.gqpwned=2">'
    name = f"注入测试{word}.txt"
    path = tmp_path / name
    path.write_text(f"{word}湾报告\n\n{payload}{word}湾共建成十一座跨海大桥。\n", encoding="utf-8")
    page = open_page()
    try:
        assert "已添加" in upload(page, path)
        ask(page, f"{word}湾建成几座跨海大桥")
        card = page.locator("#gq-results .gq-card").first
        assert payload in card.locator(".gq-passage").inner_text()
        assert page.evaluate("() => [typeof window.gqpwned, typeof window.__pwned]") == ["undefined", "undefined"]
        assert page.locator("#gq-results script, #gq-results img").count() == 0

        widget = open_page(live_server.url + "widget")
        widget.locator("#gqw-q").fill(f"{word}湾建成几座跨海大桥")
        widget.locator("#gqw-q").press("Enter")
        widget.locator(".gqw-card").first.wait_for()
        assert payload in widget.locator(".gqw-card").first.inner_text()
        assert widget.evaluate("() => typeof window.gqpwned") == "undefined"
        assert widget.locator(".gqw-results script, .gqw-results img").count() == 0
    finally:
        remove_via_api(live_server, name)


def test_widget_in_iframe_of_another_local_site(open_page: Callable[..., Any], live_server: Any) -> None:
    page = open_page(live_server.embed_url, width=1024, height=820)
    frame = page.frame_locator("#govqa")
    frame.locator("#gqw-q").fill("大运会有哪些场馆")
    frame.locator("#gqw-q").press("Enter")
    first = frame.locator(".gqw-card").first
    first.wait_for()
    assert VENUES in first.inner_text() and TITLE_2020 in first.locator(".gqw-title").inner_text()
    assert VENUES in first.locator("mark").first.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "screenshot-widget.png"))

    # The embedding site's origin is allowed: its own scripts may call the API cross-origin...
    api = f"{live_server.url}api/search?q=%E5%A4%A7%E8%BF%90%E4%BC%9A&k=1"
    fetch = "url => fetch(url).then(r => r.json()).then(d => d.hits.length, e => 'blocked')"
    assert page.evaluate(fetch, api) == 1
    # ...an origin that is not on the list may not.
    other = open_page(live_server.other_origin_url)
    assert other.evaluate(fetch, api) == "blocked"


def test_api_docs_page_stays_local(open_page: Callable[..., Any], live_server: Any) -> None:
    page = open_page(live_server.url)
    page.locator("footer button.show-api").click()
    page.get_by_text("/search").first.wait_for()
    page.get_by_text("/ask").first.wait_for()


def test_login_then_ask(browser: Any, start_server: Callable[..., str], tmp_path: Path) -> None:
    from govqa.web.auth import make_hash

    users = tmp_path / "users.toml"
    users.write_text(f'[users]\nalice = "{make_hash("pw-alice")}"\n', encoding="utf-8")
    url = start_server(users_file=str(users))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(url)
        page.get_by_label("username").or_(page.get_by_label("用户名")).first.fill("alice")
        page.locator("input[type=password]").fill("pw-alice")
        page.locator("input[type=password]").press("Enter")
        ask(page, "大运会有哪些场馆")
        assert VENUES in page.locator("#gq-results .gq-card").first.inner_text()
    finally:
        context.close()
    host = urlsplit(url).netloc
    assert [u for u in requests if urlsplit(u).netloc != host and urlsplit(u).scheme not in ("data", "blob")] == []


def test_compare_tab_table_chart_and_csv(open_page: Callable[..., Any]) -> None:
    page = open_page()
    page.locator(".gq-status.gq-ok").wait_for()
    page.get_by_role("tab", name="对比").click()
    box = page.locator("#gq-compare-question textarea, #gq-compare-question input").first
    box.fill("地区生产总值是多少")
    box.press("Enter")
    page.locator("#gq-compare-summary .gq-compare-summary").wait_for()
    assert "2 份报告" in page.locator("#gq-compare-summary").inner_text()
    table = page.locator("#gq-compare-table")
    # The value is marked in its answer sentence (Gradio also keeps hidden copies of the cells).
    table.locator("strong", has_text="1.70万亿元").first.wait_for(state="attached")
    text = table.inner_text()
    assert "成都市" in text and "青羊区" in text and TITLE_2020 in text
    assert page.locator("#gq-compare-chart img").first.get_attribute("src")  # matplotlib, drawn on the server
    csv_button = page.locator("#gq-compare-csv")
    with page.expect_download() as download:
        csv_button.click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("region,year,figure_year,kind,title,found,value") and len(lines) == 3
    # The 2020 report's figure is 2019's result, said so beside the report's year.
    assert any("1.70万亿元" in line and line.startswith("成都市,2020,2019,result,") for line in lines)
    assert "数据年份" in text and "类型" in text
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1100})
    page.screenshot(path=str(SHOTS / "screenshot-compare.png"), full_page=True)
