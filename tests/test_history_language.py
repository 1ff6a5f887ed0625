"""The history page speaks the reader's language: every detail of an event
has a translated label, codes show as their names, dates and decimals are
written the language's way."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings
from django.utils import translation

from alliancelens.alliances.history import LABELS, detail_lines, record
from alliancelens.alliances.models import AccessGrant, AuditEvent

from .base import AllianceTestCase

PACKAGE = Path(__file__).resolve().parent.parent / "alliancelens"


def keys_given_to_record(source: str) -> tuple[set[str], int]:
    """The keyword names of every ``record(...)`` call in ``source``, and how
    many calls pass ``**`` (whose keys nobody can check)."""
    keys: set[str] = set()
    splats = 0
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name != "record":
            continue
        for keyword in node.keywords:
            if keyword.arg is None:
                splats += 1
            else:
                keys.add(keyword.arg)
    return keys, splats


def lines(detail: dict, lang: str) -> dict[str, str]:
    with translation.override(lang):
        return dict(detail_lines(AuditEvent(action="member_added", detail=detail)))


def test_every_key_given_to_record_anywhere_has_a_label():
    """A new detail without a label fails here, not on a Dutch reader's page."""
    keys: set[str] = set()
    splats = 0
    for path in sorted(PACKAGE.rglob("*.py")):
        found, n = keys_given_to_record(path.read_text(encoding="utf-8"))
        keys |= found
        splats += n
    assert {"role", "exported_at", "retention_months", "participants"} <= keys
    assert splats == 0, "pass record() its details by name, so they can be checked"
    assert sorted(keys - set(LABELS)) == []


def test_the_scan_finds_the_keys_of_a_call_and_the_calls_that_hide_them():
    source = (
        "record(alliance, 'x', by, colour='red', size=3)\n"
        "history.record(alliance, 'y', shape='round')\n"
        "record(alliance, 'z', **extra)\n"
        "other(alliance, weight=2)\n"
    )
    assert keys_given_to_record(source) == ({"colour", "size", "shape"}, 1)


def test_details_are_labelled_and_codes_named_in_english():
    shown = lines(
        {
            "user": "otto",
            "role": AccessGrant.Role.PARTNER_LEAD,
            "level": "board",
            "answers": "anonymise",
            "partner": None,
            "replacing": 2,
        },
        "en",
    )
    assert shown == {
        "Account": "otto",
        "Role": "Partner lead",
        "Level": "Board",
        "Their answers": "kept without a name",
        "Partner": "—",
        "Replacing earlier links": "2",
    }


def test_codes_are_named_in_dutch():
    """Names of codes that the catalogue already holds; no code is shown raw."""
    shown = lines({"role": "partner_lead", "level": "board", "language": "nl"}, "nl")
    assert shown == {"Rol": "Partnertrekker", "Niveau": "Bestuur", "Taal": "Nederlands"}


def test_dates_are_written_the_languages_way():
    detail = {"exported_at": "2026-03-01T10:15:00+00:00", "on": "2026-03-01"}
    dutch, english = lines(detail, "nl"), lines(detail, "en")
    # 10:15 UTC is 11:15 in Amsterdam.
    assert list(dutch.values()) == ["1-3-2026 11:15", "1-3-2026"]
    assert list(english.values()) == ["03/01/2026 11:15 a.m.", "03/01/2026"]


def test_the_old_address_a_data_file_went_to_carries_a_localised_date():
    to = "the participant's e-mail address before the change of 2026-03-01"
    assert lines({"to": to}, "en") == {
        "To": "the participant's e-mail address before the change of 03/01/2026"
    }
    (dutch,) = lines({"to": to}, "nl").values()
    assert "1-3-2026" in dutch and "2026-03-01" not in dutch


def test_numbers_yes_no_and_lists_are_shown_in_the_language():
    detail = {"share": 3.25, "count": 1234, "sent": True, "participants": [4, 7]}
    english = lines(detail, "en")
    assert english == {
        "share": "3.25",
        "count": "1234",
        "sent": "yes",
        "Participants (numbers)": "4, 7",
    }
    # Known keys first (in the page's order), unknown ones after, by name.
    assert list(english) == ["Participants (numbers)", "count", "sent", "share"]
    dutch = lines(detail, "nl")
    assert dutch["share"] == "3,25" and dutch["count"] == "1234" and dutch["sent"] == "ja"


def test_an_unknown_key_and_free_text_are_shown_as_they_are():
    """A key from a later version's backup still shows; text like a date
    that is none stays as written."""
    shown = lines({"colour": "teal", "role": "astronaut", "note": "2026-13-45"}, "en")
    assert shown == {"colour": "teal", "Role": "astronaut", "note": "2026-13-45"}


def test_a_detail_that_is_not_a_mapping_is_shown_whole():
    with translation.override("en"):
        event = AuditEvent(action="member_added", detail=["restored", 3])
        assert detail_lines(event) == [("Details", "restored, 3")]


class HistoryPageTests(AllianceTestCase):
    def history(self, lang: str) -> str:
        self.login()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        page = self.client.get(f"/alliances/{self.alliance.slug}/history/")
        assert page.status_code == 200
        return page.content.decode()

    def test_the_page_shows_details_in_the_chosen_language_and_no_codes(self):
        record(
            self.alliance,
            AuditEvent.Action.MEMBER_CHANGED,
            self.facilitator,
            user="lena",
            role=AccessGrant.Role.PARTNER_LEAD,
            partner="Gemeente",
        )
        english = self.history("en")
        assert "Access changed" in english
        assert "Account: lena; Role: Partner lead; Partner: Gemeente" in english
        dutch = self.history("nl")
        assert "Rol: Partnertrekker; Partner: Gemeente" in dutch
        for page in (english, dutch):
            assert "partner_lead" not in page and "role:" not in page
