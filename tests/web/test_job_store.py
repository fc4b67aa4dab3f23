"""The job file: a real SQLite file, read back as a restarted server reads it."""

from __future__ import annotations

import sqlite3

import pytest

from govqa.web import job_store
from govqa.web.job_store import DocResult, FileRecord, JobStore, JobStoreError


def test_a_store_not_yet_written_has_no_jobs_and_no_file(tmp_path) -> None:
    store = JobStore(tmp_path / "data" / "jobs.sqlite3")
    assert store.jobs() == [] and store.unfinished() == [] and store.get("0" * 16) is None
    assert not (tmp_path / "data").exists()


def test_a_job_reads_back_after_reopening(tmp_path) -> None:
    path = tmp_path / "jobs.sqlite3"
    store = JobStore(path)
    store.create(
        "a" * 16, [FileRecord(0, "一.txt", "/up/一.txt"), FileRecord(1, "x.exe", status="failed", message="NUL")]
    )
    store.set_state("a" * 16, "running")
    store.loaded("a" * 16, 0, 2, 7, ["第3页：请核对"])
    store.plan("a" * 16, 0, "一.txt#1", "added", 3)
    store.commit("a" * 16, 0, [DocResult("一.txt#1", "added", 3)])
    store.plan("a" * 16, 0, "一.txt#2", "replaced", 4)  # planned, not committed: still to do

    again = JobStore(path)  # what a restarted server sees
    [job] = again.unfinished()
    assert job.id == "a" * 16 and job.state == "running" and job.done == 1 and job.total == 2
    first, refused = job.files
    assert (first.status, first.documents_done, first.documents_total, first.chunks_done, first.chunks_total) == (
        "pending",
        1,
        2,
        3,
        7,
    )
    assert first.documents == [] and first.notes == ["第3页：请核对"]  # the list only when asked for
    assert again.get("a" * 16).files[0].documents == [DocResult("一.txt#1", "added", 3)]
    assert again.committed("a" * 16, 0) == {"一.txt#1"}
    assert refused.to_json(documents=False) == {
        "file": "x.exe",
        "status": "failed",
        "message": "NUL",
        "notes": [],
        "documents_done": 0,
        "documents_total": None,
        "chunks_done": 0,
        "chunks_total": None,
    }
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_document_committed_before_a_restart_keeps_its_planned_status(tmp_path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    store.create("b" * 16, [FileRecord(0, "r.txt", "/up/r.txt")])
    store.plan("b" * 16, 0, "r.txt", "added", 2)
    # The server died between the index's commit and the job's: the index now calls it unchanged.
    store.commit("b" * 16, 0, [DocResult("r.txt", "unchanged", 2)])
    assert store.get("b" * 16).files[0].documents == [DocResult("r.txt", "added", 2)]


def test_ended_jobs_leave_the_unfinished_and_only_the_newest_are_kept(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(job_store, "KEEP", 3)
    store = JobStore(tmp_path / "jobs.sqlite3")
    for n in range(6):
        store.create(f"{n:016x}", [FileRecord(0, f"{n}.txt", f"/up/{n}.txt")])
        if n != 1:
            store.set_state(f"{n:016x}", "done", "1 of 1 file(s) indexed")
    store.create(f"{9:016x}", [FileRecord(0, "9.txt", "/up/9.txt")])
    kept = [j.id for j in store.jobs()]
    assert kept == [f"{n:016x}" for n in (9, 5, 4, 3, 1)]  # newest first; the unfinished one is never dropped
    assert [j.id for j in store.unfinished()] == [f"{1:016x}", f"{9:016x}"]
    assert store.get(f"{5:016x}").finished is not None and store.get(f"{5:016x}").ended


def test_an_unwritable_job_file_is_one_line_naming_it(tmp_path) -> None:
    (tmp_path / "jobs.sqlite3").mkdir()  # a folder where the file should be
    with pytest.raises(JobStoreError) as caught:
        JobStore(tmp_path / "jobs.sqlite3").create("c" * 16, [])
    message = str(caught.value)
    assert "jobs.sqlite3" in message and "[app] data_dir" in message and "\n" not in message
