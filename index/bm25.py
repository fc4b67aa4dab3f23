"""BM25 over a scope of documents: a keyword search scored as an index holding only them would score it (issue 28).

A reader limited to some libraries, or ``govqa eval --library``, must see the
ranking a separate index of those libraries would give. Every keyword engine
weighs words by its whole index (FTS5's ``bm25()``, tantivy, Milvus): N, the
average chunk length and each word's document frequency all count the other
libraries' chunks. The engine's own best hits under the filter (a pool) are
scored again (``score``) with the scope's ``Statistics``; ``Bound`` says from
which of them on none could still enter the answer (the caller asks the engine
for a deeper pool when that point was not reached: ``backends.fts5_scope.scoped``).

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
#: The first pool a scoped search rescores holds this many times the hits asked for (at least ``POOL_MIN``);
#: each deeper one ``DEEPER`` times more.
POOL = 2
POOL_MIN = 20
DEEPER = 4

_WORD = re.compile(r"[^\W_]+")  # a unicode61 token: a run of letters and digits

Phrase = tuple[str, ...]


def pool_size(k: int) -> int:
    """How many of the engine's hits a scoped search of ``k`` rescores first."""
    return max(POOL * k, POOL_MIN)


def fts5_tokens(text: str) -> list[str]:
    """``text`` cut as FTS5's ``unicode61`` tokenizer cuts it (runs of letters and digits, lowercased)."""
    return _WORD.findall(text.lower())


def phrases(tokens: Sequence[str]) -> list[Phrase]:
    """Each distinct query token as the phrase FTS5 matches (its ``fts5_tokens``); tokens holding none are dropped."""
    out: dict[Phrase, None] = {}
    for token in tokens:
        phrase = tuple(fts5_tokens(token))
        if phrase:
            out[phrase] = None
    return list(out)


def frequencies(text: str, wanted: Sequence[Phrase]) -> list[int]:
    """How often each phrase of ``wanted`` occurs in a chunk's token text (``index.keyword.index_text``:
    lowercased tokens joined by single spaces), as FTS5 counts it."""
    if not text.replace(" ", "").isalnum():  # a token with a separator inside ("6.37"): cut as FTS5 cuts it
        text = " ".join(fts5_tokens(text))
    padded = " " + text.replace(" ", "  ") + " "  # spaces doubled: " word " occurrences never overlap
    out = []
    for phrase in wanted:
        if len(phrase) == 1:
            out.append(padded.count(f" {phrase[0]} "))
        else:
            words, n = text.split(), len(phrase)
            out.append(sum(1 for i in range(len(words) - n + 1) if tuple(words[i : i + n]) == phrase))
    return out


def idf(doc_freq: int, chunks: int) -> float:
    """FTS5's IDF of a phrase found in ``doc_freq`` of ``chunks`` chunks."""
    value = math.log((chunks - doc_freq + 0.5) / (doc_freq + 0.5))
    return value if value > 0 else MIN_IDF


@dataclass(frozen=True)
class Statistics:
    """What BM25 weighs words by, of a scope or of the whole index: its chunk count (N), their total length
    in tokens, and per phrase the number of its chunks holding it (only the phrases asked for)."""

    chunks: int
    tokens: int
    doc_freqs: Mapping[Phrase, int]

    @property
    def average(self) -> float:
        """The average chunk length in tokens (1.0 for an empty scope)."""
        return self.tokens / self.chunks if self.chunks and self.tokens else 1.0

    def weights(self, wanted: Sequence[Phrase]) -> list[float]:
        """Each phrase's IDF."""
        return [idf(self.doc_freqs.get(p, 0), self.chunks) for p in wanted]


def score(text: str, length: int, wanted: Sequence[Phrase], weights: Sequence[float], average: float) -> float:
    """BM25 of one chunk (its token text and length in tokens) for ``wanted`` with IDFs ``weights``."""
    norm = K1 * (1 - B + B * length / average)
    total = 0.0
    for weight, tf in zip(weights, frequencies(text, wanted), strict=True):
        if tf:
            total += weight * tf * (K1 + 1) / (tf + norm)
    return total


class Bound:
    """The most a chunk scored ``g`` with the ``whole`` index's statistics can score with the ``scope``'s: ``bound(g)``.

    Per phrase, the scope's term is the whole's times the ratio of their IDFs, times at most
    ``max(1, scope average / whole average)`` (the length part), and never over IDF × (k1 + 1).
    ``g`` is shared out among the phrases, best ratio first (a fractional knapsack: the bound is
    exact for it). It grows with ``g``: a chunk the engine ranked lower can score no more.
    """

    def __init__(self, wanted: Sequence[Phrase], scope: Statistics, whole: Statistics):
        stretch = max(1.0, scope.average / whole.average)
        pairs = zip(scope.weights(wanted), whole.weights(wanted), strict=True)
        # (ratio, most in the scope, most in the whole index, the phrase's place in ``wanted``), best ratio first
        self.terms = sorted(
            ((s / w * stretch, s * (K1 + 1), w * (K1 + 1), i) for i, (s, w) in enumerate(pairs)), reverse=True
        )

    def __call__(self, g: float, skip: int = 0) -> float:
        """The bound for a chunk scored ``g``, holding none of the ``skip`` phrases of the best ratios."""
        budget, bound = g, 0.0
        for ratio, most, most_whole, _ in self.terms[skip:]:
            if budget <= 0:
                break
            spent = min(budget, most_whole, most / ratio)
            bound += min(most, ratio * spent)
            budget -= spent
        return bound

    def risky(self, g: float, kth: float) -> list[int]:
        """The places in ``wanted`` of the fewest phrases (best ratios first) that a chunk scored at most ``g``
        must hold to score ``kth`` or more with the scope's statistics."""
        skip = next((j for j in range(len(self.terms) + 1) if self(g, j) < kth), len(self.terms))
        return [term[3] for term in self.terms[:skip]]
