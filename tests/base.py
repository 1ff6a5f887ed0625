"""Shared fixtures: one alliance with named people, and a stranger's alliance."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from django.test import TestCase

from alliancelens.alliances.models import (
    AccessGrant,
    Alliance,
    Invitation,
    Level,
    Participant,
    Partner,
    Round,
    ScanResponse,
)
from alliancelens.alliances.services import (
    alliance_create,
    invitations_issue,
    round_create,
    round_open,
)
from alliancelens.instrument import PERSPECTIVES, latest_instrument

PASSWORD = "correct horse battery staple"


class AllianceTestCase(TestCase):
    """A facilitator with an alliance of three partners, and the named people
    around it: a partner lead for Gemeente, an observer, a stranger with an
    account but no role, and an outsider who facilitates another alliance.
    The last two must see nothing of this one."""

    alliance: Alliance
    facilitator: User
    lead: User
    observer: User
    stranger: User
    outsider: User
    observer_grant: AccessGrant
    partners: dict[str, Partner]
    participants: list[Participant]

    @classmethod
    def setUpTestData(cls) -> None:
        cls.facilitator = User.objects.create_user("fiona", password=PASSWORD)
        cls.outsider = User.objects.create_user("oscar", password=PASSWORD)
        cls.alliance = alliance_create(
            facilitator=cls.facilitator, name="Gezonde Wijk", ambition="Samen gezonder"
        )
        alliance_create(facilitator=cls.outsider, name="Elders")
        cls.partners = {
            name: Partner.objects.create(alliance=cls.alliance, name=name)
            for name in ("Gemeente", "Woningcorporatie", "Zorg")
        }
        cls.lead = User.objects.create_user("lena", password=PASSWORD)
        cls.observer = User.objects.create_user("otto", password=PASSWORD)
        cls.stranger = User.objects.create_user("sam", password=PASSWORD)
        AccessGrant.objects.create(
            user=cls.lead,
            alliance=cls.alliance,
            role=AccessGrant.Role.PARTNER_LEAD,
            partner=cls.partners["Gemeente"],
        )
        cls.observer_grant = AccessGrant.objects.create(
            user=cls.observer, alliance=cls.alliance, role=AccessGrant.Role.OBSERVER
        )
        cls.participants = []
        for pname, partner in cls.partners.items():
            for i, level in enumerate(
                [Level.BOARD, Level.MANAGEMENT, Level.PROFESSIONAL, Level.PROFESSIONAL]
            ):
                cls.participants.append(
                    Participant.objects.create(
                        partner=partner,
                        name=f"{pname} persoon {i + 1}",
                        email=f"{pname.lower()}{i + 1}@example.org",
                        level=level,
                        language="en" if i == 3 else "nl",
                    )
                )

    def login(self, user: User | None = None) -> None:
        self.client.force_login(user or self.facilitator)

    def open_round(self, title: str = "Ronde 1") -> Round:
        rnd = round_create(alliance=self.alliance, title=title)
        return round_open(rnd=rnd)

    def answer(self, rnd: Round, participant: Participant, value: str = "4") -> None:
        """The participant answers every statement with ``value`` and submits."""
        answer_by_service(
            Invitation.objects.select_related("participant__partner").get(
                round=rnd, participant=participant
            ),
            value,
        )

    def token_for(self, rnd: Round, participant: Participant) -> str:
        inv = Invitation.objects.get(round=rnd, participant=participant)
        (link,) = invitations_issue(invitations=[inv])
        return link.token


def full_answers(perspective: str, value: str = "4") -> dict[str, Any]:
    """POST data answering every statement of a perspective with ``value``."""
    instrument = latest_instrument()
    data: dict[str, Any] = {item.id: value for item in instrument.items_for(perspective)}
    data["nav"] = "next"
    return data


def answer_by_service(invitation: Invitation, value: str = "4") -> None:
    """What answer_everything does through the pages, through the services:
    every statement of every perspective answered with ``value``, then
    submitted. For fixtures; tests of the respondent's pages use HTTP."""
    from alliancelens.scan.services import response_save, response_submit

    instrument = latest_instrument()
    for p in PERSPECTIVES:
        response_save(
            invitation=invitation,
            step=p,
            items={item.id: int(value) for item in instrument.items_for(p)},
            questions={},
        )
    response_submit(invitation=invitation)


def answer_everything(client: Any, token: str, value: str = "4") -> None:
    for p in PERSPECTIVES:
        response = client.post(f"/r/{token}/p/{p}/", full_answers(p, value))
        assert response.status_code == 302, response.content[:500]
    response = client.post(f"/r/{token}/review/")
    assert response.status_code == 302


def submitted(rnd: Round) -> int:
    return ScanResponse.objects.filter(round=rnd, submitted_at__isnull=False).count()


def strip_tags(html: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.decode()))


def results_table(html: bytes) -> dict[str, list[str]]:
    """Row label → cell texts of the rendered results table (empty if none)."""
    table = re.search(rb'<table class="results">(.*?)</table>', html, re.S)
    if table is None:
        return {}
    rows = {}
    for row in re.findall(rb"<tr><th scope=\"row\">(.*?)</tr>", table.group(1), re.S):
        label, _, rest = row.partition(b"</th>")
        cells = [strip_tags(c).strip() for c in re.findall(rb"<td[^>]*>(.*?)</td>", rest, re.S)]
        rows[strip_tags(label).strip()] = cells
    return rows


class DemoTestCase(TestCase):
    """The demo alliance, built once per class, with the printed password."""

    alliance: Alliance
    password: str
    demo_output: str

    @classmethod
    def setUpTestData(cls) -> None:
        import io

        from django.core.management import call_command

        out = io.StringIO()
        call_command("demo", "--allow-production", stdout=out)
        cls.demo_output = out.getvalue()
        found = re.search(r"password: (\S+)", cls.demo_output)
        assert found is not None
        cls.password = found.group(1)
        cls.alliance = Alliance.objects.get(slug="demo")
        # The demo published its closed rounds; the facilitators' charts of
        # round 2 are drawn here once, not again in every test.
        from alliancelens.results.publish import charts_of, publication_of

        publication = publication_of(cls.alliance.rounds.get(number=2))
        assert publication is not None
        for lang in ("nl", "en"):
            charts_of(publication, lang, None)
