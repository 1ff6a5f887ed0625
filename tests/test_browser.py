"""A respondent on a 360 px phone, using only the keyboard, in real Chromium.

Playwright drives Debian's Chromium (/usr/bin/chromium); it never downloads
a browser. Without Chromium the test is skipped on a developer machine but
fails under CI, where `make test` installs it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles.testing import StaticLiveServerTestCase

from alliancelens.alliances.models import ItemAnswer, Level, Participant, Partner, ScanResponse
from alliancelens.alliances.services import (
    alliance_create,
    invitations_issue,
    round_create,
    round_open,
)
from alliancelens.instrument import latest_instrument

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: run scripts/ensure-system-packages.sh")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402


class PhoneKeyboardTests(StaticLiveServerTestCase):
    def setUp(self):
        user = User.objects.create_user("fiona")
        alliance = alliance_create(facilitator=user, name="Gezonde Wijk")
        partner = Partner.objects.create(alliance=alliance, name="Gemeente")
        self.person = Participant.objects.create(partner=partner, name="Anna", level=Level.BOARD)
        rnd = round_open(rnd=round_create(alliance=alliance, title="Ronde 1"))
        (link,) = invitations_issue(invitations=rnd.invitations.all())
        self.url = f"{self.live_server_url}/r/{link.token}/"
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        self.page = self.browser.new_page(viewport={"width": 360, "height": 740}, locale="nl-NL")

    def tearDown(self):
        self.browser.close()
        self._pw.stop()

    def assert_fits_the_screen(self, page: Page) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"page is {width}px wide on a 360px screen: {page.url}"

    def tab_to(self, page: Page, selector: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"keyboard focus never reached {selector}")

    def test_a_respondent_answers_a_page_with_the_keyboard_on_a_phone(self):
        page = self.page
        page.goto(self.url)
        assert page.locator("h1").inner_text().startswith("Welkom")
        self.assert_fits_the_screen(page)
        self.tab_to(page, "a.button.primary")
        page.keyboard.press("Enter")
        page.wait_for_url("**/p/ambition/")
        self.assert_fits_the_screen(page)
        assert "pijltjestoetsen" in page.locator(".keys-hint").inner_text()
        assert axe_violations(page) == []

        items = latest_instrument().items_for("ambition")
        self.tab_to(page, f"input[name={items[0].id}]")
        for n, item in enumerate(items):
            if n:
                page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.name") == item.id
            page.keyboard.press("Space")  # choose 1 …
            for _ in range(3):
                page.keyboard.press("ArrowDown")  # … and move to 4
        page.keyboard.press("Tab")
        page.keyboard.type("Minder wachtlijsten")
        self.tab_to(page, "button[value=next]")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "scan-phone.png"), full_page=False)
        page.keyboard.press("Enter")
        page.wait_for_url("**/p/interests/")

        values = dict(ItemAnswer.objects.values_list("item_id", "value"))
        assert values == {item.id: 4 for item in items}
        self.assert_fits_the_screen(page)

        # The rest of the scan, to the end, with the keyboard alone.
        instrument = latest_instrument()
        for perspective in [p.id for p in instrument.perspectives][1:]:
            page.wait_for_url(f"**/p/{perspective}/")
            statements = instrument.items_for(perspective)
            self.tab_to(page, f"input[name={statements[0].id}]")
            for n, item in enumerate(statements):
                if n:
                    self.tab_to(page, f"input[name={item.id}]", limit=3)
                page.keyboard.press("Space")
                page.keyboard.press("ArrowDown")  # 2
            self.tab_to(page, "button[value=next]")
            page.keyboard.press("Enter")
        page.wait_for_url("**/review/")
        self.assert_fits_the_screen(page)
        assert axe_violations(page) == []
        self.tab_to(page, "button[type=submit].primary")
        page.keyboard.press("Enter")
        page.wait_for_url("**/thanks/")
        assert axe_violations(page) == []
        response = ScanResponse.objects.get()
        assert response.submitted_at is not None
        answers = dict(response.item_answers.values_list("item_id", "value"))
        assert len(answers) == len(instrument.items)
        assert {answers[i.id] for i in instrument.items if i.perspective != "ambition"} == {2}


class WorkshopKeysTests(StaticLiveServerTestCase):
    """The discussion is driven by the keys a presenter's clicker sends."""

    def setUp(self):
        from django.test import Client

        from alliancelens.results.publish import round_publish
        from alliancelens.workshop.services import workshop_reveal

        from .base import answer_by_service

        user = User.objects.create_user("fiona")
        alliance = alliance_create(facilitator=user, name="Gezonde Wijk")
        for name in ("Gemeente", "Zorg", "Welzijn"):
            partner = Partner.objects.create(alliance=alliance, name=name)
            for n in range(4):
                Participant.objects.create(partner=partner, name=f"{name} {n}", level=Level.BOARD)
        rnd = round_open(rnd=round_create(alliance=alliance, title="Ronde 1"))
        for invitation in rnd.invitations.select_related("participant__partner"):
            partner = invitation.participant.partner.name
            answer_by_service(invitation, "1" if partner == "Zorg" else "5")
        round_publish(rnd=workshop_reveal(rnd=rnd, by=user))
        client = Client()
        client.force_login(user)
        self.base = f"{self.live_server_url}/alliances/{alliance.slug}/rounds/{rnd.number}"
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = self.browser.new_context(viewport={"width": 1280, "height": 720})
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": self.live_server_url,
                }
            ]
        )
        self.page = context.new_page()

    def tearDown(self):
        self.browser.close()
        self._pw.stop()

    def test_arrows_and_page_keys_walk_the_discussion_with_next_in_view(self):
        page = self.page
        page.goto(f"{self.base}/workshop/")
        assert axe_violations(page) == []  # the projector
        page.goto(f"{self.base}/workshop/discuss/0/")
        assert axe_violations(page) == []
        next_button = page.locator('a[rel="next"]')
        assert next_button.is_visible()
        box = next_button.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 720  # above the fold
        page.keyboard.press("ArrowRight")
        page.wait_for_url("**/discuss/1/")
        assert axe_violations(page) == []  # a discussion point
        # Typing what the room agreed moves nowhere: the keys belong to the field.
        page.focus("#id_agreed")
        page.keyboard.type("Samen verder ")
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("Space")
        assert page.url.endswith("/discuss/1/")
        page.keyboard.press("Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")  # save, and back on this point
        assert page.url.endswith("/discuss/1/")
        assert "Samen verder" in page.input_value("#id_agreed")
        page.evaluate("document.activeElement.blur()")
        page.keyboard.press("PageDown")
        page.wait_for_url("**/discuss/2/")
        page.keyboard.press("PageUp")
        page.wait_for_url("**/discuss/1/")
        page.keyboard.press("ArrowLeft")
        page.wait_for_url("**/discuss/0/")


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the page. axe-core comes
    from PyPI (axe-playwright-python, pinned in pyproject.toml), never from
    a CDN; it is injected through the DevTools protocol, outside the CSP."""
    import axe_playwright_python

    script = Path(axe_playwright_python.__file__).with_name("axe.min.js")
    page.evaluate(script.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def check_phone_page(
    page: Page,
    path: str,
    problems: list[tuple[str, str, str, int]],
    too_wide: list[tuple[str, int, list[str]]],
) -> None:
    """The page as it stands: axe-core's serious and critical violations, and
    whether anything sticks out of a 360 px screen (with the culprits)."""
    for violation in axe_violations(page):
        problems.append((path, violation["id"], violation["impact"], len(violation["nodes"])))
    # Charts keep their text readable: drawn at three quarters of their own
    # size or more (they scroll sideways inside their box instead).
    for scale in page.eval_on_selector_all(
        "figure.chart img",
        """els => els.filter(e => e.offsetParent !== null && e.naturalWidth > 0)
            .map(e => e.getBoundingClientRect().width / e.naturalWidth)""",
    ):
        if scale < 0.74:
            too_wide.append((path, round(scale * 100), ["chart text shrunk to this %"]))
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 360:
        culprits = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 361
                && !(e.parentElement && e.parentElement.getBoundingClientRect().right > 361))
            .slice(0, 3)
            .map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.'))"""
        )
        too_wide.append((path, width, culprits))


