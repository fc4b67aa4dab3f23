"""``govqa search``, ``govqa ask`` and ``govqa compare``: the qa entry point from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from govqa.commands.index import INDEX_OPTION
from govqa.config import load_config
from govqa.qa.types import (
    ORDERS,
    Comparison,
    Filters,
    Hit,
    answer_to_json,
    comparison_to_csv,
    comparison_to_json,
    parse_years,
    search_to_json,
)

if TYPE_CHECKING:
    from govqa.qa import Searcher
from govqa.runtime import open_runtime


def register(app: typer.Typer) -> None:
    """Add ``govqa search``, ``govqa ask`` and ``govqa compare``."""
    app.command("search")(search)
    app.command("ask")(ask)
    app.command("compare")(compare)


def _filters(doc: list[str] | None, region: list[str] | None, year: str | None) -> Filters:
    return Filters(tuple(doc or ()), tuple(region or ()), *parse_years(year))


def _searcher(index_dir: Path | None) -> Searcher:
    return open_runtime(load_config(), index_dir).searcher


def search(
    question: str = typer.Argument(..., help="The question, e.g. 大运会有哪些场馆"),
    k: int = typer.Option(5, "-k", min=1, max=50, help="How many passages."),
    doc: list[str] = typer.Option(None, "--doc", help="Only this report (file name); repeatable."),
    region: list[str] = typer.Option(
        None, "--region", help="Only reports of this region, e.g. 成都 or 四川省; repeatable."
    ),
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
        page = f" · p.{c.page}" if c.page else ""
        typer.echo(f"答: {answer.answer}\n   — {c.title} · {c.section or '（无章节）'}{page} · 字符 {c.start}-{c.end}")
    else:
        typer.echo(f"{answer.answer}. Nearest passages (weak):")
    for rank, hit in enumerate(answer.hits, start=1):
        _print_hit(rank, hit)


def compare(
    question: str = typer.Argument(..., help="The question, e.g. 2025年地区生产总值增长目标是多少"),
    region: list[str] = typer.Option(
        None, "--region", help="Only reports of this region, e.g. 四川 or 全国; repeatable."
    ),
    year: str = typer.Option(None, "--year", help="Only reports of this year or range: 2020, 2015-2025, 2015-."),
    doc: list[str] = typer.Option(None, "--doc", help="Only this report (file name); repeatable."),
    by: str = typer.Option(
        None, "--by", help=f"Order rows by {', '.join(ORDERS)} (default: from the question and reports)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON (schema in docs/compare.md)."),
    csv_file: Path = typer.Option(None, "--csv", help="Also write the rows to this CSV file."),
    chart_file: Path = typer.Option(None, "--chart", help="Also draw the values to this PNG file (bars or a line)."),
    index_dir: Path = INDEX_OPTION,
) -> None:
    """One row per report: its answer sentence, the value it states, and the citation; 未找到 when it states none."""
    if by is not None and by not in ORDERS:
        raise typer.BadParameter(f"--by takes one of {', '.join(ORDERS)}, not {by!r}")
    filters = _filters(doc, region, year)
    result = _searcher(index_dir).compare(question, None if filters.is_empty() else filters, by)
    if csv_file:
        csv_file.write_text(comparison_to_csv(result), encoding="utf-8-sig")  # with BOM: Excel reads it as UTF-8
    if chart_file:
        from govqa.web.compare_chart import save_chart

        save_chart(result, chart_file)
    if as_json:
        _print_json(comparison_to_json(result))
        return
    _print_comparison(result)


def _print_comparison(result: Comparison) -> None:
    found = sum(r.found for r in result.rows)
    typer.echo(
        f"{result.question} — {len(result.rows)} 份报告，{found} 份有答案（按 {result.by}，{result.took_ms:.0f} ms）"
    )
    for row in result.rows:
        label = " ".join(x for x in (row.region, str(row.year or "")) if x)
        if not row.found:
            typer.echo(f"{label}\t未找到\t{row.title}")
            continue
        value = row.value.figure if row.value else "—"  # in digits: the answer shows it as written (二百零六亿元)
        figure = " ".join(x for x in (row.figure_year, {"result": "实际", "target": "目标"}.get(row.kind, "")) if x)
        if figure:
            value += f"（{figure}）"
        typer.echo(f"{label}\t{value}\t{row.answer}  — {row.title} · 字符 {row.citation.start}-{row.citation.end}")


def _print_json(payload: dict) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))


def _print_hit(rank: int, hit: Hit) -> None:
    c = hit.citation
    where = " · ".join(
        x
        for x in (
            c.title,
            c.region or "",
            str(c.year or ""),
            c.section,
            f"p.{c.page}" if c.page else "",
            f"{c.start}-{c.end}",
        )
        if x
    )
    text = hit.text
    for span in reversed(hit.highlights):
        text = text[: span.start] + "【" + text[span.start : span.end] + "】" + text[span.end :]
    typer.echo(f"\n{rank}. [{hit.score:.4f}] {where}\n{text}")
