"""BM25 over a scope of documents: a keyword search scored as an index holding only them would score it (issue 28).

A reader limited to some libraries, or ``govqa eval --library``, must see the
ranking a separate index of those libraries would give. Every keyword engine
weighs words by its whole index (FTS5's ``bm25()``, tantivy, Milvus): N, the
average chunk length and each word's document frequency all count the other
libraries' chunks. ``rescore`` takes the engine's own best hits under the
filter (a pool) and scores them again with the scope's ``Statistics``.

The formula is FTS5's ``bm25()`` (k1 1.2, b 0.75; IDF ``ln((N - n + 0.5) / (n + 0.5))``,
raised to 1e-6 when not positive), each query token counted as FTS5 reads it:
a phrase of the ``unicode61`` tokens it holds ("6.37" is the phrase 6 37).
A chunk's length is its count of those tokens.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

K1 = 1.2
B = 0.75
MIN_IDF = 1e-6  # FTS5 raises an IDF <= 0 (a word in more than half the chunks) to this
#: The pool a scoped search rescores holds this many times the hits asked for (at least ``POOL_MIN``).
POOL = 2
POOL_MIN = 20

_WORD = re.compile(r"[^\W_]+")  # a unicode61 token: a run of letters and digits


def pool_size(k: int) -> int:
    """How many of the engine's hits a scoped search of ``k`` rescores."""
    return max(POOL * k, POOL_MIN)


def fts5_tokens(text: str) -> list[str]:
    """``text`` cut as FTS5's ``unicode61`` tokenizer cuts it (runs of letters and digits, lowercased)."""
    return _WORD.findall(text.lower())


def phrases(tokens: Sequence[str]) -> list[tuple[str, ...]]:
    """Each distinct query token as the phrase FTS5 matches (its ``fts5_tokens``); tokens holding none are dropped."""
    out: dict[tuple[str, ...], None] = {}
    for token in tokens:
        phrase = tuple(fts5_tokens(token))
        if phrase:
            out[phrase] = None
    return list(out)


def frequencies(text: str, wanted: Sequence[tuple[str, ...]]) -> list[int]:
    """How often each phrase of ``wanted`` occurs in a chunk's token text (``index.keyword.index_text``)."""
    words = text.split()
    if not text.replace(" ", "").isalnum():  # a token with a separator inside ("6.37"): FTS5 cuts it
        words = fts5_tokens(text)
    out = []
    for phrase in wanted:
        if len(phrase) == 1:
            out.append(words.count(phrase[0]))
        else:
            n = len(phrase)
            out.append(sum(1 for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == phrase))
    return out


def idf(doc_freq: int, chunks: int) -> float:
    """FTS5's IDF of a phrase found in ``doc_freq`` of ``chunks`` chunks."""
    value = math.log((chunks - doc_freq + 0.5) / (doc_freq + 0.5))
    return value if value > 0 else MIN_IDF


@dataclass(frozen=True)
class Statistics:
    """What BM25 weighs words by, of one scope: its chunk count (N), their total length in tokens,
    and per phrase the number of its chunks holding it (only the phrases asked for)."""

    chunks: int
    tokens: int
    doc_freqs: Mapping[tuple[str, ...], int]


def rescore(
    pool: Mapping[int, tuple[str, int]], wanted: Sequence[tuple[str, ...]], stats: Statistics, k: int
) -> list[tuple[int, float]]:
    """The ``k`` best of ``pool`` (chunk id → (token text, length in tokens)) by BM25 with ``stats``:
    (chunk id, score, higher better), best first, ties by id. Chunks holding no phrase are left out."""
    if not stats.chunks:
        return []
    average = stats.tokens / stats.chunks or 1.0
    weights = [idf(stats.doc_freqs.get(p, 0), stats.chunks) for p in wanted]
    scored = []
    for chunk_id, (text, length) in pool.items():
        norm = K1 * (1 - B + B * length / average)
        score = 0.0
        for weight, tf in zip(weights, frequencies(text, wanted), strict=True):
            if tf:
                score += weight * tf * (K1 + 1) / (tf + norm)
        if score > 0:
            scored.append((chunk_id, score))
    scored.sort(key=lambda hit: (-hit[1], hit[0]))
    return scored[:k]
