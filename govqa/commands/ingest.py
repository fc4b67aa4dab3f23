"""``govqa ingest PATH…``: read reports into clean, cited chunks (``--dry-run`` shows them, no index)."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from govqa.config import load_config

if TYPE_CHECKING:
    from govqa.ingest.pipeline import FileResult


def register(app: typer.Typer) -> None:
    """Add ``govqa ingest``."""
    app.command("ingest")(ingest)


def ingest(
    paths: list[Path] = typer.Argument(
        ..., help="Files or folders of reports (txt, md, pdf, docx, html, csv, jsonl; png, jpg, tif scans by OCR)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only show documents and chunks; build no index."),
    as_json: bool = typer.Option(False, "--json", help="Print every document with its chunks as JSON."),
    index_dir: Path = typer.Option(None, "--index", help="Index folder (default: config or $GOVQA_INDEX)."),
) -> None:
    """Ingest reports: with --dry-run print their metadata and chunks, else add them to the index."""
    config = load_config()
    if not dry_run:
        from govqa.commands.index import add_paths  # the index stage owns adding

        raise typer.Exit(add_paths(paths, index_dir, config))
    from govqa.ingest import ingest_paths  # the loaders and the splitter: only when reading files

    results = list(ingest_paths(paths, config.chunk, config.ocr, config.ingest))
    if as_json:
        json.dump(dry_run_json(results), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        print_summary(results)
    raise typer.Exit(1 if any(r.status == "failed" for r in results) else 0)


def dry_run_json(results: list[FileResult]) -> dict:
    """The JSON of a dry run: every document with metadata and chunks, every failure, a summary."""
    documents = []
    for result in results:
        for document, chunks in result.documents:
            documents.append(
                {
                    "name": document.name,
                    "source": document.source,
                    "title": document.title,
                    "year": document.year,
                    "region": document.region,
                    "region_path": document.meta.get("region_path", ""),
                    "ocr_confidence": (
                        float(document.meta["ocr_confidence"]) if "ocr_confidence" in document.meta else None
                    ),
                    "content_hash": document.content_hash,
                    "chars": len(document.text),
                    "sections": [{"level": s.level, "title": s.title, "start": s.start} for s in document.sections],
                    "chunks": [
                        {
                            "position": c.position,
                            "start": c.start,
                            "end": c.end,
                            "section": c.section_path,
                            "page": c.page,
                            "page_end": c.page_end,
                            "text": c.text,
                        }
                        for c in chunks
                    ],
                }
            )
    problems = [{"path": str(r.path), "status": r.status, "reason": r.error} for r in results if r.status != "ok"]
    problems += [{"path": str(r.path), "status": "row_failed", "reason": e} for r in results for e in r.row_errors]
    return {"documents": documents, "problems": problems, "summary": summarise(results)}


def summarise(results: list[FileResult]) -> dict:
    """Counts per file format and in total."""
    by_format: dict[str, dict[str, int]] = defaultdict(lambda: {"files": 0, "failed": 0, "documents": 0, "chunks": 0})
    for result in results:
        counts = by_format[result.path.suffix.lower() or "(none)"]
        counts["files"] += 1
        counts["failed"] += result.status == "failed"
        counts["documents"] += len(result.documents)
        counts["chunks"] += sum(len(chunks) for _, chunks in result.documents)
    total = {k: sum(c[k] for c in by_format.values()) for k in ("files", "failed", "documents", "chunks")}
    return {"by_format": dict(by_format), **total}


def print_summary(results: list[FileResult]) -> None:
    """One line per document or problem, then one line per format and the totals."""
    for result in results:
        if result.status != "ok":
            typer.echo(f"{result.status.upper():7} {result.path}: {result.error}", err=result.status == "failed")
            continue
        for document, chunks in result.documents:
            typer.echo(
                f"OK      {document.name}  title={document.title}  year={document.year}  "
                f"region={document.region}  sections={len(document.sections)}  chunks={len(chunks)}"
            )
        for error in result.row_errors:
            typer.echo(f"ROW     {result.path}: {error}", err=True)
        for note in result.notes:
            typer.echo(f"CHECK   {result.path}: {note}")
    summary = summarise(results)
    for suffix, c in sorted(summary["by_format"].items()):
        typer.echo(
            f"{suffix:7} files={c['files']}  failed={c['failed']}  documents={c['documents']}  chunks={c['chunks']}"
        )
    typer.echo(
        f"total   files={summary['files']}  failed={summary['failed']}  "
        f"documents={summary['documents']}  chunks={summary['chunks']}"
    )
