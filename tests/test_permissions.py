"""The permission matrix: every URL × every role, with the status each must get.

Roles: anonymous, a logged-in stranger, the facilitator of *another*
alliance, the facilitator, a partner lead, an observer and a site
administrator; respondents have only their token. Every request a role may
not make is also checked to change nothing in the database. A URL pattern
missing from the matrix fails the test, so a new page cannot slip through.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from alliancelens.alliances.models import AccessGrant, Alliance, Participant, Round
from alliancelens.alliances.services import invitations_issue, round_create, round_open
from alliancelens.journey.content import load_route
from alliancelens.registers.models import RuleOfPlay
from alliancelens.results.publish import charts_of, round_publish
from alliancelens.workshop.services import join_link_set, workshop_reveal

from .base import PASSWORD, AllianceTestCase, answer_by_service

ROLES = ("anonymous", "stranger", "other", "facilitator", "lead", "observer", "admin")
DENIED = {403, 404, 405}


def _codes(anonymous: int, stranger: int, other: int, member: int, lead: int, obs: int):
    return {
        "anonymous": anonymous,
        "stranger": stranger,
        "other": other,
        "facilitator": member,
        "lead": lead,
        "observer": obs,
        "admin": member,
    }


def facilitator_only(ok: int) -> dict[str, int]:
    return _codes(302, 404, 404, ok, 403, 403)


def any_member(ok: int) -> dict[str, int]:
    return _codes(302, 404, 404, ok, ok, ok)


def logged_in(ok: int) -> dict[str, int]:
    return {role: 302 if role == "anonymous" else ok for role in ROLES}


def everyone(ok: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, ok)


def fingerprint() -> str:
    """A hash of every row of the project's own tables and users."""
    digest = hashlib.sha256()
    models: list[Any] = [
        *apps.get_app_config("alliances").get_models(),
        *apps.get_app_config("results").get_models(),
        *apps.get_app_config("registers").get_models(),
        *apps.get_app_config("journey").get_models(),
        User,
    ]
    for model in models:
        for row in model.objects.order_by("pk").values():
            digest.update(repr(sorted(row.items())).encode())
    return digest.hexdigest()


def tokens(rnd: Round) -> list[str]:
    return [link.token for link in invitations_issue(invitations=rnd.invitations.all())]


