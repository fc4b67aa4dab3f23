"""``govqa eval QUESTIONS`` runs a question set and writes a report; ``govqa eval compare A B`` diffs two runs.

Both are one typer command: its first argument is a question file or the
word ``compare`` (typer cannot give a command both a positional argument and
sub-commands).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import typer

from govqa.commands import UsageError
from govqa.config import Config, load_config

RUNS_DIR = Path("runs")


def register(app: typer.Typer) -> None:
    """Add ``govqa eval``."""
    app.command("eval", no_args_is_help=True)(eval_command)


def eval_command(
    target: str = typer.Argument(
        ...,
        metavar="QUESTIONS|compare",
        help="Question file (.jsonl or .csv, project or policy-qa format), or `compare`.",
    ),
    runs: list[str] = typer.Argument(None, metavar="[RUN_A RUN_B]", help="With `compare`: two run folders."),
    index_dir: Path = typer.Option(None, "--index", help="Index folder (default: config or $GOVQA_INDEX)."),
    corpus: Path = typer.Option(
        None, "--corpus", help="Index this file or folder first (cached in .govqa/eval-index)."
    ),
    out: Path = typer.Option(None, "--out", help="Report folder (default: runs/<timestamp>)."),
    k: int = typer.Option(10, "-k", "--k", min=1, help="Passages retrieved per question."),
    as_json: bool = typer.Option(False, "--json", help="Print summary.json (or the comparison) to stdout."),
    libraries: list[str] = typer.Option(
        None, "--library", help="Search only this library (文库) of the index; repeatable (default: all)."
    ),
) -> None:
    """Evaluate retrieval on a question set: Recall@k, MRR, nDCG, doc-level recall, not-found, latency.

    \b
    govqa eval QUESTIONS [--index DIR | --corpus PATH] [--out DIR] [-k 10] [--json]
    govqa eval compare RUN_A RUN_B [--json]
    """
    if target == "compare" and (runs or not Path(target).exists()):
        if len(runs or []) != 2 or index_dir or corpus:
            raise UsageError("usage: govqa eval compare RUN_A RUN_B [--json]")
        raise typer.Exit(_compare(Path(runs[0]), Path(runs[1]), as_json))
    if runs:
        raise UsageError(
            f"unexpected argument(s) {' '.join(runs)}; to compare two runs: govqa eval compare RUN_A RUN_B"
        )
    if index_dir and corpus:
        raise UsageError("give --index or --corpus, not both")
    raise typer.Exit(_evaluate(Path(target), index_dir, corpus, out, k, as_json, libraries or None))


def _evaluate(
    questions_path: Path,
    index_dir: Path | None,
    corpus: Path | None,
    out: Path | None,
    k: int,
    as_json: bool,
    libraries: list[str] | None = None,
) -> int:
    from govqa.eval.questions import load_questions, resolve_docs
    from govqa.runtime import open_runtime

    config = load_config()
    policy_corpus = {"policy_corpus": corpus.name} if corpus and corpus.is_file() else {}
    # Every line is checked before anything slow starts (QuestionSetError lists the bad ones).
    question_set = load_questions(questions_path, **policy_corpus)
    if k < 10:
        typer.echo(f"note: -k {k} < 10, so the @10 figures only see {k} passages", err=True)
    index_path, extra = _index_for(index_dir, corpus, config)
    searcher = open_runtime(config, index_path).searcher

    from govqa.eval.report import provenance, write_report
    from govqa.eval.runner import evaluate, index_info

    manifest, names = index_info(searcher)
    if libraries:
        known = searcher.index.libraries()
        unknown = [name for name in libraries if name not in known]
        if unknown:
            raise UsageError(f"--library {unknown[0]}: not a library of {index_path} ({', '.join(known)})")
        names = searcher.index.documents_where(libraries=libraries)
        extra = {**extra, "libraries": list(libraries)}
    questions, warnings = resolve_docs(question_set.questions, names)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    question_set = replace(question_set, questions=tuple(questions))
    prov = provenance(question_set, manifest, config.to_dict(), str(index_path.resolve()), extra)
    run = evaluate(question_set, searcher, k, prov, warnings, libraries=libraries)
    folder = write_report(run, out or _new_run_dir())
    if as_json:
        json.dump(run.summary, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_figures(run.summary, folder)
    return 0


def _index_for(index_dir: Path | None, corpus: Path | None, config: Config) -> tuple[Path, dict]:
    """The index to evaluate: the given one, the configured one, or a cached index of ``corpus``."""
    if corpus is None:
        path = Path(index_dir or config.index.path)
        if not path.exists():
            raise UsageError(f"no index at {path}: build one with `govqa ingest CORPUS`, or pass --corpus CORPUS")
        return path, {}
    if not corpus.exists():
        raise UsageError(f"--corpus {corpus}: no such file or folder")
    from govqa.runtime import corpus_index

    path, reused = corpus_index(corpus, config)
    typer.echo(f"{'reusing' if reused else 'built'} index of {corpus} in {path}", err=True)
    return path, {"corpus": str(corpus.resolve()), "index_reused": reused}


def _new_run_dir() -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder, n = RUNS_DIR / stamp, 1
    while folder.exists():
        n += 1
        folder = RUNS_DIR / f"{stamp}-{n}"
    return folder


def _print_figures(summary: dict, folder: Path) -> None:
    from govqa.eval.report import SUMMARY_KEYS

    for key in SUMMARY_KEYS:
        value, count = summary.get(key), summary["counts"].get(key)
        shown = "n/a" if value is None else (f"{value:.1f}" if key.startswith("latency") else f"{value:.3f}")
        typer.echo(f"{key:28} {shown}" + (f"  ({count['count']}/{count['total']})" if count else ""))
    typer.echo(f"report: {folder / 'report.md'}")


def _compare(run_a: Path, run_b: Path, as_json: bool) -> int:
    from govqa.eval.compare import compare_runs, comparison_json, render_comparison

    comparison = compare_runs(run_a, run_b)
    if as_json:
        json.dump(comparison_json(comparison), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        typer.echo(render_comparison(comparison))
    return 0
