"""A lesson page's query count does not grow with the course's size."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from course.catalog import service
from course.extensions import db

from .conftest import NOW


def generate_course(root: Path, slug: str, lessons: int, per_module: int = 10) -> Path:
    """Write a valid package with ``lessons`` lessons in modules of ``per_module``."""
    folder = root / "content" / slug
    modules = [f"m{n}" for n in range(1, (lessons + per_module - 1) // per_module + 1)]
    folder.mkdir(parents=True)
    (folder / "course.yaml").write_text(
        f"slug: {slug}\nlocales: [zh-CN, en]\ntitle: {{zh-CN: 生成的课程, en: Generated}}\n"
        f"hours: 2\nmodules: [{', '.join(modules)}]\n"
        "completion: {lessons: all, module_quizzes: none, cases: none, final_exam: none}\n",
        "utf-8",
    )
    for m, module in enumerate(modules, 1):
        count = min(per_module, lessons - (m - 1) * per_module)
        directory = folder / f"{m:02d}-{module}"
        directory.mkdir()
        items = "\n".join(f"  - lesson: l{m}-{n}" for n in range(1, count + 1))
        (directory / "module.yaml").write_text(
            f"title: {{zh-CN: 模块{m}, en: Module {m}}}\n"
            f"objectives:\n  - id: {module}-o1\n    text: 目标\nitems:\n{items}\n",
            "utf-8",
        )
        for n in range(1, count + 1):
            for locale in ("zh-CN", "en"):
                (directory / f"{n:02d}-l{m}-{n}.{locale}.md").write_text(
                    f"---\ntitle: Lesson {m}.{n}\nobjectives: [{module}-o1]\n---\n\n"
                    f"## Part one\n\nText of lesson {m}.{n} in {locale}.\n\n## Part two\n\nMore.\n",
                    "utf-8",
                )
    return folder


@contextmanager
def counting_queries():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_lesson_page_query_count_is_independent_of_course_size(
    app, client, db_session, tmp_path, create_user, login
):
    small = generate_course(tmp_path / "a", "small-course", 10)
    large = generate_course(tmp_path / "b", "large-course", 300)
    for folder in (small, large):
        result = service.import_package(db_session, None, folder, NOW)
        assert result.ok, result.problems[:3]
    db_session.commit()
    login(create_user())
    counts = {}
    for slug, lesson in (("small-course", "l1-5"), ("large-course", "l15-5")):
        assert client.post(f"/courses/{slug}/enrol").status_code == 302
        client.get(f"/courses/{slug}/lessons/{lesson}")  # warm caches
        with counting_queries() as statements:
            response = client.get(f"/courses/{slug}/lessons/{lesson}")
        assert response.status_code == 200
        assert f"Lesson {lesson[1:].replace('-', '.')}" in response.get_data(as_text=True)
        counts[slug] = len(statements)
    assert counts["small-course"] == counts["large-course"], counts
    # One statement reads the reader, the course, its version and the standing; the lesson row and
    # the outline come from the worker's memo after the first request.
    assert counts["small-course"] == 1, counts
