"""A real job through the real queue (SQLite-backed huey) and a real worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = """
import os, sys
from course.accounts.tasks import send_mail_task
from course.jobs import huey
huey.immediate = False
assert send_mail_task("worker-test@example.com", "Queued", "Sent by the worker.") is None
"""


def _wait_for_mail(folder: Path, timeout: float = 60) -> Path:
    """The worker's e-mail (results are not stored, so the test looks for what it wrote)."""
    deadline = time.monotonic() + timeout
    while True:
        written = sorted(folder.rglob("*.eml"))
        if written:
            return written[0]
        if time.monotonic() > deadline:
            raise AssertionError("the worker wrote no e-mail")
        time.sleep(0.2)


@pytest.mark.slow
def test_worker_runs_a_queued_job(tmp_path):
    env = dict(os.environ, COURSE_INSTANCE_PATH=str(tmp_path), COURSE_JOBS_IMMEDIATE="0")
    env.pop("COURSE_REDIS_URL", None)
    course = Path(sys.executable).with_name("course")
    worker = subprocess.Popen([str(course), "worker", "--workers", "1"], env=env)
    try:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=90
        )
        assert done.returncode == 0, done.stderr
        mail = _wait_for_mail(tmp_path).read_text()
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert "Sent by the worker." in mail and "worker-test@example.com" in mail
    assert (tmp_path / "jobs.db").exists()


def test_immediate_mode_runs_inline(app, db_session):
    from course.accounts.tasks import send_mail_task

    started = time.monotonic()
    send_mail_task("inline@example.com", "Inline", "Body")
    assert "inline@example.com" in _wait_for_mail(Path(app.config["INSTANCE_PATH"]), 0).read_text()
    assert time.monotonic() - started < 5


def test_the_worker_entry_point_imports_every_task_module_and_the_queue_none():
    """``course.jobs`` is only the queue; ``course.worker`` registers each area's ``tasks.py``."""
    package = Path(__file__).resolve().parents[2] / "course"
    modules = sorted(
        "course." + ".".join(path.relative_to(package).with_suffix("").parts)
        for path in package.glob("*/tasks.py")
    )
    listed = "print(sorted(m for m in sys.modules if m[:7] == 'course.' and m[-6:] == '.tasks'))"
    script = f"import sys, course.jobs\n{listed}\nimport course.worker\n{listed}\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    before, after = done.stdout.splitlines()
    assert before == "[]"
    assert after == repr(modules)
