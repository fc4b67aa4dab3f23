"""``govqa index add|remove|list|stats|rebuild``: build, inspect and maintain the search index.

Every command takes ``--index DIR`` (default: the config's ``[index] path``,
else ``$GOVQA_INDEX``, else ``.govqa/index``). ``add_paths`` is also what
``govqa ingest`` (without ``--dry-run``) calls.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

import typer

from govqa.config import Config, load_config
from govqa.errors import ConfigError
from govqa.runtime import open_index

INDEX_OPTION = typer.Option(
    None, "--index", help="Index folder (default: config [index] path, $GOVQA_INDEX, .govqa/index)."
)
# Exit codes: 1 some input failed, 130 interrupted (2, cannot be used: govqa.cli's handler).
EXIT_FAILED, EXIT_INTERRUPTED = 1, 130


def register(app: typer.Typer) -> None:
    """Add the ``govqa index`` command group."""
    group = typer.Typer(help="Build, inspect and maintain the search index.", no_args_is_help=True)
    group.command("add")(add_command)
    group.command("remove")(remove_command)
    group.command("move")(move_command)
    group.command("list")(list_command)
    group.command("stats")(stats_command)
    group.command("rebuild")(rebuild_command)
    group.command("copy")(copy_command)
    app.add_typer(group, name="index")


LIBRARY_HELP = (
    "The library (文库) the documents go in (default: a replaced one keeps its own, a new one the default library)."
)


def add_paths(
    paths: list[Path], index_dir: Path | None, config: Config, progress: bool | None = None, library: str | None = None
) -> int:
    """Add files/folders to the index (in ``library``), print one line per file and a summary; 1 if any file failed."""
    started = time.monotonic()
    index = open_index(config, index_dir, create=True)
    try:
        with index:
            reports = index.add_paths(
                paths, progress=sys.stderr.isatty() if progress is None else progress, library=library
            )
    except KeyboardInterrupt:
        typer.echo("interrupted: documents committed so far are kept; run the same command again to finish", err=True)
        return EXIT_INTERRUPTED
    seconds = time.monotonic() - started
    statuses: Counter[str] = Counter()
    embedded = failed = 0
    for report in reports:
        if report.status != "ok":
            failed += report.status == "failed"
            typer.echo(f"{report.status:10} {report.path}: {report.error}", err=report.status == "failed")
            continue
        counts = Counter(r.status for r in report.results)
        statuses.update(counts)
        chunks = sum(r.chunks for r in report.results)
        embedded += sum(r.chunks for r in report.results if r.status != "unchanged")
        if len(report.results) == 1:
            typer.echo(f"{report.results[0].status:10} {report.path} ({chunks} chunks)")
        else:
            detail = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
            typer.echo(f"{'ok':10} {report.path}: {len(report.results)} documents, {detail} ({chunks} chunks)")
        for error in report.row_errors:
            typer.echo(f"{'row failed':10} {report.path}: {error}", err=True)
        for note in report.notes:
            typer.echo(f"{'check':10} {report.path}: {note}")
    documents = sum(statuses.values())
    typer.echo(
        f"documents: {documents} ({statuses['added']} added, {statuses['replaced']} replaced, "
        f"{statuses['unchanged']} unchanged); failed files: {failed}; chunks embedded: {embedded}; "
        f"time: {seconds:.1f} s; {embedded / seconds if seconds else 0:.1f} chunks/s"
    )
    return EXIT_FAILED if failed else 0


def add_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders of reports (txt, md, pdf, docx, html, csv, jsonl)."),
    index_dir: Path = INDEX_OPTION,
    progress: bool = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: when a terminal)."),
    library: str = typer.Option(None, "--library", help=LIBRARY_HELP),
) -> None:
    """Add reports to the index (creating it); unchanged documents are skipped, changed ones replaced."""
    if library is not None:
        _check_library(library)
    raise typer.Exit(add_paths(paths, index_dir, load_config(), progress, library))


def _check_library(name: str) -> str:
    from govqa.index.index import check_library

    try:
        return check_library(name)
    except ValueError as exc:
        raise ConfigError(f"--library: {exc}") from None


def move_command(
    names: list[str] = typer.Argument(..., help="Document names, as `govqa index list` shows them."),
    library: str = typer.Option(..., "--library", help="The library (文库) to file them in."),
    index_dir: Path = INDEX_OPTION,
) -> None:
    """Move documents to another library without re-embedding them."""
    library = _check_library(library)
    with open_index(load_config(), index_dir, check_model=False) as index:
        known = {d.name for d in index.documents()}
        missing = [n for n in names if n not in known]
        moved = index.move([n for n in names if n in known], library) if len(missing) < len(names) else 0
    for name in missing:
        typer.echo(f"not in the index: {name} (see `govqa index list`)", err=True)
    typer.echo(f"moved {moved} document(s) to {library}")
    raise typer.Exit(EXIT_FAILED if missing else 0)


def remove_command(
    names: list[str] = typer.Argument(..., help="Document names, as `govqa index list` shows them."),
    index_dir: Path = INDEX_OPTION,
) -> None:
    """Remove documents (chunks, vectors and keyword entries) from the index."""
    with open_index(load_config(), index_dir, check_model=False) as index:
        known = {d.name for d in index.documents()}
        missing = [n for n in names if n not in known]
        removed = index.remove([n for n in names if n in known])
    for name in missing:
        typer.echo(f"not in the index: {name} (see `govqa index list`)", err=True)
    typer.echo(f"removed {removed} document(s)")
    raise typer.Exit(EXIT_FAILED if missing else 0)


def list_command(
    index_dir: Path = INDEX_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the documents as JSON."),
    libraries: list[str] = typer.Option(None, "--library", help="Only the documents of this library (repeatable)."),
) -> None:
    """List the indexed documents: name, library, year, region, chunks, characters, when added, OCR confidence."""
    with open_index(load_config(), index_dir, check_model=False) as index:
        documents = index.documents(libraries or None)
    if as_json:
        typer.echo(json.dumps([asdict(d) for d in documents], ensure_ascii=False, indent=1))
        return
    for d in documents:
        ocr = "" if d.ocr_confidence is None else f"\tOCR confidence {d.ocr_confidence:.3f}"
        typer.echo(
            f"{d.name}\t{d.library}\t{d.year or ''}\t{d.region_path or d.region or ''}\t{d.chunks} chunks\t"
            f"{d.chars} chars\t{d.added_at}{ocr}"
        )
    typer.echo(f"{len(documents)} document(s), {sum(d.chunks for d in documents)} chunks")


def stats_command(
    index_dir: Path = INDEX_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the statistics as JSON."),
    by_library: bool = typer.Option(False, "--library", help="Documents, chunks and characters of each library."),
) -> None:
    """Show counts, model, dimension, FAISS factory, sizes on disk and build/update times (or, with --library, per library)."""
    with open_index(load_config(), index_dir, check_model=False) as index:
        if by_library:
            per_library = index.library_stats()
        else:
            stats = index.stats()
    if by_library:
        if as_json:
            typer.echo(json.dumps(per_library, ensure_ascii=False, indent=1))
        for name, row in per_library.items() if not as_json else ():
            typer.echo(f"{name}\t{row['documents']} documents\t{row['chunks']} chunks\t{row['chars']} chars")
        return
    if as_json:
        typer.echo(json.dumps(stats, ensure_ascii=False, indent=1))
        return
    for key, value in stats.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        typer.echo(f"{key:16} {value}")


def rebuild_command(
    index_dir: Path = INDEX_OPTION,
    reembed: bool = typer.Option(
        False,
        "--reembed",
        help="Re-chunk and re-embed every document with the configured "
        "model and chunker (automatic when the model changed).",
    ),
    progress: bool = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: when a terminal)."),
) -> None:
    """Rebuild FAISS from stored vectors (e.g. to switch faiss_factory), or re-embed after a model change."""
    with open_index(load_config(), index_dir, check_model=False) as index:
        try:
            result = index.rebuild(reembed, progress=sys.stderr.isatty() if progress is None else progress)
        except KeyboardInterrupt:
            typer.echo("interrupted: run `govqa index rebuild` again to finish", err=True)
            raise typer.Exit(EXIT_INTERRUPTED) from None
    what = "re-embedded" if result["reembedded"] else "rebuilt FAISS for"
    typer.echo(
        f"{what} {result['documents']} documents, {result['chunks']} chunks in {result['seconds']} s "
        f"(model {result['model']}, dim {result['dimension']}"
        + (f", faiss {result['faiss_factory']})" if result["faiss_factory"] else ")")
    )


def copy_command(
    source: Path = typer.Argument(..., help="The index folder to copy from (its manifest says which backend)."),
    target: Path = typer.Argument(..., help="The index folder to copy into (created with the [index] settings)."),
    backend: str = typer.Option(
        None,
        "--backend",
        help='Target backend: a registered name ("local", "milvus", or one a package registers) '
        "(default: [index] backend).",
    ),
    uri: str = typer.Option(
        None, "--uri", help="Target Milvus URI, for --backend milvus (default: [index.milvus] uri)."
    ),
    collection: str = typer.Option(None, "--collection", help="Target Milvus collection prefix, for --backend milvus."),
    progress: bool = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: when a terminal)."),
) -> None:
    """Copy an index to another backend or place without re-embedding (e.g. local to a Milvus cluster)."""
    from govqa.index import Index
    from govqa.index.backends import backend_class
    from govqa.index.manifest import Manifest

    config = load_config()
    built = Manifest.load(source)
    source_index = backend_class(built.backend).at_location(
        replace(config.index, backend=built.backend), built.collection
    )
    source_config = config.replace(index=source_index)
    wanted = replace(
        config.index.milvus,
        uri=config.index.milvus.uri if uri is None else uri,
        collection=collection or config.index.milvus.collection,
    )
    target_config = config.replace(
        index=replace(config.index, path=str(target), backend=backend or config.index.backend, milvus=wanted)
    )
    try:
        wanted.check()
    except ValueError as exc:
        raise ConfigError(f"--collection: {exc}") from None
    started = time.monotonic()
    with Index.open(source, source_config, create=False, check_model=False) as src:
        with Index.open(target, target_config, create=True) as dst:
            results = dst.copy_from(src, progress=sys.stderr.isatty() if progress is None else progress)
            stats = dst.stats()
    counts = Counter(r.status for r in results)
    typer.echo(
        f"copied {source} ({built.backend}) to {target} ({stats['backend']}): {len(results)} documents "
        f"({counts['added']} added, {counts['replaced']} replaced, {counts['unchanged']} unchanged), "
        f"{stats['chunks']} chunks, {stats['sentences_stored']} sentences, in {time.monotonic() - started:.1f} s"
    )
