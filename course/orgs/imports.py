"""Staff import at any size, in three steps that each leave their state in the database.

1. The upload request reads the CSV once (:func:`staff_import.read_table`), stores the records
   as JSON through ``course.storage`` and creates a :class:`StaffImport` (:func:`start`).
2. The preview job checks every row and plans it against the people already known
   (:func:`preview`), writing one :class:`StaffImportRow` per row with batched inserts.
3. After the admin confirms, the import job (:func:`apply`) re-checks the plan against the
   database and then writes every row with batched statements in one transaction: a row that
   no longer fits fails the whole import, naming its line, and nothing is written.

New accounts get no password hash; their holders set one through the welcome link. The jobs
report progress through a ``progress(done)`` callback, which the task commits.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from course import storage
from course.accounts.models import User
from course.audit import service as audit
from course.audit.models import AuditEvent
from course.orgs import staff_import
from course.orgs.models import Invitation, Membership, Organisation, StaffImport, StaffImportRow
from course.orgs.service import INVITATION_DAYS, new_token

#: Rows per batched statement (well under SQLite's 32,766 bound parameters).
CHUNK = 500
ACTIONS = ("create", "invite", "update", "unchanged", "error")
#: What the pages show, by label: a person new to the organisation is "new" whether an account
#: is created or an existing one invited, so no page tells whether an address has an account.
SHOWN_ACTIONS = {
    "new": ("create", "invite"),
    "update": ("update",),
    "unchanged": ("unchanged",),
    "error": ("error",),
}

Progress = Callable[[int], None]


class ImportFailed(Exception):
    """The import cannot go ahead; ``line`` names the row (0 when it is not one row's fault)."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line
        self.message = message


def shown_counts(counts: dict[str, int]) -> dict[str, int]:
    """Counts per shown label (see ``SHOWN_ACTIONS``)."""
    return {
        label: sum(counts.get(action, 0) for action in actions)
        for label, actions in SHOWN_ACTIONS.items()
    }


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def start(
    session: Session,
    actor: User,
    org: Organisation,
    records: list[dict],
    filename: str,
    now: datetime,
) -> StaffImport:
    """Keep the parsed records in the store and create the import, waiting for its preview."""
    key = f"imports/{org.id}/{secrets.token_hex(16)}.json"
    storage.save(key, json.dumps(records, ensure_ascii=False).encode())
    job = StaffImport(
        organisation_id=org.id,
        created_by_id=actor.id,
        filename=filename[:255],
        state="previewing",
        rows_key=key,
        total=len(records),
        done=0,
        counts={},
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job: StaffImport) -> bool:
    """Move a clean preview to ``importing``, once: of two confirmations racing, one wins."""
    claimed = session.execute(
        update(StaffImport)
        .where(StaffImport.id == job.id, StaffImport.state == "previewed")
        .values(state="importing", done=0)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(job)
    return claimed == 1


def existing_people(
    session: Session, org: Organisation, emails: Sequence[str]
) -> dict[str, staff_import.ExistingMember]:
    """What the organisation knows about each address that has an account (batched)."""
    found = {}
    for chunk in _chunks(list(emails)):
        rows = session.execute(
            select(
                User.email,
                User.display_name,
                Membership.employee_number,
                Membership.department,
                Membership.role,
            )
            .outerjoin(
                Membership,
                (Membership.user_id == User.id) & (Membership.organisation_id == org.id),
            )
            .where(User.email.in_(chunk))
        )
        for email, name, number, department, role in rows:
            found[email] = staff_import.ExistingMember(
                name=name, employee_number=number or "", department=department or "", role=role
            )
    return found


def preview(session: Session, job: StaffImport, progress: Progress) -> StaffImport:
    """Check and plan every row, store the plan as rows, and say whether the file is clean."""
    org = session.get(Organisation, job.organisation_id)
    records = json.loads(storage.read(job.rows_key))
    rows, errors = staff_import.check_rows(records)
    progress(len(records) // 4)
    done = len(records) // 4
    counts = dict.fromkeys(ACTIONS, 0)
    for chunk in _chunks(rows):
        plan = staff_import.plan_rows(
            list(chunk), [], existing_people(session, org, [row.email for row in chunk])
        )
        values = [
            {
                "import_id": job.id,
                "line": item.row.line,
                "action": item.action,
                "name": item.row.name,
                "email": item.row.email,
                "employee_number": item.row.employee_number,
                "department": item.row.department,
                "role": item.row.role,
                "detail": ",".join(item.changes),
            }
            for item in plan.rows
        ]
        session.execute(insert(StaffImportRow), values)
        for item in plan.rows:
            counts[item.action] += 1
        done += len(chunk) * 3 // 4
        progress(done)
    for chunk in _chunks(errors):
        session.execute(
            insert(StaffImportRow),
            [
                {"import_id": job.id, "line": e.line, "action": "error", "detail": e.message}
                for e in chunk
            ],
        )
    counts["error"] = len(errors)
    job.counts = counts
    job.state = "invalid" if errors else "previewed"
    job.done = job.total
    session.flush()
    return job


def planned_rows(session: Session, job: StaffImport, actions: Sequence[str]) -> list:
    """The previewed rows of ``actions``, by line, as plain rows (not ORM objects: the job
    commits its progress, which would expire objects and reload them one by one)."""
    row = StaffImportRow
    return list(
        session.execute(
            select(
                row.line,
                row.action,
                row.name,
                row.email,
                row.employee_number,
                row.department,
                row.role,
            )  # fmt: skip
            .where(row.import_id == job.id, row.action.in_(actions))
            .order_by(row.line)
        )
    )


def check_unchanged(
    session: Session, org: Organisation, rows: list[StaffImportRow], progress: Progress
) -> None:
    """Raise :class:`ImportFailed` for the first row whose plan no longer holds (someone
    registered, joined or changed since the preview)."""
    done = 0
    for chunk in _chunks(rows):
        known = existing_people(session, org, [row.email for row in chunk])
        plan = staff_import.plan_rows([_as_staff_row(row) for row in chunk], [], known)
        for row, now_planned in zip(chunk, plan.rows, strict=True):
            if now_planned.action != row.action:
                raise ImportFailed(
                    row.line,
                    "this person's account or membership changed after the preview; "
                    "preview the file again",
                )
        done += len(chunk)
        progress(done)


def _as_staff_row(row: StaffImportRow) -> staff_import.StaffRow:
    return staff_import.StaffRow(
        row.line, row.name, row.email, row.employee_number, row.department, row.role
    )


def apply(
    session: Session, job: StaffImport, now: datetime, progress: Progress
) -> tuple[list[int], list[int]]:
    """Import a previewed, clean file; returns the ids of the accounts created (to be sent a
    welcome link) and of the invitations made (to be e-mailed).

    An existing account that is not a member is never added: it gets an invitation that its
    holder accepts while signed in (nobody joins an organisation without their consent).

    Every check runs before the first write; the writes are batched statements in the
    caller's transaction, so a failure (raised as :class:`ImportFailed`) leaves nothing.
    """
    if job.state not in ("previewed", "importing"):
        raise ImportFailed(0, "the file has not been previewed or has errors")
    org = session.get(Organisation, job.organisation_id)
    rows = planned_rows(session, job, ("create", "invite", "update"))
    check_unchanged(session, org, rows, progress)
    creates = [row for row in rows if row.action == "create"]
    for chunk in _chunks(creates):
        session.execute(
            insert(User),
            [
                {
                    "email": row.email,
                    "display_name": row.name,
                    "password_hash": None,
                    "locale": "zh-CN",
                    "is_platform_admin": False,
                    "session_epoch": 0,
                    "created_at": now,
                }
                for row in chunk
            ],
        )
    joining = [row for row in rows if row.action == "create"]
    created_ids = []
    for chunk in _chunks(joining):
        ids = dict(
            session.execute(
                select(User.email, User.id).where(User.email.in_([row.email for row in chunk]))
            ).all()
        )
        session.execute(
            insert(Membership),
            [
                {
                    "organisation_id": org.id,
                    "user_id": ids[row.email],
                    "role": row.role,
                    "employee_number": row.employee_number,
                    "department": row.department,
                    "created_at": now,
                }
                for row in chunk
            ],
        )
        created_ids += [ids[row.email] for row in chunk if row.action == "create"]
        # The inserts above bypass the session's audit listener: record each membership here,
        # in one statement per chunk, attributed to the admin who confirmed the import.
        session.execute(
            insert(AuditEvent),
            [
                audit.event_row(
                    "membership.add",
                    organisation_id=org.id,
                    subject_user_id=ids[row.email],
                    details={"role": row.role, "via": f"staff_import:{job.id}"},
                    actor_id=job.created_by_id,
                    now=now,
                )
                for row in chunk
            ]
            + [
                audit.event_row(
                    "account.create",
                    subject_user_id=ids[row.email],
                    target=("user", ids[row.email]),
                    details={"via": f"staff_import:{job.id}"},
                    actor_id=job.created_by_id,
                    now=now,
                )
                for row in chunk
                if row.action == "create"
            ],
        )
    invitation_ids = _invite(session, org, [r for r in rows if r.action == "invite"], job, now)
    updates = [row for row in rows if row.action == "update"]
    _update_members(session, org, updates, job.created_by_id, now)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.action] = counts.get(row.action, 0) + 1
    audit.record(
        session,
        "staff_import.confirm",
        organisation_id=org.id,
        target=("staff_import", job.id),
        details={"file": job.filename, **counts},
        actor_id=job.created_by_id,
        now=now,
    )
    job.state = "done"
    job.to_mail = len(created_ids) + len(invitation_ids)
    job.mailed = 0
    job.finished_at = now
    session.flush()
    return created_ids, invitation_ids


def _invite(
    session: Session,
    org: Organisation,
    rows: list[StaffImportRow],
    job: StaffImport,
    now: datetime,
) -> list[int]:
    """Pending invitations for existing accounts. Their link tokens are made when the mail job
    sends them (``tasks.send_invitations_task``), so no token waits in the queue."""
    invitations = []
    for row in rows:
        invitation = Invitation(
            organisation_id=org.id,
            email=row.email,
            role=row.role,
            employee_number=row.employee_number,
            department=row.department,
            token_hash=new_token()[1],
            invited_by_id=job.created_by_id,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        session.add(invitation)
        invitations.append(invitation)
    session.flush()
    return [invitation.id for invitation in invitations]


def _update_members(
    session: Session,
    org: Organisation,
    rows: list[StaffImportRow],
    actor_id: int | None,
    now: datetime,
) -> None:
    # As when a member is added again by hand: a blank cell keeps what is on record.
    for chunk in _chunks(rows):
        members = {
            email: (member_id, number, department, role, user_id)
            for member_id, email, number, department, role, user_id in session.execute(
                select(
                    Membership.id,
                    User.email,
                    Membership.employee_number,
                    Membership.department,
                    Membership.role,
                    Membership.user_id,
                )
                .join(User, User.id == Membership.user_id)
                .where(
                    Membership.organisation_id == org.id,
                    User.email.in_([row.email for row in chunk]),
                )
            )
        }
        session.execute(
            update(Membership),
            [
                {
                    "id": members[row.email][0],
                    "role": row.role,
                    "employee_number": row.employee_number or members[row.email][1],
                    "department": row.department or members[row.email][2],
                }
                for row in chunk
            ],
        )
        changed = [row for row in chunk if members[row.email][3] != row.role]
        if changed:
            session.execute(
                insert(AuditEvent),
                [
                    audit.event_row(
                        "membership.role",
                        organisation_id=org.id,
                        subject_user_id=members[row.email][4],
                        details={"from": members[row.email][3], "to": row.role},
                        actor_id=actor_id,
                        now=now,
                    )
                    for row in changed
                ],
            )


def fail(session: Session, job: StaffImport, error: ImportFailed, now: datetime) -> None:
    """Record why the import stopped (after the caller rolled its writes back)."""
    job.state = "failed"
    job.failure = error.message
    job.failure_line = error.line or None
    job.finished_at = now
    session.flush()


def counts_by_action(session: Session, job: StaffImport) -> dict[str, int]:
    """Rows per action, counted in SQL."""
    found = dict(
        session.execute(
            select(StaffImportRow.action, func.count())
            .where(StaffImportRow.import_id == job.id)
            .group_by(StaffImportRow.action)
        ).all()
    )
    return {action: found.get(action, 0) for action in ACTIONS}


def discard_parsed_rows(job: StaffImport) -> None:
    """Delete the stored records once the import is over."""
    if job.rows_key and storage.exists(job.rows_key):
        storage.delete(job.rows_key)
    job.rows_key = None
