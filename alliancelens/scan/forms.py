"""The questionnaire page of one perspective, built from the instrument."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alliancelens.alliances.models import PHASE_HELP, Phase
from alliancelens.instrument import Instrument, localized

DONT_KNOW = "dk"
OPEN_ANSWER_MAX = 2000


class PerspectiveForm(forms.Form):
    """Scale statements and questions of one perspective; every field optional.

    Respondents may skip a statement; an answer outside the scale is a form
    error and nothing of the page is saved.
    """

    def __init__(
        self, *args: Any, instrument: Instrument, perspective: str, lang: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.perspective = perspective
        scale = instrument.scale
        labels = scale.labels.get(lang) or scale.labels["nl"]
        choices = [(str(v), label) for v, label in zip(scale.points, labels, strict=True)]
        if scale.dont_know:
            choices.append((DONT_KNOW, localized(scale.dont_know_label, lang)))
        self.item_ids = []
        for item in instrument.items_for(perspective):
            self.fields[item.id] = forms.ChoiceField(
                label=localized(item.text, lang),
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
            )
            self.item_ids.append(item.id)
        self.question_ids = []
        for question in instrument.questions_for(perspective):
            field: forms.Field
            if question.kind == "phase":
                phase_choices = [(p.value, f"{p.label} — {PHASE_HELP[p]}") for p in Phase] + [
                    (DONT_KNOW, localized(scale.dont_know_label, lang))
                ]
                field = forms.ChoiceField(
                    choices=phase_choices, required=False, widget=forms.RadioSelect
                )
            else:
                field = forms.CharField(
                    required=False,
                    max_length=OPEN_ANSWER_MAX,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=_("Optional. At most %(n)d characters.") % {"n": OPEN_ANSWER_MAX},
                )
            field.label = localized(question.text, lang)
            self.fields[question.id] = field
            self.question_ids.append(question.id)

    def item_fields(self) -> list[forms.BoundField]:
        return [self[i] for i in self.item_ids]

    def question_fields(self) -> list[forms.BoundField]:
        return [self[q] for q in self.question_ids]

    def answers(self) -> tuple[dict[str, int | None], list[str], dict[str, str]]:
        """(items answered, items cleared, question answers) from cleaned data."""
        items: dict[str, int | None] = {}
        cleared: list[str] = []
        for item_id in self.item_ids:
            raw = self.cleaned_data.get(item_id) or ""
            if raw == "":
                cleared.append(item_id)
            else:
                items[item_id] = None if raw == DONT_KNOW else int(raw)
        questions = {q: (self.cleaned_data.get(q) or "") for q in self.question_ids}
        return items, cleared, questions


def initial_from(response: Any, instrument: Instrument) -> dict[str, str]:
    """Form initial data from a stored response (or empty)."""
    if response is None:
        return {}
    initial: dict[str, str] = {}
    for answer in response.item_answers.all():
        initial[answer.item_id] = DONT_KNOW if answer.value is None else str(answer.value)
    for answer in response.question_answers.all():
        initial[answer.question_id] = answer.value
    return initial
