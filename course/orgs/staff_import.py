"""Reading a staff list (CSV) into a plan of what importing it would do. Pure: no database.

There is no row limit: the upload size (``COURSE_MAX_UPLOAD_MB``) is the only bound. The
upload request only reads the table (:func:`read_table`); checking rows (:func:`check_rows`)
and planning (:func:`plan_rows`) run in the preview job.

Accepted encodings: UTF-8 with or without a byte-order mark, and GBK/GB18030 as written by
Chinese spreadsheet software. Header names may be English or Chinese.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

HEADERS = {
    "name": "name",
    "姓名": "name",
    "email": "email",
    "邮箱": "email",
    "电子邮箱": "email",
    "employee_number": "employee_number",
    "工号": "employee_number",
    "department": "department",
    "部门": "department",
    "role": "role",
    "角色": "role",
}
ROLE_NAMES = {
    "trainee": "trainee",
    "学员": "trainee",
    "instructor": "instructor",
    "讲师": "instructor",
    "org_admin": "org_admin",
    "admin": "org_admin",
    "管理员": "org_admin",
}
REQUIRED = ("name", "email")
#: The actions a preview shows under one label: a person new to the organisation.
NEW_PERSON = ("create", "invite")
#: The downloadable template, per page language: header labels the importer accepts (see
#: ``HEADERS``, so the template is not translated through the catalogues but chosen from
#: them) and one example row with a role name of the same language.
TEMPLATE = {
    "zh-CN": (
        ("姓名", "邮箱", "工号", "部门", "角色"),
        ("张伟", "zhang.wei@example.com", "E0001", "综合窗口", "学员"),
    ),
    "en": (
        ("name", "email", "employee_number", "department", "role"),
        ("Li Na", "li.na@example.com", "E0001", "Front desk", "trainee"),
    ),
}


@dataclass(frozen=True)
class StaffRow:
    line: int
    name: str
    email: str
    employee_number: str
    department: str
    role: str


@dataclass(frozen=True)
class ExistingMember:
    """What the organisation already knows about a person, keyed by e-mail."""

    name: str
    employee_number: str
    department: str
    role: str | None  # None: the account exists but is not a member


@dataclass
class RowPlan:
    row: StaffRow
    #: ``create`` (new account and membership), ``invite`` (an existing account that is not a
    #: member is sent an invitation; it joins only when its holder accepts), ``update``
    #: (member's details change) or ``unchanged``. Previews show ``create`` and ``invite``
    #: alike (``NEW_PERSON``), so an import does not reveal who already has an account.
    action: str
    changes: list[str] = field(default_factory=list)


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    errors: list[RowError]

    @property
    def clean(self) -> bool:
        return not self.errors

    def count(self, *actions: str) -> int:
        return sum(1 for plan in self.rows if plan.action in actions)


def template_csv(locale: str) -> bytes:
    """The staff list template for ``locale`` (``zh-CN`` or ``en``; others get Chinese) as
    UTF-8 with a byte-order mark, which spreadsheet software needs to open Chinese text."""
    header, example = TEMPLATE.get(locale, TEMPLATE["zh-CN"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow(example)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def decode(data: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (BOM or not) first, then GB18030 (a superset of GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


class HeaderError(ValueError):
    """The file cannot be read as a staff list at all (encoding, empty, missing columns)."""


def read_table(data: bytes) -> list[dict[str, str]]:
    """The file's records (``{"line": n, column: value}``), by 1-based line number (the
    header is line 1), skipping blank lines. This is all the upload request does: checking
    each row is the preview job's work. Raises :class:`HeaderError`."""
    try:
        text = decode(data)
    except UnicodeDecodeError:
        raise HeaderError("The file is neither UTF-8 nor GBK text.") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise HeaderError("The file is empty.")
    columns = [HEADERS.get(name.strip().lower(), HEADERS.get(name.strip())) for name in header]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise HeaderError(f"Missing column(s): {', '.join(missing)}.")
    records = []
    for index, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        record = {
            col: values[i].strip() for i, col in enumerate(columns) if col and i < len(values)
        }
        record["line"] = index
        records.append(record)
    return records


def check_rows(records: list[dict]) -> tuple[list[StaffRow], list[RowError]]:
    """Valid rows and row errors: names present, addresses valid and unique, roles known."""
    rows: list[StaffRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for record in records:
        index = record["line"]
        problems = []
        if not record.get("name"):
            problems.append("the name is empty")
        email = record.get("email", "")
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            problems.append(f"'{email}' is not a valid email address")
        role = ROLE_NAMES.get(record.get("role", "").strip().lower() or "trainee")
        if role is None:
            problems.append(f"unknown role '{record.get('role')}'")
        if email in seen:
            problems.append(f"the email also appears on line {seen[email]}")
        if problems:
            errors.append(RowError(index, "; ".join(problems)))
            continue
        seen[email] = index
        rows.append(
            StaffRow(
                line=index,
                name=record["name"][:120],
                email=email,
                employee_number=record.get("employee_number", "")[:64],
                department=record.get("department", "")[:120],
                role=role,
            )
        )
    return rows, errors


def parse(data: bytes) -> tuple[list[StaffRow], list[RowError]]:
    """Rows and row errors (by 1-based line number, the header being line 1)."""
    try:
        records = read_table(data)
    except HeaderError as exc:
        return [], [RowError(1, str(exc))]
    return check_rows(records)


def plan_rows(
    rows: list[StaffRow], errors: list[RowError], existing: Mapping[str, ExistingMember]
) -> ImportPlan:
    """What importing ``rows`` would do, given the people already known by e-mail."""
    plans = []
    for row in rows:
        known = existing.get(row.email)
        if known is None:
            plans.append(RowPlan(row, "create"))
        elif known.role is None:
            plans.append(RowPlan(row, "invite"))
        else:
            changes = [
                name
                for name, old, new in (
                    ("employee_number", known.employee_number, row.employee_number),
                    ("department", known.department, row.department),
                    ("role", known.role, row.role),
                )
                if old != new
            ]
            plans.append(RowPlan(row, "update" if changes else "unchanged", changes))
    return ImportPlan(plans, errors)


def plan(data: bytes, existing: Mapping[str, ExistingMember]) -> ImportPlan:
    """What importing ``data`` would do, given the people already known by e-mail."""
    rows, errors = parse(data)
    return plan_rows(rows, errors, existing)
