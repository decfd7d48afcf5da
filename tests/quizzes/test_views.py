"""The quiz pages through the test client: the answer-key scan, saving, submitting, reviewing."""

import io
import json
import re

import pytest
import yaml

from course.quizzes import service
from course.quizzes.models import QuizAttempt
from tests.conftest import SECRET
from tests.quizzes.conftest import browser_form, right_entries


def secrets_of(quiz: dict) -> set[str]:
    """Every piece of the answer key and feedback that must stay on the server before submission."""
    found = {
        '"correct"',
        '"credit"',
        '"accept"',
        '"feedback',
        '"answers"',
        '"pairs"',
        "data-correct",
    }
    for question in quiz["questions"]:
        maps = [
            question.get("feedback"),
            question.get("feedback_true"),
            question.get("feedback_false"),
        ]
        maps += [option.get("feedback") for option in question.get("options", [])]
        maps += [entry.get("feedback") for entry in question.get("accept", [])]
        found.update(entry["answer"] for entry in question.get("accept", []))
        found.update(f"{p['left']['en']} → {p['right']['en']}" for p in question.get("pairs", []))
        for value in maps:
            if value:
                found.update(value.values())
    return {text for text in found if len(text) >= 4}


@pytest.fixture
def signed_in(client, login, trainee):
    login(trainee)
    return client


def test_start_answer_submit_review_and_the_key_never_leaks(
    signed_in, db_session, quiz_course, trainee
):
    client = signed_in
    quiz = service.definition(
        db_session, service.current_quiz(db_session, quiz_course, "check")[0], "check"
    )
    forbidden = secrets_of(quiz)
    pages = []
    page = client.get("/courses/quiz-course/quizzes/check")
    assert page.status_code == 200 and "Start the quiz" in page.get_data(as_text=True)
    pages.append(page.get_data(as_text=True))
    started = client.post("/courses/quiz-course/quizzes/check/start")
    assert started.status_code == 302
    url = started.headers["Location"]
    for lang in ("en", "zh-CN"):
        client.post("/language", data={"lang": lang, "next": "/"})
        pages.append(client.get(url).get_data(as_text=True))
    attempt = db_session.scalar(db_session.query(QuizAttempt).statement)
    entries = right_entries(service.paper_of(db_session, attempt))
    names = service.tokens_of(db_session, attempt, SECRET)
    picked = {"q-single": entries["q-single"], "q-match": entries["q-match"]}
    saved = client.post(
        f"{url}/answers",
        data=browser_form(db_session, attempt, picked, flags=["q-match"]),
        headers={"Accept": "application/json"},
    )
    assert saved.status_code == 200
    body = saved.get_json()
    single = names.questions["q-single"]
    assert body["saved"][single.name] in single.items and body["remaining_seconds"] > 0
    assert set(body) == {"saved", "flagged", "remaining_seconds"}
    assert body["flagged"] == [names.questions["q-match"].name]
    db_session.refresh(attempt)
    assert attempt.responses["q-single"] == entries["q-single"]  # kept in the server's terms
    assert attempt.flagged == ["q-match"]
    pages.append(saved.get_data(as_text=True))
    pages.append(client.get(url).get_data(as_text=True))  # the reload shows the saved answers
    assert "checked> " in pages[-1] or "checked>" in pages[-1]
    assert len(forbidden) > 10 and len(pages) == 5
    for source in pages:
        leaked = [secret for secret in forbidden if secret in source]
        assert not leaked, leaked
    submitted = client.post(
        f"{url}/answers",
        data=browser_form(db_session, attempt, entries, token="t1", action="submit"),
    )
    assert submitted.status_code == 302 and submitted.headers["Location"].endswith("/results")
    again = client.post(f"{url}/answers", data={"token": "t1", "action": "submit"})
    assert again.status_code == 302
    client.post("/language", data={"lang": "en", "next": "/"})
    result = client.get(f"{url}/results").get_data(as_text=True)
    assert "Waiting for an instructor" in result
    assert "Right answer" not in result  # review policy: answers only after a pass
    assert "The reception post does." in result  # general feedback is shown after submission
    assert client.get(url).status_code == 302  # a submitted attempt takes no more answers


