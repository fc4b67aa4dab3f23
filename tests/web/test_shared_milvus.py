"""Two ``govqa serve`` processes on one Milvus: each sees the other's uploads and removals at once.

Milvus Lite runs here as a server on a TCP port (``milvus_lite.server``),
as a cluster's proxy would listen; each govqa process has its own index
folder (manifest and write lock only) and the same ``[index.milvus]``.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
HAS_MILVUS = all(importlib.util.find_spec(m) for m in ("pymilvus", "milvus_lite"))
pytestmark = pytest.mark.skipif(
    not HAS_MILVUS, reason='the Milvus backend needs the milvus extra: pip install -e ".[milvus]"'
)

REPORT = (
    "2031年潮汐市政府工作报告\n\n一、过去一年工作回顾\n\n"
    "全市建成潮汐电站7座，年发电量达到42亿千瓦时。新建海上风电场3个，新增装机容量120万千瓦。\n\n"
    "二、今年主要任务\n\n启动第八座潮汐电站建设，推进海洋牧场示范区扩容。"
)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def milvus_server(tmp_path: Path) -> Iterator[str]:
    """A Milvus Lite server listening on a TCP port; its URI."""
    from milvus_lite.server import Server

    port = _port()
    server = Server(str(tmp_path / "shared.db"), address=f"127.0.0.1:{port}")
    assert server.init() and server.start(), "Milvus Lite did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _serve(name: str, uri: str, base_config, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    """One ``govqa serve`` with its own folders, on the shared Milvus; the process and its base URL."""
    port, corpus = _port(), tmp_path / "empty-corpus"
    corpus.mkdir(exist_ok=True)
    config = tmp_path / f"{name}.toml"
    config.write_text(
        f'[model]\ncache_dir = "{base_config.model.cache_dir}"\n'
        f'[index]\nbackend = "milvus"\npath = "{tmp_path / name / "index"}"\n'
        f'[index.milvus]\nuri = "{uri}"\ncollection = "department"\nindex_type = "FLAT"\n'
        f'[app]\nport = {port}\ncorpus_dir = "{corpus}"\ndata_dir = "{tmp_path / name / "data"}"\n',
        encoding="utf-8",
    )
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from govqa.cli import app; app()", "serve"],
            cwd=ROOT,
            env={**os.environ, "GOVQA_CONFIG": str(config), "HF_HUB_OFFLINE": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    process.log = log  # type: ignore[attr-defined]
    return process, f"http://127.0.0.1:{port}"


def _ready(base: str, process: subprocess.Popen) -> dict:
    """The server's health once it is ready; fails at once, with its log, if it exits or reports an error."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        health = None
        try:
            health = httpx.get(f"{base}/api/health", timeout=2).json()
        except httpx.HTTPError:
            pass
        if health and health["status"] == "ok":
            return health
        if process.poll() is not None or (health and health["status"] == "error"):
            raise AssertionError(f"{base}: {health}\n{process.log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    raise AssertionError(f"{base} not ready")


def _names(base: str) -> set[str]:
    return {d["name"] for d in httpx.get(f"{base}/api/documents", timeout=10).json()["documents"]}


@pytest.mark.slow  # a Milvus Lite server and two govqa servers
def test_two_servers_on_one_milvus_see_each_others_uploads(milvus_server, base_config, searcher, tmp_path) -> None:
    # ``searcher`` has built the model once for the session; both servers load it from the cache.
    servers: list[tuple[subprocess.Popen, str]] = []
    try:
        for name in ("a", "b"):  # one after the other: the second finds the collections the first made
            servers.append(_serve(name, milvus_server, base_config, tmp_path))
            assert _ready(servers[-1][1], servers[-1][0])["documents"] == 0
        (a, a_url), (b, b_url) = servers

        job = httpx.post(
            f"{a_url}/api/documents", files=[("files", ("潮汐市.txt", REPORT.encode(), "text/plain"))], timeout=30
        ).json()
        deadline = time.monotonic() + 120
        while (state := httpx.get(f"{a_url}{job['status_url']}", timeout=10).json())["state"] in ("queued", "running"):
            assert time.monotonic() < deadline
            time.sleep(0.3)
        assert state["files"][0]["status"] == "added", state

        # Server b never saw the upload: it reads what a wrote to Milvus.
        assert _names(b_url) == {"潮汐市.txt"}
        health = httpx.get(f"{b_url}/api/health", timeout=10).json()
        assert health["documents"] == 1 and f"{health['chunks']} 个段落" in health["message"]
        answer = httpx.get(f"{b_url}/api/ask", params={"q": "潮汐市建成了几座潮汐电站？"}, timeout=30).json()
        assert answer["verdict"] == "found" and "7座" in answer["answer"]
        assert answer["hits"][0]["citation"]["doc"] == "潮汐市.txt"

        assert httpx.delete(f"{b_url}/api/documents/潮汐市.txt", timeout=30).status_code == 200
        assert _names(a_url) == set()
        hits = httpx.get(f"{a_url}/api/search", params={"q": "潮汐电站"}, timeout=30).json()["hits"]
        assert hits == []
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
