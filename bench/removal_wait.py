"""How long a removal waits behind a running multi-document upload (a script that prints figures, not a test).

Copies ``--index`` to a temporary folder and starts ``govqa serve`` on the copy
(from ``--server-cwd`` when given, to measure another checkout the same way),
uploads one small report and waits for it, then uploads a JSON Lines export of
``--rows`` documents; ``--after`` seconds into that upload it removes the small
report and times the ``DELETE``. Prints the wait, whether the upload was still
running when the removal returned, and how long the whole upload took.

    python bench/removal_wait.py --index /tmp/idx --rows 300
    python bench/removal_wait.py --index /tmp/idx --server-cwd /work/old-checkout
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def rows_file(rows: int) -> bytes:
    """A JSON Lines export of ``rows`` documents of about two chunks each."""
    lines = []
    for i in range(rows):
        text = "".join(
            f"第{i}号片区第{p}期工程新建道路{i + p}公里，配套建设学校{p}所、医院{i % 7}家，总投资{i * 3 + p}亿元。" * 4
            for p in range(2)
        )
        lines.append(json.dumps({"id": str(i), "title": f"片区{i}", "text": text}, ensure_ascii=False))
    return "\n".join(lines).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_job(client: httpx.Client, url: str, states: tuple[str, ...], timeout: float = 3600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(url).json()
        if job["state"] in states:
            return job
        time.sleep(0.05)
    raise SystemExit(f"the job did not reach {states}: {job}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, type=Path, help="an index folder (copied, never changed)")
    parser.add_argument("--server-cwd", type=Path, default=ROOT, help="the checkout whose govqa serve runs")
    parser.add_argument("--rows", type=int, default=300, help="documents in the large upload")
    parser.add_argument("--after", type=float, default=3.0, help="seconds into the large upload to remove")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="removal-wait-") as work:
        index, port = Path(work) / "index", free_port()
        shutil.copytree(args.index, index)
        config = Path(work) / "govqa.toml"
        config.write_text(f'[app]\ndata_dir = "{Path(work) / "data"}"\nport = {port}\n', encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(args.server_cwd), HF_HUB_OFFLINE="1", GOVQA_CONFIG=str(config))
        log = open(Path(work) / "server.log", "w")  # noqa: SIM115 (closed with the process)
        server = subprocess.Popen(
            [sys.executable, "-c", "from govqa.cli import app; app()", "serve", "--index", str(index)],
            cwd=args.server_cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=3600) as client:
                deadline = time.monotonic() + 600
                while True:
                    try:
                        if client.get("/api/health").json()["status"] == "ok":
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit(f"the server did not start: see {log.name}")
                    time.sleep(0.5)
                small = "某市报告。\n\n今年新建潮汐电站十七座，年发电量三亿千瓦时。".encode()
                job = client.post("/api/documents", files=[("files", ("小报告.txt", small, "text/plain"))]).json()
                wait_job(client, job["status_url"], ("done", "failed"))
                upload = time.perf_counter()
                big = client.post(
                    "/api/documents", files=[("files", ("片区.jsonl", rows_file(args.rows), "text/plain"))]
                )
                url = big.json()["status_url"]
                wait_job(client, url, ("running",))
                time.sleep(args.after)
                started = time.perf_counter()
                removed = client.delete("/api/documents/小报告.txt")
                waited = time.perf_counter() - started
                state = client.get(url).json()["state"]
                wait_job(client, url, ("done", "failed", "cancelled"))
                total = time.perf_counter() - upload
                print(
                    f"{args.server_cwd}: removal {removed.status_code} after {waited:.1f} s "
                    f"(upload of {args.rows} rows {state} when it returned; the upload took {total:.1f} s)"
                )
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