def url_names() -> set[str]:
    """Every named URL of the project outside the Django admin."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, f"{p.namespace}:" if p.namespace else namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(namespace + p.name)

    walk(get_resolver().url_patterns, "")
    return names


@override_settings(LANGUAGE_CODE="en")
class PermissionMatrixTests(AllianceTestCase):
    other_alliance: Alliance
    admin: User
    observer_grant: AccessGrant
    join_code: str
    rule: int
    token: str
    check_item: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.other_alliance = Alliance.objects.get(name="Elders")
        cls.admin = User.objects.create_superuser("ada", password=PASSWORD)
        # Round 1: everyone answered, revealed in a workshop (and so closed).
        first = round_open(rnd=round_create(alliance=cls.alliance, title="Een"))
        for invitation in first.invitations.select_related("participant__partner"):
            answer_by_service(invitation)
        # Published, with the charts of every view drawn, once for the class:
        # every request of the matrix runs in a transaction that is rolled back.
        publication = round_publish(rnd=workshop_reveal(rnd=first))
        for lang in ("nl", "en"):
            for scope in (None, frozenset({"Gemeente"}), frozenset()):
                charts_of(publication, lang, scope)
        # Round 2: open, with the shared join link on. Round 3: a draft.
        second = round_open(rnd=round_create(alliance=cls.alliance, title="Twee"))
        cls.join_code = join_link_set(rnd=second, is_open=True).join_code
        round_create(alliance=cls.alliance, title="Drie")
        cls.token = tokens(second)[0]
        # A rule of play of Gemeente, the partner lead's own partner.
        cls.rule = RuleOfPlay.objects.create(
            alliance=cls.alliance, partner=cls.partners["Gemeente"], text="Afspraak is afspraak"
        ).pk
        cls.check_item = load_route().checklist[0].id

    def users(self) -> dict[str, User | None]:
        return {
            "anonymous": None,
            "stranger": self.stranger,
            "other": self.outsider,
            "facilitator": self.facilitator,
            "lead": self.lead,
            "observer": self.observer,
            "admin": self.admin,
        }

    def matrix(self) -> list[tuple[str, str, str, dict[str, Any], dict[str, int]]]:
        """(url name, method, path, POST data, expected status per role)."""
        a = f"/alliances/{self.alliance.slug}"
        partner = self.partners["Zorg"].pk
        person = self.participants[-1].pk
        member = self.observer_grant.pk
        return [
            ("home", "get", "/", {}, everyone(302)),
            ("alliances:list", "get", "/alliances/", {}, logged_in(200)),
            # Facilitators (here or elsewhere) and site administrators start alliances.
            ("alliances:new", "get", "/alliances/new/", {}, _codes(302, 403, 200, 200, 403, 403)),
            ("alliances:detail", "get", f"{a}/", {}, any_member(200)),
            ("alliances:edit", "get", f"{a}/edit/", {}, facilitator_only(200)),
            (
                "alliances:edit",
                "post",
                f"{a}/edit/",
                {
                    "name": "Changed",
                    "current_phase": "share",
                    "stage": "designing",
                    "anonymity_threshold": 3,
                },
                facilitator_only(302),
            ),
            ("alliances:partners", "get", f"{a}/partners/", {}, facilitator_only(200)),
            (
                "alliances:partners",
                "post",
                f"{a}/partners/",
                {"name": "Nieuw", "sector": "public", "role": "member"},
                facilitator_only(302),
            ),
            (
                "alliances:partner_edit",
                "get",
                f"{a}/partners/{partner}/",
                {},
                facilitator_only(200),
            ),
            (
                "alliances:partner_delete",
                "post",
                f"{a}/partners/{partner}/delete/",
                {},
                facilitator_only(302),
            ),
            ("alliances:participants", "get", f"{a}/participants/", {}, facilitator_only(200)),
            (
                "alliances:participants_import",
                "get",
                f"{a}/participants/import/",
                {},
                facilitator_only(200),
            ),
            (
                "alliances:participant_edit",
                "get",
                f"{a}/participants/{person}/",
                {},
                facilitator_only(200),
            ),
            (
                "alliances:participant_erase",
                "get",
                f"{a}/participants/{person}/erase/",
                {},
                facilitator_only(200),
            ),
            (
                "alliances:participant_erase",
                "post",
                f"{a}/participants/{person}/erase/",
                {"answers": "delete", "confirm": "on"},
                facilitator_only(302),
            ),
            (
                "alliances:participant_data",
                "post",
                f"{a}/participants/{person}/send-data/",
                {},
                facilitator_only(302),
            ),
            (
                "alliances:participant_data",
                "get",
                f"{a}/participants/{person}/send-data/",
                {},
                _codes(302, 405, 405, 405, 405, 405),
            ),
            ("alliances:access", "get", f"{a}/access/", {}, facilitator_only(200)),
            (
                "alliances:access",
                "post",
                f"{a}/access/",
                {"email": "new@example.org", "role": "observer"},
                facilitator_only(302),
            ),
            (
                "alliances:access_edit",
                "post",
                f"{a}/access/{member}/",
                {"role": "partner_lead", "partner": str(partner)},
                facilitator_only(302),
            ),
            (
                "alliances:access_withdraw",
                "post",
                f"{a}/access/{member}/withdraw/",
                {},
                facilitator_only(302),
            ),
            ("alliances:history", "get", f"{a}/history/", {}, facilitator_only(200)),
            ("alliances:round_new", "get", f"{a}/rounds/new/", {}, facilitator_only(200)),
            ("alliances:round", "get", f"{a}/rounds/1/", {}, facilitator_only(200)),
            ("alliances:round_open", "post", f"{a}/rounds/3/open/", {}, facilitator_only(302)),
            ("alliances:round_close", "post", f"{a}/rounds/2/close/", {}, facilitator_only(302)),
            (
                "alliances:invitations",
                "get",
                f"{a}/rounds/2/invitations/",
                {},
                facilitator_only(200),
            ),
            ("alliances:results", "get", f"{a}/rounds/1/results/", {}, any_member(200)),
            ("alliances:report", "get", f"{a}/rounds/1/report.html", {}, any_member(200)),
            ("alliances:guide", "get", f"{a}/rounds/1/guide.html", {}, any_member(200)),
            *[
                (
                    "alliances:export",
                    "get",
                    f"{a}/rounds/1/export/{fmt}/",
                    {},
                    facilitator_only(200),
                )
                for fmt in ("csv", "xlsx", "sav", "codebook")
            ],
            ("alliances:workshop", "get", f"{a}/rounds/2/workshop/", {}, facilitator_only(200)),
            (
                "alliances:workshop_counts",
                "get",
                f"{a}/rounds/2/workshop/counts/",
                {},
                facilitator_only(200),
            ),
            (
                "alliances:reveal",
                "post",
                f"{a}/rounds/2/workshop/reveal/",
                {},
                facilitator_only(302),
            ),
            (
                "alliances:join_toggle",
                "post",
                f"{a}/rounds/2/workshop/join-link/",
                {"open": "0"},
                facilitator_only(302),
            ),
            (
                "alliances:discuss",
                "get",
                f"{a}/rounds/1/workshop/discuss/0/",
                {},
                facilitator_only(200),
            ),
            ("alliances:registers", "get", f"{a}/registers/", {}, any_member(200)),
            ("alliances:register", "get", f"{a}/registers/interests/", {}, any_member(200)),
            (
                "alliances:register_board_interests",
                "get",
                f"{a}/registers/interests/side-by-side/",
                {},
                any_member(200),
            ),
            (
                "alliances:register_board_agreements",
                "get",
                f"{a}/registers/agreements/overview/",
                {},
                any_member(200),
            ),
            (
                "alliances:register_board_stakeholders",
                "get",
                f"{a}/registers/stakeholders/grid/",
                {},
                any_member(200),
            ),
            (
                "alliances:register_board_contributions",
                "get",
                f"{a}/registers/contributions/balance/",
                {},
                any_member(200),
            ),
            (
                "alliances:register_successes_summary",
                "get",
                f"{a}/registers/successes/summary/",
                {},
                any_member(200),
            ),
            (
                "alliances:register_successes_summary_pdf",
                "get",
                f"{a}/registers/successes/summary.pdf",
                {},
                any_member(200),
            ),
            # A partner lead writes for their own partner only (Zorg is not theirs).
            (
                "alliances:register_new",
                "post",
                f"{a}/registers/rules/new/",
                {"text": "We zeggen het als iets schuurt", "partner": str(partner)},
                _codes(302, 404, 404, 302, 400, 403),
            ),
            (
                "alliances:register_entry",
                "get",
                f"{a}/registers/rules/{self.rule}/",
                {},
                any_member(200),
            ),
            (
                "alliances:register_archive",
                "post",
                f"{a}/registers/rules/{self.rule}/archive/",
                {},
                _codes(302, 404, 404, 302, 302, 403),
            ),
            (
                "alliances:agenda",
                "get",
                f"{a}/rounds/1/workshop/agenda/",
                {},
                facilitator_only(200),
            ),
            (
                "alliances:agenda_change",
                "post",
                f"{a}/rounds/1/workshop/agenda/change/",
                {"action": "add", "title": "Our own point"},
                facilitator_only(302),
            ),
            # The route: every member reads it, the facilitator changes it,
            # every member gives their own view of the stage.
            ("alliances:route", "get", f"{a}/route/", {}, any_member(200)),
            ("alliances:ambition", "get", f"{a}/ambition/", {}, any_member(200)),
            ("alliances:route_phase", "get", f"{a}/route/phase/explore/", {}, any_member(200)),
            (
                "alliances:route_phase",
                "post",
                f"{a}/route/phase/explore/",
                {"status": "draft", "text": "Concept", "link": ""},
                _codes(302, 404, 404, 302, 403, 403),
            ),
            ("alliances:route_move", "get", f"{a}/route/move/", {}, facilitator_only(200)),
            (
                "alliances:route_move",
                "post",
                f"{a}/route/move/",
                {"to_phase": "share", "moved_on": "2026-01-05", "reason": "Verder"},
                _codes(302, 404, 404, 302, 403, 403),
            ),
            ("alliances:route_checklist", "get", f"{a}/route/checklist/", {}, any_member(200)),
            (
                "alliances:route_checklist_item",
                "get",
                f"{a}/route/checklist/{self.check_item}/",
                {},
                any_member(200),
            ),
            (
                "alliances:route_checklist_item",
                "post",
                f"{a}/route/checklist/{self.check_item}/",
                {f"{self.check_item}-done": "on"},
                _codes(302, 404, 404, 302, 403, 403),
            ),
            ("alliances:route_stage", "get", f"{a}/route/stage/", {}, any_member(200)),
            ("alliances:route_stage", "post", f"{a}/route/stage/", {}, any_member(302)),
            # Respondents: the token is the only credential; a session adds nothing.
            ("scan:resume", "get", f"/r/{self.token}/", {}, everyone(302)),
            ("scan:intro", "get", f"/r/{self.token}/intro/", {}, everyone(200)),
            ("scan:perspective", "get", f"/r/{self.token}/p/ambition/", {}, everyone(200)),
            ("scan:review", "get", f"/r/{self.token}/review/", {}, everyone(200)),
            ("scan:thanks", "get", f"/r/{self.token}/thanks/", {}, everyone(302)),
            ("scan:intro", "get", "/r/not-a-real-token-at-all/intro/", {}, everyone(404)),
            ("my_data", "get", f"/r/{self.token}/my-data.json", {}, everyone(200)),
            # The outcome waits for the round to close: an open round's link
            # goes back to the scan.
            ("outcome", "get", f"/r/{self.token}/outcome/", {}, everyone(302)),
            ("outcome", "get", "/r/not-a-real-token-at-all/outcome/", {}, everyone(404)),
            ("my_data", "get", "/r/not-a-real-token-at-all/my-data.json", {}, everyone(404)),
            ("join", "get", f"/j/{self.join_code}/", {}, everyone(200)),
            ("login", "get", "/accounts/login/", {}, everyone(200)),
            ("logout", "post", "/accounts/logout/", {}, everyone(302)),
            ("password_reset", "get", "/accounts/password-reset/", {}, everyone(200)),
            ("password_reset_done", "get", "/accounts/password-reset/sent/", {}, everyone(200)),
            (
                "password_reset_confirm",
                "get",
                "/accounts/reset/MQ/not-a-token/",
                {},
                everyone(200),
            ),
            ("password_reset_complete", "get", "/accounts/reset/done/", {}, everyone(200)),
            ("set_language", "post", "/i18n/setlang/", {"language": "en"}, everyone(302)),
            ("privacy", "get", "/privacy/", {}, everyone(200)),
        ]

    def test_every_url_is_in_the_matrix(self):
        covered = {name for name, *_ in self.matrix()}
        assert url_names() - covered == set()

    def test_every_role_gets_the_expected_status_and_denied_requests_change_nothing(self):
        failures = []
        clients = {}
        for role, user in self.users().items():
            clients[role] = Client()
            if user is not None:
                clients[role].force_login(user)
        for name, method, path, data, expected in self.matrix():
            for role in ROLES:
                client = clients[role]
                with transaction.atomic():
                    before = fingerprint() if expected[role] in DENIED else None
                    response = getattr(client, method)(path, data)
                    if response.status_code != expected[role]:
                        failures.append(
                            f"{role:11} {method.upper():4} {path} ({name}): "
                            f"{response.status_code}, expected {expected[role]}"
                        )
                    elif before is not None and fingerprint() != before:
                        failures.append(f"{role} {method} {path}: refused but changed data")
                    transaction.set_rollback(True)
                if name == "logout":  # log back in for the next rows
                    user = self.users()[role]
                    if user is not None:
                        client.force_login(user)
        assert not failures, "\n".join(failures)

    def test_django_admin_is_for_site_administrators_only(self):
        for role, user in self.users().items():
            client = Client()
            if user is not None:
                client.force_login(user)
            for path in ("/admin/", "/admin/alliances/alliance/"):
                status = client.get(path).status_code
                assert status == (200 if role == "admin" else 302), (role, path, status)

    def test_no_object_of_this_alliance_is_reachable_through_another_alliance(self):
        """The other facilitator uses their own alliance's address with our ids."""
        self.client.force_login(self.outsider)
        b = f"/alliances/{self.other_alliance.slug}"
        partner = self.partners["Zorg"].pk
        person = self.participants[0].pk
        member = self.observer_grant.pk
        for path in [
            f"{b}/partners/{partner}/",
            f"{b}/participants/{person}/",
            f"{b}/participants/{person}/erase/",
            f"{b}/rounds/1/",
            f"{b}/rounds/1/results/",
            f"{b}/rounds/1/export/csv/",
        ]:
            assert self.client.get(path).status_code == 404, path
        before = fingerprint()
        for path, data in [
            (f"{b}/partners/{partner}/delete/", {}),
            (f"{b}/participants/{person}/send-data/", {}),
            (f"{b}/participants/{person}/erase/", {"answers": "delete", "confirm": "on"}),
            (f"{b}/access/{member}/", {"role": "facilitator"}),
            (f"{b}/access/{member}/withdraw/", {}),
        ]:
            assert self.client.post(path, data).status_code == 404, path
        assert fingerprint() == before

    def test_a_facilitator_cannot_lead_for_a_partner_of_another_alliance(self):
        """Changing the partner id in a form field is refused too."""
        self.client.force_login(self.facilitator)
        foreign = self.other_alliance.partners.create(name="Vreemd")
        before = fingerprint()
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/access/{self.observer_grant.pk}/",
            {"role": "partner_lead", "partner": str(foreign.pk)},
            follow=True,
        )
        self.assertContains(page, "not part of this alliance")
        assert fingerprint() == before
        page = self.client.post(
            f"/alliances/{self.alliance.slug}/access/",
            {"email": "x@example.org", "role": "partner_lead", "partner": str(foreign.pk)},
        )
        assert page.status_code == 400
        assert fingerprint() == before
        assert mail.outbox == []

    def test_participants_of_the_round_exist(self):
        """Guard for the matrix: the data it relies on is really there."""
        first = Round.objects.get(alliance=self.alliance, number=1)
        assert first.state == Round.State.CLOSED and first.workshop_revealed
        assert first.responses.filter(submitted_at__isnull=False).count() == 12
        assert Participant.objects.filter(partner__alliance=self.alliance).count() == 12


class AdminRulesTests(AllianceTestCase):
    def test_a_lead_cannot_be_tied_to_a_partner_of_another_alliance_even_in_the_admin(self):
        from django.core.exceptions import ValidationError

        other = Alliance.objects.get(name="Elders").partners.create(name="Vreemd")
        grant = AccessGrant(
            user=self.stranger, alliance=self.alliance, role="partner_lead", partner=other
        )
        with self.assertRaises(ValidationError):
            grant.full_clean()

    def test_participants_are_not_deleted_in_the_admin_but_erased_in_the_app(self):
        admin = User.objects.create_superuser("ada", password=PASSWORD)
        self.client.force_login(admin)
        person = self.participants[0]
        page = self.client.get(f"/admin/alliances/participant/{person.pk}/delete/")
        assert page.status_code == 403
        assert Participant.objects.filter(pk=person.pk).exists()
