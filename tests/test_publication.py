"""Published results: computed once when a round closes, stored, read by every output."""

from __future__ import annotations

import math
import re
import threading
from datetime import timedelta

from django.utils import timezone

from alliancelens.alliances.models import Alliance, AuditEvent, ItemAnswer, Round
from alliancelens.alliances.services import round_close
from alliancelens.analysis import codec
from alliancelens.analysis.publication import Published
from alliancelens.charts import heatmap, radar_chart
from alliancelens.instrument import PERSPECTIVES, localized
from alliancelens.results.models import PublishedChart, PublishedResult
from alliancelens.results.publish import charts_of, publication_of

from .base import AllianceTestCase, results_table


def svgs(page: bytes) -> list[bytes]:
    return re.findall(rb"data:image/svg\+xml;base64,[A-Za-z0-9+/=]+", page)


class PublicationTests(AllianceTestCase):
    def answered_round(self, title: str = "Ronde 1", value: str = "4") -> Round:
        rnd = self.open_round(title)
        for i, person in enumerate(self.participants):
            self.answer(rnd, person, str(2 + (i + int(value)) % 3))
        return rnd

    def close(self, rnd: Round) -> None:
        self.login()
        self.client.post(f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/close/")

    def page(self, rnd: Round, lang: str = "nl") -> bytes:
        response = self.client.get(
            f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/results/",
            HTTP_ACCEPT_LANGUAGE=lang,
        )
        assert response.status_code == 200
        return response.content

    def test_closing_a_round_publishes_its_result_with_the_k_it_used(self):
        rnd = self.answered_round()
        self.close(rnd)
        stored = PublishedResult.objects.get(round=rnd)
        assert stored.k == 3
        published = codec.loads(Published, stored.result)
        assert published.result.n_respondents == 12
        assert set(published.result.partners) == {"Gemeente", "Woningcorporatie", "Zorg"}

    def test_the_pages_read_the_stored_result_not_the_answers_or_the_current_k(self):
        """Answers changed behind the store's back, and a k raised after
        closing, change nothing that was published."""
        rnd = self.answered_round()
        self.close(rnd)
        before = results_table(self.page(rnd))
        report = self.client.get(
            f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/report.html"
        ).content
        export = self.client.get(
            f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/export/csv/"
        ).content
        ItemAnswer.objects.filter(response__round=rnd).update(value=1)
        Alliance.objects.filter(pk=self.alliance.pk).update(anonymity_threshold=10)
        after = self.page(rnd)
        assert results_table(after) == before
        assert (
            "Groups of fewer than 3 people" in after.decode() or "minder dan 3" in after.decode()
        )
        again = self.client.get(
            f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/report.html"
        ).content
        # The report carries its date of making; everything else is the same.
        assert re.sub(rb"\d{1,2} \w+ \d{4}", b"", again) == re.sub(
            rb"\d{1,2} \w+ \d{4}", b"", report
        )
        assert (
            self.client.get(
                f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/export/csv/"
            ).content
            == export
        )

    def test_charts_are_drawn_once_per_language_and_view(self):
        rnd = self.answered_round()
        self.close(rnd)
        assert not PublishedChart.objects.exists()  # closing stays quick
        first = self.page(rnd)
        drawn = PublishedChart.objects.count()
        assert drawn > 10
        assert svgs(self.page(rnd)) == svgs(first) != []
        assert PublishedChart.objects.count() == drawn
        self.page(rnd, "en")
        in_english = PublishedChart.objects.filter(language="en").count()
        assert in_english == PublishedChart.objects.filter(language="nl").count()
        # An observer's view draws only the charts that name partners.
        self.client.force_login(self.observer)
        page = self.page(rnd)
        new = PublishedChart.objects.filter(language="nl").exclude(scope="all")
        assert new.exists() and set(new.values_list("scope", flat=True)) == {"whole"}
        assert {n for n in new.values_list("name", flat=True) if not n.startswith("-")} <= {
            "radar",
            "heatmap",
            "give_take",
        }
        for partner in self.partners:
            assert partner not in re.sub(r"<title>.*?</title>", "", page.decode())

    def test_a_round_past_its_closing_time_is_closed_and_published_when_first_read(self):
        rnd = self.answered_round()
        Round.objects.filter(pk=rnd.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
        self.login()
        table = results_table(self.page(rnd))
        assert table, "the scores are shown once the closing time has passed"
        rnd.refresh_from_db()
        assert rnd.state == Round.State.CLOSED
        assert PublishedResult.objects.filter(round=rnd).count() == 1
        assert AuditEvent.objects.filter(action="round_closed").count() == 1

    def test_a_draft_past_its_closing_time_is_neither_closed_nor_published(self):
        from alliancelens.alliances.services import round_create

        rnd = round_create(alliance=self.alliance, title="Ontwerp")
        Round.objects.filter(pk=rnd.pk).update(closes_at=timezone.now() - timedelta(days=1))
        rnd.refresh_from_db()
        self.login()
        self.page(rnd)
        assert (
            self.client.get(
                f"/alliances/{self.alliance.slug}/rounds/{rnd.number}/report.html"
            ).status_code
            == 404
        )
        rnd.refresh_from_db()
        assert rnd.state == Round.State.DRAFT
        assert not PublishedResult.objects.exists()

    def test_an_open_round_publishes_nothing_and_shows_no_scores(self):
        rnd = self.answered_round()
        self.login()
        html = self.page(rnd).decode()
        assert "12 respondents submitted" in html or "12 respondenten" in html
        assert results_table(html.encode()) == {}
        assert not PublishedResult.objects.exists()

    def test_the_trend_table_and_the_trend_chart_show_the_same_means(self):
        first = self.answered_round("Een", "4")
        first = round_close(rnd=first)
        second = self.answered_round("Twee", "2")
        self.close(second)
        second.refresh_from_db()
        publication = publication_of(second)
        assert publication is not None
        trends = publication.published.latest_trends
        assert {t.perspective for t in trends} == set(PERSPECTIVES)
        chart = charts_of(publication, "en", None)["trend"]
        rows = {row[0]: row[1:] for row in chart.rows}
        for t in trends:
            label = localized(second.instrument.perspective(t.perspective).label, "en")
            assert rows[label] == [f"{t.mean_from:.2f}", f"{t.mean_to:.2f}"]
        # And the earlier round's mean is what that round itself published.
        own = publication_of(first)
        assert own is not None
        for t in trends:
            assert math.isclose(
                t.mean_from, own.published.result.perspectives[t.perspective].stat.mean
            )

    def test_the_retention_purge_removes_the_published_result(self):
        from alliancelens.access.privacy import retention_purge

        rnd = self.answered_round()
        self.close(rnd)
        self.alliance.retention_months = 1
        self.alliance.save()
        Round.objects.filter(pk=rnd.pk).update(closed_at=timezone.now() - timedelta(days=60))
        retention_purge()
        assert not PublishedResult.objects.exists()
        rnd.refresh_from_db()
        assert publication_of(rnd) is None
        base = f"/alliances/{self.alliance.slug}/rounds/{rnd.number}"
        for path in ("report.html", "guide.html", "export/csv/", "export/codebook/"):
            assert self.client.get(f"{base}/{path}").status_code == 404, path
        assert not PublishedResult.objects.exists()

    def test_publishing_again_keeps_hidden_what_the_earlier_publication_hid(self):
        """A stored result of an older form is published again (a lens
        upgrade); set beside the earlier one it may show nothing more."""
        import json

        from alliancelens.results.publish import publication_of

        rnd = self.answered_round()
        self.close(rnd)
        stored = PublishedResult.objects.get(round=rnd)
        assert not codec.loads(Published, stored.result).result.partners["Gemeente"].suppressed
        # As if an earlier lens had hidden Gemeente and one statement of Zorg.
        data = json.loads(stored.result)
        data["result"]["partners"]["Gemeente"]["suppressed"] = True
        data["result"]["partners"]["Zorg"]["items"]["amb_not_alone"]["hidden"] = True
        PublishedResult.objects.filter(pk=stored.pk).update(schema=0, result=json.dumps(data))
        again = publication_of(Round.objects.get(pk=rnd.pk)).published.result
        assert PublishedResult.objects.get(round=rnd).schema != 0
        gemeente = again.partners["Gemeente"]
        assert gemeente.suppressed or all(
            s.hidden for s in [*gemeente.items.values(), *gemeente.perspectives.values()]
        )
        assert again.partners["Zorg"].items["amb_not_alone"].hidden
        assert not again.partners["Zorg"].items["amb_fine_words"].hidden

    def test_a_stored_result_reads_back_equal_to_the_computed_one(self):
        rnd = self.answered_round()
        self.close(rnd)
        stored = PublishedResult.objects.get(round=rnd)
        published = codec.loads(Published, stored.result)
        assert codec.dumps(published) == stored.result
        from alliancelens.analysis.publication import published_view
        from alliancelens.results.adapter import round_analysis

        # What is stored is the published view: of partners, levels and
        # cells their n and means only.
        assert published.result == published_view(round_analysis(rnd))
        gemeente = published.result.partners["Gemeente"]
        assert all(s.sd is None and not s.distribution for s in gemeente.items.values())
        assert published.result.items["amb_not_alone"].distribution


def test_charts_drawn_in_threads_at_once_equal_charts_drawn_one_by_one():
    """The chart module uses matplotlib's object API only, so threaded
    workers can draw at the same time."""

    def draw() -> list[str]:
        return [
            radar_chart(
                "Radar",
                ["a", "b", "c", "d", "e"],
                {"All": [3.1, 3.5, 2.2, 4.0, 3.3], "P": [2.0, 4.1, 3.0, 3.9, 1.5]},
                {"P": ("#0072B2", "-")},
                overall_label="All",
            ).svg,
            heatmap(
                "Heat",
                [f"statement {i}" for i in range(12)],
                ["P", "Q", "R"],
                [[1 + (i * j) % 5 for j in range(3)] for i in range(12)],
                highlight=[i % 4 == 0 for i in range(12)],
                hidden_label="·",
            ).svg,
        ]

    expected = draw()
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(2):
                results.append(draw())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 8
    assert all(r == expected for r in results)
