"""Load benchmark: many staff at once against one ``govqa serve`` (a script that prints figures, not a test).

Starts ``govqa serve`` on an index (building it from the corpus on first start),
then for each endpoint (/api/search, /api/ask) and each client count runs that
many closed-loop clients for ``--seconds``, and prints throughput, p50/p95/p99
latency, 503 refusals (back-pressure) and errors. Last, it measures search under
stress against its idle p95 (``--upload-clients`` clients for 10 s): while the
``--upload`` files are added (and the slowest /api/health meanwhile); while
``--idle-connections`` connections each send ``POST /api/search`` headers with
``Content-Length: 100`` and then nothing (reopened whenever the server closes
one, so they are held for the whole run); and while a CSV of ``--csv-rows``
short rows (made here, one document per row) is uploaded and indexed, for at
most ``--csv-seconds`` (then cancelled where the server can). It only speaks
HTTP, so the same script measures an older checkout (``--server-cwd``).

    python bench/load.py --index /tmp/idx --clients 1,10,50 --seconds 20 --upload a.txt b.docx
    python bench/load.py --index /tmp/idx --idle-connections 2 --csv-rows 10000   # the two stress scenarios
    python bench/load.py --server-cwd /work/old-checkout ...   # the same load against another checkout
    python bench/load.py --index /tmp/idx --clients '' --memory 100   # the server's RSS after 100 questions

Clients run as asyncio tasks with httpx in this process; the server runs in
its own process. On a 2-core machine both compete for the CPU: compare runs of
the same machine and read the ratios more than the times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "大运会有哪些场馆",
    "2019年成都地区生产总值是多少",
    "青羊区重点抓好哪八个方面工作",
    "垃圾怎么处理",
    "新增就业多少人",
    "成都常态化疫情防控机制包括哪几个环节",
    "疫情期间成都设置了多少家定点医院",
    "天府国际机场什么时候投运",
    "青羊区源城片区要加快建设哪个TOD项目",
    "成都如何发展夜间经济",
]


@dataclass
class Tally:
    """Latencies (ms) of successful requests, and counts of refusals and failures."""

    latencies: list[float] = field(default_factory=list)
    refused: int = 0  # 503 with Retry-After: back-pressure, answered at once
    errors: dict[str, int] = field(default_factory=dict)
    slowest_refusal_ms: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def line(self, label: str, seconds: float) -> str:
        done = len(self.latencies)
        q = percentiles(self.latencies)
        errors = ", ".join(f"{k}={v}" for k, v in sorted(self.errors.items())) or "0"
        refused = f"  503={self.refused} (slowest {self.slowest_refusal_ms:.0f} ms)" if self.refused else ""
        return (
            f"{label:28} {done / seconds:7.2f}/s  p50 {q[50]:7.0f} ms  p95 {q[95]:7.0f} ms  "
            f"p99 {q[99]:7.0f} ms  errors {errors}{refused}"
        )


def percentiles(values: list[float]) -> dict[int, float]:
    """p50/p95/p99 (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return {50: float("nan"), 95: float("nan"), 99: float("nan")}
    ordered = sorted(values)
    return {p: ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] for p in (50, 95, 99)}


async def closed_loop(client: httpx.AsyncClient, path: str, clients: int, seconds: float, tally: Tally) -> None:
    """``clients`` tasks, each sending its next request when the previous one is answered."""
    deadline = time.monotonic() + seconds

    async def one(worker: int) -> None:
        n = worker
        while time.monotonic() < deadline:
            question = QUESTIONS[n % len(QUESTIONS)]
            n += clients
            started = time.perf_counter()
            try:
                response = await client.get(path, params={"q": question, "k": 5})
            except httpx.TimeoutException:
                tally.error("timeout")
                continue
            except httpx.HTTPError as exc:
                tally.error(type(exc).__name__)
                await asyncio.sleep(0.05)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code == 200:
                tally.latencies.append(elapsed)
            elif response.status_code == 503 and "retry-after" in response.headers:
                tally.refused += 1
                tally.slowest_refusal_ms = max(tally.slowest_refusal_ms, elapsed)
                await asyncio.sleep(min(float(response.headers["retry-after"]), 1.0))
            else:
                tally.error(str(response.status_code))

    await asyncio.gather(*(one(i) for i in range(clients)))


