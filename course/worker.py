"""The job worker's entry point (``course worker``, or ``huey_consumer course.worker.huey``).

It imports every area's task module, so the consumer knows each task by name. Web processes
import only the tasks they enqueue; an area's new ``tasks.py`` is added to the imports here.
"""

from __future__ import annotations

import course.accounts.tasks
import course.certificates.tasks
import course.notifications.tasks
import course.orgs.tasks
import course.progress.tasks
import course.quizzes.tasks  # noqa: F401
from course.jobs import huey

__all__ = ["huey", "run_worker"]


def run_worker(workers: int = 2) -> None:
    """Run the consumer in this process until interrupted."""
    import os

    from huey.consumer import Consumer

    from course import logs

    logs.configure(
        os.environ.get("COURSE_LOG_FORMAT", "text"), os.environ.get("COURSE_LOG_LEVEL", "INFO")
    )
    Consumer(huey, workers=workers, worker_type="thread", periodic=True).run()
