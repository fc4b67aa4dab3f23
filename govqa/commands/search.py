"""``govqa search`` and ``govqa ask``: the qa entry point from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from govqa.commands.index import INDEX_OPTION, open_index
from govqa.config import load_config
from qa import Filters, Searcher, answer_to_json, search_to_json
from qa.types import parse_years
from qa.types import Hit


def register(app: typer.Typer) -> None:
    """Add ``govqa search`` and ``govqa ask``."""
    app.command("search")(search)
    app.command("ask")(ask)


def _filters(doc: list[str] | None, region: list[str] | None, year: str | None) -> Filters:
    return Filters(tuple(doc or ()), tuple(region or ()), *parse_years(year))


def _searcher(index_dir: Path | None) -> Searcher:
    config = load_config()
    return Searcher(open_index(index_dir, config), config)


def search(
    question: str = typer.Argument(..., help="The question, e.g. 大运会有哪些场馆"),
    k: int = typer.Option(5, "-k", min=1, max=50, help="How many passages."),
    doc: list[str] = typer.Option(None, "--doc", help="Only this report (file name); repeatable."),
    region: list[str] = typer.Option(None, "--region", help="Only reports of this region, e.g. 成都 or 四川省; repeatable."),
    year: str = typer.Option(None, "--year", help="Only reports of this year or range: 2020, 2015-2020, 2015-."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON (schema in docs/api.md)."),
    index_dir: Path = INDEX_OPTION,
) -> None:
    """The best passages for a question, each with its citation and the answer sentence highlighted."""
    filters = _filters(doc, region, year)
    result = _searcher(index_dir).search(question, k, filters)
    if as_json:
        _print_json(search_to_json(result))
        return
    if not result.hits:
        typer.echo("未找到: no passage matches (are there documents in the index? `govqa index list`)")
    for rank, hit in enumerate(result.hits, start=1):
        _print_hit(rank, hit)


def ask(
    question: str = typer.Argument(..., help="The question, e.g. 2019年成都地区生产总值是多少"),
    k: int = typer.Option(5, "-k", min=1, max=50, help="How many passages to list."),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON (schema in docs/api.md)."),
    index_dir: Path = INDEX_OPTION,
) -> None:
    """A verdict: the answer sentence with its citation, or 未找到相关内容 with the nearest passages."""
    answer = _searcher(index_dir).ask(question, k)
    if as_json:
        _print_json(answer_to_json(answer))
        return
    if answer.verdict == "found":
        c = answer.citation
        typer.echo(f"答: {answer.answer}\n   — {c.title} · {c.section or '（无章节）'} · 字符 {c.start}-{c.end}")
    else:
        typer.echo(f"{answer.answer}. Nearest passages (weak):")
    for rank, hit in enumerate(answer.hits, start=1):
        _print_hit(rank, hit)


def _print_json(payload: dict) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))


def _print_hit(rank: int, hit: Hit) -> None:
    c = hit.citation
    where = " · ".join(x for x in (c.title, c.region or "", str(c.year or ""), c.section,
                                   f"p.{c.page}" if c.page else "", f"{c.start}-{c.end}") if x)
    text = hit.text
    for span in reversed(hit.highlights):
        text = text[:span.start] + "【" + text[span.start:span.end] + "】" + text[span.end:]
    typer.echo(f"\n{rank}. [{hit.score:.4f}] {where}\n{text}")
