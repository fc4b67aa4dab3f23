"""The question path's work, counted through the real app on a real index (a script that prints figures, not a test).

    python bench/question_path.py --index DIR [--questions eval/sets/reports-111.jsonl] [--limit N] [--json]

``--index`` is copied to a temporary folder first and only the copy is opened
and written: the folder given is never changed. On the copy it opens the app as
``govqa serve`` does (``create_app`` over a ``Service``, through a FastAPI
``TestClient``) and, once ``/api/health`` says ok:

1. asks every question of the set with ``GET /api/ask`` (k=5), and half of them
   a second time with a ``region``/``year`` filter taken from the gold report's
   facets; per request it counts the index's facet reads (``Store.facets``, which
   ``Index.document_facets`` calls once per index generation), the SQLite facet
   scans (``Store.all_facets`` + ``Store.facets_after``), the highlight's
   ``score_sentences`` / ``best_sentences`` / ``pick`` calls and the passages
   returned, and checks them (as ``tests/web/test_question_path.py`` does on a tiny
   fixture);
2. keeps asking in a thread (each latency recorded) while a SECOND PROCESS
   (``govqa index add FILE --index COPY``) adds a small new report, waits for the
   app's refresher (``web.refresher``: ``Index.refresh`` every 2 s) to pick it up,
   and times the refresh, the reading outside the FAISS lock and each hold of the
   FAISS mirror's write lock (``faiss_mirror.FaissMirror._lock.write``, wrapped on
   the instance), and the searches' latency before, while the other process ran,
   and overlapping the refresh; then asks about the new report (found?), and does
   the same for ``govqa index remove NAME`` in a second process (a removal makes
   the mirror read every stored id).

Run it from a checkout with its venv, e.g.
``PYTHONPATH=. HF_HUB_OFFLINE=1 python bench/question_path.py --index /work/idx/r111``.
On a loaded 2-core machine latencies say more as ratios than as times: the machine line gives the load.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

QUESTIONS = ROOT / "eval" / "sets" / "reports-111.jsonl"
COUNTED = ("facets", "scans", "score_sentences", "best_sentences", "pick", "passages")
NEW_NAME = "2031年潮汐县政府工作报告.txt"
NEW_REPORT = """2031年潮汐县政府工作报告

一、过去一年的工作
全县新建潮汐电站十七座，年发电量三亿千瓦时，带动海产加工企业新增就业四千二百人。

二、今年的主要任务
建成跨海大桥一座，改造渔港三个，海水淡化厂日产淡水五万吨。

三、民生
新建海岛卫生院六所，渔民养老保险覆盖率达到百分之九十八。
"""
NEW_QUESTION = "潮汐县新建了多少座潮汐电站？"
BASELINE = 30  # asks before the second process starts


def fail(message: str) -> None:
    """End with one line on stderr and exit code 2."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def where(limit: int = 8) -> list[str]:
    """This call's stack as ``file:line function``, govqa's own frames only, innermost last."""
    frames = [
        f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}"
        for f in traceback.extract_stack()[:-2]
        if f"{os.sep}wt-" in f.filename or str(ROOT) in f.filename or f"{os.sep}govqa{os.sep}" in f.filename
    ]
    return [f for f in frames if "question_path.py" not in f][-limit:]


class Counts:
    """Counters of the facet reads, SQLite facet scans and highlight calls, with the stack of each facet read."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self.stacks: list[tuple[int, list[str]]] = []  # (data_version at the read, stack)
        self._lock = threading.Lock()

    def bump(self, name: str) -> None:
        with self._lock:
            self.calls[name] += 1

    def snapshot(self) -> Counter:
        with self._lock:
            return self.calls.copy()


def instrument_counts(store: Any, counts: Counts) -> None:
    """Wrap ``store.facets`` / ``all_facets`` / ``facets_after`` (on the instance) and the highlight module's functions."""
    from govqa.qa import highlight

    original = store.facets

    def facets() -> Any:
        counts.bump("facets")
        counts.stacks.append((store.data_version(), where()))
        return original()

    store.facets = facets
    for name in ("all_facets", "facets_after"):
        inner = getattr(store, name)

        def scan(*args: Any, _inner: Callable = inner, **kwargs: Any) -> Any:
            counts.bump("scans")
            return _inner(*args, **kwargs)

        setattr(store, name, scan)
    for name in ("score_sentences", "best_sentences", "pick"):
        inner = getattr(highlight, name)

        def wrapped(*args: Any, _inner: Callable = inner, _name: str = name, **kwargs: Any) -> Any:
            counts.bump(_name)
            return _inner(*args, **kwargs)

        setattr(highlight, name, wrapped)


