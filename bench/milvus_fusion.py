"""govqa's fusion or Milvus's own ``hybrid_search``: batch figures of both on one Milvus index.

    python bench/milvus_fusion.py QUESTIONS --index DIR [--rankers govqa,weighted,rrf] [-k 10]

``DIR`` is an index whose manifest names the Milvus backend (``govqa index
copy SRC DIR --backend milvus``). ``govqa`` is the default pipeline: one dense
and one BM25 request, fused by ``qa.fuse.convex`` (min-max scaled, 0.4 / 0.6).
``weighted`` and ``rrf`` replace that fusion by one ``hybrid_search`` request
over the same two fields with Milvus's ``WeightedRanker(0.4, 0.6)`` (each score
squashed by arctan, not min-max) or ``RRFRanker(k)`` with the ``rrf_k`` of the
settings; everything after fusion (grounding, the sentence signal, clean-up,
highlight, verdict) is the same code. Prints Recall@1/5, MRR@10 and not-found
rates per ranker (``eval.runner``'s scoring).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker  # noqa: E402

from govqa.config import load_config  # noqa: E402
from govqa.eval.questions import load_questions  # noqa: E402
from govqa.eval.runner import run_questions, summary_of  # noqa: E402
from govqa.index import Index  # noqa: E402
from govqa.index.backends.milvus_schema import CHUNKS  # noqa: E402
from govqa.index.keyword import query_tokens  # noqa: E402
from govqa.qa import fuse  # noqa: E402
from govqa.qa.searcher import Searcher  # noqa: E402


class QueryCapture:
    """Wraps an index's dense and keyword search to keep the last question vector and keyword tokens."""

    def __init__(self, index: Index):
        self.vector: np.ndarray | None = None
        self.words = ""
        dense, keyword, dimension = index.dense_search, index.keyword_search, index.backend.dimension

        def dense_search(vectors, k, allowed=None):
            self.vector = np.asarray(vectors, dtype=np.float32).reshape(-1, dimension)[0]
            return dense(vectors, k, allowed)

        def keyword_search(query, k, allowed=None):
            self.words = " ".join(query_tokens(query))
            return keyword(query, k, allowed)

        index.dense_search, index.keyword_search = dense_search, keyword_search


class HybridFusion:
    """Stands in for ``fuse.convex`` while installed: the fused candidates come from one ``hybrid_search``.

    The searcher still runs its own dense and BM25 requests (their ranks and
    scores stay on the candidates, as the highlight and verdict read them);
    ``capture`` holds the question vector and keyword tokens they were given,
    and Milvus is asked for the fused ranking of the same two requests.
    Questions are asked one at a time (``eval.runner``).
    """

    def __init__(self, backend, capture: QueryCapture, ranker, depth: int):
        self.backend, self.capture, self.ranker, self.depth = backend, capture, ranker, depth

    def __call__(self, dense, keyword, *_weights) -> dict[int, fuse.Candidate]:
        by_id = fuse.rrf(dense, keyword)  # only for each candidate's ranks and scores in the two lists
        requests = [AnnSearchRequest([self.capture.vector.tolist()], "vector", {"metric_type": "IP"}, self.depth)]
        if self.capture.words:
            requests.append(AnnSearchRequest([self.capture.words], "sparse", {"metric_type": "BM25"}, self.depth))
        ranker = self.ranker if len(requests) == 2 else WeightedRanker(1.0)
        (hits,) = self.backend.client.hybrid_search(
            self.backend.names[CHUNKS], requests, ranker, limit=self.depth, output_fields=["id"]
        )
        fused = {}
        for hit in hits:
            chunk_id = int(hit["id"])
            candidate = by_id.get(chunk_id) or fuse.Candidate(chunk_id)
            candidate.score = float(hit["distance"])
            fused[chunk_id] = candidate
        return fused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions")
    parser.add_argument("--index", required=True, help="a Milvus-backed index folder")
    parser.add_argument("--rankers", default="govqa,weighted,rrf")
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()

    config = load_config()
    index = Index.open(args.index, config)
    if index.backend.name != "milvus":
        parser.error(
            f"{args.index} is a {index.backend.name} index: copy it with `govqa index copy … --backend milvus`"
        )
    questions = load_questions(args.questions).questions
    search = config.search
    rankers = {
        "weighted": lambda: WeightedRanker(search.dense_weight, search.keyword_weight),
        "rrf": lambda: RRFRanker(search.rrf_k),
    }
    convex, capture = fuse.convex, QueryCapture(index)
    for name in args.rankers.split(","):
        fuse.convex = (
            convex if name == "govqa" else HybridFusion(index.backend, capture, rankers[name](), search.dense_depth)
        )
        try:
            summary = summary_of(run_questions(Searcher(index, config), questions, args.k, progress=False), args.k)
        finally:
            fuse.convex = convex
        figures = {
            key: summary.get(key)
            for key in ("recall@1", "recall@5", "mrr@10", "not_found_on_unanswerable", "not_found_on_answerable")
        }
        print(json.dumps({"ranker": name, **figures, "latency_p50_ms": summary.get("latency_p50_ms")}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
