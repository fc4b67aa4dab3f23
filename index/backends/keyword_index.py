"""The keyword index: BM25 over govqa's jieba tokens in tantivy, kept in ``DIR/keywords/`` beside the store.

SQLite FTS5 scores every row that holds any word of the question, so at 10^6
chunks a question with common words took 181 ms (p50) and 660 ms (p95). This
is an inverted index of its own, in tantivy (Rust; compressed posting lists,
immutable segments, deletes, background merges, atomic commits), searched with
MaxScore pruning done here (``TantivyKeywords.search_tokens``: tantivy's
Python binding never uses tantivy's own block-max WAND). docs/scale.md,
*Keyword search without a scan*, has the figures that chose it.

What it holds: a document per chunk with three fields, ``id`` (the chunk id,
i64, indexed and a fast field), ``doc`` (the document's name, one raw term,
for restricting a search to documents) and ``tokens`` (the chunk's token
text as the store keeps it in FTS5, ``index.keyword.index_text``: lowercased,
simplified, space-separated; split here on whitespace only, with term
frequencies and field lengths, no positions). Files: tantivy's segments
(``*.idx``, ``*.term``, ``*.fast``, ``*.fieldnorm``, ``*.store``, ``*.pos``,
``*.del``), ``meta.json`` (the commit), ``.managed.json``, its lock files
``.tantivy-writer.lock`` and ``.tantivy-meta.lock``, and ``govqa-keywords.json``
(this format's number).

Scoring is FTS5's BM25 (k1 = 1.2, b = 0.75) with FTS5's IDF,
``max(ln((N - n + 0.5) / (n + 0.5)), 1e-6)``: tantivy's own IDF is
``ln(1 + (N - n + 0.5) / (n + 0.5))``, so each term's query is boosted by the
ratio of the two. What still differs from FTS5: tantivy stores a field's
length in one byte (exact below 40 tokens, then within about 5%); FTS5's
``unicode61`` splits govqa's tokens again at anything not a letter or digit
("6.37" is two tokens, and a phrase, to it); tantivy counts deleted documents
in N, n and the average length until a merge drops them; and words in more
than half the chunks (FTS5's floor IDF) are left out when the other words
fill the k.

SQLite is the source of truth; this index is a mirror of it, written after
the store. ``replace`` commits a change durably (tantivy's commit: new segment
files, fsync, then an atomic rename of ``meta.json``); a writer killed before
that leaves the last commit intact and this index behind the store, and
``sync`` repairs it: it compares (count, highest id, sum of ids) of the
chunks in the store with the same aggregate over this index's live documents
(so the state it reflects is read from its own commit, never from a side file
that could disagree with it), and when they differ narrows the difference
down by id ranges and writes it.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import tantivy

from govqa.index import keyword_rows
from govqa.index.bm25 import K1  # FTS5's bm25() k1, and tantivy's
from govqa.index.bm25 import MIN_IDF as FTS5_MIN_IDF
from govqa.index.bm25 import idf as fts5_idf
from govqa.index.errors import IndexUnavailableError
from govqa.index.keyword import query_tokens
from govqa.index.store import Store

log = logging.getLogger(__name__)

KEYWORDS_DIR = "keywords"
FORMAT_NAME = "govqa-keywords.json"
FORMAT = 1
TOKENIZER = "govqa_whitespace"
WRITER_HEAP = 64_000_000  # bytes a commit may buffer before tantivy flushes a segment (its minimum is 15 MB)
LOCK_WAIT = 60.0  # seconds to wait for tantivy's writer lock held by another process
LEAF = 4096  # id ranges holding at most this many chunks (store + index) are compared id by id in ``sync``


# tantivy writes these two atomically through a temporary file, created 0600: another user (a server reading
# a folder its builder wrote) could not open the index, where it reads the SQLite store. They are given the
# mode of the folder's other files (the umask's).
_ATOMIC_FILES = ("meta.json", ".managed.json")


def _share_atomic_files(path: Path) -> None:
    """Give tantivy's atomically written files the mode of the format marker (written under the umask)."""
    try:
        mode = (path / FORMAT_NAME).stat().st_mode & 0o666
        for name in _ATOMIC_FILES:
            file = path / name
            if file.exists() and file.stat().st_mode & 0o666 != mode:
                file.chmod(mode)
    except OSError as exc:  # another user's files: they stay as they are
        log.debug("cannot set the mode of the keyword index files in %s: %s", path, exc)