@dataclasses.dataclass
class Timings:
    """What the FAISS mirror and the refresh did, with ``time.perf_counter`` stamps."""

    holds: list[tuple[float, float, float, str]] = dataclasses.field(default_factory=list)  # asked, got, released
    read_waits: list[tuple[float, float]] = dataclasses.field(default_factory=list)  # (asked, waited s)
    refreshes: list[tuple[float, float]] = dataclasses.field(default_factory=list)  # (start, end) of Index.refresh
    backend_syncs: list[tuple[float, float]] = dataclasses.field(default_factory=list)
    syncs: list[tuple[float, float, bool]] = dataclasses.field(default_factory=list)  # mirror.sync: changed?
    reads: list[tuple[float, float]] = dataclasses.field(default_factory=list)  # mirror._read_change, outside the lock
    faiss_ops: list[tuple[str, float, float, int]] = dataclasses.field(default_factory=list)  # add/remove: n ids
    synced: threading.Event = dataclasses.field(default_factory=threading.Event)


def instrument_refresh(index: Any, timings: Timings) -> None:
    """Time ``index.refresh``, ``backend.sync``, ``mirror.sync`` / ``_read_change`` and each FAISS lock hold or wait."""
    backend = index.backend
    mirror = backend.mirror
    lock = mirror._lock
    write, read = lock.write, lock.read

    @contextlib.contextmanager
    def timed_write() -> Iterator[None]:
        asked = time.perf_counter()
        with write():
            got = time.perf_counter()
            try:
                yield
            finally:
                timings.holds.append((asked, got, time.perf_counter(), threading.current_thread().name))

    @contextlib.contextmanager
    def timed_read() -> Iterator[None]:
        asked = time.perf_counter()
        with read():
            timings.read_waits.append((asked, time.perf_counter() - asked))
            yield

    lock.write, lock.read = timed_write, timed_read

    def timed(inner: Callable, into: list, flag: bool = False) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            result = inner(*args, **kwargs)
            end = time.perf_counter()
            if flag:
                into.append((start, end, bool(result)))
                if result:
                    timings.synced.set()
            else:
                into.append((start, end))
            return result

        return call

    mirror._read_change = timed(mirror._read_change, timings.reads)
    vectors = mirror.vectors  # Flat and IVF change in place: the same object until a rebuild
    for name in ("add", "remove"):
        inner = getattr(vectors, name)

        def op(ids: Any, *args: Any, _inner: Callable = inner, _name: str = name) -> Any:
            start = time.perf_counter()
            result = _inner(ids, *args)
            timings.faiss_ops.append((_name, start, time.perf_counter(), len(ids)))
            return result

        setattr(vectors, name, op)
    mirror.sync = timed(mirror.sync, timings.syncs, flag=True)
    backend.sync = timed(backend.sync, timings.backend_syncs)
    index.refresh = timed(index.refresh, timings.refreshes)


def load_questions(path: Path, limit: int | None) -> list[dict]:
    if not path.is_file():
        fail(f"--questions {path}: no such file")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                fail(f"{path}:{number}: not JSON ({exc.msg})")
    if not rows:
        fail(f"{path}: no questions")
    return rows[:limit] if limit else rows


def check_index(path: Path) -> None:
    if not path.exists():
        fail(f"--index {path}: no such folder")
    if not path.is_dir():
        fail(f"--index {path}: not a folder")
    for name in ("manifest.json", "store.sqlite"):
        if not (path / name).is_file():
            fail(
                f"--index {path}: not a local govqa index (no {name}); build one with `govqa index add PATH… --index DIR`"
            )


