"""Property-based sweep: random bytes, control characters, deep structures and oversized values
sent to every route of the application (forms, JSON, query strings, uploads) as every role; no
response is a 5xx. Bounded: a few hundred requests, a few tens of seconds.

``TESTING`` propagates exceptions, so a crash fails the test with its traceback and the example
that caused it (hypothesis shrinks it).
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course.accounts.sessions import new_session_id

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes"
ROLES = ("anonymous", "trainee", "instructor", "org_admin", "platform_admin")
#: Rendering a PDF takes a second; the PDF preview reads no input but its organisation.
SLOW = {"certificates.preview", "static"}
FIELDS = (
    "email", "password", "confirm", "current", "display_name", "locale", "next", "q", "code",
    "lang", "action", "present", "token", "goto", "page", "title", "slug", "name", "comment",
    "reason", "course", "course_slug", "due_at", "role", "path", "content", "revision", "text",
    "choice", "scene", "prompt", "public", "export", "kind", "area", "department",
    "employee_number", "signatory_name", "signatory_title", "flag", "points-overall", "cohort",
    "user_id", "key", "data", "remember", "self_registration", "auto_issue", "format",
)  # fmt: skip
CONTROL = "".join(chr(n) for n in range(32)) + "\x7f"

text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=CONTROL + "ab/\\%&=?#'\"<>", max_size=20),
    st.sampled_from(["", "0", "-1", "1e309", "NaN", "9" * 30, "../../etc/passwd", "a" * 5000]),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


@st.composite
def deep_json(draw) -> bytes:
    depth = draw(st.sampled_from([70, 1_000, 100_000]))
    opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    return (opener * depth + "1" + closer * depth).encode()


fields = st.dictionaries(st.sampled_from(FIELDS) | text, text, max_size=6)
files = st.binary(max_size=300) | st.sampled_from([b"%PDF-1.7\n" + b"\x00" * 50, b"PK\x03\x04" * 8])
bodies = st.one_of(
    st.fixed_dictionaries({}, optional={"form": fields}),
    st.builds(lambda value: {"json": json.dumps(value).encode()}, json_values),
    st.builds(lambda value: {"json": value}, deep_json()),
    st.builds(lambda value: {"raw": value}, st.binary(max_size=200)),
    st.builds(
        lambda name, data, form: {"files": (name, data), "form": form},
        st.sampled_from(["file", "package", "logo", "seal", "signature", "asset", "csv"]),
        files,
        st.dictionaries(st.sampled_from(FIELDS), text, max_size=3),
    ),
)  # fmt: skip


@pytest.fixture
def world(app, db_session, tmp_path, create_user, create_org, add_member):
    """A course, an organisation and one account per role."""
    from course.catalog.service import import_package
    from course.db import utcnow
    from course.progress.service import enrol
    from course.quizzes.service import start_attempt

    shutil.copytree(FIXTURE, tmp_path / "repo")
    course = import_package(
        db_session, None, tmp_path / "repo" / "content" / "quiz-course", utcnow()
    ).course
    org = create_org(slug="acme")
    users = {
        "trainee": create_user(),
        "instructor": create_user(),
        "org_admin": create_user(),
        "platform_admin": create_user(is_platform_admin=True),
    }
    add_member(users["trainee"], org, "trainee")
    add_member(users["instructor"], org, "instructor")
    add_member(users["org_admin"], org, "org_admin")
    enrol(db_session, users["trainee"], course, utcnow())
    start_attempt(db_session, users["trainee"], course, "check", utcnow())
    db_session.commit()
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SLOW and not rule.endpoint.startswith("catalog._bench")
    ]
    return {role: (user.id, user.session_epoch) for role, user in users.items()}, rules


def _url(rule, values: dict) -> str:
    arguments = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        arguments[name] = values["int"] if "Integer" in converter else values["str"]
    return rule.build(arguments, append_unknown=False)[1]


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    role=st.sampled_from(ROLES),
    ints=st.sampled_from([1, 2, 0, 10**12, 2**63, 10**30]),
    strs=st.sampled_from(["quiz-course", "acme", "check", "timed", "content", "x" * 300])
    | st.text(min_size=1, max_size=30).filter(lambda s: "/" not in s),
    query=st.dictionaries(st.sampled_from(FIELDS) | text, text, max_size=4),
    body=bodies,
)
def test_no_input_gets_a_server_error(world, app, data, role, ints, strs, query, body):
    accounts, rules = world
    rule = data.draw(st.sampled_from(rules))
    method = data.draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))
    try:
        url = _url(rule, {"int": ints, "str": strs})
    except Exception:  # a value the route's converter refuses: nothing to send
        return
    client = app.test_client()
    if role != "anonymous":
        user_id, epoch = accounts[role]
        with client.session_transaction() as session:
            session["_user_id"] = f"{user_id}:{epoch}:{new_session_id()}"
    options = {"query_string": query}
    if method != "GET":
        if "json" in body:
            options.update(data=body["json"], content_type="application/json")
        elif "raw" in body:
            options.update(data=body["raw"], content_type="application/octet-stream")
        elif "files" in body:
            name, content = body["files"]
            form = dict(body.get("form", {}))
            form[name] = (io.BytesIO(content), "upload.bin")
            options.update(data=form, content_type="multipart/form-data")
        else:
            options.update(data=body.get("form", {}))
    response = client.open(url, method=method, **options)
    assert response.status_code < 500, (method, url, response.status_code)
