"""CI quality gate: fail when a run's Recall@5 on seed-dev falls below the baseline.

Usage: ``python -m eval.gate runs/DIR/summary.json`` (or the run folder).
Exit 0 when ``recall@5 >= RECALL_AT_5_BASELINE - TOLERANCE``, 1 when below,
2 when the summary cannot be read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# --- the gate: seed-dev Recall@5 measured on the reference set-up, and the slack allowed ---
# 54/55 with the default config (docs/quality.md: `govqa eval ../shared/eval/seed-dev.jsonl --corpus corpus`).
RECALL_AT_5_BASELINE = 0.982
TOLERANCE = 0.02
# ---------------------------------------------------------------------------------------------

FIGURE = "recall@5"


def check(summary: dict, baseline: float = RECALL_AT_5_BASELINE, tolerance: float = TOLERANCE) -> tuple[bool, str]:
    """Whether ``summary`` passes the gate, and the one-line message saying why."""
    value = summary.get(FIGURE)
    count = summary.get("counts", {}).get(FIGURE, {})
    counted = f" ({count['count']}/{count['total']})" if count else ""
    floor = baseline - tolerance
    if value is None:
        return False, f"FAIL: {FIGURE} is missing or undefined (no answerable questions?)"
    if value < floor:
        return False, (f"FAIL: {FIGURE} = {value:.3f}{counted} is below the floor {floor:.3f} "
                       f"(baseline {baseline:.3f} - tolerance {tolerance:.3f}); see report.md for the misses")
    return True, f"OK: {FIGURE} = {value:.3f}{counted} >= floor {floor:.3f} (baseline {baseline:.3f} - {tolerance:.3f})"


def main(argv: list[str] | None = None) -> int:
    """Check the summary named on the command line; print the verdict; return the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m eval.gate runs/DIR/summary.json", file=sys.stderr)
        return 2
    path = Path(args[0])
    if path.is_dir():
        path = path / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"gate: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    passed, message = check(summary)
    print(message, file=sys.stdout if passed else sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
