"""What search and ask return, and its JSON form (schema version 1, documented in docs/api.md).

The app, the REST API, the CLI and the evaluation all read these; change them
only by adding fields.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from govqa.qa.question import QuestionError

# The orders of a comparison's rows (``Searcher.compare(by=…)``).
ORDERS = ("report", "region", "year")

SCHEMA_VERSION = 1
NOT_FOUND_MESSAGE = "未找到相关内容"


class FilterError(QuestionError):
    """A filter (year, region, document) that cannot be used as given (the API answers 400)."""

    @property
    def page_message(self) -> str:
        """The page's words for it: the reason stays as written (it quotes what was typed)."""
        return f"筛选条件有误：{self}"


@dataclass(frozen=True)
class Filters:
    """Explicit restrictions on a search: document names, regions, a year range, libraries (文库).

    ``libraries`` None: every library; a tuple: only documents of those (``()``: none at all).
    The app sets it to what its reader may read (``web.auth``): nothing of another library is
    searched, cited, counted or named in a not-found reason.
    """

    docs: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    libraries: tuple[str, ...] | None = None

    def is_empty(self) -> bool:
        """True when nothing is restricted."""
        return not (self.docs or self.regions or self.year_from or self.year_to) and self.libraries is None

    def by_document(self) -> bool:
        """True when documents, regions or years are restricted (libraries aside)."""
        return bool(self.docs or self.regions or self.year_from or self.year_to)


_YEAR_RANGE = re.compile(r"\s*(\d{4})?\s*(?:([-–—~～至到])\s*(\d{4})?)?\s*")


def parse_years(text: str | int | None) -> tuple[int | None, int | None]:
    """A year filter as written by a user → ``(year_from, year_to)``; either end may be open.

    ``2019`` → (2019, 2019); ``"2015-2020"`` (or —, ～, 至) → (2015, 2020); ``"2015-"`` → (2015, None);
    ``"-2020"`` → (None, 2020); ``None`` or ``""`` → (None, None). Raises ``FilterError`` for
    anything else or a range whose end comes before its start.
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return None, None
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise FilterError(f"year must be a year such as 2020 or a range such as 2019-2021, got {text!r}")
    match = _YEAR_RANGE.fullmatch(str(text))
    if not match or not (match.group(1) or match.group(3)):
        raise FilterError(f"year must be a year such as 2020 or a range such as 2019-2021, got {text!r}")
    low = int(match.group(1)) if match.group(1) else None
    high = int(match.group(3)) if match.group(3) else (None if match.group(2) else low)
    return check_years(low, high)


def check_years(low: int | None, high: int | None) -> tuple[int | None, int | None]:
    """``(low, high)`` unchanged, or ``FilterError`` when the range is inverted."""
    if low is not None and high is not None and high < low:
        raise FilterError(f"the year range {low}-{high} ends before it starts: write it as {high}-{low}")
    return low, high


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from, precisely enough to check it."""

    doc: str  # the document's name (file base name, or file#row for exports)
    title: str
    year: int | None
    region: str | None
    section: str  # section path, " › " between levels; "" when the report has no headings
    page: int | None  # first PDF page of the passage; None for formats without pages
    start: int  # character offsets in the cleaned document text
    end: int
    chunk_id: int = 0
    position: int = 0
    page_end: int | None = None  # last PDF page the passage reaches (> page when it crosses a page break)


def citation_of(record: Any, start: int, end: int, page_end: int | None = None) -> Citation:
    """The citation of ``start``…``end`` (offsets in the document) found in ``record``, an ``index.ChunkRecord``.

    ``page_end`` defaults to the last page of the record's chunk.
    """
    return Citation(
        doc=record.doc,
        title=record.title,
        year=record.year,
        region=record.region,
        section=record.section,
        page=record.page,
        page_end=page_end if page_end is not None else (record.page_end or record.page),
        start=start,
        end=end,
        chunk_id=record.id,
        position=record.position,
    )


@dataclass(frozen=True)
class Span:
    """A highlighted answer span, as character offsets inside the passage text."""

    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """One retrieved passage: text, fused score, citation, and the answer sentence(s) in it."""

    text: str
    score: float
    citation: Citation
    highlights: tuple[Span, ...] = ()
    dense_score: float | None = None
    keyword_rank: int | None = None
    also_in: tuple[Citation, ...] = ()  # the same text (near-duplicate) in other documents

    @property
    def answer_text(self) -> str:
        """The highlighted sentences joined in order."""
        return "".join(self.text[s.start : s.end] for s in self.highlights)


@dataclass(frozen=True)
class SearchResult:
    """The hits for one question, best first."""

    question: str
    hits: tuple[Hit, ...]
    took_ms: float = 0.0