ENDED = ("done", "failed", "cancelled")


async def job_state(client: httpx.AsyncClient, job: dict) -> dict:
    """The job's state: from ``/api/jobs`` when the server lists jobs (without each document), else its own URL."""
    listed = await client.get("/api/jobs")
    if listed.status_code == 200:
        for state in listed.json().get("jobs", []):
            if state.get("job") == job["job"]:
                return state
    return (await client.get(job.get("status_url") or f"/api/jobs/{job['job']}")).json()


def progress(state: dict) -> str:
    """What a job has done: documents where the server says, else files."""
    if "documents_done" in state:
        total = state.get("documents_total")
        return f"{state['documents_done']:,} of {f'{total:,}' if total is not None else '?'} documents"
    return f"{state.get('done', '?')} of {state.get('total', '?')} files"


async def upload_and_wait(client: httpx.AsyncClient, payload: list, limit: float = 3600) -> tuple[float, str]:
    """Upload ``payload``; wait for a background job to end when the server answers 202, at most ``limit`` s (then
    cancel it where the server can). Returns (s, outcome)."""
    started = time.monotonic()
    response = await client.post("/api/documents", files=payload, timeout=3600)
    if response.status_code != 202:
        return time.monotonic() - started, f"HTTP {response.status_code}"
    job = response.json()
    while time.monotonic() - started < limit:
        await asyncio.sleep(0.5)
        try:
            state = await job_state(client, job)
        except httpx.TransportError:  # a kept-alive connection the server closed meanwhile: ask again
            continue
        if state.get("state") in ENDED:
            return time.monotonic() - started, f"{state['state']}, {progress(state)}"
    seconds = time.monotonic() - started
    cancel = await client.delete(job.get("status_url") or f"/api/jobs/{job['job']}", timeout=30)
    state = await job_state(client, job)
    stopped = "cancelled" if cancel.status_code < 300 else f"not cancelled (HTTP {cancel.status_code}), still running"
    return seconds, f"stopped after {limit:.0f} s with {progress(state)} indexed, {stopped}"


def ratio(busy: Tally, idle: Tally) -> float:
    """``busy``'s p95 over ``idle``'s; NaN without both."""
    idle_p95, busy_p95 = percentiles(idle.latencies)[95], percentiles(busy.latencies)[95]
    return busy_p95 / idle_p95 if idle_p95 == idle_p95 and idle_p95 else float("nan")


async def during_upload(
    client: httpx.AsyncClient, payload: list, what: str, clients: int, idle: Tally, limit: float = 3600
) -> list[str]:
    """Search p95 while ``payload`` uploads and indexes (at most ``limit`` s) against ``idle``'s; the slowest
    /api/health meanwhile."""
    busy, health = Tally(), Tally()
    upload = asyncio.create_task(upload_and_wait(client, payload, limit))

    async def search_until_done() -> None:
        while not upload.done():
            await closed_loop(client, "/api/search", clients, 2, busy)

    async def health_until_done() -> None:
        while not upload.done():
            started = time.perf_counter()
            try:
                await client.get("/api/health")
                health.latencies.append((time.perf_counter() - started) * 1000)
            except httpx.HTTPError as exc:
                health.error(type(exc).__name__)
            await asyncio.sleep(0.5)

    await asyncio.gather(search_until_done(), health_until_done())
    seconds, outcome = upload.result()
    return [
        busy.line(f"search during {what}", max(seconds, 1e-9)),
        f"{what}: {seconds:.1f} s ({outcome}); search p95 during/idle {ratio(busy, idle):.2f}x; "
        f"slowest /api/health {max(health.latencies, default=float('nan')):.0f} ms",
    ]


