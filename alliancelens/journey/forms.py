from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliancelens.alliances.models import Phase

from .models import ChecklistMark, PhaseResult

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PhaseResultForm(forms.ModelForm):
    class Meta:
        model = PhaseResult
        fields = ["status", "text", "link", "agreed_on"]
        widgets = {"text": forms.Textarea(attrs={"rows": 8}), "agreed_on": DATE}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Set back from agreed: its date of agreement goes with it.
        if data.get("status") != PhaseResult.Status.AGREED:
            data["agreed_on"] = None
        return data

    # "example.org/doc" means https://example.org/doc (Django 6's default).
    link = forms.URLField(
        label=PhaseResult._meta.get_field("link").verbose_name,
        help_text=PhaseResult._meta.get_field("link").help_text,
        max_length=500,
        required=False,
        assume_scheme="https",
    )


class PhaseMoveForm(forms.Form):
    to_phase = forms.ChoiceField(label=_("Move to"), choices=Phase.choices)
    moved_on = forms.DateField(label=_("Moved on"), widget=DATE)
    reason = forms.CharField(
        label=_("Why move on without the earlier results"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ChecklistMarkForm(forms.ModelForm):
    class Meta:
        model = ChecklistMark
        fields = ["done", "done_on", "comment"]
        widgets = {"done_on": DATE, "comment": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["done_on"].help_text = _("Empty: today, when it is done.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Unticked: its date goes with it.
        if not data.get("done"):
            data["done_on"] = None
        return data