class PhoneWidthTests(StaticLiveServerTestCase):
    """No page of the facilitator, a partner lead or an observer is wider
    than a 360 px phone: tables scroll inside their own box, long words
    wrap. (The respondent's pages: PhoneKeyboardTests.)"""

    def setUp(self):
        import io

        from django.core.management import call_command
        from django.test import Client

        call_command("demo", "--allow-production", stdout=io.StringIO())
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        self.pages = {}
        for username in ("facilitator", "partnerlead", "observer"):
            client = Client()
            client.force_login(User.objects.get(username=username))
            context = self.browser.new_context(viewport={"width": 360, "height": 740})
            context.add_cookies(
                [
                    {
                        "name": "sessionid",
                        "value": client.cookies["sessionid"].value,
                        "url": self.live_server_url,
                    }
                ]
            )
            self.pages[username] = context.new_page()

    def tearDown(self):
        self.browser.close()
        self._pw.stop()

    def test_every_page_of_every_role_fits_a_phone_and_passes_axe(self):
        problems: list[tuple[str, str, str, int]] = []
        for role, page in self.pages.items():
            seen = self.crawl(page, problems)
            assert len(seen) >= (12 if role == "facilitator" else 4), (role, seen)
        assert not problems, problems

    def test_the_join_flow_the_outcome_and_the_agenda_fit_a_phone_and_pass_axe(self):
        """The workshop link chosen and submitted on a phone with the keyboard,
        a respondent's outcome page after the round, and the facilitator's
        agenda for the hour."""
        from alliancelens.alliances.models import Invitation, Round
        from alliancelens.workshop.services import join_link_set

        problems: list[tuple[str, str, str, int]] = []
        too_wide: list[tuple[str, int, list[str]]] = []
        open_round = Round.objects.get(alliance__slug="demo", state=Round.State.OPEN)
        join_link_set(rnd=open_round, is_open=True)
        open_round.refresh_from_db()
        phone = self.browser.new_context(viewport={"width": 360, "height": 740}).new_page()
        phone.goto(f"{self.live_server_url}/j/{open_round.join_code}/")
        check_phone_page(phone, "join", problems, too_wide)
        # Nothing chosen in advance; the keyboard picks organisation and level.
        assert phone.eval_on_selector_all("input[type=radio]:checked", "els => els.length") == 0
        phone.focus("input[name=partner]")
        phone.keyboard.press("ArrowDown")
        phone.keyboard.press("Tab")
        phone.keyboard.press("ArrowDown")
        phone.keyboard.press("ArrowDown")
        checked = phone.eval_on_selector_all(
            "input[type=radio]:checked", "els => els.map(e => e.name)"
        )
        assert sorted(checked) == ["level", "partner"], checked
        phone.keyboard.press("Tab")
        phone.keyboard.press("Enter")
        phone.wait_for_url("**/r/**")
        check_phone_page(phone, "joined", problems, too_wide)
        closed = Round.objects.get(alliance__slug="demo", number=2)
        invitation = Invitation.objects.filter(round=closed).first()
        assert invitation is not None
        (link,) = invitations_issue(invitations=[invitation])
        phone.goto(f"{self.live_server_url}/r/{link.token}/outcome/")
        assert phone.locator("h1").inner_text() in ("Wat eruit kwam", "What came out of it")
        check_phone_page(phone, "outcome", problems, too_wide)
        facilitator = self.pages["facilitator"]
        facilitator.goto(f"{self.live_server_url}/alliances/demo/rounds/2/workshop/agenda/")
        assert facilitator.locator("ol.agenda > li").count() >= 1
        check_phone_page(facilitator, "agenda", problems, too_wide)
        assert not problems, problems
        assert not too_wide, too_wide

    def crawl(self, page: Page, problems: list[tuple[str, str, str, int]]) -> set[str]:
        """Every page of the demo this reader reaches, each checked for its
        width and with axe-core (serious and critical violations)."""
        import re

        todo = ["/alliances/", "/alliances/demo/"]
        seen: set[str] = set()
        too_wide: list[tuple[str, int, list[str]]] = []
        skip = re.compile(r"/(export|report|guide)|\.(pdf|html|json)$|logout|/j/|/r/")
        while todo and len(seen) < 40:
            path = todo.pop(0)
            if path in seen:
                continue
            seen.add(path)
            page.goto(self.live_server_url + path)
            check_phone_page(page, path, problems, too_wide)
            for href in page.eval_on_selector_all(
                "a[href^='/alliances/demo']", "els => els.map(e => e.getAttribute('href'))"
            ):
                href = href.split("#")[0].split("?")[0]
                if href not in seen and not skip.search(href):
                    todo.append(href)
        assert not too_wide, too_wide
        return seen
