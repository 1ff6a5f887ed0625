"""A closed round's published result, stored once, read by every output."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliancelens.alliances.models import Round


class PublishedResult(models.Model):
    """The suppressed result of a round as the lens computed it at closing.

    ``result`` holds an ``analysis.Published`` as JSON text (``analysis.codec``);
    the exports are made from it too. ``k`` is the anonymity threshold the lens used, whatever the
    alliance's threshold is later; ``schema`` the version of the stored form.
    """

    round = models.OneToOneField(
        Round, on_delete=models.CASCADE, related_name="publication", verbose_name=_("round")
    )
    k = models.PositiveSmallIntegerField(_("anonymity threshold used"))
    schema = models.PositiveSmallIntegerField(_("stored form"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    result = models.TextField(_("result"))

    class Meta:
        verbose_name = _("published result")
        verbose_name_plural = _("published results")

    def __str__(self) -> str:
        return f"{self.round} (k = {self.k})"


class PublishedChart(models.Model):
    """One chart of a published result, drawn once per language and view.

    ``scope`` names whose view it is drawn for: ``all`` (facilitators), or a
    narrower view (see ``publish.scope_key``). Charts that are the same in
    every view are stored under ``all`` only.
    """

    publication = models.ForeignKey(
        PublishedResult, on_delete=models.CASCADE, related_name="charts"
    )
    language = models.CharField(max_length=8)
    scope = models.CharField(max_length=300)
    name = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    svg = models.TextField()
    title = models.TextField()
    alt = models.TextField()
    columns = models.JSONField(default=list)
    rows = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "language", "scope", "name"], name="one_chart_per_view"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language}, {self.scope})"
