"""Issue 21.1: exports in the background, to a file, with progress, cancel, clean-up, and the CSV.gz of messages."""

from __future__ import annotations

import gzip
import io
import os
import time

import pandas as pd
import pytest

from credits_core import CreditsError, CreditStore
from credits_core.exports import ExportJob, estimate, sweep
from credits_core.exports import jobs as export_jobs
from credits_core.reporting import ReportFilter, count_messages

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
    assert job.folder.name.startswith(export_jobs.owner_tag("ana@example.com") + "-")  # no e-mail in a name
    assert "ana" not in str(job.path) and export_jobs.download(job.token, "ana@example.com") is job
    assert export_jobs.download(job.token, "carl@example.com") is None  # the same link, another user
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


@pytest.fixture
def private_base(tmp_path, monkeypatch):
    """Exports under a temporary directory of this test's own (as the system's temporary directory would be)."""
    monkeypatch.setattr(export_jobs, "BASE", tmp_path)
    monkeypatch.setattr(export_jobs, "_ROOT", None)
    return tmp_path


def test_exports_live_in_private_folders_of_this_user(private_base):
    """Issue 31.5: the dashboard accepted an export folder another user created, and its names were e-mails."""
    root = export_jobs.process_root()
    user = root.parent
    assert user.name == f"sms-credits-exports-{os.getuid()}" and root.name.startswith(f"{os.getpid()}-")
    for folder in (user, root):
        st = os.lstat(folder)
        assert st.st_uid == os.getuid() and st.st_mode & 0o077 == 0


@pytest.mark.parametrize("bad", ["open to others", "a link"])
def test_a_folder_that_is_not_private_is_refused(private_base, bad):
    user = private_base / f"sms-credits-exports-{os.getuid()}"
    if bad == "a link":
        (private_base / "elsewhere").mkdir(mode=0o700)
        user.symlink_to(private_base / "elsewhere")
    else:
        user.mkdir(mode=0o755)
        user.chmod(0o755)
    with pytest.raises(CreditsError, match="is not a private folder of this user"):
        export_jobs.process_root()


def test_old_exports_and_dead_processes_folders_are_swept_through_no_link(private_base):
    root = export_jobs.process_root()
    user = root.parent
    old, new = root / "old", root / "new"
    old.mkdir()
    new.mkdir()
    now = export_jobs._fs_now(user)  # noqa: SLF001 - the file system's clock, as the sweep reads it
    os.utime(old, (now - export_jobs.MAX_AGE_S - 60,) * 2)
    dead = user / "999999999-gone"  # a process that is gone: no such pid
    dead.mkdir()
    (dead / "x.xlsx").write_bytes(b"x")
    target = private_base / "victim"  # someone else's folder, linked into ours: the link goes, never its target
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    (user / "123-link").symlink_to(target)
    assert sweep() == 3
    assert not old.exists() and new.exists() and not dead.exists() and (target / "keep.txt").exists()


