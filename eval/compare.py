"""Compare two runs: the figures that moved (with counts) and the questions gained and lost."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govqa.errors import GovqaError
from govqa.eval.report import SUMMARY_KEYS

GAIN_AT = 5  # a question counts as answered when a passage within the first 5 answers (as the gate)
_EPSILON = 1e-9


class RunError(GovqaError):
    """A folder that is not a readable evaluation run."""


@dataclass(frozen=True)
class Moved:
    """One figure in run A and run B, with its counts."""

    figure: str
    a: float | None
    b: float | None
    a_count: dict | None
    b_count: dict | None

    @property
    def delta(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a


@dataclass(frozen=True)
class Change:
    """A question whose outcome differs between the runs."""

    id: str
    question: str
    a: str  # outcome in run A, e.g. "rank 7" or "missed" or the verdict
    b: str


@dataclass
class Comparison:
    """What moved from run A to run B."""

    a: Path
    b: Path
    moved: list[Moved] = field(default_factory=list)
    moved_by_type: dict[str, list[Moved]] = field(default_factory=dict)
    gained: list[Change] = field(default_factory=list)
    lost: list[Change] = field(default_factory=list)
    verdicts_gained: list[Change] = field(default_factory=list)
    verdicts_lost: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_run(folder: Path) -> tuple[dict, list[dict[str, str]]]:
    """summary.json and the rows of per_question.csv of a run folder (or of the folder of a summary.json)."""
    folder = folder.parent if folder.name == "summary.json" else folder
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        with (folder / "per_question.csv").open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError as exc:
        raise RunError(f"{folder}: not an evaluation run ({Path(exc.filename).name} is missing)") from None
    except json.JSONDecodeError as exc:
        raise RunError(f"{folder}/summary.json: not valid JSON ({exc})") from None
    return summary, rows


def moved_figures(a: dict, b: dict, keys: tuple[str, ...] = SUMMARY_KEYS) -> list[Moved]:
    """The figures whose value differs between two summaries (or group summaries)."""
    out = []
    for key in keys:
        va, vb = a.get(key), b.get(key)
        if va is None and vb is None:
            continue
        if va is not None and vb is not None and abs(va - vb) < _EPSILON:
            continue
        out.append(Moved(key, va, vb, a.get("counts", {}).get(key), b.get("counts", {}).get(key)))
    return out


def _answered(row: dict[str, str], at: int) -> bool:
    rank = row.get("answer_rank", "")
    return rank.isdigit() and int(rank) <= at


def _outcome(row: dict[str, str]) -> str:
    rank = row.get("answer_rank", "")
    return f"rank {rank}" if rank else "missed"


def _verdict_right(row: dict[str, str]) -> bool:
    return (row.get("verdict") == "not_found") == (not row.get("doc"))


def compare_runs(a_dir: Path, b_dir: Path, at: int = GAIN_AT) -> Comparison:
    """Pair the questions of two runs by id and report what changed."""
    (sa, rows_a), (sb, rows_b) = load_run(a_dir), load_run(b_dir)
    result = Comparison(a_dir, b_dir, moved=moved_figures(sa, sb))
    for kind in sorted(set(sa.get("by_type", {})) | set(sb.get("by_type", {}))):
        moved = moved_figures(sa.get("by_type", {}).get(kind, {}), sb.get("by_type", {}).get(kind, {}))
        if moved:
            result.moved_by_type[kind] = moved
    result.notes += _set_notes(sa, sb)
    by_id_a = {r["id"]: r for r in rows_a}
    by_id_b = {r["id"]: r for r in rows_b}
    for qid in [i for i in by_id_a if i in by_id_b]:
        ra, rb = by_id_a[qid], by_id_b[qid]
        if ra.get("doc"):
            if _answered(rb, at) and not _answered(ra, at):
                result.gained.append(Change(qid, rb["question"], _outcome(ra), _outcome(rb)))
            elif _answered(ra, at) and not _answered(rb, at):
                result.lost.append(Change(qid, rb["question"], _outcome(ra), _outcome(rb)))
        if _verdict_right(rb) != _verdict_right(ra):
            change = Change(qid, rb["question"], ra.get("verdict", ""), rb.get("verdict", ""))
            (result.verdicts_gained if _verdict_right(rb) else result.verdicts_lost).append(change)
    only_a, only_b = set(by_id_a) - set(by_id_b), set(by_id_b) - set(by_id_a)
    if only_a or only_b:
        result.notes.append(f"{len(only_a)} question(s) only in A, {len(only_b)} only in B (not compared)")
    return result


def _set_notes(sa: dict, sb: dict) -> list[str]:
    """Warnings when the two runs did not ask the same questions of comparable set-ups."""
    pa, pb = sa.get("provenance", {}), sb.get("provenance", {})
    notes = []
    if pa.get("questions", {}).get("sha256") != pb.get("questions", {}).get("sha256"):
        notes.append("the question files differ (sha256): figures are over different questions")
    if sa.get("k") != sb.get("k"):
        notes.append(f"k differs: {sa.get('k')} vs {sb.get('k')}")
    return notes


def _value(value: float | None, count: dict | None, latency: bool) -> str:
    if value is None:
        return "n/a"
    shown = f"{value:.1f}" if latency else f"{value:.3f}"
    return f"{shown} ({count['count']}/{count['total']})" if count else shown


def _moved_lines(moved: list[Moved]) -> list[str]:
    lines = ["| figure | A | B | change |", "|---|---|---|---|"]
    for m in moved:
        latency = m.figure.startswith("latency")
        delta = "n/a" if m.delta is None else (f"{m.delta:+.1f}" if latency else f"{m.delta:+.3f}")
        lines.append(
            f"| {m.figure} | {_value(m.a, m.a_count, latency)} | {_value(m.b, m.b_count, latency)} | {delta} |"
        )
    return lines


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _change_lines(title: str, changes: list[Change]) -> list[str]:
    lines = [f"## {title} ({len(changes)})", ""]
    if not changes:
        return lines + ["None.", ""]
    lines += ["| id | question | A | B |", "|---|---|---|---|"]
    lines += [f"| {_cell(c.id)} | {_cell(c.question)} | {c.a} | {c.b} |" for c in changes]
    return lines + [""]


def render_comparison(c: Comparison, at: int = GAIN_AT) -> str:
    """The comparison as Markdown: notes, moved figures (overall, by type), gained and lost questions."""
    lines = [f"# {c.a} → {c.b}", ""]
    lines += [f"- **note**: {note}" for note in c.notes] + ([""] if c.notes else [])
    lines += ["## Figures that moved", ""] + (_moved_lines(c.moved) if c.moved else ["None."]) + [""]
    for kind, moved in c.moved_by_type.items():
        lines += [f"### type {kind}", ""] + _moved_lines(moved) + [""]
    lines += _change_lines(f"Gained (answered within the first {at} in B, not in A)", c.gained)
    lines += _change_lines(f"Lost (answered within the first {at} in A, not in B)", c.lost)
    lines += _change_lines("Verdicts now right", c.verdicts_gained)
    lines += _change_lines("Verdicts now wrong", c.verdicts_lost)
    return "\n".join(lines)


def comparison_json(c: Comparison) -> dict[str, Any]:
    """The comparison as plain JSON."""

    def changes(items: list[Change]) -> list[dict]:
        return [dict(vars(i)) for i in items]

    def moved(items: list[Moved]) -> list[dict]:
        return [
            {"figure": m.figure, "a": m.a, "b": m.b, "delta": m.delta, "a_count": m.a_count, "b_count": m.b_count}
            for m in items
        ]

    return {
        "a": str(c.a),
        "b": str(c.b),
        "notes": c.notes,
        "moved": moved(c.moved),
        "moved_by_type": {k: moved(v) for k, v in c.moved_by_type.items()},
        "gained": changes(c.gained),
        "lost": changes(c.lost),
        "verdicts_gained": changes(c.verdicts_gained),
        "verdicts_lost": changes(c.verdicts_lost),
    }
