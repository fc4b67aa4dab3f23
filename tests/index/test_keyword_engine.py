"""The tantivy keyword index (index/backends/keyword_index.py) against the store it mirrors: real tantivy, real SQLite.

The corpus is the two reports in corpus/, cut into documents of 30 lines and
chunked as the index chunks (120 characters): 17 documents, 244 chunks,
stored with their FTS5 tokens by ``Store.replace_document``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from govqa.config import ChunkConfig
from govqa.index.backends.fts5 import Fts5Keywords
from govqa.index.backends.keyword_index import FORMAT_NAME, KEYWORDS_DIR, TantivyKeywords, rows_of
from govqa.index.context import retrieval_text
from govqa.index.keyword import index_text, match_expression, query_tokens
from govqa.index.records import ChunkFilter
from govqa.index.store import Store
from govqa.ingest.build import build_document
from govqa.ingest.chunk import chunk_document
from govqa.ingest.document import Line, RawDocument

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
QUESTIONS = [
    "成都2020年地区生产总值增长多少？",
    "疫情防控期间设置了多少个隔离酒店？",
    "青羊区城市更新有哪些项目",
    "城镇新增就业",
    "双流国际机场 入境 健康监测",
    "公园城市建设",
    "天府国际机场",
    "营商环境 改革",
    "老旧小区改造多少个",
    "教育 医疗 养老",
    "成都 GDP",
    "少城片区",
]


def documents(lines_each: int = 30):
    """(Document, chunks) of the corpus reports, each cut into documents of ``lines_each`` lines."""
    out = []
    for path in sorted(CORPUS.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for part, at in enumerate(range(0, len(lines), lines_each)):
            name = f"{path.stem}-{part:02}.txt"
            raw = RawDocument(
                name=name,
                source=f"/fixtures/{name}",
                lines=[Line(t) for t in lines[at : at + lines_each]],
                meta={"title": path.stem},
            )
            document = build_document(raw)
            chunks = chunk_document(document, ChunkConfig(size=120, overlap=20))
            if chunks:
                out.append((document, chunks))
    return out


def put(store: Store, document, chunks) -> tuple[list[int], list[int]]:
    """Store a document as the local backend does (FTS5 tokens of its retrieval texts); (old ids, new ids)."""
    meta = {"title": document.title, "year": document.year, "region": document.region, "region_path": ""}
    vectors = np.zeros((len(chunks), 4), dtype=np.float32)
    sentences = [([(0, len(c.text))], np.zeros((1, 4), dtype=np.float32)) for c in chunks]
    tokens = [index_text(retrieval_text(meta, c)) for c in chunks]
    return store.replace_document(document, chunks, vectors, tokens, sentences)


def fts5(store: Store, question: str, k: int, names: set[str] | None = None) -> list[tuple[int, float]]:
    """What the local backend answers today: FTS5's BM25 over the same tokens."""
    where = None if names is None else ChunkFilter(frozenset(names))
    return Fts5Keywords(store).search_match(match_expression(query_tokens(question)), k, where)


@pytest.fixture(scope="module")
def corpus():
    return documents()


@pytest.fixture
def filled(tmp_path, corpus):
    """(store, keyword index) holding the whole corpus, the index filled by ``sync``."""
    store = Store(tmp_path / "store.sqlite", 4, create=True)
    for document, chunks in corpus:
        put(store, document, chunks)
    keywords = TantivyKeywords.open(tmp_path, create=True)
    assert keywords.fresh
    assert keywords.sync(store)[0] == store.counts()["chunks"]
    yield store, keywords
    keywords.close()
    store.close()


