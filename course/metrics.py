"""Prometheus metrics, correct across gunicorn's worker processes.

The official client (``prometheus_client``) keeps each process's values in memory-mapped files
when ``PROMETHEUS_MULTIPROC_DIR`` is set before it is imported; ``course serve`` and
``course/gunicorn_conf.py`` set it to a folder that is emptied when the server starts, and a
scrape of ``/metrics`` adds up every worker's files (and the job worker's, when it runs on the
same machine). Without the variable (the test client, ``flask run``) the values live in this
process only.

``/metrics`` is open to loopback clients that did not come through a proxy; anyone else needs
``Authorization: Bearer <COURSE_METRICS_TOKEN>``.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUESTS = Counter(
    "course_http_requests_total", "HTTP requests answered", ["route", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "course_http_request_duration_seconds",
    "Time spent answering an HTTP request",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOB_SECONDS = Histogram(
    "course_job_duration_seconds",
    "Time a background job ran",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)
JOB_FAILURES = Counter("course_job_failures_total", "Background jobs that raised", ["task"])
CERTIFICATES_RENDERED = Counter(
    "course_certificates_rendered_total", "Certificate PDFs rendered", ["outcome"]
)
SIGN_IN_FAILURES = Counter("course_sign_in_failures_total", "Sign-ins refused (wrong credentials)")
MAILS = Counter("course_mails_total", "E-mails handed to SMTP or the outbox", ["outcome"])

bp = Blueprint("metrics", __name__)


def _route() -> str:
    """The URL rule, not the path: ``/certificates/<int:certificate_id>.pdf`` stays one series."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe(response):
    started = g.pop("metrics_started", None)
    if started is not None and request.endpoint != "metrics.metrics":
        route = _route()
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(route, request.method).observe(time.perf_counter() - started)
    return response


def _queue_depth() -> GaugeMetricFamily:
    family = GaugeMetricFamily("course_job_queue_depth", "Jobs waiting in the queue")
    try:
        from course.jobs import huey

        family.add_metric([], float(huey.pending_count()))
    except Exception:  # noqa: BLE001 - an unreachable queue must not break the scrape
        family.add_metric([], float("nan"))
    return family


class _QueueCollector:
    def describe(self):
        return []  # names are only known at scrape time; nothing to check at registration

    def collect(self):
        yield _queue_depth()


def _local_registry() -> CollectorRegistry:
    from prometheus_client import REGISTRY

    REGISTRY.register(_QueueCollector())
    return REGISTRY


_LOCAL = None if MULTIPROCESS else _local_registry()


def registry() -> CollectorRegistry:
    """What a scrape reports: every process's metrics plus the queue depth, read now."""
    if _LOCAL is not None:
        return _LOCAL
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)
    collected.register(_QueueCollector())
    return collected


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def allowed() -> bool:
    """Loopback without a proxy in between, or the bearer token."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip(), token)
    forwarded = request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")
    return _is_loopback(request.remote_addr) and not forwarded


@bp.get("/metrics")
def metrics() -> Response:
    if not allowed():
        abort(403)
    return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    from course.extensions import csrf, limiter

    app.before_request(_start_timer)
    app.after_request(_observe)
    app.register_blueprint(bp)
    limiter.exempt(metrics)
    csrf.exempt(metrics)


def mark_process_dead(pid: int) -> None:
    """Called by gunicorn when a worker exits, so its live gauges stop counting."""
    if MULTIPROCESS:
        multiprocess.mark_process_dead(pid)


def serve_worker_metrics(port: int) -> None:
    """Expose this process's metrics (a worker machine's) on loopback, in a thread."""
    from prometheus_client import start_http_server

    start_http_server(port, addr="127.0.0.1", registry=registry())
