"""Generate unanswerable questions: each answerable question asked with its gold report left out.

    python -m govqa.eval.unanswerable QUESTIONS --index DIR --out FILE [--verbose]

"2024年河南省粮食产量是多少" without the 2025 Henan report is (usually)
unanswerable: no other report reviews Henan's 2024. Usually, not always: a
later report may restate the figure, or a topic question ("辽宁舰") may be
answered by another report. So each generated question is checked by a
hand-written rule on the reports' text, never by the system under test, and
kept only when no other report could answer it:

1. no other report holds the question's evidence (whitespace and punctuation
   ignored, as ``eval.matching`` compares);
2. no other report that could be about the question's place and year (a report
   of that region, or a sentence naming the place; a report of year Y or Y+1,
   or a sentence naming Y) has a sentence holding all of the question's
   content words (jieba words of two or more characters that are not
   question words, places or years).

Each kept line has ``doc: null``, ``exclude: [gold]`` (``govqa eval`` searches
every other report) and ``answer`` saying which report was removed and why the
rule kept it. The lines left out are counted by reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from govqa.eval.matching import normalize
from govqa.eval.questions import Question, load_questions
from govqa.index.keyword import query_terms
from govqa.ingest.sentences import sentence_spans
from govqa.qa.question import content_terms, is_question_word, understand, years_in
from govqa.qa.synonyms import comparable


@dataclass(frozen=True)
class Report:
    """One indexed report as the rule reads it: name, year, region path, and its text in ``comparable`` form."""

    name: str
    year: int | None
    places: tuple[str, ...]
    text: str
    plain: str  # ``eval.matching.normalize`` of the text, for the evidence rule


def reports_of(index) -> list[Report]:
    """Every report of ``index`` (an ``index.Index``) with its whole cleaned text."""
    out = []
    for name, _title, year, region_path in index.document_facets():
        text = index.document_slice(name, 0, 1 << 40)
        out.append(Report(name, year, tuple(region_path.split()), comparable(text), normalize(text)))
    return out


def why_answerable(question: Question, others: list[Report], known_places: set[str]) -> str:
    """The rule's reason another report may answer ``question`` ("" when none may)."""
    evidence = [normalize(e) for e in question.evidence if normalize(e)]
    for report in others:
        if any(e in report.plain for e in evidence):
            return f"evidence in {report.name}"
    parsed = understand(question.question, known_places)
    words = [t for t in content_terms(parsed, query_terms(comparable(question.question))) if not is_question_word(t)]
    # The longest forms only: 生产总值 stands for 生产 and 总值.
    words = [t for t in words if not any(t != o and t in o for o in words)]
    if not words:
        return "no content words to check"
    for report in others:
        place_ok = not parsed.places or any(p in report.places for p in parsed.places)
        year_ok = not parsed.years or (report.year is not None and any(report.year in (y, y + 1) for y in parsed.years))
        for start, end in sentence_spans(report.text):
            sentence = report.text[start:end]
            if not all(w in sentence for w in words):
                continue
            if (place_ok or any(p in sentence for p in parsed.places)) and (
                year_ok or years_in(sentence) & set(parsed.years)
            ):
                return f"a sentence of {report.name} holds {'、'.join(words)}"
    return ""


def generate(questions: list[Question], reports: list[Report]) -> tuple[list[dict], list[tuple[str, str]]]:
    """The generated lines (one per answerable question the rule keeps) and (id, why) of each one left out."""
    known_places = {p for r in reports for p in r.places}
    by_name = {r.name: r for r in reports}
    kept, left_out = [], []
    for q in questions:
        if not q.answerable:
            continue
        if q.doc not in by_name:
            left_out.append((q.id, "gold report not in the index"))
            continue
        others = [r for r in reports if r.name != q.doc]
        why = why_answerable(q, others, known_places)
        if why:
            left_out.append((q.id, why))
            continue
        kept.append(
            {
                "id": f"{q.id}-nogold",
                "question": q.question,
                "type": "unanswerable",
                "doc": None,
                "evidence": [],
                "exclude": [q.doc],
                "answer": f"generated: {q.doc} left out; no other report holds the evidence or a sentence "
                "with all the question's content words of its place and year",
            }
        )
    return kept, left_out


def main(argv: list[str] | None = None) -> int:
    """Command line: write the generated set and print what was left out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--index", type=Path, required=True, help="the index the questions are asked of")
    parser.add_argument("--out", type=Path, required=True, help="the JSONL file to write")
    parser.add_argument("--verbose", action="store_true", help="list each question left out and why")
    args = parser.parse_args(argv)
    from govqa.qa import open_searcher

    index = open_searcher(args.index).index
    questions = list(load_questions(args.questions).questions)
    kept, left_out = generate(questions, reports_of(index))
    args.out.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in kept), "utf-8")
    answerable = sum(q.answerable for q in questions)
    print(f"{len(kept)} of {answerable} answerable questions kept as unanswerable → {args.out}", file=sys.stderr)
    kinds = Counter("evidence elsewhere" if why.startswith("evidence") else why.split(" of ")[0] for _, why in left_out)
    for kind, n in kinds.most_common():
        print(f"  left out ({kind}): {n}", file=sys.stderr)
    if args.verbose:
        for qid, why in left_out:
            print(f"  {qid}: {why}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
