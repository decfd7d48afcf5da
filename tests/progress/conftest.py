"""Progress tests use the cases fixtures: the fixture course, its people and quiz outcomes."""

from tests.cases.conftest import course, course_dir, people, quiz_results  # noqa: F401