def open_app(config: Any, copy: Path) -> tuple[Any, Any]:
    """The app over ``copy`` in a TestClient (entered), once /api/health is ok; (client, service)."""
    from fastapi.testclient import TestClient

    from govqa.web import Service, create_app

    service = Service(config, index_dir=copy)
    client = TestClient(create_app(config, service=service))
    client.__enter__()
    deadline = time.monotonic() + 900
    while True:
        health = client.get("/api/health").json()
        if health["status"] == "ok":
            return client, service
        if health["status"] == "error" or time.monotonic() > deadline:
            client.__exit__(None, None, None)
            fail(f"the app over the copy of the index did not become ready: {health['message']}")
        time.sleep(0.2)


def filter_for(facet: tuple | None) -> dict:
    """``region`` (the most specific place of the report) and ``year`` params from a facet row."""
    if facet is None:
        return {}
    _name, _title, year, region_path = facet
    params: dict = {}
    places = (region_path or "").split()
    if places:
        params["region"] = places[-1]
    if year:
        params["year"] = str(year)
    return params


def ask_all(client: Any, store: Any, counts: Counts, questions: list[dict], facets: dict) -> dict:
    """Part 1: every question, half of them also filtered; per-request counts and the checks."""
    with_doc = [i for i, q in enumerate(questions) if q.get("doc") in facets and filter_for(facets[q["doc"]])]
    filtered = set(with_doc[::2])
    for i in with_doc[1::2]:
        if len(filtered) >= len(questions) // 2:
            break
        filtered.add(i)
    requests: list[dict] = []
    read_generations: set[int] = set()
    for i, q in enumerate(questions):
        variants = [("plain", {})]
        if i in filtered:
            variants.append(("filtered", filter_for(facets[q["doc"]])))
        for kind, extra in variants:
            params = {"q": q["question"], "k": 5, **extra}
            generation = store.data_version()
            before, stacks = counts.snapshot(), len(counts.stacks)
            started = time.perf_counter()
            response = client.get("/api/ask", params=params)
            seconds = time.perf_counter() - started
            if response.status_code != 200:
                fail(f"/api/ask {params}: {response.status_code} {response.text[:200]}")
            answer = response.json()
            delta = counts.snapshot() - before
            row = {name: delta[name] for name in COUNTED if name != "passages"}
            row.update(
                id=q.get("id", str(i)),
                kind=kind,
                passages=len(answer["hits"]),
                verdict=answer["verdict"],
                seconds=seconds,
                generation=generation,
                generation_read_before=generation in read_generations,
                stacks=[s for _, s in counts.stacks[stacks:]],
                gold_in_hits=q.get("doc") in {h["citation"]["doc"] for h in answer["hits"]} if q.get("doc") else None,
                params=extra,
            )
            if row["facets"]:
                read_generations.add(generation)
            requests.append(row)
    return {"requests": requests, "filtered": len(filtered)}


def summarise_counts(requests: list[dict]) -> dict:
    out: dict = {}
    for kind in ("plain", "filtered", "all"):
        rows = [r for r in requests if kind in ("all", r["kind"])]
        if not rows:
            continue
        out[kind] = {
            "requests": len(rows),
            **{
                name: {"max": max(r[name] for r in rows), "mean": sum(r[name] for r in rows) / len(rows)}
                for name in COUNTED
            },
            "seconds": {"p50": percentile([r["seconds"] for r in rows], 50), "max": max(r["seconds"] for r in rows)},
        }
    later = [r for r in requests if r["generation_read_before"]]
    out["checks"] = {
        "facets read at most once per question": all(r["facets"] <= 1 for r in requests),
        "0 SQLite facet scans between writes after the first read": all(r["scans"] == 0 for r in later),
        "score_sentences == passages per question": all(r["score_sentences"] == r["passages"] for r in requests),
        "best_sentences == 0": all(r["best_sentences"] == 0 for r in requests),
        "pick == passages + (found) per question": all(
            r["pick"] == r["passages"] + (r["verdict"] == "found") for r in requests
        ),
    }
    reads = [r for r in requests if r["facets"]]
    out["facet_reads"] = [
        {"request": f"{r['id']} {r['kind']}", "facets": r["facets"], "scans": r["scans"], "stacks": r["stacks"]}
        for r in reads
    ]
    slowest = max(requests, key=lambda r: r["seconds"])
    out["slowest"] = {"request": f"{slowest['id']} {slowest['kind']}", "position": requests.index(slowest) + 1}
    filtered = [r for r in requests if r["kind"] == "filtered"]
    out["filtered_gold_in_hits"] = f"{sum(bool(r['gold_in_hits']) for r in filtered)}/{len(filtered)}"
    return out


