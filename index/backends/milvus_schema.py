"""The Milvus backend's three collections, ``{prefix}_chunks``, ``{prefix}_sentences`` and ``{prefix}_documents``.

chunks: one row per chunk: its id, document, position, shown text, the
    retrieval text as govqa's jieba tokens (``index.keyword.index_text``,
    split on whitespace by Milvus) with a BM25 function into a sparse field
    (Milvus full-text search), the context-prefixed dense vector
    (inner product), and the citation and facet fields (title, year, region,
    region path, section, page, offsets), so a search needs no second lookup.
sentences: one row per sentence of a chunk: chunk id, document, order,
    span, and its float16 vector (what ``qa`` weighs for the verdict and
    highlight); looked up by chunk id, never searched by vector.
documents: one row per 16,000-character part of a document's cleaned text
    (a VARCHAR holds at most 65,535 bytes); part 0 also carries the
    metadata, content hash and chunk count. Milvus needs a vector field in
    every collection: a 2-d placeholder of zeros.

Milvus has no null in 2.5 Lite: an unknown year or page is stored as 0.
Sources: Milvus 2.5 docs, "Full Text Search" (BM25 function, ``enable_analyzer``),
"Whitespace" tokenizer, "Limits" (VARCHAR 65,535 bytes).
"""

from __future__ import annotations

from govqa.index.errors import IndexMismatchError

CHUNKS, SENTENCES, DOCUMENTS = "chunks", "sentences", "documents"
PART_CHARS = 16_000  # 4 bytes per character at worst: within a VARCHAR's 65,535 bytes
ANALYZER = {"tokenizer": "whitespace"}
NAME_BYTES, TEXT_BYTES = 1024, 65_535
PLACEHOLDER_DIM = 2


def collection_names(prefix: str) -> dict[str, str]:
    """{"chunks": "govqa_chunks", …} for a collection prefix."""
    return {kind: f"{prefix}_{kind}" for kind in (CHUNKS, SENTENCES, DOCUMENTS)}


def _chunks_schema(client, dimension: int, lite: bool, vector_index: str):
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("doc", DataType.VARCHAR, max_length=NAME_BYTES)
    schema.add_field("position", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field(
        "search_text", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True, analyzer_params=ANALYZER
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("title", DataType.VARCHAR, max_length=4096)
    schema.add_field("year", DataType.INT64)
    schema.add_field("region", DataType.VARCHAR, max_length=NAME_BYTES)
    schema.add_field("region_path", DataType.VARCHAR, max_length=NAME_BYTES)
    schema.add_field("section", DataType.VARCHAR, max_length=TEXT_BYTES)
    for name in ("page", "page_end", "start", "end"):
        schema.add_field(name, DataType.INT64)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["search_text"],
            output_field_names=["sparse"],
        )
    )
    index = client.prepare_index_params()
    index.add_index("vector", index_type=vector_index, metric_type="IP")
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    return schema, index


def _sentences_schema(client, dimension: int, lite: bool, vector_index: str):
    from pymilvus import DataType

    schema = client.create_schema(auto_id=True, enable_dynamic_field=False)
    schema.add_field("sid", DataType.INT64, is_primary=True)
    schema.add_field("chunk", DataType.INT64)
    schema.add_field("doc", DataType.VARCHAR, max_length=NAME_BYTES)
    for name in ("seq", "start", "end"):
        schema.add_field(name, DataType.INT64)
    schema.add_field("vector", DataType.FLOAT16_VECTOR, dim=dimension)  # the bare sentence
    schema.add_field("context", DataType.FLOAT16_VECTOR, dim=dimension)  # behind its chunk's title › section
    index = client.prepare_index_params()
    # Milvus loads a collection only with every vector field indexed; nothing searches these by vector, so
    # FLAT (nothing to build) everywhere.
    for field in ("vector", "context"):
        index.add_index(field, index_type="FLAT", metric_type="IP")
    if not lite:  # looked up by chunk id at every question
        index.add_index("chunk", index_type="INVERTED")
    return schema, index


def _documents_schema(client, dimension: int, lite: bool, vector_index: str):
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("key", DataType.VARCHAR, is_primary=True, max_length=NAME_BYTES + 16)
    schema.add_field("name", DataType.VARCHAR, max_length=NAME_BYTES)
    schema.add_field("part", DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("source", DataType.VARCHAR, max_length=4096)
    schema.add_field("title", DataType.VARCHAR, max_length=4096)
    schema.add_field("year", DataType.INT64)
    schema.add_field("region", DataType.VARCHAR, max_length=NAME_BYTES)
    schema.add_field("region_path", DataType.VARCHAR, max_length=NAME_BYTES)
    schema.add_field("content_hash", DataType.VARCHAR, max_length=256)
    schema.add_field("chars", DataType.INT64)
    schema.add_field("chunks", DataType.INT64)
    schema.add_field("meta", DataType.JSON)
    schema.add_field("structure", DataType.JSON)
    schema.add_field("added_at", DataType.VARCHAR, max_length=64)
    schema.add_field("placeholder", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
    index = client.prepare_index_params()
    index.add_index("placeholder", index_type="FLAT", metric_type="L2")
    return schema, index


_SCHEMAS = {CHUNKS: _chunks_schema, SENTENCES: _sentences_schema, DOCUMENTS: _documents_schema}


def ensure_collections(
    client, prefix: str, dimension: int, create: bool, lite: bool, vector_index: str = "FLAT"
) -> dict[str, str]:
    """Make (with ``create``) and load the three collections; their names by kind.

    Existing collections are reused (a second server or worker sharing the
    cluster); ``IndexMismatchError`` when they hold vectors of another
    dimension, or, without ``create``, when they are missing. A collection is
    made first and its indexes next, each only where missing: two servers
    starting at once both get there, and a collection left without an index
    (its build failed: a type Milvus refused) gets it at the next start.
    ``MilvusException`` when Milvus refuses the collection or an index.
    """
    from pymilvus.exceptions import MilvusException

    names = collection_names(prefix)
    for kind, name in names.items():
        schema, indexes = _SCHEMAS[kind](client, dimension, lite, vector_index)
        if not client.has_collection(name):
            if not create:
                raise IndexMismatchError(
                    f"no collection {name}",
                    "check [index.milvus] uri and collection (they must name the Milvus and prefix the index was"
                    " built in); if they do, its data is gone: build it again with `govqa index add PATH… --index DIR`",
                )
            try:
                client.create_collection(name, schema=schema, consistency_level="Strong")
            except MilvusException:
                if not client.has_collection(name):  # not another server making it at the same moment
                    raise
        elif kind != DOCUMENTS:
            _check_dimension(client, name, dimension)
        _ensure_indexes(client, name, indexes)
        client.load_collection(name)
    return names


def _ensure_indexes(client, name: str, indexes) -> None:
    """Build each of ``indexes`` (pymilvus ``IndexParams``) that the collection lacks (the same one twice is a no-op)."""
    from pymilvus.milvus_client.index import IndexParams

    for index in indexes:
        if not client.list_indexes(name, field_name=index.field_name):
            client.create_index(name, IndexParams([index]))


def _check_dimension(client, name: str, dimension: int) -> None:
    for field in client.describe_collection(name)["fields"]:
        if field["name"] == "vector" and int(field.get("params", {}).get("dim", dimension)) != dimension:
            raise IndexMismatchError(
                f"Milvus collection {name} holds {field['params']['dim']}-d vectors, the model makes {dimension}-d",
                "set [index.milvus] collection to a new prefix for this model",
            )