def csv_export(rows: int) -> bytes:
    """A CSV export as the CSV loader reads it (``title,year,full_text``, one document per row) of ``rows`` short,
    distinct reports."""
    lines = ["title,year,full_text"]
    for i in range(1, rows + 1):
        lines.append(
            f"第{i}号工作通报,2025,第{i}号工作通报：本季度新增城镇就业{i}人，"
            f"完成固定资产投资{i % 97 + 1}亿元，办结群众诉求{i * 3}件。"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


async def hold_idle(base: str, stop: asyncio.Event, closed: list[tuple[str, float]]) -> None:
    """One connection that sends ``POST /api/search`` headers with ``Content-Length: 100`` and then nothing, until
    ``stop``; reopened whenever the server closes it (its first answer line and the seconds held go to ``closed``)."""
    url = httpx.URL(base)
    head = (
        f"POST /api/search HTTP/1.1\r\nHost: {url.host}:{url.port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    ).encode()
    while not stop.is_set():
        opened = time.monotonic()
        try:
            reader, writer = await asyncio.open_connection(url.host, url.port)
        except OSError as exc:
            closed.append((f"connect failed: {type(exc).__name__}", 0.0))
            await asyncio.sleep(0.1)
            continue
        try:
            writer.write(head)
            await writer.drain()
            answer = asyncio.ensure_future(reader.readline())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({answer, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if answer.done():
                line = answer.result().decode(errors="replace").strip() if not answer.exception() else ""
                closed.append((line or "closed without an answer", time.monotonic() - opened))
            else:
                answer.cancel()
        except OSError as exc:
            closed.append((f"{type(exc).__name__}", time.monotonic() - opened))
        finally:
            writer.close()


async def with_idle_connections(
    client: httpx.AsyncClient, base: str, count: int, clients: int, seconds: float, idle: Tally
) -> list[str]:
    """Search p95 while ``count`` idle connections are held open (``hold_idle``) against ``idle``'s."""
    stop, closed = asyncio.Event(), []
    holders = [asyncio.create_task(hold_idle(base, stop, closed)) for _ in range(count)]
    await asyncio.sleep(0.5)  # their headers are in before the first search
    busy = Tally()
    await closed_loop(client, "/api/search", clients, seconds, busy)
    stop.set()
    await asyncio.gather(*holders)
    answers: dict[str, list[float]] = {}
    for line, held in closed:
        answers.setdefault(line, []).append(held)
    by_server = "; ".join(
        f"{len(held)} x {line!r} after {sum(held) / len(held):.1f} s on average" for line, held in answers.items()
    )
    return [
        busy.line(f"search, {count} idle connections", seconds),
        f"{count} idle connections held for {seconds:.0f} s: search p95 during/idle {ratio(busy, idle):.2f}x; "
        f"closed by the server: {by_server or 'never'}",
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen:
    """``govqa serve`` in its own process (from ``--server-cwd`` when given), logging to a file."""
    cwd = Path(args.server_cwd or ROOT)
    env = dict(os.environ, PYTHONPATH=str(cwd), HF_HUB_OFFLINE="1", GOVQA_INDEX=str(args.index))
    env.pop("GOVQA_CONFIG", None)
    log = open(Path(args.work) / "server.log", "w")  # noqa: SIM115 (closed with the process)
    command = [
        sys.executable,
        "-c",
        "from govqa.cli import app; app()",
        "serve",
        "--port",
        str(port),
        "--index",
        str(args.index),
    ]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)


async def wait_ready(base: str, timeout: float = 1800) -> dict:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                health = (await client.get("/api/health")).json()
                if health.get("status") == "ok":
                    return health
                if health.get("status") == "error":
                    raise SystemExit(f"the server could not open its index: {health.get('message')}")
            except httpx.HTTPError:
                pass
            await asyncio.sleep(1)
    raise SystemExit("the server did not become ready")


def memory_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak resident) of process ``pid`` in MB, from /proc/PID/status (Linux); (0, 0) elsewhere."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
        )
    except OSError:
        return 0.0, 0.0
    return tuple(int(fields.get(k, "0 kB").split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))


async def memory_after_questions(client: httpx.AsyncClient, pid: int, count: int) -> str:
    """Ask ``count`` questions one after another, then the server's memory."""
    started = memory_mb(pid)
    for i in range(count):
        (await client.get("/api/ask", params={"q": QUESTIONS[i % len(QUESTIONS)]})).raise_for_status()
    now, peak = memory_mb(pid)
    return (
        f"server memory: {started[0]:.0f} MB when ready; after {count} questions (/api/ask, one at a time) "
        f"{now:.0f} MB, peak {peak:.0f} MB"
    )


async def main_async(args: argparse.Namespace, base: str, pid: int) -> None:
    health = await wait_ready(base)
    print(
        f"server ready: {health['documents']} documents, {health['chunks']} chunks; "
        f"{os.cpu_count()} cores; {args.seconds:.0f} s per run",
        flush=True,
    )
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    async with httpx.AsyncClient(base_url=base, timeout=args.timeout, limits=limits) as client:
        if args.memory:
            print(await memory_after_questions(client, pid, args.memory), flush=True)
        if args.clients:
            await closed_loop(client, "/api/ask", 1, 3, Tally())  # warm-up
        for path in ("/api/search", "/api/ask"):
            for clients in args.clients:
                tally = Tally()
                await closed_loop(client, path, clients, args.seconds, tally)
                print(tally.line(f"{path}, {clients} client(s)", args.seconds), flush=True)
        if args.upload or args.idle_connections or args.csv_rows:
            idle = Tally()
            await closed_loop(client, "/api/search", args.upload_clients, 10, idle)
            print(idle.line(f"search idle, {args.upload_clients} clients", 10), flush=True)
        if args.upload:
            payload = [("files", (f.name, f.read_bytes())) for f in args.upload]
            what = f"upload of {len(args.upload)} file(s)"
            for line in await during_upload(client, payload, what, args.upload_clients, idle):
                print(line, flush=True)
        if args.idle_connections:
            for line in await with_idle_connections(
                client, base, args.idle_connections, args.upload_clients, args.seconds, idle
            ):
                print(line, flush=True)
        if args.csv_rows:  # last: it may leave the server indexing
            payload = [("files", (f"rows-{args.csv_rows}.csv", csv_export(args.csv_rows)))]
            what = f"upload of a {args.csv_rows:,}-row CSV"
            for line in await during_upload(client, payload, what, args.upload_clients, idle, args.csv_seconds):
                print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="index folder (default: a fresh copy built from corpus/)")
    parser.add_argument("--clients", default="1,10,50", help="client counts, comma-separated ('' for none)")
    parser.add_argument("--memory", type=int, default=0, help="first ask N questions and print the server's RSS")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each run")
    parser.add_argument("--timeout", type=float, default=60.0, help="a request slower than this is an error")
    parser.add_argument("--upload", type=Path, nargs="*", default=[], help="files to upload during searches")
    parser.add_argument("--upload-clients", type=int, default=4, help="search clients under stress (and idle)")
    parser.add_argument(
        "--idle-connections", type=int, default=0, help="search while N connections send headers and then nothing"
    )
    parser.add_argument("--csv-rows", type=int, default=0, help="search while a CSV of N short rows uploads")
    parser.add_argument("--csv-seconds", type=float, default=600.0, help="then cancel the CSV's job (if still on)")
    parser.add_argument("--server-cwd", help="run the server from this checkout (default: this one)")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    args.work = tempfile.mkdtemp(prefix="govqa-load-")
    if args.index is None:
        args.index = Path(args.work) / "index"
    elif (args.upload or args.csv_rows) and args.index.exists():  # uploads change the index: work on a copy
        copy = Path(args.work) / "index"
        shutil.copytree(args.index, copy)
        args.index = copy
    port = free_port()
    server = start_server(args, port)
    try:
        asyncio.run(main_async(args, f"http://127.0.0.1:{port}", server.pid))
    finally:
        stopped = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
            print(f"server stopped {time.monotonic() - stopped:.1f} s after SIGTERM")
        except subprocess.TimeoutExpired:
            server.kill()
            print("server did not stop within 30 s of SIGTERM: killed")
        print(f"server log: {Path(args.work) / 'server.log'}")
        print(json.dumps({"index": str(args.index)}))


if __name__ == "__main__":
    main()