def assert_agrees(ours: list[tuple[int, float]], theirs: list[tuple[int, float]], k: int, rel: float = 0.05) -> None:
    """Our top k is FTS5's top k, but where the two scorings differ: by less than ``rel`` (5%).

    Same BM25 (k1 1.2, b 0.75) and the same IDF (FTS5's, by boosting tantivy's
    terms), but two lengths differ. tantivy keeps a chunk's length in one byte
    (exact below 40 tokens, then in steps of about 5%, rounded down); and
    FTS5's unicode61 tokenizer splits govqa's tokens again at anything not a
    letter or digit ("6.37" is two tokens to it, a phrase in its query), where
    tantivy takes them as govqa cut them (whitespace only). On this corpus a
    chunk's two scores are within 0.998–1.039 of each other, so chunks whose
    FTS5 scores are that close may swap, and at the k-th place one may give
    way to another; elsewhere the lists are the same.
    """
    assert len(ours) == len(theirs)
    ours_by_id, theirs_by_id = dict(ours), dict(theirs)
    for chunk_id in ours_by_id.keys() & theirs_by_id.keys():
        assert ours_by_id[chunk_id] == pytest.approx(theirs_by_id[chunk_id], rel=rel)
    if len(theirs) == k:
        kth = theirs[-1][1]
        for chunk_id in theirs_by_id.keys() - ours_by_id.keys():  # only ones at the edge give way
            assert theirs_by_id[chunk_id] <= kth * (1 + rel)
        for chunk_id in ours_by_id.keys() - theirs_by_id.keys():
            assert ours_by_id[chunk_id] <= kth * (1 + rel)
    else:
        assert ours_by_id.keys() == theirs_by_id.keys()  # fewer than k matches: the same chunks
    order = [theirs_by_id.get(i) for i, _ in ours if i in theirs_by_id]
    for a, b in zip(order, order[1:], strict=False):
        assert b <= a * (1 + rel)  # in FTS5's order, but for near ties


def test_the_top_10_is_fts5s_but_where_the_scorings_differ(filled):
    store, keywords = filled
    same = 0
    for question in QUESTIONS:
        ours, theirs = keywords.search(question, 10), fts5(store, question, 10)
        assert theirs, question
        assert_agrees(ours, theirs, 10)
        same += [i for i, _ in ours] == [i for i, _ in theirs]
    assert same >= len(QUESTIONS) // 2  # most lists are identical, order included


def test_pruning_finds_what_the_whole_union_finds(filled):
    store, keywords = filled
    for question in QUESTIONS:
        for k in (1, 5, 10, 50):
            pruned = keywords.search(question, k)
            keywords.maxscore = False
            try:
                whole = keywords.search(question, k)
            finally:
                keywords.maxscore = True
            # Words in more than half the chunks add 1e-6 each to FTS5's scores: left out when the rest fill k.
            assert [s for _, s in pruned] == pytest.approx([s for _, s in whole], abs=1e-4)
            assert {i for i, s in pruned if s > whole[-1][1] + 1e-4} <= {i for i, _ in whole}


def test_pruning_on_a_larger_corpus_of_common_and_rare_words(tmp_path, monkeypatch):
    """Enough chunks for the pruning to leave common words out of the walk, checked against the whole union.

    Random words make many exact ties, broken either way: the scores must be
    the same, and the chunks above the k-th score.
    """
    from govqa.index.backends import keyword_index

    splits: list[int] = []
    split_query = keyword_index._split_query
    monkeypatch.setattr(
        keyword_index, "_split_query", lambda q, split, w: splits.append(split) or split_query(q, split, w)
    )
    rng = np.random.default_rng(3)
    vocabulary = [f"w{i}" for i in range(3000)]
    weights = 1.0 / np.arange(1, 3001) ** 1.1  # Zipf: a few words in most chunks, most in few
    weights /= weights.sum()
    lengths = rng.integers(20, 120, size=20000)
    words = rng.choice(vocabulary, size=int(lengths.sum()), p=weights)
    ends = np.cumsum(lengths)
    rows = [
        (i + 1, f"doc{i // 50}", " ".join(words[end - n : end]))
        for i, (n, end) in enumerate(zip(lengths, ends, strict=True))
    ]
    keywords = TantivyKeywords.open(tmp_path, create=True)
    keywords.replace([], rows)
    answered_pruned = 0
    for _ in range(60):
        tokens = list(rng.choice(vocabulary[:40], size=3)) + list(rng.choice(vocabulary[40:600], size=2))
        splits.clear()
        pruned = keywords.search_tokens(tokens, 20)
        answered_pruned += splits[-1] > 0  # the answer came from a walk that left common words out
        keywords.maxscore = False
        whole = keywords.search_tokens(tokens, 20)
        keywords.maxscore = True
        assert [s for _, s in pruned] == pytest.approx([s for _, s in whole], rel=1e-5)
        kth = whole[-1][1] * (1 + 1e-5)
        assert {i for i, s in pruned if s > kth} == {i for i, s in whole if s > kth}
    assert answered_pruned >= 12  # 19 of 60 at this seed: the others needed every list


