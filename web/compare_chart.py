"""The chart of a comparison (matplotlib, drawn on the server: nothing loads from elsewhere).

Bars by region for a comparison across reports, a line over the years for a
time series (``by == "year"``). A range (5.0%—5.5%) is drawn at its middle
with a bar from low to high. Only values of the comparison's most common unit
are drawn; reports that state none are marked on the axis (× 未找到), and a
value in another unit (a share in % among amounts in 亿元) is left out.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on a server

from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from govqa.qa.types import Comparison, Row  # noqa: E402

# The system's own CJK fonts, as on the page (web/ui.py); the first installed one is used.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
)


# Their files, for a font cache built before they were installed (matplotlib reads the system's fonts once).
_CJK_FILES = re.compile(r"wqy|noto\w*cjk|sourcehan|simhei|msyh|pingfang", re.IGNORECASE)


def _font() -> list[str]:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    if not installed & set(CJK_FONTS):
        for path in font_manager.findSystemFonts():
            if _CJK_FILES.search(path):
                font_manager.fontManager.addfont(path)
        installed = {f.name for f in font_manager.fontManager.ttflist}
    return [f for f in CJK_FONTS if f in installed] + ["DejaVu Sans"]


def chart_unit(comparison: Comparison) -> str | None:
    """The unit most values of the comparison are in (the one charted), or None when no row has a value."""
    units = Counter(r.value.unit for r in comparison.rows if r.found and r.value)
    return units.most_common(1)[0][0] if units else None


def draw(comparison: Comparison) -> Figure:
    """The comparison as a figure: a line over the years (``by == "year"``) or bars per report."""
    unit = chart_unit(comparison)
    rows = list(comparison.rows)
    with plt.rc_context({"font.family": _font(), "axes.unicode_minus": False}):
        figure = Figure(figsize=(max(6.0, min(16.0, 0.42 * len(rows) + 2)), 4.2), dpi=110, layout="constrained")
        axes = figure.add_subplot()
        labels = [_label(r, comparison.by) for r in rows]
        charted = [i for i, r in enumerate(rows) if r.found and r.value and r.value.unit == unit]
        mids = [(rows[i].value.low + rows[i].value.high) / 2 for i in charted]
        spans = [
            [m - rows[i].value.low for i, m in zip(charted, mids, strict=False)],
            [rows[i].value.high - m for i, m in zip(charted, mids, strict=False)],
        ]
        if comparison.by == "year":
            axes.errorbar(charted, mids, yerr=spans, marker="o", color="#b4232a", ecolor="#b4232a", capsize=3)
        else:
            axes.bar(charted, mids, yerr=spans, color="#b4232a", ecolor="#555", capsize=3, width=0.7)
        crowded = len(rows) > 12
        for i, m in zip(
            charted, mids, strict=False
        ):  # the number(s) only: "8", "6.5–7"; upright when the axis is crowded
            v = rows[i].value
            label = f"{v.low:g}" if v.low == v.high else f"{v.low:g}–{v.high:g}"
            axes.annotate(
                label,
                (i, m),
                textcoords="offset points",
                xytext=(0, 5),
                ha="center",
                va="bottom",
                fontsize=7,
                rotation=90 if crowded else 0,
            )
        missing = [i for i, r in enumerate(rows) if not r.found]
        if missing:
            axes.plot(missing, [0] * len(missing), "x", color="#888", label="未找到")
            axes.legend(loc="upper right", fontsize=8)
        axes.set_xticks(
            range(len(rows)),
            labels,
            rotation=60 if len(rows) > 8 else 0,
            fontsize=8,
            ha="right" if len(rows) > 8 else "center",
        )
        axes.set_ylabel(unit or "")
        axes.set_ylim(bottom=0)
        axes.set_title(comparison.question, fontsize=11)
        axes.grid(axis="y", alpha=0.3)
    return figure


def save_chart(comparison: Comparison, path: str | Path) -> Path:
    """Draw the comparison to a PNG file; returns the path."""
    path = Path(path)
    draw(comparison).savefig(path, format="png")
    return path


def _label(row: Row, by: str) -> str:
    if by == "year":
        return str(row.year or "?")
    short = row.region.replace("壮族自治区", "").replace("回族自治区", "").replace("维吾尔自治区", "")
    short = short.replace("自治区", "").replace("特别行政区", "")
    short = short[:-1] if len(short) > 2 and short[-1] in "省市" else short
    return short or row.title[:8]
