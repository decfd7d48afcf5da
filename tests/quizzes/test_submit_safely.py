"""Submitting is safe: a summary first (answered, unanswered, flagged, time left) and a real
confirmation, with no script; flags for review kept with the answers; cool-downs end at the
minute they show."""

from __future__ import annotations

import re
from datetime import timedelta

from course.quizzes import service
from course.quizzes.models import QuizAttempt
from tests.quizzes.conftest import NOW, browser_form, right_entries


def _start(client, db_session, quiz="check"):
    url = client.post(f"/courses/quiz-course/quizzes/{quiz}/start").headers["Location"]
    attempt = db_session.scalar(db_session.query(QuizAttempt).filter_by(quiz_id=quiz).statement)
    return url, attempt


def test_submit_shows_a_summary_and_only_its_button_submits(client, login, trainee, db_session):
    login(trainee)
    url, attempt = _start(client, db_session)
    page = client.get(url).get_data(as_text=True)
    assert 'name="action" value="review"' in page and 'value="submit"' not in page
    entries = right_entries(service.paper_of(db_session, attempt))
    picked = {qid: entries[qid] for qid in ("q-single", "q-tf")}
    form = browser_form(db_session, attempt, picked, action="review", flags=["q-short", "q-tf"])
    form["present"] += browser_form(db_session, attempt, {}, present=["q-short"])["present"]
    reviewed = client.post(f"{url}/answers", data=form)
    assert reviewed.status_code == 302 and reviewed.headers["Location"].endswith("/summary")
    db_session.refresh(attempt)
    assert attempt.is_open and attempt.flagged == ["q-short", "q-tf"]

    summary = client.get(f"{url}/summary").get_data(as_text=True)
    counts = {
        name: int(re.search(rf'id="summary-{name}"><strong>(\d+)', summary).group(1))
        for name in ("answered", "unanswered", "flagged")
    }
    assert counts == {"answered": 2, "unanswered": 6, "flagged": 2}
    assert 'id="quiz-timer"' in summary and "time left (ends at" in summary
    assert summary.count("flag-mark") == 8 and summary.count('flag-mark" hidden') == 6
    assert 'name="action" value="submit"' in summary and 'name="token"' in summary
    assert f'href="{url}"' in summary  # back to the quiz, nothing submitted

    # Unflagging a question on its page clears the flag; other questions keep theirs.
    unflag = browser_form(db_session, attempt, {}, present=["q-tf"])
    client.post(f"{url}/answers", data=unflag)
    db_session.refresh(attempt)
    assert attempt.flagged == ["q-short"] and attempt.responses["q-single"] == entries["q-single"]

    token = re.search(r'name="token" value="([^"]+)"', summary).group(1)
    done = client.post(f"{url}/answers", data={"action": "submit", "token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/results")
    db_session.refresh(attempt)
    assert not attempt.is_open
    assert client.get(f"{url}/summary").headers["Location"].endswith("/results")


def test_one_per_page_summary_links_back_to_each_question(client, login, trainee, db_session):
    login(trainee)
    url, attempt = _start(client, db_session, quiz="exam")
    summary = client.get(f"{url}/summary").get_data(as_text=True)
    assert all(f'href="{url}?page={n}"' in summary for n in range(1, 6))
    assert 'name="goto"' not in summary


def test_a_cool_down_shown_as_ending_at_16_31_lets_the_trainee_start_at_16_31(
    client, login, trainee, db_session, monkeypatch
):
    first = service.start_attempt(db_session, trainee, trainee_course(db_session), "check", NOW)
    submitted = NOW.replace(hour=16, minute=21, second=40)  # cool-down: 10 minutes
    first.started_at = submitted - timedelta(minutes=1)
    first.deadline_at = None
    db_session.commit()
    service.submit_attempt(db_session, first, "t", submitted)
    db_session.commit()
    login(trainee)
    clock = {"now": submitted.replace(minute=30, second=59)}
    monkeypatch.setattr("course.quizzes.views.utcnow", lambda: clock["now"])
    page = client.get("/courses/quiz-course/quizzes/check").get_data(as_text=True)
    assert re.search(r'id="cooldown">[^<]*(16:31|4:31\sPM)', page)
    refused = client.post("/courses/quiz-course/quizzes/check/start")
    assert refused.headers["Location"].endswith("/quizzes/check")
    clock["now"] = submitted.replace(minute=31, second=0)
    page = client.get("/courses/quiz-course/quizzes/check").get_data(as_text=True)
    assert 'id="cooldown"' not in page
    started = client.post("/courses/quiz-course/quizzes/check/start")
    assert re.search(r"/quiz-attempts/\d+$", started.headers["Location"])


def trainee_course(db_session):
    from course.catalog.models import Course

    return db_session.scalar(db_session.query(Course).filter_by(slug="quiz-course").statement)
