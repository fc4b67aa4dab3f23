"""Milvus Lite: one library of 4 (or 3 of 4) searched by doc in [names] (govqa's) or a library field; a partition key.

    python bench/milvus_library_filter.py     # 12,000 random 384-d chunks of 112 documents in 4 libraries

Why govqa's Milvus backend keeps the library in the documents' meta and filters chunks by ``doc in [...]``
(docs/architecture.md): Milvus Lite refuses a search filtered on a partition-key field ("Invalid expr …
invalid parameter"), and a library field on the chunks, though a little faster, cannot be added to the
collections of an existing index (Milvus 2.5) and would have to be rewritten on every move.
"""

import tempfile
import time

import numpy as np
from pymilvus import DataType, MilvusClient

c = MilvusClient(f"{tempfile.mkdtemp(prefix='govqa-milvus-')}/lite.db")
N, D, DOCS = 12000, 384, 112
rng = np.random.default_rng(1)
vecs = rng.standard_normal((N, D)).astype(np.float32)
vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
docs = [f"doc{i:03d}.txt" for i in range(DOCS)]
libs = ["jia", "yi", "bing", "ding"]
rows = [{"id": i, "doc": docs[i % DOCS], "library": libs[(i % DOCS) % 4], "vector": vecs[i].tolist()} for i in range(N)]


def make(name, partition_key):
    if c.has_collection(name):
        c.drop_collection(name)
    s = c.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("id", DataType.INT64, is_primary=True)
    s.add_field("doc", DataType.VARCHAR, max_length=256)
    s.add_field("library", DataType.VARCHAR, max_length=64, is_partition_key=partition_key)
    s.add_field("vector", DataType.FLOAT_VECTOR, dim=D)
    ip = c.prepare_index_params()
    ip.add_index("vector", index_type="FLAT", metric_type="IP")
    kw = {"num_partitions": 16} if partition_key else {}
    c.create_collection(name, schema=s, index_params=ip, consistency_level="Strong", **kw)
    for a in range(0, N, 2000):
        c.insert(name, rows[a : a + 2000])
    c.flush(name)
    c.load_collection(name)


make("plain", False)
try:
    make("pkey", True)
    c.search("pkey", [vecs[0].tolist()], limit=5, filter='library == "ding"', anns_field="vector")
    print("partition key: ok")
except Exception as e:
    print("partition key:", str(e)[:160])
queries = rng.standard_normal((100, D)).astype(np.float32)
one_docs = [d for i, d in enumerate(docs) if i % 4 == 3]
three_docs = [d for i, d in enumerate(docs) if i % 4 != 0]


def q(v):
    return "[" + ", ".join(f'"{x}"' for x in v) + "]"


cases = {
    "no filter (plain)": ("plain", ""),
    "1 library: doc in [28 names] (govqa)": ("plain", f"doc in {q(one_docs)}"),
    "1 library: library == field": ("plain", 'library == "ding"'),
    "3 libraries: doc in [84 names] (govqa)": ("plain", f"doc in {q(three_docs)}"),
    "3 libraries: library in field": ("plain", 'library in ["乙", "丙", "ding"]'),
}
for label, (coll, flt) in cases.items():
    for v in queries[:5]:
        c.search(coll, [v.tolist()], limit=50, filter=flt, anns_field="vector")
    t = []
    for v in queries:
        s = time.perf_counter()
        c.search(coll, [v.tolist()], limit=50, filter=flt, anns_field="vector")
        t.append((time.perf_counter() - s) * 1000)
    t.sort()
    print(f"{label:42} p50 {t[50]:6.2f} ms  p95 {t[95]:6.2f} ms")
