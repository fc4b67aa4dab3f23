"""HTML result cards for the page. Every piece of report text goes through ``html.escape``.

A card shows the report title, region and year, section path, page, score,
the passage with its answer sentence(s) in ``<mark>``, the other reports that
hold the same passage, and a ``<details>`` expander with the neighbouring text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from govqa.qa.types import NOT_FOUND_MESSAGE

# (chunk_id, start, end) -> (text before, text after)
ContextFn = Callable[[int, int, int], tuple[str, str]]


# gr.HTML renders its value through a JS/Handlebars template: encode the template
# characters too, so report text can never be read as template syntax.
_TEMPLATE_CHARS = str.maketrans({"$": "&#36;", "{": "&#123;", "}": "&#125;", "`": "&#96;", "@": "&#64;"})


def esc(value: Any) -> str:
    """Escape any value for HTML text and attribute positions (and for gr.HTML's template)."""
    return escape("" if value is None else str(value), quote=True).translate(_TEMPLATE_CHARS)


def highlighted(text: str, spans: Sequence[Any]) -> str:
    """``text`` escaped, with each span (``.start``/``.end`` offsets) wrapped in ``<mark>``."""
    out: list[str] = []
    pos = 0
    for span in sorted(spans, key=lambda s: s.start):
        start, end = max(span.start, pos), min(span.end, len(text))
        if end <= start:
            continue
        out.append(esc(text[pos:start]))
        out.append(f"<mark>{esc(text[start:end])}</mark>")
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def citation_line(citation: Any) -> str:
    """Region · year · section · page, each part escaped, the missing ones left out."""
    parts = []
    if citation.region:
        parts.append(f'<span class="gq-region">{esc(citation.region)}</span>')
    if citation.year:
        parts.append(f'<span class="gq-year">{esc(citation.year)}年</span>')
    if citation.section:
        parts.append(f'<span class="gq-section">{esc(citation.section)}</span>')
    if citation.page:
        parts.append(f'<span class="gq-page">第 {esc(citation.page)} 页</span>')
    return "".join(parts)


def card(hit: Any, rank: int, context: ContextFn | None = None, weak: bool = False) -> str:
    """One hit as an ``<article>`` card."""
    c = hit.citation
    expander = ""
    if context is not None:
        try:
            before, after = context(c.chunk_id, c.start, c.end)
        except Exception:  # context is a convenience: a card without it is still right
            before, after = "", ""
        if before or after:
            expander = (
                '<details class="gq-context"><summary>查看上下文</summary><div class="gq-context-text">'
                f'<span class="gq-ctx">{esc(before)}</span>'
                f'<span class="gq-ctx-current">{highlighted(hit.text, hit.highlights)}</span>'
                f'<span class="gq-ctx">{esc(after)}</span></div></details>'
            )
    title = c.title or c.doc
    return (
        f'<article class="gq-card{" gq-weak" if weak else ""}" data-doc="{esc(c.doc)}">'
        f'<header class="gq-card-head"><span class="gq-rank">{rank}</span>'
        f'<span class="gq-title" title="{esc(c.doc)}">{esc(title)}</span>'
        f'<span class="gq-score" title="相关度">{hit.score:.3f}</span></header>'
        f'<div class="gq-meta">{citation_line(c)}</div>'
        f'<p class="gq-passage">{highlighted(hit.text, hit.highlights)}</p>'
        f"{also_in_line(getattr(hit, 'also_in', ()))}{expander}</article>"
    )


def also_in_line(citations: Sequence[Any]) -> str:
    """ "同见：" and the other reports that hold the same passage, or nothing."""
    if not citations:
        return ""
    names = "、".join(f'<span class="gq-also" title="{esc(c.doc)}">{esc(c.title or c.doc)}</span>' for c in citations)
    return f'<div class="gq-also-in">同见：{names}</div>'


def render_search(result: Any, context: ContextFn | None = None) -> str:
    """A ``SearchResult`` as a list of cards (or a line saying nothing matched)."""
    if not result.hits:
        return f'<div class="gq-results"><div class="gq-verdict gq-notfound">{esc(NOT_FOUND_MESSAGE)}</div></div>'
    cards = "".join(card(h, i, context) for i, h in enumerate(result.hits, 1))
    return f'<div class="gq-results"><div class="gq-took">{len(result.hits)} 条结果 · {result.took_ms:.0f} 毫秒</div>{cards}</div>'


def render_answer(answer: Any, context: ContextFn | None = None) -> str:
    """An ``Answer``: the verdict box (answer and citation, or not found) above the cards."""
    weak = answer.verdict != "found"
    reason = getattr(answer, "reason", None)
    if weak:
        head = (
            f'<div class="gq-verdict gq-notfound" role="status"><strong>{esc(NOT_FOUND_MESSAGE)}</strong>'
            + (f'<div class="gq-reason" data-reason="{esc(reason.code)}">{esc(reason.message)}</div>' if reason else "")
            + ('<div class="gq-note">以下段落与问题相关性较弱，仅供参考。</div>' if answer.hits else "")
            + "</div>"
        )
    else:
        c = answer.citation
        source = esc(c.title or c.doc) if c else ""
        if c and c.section:
            source += f" › {esc(c.section)}"
        head = (
            f'<div class="gq-verdict gq-found" role="status"><div class="gq-answer">{esc(answer.answer)}</div>'
            f'<div class="gq-source">—— {source}{fact_tag(getattr(answer, "checks", ()))}</div></div>'
        )
    cards = "".join(card(h, i, context, weak) for i, h in enumerate(answer.hits, 1))
    return f'<div class="gq-results" data-verdict="{esc(answer.verdict)}" data-took="{answer.took_ms:.2f}">{head}{cards}</div>'


def fact_tag(checks: Sequence[Any]) -> str:
    """ "（2019年 · 实际完成值）": the year and kind of the answer's figure, from its checks (``qa.checks.Check``)."""
    shown = [c.detail for c in checks if c.name in ("year", "kind") and c.met and c.detail]
    return f'<span class="gq-fact">（{esc(" · ".join(shown))}）</span>' if shown else ""


def render_message(text: str, kind: str = "info") -> str:
    """A one-line notice (errors, index not ready) in the results area."""
    return f'<div class="gq-results"><div class="gq-notice gq-{esc(kind)}">{esc(text)}</div></div>'
