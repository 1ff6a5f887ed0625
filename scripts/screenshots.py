"""Take the documentation screenshots from a running demo server.

`make screenshots` runs it (scripts/screenshots.sh starts the server on a
throw-away database). By hand: .venv/bin/python scripts/screenshots.py
RESPONDENT_LINK OUTCOME_LINK against `make run` (SCREENSHOT_BASE picks another server).
Uses Debian's Chromium.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = os.environ.get("SCREENSHOT_BASE", "http://127.0.0.1:8000")
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


AGREED = (
    "Gemeente en Woonstichting leggen in juni samen vast welk belang elk "
    "heeft bij de wijkaanpak; de procesbegeleider plant het gesprek."
)


def main(link: str, outcome: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        desk = browser.new_page(viewport={"width": 1200, "height": 900})
        desk.goto(f"{BASE}/accounts/login/")
        desk.fill("#id_username", "facilitator")
        desk.fill("#id_password", "demo-facilitator")
        desk.click("main button[type=submit]")
        desk.wait_for_url(f"{BASE}/alliances/")
        # What a non-statistician reading the results page first sees.
        desk.goto(f"{BASE}/alliances/demo/rounds/1/results/")
        desk.locator("#summary-h").scroll_into_view_if_needed()
        desk.screenshot(path=str(OUT / "results-summary.png"))
        desk.goto(f"{BASE}/alliances/demo/rounds/1/results/#differences-h")
        desk.screenshot(path=str(OUT / "results-differences.png"))
        for name, path in [
            ("results", "/alliances/demo/rounds/2/results/"),
            ("round", "/alliances/demo/rounds/3/"),
            ("alliance", "/alliances/demo/"),
            ("access", "/alliances/demo/access/"),
        ]:
            desk.goto(BASE + path)
            desk.screenshot(path=str(OUT / f"{name}.png"), full_page=name != "results")
        # The advice that reads the registers beside the latest round.
        desk.goto(f"{BASE}/alliances/demo/rounds/2/results/")
        desk.locator("#live-advice").scroll_into_view_if_needed()
        desk.evaluate("document.querySelectorAll('.live-advice details').forEach(d => d.open = 1)")
        desk.locator("#live-advice").scroll_into_view_if_needed()
        desk.screenshot(path=str(OUT / "results-live-advice.png"))
        # The registers: each list, and the four overviews made from them.
        for key in (
            "interests",
            "gains",
            "contributions",
            "agreements",
            "roles",
            "rules",
            "stakeholders",
            "expertise",
            "successes",
            "conflicts",
            "learning",
            "harvest",
            "dissent",
            "goals",
        ):
            desk.goto(f"{BASE}/alliances/demo/registers/{key}/")
            desk.screenshot(path=str(OUT / f"register-{key}.png"), full_page=True)
        for name, path in [
            ("interests-side-by-side", "interests/side-by-side/"),
            ("who-decides", "agreements/overview/"),
            ("stakeholder-grid", "stakeholders/grid/"),
            ("contribution-balance", "contributions/balance/"),
        ]:
            desk.goto(f"{BASE}/alliances/demo/registers/{path}")
            desk.screenshot(path=str(OUT / f"register-{name}.png"), full_page=True)
        # The route, its checklists, the stage, the ambition, the successes page.
        for name, path in [
            ("route", "route/"),
            ("route-checklist", "route/checklist/"),
            ("route-stage", "route/stage/"),
            ("route-move", "route/move/?to=execute"),
            ("ambition", "ambition/"),
            ("successes-summary", "registers/successes/summary/"),
        ]:
            desk.goto(f"{BASE}/alliances/demo/{path}")
            desk.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
        # The workshop: the projector of the open round, and a discussion point.
        room = browser.new_page(viewport={"width": 1920, "height": 1080})
        room.context.add_cookies(desk.context.cookies())
        room.goto(f"{BASE}/alliances/demo/rounds/3/workshop/")
        room.screenshot(path=str(OUT / "workshop-projector.png"))
        # The agenda of round 2, and its first point with what the room agreed.
        desk.goto(f"{BASE}/alliances/demo/rounds/2/workshop/agenda/")
        desk.screenshot(path=str(OUT / "workshop-agenda.png"), full_page=True)
        room.goto(f"{BASE}/alliances/demo/rounds/2/workshop/discuss/1/")
        room.fill("#id_agreed", AGREED)
        with room.expect_navigation():
            room.click("form.agreed button[type=submit]")
        room.screenshot(path=str(OUT / "workshop-discussion.png"))
        # What a partner lead sees: the whole and their own partner only.
        lead = browser.new_page(viewport={"width": 1200, "height": 900})
        lead.goto(f"{BASE}/accounts/login/")
        lead.fill("#id_username", "partnerlead")
        lead.fill("#id_password", "demo-facilitator")
        lead.click("main button[type=submit]")
        lead.wait_for_url(f"{BASE}/alliances/")
        lead.goto(f"{BASE}/alliances/demo/rounds/2/results/")
        lead.screenshot(path=str(OUT / "results-partner-lead.png"))
        phone = browser.new_page(viewport={"width": 360, "height": 740})
        phone.goto(link)
        phone.screenshot(path=str(OUT / "scan-intro-phone.png"))
        phone.click("a.button.primary")
        phone.screenshot(path=str(OUT / "scan-ambition-phone.png"))
        # After the round: what a respondent's own link shows.
        phone.goto(outcome)
        phone.screenshot(path=str(OUT / "outcome-phone.png"), full_page=True)
        # A facilitator's page on a phone.
        small = browser.new_page(viewport={"width": 360, "height": 740})
        small.context.add_cookies(desk.context.cookies())
        small.goto(f"{BASE}/alliances/demo/rounds/1/results/")
        small.screenshot(path=str(OUT / "results-phone.png"))
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
