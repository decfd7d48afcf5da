"""The application the benchmarks serve: ``course.create_app()`` plus two constant routes.

``gunicorn --pythonpath bench benchapp:app``. The production application has no benchmark
routes; this module wraps the factory and adds them:

- ``/bench/constant`` returns the bytes saved in ``<instance>/bench-body.html`` (one lesson page's
  worth), paying Flask's request handling but no database, session user or template; with
  ``?burn_ms=N`` (at most 100) it first burns N ms of CPU, as a real page's work would;
- ``/bench/signed-in-constant`` returns the same bytes behind ``login_required``: what loading
  the session's user alone costs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, request
from flask_login import login_required

import course


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """The platform's application with the benchmark routes added."""
    app = course.create_app(test_config)
    cached: dict[str, bytes] = {}

    def constant() -> Response:
        burn = min(request.args.get("burn_ms", 0.0, type=float), 100.0) / 1000
        if burn:
            end = time.thread_time() + burn
            while time.thread_time() < end:
                pass
        if "body" not in cached:
            path = os.path.join(current_app.instance_path, "bench-body.html")
            with open(path, "rb") as handle:
                cached["body"] = handle.read()
        return Response(cached["body"], mimetype="text/html")

    app.add_url_rule("/bench/constant", "bench_constant", constant)
    app.add_url_rule(
        "/bench/signed-in-constant", "bench_signed_in_constant", login_required(constant)
    )
    return app


app = create_app()
