"""The ingest batch: walk paths, load each file, build and chunk its documents, never stop at a bad one."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from govqa.ingest.build import build_document
from govqa.ingest.chunk import chunk_document
from govqa.ingest.document import Chunk, Document, IngestError
from govqa.ingest.errors import LimitError
from govqa.ingest.loaders import loader_for, supported_suffixes
from govqa.ingest.loaders.scan import scan_notes
from govqa.ingest.settings import ChunkConfig, IngestConfig, OcrConfig

# A folder's notes about itself, not reports.
_FOLDER_NOTES = {"README", "LICENSE", "CHANGELOG"}


@dataclass
class FileResult:
    """What became of one file: its documents and chunks, or the one-line reason it failed.

    ``status`` is ``ok``, ``failed`` or ``skipped`` (a file in a folder that no
    loader reads). ``row_errors`` holds reasons for bad rows of a multi-document
    export whose other rows loaded; ``notes`` what a person should check in a
    document that loaded (scanned pages read with low confidence, blank pages).
    """

    path: Path
    status: str
    documents: list[tuple[Document, list[Chunk]]] = field(default_factory=list)
    error: str = ""
    row_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def iter_files(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, str]]:
    """Files under ``paths`` in a stable order, with ``""`` or a reason they cannot be read.

    Folders are walked recursively, following symlinks but never the same
    folder twice (a link loop is walked once); hidden files and a folder's own
    notes (README, LICENSE) are passed over. Files named explicitly are always read.
    """
    seen_dirs: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            yield from _walk(path, seen_dirs)
        elif path.is_file():
            yield path, ""
        elif path.is_symlink():
            yield path, "broken symlink"
        else:
            yield path, "no such file or folder"


def _walk(folder: Path, seen_dirs: set[str]) -> Iterator[tuple[Path, str]]:
    real = os.path.realpath(folder)
    if real in seen_dirs:
        return
    seen_dirs.add(real)
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        yield folder, f"cannot list folder: {exc.strerror}"
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.stem.upper() in _FOLDER_NOTES:
            continue
        if entry.is_dir():
            yield from _walk(entry, seen_dirs)
        elif entry.is_file():
            yield entry, "" if entry.suffix.lower() in supported_suffixes() else "skip"
        elif entry.is_symlink():
            yield entry, "broken symlink"


def check_limits(name: str, source: BinaryIO, limits: IngestConfig) -> None:
    """Refuse a file named ``name`` whose bytes are ``source`` when it is over an ``[ingest]`` limit.

    Only what is cheap to measure is measured (pages, rows, a zip's directory, a text's characters;
    at most a second for 60 MB): ``LimitError`` says which limit, or ``IngestError`` for a file
    that is plainly not of its format (an unsupported name, a .docx part compressed as Word never does).
    """
    loader_for(Path(name), limits=limits).check(source, name)


def load_file(
    path: Path, ocr: OcrConfig | None = None, limits: IngestConfig | None = None
) -> tuple[list[Document], list[str]]:
    """The documents in one file and the reasons for any bad rows; ``IngestError`` if none load.

    The file is first checked against ``limits`` (``check_limits``), and its characters are
    counted as its documents come: ``LimitError`` once they pass ``max_chars``, before the
    rest is read or built.
    """
    limits = limits or IngestConfig()
    loader = loader_for(path, ocr, limits)
    documents: list[Document] = []
    row_errors: list[str] = []
    chars = 0
    try:
        with path.open("rb") as handle:
            loader.check(handle, path.name)
        for raw in loader.load(path):
            chars += sum(len(line.text) for line in raw.lines)
            if chars > limits.max_chars:
                raise LimitError(f"more than {limits.max_chars:,} characters", "max_chars", limits.max_chars)
            try:
                documents.append(build_document(raw))
            except IngestError as exc:
                row_errors.append(f"{raw.name}: {exc}")
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None
    except RecursionError:  # a loader's parser recursing per nesting level: this file fails, the batch goes on
        raise IngestError("nested too deeply to read (RecursionError): flatten or split the file") from None
    if not documents:
        raise IngestError(
            row_errors[0].split(": ", 1)[1]
            if len(row_errors) == 1
            else (f"no document loaded ({len(row_errors)} bad rows)" if row_errors else "no document in file")
        )
    return documents, row_errors


def ingest_paths(
    paths: Iterable[str | os.PathLike],
    config: ChunkConfig,
    ocr: OcrConfig | None = None,
    limits: IngestConfig | None = None,
) -> Iterator[FileResult]:
    """Load, clean and chunk every file under ``paths`` (scans read as ``ocr`` says, each file within
    ``limits``): one result per file, in order; a file over a limit fails alone, with its one-line reason."""
    for path, problem in iter_files(paths):
        if problem == "skip":
            yield FileResult(path, "skipped", error=f"unsupported file type {path.suffix or '(none)'!r}")
            continue
        if problem:
            yield FileResult(path, "failed", error=problem)
            continue
        try:
            documents, row_errors = load_file(path, ocr, limits)
        except IngestError as exc:
            yield FileResult(path, "failed", error=str(exc))
            continue
        yield FileResult(
            path,
            "ok",
            [(d, chunk_document(d, config)) for d in documents],
            row_errors=row_errors,
            notes=[note for d in documents for note in scan_notes(d.name, d.meta)],
        )