def test_someone_elses_attempt_is_forbidden(
    client, login, db_session, quiz_course, trainee, create_user
):
    from course.progress.service import enrol
    from tests.quizzes.conftest import NOW

    attempt = service.start_attempt(db_session, trainee, quiz_course, "check", NOW)
    db_session.commit()
    other = create_user()
    enrol(db_session, other, quiz_course, NOW)
    db_session.commit()
    login(other)
    assert client.get(f"/quiz-attempts/{attempt.id}").status_code == 403
    assert (
        client.post(f"/quiz-attempts/{attempt.id}/answers", data={"action": "submit"}).status_code
        == 403
    )


def test_not_enrolled_is_sent_to_the_course_page(client, login, quiz_course, create_user):
    login(create_user())
    response = client.get("/courses/quiz-course/quizzes/check")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/courses/quiz-course"
    )


def test_one_question_per_page_works_without_script(signed_in, db_session):
    client = signed_in
    url = client.post("/courses/quiz-course/quizzes/exam/start").headers["Location"]
    first = client.get(url).get_data(as_text=True)
    assert first.count('name="present"') == 1 and 'aria-current="step"' in first
    # Enter in a field presses the first submit button of the form: it must save, not move
    first_button = re.search(r'<button type="submit"[^>]*>', first.split('id="main"')[1]).group(0)
    assert 'name="action" value="save"' in first_button
    qid = re.search(r'name="present" value="([^"]+)"', first).group(1)
    moved = client.post(
        f"{url}/answers", data={"present": qid, f"q-{qid}": "true", "goto": "2", "page": "1"}
    )
    assert moved.headers["Location"].endswith("?page=2")
    second = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert f'value="{qid}"' not in second
    assert f'data-question="{qid}"' in second and "nav-item answered" in second
    # the navigator's buttons save the page before moving, without any script
    third = client.post(f"{url}/answers", data={"present": qid, f"q-{qid}": "false", "goto": "3"})
    assert third.headers["Location"].endswith("?page=3")
    assert 'name="goto" value="3"' in second and 'form="attempt-form"' in second


def test_always_review_shows_right_answers_after_a_fail(signed_in):
    client = signed_in
    url = client.post("/courses/quiz-course/quizzes/exam/start").headers["Location"]
    client.post(f"{url}/answers", data={"action": "submit", "token": "x"})
    client.post("/language", data={"lang": "en", "next": "/"})
    result = client.get(f"{url}/results").get_data(as_text=True)
    assert "Not passed" in result and "Right answer" in result and "Score: 0%" in result


def test_essay_queue_grades_from_the_browser(
    client, login, db_session, quiz_course, trainee, create_user, create_org, add_member
):
    from tests.quizzes.conftest import NOW

    org = create_org()
    add_member(trainee, org, "trainee")
    teacher = create_user()
    add_member(teacher, org, "instructor")
    attempt = service.start_attempt(db_session, trainee, quiz_course, "check", NOW)
    service.submit_attempt(
        db_session, attempt, "a", NOW, right_entries(service.paper_of(db_session, attempt))
    )
    db_session.commit()
    login(teacher)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/teach/essays"' in dashboard and 'href="/teach/gift"' in dashboard
    queue = client.get("/teach/essays").get_data(as_text=True)
    assert "checklist" in queue and "Trainee Wang" in queue
    essay_id = attempt.essays[0].id
    bad = client.post(
        f"/teach/essays/{essay_id}", data={"points-insight": "9", "points-action": "1"}
    )
    assert bad.status_code == 302 and attempt.status == "pending"
    client.post(
        f"/teach/essays/{essay_id}",
        data={"points-insight": "2", "points-action": "2", "comment": "Clear."},
    )
    db_session.expire_all()
    assert db_session.get(QuizAttempt, attempt.id).passed is True
    assert "No essays are waiting" in client.get("/teach/essays").get_data(as_text=True)