def _writable(directory: Path, path: Path) -> bool:
    """Whether the keyword index can be written (or made) here: the folder, and its keywords folder when there is one."""
    return os.access(directory, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_text_field("doc", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("tokens", tokenizer_name=TOKENIZER, index_option="freq")
    return builder.build()


def _analyzer() -> tantivy.TextAnalyzer:
    # Tokenizers are not saved with the index: registered again at every open, before any writer.
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def tantivy_idf(doc_freq: int, docs: int) -> float:
    """tantivy's BM25 IDF (``query/bm25.rs``)."""
    return math.log(1.0 + (docs - doc_freq + 0.5) / (doc_freq + 0.5))


SEEK_COST = 8.0  # a seek of one list to a candidate, in postings walked by a union (measured: docs/scale.md)
PROBE = 8  # the first walk takes the rarest lists until they hold PROBE × k postings
FULL_PROBE_TERMS = 4  # ... and seeks the other lists for its candidates when they are at most this many
BEST_SHARE = 0.002  # terms in more than this share of the chunks get their exact best score as bound (``_bounds``)


@dataclass(frozen=True)
class _View:
    """A searcher and the N that tantivy's IDF uses with it (documents of its segments, deleted ones not merged away).

    ``exact`` is False when ``meta.json`` was read at another commit than the
    searcher's (a commit came between): then ``counted`` is the live count, the
    IDF ratio is off by the few deleted documents, and the search does not prune.
    """

    searcher: tantivy.Searcher
    counted: int
    exact: bool
    best: dict[str, float] = field(default_factory=dict)  # token → its best score in this searcher (``_bounds``)


def _view(searcher: tantivy.Searcher, path: Path) -> _View:
    live = searcher.num_docs
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        segments = meta.get("segments", [])
        counted = sum(int(s["max_doc"]) for s in segments)
        deleted = sum(int((s.get("deletes") or {}).get("num_deleted_docs", 0)) for s in segments)
    except (OSError, ValueError, KeyError, TypeError):
        return _View(searcher, live, False)
    if counted - deleted != live:
        return _View(searcher, live, False)
    return _View(searcher, counted, True)


def _chunk_ids(searcher: tantivy.Searcher, addresses: list) -> list[int]:
    """The chunk ids (the ``id`` fast field, which every document has) of tantivy's hits."""
    return [int(cast(int, i)) for i in searcher.fast_field_values("id", addresses)]


def probe_start(doc_freqs: Sequence[int], k: int) -> int:
    """Where the rarest terms start (``doc_freqs`` most common first) whose lists hold ``PROBE × k`` postings.

    Those lists are walked first, alone, for a k-th best score to prune with;
    0 when every list together holds fewer (then nothing is worth pruning).
    """
    total = 0
    for start in range(len(doc_freqs) - 1, 0, -1):
        total += doc_freqs[start]
        if total >= PROBE * k:
            return start
    return 0


def best_split(doc_freqs: Sequence[int], bounds: Sequence[float], kth: float, limit: int) -> int:
    """The cheapest split ``j <= limit`` that leaves out only terms whose bounds add up to at most ``kth``.

    A split ``j`` walks the lists of terms ``j…`` (about the sum of their
    frequencies) and seeks each of the first ``j`` lists once a candidate
    (``SEEK_COST`` postings each); ``0`` walks every list (tantivy's plain union).
    ``bounds[j]`` is the sum of the first ``j`` terms' bounds.
    """
    best, best_cost = 0, float(sum(doc_freqs))
    for j in range(1, limit + 1):
        if bounds[j] > kth:
            break
        cost = sum(doc_freqs[j:]) * (1.0 + SEEK_COST * j)
        if cost < best_cost:
            best, best_cost = j, cost
    return best


def _split_query(queries: Sequence[tantivy.Query], split: int, within: tantivy.Query | None) -> tantivy.Query:
    """Chunks holding any of ``queries[split:]`` (and in ``within``), scored with every query.

    Each of ``queries[:split]`` is an optional clause nested alone around the
    rest: tantivy's ``RequiredOptionalScorer`` then seeks its one list to each
    candidate instead of merging the lists into a union it would walk.
    """
    walked = queries[split:]
    query = walked[0] if len(walked) == 1 else tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in walked])
    if within is not None:
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Must, within)])
    for optional in queries[:split]:
        query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (tantivy.Occur.Should, optional)])
    return query


