"""Issue 21.1: exports in the background, to a file, with progress, cancel, clean-up, and the CSV.gz of messages."""

from __future__ import annotations

import gzip
import io
import os
import time

import pandas as pd
import pytest

from credits_core import CreditStore, export_jobs
from credits_core.export import estimate
from credits_core.export_jobs import ExportJob, sweep
from credits_core.reports import ReportFilter, count_messages

from .conftest import demo_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return demo_store(tmp_path_factory.mktemp("jobs"), 20_000)


def wait(job: ExportJob) -> None:
    for _ in range(600):
        if not job.running:
            return
        time.sleep(0.05)
    raise AssertionError("the export did not finish")


def test_estimate_says_how_big_before_writing():
    e = estimate(3_912_455)
    assert e.summary_by_default and not estimate(999_999).summary_by_default
    assert e.words().startswith("3,912,455 messages: about ") and "MB; the summary sheets alone: 2 s" in e.words()


def test_a_job_writes_the_messages_as_csv_gz_with_progress(demo):
    with CreditStore.open(demo, read_only=True) as s:
        n = count_messages(s, ReportFilter())
    job = ExportJob(str(demo), ReportFilter(), "csv.gz", total=n, owner="ana@example.com")
    wait(job)
    assert job.ready and job.fraction == 1.0 and job.done == n
    assert job.folder.name.startswith("ana_example_com-")
    with gzip.open(job.path, "rb") as fh:
        rows = pd.read_csv(io.BytesIO(fh.read()))
    assert len(rows) == n and "Ready" in job.status()
    job.remove()
    assert not job.folder.exists()


def test_a_cancelled_job_keeps_nothing(demo, monkeypatch):
    monkeypatch.setattr(export_jobs, "write_messages_csv_gz", slow_writer)
    job = ExportJob(str(demo), ReportFilter(), "csv.gz", total=10_000)
    time.sleep(0.3)
    job.cancel()
    wait(job)
    assert not job.ready and job.status() == "Cancelled: nothing was kept." and not job.path.exists()


def slow_writer(chunks, path, progress):
    path.write_bytes(b"partial")
    for i in range(100):
        time.sleep(0.05)
        progress(i * 100)


def test_old_exports_are_swept(tmp_path, monkeypatch):
    monkeypatch.setattr(export_jobs, "ROOT", tmp_path)
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    hour_ago = time.time() - export_jobs.MAX_AGE_S - 60
    os.utime(old, (hour_ago, hour_ago))
    assert sweep() == 1 and not old.exists() and new.exists()
