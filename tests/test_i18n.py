"""The Chinese catalogue is complete, compiled from its source, and served by default."""

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import shangji

LOCALE = Path(shangji.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def _catalog():
    with open(LOCALE / "django.po", "rb") as source:
        return read_po(source)


def test_every_message_is_translated():
    catalog = _catalog()
    assert len(catalog) > 300
    untranslated = [
        m.id
        for m in catalog
        if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert untranslated == []


def _entries(messages) -> dict:
    # Plural entries come back as lists (ids and strings): make them hashable tuples.
    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {(m.context, frozen(m.id)): frozen(m.string) for m in messages if m.id}


def test_compiled_catalogue_matches_source():
    with open(LOCALE / "django.mo", "rb") as compiled_file:
        compiled = _entries(read_mo(compiled_file))
    assert compiled == _entries(_catalog())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("zh-CN,zh;q=0.9", "登录"), ("en-US", "Sign in")]
)
def test_login_page_follows_browser_language(client, language, expected):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert expected in page


@pytest.mark.django_db
def test_user_choice_beats_browser(client, team_users):
    user = team_users["wangqiang"]
    user.language = "en"
    user.save()
    client.force_login(user)
    page = client.get("/opportunities/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "Opportunities" in page and "商机列表" not in page
