"""Serving many at once: uploads as background jobs, back-pressure, body limits, the bad requests that crashed."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b'{"q": "\\ud800\\u5927\\u8fd0\\u4f1a"}', 400, "lone surrogate"),
        (b'{"q": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", 400, "nested too deeply"),
        (b'{"q": [[["x"]]]}', 400, "q must be text"),
        (b"[" * 100_000 + b"]" * 100_000, 413, "64 KB"),
    ],
)
def test_bad_json_bodies_are_json_errors(client, body, status, fragment) -> None:
    response = client.post("/api/search", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert fragment in response.json()["error"]


def test_a_question_body_is_cut_off_while_it_streams(client) -> None:
    def chunks():
        yield b'{"q": "'
        for _ in range(200):  # 200 x 1 KB without a Content-Length: refused once past 64 KB
            yield "问".encode() * 341
        yield b'"}'

    response = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "64 KB" in response.json()["error"]


@pytest.mark.parametrize("question", ["ما هو الناتج المحلي", "GDP growth target"])
def test_questions_in_other_scripts_are_questions(client, question) -> None:
    response = client.get("/api/search", params={"q": question})
    assert response.status_code == 200, response.text


def test_the_page_endpoints_validate_as_the_api_does(make_client) -> None:
    from gradio_client import Client  # noqa: F401  (the page's endpoints are plain functions of Page)

    from govqa.web.ui import Page

    client = make_client()
    page = Page(client.app.state.service)
    import gradio as gr

    for k, year in ((0, ""), (1000, ""), (1.5, ""), (5, "2021-2019")):
        with pytest.raises(gr.Error):
            page.api_search("大运会有哪些场馆", k, "", year, "")
    ranged = page.api_search("大运会有哪些场馆", 5, "", "2019-2020", "")
    assert ranged["hits"] and all(2019 <= h["citation"]["year"] <= 2020 for h in ranged["hits"])


def test_beyond_the_queue_requests_get_503_at_once(make_client) -> None:
    from fastapi import FastAPI

    from govqa.web.middleware import Admission

    inner = FastAPI()

    @inner.get("/api/search")
    async def slow() -> dict:
        await asyncio.sleep(0.5)
        return {"ok": True}

    app = Admission(inner, ("/api/search",), workers=2, queue=3, max_wait=5)

    async def burst() -> list[tuple[int, float]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

            async def one() -> tuple[int, float]:
                started = time.perf_counter()
                response = await http.get("/api/search")
                return response.status_code, time.perf_counter() - started

            return await asyncio.gather(*(one() for _ in range(10)))

    # A thread of its own: the session's browser tests keep an event loop running in this one.
    with ThreadPoolExecutor(1) as thread:
        results = thread.submit(asyncio.run, burst()).result()
    refused = [t for status, t in results if status == 503]
    assert sorted(status for status, _ in results).count(200) == 5  # two at work, three waiting
    assert len(refused) == 5 and max(refused) < 0.2  # the rest are told at once


def test_an_upload_answers_at_once_and_searches_go_on(make_client, tmp_path) -> None:
    client = make_client()
    text = "\n\n".join(f"第{i}部分。潮汐示范区建成第{i}座潮汐电站，年发电量{i}亿千瓦时。" * 3 for i in range(60))
    started = time.perf_counter()
    response = client.post("/api/documents", files=[("files", ("潮汐.txt", text.encode(), "text/plain"))])
    assert response.status_code == 202 and time.perf_counter() - started < 2
    job_url = response.json()["status_url"]
    searched = 0
    while client.get(job_url).json()["state"] in ("queued", "running"):
        assert client.get("/api/search", params={"q": "大运会有哪些场馆", "k": 1}).status_code == 200
        assert client.get("/api/health").json()["status"] == "ok"
        searched += 1
    job = client.get(job_url).json()
    assert job["state"] == "done" and job["files"][0]["status"] == "added", job
    hits = client.get("/api/search", params={"q": "潮汐示范区建成几座潮汐电站"}).json()["hits"]
    assert hits and hits[0]["citation"]["doc"] == "潮汐.txt"
    client.delete("/api/documents/潮汐.txt")
    assert client.get("/api/jobs/nope").status_code == 404


def test_sigterm_during_an_upload_stops_the_server_and_keeps_the_index_consistent(
    base_config, tmp_path, free_tcp_port
) -> None:
    """A real ``govqa serve``: a large upload starts, SIGTERM arrives, the server is gone within seconds."""
    import shutil

    index = tmp_path / "index"
    shutil.copytree(base_config.index.path, index)
    port = free_tcp_port
    config = tmp_path / "govqa.toml"
    config.write_text(
        f'[model]\ncache_dir = "{base_config.model.cache_dir}"\n[app]\ndata_dir = "{tmp_path / "data"}"\n'
        f"port = {port}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "GOVQA_CONFIG": str(config), "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from govqa.cli import app; app()", "serve", "--index", str(index)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/health", timeout=2).json()["status"] == "ok":
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        big = "\n\n".join(
            f"第{i}部分。全市新建第{i}所学校，新增学位{i * 90}个，改造校舍{i}万平方米。" * 4 for i in range(3000)
        )
        response = httpx.post(
            f"{base}/api/documents", files=[("files", ("大文件.txt", big.encode(), "text/plain"))], timeout=30
        )
        assert response.status_code == 202
        time.sleep(3)  # the worker is embedding now
        stopped = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        assert time.monotonic() - stopped < 15
    finally:
        if server.poll() is None:
            server.kill()
    from govqa.index import Index

    with Index.open(index, base_config, create=False) as reopened:
        names = {d.name for d in reopened.documents()}
        assert len(reopened.backend.mirror.ids()) == len(
            reopened.backend.store.embedding_ids()
        )  # FAISS agrees with SQLite
    assert {"2020年成都市政府工作报告（要点）.txt"} <= names  # nothing indexed before is lost
    if "大文件.txt" not in names:  # stopped mid-file: the job stays recorded with its file, for the restart
        from govqa.web.job_store import JobStore

        [job] = JobStore(tmp_path / "data" / "jobs.sqlite3").unfinished()
        assert Path(job.files[0].path).is_file() and job.files[0].status == "pending"


def port_of(url: str) -> int:
    """The port of a live server's URL, http://127.0.0.1:PORT/."""
    return int(url.rstrip("/").rsplit(":", 1)[1])


