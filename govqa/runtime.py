"""The one composition root: a configuration, the index it names and a searcher over it.

The CLI (``govqa search/ask/compare/eval/index``), the server (``govqa.web.service``),
the benchmarks and the tests all open an index here, the same way, as
datasette's ``Datasette(...)`` is built by its CLI and by its tests alike. Three
ways to come by an index:

- ``open_runtime(config, index_dir)``: an existing index (``IndexUnavailableError`` says why not);
  with ``build_from`` a missing index is first built from a corpus folder (the server's first start);
- ``corpus_index(corpus, config)``: an index of a corpus folder, cached under ``.govqa/eval-index/``
  by a fingerprint of its files and settings, rebuilt when either changes (``govqa eval --corpus``).

Heavy modules (the model, FAISS) load inside the functions, not on import.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govqa.config import Config, load_config

if TYPE_CHECKING:
    from govqa.index import Index
    from govqa.qa import Searcher

log = logging.getLogger("govqa")

CORPUS_CACHE = Path(".govqa") / "eval-index"
_COMPLETE = "eval-index-complete.json"

# Progress of a first build: (message, files done, files in all).
BuildReport = Callable[[str, int, int], None]


@dataclass
class Runtime:
    """An open index and its searcher under one configuration; close it (or use ``with``) when done."""

    config: Config
    searcher: Searcher

    @property
    def index(self) -> Index:
        """The open index the searcher reads."""
        return self.searcher.index

    def close(self) -> None:
        """Close the index (its FAISS mirror and SQLite connections)."""
        self.index.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def index_path(config: Config, index_dir: str | Path | None = None) -> Path:
    """``index_dir`` if given, else the configured ``[index] path`` (or ``$GOVQA_INDEX``)."""
    return Path(index_dir) if index_dir else Path(config.index.path)


def open_index(
    config: Config, index_dir: str | Path | None = None, *, create: bool = False, check_model: bool = True
) -> Index:
    """The index at ``index_dir`` (default: the configured one), created empty with ``create``.

    Raises ``IndexNotFoundError`` (none there and not ``create``), ``IndexMismatchError`` (built
    with another model: the message names the rebuild command), ``IndexReadOnlyError``.
    """
    from govqa.index import Index

    return Index.open(index_path(config, index_dir), config, create=create, check_model=check_model)


def open_runtime(
    config: Config | None = None,
    index_dir: str | Path | None = None,
    *,
    create: bool = False,
    build_from: str | Path | None = None,
    report: BuildReport | None = None,
    warm: bool = False,
    concurrency: int = 1,
) -> Runtime:
    """A searcher over the index at ``index_dir`` (default: the configured one).

    ``config`` defaults to ``load_config()``. With ``create`` a missing index is created empty;
    with ``build_from`` (a corpus folder) a missing
    index is built from it first, ``report`` hearing of each file; with ``warm`` the model, its
    fast path and the tokenizers load now rather than on the first question (``Searcher.warm_up``); ``concurrency`` is how many questions
    callers ask at once (the searcher's BM25 pool). Raises as ``open_index``, and the config loader's
    ``ConfigError``.
    """
    from govqa.index.errors import IndexNotFoundError
    from govqa.qa import Searcher

    config = config or load_config()
    try:
        index = open_index(config, index_dir, create=create)
    except IndexNotFoundError:
        if build_from is None:
            raise
        index = build_from_corpus(config, index_dir, Path(build_from), report)
    searcher = Searcher(index, config, concurrency=concurrency)
    if warm:
        searcher.warm_up()
    return Runtime(config, searcher)


def build_from_corpus(
    config: Config, index_dir: str | Path | None, corpus: Path, report: BuildReport | None = None
) -> Index:
    """A new index at ``index_dir`` holding every readable file of ``corpus`` (an empty index if there is none).

    A file that cannot be read is logged and skipped; ``report(message, done, total)`` hears of each file.
    """
    from govqa.ingest import iter_files

    report = report or (lambda message, done, total: log.info("%s", message))
    files = [p for p, problem in iter_files([corpus]) if not problem]
    if not corpus.is_dir():
        log.warning("corpus folder %s not found: starting with an empty index", corpus)
    report(f"首次启动：正在从 {corpus} 建立索引（加载模型）…", 0, len(files))
    index = open_index(config, index_dir, create=True)
    for number, path in enumerate(files, 1):
        report(f"正在建立索引（{number}/{len(files)}）：{path.name}", number - 1, len(files))
        for file_report in index.add_paths([path], config.chunk, progress=True):
            if file_report.error:
                log.warning("%s: %s", path, file_report.error)
    return index


def corpus_fingerprint(corpus: Path, config: Config) -> dict[str, Any]:
    """What decides a corpus index: the files (path, size, mtime), the ingest version, the index format, the chunker, the model."""
    from govqa.index.backends import backend_class
    from govqa.index.manifest import FORMAT_VERSION
    from govqa.ingest import INGEST_VERSION, iter_files

    root = corpus.resolve()
    files = []
    for path, problem in iter_files([root]):
        if problem:
            continue
        stat = path.stat()
        files.append([str(path.relative_to(root)) if root.is_dir() else path.name, stat.st_size, stat.st_mtime_ns])
    return {
        "corpus": str(root),
        "files": files,
        "ingest_version": INGEST_VERSION,
        "index_format": FORMAT_VERSION,
        "chunk": asdict(config.chunk),
        "model": config.model.name,
        "encoder": config.model.encoder,
        "faiss_factory": config.index.faiss_factory,
        # What the backend says decides its indexes (``Backend.cache_key``: nothing more for the local one).
        **backend_class(config.index.backend).cache_key(config.index),
    }


def corpus_index_dir(corpus: Path, config: Config, cache_root: Path | None = None) -> Path:
    """The cache folder (under ``cache_root``, default ``CORPUS_CACHE``) of the index of ``corpus`` under ``config``."""
    return _cache_folder(corpus_fingerprint(corpus, config), cache_root)


def _cache_folder(fingerprint: dict[str, Any], cache_root: Path | None) -> Path:
    blob = json.dumps(fingerprint, sort_keys=True, ensure_ascii=False)
    return (CORPUS_CACHE if cache_root is None else cache_root) / hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def corpus_index(
    corpus: Path, config: Config, cache_root: Path | None = None, progress: bool = True
) -> tuple[Path, bool]:
    """An index of ``corpus``, reused when files and config are unchanged; returns (folder, reused).

    A folder counts as built only once its completion marker is written, so an
    interrupted build is thrown away and redone, never evaluated half-made.
    """
    fingerprint = corpus_fingerprint(corpus, config)
    folder = _cache_folder(fingerprint, cache_root)
    if (folder / _COMPLETE).exists():
        return folder, True
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open_index(config, folder, create=True) as index:
        reports = index.add_paths([corpus], config.chunk, progress=progress)
    for report in reports or []:
        if report.status == "failed":
            log.warning("corpus file not indexed: %s (%s)", report.path, report.error)
    (folder / _COMPLETE).write_text(json.dumps(fingerprint, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder, False
