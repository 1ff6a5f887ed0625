from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .importers import upload_size_problem
from .models import Alliance, Invitation, Participant, Partner, Round


def read_only(form: forms.BaseForm) -> None:
    """The form as a reader sees it: every field shown, none editable (a
    disabled field also ignores whatever a request sends for it)."""
    for each in form.fields.values():
        each.disabled = True


# A mission is a few lines (the model's don't: no political documents).
MISSION_MAX = 600


class AllianceForm(forms.ModelForm):
    class Meta:
        model = Alliance
        fields = [
            "name",
            "ambition",
            "strategic_context",
            "current_phase",
            "stage",
            "anonymity_threshold",
            "retention_months",
        ]
        widgets = {
            "ambition": forms.Textarea(attrs={"rows": 4}),
            "strategic_context": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Once it exists, the alliance moves along its route (the route
            # page), where a move past a phase without its result needs a reason.
            del self.fields["current_phase"]
        self.fields["ambition"].help_text = _(
            "The shared mission in a few lines, as the partners agreed it: not a political "
            "document. At most %(n)s characters."
        ) % {"n": MISSION_MAX}

    def clean_ambition(self) -> str:
        text: str = self.cleaned_data["ambition"].strip()
        if len(text) > MISSION_MAX:
            raise forms.ValidationError(
                _(
                    "The mission is %(length)s characters long; keep it to %(n)s: a few lines "
                    "everyone can repeat. Goals and activities have their own register."
                )
                % {"length": len(text), "n": MISSION_MAX},
                code="too_long",
            )
        return text


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["name", "sector", "role"]

    def __init__(self, *args: Any, alliance: Alliance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.alliance = alliance

    def clean_name(self) -> str:
        name: str = " ".join(self.cleaned_data["name"].split())
        clash = self.alliance.partners.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _("This alliance already has a partner with this name."), code="duplicate"
            )
        return name


class ParticipantForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["name", "email", "partner", "level", "language"]

    def __init__(self, *args: Any, alliance: Alliance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = alliance.partners.all()  # type: ignore[attr-defined]


class RoundForm(forms.ModelForm):
    class Meta:
        model = Round
        fields = ["title", "opens_at", "closes_at"]
        widgets = {
            "opens_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if (
            self.instance.pk
            and self.instance.is_past_closing()
            and closes != self.instance.closes_at
        ):
            # Results may have been seen: answers given after that would
            # show in the difference, so a closed round stays closed.
            self.add_error(
                "closes_at",
                forms.ValidationError(
                    _("This round has closed; its closing moment can no longer change."),
                    code="closed",
                ),
            )
        if opens and closes and closes <= opens:
            self.add_error(
                "closes_at",
                forms.ValidationError(_("The round must close after it opens."), code="order"),
            )
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or Excel (.xlsx) with the columns name, email, partner, level and "
            "language (Dutch headers such as naam and niveau work too)."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Before the upload is read into memory; the importer checks the
        # content the same way for callers without a form.
        if problem := upload_size_problem(upload.size):
            raise forms.ValidationError(problem, code="too_large")
        return upload


class IssueLinksForm(forms.Form):
    OUTPUTS = [
        ("list", _("Show a list of links to copy")),
        ("sheet", _("Print a sheet with a QR code per participant")),
        ("email", _("E-mail each participant their link")),
    ]
    invitations: forms.ModelMultipleChoiceField[Invitation] = forms.ModelMultipleChoiceField(
        queryset=Invitation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Participants"),
    )
    output = forms.ChoiceField(choices=OUTPUTS, widget=forms.RadioSelect, label=_("What to do"))

    def __init__(self, *args: Any, rnd: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["invitations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = rnd.invitations.select_related("participant__partner")

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("output") == "email":
            without = [
                i.participant.name for i in data.get("invitations", []) if not i.participant.email
            ]
            if without:
                raise forms.ValidationError(
                    _("No e-mail address known for: %(names)s."),
                    code="no_email",
                    params={"names": ", ".join(without)},
                )
        return data