def test_documents_restrict_the_hits(filled):
    store, keywords = filled
    names = sorted(d.name for d, _ in documents())
    chosen = {names[0], names[3], names[-1]}
    for question in QUESTIONS:
        ours = keywords.search(question, 10, frozenset(chosen))
        assert set(store.chunk_documents([i for i, _ in ours]).values()) <= chosen
        assert_agrees(ours, fts5(store, question, 10, chosen), 10)
    assert keywords.search("公园城市建设", 10, frozenset()) == []
    assert keywords.search("公园城市建设", 10, frozenset({"no-such-document.txt"})) == []


def test_a_question_with_no_words_finds_nothing(filled):
    _, keywords = filled
    assert keywords.search("", 10) == []
    assert keywords.search("是什么？吗", 10) == []  # stopwords and punctuation only
    assert keywords.search("公园城市", 0) == []
    assert keywords.search_tokens(["不存在的词语"], 10) == []


def test_adding_replacing_and_removing_documents(filled):
    store, keywords = filled
    text = "天府新区新建人工智能算力中心三座，\n服务企业两百家。"
    document, chunks = documents_from_text("ai.txt", text)
    old, new = put(store, document, chunks)
    assert old == []
    keywords.replace(old, rows_of(store, new))
    assert keywords.in_step(store)
    assert [i for i, _ in keywords.search("人工智能算力中心", 5)][: len(new)] == new

    document, chunks = documents_from_text("ai.txt", "天府新区建成量子计算实验室。")  # replaced: new ids, old ones gone
    old2, new2 = put(store, document, chunks)
    assert old2 == new
    keywords.replace(old2, rows_of(store, new2))
    assert keywords.in_step(store)
    assert not {i for i, _ in keywords.search("人工智能算力中心", 50)} & set(new)
    assert keywords.search("量子计算实验室", 1)[0][0] == new2[0]

    found, removed = store.remove_documents(["ai.txt"])
    keywords.replace(removed, [])
    assert found == 1 and removed == new2
    assert keywords.in_step(store)
    assert not {i for i, _ in keywords.search("量子计算实验室", 50)} & set(new2)
    # Writing a change twice leaves it once (ids of rows already here are replaced).
    rows = rows_of(store, sorted(store.chunk_ids_of([documents()[0][0].name])))
    keywords.replace([], rows)
    assert keywords.in_step(store)


def documents_from_text(name: str, text: str):
    raw = RawDocument(name=name, source=f"/fixtures/{name}", lines=[Line(t) for t in text.split("\n")], meta={})
    document = build_document(raw)
    return document, chunk_document(document, ChunkConfig(size=120, overlap=20))


