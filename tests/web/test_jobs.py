"""Upload jobs over the real index and model: listing, cancelling, taking turns, removals that do not wait,
and a real ``govqa serve`` killed (SIGKILL, SIGTERM) during a three-file upload, then started again."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def rows_file(word: str, rows: int, parts: int = 2) -> bytes:
    """A JSON Lines export of ``rows`` documents (``NAME.jsonl#i``) of about ``parts`` chunks each."""
    lines = []
    for i in range(rows):
        text = "".join(
            f"{word}第{i}号片区第{p}期工程新建道路{i + p}公里，配套建设学校{p}所、医院{i % 7}家，总投资{i * 3 + p}亿元。"
            * 4
            for p in range(parts)
        )
        lines.append(json.dumps({"id": str(i), "title": f"{word}片区{i}", "text": text}, ensure_ascii=False))
    return "\n".join(lines).encode()


def report(word: str, parts: int = 3) -> bytes:
    """A plain-text report of a few chunks about ``word``."""
    return "\n\n".join(
        f"{word}示范区第{i}部分。建成潮汐电站{i + 17}座，年发电量{i + 3}亿千瓦时。" * 3 for i in range(parts)
    ).encode()


def wait_for(client, url: str, done, seconds: float = 300) -> dict:
    """Poll the job at ``url`` until ``done(job)``; the job then."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = client.get(url).json()
        if done(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting: {job}")


def post(client, *files: tuple[str, bytes]) -> dict:
    response = client.post("/api/documents", files=[("files", (name, data, "text/plain")) for name, data in files])
    assert response.status_code == 202, response.text
    return response.json()


def indexed(client) -> set[str]:
    return {d["name"] for d in client.get("/api/documents").json()["documents"]}


def remove_all(client, prefix: str) -> None:
    """Remove every document whose name starts with ``prefix`` (names quoted: a CSV row's is "file.csv#12")."""
    for name in indexed(client):
        if name.startswith(prefix):
            assert client.delete(f"/api/documents/{quote(name, safe='')}").status_code == 200, name
    assert not any(name.startswith(prefix) for name in indexed(client))


def uploads_left(data: Path) -> list[Path]:
    return [p for p in (data / "uploads").rglob("*") if p.is_file()] if (data / "uploads").exists() else []


def test_jobs_are_listed_with_their_files_counts_and_reasons(make_client, tmp_path) -> None:
    client = make_client(data_dir=str(tmp_path / "data"))
    word = f"列表{uuid.uuid4().hex[:6]}"
    job = post(client, (f"{word}.txt", report(word)), ("fake.pdf", "不是PDF".encode()), ("tool.exe", b"MZ\x90\x00"))
    try:
        job = wait_for(client, job["status_url"], lambda j: j["state"] == "done")
        [listed] = [j for j in client.get("/api/jobs").json()["jobs"] if j["job"] == job["job"]]
        assert listed["state"] == "done" and listed["message"] == "1 of 3 file(s) indexed"
        assert (listed["documents_done"], listed["documents_total"]) == (1, 1)
        assert listed["chunks_done"] == listed["chunks_total"] == job["files"][0]["documents"][0]["chunks"] > 1
        good, fake, tool = listed["files"]
        assert "documents" not in good  # the list is on /api/jobs/{id}; the listing gives the counts
        assert (good["status"], good["documents_done"], good["documents_total"]) == ("added", 1, 1)
        assert fake["status"] == tool["status"] == "failed"
        assert "plain text" in fake["message"] and "NUL" in tool["message"]
        assert listed["finished"] >= listed["created"] > 0
        assert uploads_left(tmp_path / "data") == []  # the job has ended: its stored file is gone
        assert f"{word}.txt" in indexed(client)
    finally:
        remove_all(client, word)


@pytest.mark.slow  # a 400-row upload embedded while a small upload and a removal overtake it
def test_a_small_upload_is_not_stuck_behind_a_large_one_and_a_removal_does_not_wait(make_client, tmp_path) -> None:
    client = make_client(data_dir=str(tmp_path / "data"))
    word = f"轮流{uuid.uuid4().hex[:6]}"
    wait_for(client, post(client, (f"{word}旧.txt", report(word)))["status_url"], lambda j: j["state"] == "done")
    big = post(client, (f"{word}大.jsonl", rows_file(word, 400)))
    try:
        wait_for(client, big["status_url"], lambda j: j["documents_done"] >= 1)
        small = post(client, (f"{word}小.txt", report(word + "小")))
        small = wait_for(client, small["status_url"], lambda j: j["state"] == "done", 120)
        assert small["files"][0]["status"] == "added"
        assert client.get(big["status_url"]).json()["state"] == "running"  # the small one passed the large one

        started = time.perf_counter()
        removed = client.delete(f"/api/documents/{word}旧.txt")
        waited = time.perf_counter() - started
        assert removed.status_code == 200 and removed.json()["count"] == 1
        running = client.get(big["status_url"]).json()
        assert running["state"] == "running" and running["documents_done"] < running["documents_total"] == 400
        assert waited < 20, waited  # one group of documents being embedded at most, not the 400 rows
    finally:
        client.delete(big["status_url"])
        remove_all(client, word)


def test_cancel_a_waiting_job_at_once_and_a_running_one_between_documents(make_client, tmp_path) -> None:
    client = make_client(data_dir=str(tmp_path / "data"))
    word = f"取消{uuid.uuid4().hex[:6]}"
    running = post(client, (f"{word}大.jsonl", rows_file(word, 300)))
    waiting = post(client, (f"{word}等.txt", report(word)))
    try:
        cancelled = client.delete(waiting["status_url"])  # its turn has not come: cancelled at once
        assert cancelled.status_code == 200, cancelled.text
        job = cancelled.json()
        assert job["state"] == "cancelled" and job["files"][0]["status"] == "cancelled"
        assert not (tmp_path / "data" / "uploads" / waiting["job"]).exists()

        wait_for(client, running["status_url"], lambda j: j["documents_done"] >= 2)
        started = time.perf_counter()
        response = client.delete(running["status_url"])
        job = response.json()
        assert response.status_code == 200 and job["state"] == "cancelled", json.dumps(
            client.get(running["status_url"]).json(), ensure_ascii=False
        )[:1500]
        assert time.perf_counter() - started < 10
        [file] = job["files"]
        done = {d["name"] for d in file["documents"]}
        assert file["status"] == "cancelled" and 2 <= len(done) < 300
        assert f"after {len(done)} of 300 documents" in file["message"]
        names = indexed(client)
        assert done <= names and not any(n.startswith(f"{word}大.jsonl") and n not in done for n in names)
        assert f"{word}等.txt" not in names
        assert uploads_left(tmp_path / "data") == []
        again = client.delete(running["status_url"])
        assert again.status_code == 409 and "already ended (cancelled)" in again.json()["error"]
        assert client.delete("/api/jobs/0123456789abcdef").status_code == 404
        index = client.app.state.service._searcher.index
        assert len(index.backend.mirror.ids()) == len(index.backend.store.embedding_ids())  # FAISS agrees
    finally:
        client.delete(running["status_url"])
        remove_all(client, word)


def test_the_pages_cancel_button_stops_the_pages_upload(make_client, tmp_path) -> None:
    from govqa.web.ui import Page

    client = make_client(data_dir=str(tmp_path / "data"))
    service = client.app.state.service
    page, request = Page(service), SimpleNamespace(session_hash="tab-1", username=None)
    word = f"按钮{uuid.uuid4().hex[:6]}"
    path = tmp_path / f"{word}.jsonl"
    path.write_bytes(rows_file(word, 300))
    assert "没有正在进行的上传" in page.on_cancel("", request)
    with ThreadPoolExecutor(1) as thread:
        upload = thread.submit(page.on_upload, [str(path)], "", request, lambda *a, **k: None)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (
            "tab-1" in page._uploading and service.job(page._uploading["tab-1"]).files[0].documents_done
        ):
            time.sleep(0.1)
        job_id = page._uploading["tab-1"]
        assert "已取消上传" in page.on_cancel("", request)
        result = upload.result(timeout=60)[0]
    try:
        assert "已取消" in result and "cancelled after" in result
        job = service.job(job_id)
        assert job.state == "cancelled" and 0 < job.files[0].documents_done < 300
        assert "tab-1" not in page._uploading
    finally:
        remove_all(client, word)


def govqa(args: list[str], env: dict, **kwargs) -> subprocess.Popen:
    """``govqa ARGS`` as a subprocess of this tree."""
    return subprocess.Popen(
        [sys.executable, "-c", "from govqa.cli import app; app()", *args], cwd=ROOT, env=env, **kwargs
    )


def serve(index: Path, env: dict, port: int, log: Path) -> subprocess.Popen:
    """A real ``govqa serve`` on ``port``, ready to answer."""
    server = govqa(["serve", "--index", str(index)], env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text(encoding="utf-8", errors="replace")[-3000:]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).json()["status"] == "ok":
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    server.kill()
    raise AssertionError("govqa serve did not become ready")


@pytest.mark.slow  # two server processes a run, each loading the model
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_a_three_file_upload_survives_a_restart(base_config, searcher, tmp_path, free_tcp_port, how) -> None:
    """The server is stopped after the first file committed: started again, it indexes the rest, each file once."""
    index, data, port = tmp_path / "index", tmp_path / "data", free_tcp_port
    shutil.copytree(base_config.index.path, index)
    config = tmp_path / "govqa.toml"
    config.write_text(
        f'[model]\ncache_dir = "{base_config.model.cache_dir}"\n[app]\ndata_dir = "{data}"\nport = {port}\n',
        encoding="utf-8",
    )
    env = {**os.environ, "GOVQA_CONFIG": str(config), "HF_HUB_OFFLINE": "1"}
    log, base = tmp_path / "serve.log", f"http://127.0.0.1:{port}"
    names = [f"重启{n}.txt" for n in "甲乙丙"]
    server = serve(index, env, port, log)
    try:
        files = [("files", (name, report(name[:3], parts=40), "text/plain")) for name in names]
        job = httpx.post(f"{base}/api/documents", files=files, timeout=60).json()
        url = f"{base}{job['status_url']}"
        job = wait_for(httpx, url, lambda j: j["done"] >= 1 or j["state"] != "running" and j["state"] != "queued")
        assert job["state"] == "running" and job["done"] == 1, job  # stopped with two files to go
        first = {d["name"]: d for d in httpx.get(f"{base}/api/documents").json()["documents"]}[names[0]]
        stopped = time.monotonic()
        server.send_signal(how)
        server.wait(30)
        assert time.monotonic() - stopped < 15
    finally:
        if server.poll() is None:
            server.kill()
    assert uploads_left(data), "the files of an unfinished job are kept for the restart"

    server = serve(index, env, port, log)
    assert "resuming 1 upload job(s)" in log.read_text(encoding="utf-8")
    try:
        job = wait_for(httpx, url, lambda j: j["state"] not in ("queued", "running"))
        assert job["state"] == "done" and job["message"] == "3 of 3 file(s) indexed", job
        assert [f["status"] for f in job["files"]] == ["added"] * 3
        again = {d["name"]: d for d in httpx.get(f"{base}/api/documents").json()["documents"]}[names[0]]
        assert again["added_at"] == first["added_at"]  # committed before the stop: not done again
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    listed = subprocess.run(
        [sys.executable, "-c", "from govqa.cli import app; app()", "index", "list", "--json", "--index", str(index)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    documents = [d["name"] for d in json.loads(listed.stdout)]
    assert sorted(n for n in documents if n.startswith("重启")) == sorted(names)  # each exactly once
    assert "2020年成都市政府工作报告（要点）.txt" in documents
    assert uploads_left(data) == []
