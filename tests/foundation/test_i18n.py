"""Both catalogues are complete, and the language is chosen in the documented order."""

from __future__ import annotations

import pytest

from course.i18n import localized, normalise
from course.i18n_cli import extract, untranslated


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("i18n") / "messages.pot"
    extract(path)
    return path


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_catalogue_has_no_untranslated_string(template, locale):
    missing = untranslated(template, locale)
    assert missing == [], (
        f"{len(missing)} untranslated in {locale}; run `course translations update`"
    )


def test_interface_is_chinese_by_default_and_follows_accept_language(client):
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE")  # a browser that states no preference
    assert 'lang="zh-CN"' in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert 'lang="en"' in english.get_data(as_text=True)


def test_user_preference_beats_accept_language(client, create_user, login):
    login(create_user(locale="en"))
    page = client.get("/dashboard", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="en"' in page


def test_switcher_keeps_the_place(client):
    response = client.post("/language", data={"lang": "en", "next": "/password/forgot"})
    assert response.location == "/password/forgot"
    assert 'lang="en"' in client.get("/password/forgot").get_data(as_text=True)
    assert client.post("/language", data={"lang": "en", "next": "//evil.example"}).location == "/"


def test_chinese_interface_text_is_translated(client):
    page = client.get("/login?lang=zh-CN").get_data(as_text=True)
    assert "登录" in page


def test_localized_and_normalise():
    assert localized({"zh-CN": "中", "en": "E"}, "en") == "E"
    assert localized({"zh-CN": "中"}, "en") == "中"
    assert localized("same", "en") == "same"
    assert (
        normalise("zh-Hans-CN") == "zh-CN"
        and normalise("en-US") == "en"
        and normalise("fr") is None
    )
