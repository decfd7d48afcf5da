"""One logging set-up for the web workers, the job worker and the commands.

Readable text by default, one JSON object per line with ``COURSE_LOG_FORMAT=json``. Every line
carries the request id (or the job id) and the signed-in user's id where known. Secrets never
reach a log line: reset and invitation links, ``password=``/``token=`` values and bearer tokens
are masked by :func:`redact`, which every line passes through.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)

#: Link tokens and secret values: the part that matters is kept, the secret is masked.
_SECRETS = (
    (re.compile(r"(/password/reset/|/invitations/|/welcome/)[^\s/?\"'&#]+"), r"\1[redacted]"),
    (
        re.compile(
            r"(?i)\b(password|passwd|token|secret|csrf_token|api_key|code)"
            r"(\"?\s*[=:]\s*\"?)[^\s&\"',;]+"
        ),
        r"\1\2[redacted]",
    ),
    (re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

access_log = logging.getLogger("course.access")
job_log = logging.getLogger("course.jobs")


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def _user_id() -> int | None:
    if not has_request_context():
        return None
    user = g.get("_login_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``job_id`` and ``user_id`` to every record, and masks secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.job_id = job_id.get()
        record.user_id = _user_id()
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "job_id",
    "user_id",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "job_id", "user_id"):
            if getattr(record, name, None) is not None:
                line[name] = getattr(record, name)
        for name, value in vars(record).items():
            if name not in _STANDARD and not name.startswith("_"):
                line[name] = value
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        parts = []
        if getattr(record, "request_id", None):
            parts.append(f"req={record.request_id}")
        if getattr(record, "job_id", None):
            parts.append(f"job={record.job_id}")
        if getattr(record, "user_id", None) is not None:
            parts.append(f"user={record.user_id}")
        record.context = " ".join(parts) or "-"
        return super().format(record)


def configure(fmt: str = "text", level: str = "INFO", stream=None) -> logging.Handler:
    """Send the platform's log lines (and gunicorn's and huey's) to one stream, once."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "course_handler", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.course_handler = True
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for chatty in ("weasyprint", "fontTools", "PIL"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    for name in ("huey", "huey.consumer"):
        logging.getLogger(name).propagate = True
    return handler


# --- web requests --------------------------------------------------------------------------------


def _begin_request() -> None:
    given = request.headers.get("X-Request-ID", "")
    value = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_token = request_id.set(value)
    g.request_started = time.perf_counter()


def _end_request(response):
    value = request_id.get()
    if value:
        response.headers.setdefault("X-Request-ID", value)
    started = g.pop("request_started", None)
    if started is not None and request.endpoint not in {"health.healthz", "health.readyz"}:
        access_log.info(
            "%s %s %s %.1fms",
            request.method,
            request.full_path.rstrip("?"),
            response.status_code,
            (time.perf_counter() - started) * 1000,
            extra={
                "method": request.method,
                "path": redact(request.path),
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "remote_addr": request.remote_addr,
            },
        )
    return response


def _forget_request(_exc=None) -> None:
    token = g.pop("request_token", None)
    if token is not None:
        request_id.reset(token)


def init_app(app: Flask) -> None:
    """Access lines and request ids for the web; the format from ``COURSE_LOG_FORMAT``."""
    if not app.config.get("TESTING"):
        configure(app.config.get("LOG_FORMAT", "text"), app.config.get("LOG_LEVEL", "INFO"))
    app.before_request(_begin_request)
    app.after_request(_end_request)
    app.teardown_request(_forget_request)


# --- background jobs -----------------------------------------------------------------------------


def instrument(huey) -> None:
    """Log every job's start, end and failure, and time it for the metrics."""
    from huey import signals

    from course import metrics

    started: dict[str, tuple[float, contextvars.Token]] = {}

    @huey.signal(signals.SIGNAL_EXECUTING)
    def _executing(signal, task, *args):
        token = job_id.set(task.id)
        started[task.id] = (time.perf_counter(), token)
        job_log.info("job started: %s", task.name, extra={"task": task.name})

    def _finish(task, failed: bool, exc: BaseException | None = None) -> None:
        began, token = started.pop(task.id, (None, None))
        seconds = time.perf_counter() - began if began is not None else 0.0
        metrics.JOB_SECONDS.labels(task.name).observe(seconds)
        if failed:
            metrics.JOB_FAILURES.labels(task.name).inc()
            job_log.error(
                "job failed: %s after %.2fs: %s",
                task.name,
                seconds,
                exc,
                extra={"task": task.name, "duration_s": round(seconds, 3)},
                exc_info=(type(exc), exc, exc.__traceback__) if exc is not None else None,
            )
        else:
            job_log.info(
                "job finished: %s in %.2fs",
                task.name,
                seconds,
                extra={"task": task.name, "duration_s": round(seconds, 3)},
            )
        if token is not None:
            try:
                job_id.reset(token)
            except ValueError:  # set in another context (thread); nothing to restore
                job_id.set(None)

    @huey.signal(signals.SIGNAL_COMPLETE)
    def _complete(signal, task, *args):
        _finish(task, failed=False)

    @huey.signal(signals.SIGNAL_ERROR)
    def _error(signal, task, exc=None, *args):
        _finish(task, failed=True, exc=exc)
