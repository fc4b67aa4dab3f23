"""bench/load.py's stress pieces work on small inputs (the script itself needs a model and minutes), so they cannot rot."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

from govqa.ingest.loaders.table import CsvLoader
from govqa.ingest.settings import IngestConfig

ROOT = Path(__file__).resolve().parents[2]


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_csv_is_read_as_one_short_distinct_document_per_row_and_10000_rows_fit_the_limit(tmp_path):
    bench = load_bench()
    path = tmp_path / "rows.csv"
    path.write_bytes(bench.csv_export(60))
    documents = list(CsvLoader().load(path))
    texts = ["".join(line.text for line in d.lines) for d in documents]
    assert len(documents) == 60 and len(set(texts)) == 60
    assert documents[59].meta["title"] == "第60号工作通报" and all(20 < len(t) < 100 for t in texts)
    path.write_bytes(bench.csv_export(10_000))
    with path.open("rb") as handle:
        CsvLoader(limits=IngestConfig()).check(handle, path.name)  # at the default [ingest] max_rows, not over


def test_an_idle_connection_sends_headers_only_and_is_reopened_whenever_the_server_closes_it():
    bench = load_bench()
    received: list[bytes] = []

    async def impatient(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        try:
            await asyncio.wait_for(reader.read(1), 0.2)  # the body never comes
        except TimeoutError:
            writer.write(b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n\r\n")
        writer.close()

    async def run() -> list[tuple[str, float]]:
        server = await asyncio.start_server(impatient, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        stop, closed = asyncio.Event(), []
        holder = asyncio.create_task(bench.hold_idle(f"http://127.0.0.1:{port}", stop, closed))
        await asyncio.sleep(0.7)
        stop.set()
        await holder
        server.close()
        return closed

    closed = asyncio.run(run())
    assert len(closed) >= 2 and len(received) == len(closed) + 1  # the last one was open when stopped
    assert all(line == "HTTP/1.1 408 Request Timeout" and 0.15 < held < 1 for line, held in closed)
    head = received[0].decode()
    assert head.startswith("POST /api/search HTTP/1.1\r\n") and "Content-Length: 100\r\n" in head


def test_a_job_progress_reads_the_new_and_the_old_job_json():
    bench = load_bench()
    assert bench.progress({"documents_done": 10_000, "documents_total": 10_000}) == "10,000 of 10,000 documents"
    assert bench.progress({"documents_done": 3, "documents_total": None}) == "3 of ? documents"
    assert bench.progress({"state": "running", "done": 0, "total": 1}) == "0 of 1 files"  # before the durable jobs
