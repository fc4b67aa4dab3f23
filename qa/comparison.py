"""Compare one question across reports: each report's best answer sentence, its value, as rows.

One pass over the index ranks every chunk of the compared reports (one dense
search and one keyword search, fused as in search); the chunks are then
grouped by report, so 111 reports cost one query, not 111. In each report the
best few chunks are split into sentences; among those meeting the question's
constraints as ``ask`` checks them (``checks.check``: year, kind, place, unit,
list item), the sentence that holds the question's words (and, for a quantity
question, a value) is the report's answer. The report answers only when that sentence holds at least half the
question's content words (``ANSWER_COVERAGE``), states a value when one is
asked for, and the verdict of ``ask`` (``qa/verdict.py``) over its chunk
agrees; the chunk's similarity comes from the dense pass, so no sentence is
embedded and 111 reports answer in well under 2 s. A report that does not
answer is a row marked not found, never a guess.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, replace

from govqa.index import Index
from govqa.index.keyword import query_tokens
from govqa.index.records import ChunkFilter
from govqa.ingest.metadata import NATIONAL
from govqa.qa import checks, facts, fuse, highlight, span, verdict
from govqa.qa.facts import Kind
from govqa.qa.question import Question, about_years, content_terms, understand, validate
from govqa.qa.settings import SearchConfig
from govqa.qa.synonyms import comparable
from govqa.qa.types import ORDERS, Comparison, Filters, Row, citation_of
from govqa.qa.value import asks_quantity, read_value

# Chunks of each report whose sentences are weighed (the best by fused score, after grounding).
CANDIDATE_CHUNKS = 3
# Chunks of each report fetched before grounding re-ranks them.
FETCHED_CHUNKS = 8
# A sentence answers for its report only when it holds this share of the question's content words.
ANSWER_COVERAGE = 0.5
# Words the reports use for one another's concept: the growth target of 生产总值 (GDP) is written
# "经济增长5%左右" as often as "地区生产总值增长5%左右" (e.g. the State Council reports of 1998, 2016).
SAME_AS = {"生产总值": ("GDP", "经济增长", "经济增速", "经济总量")}
# Provincial-level divisions in the order of their GB/T 2260 codes (11 北京 … 65 新疆, 71 台湾, 81 香港, 82 澳门).
ADMINISTRATIVE_ORDER = (
    NATIONAL,
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "台湾省",
    "香港特别行政区",
    "澳门特别行政区",
)


@dataclass(frozen=True)
class _Report:
    name: str
    title: str
    year: int | None
    places: tuple[str, ...]


def compare(
    index: Index, config: SearchConfig, question: str, filters: Filters | None = None, by: str | None = None
) -> Comparison:
    """One row per report matching ``filters`` and the years and places ``question`` names.

    ``by`` is ``"report"`` (by name), ``"region"`` (administrative order, then
    year) or ``"year"`` (a time series); ``None`` picks ``year`` when the
    reports span years of one region, ``region`` when they span regions of
    one year, else ``report``. Raises ``QuestionError`` for an unusable
    question and ``ValueError`` for an unknown ``by``.
    """
    if by is not None and by not in ORDERS:
        raise ValueError(f"by must be one of {', '.join(ORDERS)}, not {by!r}")
    started = time.perf_counter()
    text = validate(question, config.max_question_chars)
    reports = {r.name: r for r in _reports(index, filters)}
    places = {p for r in reports.values() for p in r.places}
    parsed = understand(text, places)
    # The year and kind asked (qa.checks): a question about 2019's result is not answered by the 2019 target.
    asked = checks.ask(parsed, list(parsed.terms), places)
    compared = _grounded(parsed, asked, list(reports.values()))
    rows = _rows(index, config, parsed, asked, compared) if compared else []
    by = by or _default_order(compared)
    rows.sort(key=lambda row: _ORDER_KEYS[by](row, reports[row.doc]))
    return Comparison(text, by, tuple(rows), (time.perf_counter() - started) * 1000)


def _reports(index: Index, filters: Filters | None) -> list[_Report]:
    allowed = None
    if filters is not None and not filters.is_empty():
        allowed = set(
            index.documents_where(
                filters.docs or None, filters.regions or None, filters.year_from, filters.year_to,
                libraries=filters.libraries,
            )
        )  # fmt: skip
    return [
        _Report(name, title, year, tuple(path.split()))
        for name, title, year, path in index.document_facets()
        if allowed is None or name in allowed
    ]


def _grounded(question: Question, asked: checks.Asked, reports: list[_Report]) -> list[_Report]:
    """The reports about the places and years the question names.

    A question naming year Y compares the reports that state Y's figures of
    the kind asked: for a result, the reports of Y+1, which review Y; for a
    target, the reports of Y, which set it; for either, those of Y and, when
    there is none, of Y+1. With none of the first choice, the other is
    compared, and its rows say 未找到 rather than give a figure of the wrong kind.
    """
    if question.places:
        reports = [r for r in reports if any(p in r.places for p in question.places)]
    if not question.years:
        return reports
    chosen: list[_Report] = []
    for year in question.years:
        same = [r for r in reports if r.year == year]
        review = [r for r in reports if r.year == year + 1]
        of_year = (review or same) if asked.kind is Kind.RESULT else (same or review)
        chosen.extend(r for r in of_year if r not in chosen)
    return chosen


def _rows(
    index: Index, config: SearchConfig, question: Question, asked: checks.Asked, reports: list[_Report]
) -> list[Row]:
    """A row per report: its best sentence, judged (see the module's docstring)."""
    best_of = _best_chunks(
        index,
        question,
        _ranking(index, config, question, reports),
        {r.name: r for r in reports},
        config.grounding_boost,
    )
    # A sentence's share of the question's words counts the longest forms only: 生产总值 once, not again as
    # 生产 and 总值. Words and sentences are compared in ``synonyms.comparable`` form, as ``ask`` compares them.
    content = content_terms(question, query_tokens(comparable(question.asking)))
    quantity = asks_quantity(question.asking)
    # ask's constraints on an answer sentence (qa.checks.check); the subject is held by ``coverage`` below,
    # which also counts the words reports use for one another's (SAME_AS).
    constraints = replace(asked, subject=())
    rows = []
    for report in reports:
        years = question.years_in_report(report.year)
        pick = _best_sentence(best_of.get(report.name, []), content, quantity, constraints, years, config)
        rows.append(_row(report, pick, question, content, quantity, config))
    return rows


def _ranking(
    index: Index, config: SearchConfig, question: Question, reports: list[_Report]
) -> dict[int, fuse.Candidate]:
    """Every chunk of the reports, scored as search fuses them: one dense and one keyword search in all."""
    names = frozenset(r.name for r in reports)
    where, every = ChunkFilter(names), len(index.chunk_ids_of(names))
    dense = index.dense_search(index.encode_queries([question.asking]), every, where)[0]
    keyword = index.keyword_search(question.asking, every, where)
    return fuse.fused(dense, keyword, config)


def _row(report: _Report, pick, question: Question, content: list[str], quantity: bool, config: SearchConfig) -> Row:
    """The report's row: found with its sentence, citation and value, or not found."""
    if pick is None:
        return _not_found(report)
    (record, grounded, similarity), sentence, where, value, fact = pick
    evidence = verdict.gather(similarity, question, [comparable(record.text)] if grounded else [])
    confidence = verdict.confidence(evidence, config)
    answers = (
        verdict.is_found(evidence, config)
        and coverage(content, sentence) >= ANSWER_COVERAGE
        and (value is not None or not quantity)
    )
    if not answers:
        return _not_found(report, min(confidence, 0.49))
    citation = citation_of(record, record.start + where.start, record.start + where.end)
    return Row(
        report.name,
        report.title,
        _region(report),
        report.year,
        True,
        sentence,
        citation,
        max(confidence, 0.5),
        value,
        facts.years_text(fact.years),
        fact.kind.value if fact.kind is not facts.Kind.UNKNOWN else "",
    )


def _best_chunks(
    index: Index, question: Question, fused: dict[int, fuse.Candidate], reports: dict[str, _Report], boost: float
):
    """Per report, its best ``CANDIDATE_CHUNKS`` chunks as (record, grounded, dense similarity), best first.

    Grounding as in search: a chunk known to be about another year than the
    question names (the review of last year, in a report on this year's plans)
    is demoted, and counts as no evidence.
    """
    doc_of = index.chunk_documents(fused)
    per_doc: dict[str, list[fuse.Candidate]] = {}
    for candidate in sorted(fused.values(), key=lambda c: -c.score):
        mine = per_doc.setdefault(doc_of.get(candidate.chunk_id, ""), [])
        if len(mine) < FETCHED_CHUNKS:
            mine.append(candidate)
    records = index.chunk_records([c.chunk_id for name, cs in per_doc.items() if name in reports for c in cs])
    best = {}
    for name, candidates in per_doc.items():
        if name not in reports:
            continue
        scored = []
        for c in candidates:
            record = records.get(c.chunk_id)
            if record is None:
                continue
            fit = (
                about_years(question.years, record.text, record.section, reports[name].year) if question.years else None
            )
            factor = fuse.grounding_factor(fit, reports[name].places, question.places, boost)
            scored.append((c.score * factor, record, fit is not False, c.dense_score or 0.0))
        scored.sort(key=lambda s: -s[0])
        best[name] = [chunk[1:] for chunk in scored[:CANDIDATE_CHUNKS]]
    return best


def _best_sentence(
    chunks, content: list[str], quantity: bool, asked: checks.Asked, years: tuple[int, ...], config: SearchConfig
):
    """The chunk, sentence, span, value and fact that best answer, weighing in order: grounded, meeting the
    question's constraints as ``ask`` checks them (``checks.check``: year, kind, place, unit, list item…),
    holding enough of the question's words, holding a value (when one is asked for), more of the question's
    words, best chunk. None when no sentence meets the constraints: 2019's target does not answer a question
    about 2019's result, nor the reverse."""
    best, best_key = None, None
    for rank, chunk in enumerate(chunks):
        record, grounded = chunk[0], chunk[1]
        spans = highlight.sentences(record.text)
        is_heading = functools.partial(span.is_heading, section=record.section)
        found = facts.passage_facts(
            record.text, [(s.start, s.end) for s in spans], record.section, record.year, is_heading
        )
        passage = None
        for where, fact in zip(spans, found, strict=True):
            # A row's figure is of the year asked even where ask reads no year (a question not of a quantity).
            if not (fact.about(years) and checks.kind_fits(asked, fact)):
                continue
            sentence = record.text[where.start : where.end]
            if passage is None:
                passage = f"{comparable(record.title)} {comparable(record.section)} {comparable(record.text)}"
            met = checks.check(asked, years, sentence, fact, passage, config.subject_share, bool(record.region))
            if not all(c.met for c in met):
                continue
            # The value is read from the sentence as written (its offsets bold it on the page), near the
            # question's words it holds as written; the share of words is counted on its folded form.
            value = read_value(sentence, _present(content, sentence)) if quantity else None
            covered = coverage(content, comparable(sentence))
            key = (grounded, covered >= ANSWER_COVERAGE, value is not None, covered, -rank)
            if best_key is None or key > best_key:
                best, best_key = (chunk, sentence, where, value, fact), key
    return best


def coverage(content: list[str], sentence: str) -> float:
    """Share of the content words (by length) in ``sentence``, a word also counting by its ``SAME_AS`` forms.

    Both in ``synonyms.comparable`` form.
    """
    total = sum(len(t) for t in content)
    return sum(len(t) for t in _present(content, sentence)) / total if total else 1.0


def _present(content: list[str], sentence: str) -> list[str]:
    """The content words ``sentence`` holds, itself or in a ``SAME_AS`` form (then that form, for value reading)."""
    present = []
    for term in content:
        if term in sentence:
            present.append(term)
        else:
            present.extend(form for form in _same_as(term) if form in sentence)
    return present


@functools.cache
def _same_as(term: str) -> tuple[str, ...]:
    """``SAME_AS`` forms of ``term`` in ``synonyms.comparable`` form."""
    return tuple(dict.fromkeys(comparable(form) for form in SAME_AS.get(term, ())))


def _not_found(report: _Report, confidence: float = 0.0) -> Row:
    return Row(report.name, report.title, _region(report), report.year, False, "", None, confidence, None, "", "")


def _region(report: _Report) -> str:
    """The report's region as shown in a row: its innermost place ("全国" for the State Council)."""
    return report.places[-1] if report.places else ""


def _default_order(reports: list[_Report]) -> str:
    years = {r.year for r in reports}
    regions = {r.places for r in reports}
    if len(years) > 1 and len(regions) == 1:
        return "year"
    if len(regions) > 1 and len(years) == 1:
        return "region"
    return "report"


def _region_key(row: Row, report: _Report) -> tuple:
    """Administrative order of the report's outermost place (全国 first), then its own region and year."""
    outer = report.places[0] if report.places else ""
    rank = ADMINISTRATIVE_ORDER.index(outer) if outer in ADMINISTRATIVE_ORDER else len(ADMINISTRATIVE_ORDER)
    return rank, row.region, row.year or 0, row.doc


_ORDER_KEYS = {
    "report": lambda row, report: row.doc,
    "region": _region_key,
    "year": lambda row, report: (row.year or 0, _region_key(row, report)),
}
