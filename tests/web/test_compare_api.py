"""``/api/compare`` over the corpus index: schema, filters, errors and the API key, as for /api/search."""

from __future__ import annotations

import pytest

COMPARISON_KEYS = {"schema", "question", "by", "took_ms", "rows"}
ROW_KEYS = {
    "doc",
    "title",
    "region",
    "year",
    "answer",
    "citation",
    "confidence",
    "value",
    "figure_year",
    "kind",
    "found",
}
VALUE_KEYS = {"text", "figure", "low", "high", "unit", "qualifier"}
CHENGDU = "2020年成都市政府工作报告（要点）.txt"


@pytest.fixture
def client(make_client):
    return make_client()


def test_get_and_post_give_one_row_per_report(client) -> None:
    got = client.get("/api/compare", params={"q": "地区生产总值增长目标"})
    posted = client.post("/api/compare", json={"q": "地区生产总值增长目标", "by": "year"})
    for response in (got, posted):
        assert response.status_code == 200
        data = response.json()
        assert set(data) == COMPARISON_KEYS and data["schema"] == 1
        assert len(data["rows"]) == 2  # the two reports of corpus/
        for row in data["rows"]:
            assert set(row) == ROW_KEYS
            assert row["value"] is None or set(row["value"]) == VALUE_KEYS
            assert row["found"] or (row["answer"] == "" and row["citation"] is None)
    assert posted.json()["by"] == "year"
    assert [r["year"] for r in posted.json()["rows"]] == [2020, 2021]


def test_a_question_naming_a_year_and_place_compares_the_report_about_it(client) -> None:
    data = client.get("/api/compare", params={"q": "2019年成都地区生产总值是多少"}).json()
    assert [r["doc"] for r in data["rows"]] == [CHENGDU]  # the 2020 report reviews 2019
    row = data["rows"][0]
    assert row["found"] and row["value"]["text"] == "1.70万亿元" and row["value"]["unit"] == "万亿元"
    # The 2020 report's figure is 2019's result, said so beside the report's year.
    assert (row["year"], row["figure_year"], row["kind"]) == (2020, "2019", "result")


def test_filters_as_in_search(client) -> None:
    data = client.get("/api/compare", params={"q": "地区生产总值增长目标", "region": "青羊区"}).json()
    assert [r["region"] for r in data["rows"]] == ["青羊区"]
    data = client.post("/api/compare", json={"q": "地区生产总值增长目标", "year": "2020-2020"}).json()
    assert [r["doc"] for r in data["rows"]] == [CHENGDU]


@pytest.mark.parametrize(
    "method, kwargs, status, words",
    [
        ("get", {"params": {"q": ""}}, 400, "empty"),
        ("get", {"params": {"q": "地区生产总值", "by": "size"}}, 400, "by must be one of"),
        ("get", {"params": {"q": "地区生产总值", "year": "去年"}}, 400, "year"),
        ("post", {"json": {"q": "地区生产总值", "doc": ["nope.txt"]}}, 404, "unknown document"),
        ("post", {"json": {"q": "问" * 5000}}, 413, "too long"),
        ("post", {"content": b"not json", "headers": {"Content-Type": "application/json"}}, 400, "JSON"),
    ],
)
def test_errors_are_one_line_with_their_status(client, method, kwargs, status, words) -> None:
    response = getattr(client, method)("/api/compare", **kwargs)
    assert response.status_code == status
    assert words in response.json()["error"]


def test_the_api_key_guards_it_like_search(make_client) -> None:
    client = make_client(api_key="k-123")
    assert client.get("/api/compare", params={"q": "地区生产总值"}).status_code == 401
    ok = client.get("/api/compare", params={"q": "地区生产总值"}, headers={"X-API-Key": "k-123"})
    assert ok.status_code == 200 and ok.json()["rows"]
