"""The alliance's route: the phases it went through with their results, the
checklists from practice it ticked, and what its members see of its stage.

The route's content (each phase's theme, working form and result document,
the checklist items, the stage observations) is data: ``content.py`` and
``data/route.yaml``. Here is only what an alliance did with it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliancelens.alliances.models import Alliance, DayField, Phase
from alliancelens.instrument import PHASES

# Ids of checklist items and observations (journey/content.py).
ID = RegexValidator(r"^[a-z][a-z0-9_]{0,59}$", _("Not an id of the route's content."))


def phase_list(value: object) -> None:
    """A list of phase ids (a move's skipped phases)."""
    if not isinstance(value, list) or any(p not in PHASES for p in value):
        raise ValidationError(
            _("Expected a list of phase ids (%(ids)s).") % {"ids": ", ".join(PHASES)}
        )


def id_list(value: object) -> None:
    """A list of content ids (the observations a member recognises)."""
    if not isinstance(value, list) or not all(isinstance(i, str) for i in value):
        raise ValidationError(_("Expected a list of observation ids."))
    for i in value:
        ID(i)


class PhaseResult(models.Model):
    """The result a phase delivered (a starting note, a letter of intent, ...),
    written here or linked, and how far it is."""

    class Status(models.TextChoices):
        MISSING = "missing", _("Not there yet")
        DRAFT = "draft", _("In draft")
        AGREED = "agreed", _("Agreed by the partners")

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="phase_results")
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.MISSING
    )
    text = models.TextField(
        _("the result"),
        max_length=8000,
        blank=True,
        help_text=_("Write the result here, or its summary."),
    )
    link = models.URLField(
        _("link to the document"),
        max_length=500,
        blank=True,
        help_text=_("Where the partners keep the document (your own document system)."),
    )
    agreed_on = DayField(_("agreed on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("phase result")
        verbose_name_plural = _("phase results")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "phase"], name="one_result_per_phase")
        ]

    def __str__(self) -> str:
        return f"{self.alliance}: {self.get_phase_display()}"

    def clean(self) -> None:
        problems: dict[str, str] = {}
        if self.status == self.Status.AGREED:
            if not (self.text.strip() or self.link.strip()):
                problems["text"] = str(_("An agreed result needs its text or a link to it."))
            if self.agreed_on is None:
                problems["agreed_on"] = str(_("Say when the partners agreed on it."))
        elif self.agreed_on is not None:
            problems["agreed_on"] = str(_("Only an agreed result has a date of agreement."))
        if self.agreed_on and self.agreed_on > timezone.localdate():
            problems["agreed_on"] = str(_("This date lies in the future."))
        if problems:
            raise ValidationError(problems)


class PhaseMove(models.Model):
    """The alliance moved to another phase: when, by whom, and — when an
    earlier phase had no agreed result — why it moved on all the same."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="phase_moves")
    from_phase = models.CharField(_("from"), max_length=16, choices=Phase.choices, blank=True)
    to_phase = models.CharField(_("to"), max_length=16, choices=Phase.choices)
    moved_on = DayField(_("moved on"), default=timezone.localdate)
    at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(_("by"), max_length=150, blank=True)
    # The earlier phases (ids) that had no agreed result when it moved.
    skipped = models.JSONField(default=list, blank=True, validators=[phase_list])
    reason = models.TextField(_("why move on without it"), max_length=2000, blank=True)

    class Meta:
        ordering = ["moved_on", "at", "pk"]
        verbose_name = _("phase move")
        verbose_name_plural = _("phase moves")

    def __str__(self) -> str:
        return f"{self.alliance}: {self.from_phase or '—'} → {self.to_phase}"


class ChecklistMark(models.Model):
    """One checklist item (``content.CheckItem``) as the alliance ticked it."""

    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="checklist_marks"
    )
    item = models.CharField(max_length=60, validators=[ID])
    done = models.BooleanField(_("done"), default=False)
    done_on = DayField(_("done on"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("checklist mark")
        verbose_name_plural = _("checklist marks")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "item"], name="one_mark_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.alliance}: {self.item}"

    def clean(self) -> None:
        if self.done_on and self.done_on > timezone.localdate():
            raise ValidationError({"done_on": _("This date lies in the future.")})
        if self.done_on and not self.done:
            raise ValidationError({"done_on": _("Only a done item has a date.")})


class StageView(models.Model):
    """The stage observations one member recognises in the alliance (the
    latest set counts). The member by user name, as the backup carries its
    accounts; only views of current members count."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="stage_views")
    rater = models.CharField(_("member"), max_length=150)
    recognised = models.JSONField(default=list, blank=True, validators=[id_list])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("view of the development stage")
        verbose_name_plural = _("views of the development stage")
        constraints = [
            models.UniqueConstraint(fields=["alliance", "rater"], name="one_stage_view_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.alliance}: {self.rater}"


class RouteChange(models.Model):
    """One change to a phase result or a checklist item: who, what, when."""

    class Subject(models.TextChoices):
        PHASE_RESULT = "phase_result", _("Phase result")
        CHECKLIST = "checklist", _("Checklist item")

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=16, choices=Subject.choices)
    key = models.CharField(max_length=60)  # the phase id or the checklist item id
    at = models.DateTimeField(default=timezone.now)
    actor = models.CharField(_("by"), max_length=150, blank=True)
    # {field: [before, after]} as text.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("route change")
        verbose_name_plural = _("route changes")

    def __str__(self) -> str:
        return f"{self.subject} {self.key} at {self.at:%Y-%m-%d %H:%M}"