@dataclass(frozen=True)
class Answer:
    """A verdict on a question: ``found`` with the answer and its citation, or ``not_found``.

    With ``not_found`` the hits are still listed, as weak passages.
    """

    question: str
    verdict: str  # "found" | "not_found"
    answer: str  # the best answer sentence(s); NOT_FOUND_MESSAGE when not found
    citation: Citation | None
    hits: tuple[Hit, ...]
    confidence: float = 0.0
    took_ms: float = 0.0
    message: str = field(default="")
    # Not found: why, as a code and one line for the page (``qa.verdict.Reason``); None when found.
    reason: Any = None
    # Each constraint of the question on the answer sentence (``qa.checks.Check``); when not found, on the
    # closest sentence that failed one.
    checks: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Row:
    """One report's answer to a compared question; ``found`` False (answer "", no citation) when it gives none.

    ``citation`` is narrowed to the answer sentence: its offsets slice the
    sentence from the document's cleaned text. ``value`` is a ``qa.value.Value``
    when the question asks for a quantity and the sentence states one.
    """

    doc: str
    title: str
    region: str
    year: int | None
    found: bool
    answer: str
    citation: Citation | None
    confidence: float
    value: Any = None
    # The year(s) the answer's figure refers to ("2019": a 2020 report's review; "2021-2025": a plan period)
    # and whether it is a "result" or a "target" ("" when the text does not tell): qa.facts.
    figure_year: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Comparison:
    """A question compared across reports: one row per report, ordered ``by`` report, region or year."""

    question: str
    by: str
    rows: tuple[Row, ...]
    took_ms: float = 0.0


def hit_to_json(hit: Hit) -> dict[str, Any]:
    """A hit as the stable JSON object of the API."""
    return {
        "text": hit.text,
        "score": round(hit.score, 6),
        "citation": asdict(hit.citation),
        "highlights": [[s.start, s.end] for s in hit.highlights],
        "answer": hit.answer_text,
        "dense_score": None if hit.dense_score is None else round(hit.dense_score, 6),
        "keyword_rank": hit.keyword_rank,
        "also_in": [asdict(c) for c in hit.also_in],
    }


def search_to_json(result: SearchResult) -> dict[str, Any]:
    """A search result as JSON (schema version 1)."""
    return {
        "schema": SCHEMA_VERSION,
        "question": result.question,
        "took_ms": round(result.took_ms, 2),
        "hits": [hit_to_json(h) for h in result.hits],
    }


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """An answer as JSON (schema version 1)."""
    return {
        "schema": SCHEMA_VERSION,
        "question": answer.question,
        "verdict": answer.verdict,
        "answer": answer.answer,
        "citation": asdict(answer.citation) if answer.citation else None,
        "confidence": round(answer.confidence, 4),
        "reason": answer.reason.to_json() if answer.reason else None,
        "checks": [c.to_json() for c in answer.checks],
        "took_ms": round(answer.took_ms, 2),
        "hits": [hit_to_json(h) | {"weak": answer.verdict == "not_found"} for h in answer.hits],
    }


def comparison_to_json(comparison: Comparison) -> dict[str, Any]:
    """A comparison as JSON (schema version 1): ``{"question", "by", "rows": [...]}``, documented in docs/compare.md."""
    return {
        "schema": SCHEMA_VERSION,
        "question": comparison.question,
        "by": comparison.by,
        "took_ms": round(comparison.took_ms, 2),
        "rows": [row_to_json(r) for r in comparison.rows],
    }


def row_to_json(row: Row) -> dict[str, Any]:
    """One row of a comparison as JSON; ``value`` is null or {text, figure, low, high, unit, qualifier}."""
    value = row.value
    return {
        "doc": row.doc,
        "title": row.title,
        "region": row.region,
        "year": row.year,
        "answer": row.answer,
        "citation": asdict(row.citation) if row.citation else None,
        "confidence": round(row.confidence, 4),
        "value": None
        if value is None
        else {
            "text": value.text,
            "figure": value.figure,
            "low": value.low,
            "high": value.high,
            "unit": value.unit,
            "qualifier": value.qualifier,
        },
        "figure_year": row.figure_year,
        "kind": row.kind,
        "found": row.found,
    }


CSV_COLUMNS = (
    "region",
    "year",
    "figure_year",
    "kind",
    "title",
    "found",
    "value",
    "figure",
    "low",
    "high",
    "unit",
    "qualifier",
    "answer",
    "doc",
    "start",
    "end",
    "confidence",
)


def comparison_to_csv(comparison: Comparison) -> str:
    """A comparison as CSV text (a header, then one line per row; columns ``CSV_COLUMNS``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in comparison.rows:
        v, c = row.value, row.citation
        writer.writerow(
            [
                row.region,
                row.year or "",
                row.figure_year,
                row.kind,
                row.title,
                "yes" if row.found else "no",
                v.text if v else "",
                v.figure if v else "",
                v.low if v else "",
                v.high if v else "",
                v.unit if v else "",
                v.qualifier if v else "",
                row.answer,
                row.doc,
                c.start if c else "",
                c.end if c else "",
                round(row.confidence, 4),
            ]
        )
    return out.getvalue()