@pytest.mark.parametrize("leaf", [4096, 4])
def test_sync_adds_what_the_store_has_and_deletes_what_it_lacks(filled, leaf, monkeypatch):
    """With ``LEAF`` 4 the difference is found by halving id ranges; with 4096 by listing them at once."""
    from govqa.index.backends import keyword_index

    monkeypatch.setattr(keyword_index, "LEAF", leaf)
    store, keywords = filled
    names = sorted(d.name for d, _ in documents())
    # The store moves on without the keyword index: one document removed, one added, one replaced.
    _, removed = store.remove_documents([names[2]])
    document, chunks = documents_from_text("new.txt", "锦江区新建社区食堂二十个，\n服务老年人三万人次。")
    _, added = put(store, document, chunks)
    document, chunks = next((d, c) for d, c in documents() if d.name == names[5])
    replaced_old, replaced_new = put(store, document, chunks)
    assert not keywords.in_step(store)
    assert keywords.sync(store, repair=False) == (0, 0) and not keywords.in_step(store)
    assert keywords.sync(store) == (len(added) + len(replaced_new), len(removed) + len(replaced_old))
    assert keywords.in_step(store)
    assert keywords.sync(store) == (0, 0)
    stored = set(store.chunk_ids_of([name for name, *_ in store.facets()]))
    for question in QUESTIONS:
        assert {i for i, _ in keywords.search(question, 50)} <= stored
    assert keywords.search("社区食堂", 1)[0][0] == added[0]
    # Scores are not compared with FTS5's here: a sixth of this small corpus was deleted, and tantivy counts
    # deleted chunks in N, in a word's n and in the average length until a merge rewrites their segment.


def test_rebuild_writes_the_store_anew(filled):
    store, keywords = filled
    _, removed = store.remove_documents([sorted(d.name for d, _ in documents())[1]])
    assert not keywords.in_step(store)
    assert keywords.rebuild(store) == store.counts()["chunks"]
    assert keywords.in_step(store) and keywords.disk_bytes() > 0
    for question in QUESTIONS:  # no deleted chunk lingers in the statistics: FTS5's scores again
        assert_agrees(keywords.search(question, 10), fts5(store, question, 10), 10)
        assert not {i for i, _ in keywords.search(question, 50)} & set(removed)


def test_a_damaged_keyword_index_is_made_anew_and_filled(filled, tmp_path, caplog):
    store, keywords = filled
    keywords.close()
    (tmp_path / KEYWORDS_DIR / "meta.json").write_text("{ not json", encoding="utf-8")
    again = TantivyKeywords.open(tmp_path)
    assert again.fresh and again.count() == 0
    assert "unusable" in caplog.text
    again.sync(store)
    assert again.in_step(store)
    assert again.search("公园城市建设", 10) and TantivyKeywords.open(tmp_path).fresh is False


def test_a_read_only_folder_is_searched_through_a_private_copy(filled, tmp_path, monkeypatch):
    """tantivy takes a lock file even to read: in a folder it cannot write, a copy of its own is searched."""
    from govqa.index.backends import keyword_index

    store, keywords = filled
    monkeypatch.setattr(keyword_index, "_writable", lambda directory, path: False)
    files = sorted(p.name for p in (tmp_path / KEYWORDS_DIR).iterdir())
    copy = TantivyKeywords.open(tmp_path)
    assert copy.private is not None and not copy.fresh
    assert copy.search("公园城市建设", 10) == keywords.search("公园城市建设", 10)
    copy.close()
    assert not copy.path.exists()
    # A read-only index made before the keyword index: filled from the store, in the copy.
    bare = tmp_path / "bare"
    bare.mkdir()
    made = TantivyKeywords.open(bare)
    assert made.fresh and made.private is not None
    made.sync(store)
    assert made.in_step(store) and not (bare / KEYWORDS_DIR).exists()
    made.close()
    assert sorted(p.name for p in (tmp_path / KEYWORDS_DIR).iterdir()) == files


def test_its_files_are_as_readable_as_the_folders_other_files(filled, tmp_path):
    """tantivy writes meta.json through a temporary file, created 0600: a server running as another user
    than the builder could not open the index. They take the format marker's mode (the umask's)."""
    store, keywords = filled
    folder = tmp_path / KEYWORDS_DIR
    marker = (folder / FORMAT_NAME).stat().st_mode & 0o777
    document, chunks = documents_from_text("perm.txt", "郫都区新建川菜产业园一座。")
    old, new = put(store, document, chunks)
    keywords.replace(old, rows_of(store, new))
    assert marker & 0o044  # the umask of a test run lets others read
    assert {name: (folder / name).stat().st_mode & 0o777 for name in ("meta.json", ".managed.json")} == {
        "meta.json": marker,
        ".managed.json": marker,
    }