def test_gift_upload_converts_or_lists_problems(client, login, create_user):
    login(create_user(is_platform_admin=True))
    good = client.post(
        "/teach/gift",
        data={"file": (io.BytesIO(b"::Roles::Clear roles help. {T}\n"), "roles.gift")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 200 and good.mimetype == "application/yaml"
    assert "type: true_false" in good.get_data(as_text=True)
    bad = client.post(
        "/teach/gift",
        data={"file": (io.BytesIO(b"Fine {T}\n\nBroken {=a ~b\n"), "bad.gift")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "bad.gift:3:" in bad.get_data(as_text=True)


def _upload_partly_broken(client):
    return client.post(
        "/teach/gift",
        data={"file": (io.BytesIO(b"Fine {T}\n\nBroken {#abc}\n\nAlso {F}\n"), "part.gift")},
        content_type="multipart/form-data",
    )


def test_gift_with_some_broken_questions_offers_what_converted_or_nothing(
    client, login, create_user
):
    login(create_user(is_platform_admin=True))
    page = _upload_partly_broken(client)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "part.gift:3:" in html and "2 of 3 questions converted" in html
    action = re.search(r'action="(/teach/gift/[^"]+)"', html).group(1)
    download = client.post(action, data={"choice": "converted"})
    assert download.mimetype == "application/yaml"
    questions = yaml.safe_load(download.get_data(as_text=True))["questions"]
    assert [q["text"] for q in questions] == ["Fine", "Also"]
    again = client.post(action, data={"choice": "converted"}, follow_redirects=True)
    assert "expired" in again.get_data(as_text=True)
    nothing_page = _upload_partly_broken(client).get_data(as_text=True)
    action = re.search(r'action="(/teach/gift/[^"]+)"', nothing_page).group(1)
    nothing = client.post(action, data={"choice": "nothing"}, follow_redirects=True)
    assert "Nothing was imported" in nothing.get_data(as_text=True)


def test_gift_export_page_lists_losses_and_downloads(client, login, create_user, quiz_course):
    login(create_user(is_platform_admin=True))
    page = client.get("/teach/gift/export/quiz-course/check?locale=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "What GIFT cannot carry" in html and "GIFT has no ordering questions" in html
    download = client.get("/teach/gift/export/quiz-course/check?locale=en&download=1")
    assert download.mimetype == "text/plain"
    assert "::" in download.get_data(as_text=True)
    drawn = client.get("/teach/gift/export/quiz-course/exam?download=1").get_data(as_text=True)
    assert "draws its questions from the course's question bank" in drawn
    assert client.get("/teach/gift/export/quiz-course/nope").status_code == 404


def test_gift_export_needs_an_author(client, login, create_user, quiz_course):
    login(create_user())
    assert client.get("/teach/gift/export/quiz-course/check").status_code in (403, 404)


def test_gift_page_needs_a_teacher(client, login, create_user):
    login(create_user())
    assert client.get("/teach/gift").status_code == 403


def test_json_save_after_the_deadline_says_closed(signed_in, db_session):
    client = signed_in
    url = client.post("/courses/quiz-course/quizzes/check/start").headers["Location"]
    attempt = db_session.scalar(db_session.query(QuizAttempt).statement)
    from datetime import timedelta

    attempt.deadline_at = attempt.started_at - timedelta(minutes=1)
    db_session.commit()
    reply = client.post(
        f"{url}/answers",
        data={"present": "q-tf", "q-tf": "true"},
        headers={"Accept": "application/json"},
    )
    assert reply.status_code == 409 and json.loads(reply.data)["closed"] is True


def test_the_page_script_takes_its_words_from_the_template(signed_in):
    """quizzes.js holds no interface text: the attempt page hands it the translated words."""
    client = signed_in
    url = client.post("/courses/quiz-course/quizzes/exam/start").headers["Location"]
    client.post("/language", data={"lang": "zh-CN", "next": "/"})
    page = client.get(url).get_data(as_text=True)
    status = re.search(r'<p class="save-status" id="save-status"[^>]*>', page).group(0)
    words = {"saving": "正在保存…", "saved": "已保存", "one-minute": "还剩 1 分钟。"}
    for name, word in words.items():
        assert f'data-{name}="{word}"' in status
    script = client.get("/static/js/quizzes.js").get_data(as_text=True)
    assert not re.search(r"[\u4e00-\u9fff]", script) and "Saving" not in script
