"""Tables on text PDF pages, found with pdfplumber and read as records.

Two kinds (docs/ingest.md, *Tables*, says how they were measured):

- **Ruled grids**: pdfplumber's table finder on the drawn lines.
- **Three-line tables** (三线表): no vertical rules, only long horizontal ones
  above and below the header and under the last row. The table lies between
  the rules; its columns are the gaps that no word in that band crosses, and
  pdfplumber reads the cells between those explicit column lines, a row per
  text line.

A table may run over a page break: a ruled grid at the top of a page, with the
previous page's table ending at its foot and as many columns, goes on with it;
a three-line table whose closing rule is not on its page goes on until a page
shows it. The header is the table's first row, carried to the following pages
when they do not repeat it; a row with an empty first cell and fewer than half
of its cells filled is the rest of the row above (a name wrapped in its cell
or split by the page break).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from govqa.ingest.furniture import is_page_number

# A rule of a three-line table is at least this long (points): a 三线表 spans most of
# the type area (~450 pt on A4), an underline or a short separator does not.
MIN_RULE = 150.0
# Rules of one table start and end within this distance of each other (points).
RULE_TOLERANCE = 3.0
# The header band between a three-line table's first two rules holds at most this
# many text lines' height; farther apart, the two rules enclose a whole table.
HEADER_BAND = 3.0
# A table title sits within this many line heights above the table.
TITLE_REACH = 2.5
# "表1 …", "表 2-1 …", "续表1", "附表3 …", "表一 …".
TITLE = re.compile(r"^(?:续|附)?表\s*[\d一二三四五六七八九十]+(?:[-－—.．]\d+)?(?:\s|[：:]|$)")
# A header ending in its unit: "总投资（亿元）", "比上年增长(%)".
_HEADER_UNIT = re.compile(r"^(?P<name>.+?)\s*[（(](?P<unit>[^（）()\d]{1,4})[）)]$")
_UNIT_NAMES = ("单位", "计量单位")
_NUMBER = re.compile(r"^[-+−]?\d[\d,，]*(?:\.\d+)?$")


@dataclass
class Table:
    """One table's part on one page: where it lies (pdfplumber's top-down points) and its rows of cell text.

    ``at_top``/``at_foot``: no text of the page above/below it (page numbers aside);
    ``open_end``: a three-line table whose closing rule is on a later page, read with ``columns``.
    """

    bbox: tuple[float, float, float, float]
    rows: list[list[str]]
    title: str = ""
    ruled: bool = True
    open_end: bool = False
    columns: list[float] = field(default_factory=list)
    at_top: bool = False
    at_foot: bool = False


def cell_text(text: str | None) -> str:
    """A cell's text on one line: lines wrapped in the cell joined (a space only between Latin letters)."""
    if not text:
        return ""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    out = ""
    for part in parts:
        latin = out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum()
        out += (" " if latin else "") + part
    return out


def merge_continued(rows: list[list[str]], previous: list[str] | None = None) -> list[list[str]]:
    """Rows with the rest of a row (empty first cell, under half the cells filled) joined to the row above.

    ``previous`` is the last row of the same table on the page before, which the
    first row here may finish; it is changed in place.
    """
    out: list[list[str]] = []
    for row in rows:
        above = out[-1] if out else previous
        filled = sum(1 for cell in row if cell)
        if above is not None and not row[0] and 0 < filled * 2 < len(row) and above[0]:
            for i, cell in enumerate(row):
                above[i] = above[i] + cell
            continue
        if filled:
            out.append(list(row))
    return out