def test_another_instance_sees_a_commit_after_refresh(filled, tmp_path):
    store, keywords = filled
    reader = TantivyKeywords.open(tmp_path)
    document, chunks = documents_from_text("late.txt", "温江区新建花卉博览园一座。")
    old, new = put(store, document, chunks)
    keywords.replace(old, rows_of(store, new))
    assert reader.search("花卉博览园", 5) == []  # its searcher is of the commit before
    reader.refresh()
    assert reader.search("花卉博览园", 5)[0][0] == new[0]


def test_searches_run_while_a_writer_commits(filled):
    store, keywords = filled
    baseline = {i for i, _ in keywords.search("公园城市建设", 50)}
    errors: list[BaseException] = []
    seen: list[set[int]] = []
    stop = threading.Event()

    def search() -> None:
        try:
            while not stop.is_set():
                seen.append({i for i, _ in keywords.search("公园城市建设 新区", 50)})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    readers = [threading.Thread(target=search) for _ in range(3)]
    for reader in readers:
        reader.start()
    written: list[int] = []
    try:
        for n in range(8):
            document, chunks = documents_from_text(f"park{n}.txt", f"公园城市建设第{n}批新区项目开工。")
            old, new = put(store, document, chunks)
            keywords.replace(old, rows_of(store, new))
            written += new
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert not errors
    assert len(seen) > 8
    possible = baseline | set(written) | set(store.chunk_ids_of([d.name for d, _ in documents()]))
    assert all(ids <= possible for ids in seen)
    assert set(written) <= {i for i, _ in keywords.search("公园城市建设 新区 项目 开工", 50)}


# A process that adds documents as the local backend will (store commit, then keyword commit) until killed.
WRITER = """
import sys
import numpy as np
from pathlib import Path
from govqa.index.backends.keyword_index import TantivyKeywords, rows_of
from govqa.index.store import Store
sys.path.insert(0, {tests!r})
from test_keyword_engine import documents_from_text, put

folder = Path(sys.argv[1])
store = Store(folder / "store.sqlite", 4)
keywords = TantivyKeywords.open(folder)
mode = sys.argv[2]
if mode == "midwrite":
    # Hold tantivy's writer open with a large uncommitted batch on disk and in memory.
    def batches():
        for b in range(40):
            yield [(10_000_000 + b * 5000 + i, "ghost.txt", " ".join(f"g{{(i * 7 + j) % 997}}" for j in range(60)))
                   for i in range(5000)]
            if b == 20:
                print("MIDWRITE", flush=True)
                import time; time.sleep(600)
    keywords._apply([], batches())
else:
    n = 0
    while True:
        document, chunks = documents_from_text(f"w{{n}}.txt", f"第{{n}}号文件：高新区新建产业园{{n}}个。\\n" * 4)
        old, new = put(store, document, chunks)
        keywords.replace(old, rows_of(store, new))
        print("COMMITTED", n, flush=True)
        n += 1
"""


@pytest.mark.parametrize("mode", ["midwrite", "loop"])
def test_a_writer_killed_midway_leaves_an_index_that_opens_and_is_repaired(filled, tmp_path, mode):
    store, keywords = filled
    before = keywords.fingerprint()
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(WRITER.format(tests=str(Path(__file__).parent))), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))}
    child = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path), mode], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        wanted = "MIDWRITE" if mode == "midwrite" else "COMMITTED 5"
        for line in child.stdout:  # type: ignore[union-attr]
            if line.startswith(wanted):
                break
        else:
            pytest.fail(f"the writer ended before {wanted}")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    reopened = TantivyKeywords.open(tmp_path)
    assert not reopened.fresh  # the last commit is intact
    if mode == "midwrite":
        assert reopened.fingerprint() == before  # nothing of the uncommitted batch
        assert reopened.search_tokens(["g5"], 5) == []
    else:
        assert reopened.count() >= before[0] + 5  # the documents it committed
    reopened.sync(store)
    assert reopened.in_step(store)
    reopened.replace([], [])  # tantivy's writer lock is free again
    for question in QUESTIONS[:4]:
        assert_agrees(reopened.search(question, 10), fts5(store, question, 10), 10)
