"""An instructor edits a quiz through the form in Chromium: accessible, adds a question, saves."""

import re

from tests.browser.test_authoring_journey import SLUG, _set_up, _sign_in


def test_quiz_form_add_a_question_and_save(live_server, page, axe, in_app, tmp_path):
    in_app(_set_up, tmp_path)
    url = live_server.url
    _sign_in(page, url, "teacher@example.com")
    page.goto(f"{url}/author/{SLUG}")
    page.locator("form[action$='/draft'] button").click()
    page.goto(f"{url}/author/{SLUG}/quiz-form/basics.yaml")
    assert axe(page) == []
    page.locator("#q0-text-en").fill("What is a service team aiming at?")
    page.get_by_role("button", name=re.compile("True or false|判断题")).click()
    page.locator("#q2-problems").wait_for()
    assert axe(page) == []
    page.locator("#q2-text-zh-CN").fill("交接要写清楚。")
    page.locator("#q2-text-en").fill("A handover should be written down.")
    # The form's first button (the one Enter in a field would press) is Save, not a move button.
    assert page.locator("form.quiz-form button").first.get_attribute("value") == "save"
    page.locator("form.quiz-form button[value=save]").first.click()
    page.locator(".flash-success").wait_for()
    assert re.search("passes the checker|通过检查", page.locator(".flash-success").inner_text())
    assert page.locator("#q2-text-en").input_value() == "A handover should be written down."
    assert page.locator("#q0-text-en").input_value() == "What is a service team aiming at?"