def idle_post(port: int, path: str = "/api/search") -> socket.socket:
    """A connection that sends a POST's headers announcing 100 bytes of body, and then nothing."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    conn.sendall(head.encode())
    return conn


def test_two_idle_connections_do_not_stop_the_questions(start_server) -> None:
    """The attack of issue 25: two POST /api/search that never send their body once held both workers."""
    url = start_server(workers=2, body_timeout_s=4)
    port = port_of(url)
    idle = [idle_post(port), idle_post(port)]
    opened = time.monotonic()
    try:
        time.sleep(0.3)  # the server has their headers now
        for question in ("大运会有哪些场馆", "成都市地区生产总值", "青羊区民生实事"):
            started = time.perf_counter()
            response = httpx.post(f"{url}api/search", json={"q": question, "k": 3}, timeout=30)
            assert response.status_code == 200, response.text  # was: 503 after waiting 10 s
            assert time.perf_counter() - started < 5
            assert httpx.get(f"{url}api/ask", params={"q": question}, timeout=30).status_code == 200
        for conn in idle:  # past the body timeout: 408, and the connection is closed
            answer = b""
            while chunk := conn.recv(4096):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"did not arrive within 4 s" in answer
        assert time.monotonic() - opened < 15
    finally:
        for conn in idle:
            conn.close()


def test_a_connection_without_complete_headers_is_closed(start_server) -> None:
    url = start_server(header_timeout_s=1)
    port = port_of(url)
    silent = socket.create_connection(("127.0.0.1", port), timeout=10)
    partial = socket.create_connection(("127.0.0.1", port), timeout=10)
    partial.sendall(b"GET /api/hea")
    started = time.monotonic()
    try:
        assert silent.recv(4096) == b"" and partial.recv(4096) == b""  # closed by the server
        assert time.monotonic() - started < 5
        assert httpx.get(f"{url}api/health", timeout=10).status_code == 200  # a whole request is answered
    finally:
        silent.close()
        partial.close()


def raw_request(port: int, request: bytes, close_after: bool = False) -> bytes:
    """Send ``request`` on a new connection; the answer (read to the end), or b"" when closing right after."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        if close_after:
            return b""
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        return answer


