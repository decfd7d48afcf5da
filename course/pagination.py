"""Server-side pagination for list pages: the page's rows and a SQL ``count``, never the whole
list. Built on Flask-SQLAlchemy's ``paginate`` (``LIMIT``/``OFFSET`` plus one count query)."""

from __future__ import annotations

from flask import request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from course.extensions import db

PER_PAGE = 50
MAX_PER_PAGE = 200


def paginate(query: Select, per_page: int = PER_PAGE, arg: str = "page") -> Pagination:
    """The page of ``query`` that the request's ``?page=`` asks for (1 when absent or bad)."""
    page = request.args.get(arg, 1, type=int) or 1
    return db.paginate(
        query,
        page=max(page, 1),
        per_page=per_page,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )


def page_url(number: int, arg: str = "page") -> str:
    """This page's address with its filters kept and another page number."""
    args = {**(request.view_args or {}), **request.args.to_dict(), arg: number}
    return url_for(request.endpoint, **args)
