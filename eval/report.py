"""The report folder of a run: summary.json, per_question.csv, report.md and recall.png."""

from __future__ import annotations

import csv
import json
import os
import platform
import re
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from govqa.eval.metrics import DEPTH, first_rank
from govqa.eval.questions import QuestionSet
from govqa.eval.runner import Result, Run

TOP_PASSAGES = 3
EXCERPT_CHARS = 120
SUMMARY_KEYS = (
    "recall@1",
    "recall@3",
    "recall@5",
    "recall@10",
    "mrr@10",
    "ndcg@10",
    "doc_recall@1",
    "doc_recall@5",
    "doc_recall@10",
    "doc_mrr@10",
    "doc_mrr_first_cited@10",
    "not_found_on_unanswerable",
    "not_found_on_answerable",
    "latency_p50_ms",
    "latency_p95_ms",
)
_REPO = Path(__file__).resolve().parent.parent
# Setting names that hold secrets: api_key, *_secret, password, *_token… (not keyword_depth).
_SECRET = re.compile(r"(^|_)(key|secret|password|token)$")


def git_state(repo: Path = _REPO) -> dict[str, Any]:
    """The commit checked out in ``repo`` and whether the work tree differs from it (None when unknown)."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def redact(config: Any) -> Any:
    """The config dict with secrets (API keys, passwords, tokens) replaced, so reports can be shared."""
    if isinstance(config, dict):
        return {k: ("***" if v and _SECRET.search(k.lower()) else redact(v)) for k, v in config.items()}
    return config


def provenance(
    question_set: QuestionSet, manifest: dict, config: dict, index_dir: str | None, extra: dict | None = None
) -> dict[str, Any]:
    """Everything needed to reproduce a run or to tell two runs apart (secrets in ``config`` redacted)."""
    return {
        "date": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "questions": {
            "file": str(question_set.path.resolve()),
            "sha256": question_set.sha256,
            "format": question_set.format,
            "count": len(question_set.questions),
        },
        "index": {"path": index_dir, "manifest": manifest},
        "config": redact(config),
        "git": git_state(),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(), "python": sys.version.split()[0]},
        **(extra or {}),
    }


def write_report(run: Run, out_dir: Path) -> Path:
    """Write the four report files into ``out_dir`` (created if needed) and return it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "summary.json").write_text(
        json.dumps(run.summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    write_per_question(run.results, out_dir / "per_question.csv")
    (out_dir / "report.md").write_text(render_markdown(run), encoding="utf-8")
    write_chart(run.summary, out_dir / "recall.png")
    return out_dir


# -- per_question.csv ------------------------------------------------------------


def per_question_header() -> list[str]:
    """Columns of per_question.csv."""
    head = ["id", "question", "type", "doc", "evidence", "answer_rank", "doc_rank", "verdict", "reason", "checks"]
    head += ["latency_ms"]
    for n in range(1, TOP_PASSAGES + 1):
        head += [f"top{n}_{field}" for field in ("doc", "section", "page", "start", "end", "answers", "excerpt")]
    return head


def per_question_row(result: Result) -> list[Any]:
    """One question's line: ranks of the first answering passage and gold-doc hit, then the top passages."""
    q, s = result.question, result.scored
    row: list[Any] = [
        q.id,
        q.question,
        q.type,
        q.doc or "",
        " | ".join(q.evidence),
        first_rank(s.passage) or "",
        first_rank(s.doc_hits) or "",
        result.verdict,
        result.reason,
        result.checks,
        round(result.latency_ms, 1),
    ]
    for n in range(TOP_PASSAGES):
        if n < len(result.hits):
            hit, c = result.hits[n], result.hits[n].citation
            row += [
                c.doc,
                c.section,
                "" if c.page is None else c.page,
                c.start,
                c.end,
                int(s.passage[n]),
                excerpt(hit.text),
            ]
        else:
            row += [""] * 7
    return row


def write_per_question(results: Sequence[Result], path: Path) -> None:
    """per_question.csv, UTF-8 with BOM so that spreadsheet programs read the Chinese text right."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(per_question_header())
        writer.writerows(per_question_row(r) for r in results)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The passage on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- report.md ---------------------------------------------------------------------


def _fmt(summary: dict, key: str) -> str:
    value = summary.get(key)
    count = summary.get("counts", {}).get(key)
    shown = "n/a" if value is None else f"{value:.3f}"
    return f"{shown} ({count['count']}/{count['total']})" if count else shown


def _figures_table(summary: dict) -> list[str]:
    lines = ["| figure | value (count/total) |", "|---|---|"]
    for key in SUMMARY_KEYS:
        if key.startswith("latency"):
            value = summary.get(key)
            n = summary["n_answerable"] + summary["n_unanswerable"]
            lines.append(f"| {key} | {'n/a' if value is None else f'{value:.1f}'} (over {n} questions) |")
        else:
            lines.append(f"| {key} | {_fmt(summary, key)} |")
    for key in ("text_recall@1", "text_recall@5", "text_recall@10"):
        lines.append(f"| {key} (any document) | {_fmt(summary, key)} |")
    return lines


_GROUP_KEYS = ("recall@1", "recall@5", "recall@10", "mrr@10", "doc_recall@5", "not_found_on_unanswerable")


def _group_table(groups: dict[str, dict], label: str) -> list[str]:
    lines = [f"| {label} | n | " + " | ".join(_GROUP_KEYS) + " |", "|---" * (len(_GROUP_KEYS) + 2) + "|"]
    for name, summary in groups.items():
        n = summary["n_answerable"] + summary["n_unanswerable"]
        cells = [_fmt(summary, key) if summary["counts"][key]["total"] else "–" for key in _GROUP_KEYS]
        lines.append(f"| {_cell(name)} | {n} | " + " | ".join(cells) + " |")
    return lines


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _first_hit(result: Result) -> str:
    if not result.hits:
        return "(no passage)"
    hit, c = result.hits[0], result.hits[0].citation
    where = ", ".join(
        part for part in (c.doc, c.section, f"p. {c.page}" if c.page else "", f"{c.start}–{c.end}") if part
    )
    return f"{_cell(excerpt(hit.text, 80))} [{_cell(where)}]"


def _misses(results: Sequence[Result]) -> list[str]:
    """Answerable questions whose first passage does not answer: complete misses first, then by rank."""
    late = [r for r in results if r.question.answerable and not (r.scored.passage[:1] and r.scored.passage[0])]
    late.sort(
        key=lambda r: (first_rank(r.scored.passage) is not None, first_rank(r.scored.passage) or 0, r.question.id)
    )
    lines = ["| id | question | expected evidence | answer rank | came first instead |", "|---|---|---|---|---|"]
    for r in late:
        rank = first_rank(r.scored.passage)
        lines.append(
            f"| {_cell(r.question.id)} | {_cell(r.question.question)} | "
            f"{_cell(' / '.join(r.question.evidence))} ({_cell(r.question.doc or '')}) | "
            f"{rank or 'missed'} | {_first_hit(r)} |"
        )
    return lines if late else ["None: every answerable question was answered by its first passage."]


def _verdict_errors(results: Sequence[Result]) -> list[str]:
    """Unanswerable questions answered ``found``, answerable ones answered ``not_found``."""
    wrong = [r for r in results if (r.verdict == "not_found") == r.question.answerable]
    if not wrong:
        return ["None."]
    lines = ["| id | question | answerable | verdict | first passage |", "|---|---|---|---|---|"]
    for r in wrong:
        lines.append(
            f"| {_cell(r.question.id)} | {_cell(r.question.question)} | "
            f"{'yes' if r.question.answerable else 'no'} | {r.verdict} | {_first_hit(r)} |"
        )
    return lines


def render_markdown(run: Run) -> str:
    """report.md: the figures with counts, by type, by document, misses and verdict errors."""
    s, p = run.summary, run.summary.get("provenance", {})
    git = p.get("git", {})
    manifest = p.get("index", {}).get("manifest", {})
    lines = [
        f"# Evaluation of {run.questions.path.name}",
        "",
        f"- date: {p.get('date', '')}; questions: {s['n_answerable']} answerable, "
        f"{s['n_unanswerable']} unanswerable; k = {s.get('k')}",
        f"- questions file sha256: `{run.questions.sha256[:16]}…`",
        f"- index: {p.get('index', {}).get('path')} (model: {manifest.get('model', 'unknown')})",
        f"- git: {git.get('commit') or 'unknown'}{' (dirty)' if git.get('dirty') else ''}",
        *[f"- **warning**: {w}" for w in s.get("warnings", [])],
        "",
        "Passage level: a passage answers when it cites the gold document (itself or among its `also_in` "
        "reposts) and contains an evidence string (NFKC, whitespace and `*` removed). Document level: a passage "
        "citing the gold document; `doc_mrr_first_cited` counts only each passage's own document.",
        "",
        "## Figures",
        "",
        *_figures_table(s),
        "",
        "## By type",
        "",
        *_group_table(s.get("by_type", {}), "type"),
        "",
        "## By document",
        "",
        *_group_table(s.get("by_doc", {}), "document"),
        "",
        "## Misses (answerable, first passage does not answer)",
        "",
        *_misses(run.results),
        "",
        "## Verdict errors",
        "",
        *_verdict_errors(run.results),
        "",
        "![recall@k](recall.png)",
        "",
    ]
    return "\n".join(lines)


# -- recall.png --------------------------------------------------------------------


def write_chart(summary: dict, path: Path) -> None:
    """Recall@k for k=1..10 at passage and document level, and Recall@1/@5 per question type."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context(_cjk_font_rc()):
        figure = _draw(plt, summary)
        figure.savefig(path, dpi=110)
    plt.close(figure)


def _draw(plt: Any, summary: dict) -> Any:
    figure, (curve, bars) = plt.subplots(1, 2, figsize=(11, 4.2))
    ks = list(range(1, DEPTH + 1))
    for level, style, label in (
        ("passage", "o-", "passage answers"),
        ("doc", "s--", "gold document"),
        ("text", "^:", "evidence, any document"),
    ):
        values = summary.get("curves", {}).get(level) or []
        if values and values[0] is not None:
            curve.plot(ks[: len(values)], values, style, label=label)
    curve.set(xlabel="k", ylabel="recall@k", ylim=(0, 1.02), xticks=ks, title="Recall@k (answerable questions)")
    curve.grid(alpha=0.3)
    curve.legend()
    types = [t for t, g in summary.get("by_type", {}).items() if g["n_answerable"]]
    width = 0.38
    for offset, key in ((-width / 2, "recall@1"), (width / 2, "recall@5")):
        values = [summary["by_type"][t][key] or 0.0 for t in types]
        bars.bar([i + offset for i in range(len(types))], values, width, label=key)
    bars.set_xticks(range(len(types)), [f"{t}\n(n={summary['by_type'][t]['n_answerable']})" for t in types])
    bars.set(ylim=(0, 1.05), title="By question type")
    bars.legend()
    figure.tight_layout()
    return figure


def _cjk_font_rc() -> dict[str, Any]:
    """Prefer an installed CJK font, so Chinese type names are not drawn as boxes."""
    from matplotlib import font_manager, rcParams

    wanted = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei")
    available = {f.name for f in font_manager.fontManager.ttflist}
    chosen = [name for name in wanted if name in available]
    return {"font.sans-serif": chosen + list(rcParams["font.sans-serif"])} if chosen else {}
