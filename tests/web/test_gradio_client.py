"""The page's Gradio endpoints keep stable names: gradio_client can call /search and /ask."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(live_server: Any) -> Any:
    from gradio_client import Client

    return Client(live_server.url, verbose=False)


def test_search_endpoint(client: Any) -> None:
    data = client.predict("大运会有哪些场馆", 3, "", "", "", api_name="/search")
    assert data["schema"] == 1 and len(data["hits"]) == 3
    assert "东安湖体育公园、凤凰山体育公园等13处新建场馆" in data["hits"][0]["text"]


def test_ask_endpoint(client: Any) -> None:
    data = client.predict("成都2022年GDP是多少", api_name="/ask")
    assert data["verdict"] == "not_found" and data["answer"] == "未找到相关内容"
    found = client.predict("大运会有哪些场馆", 5, "成都市", "2020", "", api_name="/ask")
    assert found["verdict"] == "found" and found["citation"]["year"] == 2020


def test_endpoint_names_are_listed(client: Any) -> None:
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/search", "/ask"} <= names
