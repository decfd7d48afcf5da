"""``course serve``: gunicorn and a job worker; ``--web-only`` for web machines runs no worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course.cli import serve_commands
from tests.conftest import free_port


def test_web_only_runs_no_job_worker():
    both = serve_commands("/venv/bin", "127.0.0.1", 8000, 3, web_only=False)
    web = serve_commands("/venv/bin", "127.0.0.1", 8000, 3, web_only=True)
    assert [command[0] for command in both] == ["/venv/bin/course", "/venv/bin/gunicorn"]
    assert both[0][1] == "worker"
    assert [command[0] for command in web] == ["/venv/bin/gunicorn"]
    assert web[0][-1] == "course.wsgi:app" and "3" in web[0]


def _children(pid: int) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.mark.slow
def test_serve_web_only_serves_pages_without_a_consumer(tmp_path):
    port = free_port()
    env = dict(os.environ, COURSE_INSTANCE_PATH=str(tmp_path))
    env.pop("COURSE_REDIS_URL", None)
    course = Path(sys.executable).with_name("course")
    server = subprocess.Popen(
        [str(course), "serve", "--web-only", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as page:
                    assert page.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.3)
        children = _children(server.pid)
        assert len(children) == 1 and "gunicorn" in children[0]
        assert not any(" worker" in child for child in children)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=40)