def test_a_chunked_upload_over_the_limit_is_413(start_server) -> None:
    url = start_server(max_upload_mb=1)
    boundary = "govqa-test"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'.encode()
    piece = "报告正文。".encode() * 4000  # 60 KB per chunk, 2.4 MB in all, no Content-Length

    def chunks():
        yield head
        for _ in range(40):
            yield piece
        yield f"\r\n--{boundary}--\r\n".encode()

    response = httpx.post(
        f"{url}api/documents",
        content=chunks(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        timeout=30,
    )
    assert response.status_code == 413, response.text  # was: 400 with an empty reason
    assert "over the 1 MB limit" in response.json()["error"]


class LogLines(logging.Handler):
    """Every line logged to it (a traceback counts its lines)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.extend(self.format(record).splitlines())


@pytest.mark.parametrize("path", ["/api/documents", "/api/search"])
def test_a_client_gone_mid_body_is_one_log_line(start_server, path) -> None:
    url = start_server()  # first: uvicorn configures its loggers as it starts
    lines = LogLines()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "govqa.web")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(lines)
        logger.setLevel(logging.INFO)  # as `govqa serve` logs
    try:
        kind = "multipart/form-data; boundary=x" if path == "/api/documents" else "application/json"
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {kind}\r\nContent-Length: 5000\r\n\r\n"
        raw_request(port_of(url), head.encode() + b"--x\r\n" + b"a" * 1000, close_after=True)
        time.sleep(1)
        assert httpx.get(f"{url}api/health", timeout=10).status_code == 200
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(lines)
            logger.setLevel(level)
    assert lines.lines == [f"client disconnected while sending POST {path}: request dropped"]  # was: 78 lines


def test_head_on_health_is_200_without_a_body(start_server) -> None:
    url = start_server()
    port = port_of(url)
    answer = raw_request(port, b"HEAD /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body == b"", answer  # was: 404
    wrong = raw_request(port, b"PUT /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    assert wrong.startswith(b"HTTP/1.1 405") and b"allow: GET, HEAD" in wrong.lower().replace(
        b"get, head", b"GET, HEAD"
    )


def test_the_readme_curl_example_works(start_server) -> None:
    import json
    import re
    import shlex
    import shutil

    if shutil.which("curl") is None:
        pytest.skip("needs curl")
    url = start_server()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"`(curl -G [^`]+)`", readme).group(1).replace("http://127.0.0.1:7860/", url)
    done = subprocess.run([*shlex.split(command), "-s", "-w", "\n%{http_code}"], capture_output=True, timeout=60)
    body, _, status = done.stdout.decode().rpartition("\n")
    assert status == "200", body
    assert json.loads(body)["hits"]
    # The raw form it replaces: a question not percent-encoded is refused by the HTTP parser
    raw = raw_request(
        port_of(url), "GET /api/search?q=大运会 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert raw.startswith(b"HTTP/1.1 400")


def test_a_spoofed_x_forwarded_for_does_not_escape_the_login_throttle(start_server, tmp_path) -> None:
    """The attack of issue 25: from localhost, a new X-Forwarded-For per guess once made every guess a new address."""
    from govqa.web.auth import make_hash

    users = tmp_path / "users.toml"
    users.write_text(f'[users]\nalice = "{make_hash("pw-alice")}"\n', encoding="utf-8")

    def guesses(url: str) -> list[int]:
        statuses = []
        for n in range(6):
            spoofed = {"X-Forwarded-For": f"203.0.113.{n}"}
            form = {"username": "alice", "password": "pw-alice" if n == 5 else f"guess-{n}"}
            statuses.append(httpx.post(f"{url}login", data=form, headers=spoofed, timeout=30).status_code)
        return statuses

    assert guesses(start_server(users_file=str(users))) == [400] * 5 + [429]  # one address: the connection's
    trusting = start_server(users_file=str(users), trusted_proxies=("127.0.0.1",))  # a proxy on this host
    assert guesses(trusting) == [400] * 5 + [303]  # its clients are told apart by the header it sets


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path) -> None:
    from govqa.config import ConfigError, load_config

    path = tmp_path / "govqa.toml"
    path.write_text('[app]\ntrusted_proxies = ["10.0.0.5", "10.1.0.0/16", "::1"]\n', encoding="utf-8")
    assert load_config(path).app.trusted_proxies == ("10.0.0.5", "10.1.0.0/16", "::1")
    path.write_text('[app]\ntrusted_proxies = ["proxy.local"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[app\]: trusted_proxies: 'proxy.local' is not an IP address"):
        load_config(path)
