"""Report fixtures: the catalog's fixture course with graded quiz attempts."""

from tests.authoring.conftest import course, course_dir, instructor  # noqa: F401
