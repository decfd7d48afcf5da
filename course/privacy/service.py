"""What the platform holds about one person, as one ZIP; and erasure at the person's request.

The rule for erasure (docs/privacy.md): the account row stays, anonymised, so that records other
people rely on (an organisation's completion figures, item statistics, the audit trail) keep
their shape without naming anyone; free text the person wrote is blanked; memberships, cohort
places and pending invitations go. Certificates already issued are either withdrawn (revoked with
the public reason "withdrawn at the holder's request", their name removed) or kept verifiable,
as the person chooses.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from typing import IO, TYPE_CHECKING

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from course.accounts.models import User
from course.audit.models import AuditEvent
from course.cases.models import CaseChoice, CasePlay, Reflection
from course.certificates.models import Certificate
from course.orgs.models import Cohort, CohortMember, Invitation, Membership, Organisation
from course.progress.models import CourseCompletion, Enrolment, LearningRecord, LessonCompletion
from course.quizzes.models import EssayGrading, QuizAttempt

if TYPE_CHECKING:
    from typing import Any

    from sqlalchemy import Select


#: Columns never exported, even to their owner: secrets, not personal data.
SECRET_COLUMNS = {"password_hash", "token_hash", "submission_token", "session_epoch"}

WITHDRAWN_REASON = "withdrawn_by_holder"


def _value(value: Any):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _row(obj: Any) -> dict:
    return {
        column.key: _value(getattr(obj, column.key))
        for column in sa_inspect(type(obj)).column_attrs
        if column.key not in SECRET_COLUMNS
    }


def collect(session: Session, user: User) -> dict[str, list[dict]]:
    """Every record about ``user``, table by table, as plain values."""
    plays = list(session.scalars(select(CasePlay).where(CasePlay.user_id == user.id)))
    play_ids = [play.id for play in plays]
    attempts = list(session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)))
    attempt_ids = [attempt.id for attempt in attempts]
    memberships = list(session.scalars(select(Membership).where(Membership.user_id == user.id)))
    org_names = {
        org.id: org.name
        for org in session.scalars(
            select(Organisation).where(
                Organisation.id.in_([m.organisation_id for m in memberships])
            )
        )
    }

    def rows(statement: Select) -> list[dict]:
        return [_row(obj) for obj in session.scalars(statement)]

    data = {
        "profile": [_row(user)],
        "memberships": [
            {**_row(m), "organisation": org_names.get(m.organisation_id)} for m in memberships
        ],
        "cohorts": [
            {
                "cohort_id": cohort.id,
                "cohort": cohort.name,
                "organisation_id": cohort.organisation_id,
            }
            for cohort in session.scalars(
                select(Cohort).join(CohortMember).where(CohortMember.user_id == user.id)
            )
        ],
        "invitations": rows(select(Invitation).where(Invitation.email == user.email)),
        "enrolments": rows(select(Enrolment).where(Enrolment.user_id == user.id)),
        "lesson_completions": rows(
            select(LessonCompletion).where(LessonCompletion.user_id == user.id)
        ),
        "course_completions": rows(
            select(CourseCompletion).where(CourseCompletion.user_id == user.id)
        ),
        "quiz_attempts": [_row(attempt) for attempt in attempts],
        "essay_gradings": rows(
            select(EssayGrading).where(EssayGrading.attempt_id.in_(attempt_ids))
        ),
        "case_plays": [_row(play) for play in plays],
        "case_choices": rows(select(CaseChoice).where(CaseChoice.play_id.in_(play_ids))),
        "reflections": rows(select(Reflection).where(Reflection.play_id.in_(play_ids))),
        "certificates": rows(select(Certificate).where(Certificate.user_id == user.id)),
        "learning_records": rows(
            select(LearningRecord)
            .where(LearningRecord.user_id == user.id)
            .order_by(LearningRecord.timestamp, LearningRecord.id)
        ),
        "audit_events": rows(
            select(AuditEvent)
            .where(or_(AuditEvent.actor_id == user.id, AuditEvent.subject_user_id == user.id))
            .order_by(AuditEvent.id)
        ),
    }
    return data


#: Tables whose rows are flat enough for a spreadsheet; each also comes as JSON.
CSV_TABLES = (
    "memberships",
    "cohorts",
    "enrolments",
    "lesson_completions",
    "course_completions",
    "quiz_attempts",
    "case_plays",
    "certificates",
    "audit_events",
)


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    key: json.dumps(value, ensure_ascii=False)
                    if isinstance(value, dict | list)
                    else value
                    for key, value in row.items()
                }
            )
    return out.getvalue().encode("utf-8")


README = """Your data on the training platform
==================================

