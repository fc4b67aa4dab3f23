"""Index-time embedding speed: chunks/s of each encoder side by side in one run, on the same real chunks.

    python bench/embed_speed.py [PATH…] [--chunks 300] [--rounds 2] [--json]

Chunks are cut by the real ingest from PATH (default: the reports in
../shared/corpus, else corpus/) and sampled evenly across files (seeded); each
is embedded as the index embeds it (its retrieval text, as a passage), and so
are their sentences (each alone, as ``[index] bare_sentences`` embeds them). Encoders: fp32 (the
ONNX Runtime copy of the model) and int8 (fused attention, dynamic int8; the default). Rounds
alternate the encoders so a change in machine load hits both; the best round
counts. Also prints the least cosine of any int8 vector to its fp32 vector.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govqa.config import load_config  # noqa: E402
from govqa.index.context import retrieval_text  # noqa: E402
from govqa.index.embedder import create_embedder  # noqa: E402
from govqa.index.writer import document_meta  # noqa: E402
from govqa.ingest import ingest_paths  # noqa: E402
from govqa.ingest.sentences import sentence_spans  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
DEFAULT_PATHS = (
    [SHARED / "national-reports-1954-2017", SHARED / "provincial-2025-docx"] if SHARED.exists() else [ROOT / "corpus"]
)


def sample_chunks(paths: list[Path], n: int, seed: int = 13) -> list[tuple[str, str]]:
    """(retrieval text, chunk text) of ``n`` chunks drawn evenly from the files under ``paths``."""
    config = load_config()
    per_file = []
    for result in ingest_paths(paths, config.chunk):
        for document, chunks in result.documents:
            per_file.append([(retrieval_text(document_meta(document), c), c.text) for c in chunks])
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    while len(out) < n and any(per_file):
        for chunks in per_file:
            if chunks and len(out) < n:
                out.append(chunks.pop(rng.randrange(len(chunks))))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=DEFAULT_PATHS)
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    config = load_config().model
    sample = sample_chunks(args.paths, args.chunks)
    texts = [t for t, _ in sample]
    sentences = [chunk[a:b] for _, chunk in sample for a, b in sentence_spans(chunk)]
    encoders = {kind: create_embedder(replace(config, encoder=kind)) for kind in ("fp32", "int8")}
    best = {kind: {"chunks": float("inf"), "sentences": float("inf")} for kind in encoders}
    vectors = {}
    for _ in range(args.rounds):
        for kind, embedder in encoders.items():
            for what, batch in (("chunks", texts), ("sentences", sentences)):
                started = time.perf_counter()
                out = embedder.encode_passages(batch)
                best[kind][what] = min(best[kind][what], time.perf_counter() - started)
                vectors[kind, what] = out
    cosines = [float((vectors["fp32", w] * vectors["int8", w]).sum(axis=1).min()) for w in ("chunks", "sentences")]
    report = {
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "load_average": os.getloadavg()[0],
        },
        "chunks": len(texts),
        "sentences": len(sentences),
        "rounds": args.rounds,
        "chunks_per_s": {k: round(len(texts) / v["chunks"], 1) for k, v in best.items()},
        "sentences_per_s": {k: round(len(sentences) / v["sentences"], 1) for k, v in best.items()},
        "int8_least_cosine_to_fp32": round(min(cosines), 4),
    }
    report["speed_up"] = round(report["chunks_per_s"]["int8"] / report["chunks_per_s"]["fp32"], 2)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(
        f"{len(texts)} chunks, {len(sentences)} sentences, best of {args.rounds} rounds, "
        f"{report['machine']['cores']} cores, load {report['machine']['load_average']:.1f}"
    )
    print(f"{'encoder':<8} {'chunks/s':>9} {'sentences/s':>12}")
    for kind in encoders:
        print(f"{kind:<8} {report['chunks_per_s'][kind]:>9} {report['sentences_per_s'][kind]:>12}")
    print(
        f"int8/fp32 chunks/s: {report['speed_up']}x; least cosine int8 to fp32: {report['int8_least_cosine_to_fp32']}"
    )


if __name__ == "__main__":
    main()
