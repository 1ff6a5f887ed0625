"""Every user-facing string is translated: the catalogues are complete."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

PACKAGE = Path(__file__).resolve().parent.parent / "alliancelens"
CATALOGUE = PACKAGE / "locale" / "{lang}" / "LC_MESSAGES" / "django.po"


def entries(path: Path) -> dict[str, list[str]]:
    """msgid → its msgstr values, for a .po file (header left out)."""
    text = path.read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for block in text.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""' not in block:
            out.setdefault("<fuzzy>", []).append(block)
        ids = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        if not ids:
            continue
        msgid = "".join(re.findall(r'"(.*)"', ids.group(1)))
        if not msgid:
            continue
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M)
        out[msgid] = ["".join(re.findall(r'"(.*)"', s)) for s in strs]
    return out


def test_every_dutch_string_is_translated_and_none_is_fuzzy():
    nl = entries(Path(str(CATALOGUE).format(lang="nl")))
    assert "<fuzzy>" not in nl
    untranslated = [msgid for msgid, strs in nl.items() if not all(strs)]
    assert untranslated == []
    assert len(nl) > 200


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext")
def test_the_catalogues_hold_every_string_in_the_code(tmp_path, monkeypatch):
    """Running makemessages now would add nothing: no string was forgotten.

    It runs on a copy of the package, so the real catalogues stay untouched.
    """
    copy = tmp_path / "alliancelens"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[]):
        call_command("makemessages", locale=["nl"], no_location=True, verbosity=0)
    fresh = set(entries(copy / "locale" / "nl" / "LC_MESSAGES" / "django.po"))
    committed = set(entries(Path(str(CATALOGUE).format(lang="nl"))))
    assert len(fresh) > 200
    assert fresh - committed == set(), "run `make messages` and translate the new strings"


def test_pages_render_in_both_languages(client):
    for lang, text in (("nl", "Inloggen"), ("en", "Log in")):
        with translation.override(lang):
            page = client.get("/accounts/login/", headers={"accept-language": lang})
        assert text in page.content.decode()


def test_every_page_has_a_favicon_and_the_browsers_request_for_it_is_answered(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
