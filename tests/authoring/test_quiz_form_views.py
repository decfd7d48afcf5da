"""The quiz form over HTTP: the page's own fields posted back, saved through the revision check,
checked by the quizzes area's parser, other question types kept."""

from html.parser import HTMLParser

import yaml

from course.authoring import service
from course.quizzes.formats import parse_quiz
from tests.authoring.conftest import NOW, SLUG

FORM = f"/author/{SLUG}/quiz-form/basics.yaml"
LOCALES = ["zh-CN", "en"]
MATCHING = """
  - id: q-basics-03
    type: matching
    text: {zh-CN: 配对, en: Match}
    pairs:
      - {left: {zh-CN: 倾听, en: Listen}, right: {zh-CN: 复述, en: Restate}}
      - {left: {zh-CN: 交接, en: Hand over}, right: {zh-CN: 写清楚, en: Write it down}}
"""


class _Fields(HTMLParser):
    """What a browser would post for the page's quiz form (without pressing a button)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.textarea: str | None = None
        self.select: str | None = None
        self.in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "quiz-form" in (a.get("class") or ""):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.data[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = a["name"]
            self.data[self.textarea] = ""
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and (self.select not in self.data or "selected" in a):
            self.data[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "textarea" and self.textarea:
            # A browser drops the newline that directly follows <textarea>.
            value = self.data[self.textarea]
            self.data[self.textarea] = value[1:] if value.startswith("\n") else value
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def _fields(page: str) -> dict[str, str]:
    parser = _Fields()
    parser.feed(page)
    return parser.data


def _quiz_file(db_session, course):
    draft = service.get_draft(db_session, course)
    return service.get_file(db_session, draft, "quizzes", "basics.yaml")


def test_editing_a_question_in_the_form_saves_yaml_that_passes_the_checker(
    client, login, course, instructor, db_session
):
    login(instructor)
    client.post(f"/author/{SLUG}/draft")
    draft = service.get_draft(db_session, course)
    original = _quiz_file(db_session, course).data.decode() + MATCHING
    service.save_file(db_session, instructor, draft, "quizzes", "basics.yaml", original, 1, NOW)
    db_session.commit()

    page = client.get(FORM).get_data(as_text=True)
    assert "Question 3" in page and "pairs:" in page  # the matching question, read-only
    data = _fields(page)
    assert data["q0-text-en"] == "What is teamwork aimed at?" and data["revision"] == "2"
    data["q0-text-en"] = "What is a service team aiming at?"
    data["q1-answer"] = "false"
    data["pass_mark"] = "0.75"
    data["action"] = "save"
    response = client.post(FORM, data=data)
    assert response.status_code == 302

    db_session.expire_all()
    saved = _quiz_file(db_session, course)
    text = saved.data.decode()
    assert saved.revision == 3 and text != original
    quiz, problems = parse_quiz(text, "basics.yaml", LOCALES)
    assert problems == []
    assert quiz["pass_mark"] == 0.75
    assert quiz["questions"][0]["text"]["en"] == "What is a service team aiming at?"
    assert quiz["questions"][0]["text"]["zh-CN"] == "团队协作的目标是什么？"
    assert quiz["questions"][1]["answer"] is False
    before = yaml.safe_load(original)["questions"][2]
    assert yaml.safe_load(text)["questions"][2] == before
    assert "passes the checker" in client.get(FORM).get_data(as_text=True)


def test_buttons_change_the_form_without_saving_and_problems_show_by_question(
    client, login, course, instructor, db_session
):
    login(instructor)
    client.post(f"/author/{SLUG}/draft")
    before = _quiz_file(db_session, course).data
    data = _fields(client.get(FORM).get_data(as_text=True))
    page = client.post(FORM, data={**data, "action": "add:short"}).get_data(as_text=True)
    assert "Changes not saved yet" in page and "Question 3" in page
    assert 'id="q2-problems"' in page and "missing &#39;text&#39;" in page
    data = _fields(page)
    data.update({"q2-text-zh-CN": "说出一个词", "q2-text-en": "Say a word", "q2-accept": "协作"})
    page = client.post(FORM, data={**data, "action": "up:2"}).get_data(as_text=True)
    assert 'id="q1-problems"' not in page and _fields(page)["q1-accept"] == "协作"
    db_session.expire_all()
    assert _quiz_file(db_session, course).data == before
    assert client.post(FORM, data={**_fields(page), "action": "save"}).status_code == 302
    db_session.expire_all()
    quiz, problems = parse_quiz(_quiz_file(db_session, course).data.decode(), "b.yaml", LOCALES)
    assert problems == [] and [q["type"] for q in quiz["questions"]] == [
        "single", "short", "true_false",
    ]  # fmt: skip


def test_a_stale_form_is_not_saved_over_someone_elses_change(
    client, login, course, instructor, create_user, db_session
):
    login(instructor)
    client.post(f"/author/{SLUG}/draft")
    data = _fields(client.get(FORM).get_data(as_text=True))
    other = create_user(display_name="Zhang Wei")
    draft = service.get_draft(db_session, course)
    theirs = _quiz_file(db_session, course).data.decode().replace("0.5", "0.9")
    service.save_file(db_session, other, draft, "quizzes", "basics.yaml", theirs, 1, NOW)
    db_session.commit()
    response = client.post(FORM, data={**data, "pass_mark": "0.6", "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Zhang Wei" in page and "pass_mark: 0.9" in page
    assert 'name="revision" value="2"' in page and 'value="0.6"' in page
    db_session.expire_all()
    assert _quiz_file(db_session, course).data.decode() == theirs


def test_only_instructors_open_the_form_and_broken_yaml_points_to_the_yaml_view(
    client, login, course, instructor, create_user, create_org, add_member, db_session
):
    login(instructor)
    client.post(f"/author/{SLUG}/draft")
    draft = service.get_draft(db_session, course)
    service.save_file(db_session, instructor, draft, "quizzes", "basics.yaml", "a: [b\n", 1, NOW)
    db_session.commit()
    page = client.get(FORM).get_data(as_text=True)
    assert "cannot be shown as a form" in page
    assert f"/author/{SLUG}/edit/quizzes/basics.yaml" in page
    assert client.get(f"/author/{SLUG}/quiz-form/nothing.yaml").status_code == 404
    outsider = create_user()
    add_member(outsider, create_org(), "instructor")
    client.post("/logout")
    login(outsider)
    assert client.get(FORM).status_code == 403
