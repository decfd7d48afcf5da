"""gunicorn settings for the platform: ``gunicorn -c python:course.gunicorn_conf course.wsgi:app``.

It gives the workers one folder for the Prometheus client's multiprocess files (emptied when the
server starts) and tells the client when a worker exits, so ``/metrics`` adds up every worker.
gunicorn's own access log stays off: the application writes one access line per request, with
secrets masked and the request id (``course/logs.py``).
"""

from __future__ import annotations

import os
import shutil
import tempfile

accesslog = None
errorlog = "-"


def _metrics_folder() -> str:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="course-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


def on_starting(server) -> None:
    folder = _metrics_folder()
    if not os.environ.get("COURSE_METRICS_KEEP"):
        # Files of a previous run would be added to this one's figures.
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.unlink(os.path.join(folder, name))


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if folder.startswith(tempfile.gettempdir()) and "course-metrics-" in folder:
        shutil.rmtree(folder, ignore_errors=True)


_metrics_folder()
