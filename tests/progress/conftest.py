"""Progress tests use the cases fixtures: the fixture course, its people and quiz outcomes."""

from tests.cases.conftest import (  # noqa: F401
    app,
    course,
    database_template,
    people,
    quiz_results,
)
