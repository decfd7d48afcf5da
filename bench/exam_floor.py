"""The floor under the exam-start figure: the same burst against routes that do no work.

Usage: ``.venv/bin/python bench/exam_floor.py [--trainees 300] [--burn 0,0.5,1,2]``

``exam_burst.py`` times a start as two requests (the POST that starts the attempt and the attempt
page it leads to). This script sends the same two requests per start, from the same kind of client
(one urllib thread per trainee, each starting at a random moment of one second), to the constant
route of ``bench/benchapp.py``, which returns an attempt page's worth of bytes after burning
``burn_ms`` of CPU. It prints, for each burn, the p50/p95 of a lone start (after a warm-up) and of
the burst, and the burst/lone p95 ratio, and writes ``bench/results/exam_floor.json``.

With ``burn_ms=0`` the ratio is what the machine gives a start that costs nothing beyond Flask and
gunicorn; each step up shows how fast the ratio grows as a start's CPU cost grows, which is what
bounds ``exam_burst.py``'s start ratio on a machine where client and server share the cores.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exam_client import percentiles  # noqa: E402
from lesson_throughput import BENCH_APP, gunicorn  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PAGE_BYTES = 18_000  # about one 20-question attempt page


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def start(client, url: str) -> float:
    """Two requests, as a start is; returns the seconds taken."""
    began = time.monotonic()
    for _ in range(2):
        with client.open(url, timeout=300) as response:
            response.read()
    return time.monotonic() - began


def measure(base: str, burn: float, trainees: int) -> dict:
    url = f"{base}/bench/constant?burn_ms={burn}"
    for _ in range(50):  # warm every worker
        start(opener(), url)
    lone = [start(opener(), url) for _ in range(20)]
    timings: list[float] = []
    barrier = threading.Barrier(trainees + 1)

    def one(rng: random.Random) -> None:
        client = opener()
        barrier.wait()
        time.sleep(rng.uniform(0, 1))
        timings.append(start(client, url))

    threads = [threading.Thread(target=one, args=(random.Random(n),)) for n in range(trainees)]
    for thread in threads:
        thread.start()
    barrier.wait()
    for thread in threads:
        thread.join()
    single, burst = percentiles(lone), percentiles(timings)
    return {
        "burn_ms_per_request": burn,
        "single": single,
        "burst": burst,
        "ratio_p95": round(burst["p95_ms"] / single["p95_ms"], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=300)
    parser.add_argument("--burn", default="0,0.5,1,2", help="CPU ms per request, comma-separated")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="course-floor-"))
    os.environ.update(
        COURSE_INSTANCE_PATH=str(instance),
        COURSE_DATABASE_URL=f"sqlite:///{instance / 'bench.db'}",
        COURSE_SECRET_KEY="bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        COURSE_RATELIMIT="0",
    )
    sys.path.insert(0, str(ROOT))
    from course import create_app
    from course.extensions import db

    with create_app().app_context():
        db.create_all()
        db.engine.dispose()
    (instance / "bench-body.html").write_bytes(b"x" * PAGE_BYTES)
    with gunicorn(args.workers, backlog=2048, app=BENCH_APP) as base:
        rows = [measure(base, float(burn), args.trainees) for burn in args.burn.split(",")]
    figures = {"trainees": args.trainees, "workers": args.workers, "cpus": os.cpu_count(),
               "rows": rows}  # fmt: skip
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "exam_floor.json").write_text(json.dumps(figures, indent=2) + "\n")
    for row in rows:
        print(
            f"burn {row['burn_ms_per_request']:>4} ms/request: lone start p50/p95 "
            f"{row['single']['p50_ms']}/{row['single']['p95_ms']} ms, burst "
            f"{row['burst']['p50_ms']}/{row['burst']['p95_ms']} ms, ratio {row['ratio_p95']}"
        )
    shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
