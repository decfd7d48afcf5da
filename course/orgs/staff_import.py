"""Reading a staff list (CSV) into a plan of what importing it would do. Pure: no database.

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
MAX_ROWS = 5000


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


def decode(data: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (BOM or not) first, then GB18030 (a superset of GBK)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def parse(data: bytes) -> tuple[list[StaffRow], list[RowError]]:
    """Rows and row errors (by 1-based line number, the header being line 1)."""
    try:
        text = decode(data)
    except UnicodeDecodeError:
        return [], [RowError(1, "The file is neither UTF-8 nor GBK text.")]
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return [], [RowError(1, "The file is empty.")]
    columns = [HEADERS.get(name.strip().lower(), HEADERS.get(name.strip())) for name in header]
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        return [], [RowError(1, f"Missing column(s): {', '.join(missing)}.")]
    rows: list[StaffRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if index > MAX_ROWS + 1:
            errors.append(RowError(index, f"More than {MAX_ROWS} rows; split the file."))
            break
        record = {
            col: values[i].strip() for i, col in enumerate(columns) if col and i < len(values)
        }
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
                name=record["name"],
                email=email,
                employee_number=record.get("employee_number", ""),
                department=record.get("department", ""),
                role=role,
            )
        )
    return rows, errors


def plan(data: bytes, existing: Mapping[str, ExistingMember]) -> ImportPlan:
    """What importing ``data`` would do, given the people already known by e-mail."""
    rows, errors = parse(data)
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
