"""Fixtures for the web tests: one index built from corpus/ per session, apps over it, a live server.

The index is built once (the default e5 model is built into ``GOVQA_MODEL_CACHE``,
or a session temporary folder, on first use) and shared: every app made by
``make_client`` and the live server use the same open ``Searcher``. Tests that
upload reports remove them again.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if importlib.util.find_spec("web") is None:  # until pyproject's package list names web*
    sys.path.insert(0, str(REPO))

from fastapi.testclient import TestClient  # noqa: E402

from govqa.config import AppConfig, Config, IndexConfig, ModelConfig  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: needs Chromium at /usr/bin/chromium (apt: chromium)")


@pytest.fixture(scope="session")
def base_config(model_cache: str, tmp_path_factory: pytest.TempPathFactory) -> Config:
    """Settings pointing at a session index folder, data folder and the model cache."""
    root = tmp_path_factory.mktemp("web")
    return Config(
        model=ModelConfig(cache_dir=model_cache),
        index=IndexConfig(path=str(root / "index")),
        app=AppConfig(corpus_dir=str(CORPUS), data_dir=str(root / "data")),
    )


@pytest.fixture(scope="session")
def searcher(base_config: Config, copy_seed_index) -> Any:
    """The ``qa.Searcher`` over a copy of the session's index of corpus/, which the server's own first-start
    path built (tests/conftest.py), opened by the server's start."""
    from govqa.web.service import Service

    copy_seed_index(base_config.index.path)
    service = Service(base_config)
    service.start(background=False)
    assert service.ready, service.progress.message
    return service._searcher


def config_with(base: Config, **app: Any) -> Config:
    """``base`` with some ``[app]`` settings changed."""
    return base.replace(app=dataclasses.replace(base.app, **app))


@pytest.fixture
def make_client(base_config: Config, searcher: Any, tmp_path: Path) -> Callable[..., TestClient]:
    """``make_client(api_key=…, allowed_origins=…, users_file=…)``: a TestClient over the shared index."""
    from govqa.web import Service, create_app

    def make(**app: Any) -> TestClient:
        app.setdefault("data_dir", str(tmp_path / "data"))
        config = config_with(base_config, **app)
        service = Service(config, searcher=searcher)
        return TestClient(create_app(config, service=service))

    return make


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A TestClient with the default settings (no API key, no login)."""
    return make_client()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclasses.dataclass
class LiveServer:
    """The running server and the second local site that embeds the widget."""

    url: str  # http://127.0.0.1:PORT/
    host: str  # 127.0.0.1:PORT
    embed_url: str  # the embedding page, on another port
    embed_host: str
    other_origin_url: str  # the same embedding page under an origin that is NOT allowed
    other_host: str


EMBED_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>某单位内网门户</title>
<style>body{{font-family:sans-serif;margin:16px}} iframe{{width:100%;height:640px;border:1px solid #ccc;border-radius:8px}}</style>
</head><body><h1>某单位内网门户</h1><p>下面是嵌入的政府工作报告检索：</p>
<iframe id="govqa" title="政府工作报告检索" src="{widget}"></iframe>
</body></html>
"""


def run_server(app: Any, port: int, settings: AppConfig | None = None) -> Callable[[], None]:
    """Serve ``app`` with uvicorn in a thread on ``port``, connections held as ``govqa serve`` holds them
    with ``settings``; returns the function that stops it."""
    import uvicorn

    from govqa.web.connections import connection_settings

    held = connection_settings(settings or AppConfig())
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, **held)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started, "the live server did not start"

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return stop


@pytest.fixture(scope="session")
def live_server(base_config: Config, searcher: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """uvicorn in a thread on a free port, plus a tiny static site on another port that frames /widget."""
    from govqa.web import Service, create_app

    port, embed_port = free_port(), free_port()
    embed_origin = f"http://127.0.0.1:{embed_port}"
    config = config_with(
        base_config, port=port, allowed_origins=(embed_origin,), data_dir=str(tmp_path_factory.mktemp("live-data"))
    )
    stop = run_server(create_app(config, service=Service(config, searcher=searcher)), port)

    site = tmp_path_factory.mktemp("embed-site")
    (site / "index.html").write_text(EMBED_PAGE.format(widget=f"http://127.0.0.1:{port}/widget"), encoding="utf-8")
    (site / "plain.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>其他站点</title><p>未授权的站点</p>", encoding="utf-8"
    )
    embed = ThreadingHTTPServer(("127.0.0.1", embed_port), partial(_QuietHandler, directory=str(site)))
    threading.Thread(target=embed.serve_forever, daemon=True).start()
    yield LiveServer(
        f"http://127.0.0.1:{port}/",
        f"127.0.0.1:{port}",
        f"{embed_origin}/index.html",
        f"127.0.0.1:{embed_port}",
        f"http://localhost:{embed_port}/plain.html",
        f"localhost:{embed_port}",
    )
    embed.shutdown()
    stop()


@pytest.fixture
def start_server(base_config: Config, searcher: Any, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``start_server(**app settings)``: another live server over the shared index; its URL. Stopped after the test."""
    from govqa.web import Service, create_app

    stops: list[Callable[[], None]] = []

    def start(**app: Any) -> str:
        port = free_port()
        app.setdefault("data_dir", str(tmp_path / f"data-{port}"))
        config = config_with(base_config, port=port, **app)
        service = Service(config, searcher=searcher)
        stops.append(run_server(create_app(config, service=service), port, config.app))
        return f"http://127.0.0.1:{port}/"

    yield start
    for stop in stops:
        stop()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium from /usr/bin/chromium (Playwright's own download is not used)."""
    if not CHROMIUM.exists():
        pytest.skip("browser tests need Chromium at /usr/bin/chromium: apt-get install chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
