"""Server-side pagination for list pages: one page of rows (``LIMIT``/``OFFSET``) and one SQL
``count``, never the whole list. Works for selects of one entity (``scalars``) and of several
columns (rows)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import request, url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from course.extensions import db

PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def page_of(
    session: Session, query: Select, page: int, per_page: int = PER_PAGE, scalars: bool = True
) -> Page:
    """Page ``page`` (from 1; past the end gives the last page) of ``query`` and its count."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    last = max(1, math.ceil((total or 0) / per_page))
    page = min(max(page, 1), last)
    limited = query.limit(per_page).offset((page - 1) * per_page)
    result = session.execute(limited)
    items = list(result.scalars()) if scalars else list(result)
    return Page(items, page, per_page, total or 0)


def paginate(
    query: Select, per_page: int = PER_PAGE, arg: str = "page", scalars: bool = True
) -> Page:
    """The page of ``query`` that the request's ``?page=`` (or ``arg``) asks for."""
    return page_of(db.session, query, request.args.get(arg, 1, type=int) or 1, per_page, scalars)


def page_url(number: int, arg: str = "page") -> str:
    """This page's address with its filters kept and another page number."""
    args = {**(request.view_args or {}), **request.args.to_dict(), arg: number}
    return url_for(request.endpoint, **args)
