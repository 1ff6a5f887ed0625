"""Old tabs, double clicks and the back button: a page posted from an older
version of the answers never silently overwrites newer ones, and submitting
twice counts once. Through the real pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from alliancelens.alliances.models import ItemAnswer, ScanResponse
from alliancelens.instrument import latest_instrument

from .base import AllianceTestCase, full_answers


def drawn_from(html: bytes) -> dict[str, str]:
    """The hidden version and fingerprint of the page's own form."""
    form = html.split(b'class="scan-form"')[1] if b'class="scan-form"' in html else html
    version = re.search(rb'name="version" value="(\d*)"', form)
    seen = re.search(rb'name="seen" value="([0-9a-f]*)"', form)
    assert version and seen
    return {"version": version.group(1).decode(), "seen": seen.group(1).decode()}


class StalePageTests(AllianceTestCase):
    def setUp(self):
        self.round = self.open_round()
        self.person = self.participants[0]
        self.token = self.token_for(self.round, self.person)
        self.tab = Client()
        self.page = f"/r/{self.token}/p/ambition/"
        self.items = [i.id for i in latest_instrument().items_for("ambition")]

    def stored(self) -> dict[str, Any]:
        return dict(
            ItemAnswer.objects.filter(response__invitation__participant=self.person)
            .filter(item_id__in=self.items)
            .values_list("item_id", "value")
        )

    def post(self, client: Client, data: dict[str, Any], page: str | None = None):
        return client.post(page or self.page, data)

    def test_an_old_tab_cannot_overwrite_answers_given_since_and_the_respondent_chooses(self):
        old_tab = self.tab.get(self.page)
        old = {**full_answers("ambition", "4"), **drawn_from(old_tab.content)}
        assert self.post(self.tab, old).status_code == 302
        # Later, in another tab: the same page changed to 5, and submitted.
        other = Client()
        fresh = drawn_from(other.get(self.page).content)
        assert self.post(other, {**full_answers("ambition", "5"), **fresh}).status_code == 302
        review = other.get(f"/r/{self.token}/review/")
        other.post(f"/r/{self.token}/review/", {"version": drawn_version(review.content)})
        response = ScanResponse.objects.get()
        assert response.is_submitted and response.last_step == "done"
        # The old tab's form, sent again (a reload that resends, or the tab).
        again = self.post(self.tab, old)
        assert again.status_code == 409
        assert set(self.stored().values()) == {5}  # nothing overwritten
        response.refresh_from_db()
        assert response.last_step == "done"  # the link still resumes at the end
        html = again.content.decode()
        assert 'id="conflict"' in html
        rows = re.findall(r'<tr><th scope="row">[^<]+</th><td>([^<]+)</td><td>([^<]+)</td>', html)
        assert len(rows) == len(self.items)
        # The page shows what is stored now (5 checked) …
        form = html.split('class="scan-form"')[1]
        assert len(re.findall(r'value="5"[^>]*checked', form)) == len(self.items)
        # … and the respondent may take the answers they sent after all.
        choice = html.split('id="conflict"')[1].split("</form>")[0]
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', choice))
        nav = re.search(r'name="nav" value="(\w+)"', choice).group(1)
        assert self.post(self.tab, {**hidden, "nav": nav}).status_code == 302
        assert set(self.stored().values()) == {4}
        response.refresh_from_db()
        assert response.times_submitted == 1 and response.is_submitted

    def test_submitting_twice_counts_once(self):
        self.post(
            self.tab,
            {**full_answers("ambition", "3"), **drawn_from(self.tab.get(self.page).content)},
        )
        review = self.tab.get(f"/r/{self.token}/review/")
        data = {"version": drawn_version(review.content)}
        first = self.tab.post(f"/r/{self.token}/review/", data)
        second = self.tab.post(f"/r/{self.token}/review/", data)  # the double click
        assert first.status_code == second.status_code == 302
        assert ScanResponse.objects.get().times_submitted == 1
        # Submitting again from a freshly drawn review page is a new submit.
        review = self.tab.get(f"/r/{self.token}/review/")
        self.tab.post(f"/r/{self.token}/review/", {"version": drawn_version(review.content)})
        assert ScanResponse.objects.get().times_submitted == 2

    def test_the_back_button_resending_the_same_answers_changes_nothing(self):
        drawn = drawn_from(self.tab.get(self.page).content)
        page = {**full_answers("ambition", "2"), **drawn}
        self.post(self.tab, page)
        review = self.tab.get(f"/r/{self.token}/review/")
        self.tab.post(f"/r/{self.token}/review/", {"version": drawn_version(review.content)})
        before = ScanResponse.objects.values_list("version", "last_step", "updated_at").get()
        back = self.post(self.tab, page)  # back, and the same form sent again
        assert back.status_code == 302
        assert (
            ScanResponse.objects.values_list("version", "last_step", "updated_at").get() == before
        )
        assert set(self.stored().values()) == {2}

    def test_two_tabs_on_different_pages_do_not_get_in_each_others_way(self):
        interests = f"/r/{self.token}/p/interests/"
        drawn_interests = drawn_from(self.tab.get(interests).content)
        drawn_ambition = drawn_from(Client().get(self.page).content)
        self.post(self.tab, {**full_answers("ambition", "4"), **drawn_ambition})
        later = self.post(
            self.tab, {**full_answers("interests", "2"), **drawn_interests}, interests
        )
        assert later.status_code == 302
        values = dict(ItemAnswer.objects.values_list("item_id", "value"))
        assert {values[i] for i in self.items} == {4}
        assert 2 in values.values()

    def test_a_page_without_a_version_is_saved_as_before(self):
        assert self.post(self.tab, full_answers("ambition", "3")).status_code == 302
        assert set(self.stored().values()) == {3}


def drawn_version(html: bytes) -> str:
    found = re.search(rb'name="version" value="(\d+)"', html)
    assert found
    return found.group(1).decode()
