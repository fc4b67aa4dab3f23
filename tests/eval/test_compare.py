"""Comparing two run folders: figures that moved with counts, questions gained and lost."""

import csv
import json

import pytest

from govqa.eval.compare import RunError, compare_runs, comparison_json, render_comparison
from govqa.eval.report import per_question_header


def make_run(folder, figures, ranks, verdicts, sha="s1"):
    """A run folder with the given top-level figures and per-question answer ranks ('' = missed)."""
    folder.mkdir()
    summary = {key: value for key, (value, _, _) in figures.items()}
    summary["counts"] = {key: {"count": c, "total": t} for key, (_, c, t) in figures.items()}
    summary["by_type"] = {"fact": {"recall@5": figures["recall@5"][0], "counts": summary["counts"]}}
    summary["k"] = 10
    summary["provenance"] = {"questions": {"sha256": sha}}
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    header = per_question_header()
    with (folder / "per_question.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        for qid, rank in ranks.items():
            doc = "" if qid.startswith("u") else "a.txt"
            writer.writerow(
                {
                    "id": qid,
                    "question": f"问题 {qid}",
                    "doc": doc,
                    "answer_rank": rank,
                    "verdict": verdicts.get(qid, "found"),
                }
            )
    return folder


@pytest.fixture
def runs(tmp_path):
    a = make_run(
        tmp_path / "a",
        {"recall@1": (0.5, 2, 4), "recall@5": (0.5, 2, 4), "mrr@10": (0.4, 3, 4), "latency_p50_ms": (20.0, 4, 4)},
        {"q1": "1", "q2": "7", "q3": "2", "q4": "", "u1": "", "only_a": "1"},
        {"u1": "found"},
    )
    b = make_run(
        tmp_path / "b",
        {"recall@1": (0.5, 2, 4), "recall@5": (0.75, 3, 4), "mrr@10": (0.45, 3, 4), "latency_p50_ms": (25.0, 4, 4)},
        {"q1": "1", "q2": "3", "q3": "", "q4": "4", "u1": ""},
        {"u1": "not_found", "q4": "not_found"},
    )
    return a, b


def test_moved_figures_with_counts(runs):
    c = compare_runs(*runs)
    moved = {m.figure: m for m in c.moved}
    assert set(moved) == {"recall@5", "mrr@10", "latency_p50_ms"}  # recall@1 did not move
    assert moved["recall@5"].delta == pytest.approx(0.25)
    assert moved["recall@5"].a_count == {"count": 2, "total": 4} and moved["recall@5"].b_count["count"] == 3
    assert "recall@5" in {m.figure for m in c.moved_by_type["fact"]}


def test_gained_and_lost(runs):
    c = compare_runs(*runs)
    assert [(g.id, g.a, g.b) for g in c.gained] == [("q2", "rank 7", "rank 3"), ("q4", "missed", "rank 4")]
    assert [(g.id, g.a, g.b) for g in c.lost] == [("q3", "rank 2", "missed")]
    assert [v.id for v in c.verdicts_gained] == ["u1"]
    assert [v.id for v in c.verdicts_lost] == ["q4"]
    assert any("only in A" in n for n in c.notes)


def test_rendered_table_and_json(runs):
    c = compare_runs(*runs)
    text = render_comparison(c)
    assert "| recall@5 | 0.500 (2/4) | 0.750 (3/4) | +0.250 |" in text
    assert "| latency_p50_ms | 20.0 (4/4) | 25.0 (4/4) | +5.0 |" in text
    assert "## Gained" in text and "| q4 | 问题 q4 | missed | rank 4 |" in text
    assert "## Lost" in text and "| q3 | 问题 q3 | rank 2 | missed |" in text
    data = comparison_json(c)
    assert json.loads(json.dumps(data, ensure_ascii=False))["lost"][0]["id"] == "q3"


def test_different_question_files_are_flagged(tmp_path, runs):
    a, _ = runs
    other = make_run(tmp_path / "other", {"recall@1": (0.5, 2, 4), "recall@5": (0.5, 2, 4)}, {"q1": "1"}, {}, sha="s2")
    assert any("question files differ" in n for n in compare_runs(a, other).notes)


def test_not_a_run(tmp_path):
    with pytest.raises(RunError, match="summary.json is missing"):
        compare_runs(tmp_path, tmp_path)


def test_cli_compare(runs):
    from typer.testing import CliRunner

    from govqa.cli import app

    a, b = runs
    runner = CliRunner()
    result = runner.invoke(app, ["eval", "compare", str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert "| recall@5 | 0.500 (2/4) | 0.750 (3/4) | +0.250 |" in result.stdout
    result = runner.invoke(app, ["eval", "compare", str(a), str(b), "--json"])
    assert json.loads(result.stdout)["gained"][0]["id"] == "q2"
    result = runner.invoke(app, ["eval", "compare", str(a)])
    assert result.exit_code == 2 and "usage: govqa eval compare RUN_A RUN_B" in result.stderr
    result = runner.invoke(app, ["eval", "compare", str(a), str(a.parent / "missing")])
    assert result.exit_code == 2 and "not an evaluation run" in result.stderr
