"""Tables as records: each body row becomes one line of text that keeps its table's title, its number and its header.

A reader asks about one row ("第15项民生实事是什么", "…的建设单位是哪个"), so a row must be found on
its own and answered whole: each record is a ``Line(record=True)`` that the chunker keeps in a chunk
of its own and the structure never takes for a heading. Any table reader (a Word table, a PDF grid)
feeds this module the same way: the table's cells as a grid of texts, merged cells already spread
to every grid column and row they cover, and how many of the leading rows are its header.

A record reads ``表：2025年十件民生实事，第15行：序号：15，项目：…，目标：…。``; a cell with no
header is given bare, an empty cell is left out. The closing "。" ends the row's sentence: without
it, an answer widened to whole sentences would take a line with no full stop for a wrapped line
and run on into the next rows (qa/span.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from govqa.ingest.document import Line

# Between fields: a comma, not "；" or "。", so that a row stays one sentence (ingest/sentences.py).
FIELD_SEPARATOR = "，"
_ENDS = "。！？!?"


@dataclass(frozen=True)
class Table:
    """A table's cells, row by row (``grid[r][c]``, each row as wide as the widest), its header rows and title.

    ``header_rows`` counts the leading rows of ``grid`` that name the columns (two for a header with
    grouped columns: "2025年目标" over "数量" and "单位"); ``title`` is the caption, or "".
    """

    grid: Sequence[Sequence[str]]
    header_rows: int = 1
    title: str = ""

    def headers(self) -> list[str]:
        """Each column's name: its header cells top to bottom, a repeated (merged) cell once, joined by "/"."""
        width = max((len(row) for row in self.grid), default=0)
        names = []
        for column in range(width):
            parts: list[str] = []
            for row in self.grid[: self.header_rows]:
                cell = _tidy(row[column]) if column < len(row) else ""
                if cell and (not parts or parts[-1] != cell):
                    parts.append(cell)
            names.append("/".join(parts))
        return names


def record_text(title: str, number: int, fields: Sequence[tuple[str, str]]) -> str:
    """One row as a line: ``表：{title}，第{number}行：{header}：{value}，…。`` (``title`` may be "")."""
    head = f"表：{title}，第{number}行：" if title else f"表格第{number}行："
    body = FIELD_SEPARATOR.join(f"{name}：{value}" if name else value for name, value in fields if value)
    return head + body + ("" if body.endswith(tuple(_ENDS)) else "。")


def records(table: Table) -> list[str]:
    """The body rows of ``table`` as record texts, numbered from 1 after the header; blank rows are skipped.

    A cell merged across the whole row (a group label such as "一、教育") is a row of its own kind:
    it is kept as a record too, numbered like the others, so its words stay findable.
    A column whose every header cell is blank gives its cells bare.
    """
    names = table.headers()
    out: list[str] = []
    number = 0
    for row in table.grid[table.header_rows :]:
        values = [_tidy(cell) for cell in row]
        if not any(values):
            continue
        number += 1
        fields: list[tuple[str, str]] = []
        for column, value in enumerate(values):
            if column and value and values[column - 1] == value:  # a cell merged across columns, given once
                continue
            fields.append((names[column] if column < len(names) else "", value))
        out.append(record_text(table.title, number, fields))
    return out


def record_lines(table: Table, page: int | None = None) -> list[Line]:
    """``records(table)`` as lines the build keeps apart (their own chunk, never a heading), on ``page``."""
    return [Line(text, page=page, record=True) for text in records(table)]


def _tidy(cell: str) -> str:
    """A cell's text on one line, its inner line breaks and runs of spaces made single spaces."""
    return " ".join(cell.split())