class TantivyKeywords:
    """BM25 keyword search over the chunks of one index folder, in ``DIR/keywords/``.

    Open with ``TantivyKeywords.open(directory, create)``. Searches may run on
    any number of threads at any time; writes (``replace``, a repairing
    ``sync``) are serialised in this process by a mutex, and across processes
    the caller holds the index's write lock (tantivy's own writer lock, taken
    for the length of one write, would otherwise make a second writer wait up
    to ``LOCK_WAIT`` seconds and then fail). A search uses the commit that was
    current at the last reload: this process's writes reload at once; another
    process's are seen after ``refresh()`` (or ``sync``).
    """

    #: Prune with MaxScore (``search_tokens``); False: walk the whole union of the query's lists (for comparison).
    maxscore = True

    def __init__(self, directory: Path, create: bool = False):
        """See ``open``."""
        self.directory = Path(directory)
        self.path = self.directory / KEYWORDS_DIR
        if not self.directory.is_dir():
            if not create:
                raise IndexUnavailableError(
                    f"{self.directory} is missing: there is no index there",
                    "build it with `govqa index add PATH… --index DIR`",
                )
            self.directory.mkdir(parents=True, exist_ok=True)
        self._schema = _schema()
        self._write_lock = threading.RLock()  # one writer thread at a time in this process
        self._reload_lock = threading.Lock()
        self.fresh = False  # True when this open made the keyword index anew (empty): ``sync`` fills it
        self.private: tempfile.TemporaryDirectory | None = None  # a copy of its own, for a read-only folder
        if not _writable(self.directory, self.path):
            # tantivy takes a lock file even to read: work on a copy (and fill it by ``sync`` when there is none).
            self.private = tempfile.TemporaryDirectory(prefix="govqa-keywords-")
            copy = Path(self.private.name) / KEYWORDS_DIR
            if self.path.is_dir():
                shutil.copytree(self.path, copy, ignore=shutil.ignore_patterns(".tantivy-*.lock"))
                copy.chmod(0o700)  # copytree gave it the read-only folder's mode: tantivy must write here
            log.info("the index folder %s is read-only: searching a copy of its keyword index in %s", directory, copy)
            self.path = copy
        self._index = self._open_or_make()
        self._index.register_tokenizer(TOKENIZER, _analyzer())
        self._index.config_reader(reload_policy="manual")
        self._view: _View | None = _view(self._index.searcher(), self.path)
        if self.private is None:
            _share_atomic_files(self.path)

    @classmethod
    def open(cls, directory: Path, create: bool = False) -> TantivyKeywords:
        """The keyword index of the index folder ``directory`` (its files in ``directory/keywords/``).

        ``create`` makes ``directory`` when it is missing; without it a missing
        folder raises ``IndexUnavailableError``. A keyword index that is absent
        (an index made before it existed) or unusable (damaged, or of another
        format) is made anew, empty, with ``fresh`` True and a warning for an
        unusable one: ``sync(store)`` then fills it from the store.

        In a folder this process cannot write (a read-only mount), tantivy
        could not even take the lock file it reads under: the keyword index is
        copied to a temporary folder of its own (``private``; removed by
        ``close``) and searched there; ``sync`` keeps that copy in step with
        the store (and fills it when the folder had none), never the folder.
        """
        return cls(directory, create)

    def _open_or_make(self) -> tantivy.Index:
        marker = self.path / FORMAT_NAME
        if marker.exists():
            try:
                if json.loads(marker.read_text(encoding="utf-8")).get("format") == FORMAT and tantivy.Index.exists(
                    str(self.path)
                ):
                    return tantivy.Index.open(str(self.path))
                reason = "another format"
            except (OSError, ValueError) as exc:  # unreadable marker or meta.json, missing segment files
                reason = str(exc)
            log.warning("the keyword index at %s is unusable (%s): making it anew from the store", self.path, reason)
        elif self.path.exists() and any(self.path.iterdir()):
            log.warning("the keyword index at %s has no format marker: making it anew from the store", self.path)
        try:
            self._clear()
            self.path.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(self._schema, path=str(self.path), reuse=False)
            tmp = marker.with_suffix(".tmp")
            tmp.write_text(json.dumps({"format": FORMAT}), encoding="utf-8")
            tmp.replace(marker)
        except (OSError, ValueError) as exc:  # disk full, a folder it may not write after all
            raise IndexUnavailableError(
                f"cannot make the keyword index at {self.path} ({exc})",
                "free disk space, or make the index folder writable, and open it again",
            ) from None
        self.fresh = True
        return index

    def _clear(self) -> None:
        if self.path.exists():
            for item in self.path.iterdir():
                if item.is_file():
                    item.unlink()

    def close(self) -> None:
        """Drop the searcher (tantivy closes its files when the last reference goes), and a private copy."""
        with self._reload_lock:
            self._view = None
        if self.private is not None:
            self.private.cleanup()

    # -- reading -------------------------------------------------------------
    def search(self, query: str, k: int, documents: frozenset[str] | None = None) -> list[tuple[int, float]]:
        """(chunk id, BM25 score, higher better) of the ``k`` best chunks for a question, best first.

        ``query`` is the raw question: it is cut with ``index.keyword.query_tokens``
        (no words: ``[]``). A chunk matches when it holds any of its tokens.
        ``documents`` restricts the hits to chunks of the documents with these
        names (an empty set: ``[]``); None searches every chunk. Scores are
        FTS5's BM25 (see the module's docstring): comparable within one
        answer, not across index states.
        """
        return self.search_tokens(query_tokens(query), k, documents)

    def search_tokens(
        self, tokens: Sequence[str], k: int, documents: frozenset[str] | None = None
    ) -> list[tuple[int, float]]:
        """``search`` for tokens already cut (each as ``index_text`` writes them: lowercased, simplified).

        Pruned with MaxScore (tantivy's Python binding always collects through
        a ``MultiCollector``, which skips tantivy's own block-max WAND: walking
        every list of a question took 8 ms at 10^6 chunks, and 15 at p95). The
        query's terms are sorted by an upper bound of their score (``_bounds``).
        A *split* ``j`` walks only the lists of the rarest terms ``j…`` (their
        union: the candidates) and adds the common terms ``…j-1`` to each
        candidate's score by seeking their lists to it (tantivy's required +
        optional scorers, nested one list each), never walking them. It is exact
        when the k-th best score is at least the common terms' bounds added up:
        a chunk holding only those cannot score more. That k-th score is found
        first from the rarest lists holding ``PROBE`` × k postings (fully
        scored when at most ``FULL_PROBE_TERMS`` terms are left to seek, and
        then often the answer itself; else their own scores, a lower bound);
        then the cheapest exact split by a cost estimate (``best_split``) is
        searched. At worst it is tantivy's plain union of every list.

        Words in more than half of the chunks have FTS5's floor IDF (1e-6: at
        most a few millionths to any score, below float32's resolution of the
        scores that matter) and are left out unless the other words match fewer
        than ``k`` chunks; then the plain union of every word fills the list.
        ``maxscore = False`` searches the plain union of every word always.
        """
        view = self._view
        tokens = [t for t in dict.fromkeys(tokens) if t]
        if view is None or not tokens or k <= 0 or (documents is not None and not documents):
            return []
        searcher = view.searcher
        live = searcher.num_docs
        terms = []
        for token in tokens:
            df = searcher.doc_freq("tokens", token)
            if df:
                idf = fts5_idf(min(df, live), live)
                terms.append((idf, df, token, idf / tantivy_idf(df, max(view.counted, df))))
        if not terms:
            return []
        terms.sort(key=lambda t: (t[0], t[2]))  # most common (lowest bound) first
        within = None
        if documents is not None:
            names = tantivy.Query.term_set_query(self._schema, "doc", sorted(documents))
            within = tantivy.Query.const_score_query(names, 0.0)
        scoring = [t for t in terms if t[0] > FTS5_MIN_IDF] if self.maxscore else terms
        hits = self._maxscore(view, scoring, k, within, view.exact) if scoring else []
        if len(hits) < k and len(scoring) < len(terms):
            hits = self._maxscore(view, terms, k, within, prune=False)  # the words in most chunks fill the rest
        if not hits:
            return []
        ids = _chunk_ids(searcher, [address for _, address in hits])
        return [(i, float(score)) for i, (score, _) in zip(ids, hits, strict=True)]

    def _maxscore(self, view: _View, terms: list, k: int, within, prune: bool) -> list:
        """Tantivy's hits (score, address) of the best ``k`` chunks for ``terms`` (IDF, df, token, boost), lowest IDF first."""
        queries = [
            tantivy.Query.boost_query(
                tantivy.Query.term_query(self._schema, "tokens", token, index_option="freq"), boost
            )
            for _, _, token, boost in terms
        ]
        if not (prune and self.maxscore):
            return view.searcher.search(_split_query(queries, 0, within), k, count=False).hits
        doc_freqs = [df for _, df, _, _ in terms]
        start = probe_start(doc_freqs, k)
        if start == 0:
            return view.searcher.search(_split_query(queries, 0, within), k, count=False).hits
        # Candidates from the rarest lists only, fully scored: when their k-th best score is at least the bounds
        # of every other term added up, no chunk holding only those terms can enter the answer, and this is it.
        # Otherwise that k-th score (at most the answer's) tells which common terms may still be left out.
        bounds = [0.0]  # the sum of the first j terms' bounds
        for bound in self._bounds(view, terms[:start], queries[:start]):
            bounds.append(bounds[-1] + bound)
        if start <= FULL_PROBE_TERMS:
            hits = view.searcher.search(_split_query(queries, start, within), k, count=False).hits
            kth = hits[-1][0] if len(hits) >= k else 0.0
            if bounds[start] <= kth:
                return hits
        else:
            probe = view.searcher.search(_split_query(queries[start:], 0, within), k, count=False).hits
            kth = probe[-1][0] if len(probe) >= k else 0.0
        split = best_split(doc_freqs, bounds, kth, start)
        return view.searcher.search(_split_query(queries, split, within), k, count=False).hits

    @staticmethod
    def _bounds(view: _View, terms: list, queries: list) -> list[float]:
        """An upper bound of each term's score in any chunk.

        BM25's term frequency part is below k1 + 1, so IDF × (k1 + 1) always
        bounds it; for a term in more than ``BEST_SHARE`` of the chunks (the
        ones worth leaving out of the walk) it is loose by a third or more, so
        the term's best score is found instead (its list walked once, then kept
        for the searcher's life: common words recur across questions).
        """
        live = max(view.searcher.num_docs, 1)
        out = []
        for (idf, df, token, _), query in zip(terms, queries, strict=True):
            bound = idf * (1 + K1)
            if df > BEST_SHARE * live:
                best = view.best.get(token)
                if best is None:
                    hits = view.searcher.search(query, 1, count=False).hits
                    best = view.best[token] = hits[0][0] * (1 + 1e-5) if hits else 0.0  # float32 sums: a margin
                bound = min(bound, best)
            out.append(bound)
        return out

    def refresh(self) -> None:
        """Search the latest commit from now on (this process's or another's); well under a millisecond when nothing changed."""
        with self._reload_lock:
            if self._view is None:
                return
            self._index.reload()
            self._view = _view(self._index.searcher(), self.path)

    def count(self) -> int:
        """How many chunks the current searcher holds."""
        view = self._view
        return view.searcher.num_docs if view is not None else 0

    def fingerprint(self) -> tuple[int, int, int]:
        """(how many chunks, the highest chunk id or 0, the sum of chunk ids) this index holds, as of its last reload."""
        return self._summary(tantivy.Query.all_query(), with_top=True)  # type: ignore[return-value]

    def _summary(self, query: tantivy.Query, with_top: bool = False) -> tuple[int, ...]:
        view = self._view
        searcher = view.searcher if view is not None else None
        if searcher is None or searcher.num_docs == 0:
            return (0, 0, 0) if with_top else (0, 0)
        stats = searcher.aggregate(query, {"s": {"stats": {"field": "id"}}})["s"]
        count = int(stats["count"])
        total = int(round(stats["sum"] or 0))  # f64: exact below 2^53, i.e. for any realistic sum of ids
        if with_top:
            return count, int(stats["max"]) if count else 0, total
        return count, total

    def _ids_between(self, low: int, high: int, expected: int) -> list[int]:
        view = self._view
        if view is None or expected <= 0:
            return []
        searcher = view.searcher
        query = tantivy.Query.range_query(self._schema, "id", tantivy.FieldType.Integer, low, high)
        hits = searcher.search(query, expected, count=False).hits
        return sorted(_chunk_ids(searcher, [address for _, address in hits]))

    # -- writing (the caller holds the index's write lock) -------------------
    def replace(self, removed_ids: Sequence[int], rows: Sequence[tuple[int, str, str]]) -> None:
        """Delete the chunks ``removed_ids`` and add ``rows``, in one durable commit; then search it.

        ``rows``: (chunk id, document name, token text as stored in FTS5, i.e.
        ``index_text(retrieval_text)``). An id of ``rows`` that is already here
        is replaced, not doubled, so a change may be written again safely.
        Waits for the merges the commit started, so that segments do not pile
        up and no writer is left holding tantivy's lock. Raises
        ``IndexUnavailableError`` when tantivy's writer lock stays held by
        another process for ``LOCK_WAIT`` seconds, or the write fails (disk full:
        nothing of it is committed).
        """
        self._apply(removed_ids, [rows])

    def rebuild(self, store: Store) -> int:
        """Make this index hold exactly the store's chunks, written anew in one commit; returns how many.

        For ``govqa index rebuild`` and the like; ``sync`` repairs a difference without rewriting the rest.
        """
        return self._apply([], keyword_rows.all_keyword_rows(store), clear=True)

    def disk_bytes(self) -> int:
        """Bytes of this index's files (its segments, deleted ones not merged away yet, and tantivy's metadata)."""
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())

    def _apply(
        self, removed_ids: Sequence[int], batches: Iterable[Sequence[tuple[int, str, str]]], clear: bool = False
    ) -> int:
        """``replace`` with rows coming in batches (read while writing), all in one commit; returns the rows added.

        ``clear`` deletes every document first (in the same commit).
        """
        removed = sorted({int(i) for i in removed_ids})
        added = 0
        with self._write_lock:
            writer = self._writer()
            try:
                try:
                    if clear:
                        writer.delete_all_documents()
                    if removed:
                        writer.delete_documents_by_query(tantivy.Query.term_set_query(self._schema, "id", removed))
                    for rows in batches:
                        if not rows:
                            continue
                        # Deleting before adding, in one commit: tantivy applies a delete to what was added before it.
                        ids = [int(r[0]) for r in rows]
                        writer.delete_documents_by_query(tantivy.Query.term_set_query(self._schema, "id", ids))
                        for chunk_id, name, tokens in rows:
                            doc = tantivy.Document()
                            doc.add_integer("id", int(chunk_id))
                            doc.add_text("doc", name)
                            doc.add_text("tokens", tokens)
                            writer.add_document(doc)
                        added += len(rows)
                    if not (removed or added or clear):
                        writer.rollback()
                        return 0
                    writer.commit()
                    _share_atomic_files(self.path)
                except BaseException:
                    writer.rollback()
                    raise
                finally:
                    writer.wait_merging_threads()  # frees tantivy's writer lock
            except ValueError as exc:  # tantivy's errors (I/O, disk full) come as ValueError
                raise IndexUnavailableError(
                    f"cannot write the keyword index at {self.path} ({exc})",
                    "free disk space and retry; `govqa index add` repairs it from the store at its start",
                ) from None
            self.refresh()
        return added

    def wait_merges(self) -> None:
        """Start and finish any merge the merge policy wants now (an empty writer session); for benchmarks and tests."""
        with self._write_lock:
            self._writer().wait_merging_threads()
        self.refresh()

    def _writer(self) -> tantivy.IndexWriter:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                return self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as exc:
                if "LockBusy" not in str(exc) or time.monotonic() > deadline:
                    raise IndexUnavailableError(
                        f"cannot write the keyword index at {self.path} ({exc})",
                        "another process is writing it; retry when it is done",
                    ) from None
                time.sleep(0.05)

    # -- keeping in step with the store ----------------------------------------
    def in_step(self, store: Store) -> bool:
        """Whether this index (as of its last reload) holds exactly the store's chunks: two aggregates, no listing."""
        return self.fingerprint() == keyword_rows.fingerprint(store)

    def sync(self, store: Store, repair: bool = True) -> tuple[int, int]:
        """Reload, then make this index hold exactly the store's chunks; returns (chunks added, chunks deleted).

        Reads nothing more when the fingerprints agree (the store's ``COUNT``,
        ``MAX`` and ``SUM`` of chunk ids, and the same aggregate over this
        index). Otherwise the difference is found by halving id ranges whose
        (count, sum) differ, down to ranges of ``LEAF`` chunks compared id by
        id (ranges where one side holds nothing are taken whole), and written
        by ``replace`` with the rows read from the store (``index.keyword_rows``).

        Without ``repair`` (a reader that does not hold the write lock: another
        process may be between its store commit and its keyword commit) it only
        reloads and returns (0, 0). A repair must hold the index's write lock.

        Why equal aggregates mean equal sets: this index holds the store's
        chunks as of some earlier commit (its commits are atomic and follow the
        store's). Since then the store can only have lost some of those ids and
        gained new ones, every new one above any id ever given (AUTOINCREMENT).
        Any new one still there raises the highest id; none, and a loss lowers
        the count. Within an id range likewise: every id missing here is above
        every stale one, so equal counts with both present give different sums.
        (Damage of any other kind is for ``rebuild``.)
        """
        self.refresh()
        if not repair:
            return 0, 0
        with self._write_lock:
            store_print = keyword_rows.fingerprint(store)
            held = self.fingerprint()
            if held == store_print:
                return 0, 0
            missing, stale = self._difference(store, 1, max(store_print[1], held[1]))
            added = self._apply(stale, keyword_rows.keyword_rows(store, missing))
        if missing or stale:
            log.info(
                "repaired the keyword index at %s from the store: %d chunks added, %d removed",
                self.path,
                added,
                len(stale),
            )
        return added, len(stale)

    def _difference(self, store: Store, low: int, high: int) -> tuple[list[int], list[int]]:
        """(ids the store has and this index lacks, ids this index has and the store lacks) in ``low``…``high``."""
        missing: list[int] = []
        stale: list[int] = []
        ranges = [(low, high)]
        while ranges:
            low, high = ranges.pop()
            if low > high:
                continue
            stored = keyword_rows.range_summary(store, low, high)
            held = self._summary(tantivy.Query.range_query(self._schema, "id", tantivy.FieldType.Integer, low, high))
            if stored == held:
                continue
            if held[0] == 0:
                missing += keyword_rows.ids_between(store, low, high)
            elif stored[0] == 0:
                stale += self._ids_between(low, high, held[0])
            elif stored[0] + held[0] <= LEAF or low == high:
                in_store = set(keyword_rows.ids_between(store, low, high))
                in_index = set(self._ids_between(low, high, held[0]))
                missing += sorted(in_store - in_index)
                stale += sorted(in_index - in_store)
            else:
                middle = (low + high) // 2
                ranges += [(low, middle), (middle + 1, high)]
        return sorted(missing), sorted(stale)


def rows_of(store: Store, ids: Iterable[int]) -> list[tuple[int, str, str]]:
    """(chunk id, document name, token text) of the stored chunks among ``ids``: what ``replace`` takes."""
    return [row for batch in keyword_rows.keyword_rows(store, list(ids)) for row in batch]
