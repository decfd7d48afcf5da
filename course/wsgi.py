"""The WSGI entry point for gunicorn: ``gunicorn course.wsgi:app``."""

from course import create_app

app = create_app()
