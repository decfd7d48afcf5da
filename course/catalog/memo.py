"""Per-process memos of immutable version data: outlines and rendered lessons.

A course version never changes once stored, so what is derived from it can be kept in memory,
keyed by the version's content hash (equal hashes mean equal files, hence equal renderings). The
memos are bounded (least recently used entries are dropped) and live in each worker process.
"""

from __future__ import annotations

from course.memo import Memo

#: ``(content_hash, locale) -> list[OutlineModule]``
outlines = Memo(256)
#: ``(content_hash, lesson_slug, locale) -> LessonView``
lessons = Memo(2048)
