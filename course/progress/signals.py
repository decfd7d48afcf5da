"""Signals progress sends, for later areas to listen to without progress importing them.

``course_completed.send(course, completion=..., session=..., now=...)`` fires once per trainee
and course, inside the transaction that stored the ``CourseCompletion``: the sender is the
``Course``; a receiver may add to the session (and flush) but must not commit.
"""

from blinker import Namespace

_signals = Namespace()

course_completed = _signals.signal("course-completed")