def record(title: str, number: int, header: list[str], row: list[str]) -> str:
    """One row as a sentence that stands alone: its table's title, its number, each cell under its header.

    ``record("表2 重点项目", 9, ["项目名称", "总投资（亿元）"], ["青溪港三期码头工程", "12.6"])``
    → ``"表2 重点项目 第9行：项目名称：青溪港三期码头工程，总投资：12.6亿元。"``: one sentence (cells
    parted by commas, not by sentence-ending ；), so an answer is the whole row.
    A header's unit in brackets moves onto a number under it, and so does a
    单位 column's cell onto the row's bare numbers; empty cells are left out.
    """
    names = [header[i] if i < len(header) and header[i] else f"第{i + 1}列" for i in range(len(row))]
    unit_column = next((i for i, name in enumerate(names) if name in _UNIT_NAMES and row[i]), None)
    parts = []
    for i, (name, cell) in enumerate(zip(names, row, strict=True)):
        if not cell or i == unit_column:
            continue
        unit = _HEADER_UNIT.match(name)
        if unit and _NUMBER.match(cell):
            name, cell = unit["name"], cell + unit["unit"]
        elif unit_column is not None and _NUMBER.match(cell):
            cell += row[unit_column]
        parts.append(f"{name}：{cell}")
    head = f"{title} 第{number}行" if title else f"表格第{number}行"
    return f"{head}：{'，'.join(parts)}。"


def find_tables(page, before: Table | None, line_height: float) -> list[Table]:
    """The tables of a pdfplumber ``page``, top to bottom.

    ``before`` is the previous page's last table (or None): a three-line table
    left open there goes on at the top of this page. ``line_height`` is the
    page's usual text height (points), to tell a header band and a title's reach.
    """
    ruled = [Table(t.bbox, [[cell_text(c) for c in row] for row in t.extract()]) for t in page.find_tables()]
    ruled = [t for t in ruled if len(t.rows) >= 2 and len(t.rows[0]) >= 2]
    carried = before.columns if before is not None and before.open_end else None
    tables = sorted(ruled + _three_line_tables(page, carried, ruled, line_height), key=lambda t: t.bbox[1])
    lines = [(top, text) for top, text in _text_lines(page) if not is_page_number(text)]
    for table in tables:
        table.title = _title_above(lines, table.bbox, line_height)
        table.at_top = not any(top < table.bbox[1] - 1 for top, _ in lines)
        table.at_foot = not any(top > table.bbox[3] + 1 for top, _ in lines)
    return tables


def stitch(pages: list[list[Table]]) -> list[list[list[str]]]:
    """The records (``record``) of each table of each page, tables that cross a page break read as one.

    A table continues the previous page's last table when that one reached its
    page's foot, this one starts its page, and both have as many columns (a
    three-line table left open always continues). A first row equal to the
    header is a repeated header and is dropped. Rows are numbered across pages.
    """
    read: list[list[tuple[list[str], str, list[tuple[int, list[str]]]]]] = []
    header: list[str] = []
    title, done, last_row = "", 0, None
    previous: Table | None = None
    for tables in pages:
        page_read = []
        for i, table in enumerate(tables):
            rows = [list(r) for r in table.rows]
            goes_on = bool(
                i == 0
                and previous is not None
                and header
                and (
                    (not table.ruled and previous.open_end)
                    or (table.at_top and previous.at_foot and len(rows[0]) == len(header))
                )
            )
            if goes_on:
                title = title or table.title
                if rows and rows[0] == header:
                    rows = rows[1:]
            else:
                header, title, done, last_row = rows[0], table.title, 0, None
                rows = rows[1:]
            own = merge_continued(rows, last_row)
            page_read.append((header, title, [(done + n, row) for n, row in enumerate(own, start=1)]))
            done += len(own)
            last_row = own[-1] if own else last_row
        previous = tables[-1] if tables else None  # a page without tables ends any table
        read.append(page_read)
    # Rendered last: a row finished on the next page (a split name) was completed in place.
    return [[[record(t, n, h, row) for n, row in rows] for h, t, rows in page] for page in read]


def _text_lines(page) -> list[tuple[float, str]]:
    """(top, text) of each text line of the page, top-down."""
    return [(line["top"], line["text"]) for line in page.extract_text_lines(return_chars=False)]


def _title_above(lines: list[tuple[float, str]], bbox, line_height: float) -> str:
    above = [
        (top, text.strip()) for top, text in lines if top < bbox[1] and bbox[1] - top <= TITLE_REACH * line_height * 2
    ]
    for _, text in reversed(above):
        if TITLE.match(text):
            return text
    return ""