class Asker:
    """A thread asking the set's questions through the client in a loop, each request's (start, end, status) kept."""

    def __init__(self, client: Any, questions: list[str], counts: Counts):
        self.client, self.questions, self.counts = client, questions, counts
        self.samples: list[tuple[float, float, int, int, int]] = []  # start, end, status, facet reads, scans
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-asker", daemon=True)

    def __enter__(self) -> Asker:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(120)

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            q = self.questions[n % len(self.questions)]
            n += 1
            before = self.counts.snapshot()
            start = time.perf_counter()
            status = self.client.get("/api/ask", params={"q": q, "k": 5}).status_code
            end = time.perf_counter()
            delta = self.counts.snapshot() - before
            self.samples.append((start, end, status, delta["facets"], delta["scans"]))

    def wait_for(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.samples) < count and time.monotonic() < deadline:
            time.sleep(0.05)


def latency(samples: list, keep: Callable[[float, float], bool]) -> dict:
    ms = [(end - start) * 1000 for start, end, *_ in samples if keep(start, end)]
    if not ms:
        return {"n": 0}
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95), "max": max(ms)}


def run_cli(args: list[str], copy: Path) -> tuple[float, float, str]:
    """``govqa ARGS --index COPY`` in a second process (this checkout's code); (start, end, its output)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-c", "from govqa.cli import app; app(prog_name='govqa')", *args, "--index", str(copy)]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    end = time.perf_counter()
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        fail(f"`govqa {' '.join(args)}` in the second process exited {done.returncode}: {output[-400:]}")
    return start, end, output


def write_phase(
    label: str, client: Any, index: Any, counts: Counts, questions: list[str], cli: list[str], copy: Path
) -> dict:
    """Part 2 for one write by a second process: latencies before / while it runs / overlapping the refresh."""
    timings = index._bench_timings
    timings.synced.clear()
    marks = {name: len(getattr(timings, name)) for name in ("syncs", "holds", "refreshes", "reads", "faiss_ops")}
    with Asker(client, questions, counts) as asker:
        asker.wait_for(BASELINE, 600)
        sub_start, sub_end, output = run_cli(cli, copy)
        if not timings.synced.wait(120):
            fail(f"{label}: the app's refresher did not pick up the other process's write within 120 s")
        after = len(asker.samples)
        asker.wait_for(after + 8, 300)  # a few more after the refresh
    new = {name: getattr(timings, name)[mark:] for name, mark in marks.items()}
    sync_start, sync_end, _ = next(s for s in new["syncs"] if s[2])
    inside = lambda span: span[0] >= sync_start and span[1] <= sync_end  # noqa: E731
    around = lambda span: span[0] <= sync_start and span[1] >= sync_end  # noqa: E731
    refresh = next((r for r in new["refreshes"] if around(r)), (sync_start, sync_end))
    backend_sync = next((b for b in timings.backend_syncs if around(b)), None)
    read = next((r for r in new["reads"] if inside(r)), None)
    holds = new["holds"]
    ops = [o for o in new["faiss_ops"] if inside(o[1:3])]
    waits = [w for t, w in timings.read_waits if refresh[0] - 1 <= t <= refresh[1]]
    samples = asker.samples
    overlap = lambda a, b: lambda s, e: s < b and e > a  # noqa: E731
    during = overlap(*refresh)
    others = [r for r in new["refreshes"] if r is not refresh]
    noop = sorted((e - s) * 1e6 for s, e in others)
    return {
        "second process": f"govqa {' '.join(cli)}: {sub_end - sub_start:.1f} s; {output.splitlines()[-1] if output else ''}",
        "refresh began, s after the second process began": refresh[0] - sub_start,
        "refresh began, s after the second process ended": refresh[0] - sub_end,
        "refresh ms": (refresh[1] - refresh[0]) * 1000,
        "backend.sync ms": None if backend_sync is None else (backend_sync[1] - backend_sync[0]) * 1000,
        "read outside the lock ms": None if read is None else (read[1] - read[0]) * 1000,
        "FAISS write-lock holds": len(holds),
        "longest FAISS write-lock hold ms": max(((r - g) * 1000 for _a, g, r, _t in holds), default=0.0),
        "longest wait for the write lock ms": max(((g - a) * 1000 for a, g, _r, _t in holds), default=0.0),
        "FAISS calls under the lock": [f"{name} {n} ids {(e - s) * 1000:.1f} ms" for name, s, e, n in ops],
        "searches' read-lock waits from 1 s before to the end of the refresh": {
            "n": len(waits),
            "max ms": max(waits, default=0.0) * 1000,
        },
        "other refreshes": {
            "n": len(noop),
            "p50 us": percentile(noop, 50) if noop else None,
            "max us": max(noop) if noop else None,
            "that read the store": len(new["reads"]) - (read is not None),
        },
        "latency ms": {
            "before the second process": latency(samples, lambda s, e: e <= sub_start),
            "while it ran (not the refresh)": latency(
                samples, lambda s, e: overlap(sub_start, sub_end)(s, e) and not during(s, e)
            ),
            "overlapping the refresh": latency(samples, during),
            "after it ended (not the refresh)": latency(samples, lambda s, e: s >= sub_end and not during(s, e)),
        },
        "asks": len(samples),
        "refused or failed asks": sum(1 for s in samples if s[2] != 200),
        "asks with more than one facet read": sum(1 for s in samples if s[3] > 1),
        "facet reads / SQLite scans in the loop": f"{sum(s[3] for s in samples)} / {sum(s[4] for s in samples)}",
    }


def machine() -> dict:
    load = os.getloadavg()
    return {"cores": os.cpu_count(), "load": [round(x, 2) for x in load]}


def print_report(result: dict) -> None:
    m = result["machine"]
    print(f"machine: {m['cores']} cores, load average {' '.join(map(str, m['load']))} (at the start)")
    print(f"command: {result['command']}")
    print(
        f"index: {result['index']} ({result['documents']} reports, {result['chunks']} chunks), "
        f"copied to a temporary folder"
    )
    part = result["questions"]
    print(
        f"\n1. {part['plain']['requests']} questions of {result['question_set']} through GET /api/ask (k=5), "
        f"{part['filtered']['requests'] if 'filtered' in part else 0} of them also with a region/year filter "
        f"of the gold report"
    )
    print(f"   {'per request':26} {'plain max/mean':>16} {'filtered max/mean':>18} {'all max/mean':>14}")
    names = {
        "facets": "Store.facets reads",
        "scans": "SQLite facet scans",
        "score_sentences": "score_sentences",
        "best_sentences": "best_sentences",
        "pick": "pick",
        "passages": "passages returned",
    }
    for name, label in names.items():
        cells = []
        for kind, width in (("plain", 16), ("filtered", 18), ("all", 14)):
            figure = part.get(kind, {}).get(name)
            cells.append(f"{figure['max']} / {figure['mean']:.2f}".rjust(width) if figure else "-".rjust(width))
        print(f"   {label:26} {' '.join(cells)}")
    print(
        f"   latency p50 {part['all']['seconds']['p50'] * 1000:.0f} ms, max {part['all']['seconds']['max'] * 1000:.0f} ms"
        f" (request {part['slowest']['position']}, {part['slowest']['request']});"
        f" filtered questions with the gold report in their hits: {part['filtered_gold_in_hits']}"
    )
    for check, ok in part["checks"].items():
        print(f"   [{'ok' if ok else 'FAILED'}] {check}")
    for read in part["facet_reads"]:
        print(f"   facet read in {read['request']}: {read['facets']} read(s), {read['scans']} scan(s), from")
        for stack in read["stacks"]:
            print("      " + "\n      ".join(stack[-6:]))
    for phase in ("add", "remove"):
        p = result[phase]
        print(f"\n2{'ab'[phase == 'remove']}. second process: {p['second process']}")
        print(f"   then: {p['check']}")
        print(
            f"   the app's refresher picked it up {p['refresh began, s after the second process began']:.1f} s after "
            f"the process began ({p['refresh began, s after the second process ended']:+.1f} s from its end; tick 2 s)"
        )
        print(
            f"   refresh {p['refresh ms']:.1f} ms (backend.sync {p['backend.sync ms']:.1f} ms; reading outside the "
            f"lock {p['read outside the lock ms']:.1f} ms); FAISS write lock held {p['FAISS write-lock holds']}x, "
            f"longest {p['longest FAISS write-lock hold ms']:.1f} ms (taken after "
            f"{p['longest wait for the write lock ms']:.2f} ms); under it: {', '.join(p['FAISS calls under the lock'])}"
        )
        w = p["searches' read-lock waits from 1 s before to the end of the refresh"]
        print(
            f"   searches' FAISS read-lock waits from 1 s before to the end of the refresh: {w['n']}, longest {w['max ms']:.1f} ms"
        )
        other = p["other refreshes"]
        if other["n"]:
            print(
                f"   the {other['n']} other refreshes of the phase: p50 {other['p50 us']:.0f} us, max {other['max us']:.0f} us;"
                f" {other['that read the store']} of them read the store and found nothing to change"
            )
        print(
            f"   {p['asks']} asks in the loop, {p['refused or failed asks']} refused or failed, "
            f"{p['asks with more than one facet read']} with more than one facet read; "
            f"facet reads / SQLite scans in the loop: {p['facet reads / SQLite scans in the loop']}"
        )
        for window, figures in p["latency ms"].items():
            if figures["n"]:
                print(
                    f"   latency {window:33} n={figures['n']:3}  p50 {figures['p50']:5.0f}  "
                    f"p95 {figures['p95']:5.0f}  max {figures['max']:5.0f} ms"
                )
            else:
                print(f"   latency {window:33} n=  0")
    m = result["machine_end"]
    print(f"\nload average at the end: {' '.join(map(str, m['load']))}; total {result['seconds']:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, type=Path, help="a local index folder (copied; never changed)")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="a JSON Lines question set")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    began = time.perf_counter()
    command = shlex.join(["python", os.path.relpath(__file__) if __file__ else "bench/question_path.py", *sys.argv[1:]])
    result: dict = {"machine": machine(), "command": command, "index": str(args.index)}
    check_index(args.index)
    questions = load_questions(args.questions, args.limit)
    result["question_set"] = str(args.questions)

    from govqa.config import load_config

    with tempfile.TemporaryDirectory(prefix="question-path-") as work:
        copy = Path(work) / "index"
        shutil.copytree(args.index, copy)
        config = load_config()
        config = config.replace(
            index=dataclasses.replace(config.index, path=str(copy)),
            app=dataclasses.replace(config.app, data_dir=str(Path(work) / "data"), corpus_dir=str(Path(work) / "none")),
        )
        client, service = open_app(config, copy)
        try:
            index = service._searcher.index
            store = index.backend.store
            facets = {row[0]: row for row in store.all_facets()}  # before counting: not one of the app's reads
            health = client.get("/api/health").json()
            result["documents"], result["chunks"] = health["documents"], health["chunks"]
            counts = Counts()
            instrument_counts(store, counts)
            index._bench_timings = Timings()
            instrument_refresh(index, index._bench_timings)

            asked = ask_all(client, store, counts, questions, facets)
            result["questions"] = summarise_counts(asked["requests"])

            texts = [q["question"] for q in questions]
            report = Path(work) / "new" / NEW_NAME
            report.parent.mkdir()
            report.write_text(NEW_REPORT, encoding="utf-8")
            add = write_phase("add", client, index, counts, texts, ["index", "add", str(report), "--no-progress"], copy)
            answer = client.get("/api/ask", params={"q": NEW_QUESTION, "k": 5}).json()
            docs = [h["citation"]["doc"] for h in answer["hits"]]
            add["check"] = (
                f"「{NEW_QUESTION}」 → verdict {answer['verdict']}, first hit {docs[0] if docs else None}"
                + (f" ({answer['answer'][:40]})" if answer.get("answer") else "")
            )
            result["add"] = add
            remove = write_phase("remove", client, index, counts, texts, ["index", "remove", NEW_NAME], copy)
            answer = client.get("/api/ask", params={"q": NEW_QUESTION, "k": 5}).json()
            docs = [h["citation"]["doc"] for h in answer["hits"]]
            remove["check"] = f"the removed report in the hits again: {NEW_NAME in docs} (verdict {answer['verdict']})"
            result["remove"] = remove
        finally:
            client.__exit__(None, None, None)
    result["machine_end"] = machine()
    result["seconds"] = time.perf_counter() - began
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    else:
        print_report(result)


if __name__ == "__main__":
    main()
