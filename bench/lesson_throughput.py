"""Lesson page throughput under gunicorn, against a constant route serving the same bytes.

Usage: ``.venv/bin/python bench/lesson_throughput.py [--seconds 10] [--connections 16]``

It builds a temporary instance (SQLite database, course imported, one trainee enrolled), starts
gunicorn on a free loopback port serving ``bench/benchapp.py`` (the application plus
``/bench/constant`` and ``/bench/signed-in-constant``), signs the trainee in, saves one lesson
page's bytes for the constant routes, then measures the three URLs with wrk in the same run. It
prints requests per second, p50/p95 latency and the ratios to the constant route, and writes them
to ``bench/results/lesson_throughput.json``. The signed-in constant route loads the session's user
and nothing else: the floor of any signed-in page.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
FLAGSHIP = ROOT / "content" / "service-team-collaboration"
FIXTURE = ROOT / "tests" / "fixtures" / "catalog" / "content" / "teamwork-basics"
EMAIL, PASSWORD = "bench@example.com", "bench-password-2026"
#: Sent by the sign-in and by wrk alike, as one browser would: Flask-Login's session protection
#: ties a session to its user agent, and a mismatch rewrites the session cookie on every request.
USER_AGENT = "course-bench/1"
#: The production application wrapped with the constant routes (``bench/benchapp.py``).
BENCH_APP = "benchapp:app"

WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %.3f %.3f %.3f\\n", summary.requests, summary.duration,
    errors, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(instance: Path) -> tuple[str, str]:
    """Create the schema, import a course, create the trainee; returns (course slug, lesson)."""
    from course import create_app
    from course.accounts.service import create_user
    from course.catalog import service
    from course.db import utcnow
    from course.extensions import db

    app = create_app()
    with app.app_context():
        db.create_all()
        package, problems = service.check_folder(FLAGSHIP)
        folder = FLAGSHIP if not problems else FIXTURE
        result = service.import_package(db.session, None, folder, utcnow())
        assert result.ok, result.problems
        create_user(db.session, EMAIL, PASSWORD, "Bench Trainee", utcnow(), locale="zh-CN")
        lessons = service.lesson_slugs(result.version)
        slug = result.course.slug
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return slug, lessons[len(lessons) // 2]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(base: str, slug: str, lesson: str) -> tuple[str, bytes]:
    """Sign in, enrol, fetch the lesson; returns the Cookie header and the page's bytes."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]

    def post(path: str, fields: dict) -> None:
        data = urllib.parse.urlencode(fields).encode()
        opener.open(urllib.request.Request(base + path, data=data, method="POST")).read()

    login_page = opener.open(base + "/login").read().decode()
    post("/login", {"csrf_token": _csrf(login_page), "email": EMAIL, "password": PASSWORD})
    course_page = opener.open(f"{base}/courses/{slug}").read().decode()
    post(f"/courses/{slug}/enrol", {"csrf_token": _csrf(course_page)})
    body = opener.open(f"{base}/courses/{slug}/lessons/{lesson}").read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, body


def wrk(url: str, cookie: str, seconds: int, connections: int, script: Path) -> dict:
    """Run wrk against ``url``; returns requests/s, errors and latency percentiles (ms)."""
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script),
         "-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    requests, micros, errors, p50, p95, p99 = re.search(
        r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", output
    ).groups()
    return {
        "requests": int(requests),
        "rps": round(int(requests) / (int(micros) / 1e6), 1),
        "errors": int(errors),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
    }


def wait_until_up(base: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/login", timeout=120).read()
            return
        except OSError as problem:
            error = problem
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not start: {error}")


@contextlib.contextmanager
def gunicorn(workers: int, backlog: int | None = None, app: str = "course.wsgi:app"):
    """Serve ``app`` (the production application by default, ``BENCH_APP`` for the constant
    routes) with gunicorn on a free loopback port, using this process's environment; yields the
    base URL once it answers, and stops the server afterwards."""
    port = free_port()
    command = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--log-level", "warning"]  # fmt: skip
    if backlog:
        command += ["--backlog", str(backlog)]
    if app == BENCH_APP:
        command += ["--pythonpath", str(ROOT / "bench")]
    server = subprocess.Popen(
        [*command, app], cwd=ROOT, env=os.environ.copy(), start_new_session=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    instance = Path(tempfile.mkdtemp(prefix="course-bench-"))
    os.environ.update(
        COURSE_INSTANCE_PATH=str(instance),
        COURSE_DATABASE_URL=f"sqlite:///{instance / 'bench.db'}",
        COURSE_SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        COURSE_RATELIMIT="0",
    )
    sys.path.insert(0, str(ROOT))
    slug, lesson = prepare(instance)
    with gunicorn(args.workers, app=BENCH_APP) as base:
        cookie, body = sign_in(base, slug, lesson)
        (instance / "bench-body.html").write_bytes(body)
        script = instance / "report.lua"
        script.write_text(WRK_REPORT)
        lesson_url = f"{base}/courses/{slug}/lessons/{lesson}"
        constant_url = f"{base}/bench/constant"
        signed_in_url = f"{base}/bench/signed-in-constant"
        for url in (lesson_url, constant_url, signed_in_url):  # warm every worker
            wrk(url, cookie, 2, args.connections, script)
        lesson_result = wrk(lesson_url, cookie, args.seconds, args.connections, script)
        constant_result = wrk(constant_url, cookie, args.seconds, args.connections, script)
        signed_in_result = wrk(signed_in_url, cookie, args.seconds, args.connections, script)
    figures = {
        "course": slug,
        "lesson": lesson,
        "body_bytes": len(body),
        "workers": args.workers,
        "connections": args.connections,
        "seconds": args.seconds,
        "cpus": os.cpu_count(),
        "lesson_page": lesson_result,
        "constant_route": constant_result,
        "signed_in_constant_route": signed_in_result,
        "ratio": round(lesson_result["rps"] / constant_result["rps"], 3),
        # The floor of any signed-in page: the session's user loaded, nothing else.
        "ratio_signed_in_constant": round(signed_in_result["rps"] / constant_result["rps"], 3),
    }
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "lesson_throughput.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
