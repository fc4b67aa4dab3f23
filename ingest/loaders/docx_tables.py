"""Word tables as ``table_records.Table``: merged cells spread over the grid, header rows and title found."""

from __future__ import annotations

from docx.oxml.ns import qn
from docx.table import Table

from govqa.ingest import table_records

_MAX_CAPTION = 60  # characters; a longer paragraph before a table is body text, not its title


def caption(text: str) -> str:
    """``text`` as a table's title when it reads like one (short, no sentence end: "表1 2025年十件民生实事"), else ""."""
    text = " ".join(text.split()).rstrip("：:")
    short = 2 <= len(text) <= _MAX_CAPTION and not any(mark in text for mark in "。；;！？!?")
    return text if short else ""


def _header_rows(trs: list, rows: list[list]) -> int:
    """How many of ``rows`` (their ``w:tr`` in ``trs``) name the columns.

    Those marked to repeat on each page (``w:tblHeader``); else the first, and the second too when
    the first groups columns (a cell merged across some, not all, of them: "2025年目标" over
    "数量" and "单位"). A table of one row has no header.
    """
    if len(rows) < 2:
        return 0
    marked = 0
    for tr in trs:
        pr = tr.trPr
        if pr is None or pr.find(qn("w:tblHeader")) is None:
            break
        marked += 1
    if marked:
        return min(marked, len(rows) - 1)
    first = [id(cell._tc) for cell in rows[0]]
    grouped = len(set(first)) > 1 and any(a == b for a, b in zip(first, first[1:], strict=False))
    return 2 if grouped and len(rows) > 2 else 1


def read_table(table: Table, caption_text: str = "") -> table_records.Table:
    """A Word table as a ``table_records.Table`` titled by its own title row, else by ``caption_text``.

    python-docx gives a merged cell once per grid column and row it covers (the same ``w:tc``), so
    a vertically merged 类别 cell reads on every row it spans. Leading rows of one cell across the
    whole width are the table's title ("2025年十件民生实事"), not its header.
    """
    trs = list(table._tbl.tr_lst)
    rows = [list(row.cells) for row in table.rows]
    titles = []
    while len(rows) > 1 and len({id(cell._tc) for cell in rows[0]}) == 1:
        titles.append(" ".join(rows[0][0].text.split()))
        rows, trs = rows[1:], trs[1:]
    grid = [[cell.text for cell in row] for row in rows]
    title = " ".join(t for t in titles if t) or caption_text
    return table_records.Table(grid, _header_rows(trs, rows), title)