Exported {when} (UTC) for {email}.

Each file holds one kind of record, as JSON (all fields) and, for flat tables, as CSV
(UTF-8, opens in Excel and WPS). Passwords are stored only as one-way hashes and are not
included. certificates.json carries each certificate's signed credential (the "token" field,
a VC-JWT) that anyone can verify.

数据导出：每个文件是一类记录，JSON 含全部字段，表格类另附 CSV（UTF-8）。
密码仅以不可逆哈希保存，不在导出之列。
"""


def write_zip(session: Session, user: User, out: IO[bytes], now: datetime) -> None:
    """Write the person's ZIP into ``out``."""
    data = collect(session, user)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(
            "README.txt", README.format(when=now.strftime("%Y-%m-%d %H:%M"), email=user.email)
        )
        for name, rows in data.items():
            bundle.writestr(f"{name}.json", json.dumps(rows, ensure_ascii=False, indent=2))
            if name in CSV_TABLES:
                bundle.writestr(f"{name}.csv", _csv(rows))


def erase(session: Session, user: User, withdraw_certificates: bool, now: datetime) -> None:
    """Anonymise ``user`` at their request (see the module's rule)."""
    from course.accounts.service import normalise_email

    original_email = normalise_email(user.email)
    user.display_name = "已删除用户 Deleted user"
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.password_hash = "!"  # matches no password
    user.deleted_at = now
    user.deactivated_at = user.deactivated_at or now
    user.session_epoch += 1
    user.notification_opt_outs = []
    for membership in session.scalars(select(Membership).where(Membership.user_id == user.id)):
        session.delete(membership)
    for place in session.scalars(select(CohortMember).where(CohortMember.user_id == user.id)):
        session.delete(place)
    for invitation in session.scalars(
        select(Invitation).where(
            Invitation.email == original_email, Invitation.accepted_at.is_(None)
        )
    ):
        session.delete(invitation)
    play_ids = select(CasePlay.id).where(CasePlay.user_id == user.id)
    for reflection in session.scalars(select(Reflection).where(Reflection.play_id.in_(play_ids))):
        reflection.text = ""
    attempts = list(session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)))
    essays: dict[int, set[str]] = {}
    for grading in session.scalars(
        select(EssayGrading).where(EssayGrading.attempt_id.in_([a.id for a in attempts]))
    ):
        essays.setdefault(grading.attempt_id, set()).add(grading.question_id)
        grading.comment = None
    for attempt in attempts:
        attempt.responses = _blank_free_text(attempt.responses, essays.get(attempt.id, set()))
    for certificate in session.scalars(select(Certificate).where(Certificate.user_id == user.id)):
        if withdraw_certificates:
            certificate.recipient_name = "—"
            certificate.public = False
            if certificate.status != "revoked":
                certificate.status = "revoked"
                certificate.revoked_at = now
                certificate.revocation_reason = WITHDRAWN_REASON
    session.flush()


#: A typed answer longer than this is prose (an essay still being written), not a short answer.
PROSE_LENGTH = 40


def _blank_free_text(responses: dict | None, essay_ids: set[str]) -> dict:
    """Keep which options were chosen and short answers (item statistics need them); blank
    essays (known from the grading queue) and any other prose the person typed."""
    kept = {}
    for key, value in (responses or {}).items():
        prose = isinstance(value, str) and len(value) > PROSE_LENGTH
        kept[key] = "" if key in essay_ids or prose else value
    return kept