def _rules(page, ruled: list[Table]) -> list[list[tuple[float, float, float]]]:
    """Long horizontal rules (x0, x1, top) outside ruled tables, grouped by their extent, each group top-down."""
    edges = [
        (e["x0"], e["x1"], e["top"])
        for e in page.horizontal_edges
        if e["x1"] - e["x0"] >= MIN_RULE
        and not any(
            t.bbox[0] - 1 <= e["x0"] and e["x1"] <= t.bbox[2] + 1 and t.bbox[1] - 1 <= e["top"] <= t.bbox[3] + 1
            for t in ruled
        )
    ]
    groups: list[list[tuple[float, float, float]]] = []
    for edge in sorted(edges, key=lambda e: e[2]):
        group = next(
            (
                g
                for g in groups
                if abs(g[0][0] - edge[0]) <= RULE_TOLERANCE and abs(g[0][1] - edge[1]) <= RULE_TOLERANCE
            ),
            None,
        )
        if group is None:
            groups.append([edge])
        elif edge[2] - group[-1][2] > RULE_TOLERANCE:  # a rule drawn twice (fill and stroke) counts once
            group.append(edge)
    return groups


def _three_line_tables(page, carried: list[float] | None, ruled: list[Table], line_height: float) -> list[Table]:
    groups = _rules(page, ruled)
    words = page.extract_words(keep_blank_chars=False)
    body_top = min((w["top"] for w in words), default=0.0)
    body_bottom = max((w["bottom"] for w in words if not is_page_number(w["text"])), default=page.height)
    tables: list[Table] = []
    for group in groups:
        x0, x1 = group[0][0], group[-1][1]
        tops = [rule[2] for rule in group]
        if carried and tops[0] > body_top:  # the rows above the first rule finish the table of the page before
            tables.append(_read_band(page, words, (x0, body_top - 1, x1, tops[0]), carried, open_end=False))
            tops = tops[1:]
        carried = None
        if len(tops) >= 3 or (len(tops) == 2 and tops[1] - tops[0] > HEADER_BAND * line_height):
            tables.append(_read_band(page, words, (x0, tops[0], x1, tops[-1]), None, open_end=False))
        elif len(tops) == 2:  # the header between two rules, the rows run on to the page's foot
            tables.append(_read_band(page, words, (x0, tops[0], x1, body_bottom + 1), None, open_end=True))
    if carried:  # a whole page of rows, the closing rule still to come
        band = (carried[0] - 1, body_top - 1, carried[-1] + 1, body_bottom + 1)  # within the table's columns
        tables.append(_read_band(page, words, band, carried, True))
    return [t for t in tables if t.rows]


def _read_band(page, words, bbox, columns: list[float] | None, open_end: bool) -> Table:
    """The cells of a three-line table in ``bbox``: column lines from the gaps no word crosses (or ``columns``)."""
    inside = [
        w
        for w in words
        if bbox[1] <= (w["top"] + w["bottom"]) / 2 <= bbox[3] and bbox[0] - 1 <= w["x0"] and w["x1"] <= bbox[2] + 1
    ]
    if not inside:
        return Table(bbox, [], ruled=False, open_end=open_end)
    lines = columns or _column_lines(inside)
    if len(lines) < 3:  # fewer than two columns: not a table
        return Table(bbox, [], ruled=False, open_end=open_end)
    left, right = min(w["x0"] for w in inside) - 1, max(w["x1"] for w in inside) + 1
    lines = sorted({left, right, *(x for x in lines if left < x < right)}) if columns else lines
    crop = page.crop((min(lines) - 0.5, bbox[1], max(lines) + 0.5, bbox[3]), strict=False)
    rows = crop.extract_table(
        {"vertical_strategy": "explicit", "explicit_vertical_lines": lines, "horizontal_strategy": "text"}
    )
    cells = [[cell_text(c) for c in row] for row in rows or []]
    return Table(
        (min(lines), bbox[1], max(lines), bbox[3]),
        [r for r in cells if any(r)],
        ruled=False,
        open_end=open_end,
        columns=lines,
    )


def _column_lines(words) -> list[float]:
    """x of the edges of the columns: the outer edges and the middle of each gap no word crosses."""
    spans = sorted((w["x0"], w["x1"]) for w in words)
    merged = [list(spans[0])]
    for x0, x1 in spans[1:]:
        if x0 <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    inner = [(a[1] + b[0]) / 2 for a, b in zip(merged, merged[1:], strict=False)]
    return [merged[0][0] - 1, *inner, merged[-1][1] + 1]
