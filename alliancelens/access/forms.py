"""Forms for giving access and for erasing a participant."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliancelens.alliances.models import AccessGrant, Alliance, Partner


class MemberForm(forms.Form):
    """Give someone access to the alliance; new people get an e-mail to set a password."""

    email = forms.EmailField(label=_("E-mail address"))
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=AccessGrant.Role.choices)
    partner = forms.ModelChoiceField(
        label=_("Partner organisation"),
        queryset=Partner.objects.none(),
        required=False,
        help_text=_("Only for a partner lead."),
    )

    def __init__(self, *args: Any, alliance: Alliance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.alliance = alliance
        field = self.fields["partner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = alliance.partners.all()

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        role, partner = data.get("role"), data.get("partner")
        if role == AccessGrant.Role.PARTNER_LEAD and partner is None:
            self.add_error(
                "partner",
                forms.ValidationError(
                    _("A partner lead needs the partner organisation they speak for."),
                    code="partner_required",
                ),
            )
        elif role and role != AccessGrant.Role.PARTNER_LEAD and partner is not None:
            self.add_error(
                "partner",
                forms.ValidationError(
                    _("Only a partner lead belongs to one partner; leave this empty."),
                    code="partner_not_allowed",
                ),
            )
        return data


class EraseForm(forms.Form):
    ANSWERS = [
        (
            "delete",
            _(
                "Delete the person and their answers in rounds that are still open; answers "
                "in closed rounds stay, without any link to the person"
            ),
        ),
        (
            "anonymise",
            _(
                "Delete the person but keep all their answers without any link to them "
                "(the results stay as they are)"
            ),
        ),
    ]
    answers = forms.ChoiceField(
        label=_("Their answers"), choices=ANSWERS, widget=forms.RadioSelect
    )
    confirm = forms.BooleanField(
        label=_("I understand this cannot be undone."),
    )
