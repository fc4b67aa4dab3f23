"""A broad filter applied after the search: how far to widen an unfiltered search (the local backend's roles)."""

from __future__ import annotations

from collections.abc import Container

#: A filter allowing at least 1/WIDEN_LIMIT of the chunks is applied after an unfiltered search (``widened``).
WIDEN_LIMIT = 8


def widened(k: int, allowed: int, total: int) -> int:
    """How many unfiltered hits to fetch so that ``k`` of the ``allowed`` chunks (of ``total``) are likely among
    them (twice the expected need), or 0 when the filter is too selective for that (then the engine filters).

    Exact either way: the hits of an unfiltered ranking that pass the filter are, in order, the filtered
    ranking's best (FAISS's inner products and FTS5's BM25 do not depend on the filter); when fewer than
    ``k`` pass and more hits exist, the caller searches again with the engine's own filter.
    """
    if not allowed or not total or allowed * WIDEN_LIMIT < total:
        return 0
    return min(total, -(-2 * k * total // allowed))


def kept(hits: list[tuple[int, float]], allowed: Container[int], k: int, wide: int) -> list[tuple[int, float]] | None:
    """The first ``k`` of ``hits`` (an unfiltered search for ``wide``) that ``allowed`` holds, or None when
    fewer than ``k`` passed and the search may have had more: then the engine's own filter must answer."""
    passing = [hit for hit in hits if hit[0] in allowed][:k]
    return passing if len(passing) >= k or len(hits) < wide else None
