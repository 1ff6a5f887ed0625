"""The questionnaire page of one perspective, built from the instrument."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from alliancelens.alliances.models import PHASE_HELP, Phase
from alliancelens.instrument import Instrument, localized

DONT_KNOW = "dk"
OPEN_ANSWER_MAX = 2000


class PerspectiveForm(forms.Form):
    """Scale statements and questions of one perspective; every field optional.

    Respondents may skip a statement; an answer outside the scale is a form
    error and nothing of the page is saved.

    A save checks the posted page with ``page_answers`` first: the same
    fields, built once per instrument, perspective and language and only
    asked to clean values (which changes nothing in them), so a valid page
    needs no form at all. The form itself, with its own fields, is built to
    show a page or its errors.
    """

    def __init__(
        self, *args: Any, instrument: Instrument, perspective: str, lang: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.perspective = perspective
        fields, self.item_ids, self.question_ids = _build_fields(instrument, perspective, lang)
        self.fields.update(fields)

    @staticmethod
    def page_answers(
        data: QueryDict, *, instrument: Instrument, perspective: str, lang: str
    ) -> Answers | None:
        """The answers of a posted page when every field is valid, else None
        (then the form shows the page with its errors)."""
        fields, item_ids, question_ids = _fields(instrument, perspective, lang)
        cleaned = {}
        for name, field in fields.items():
            try:
                cleaned[name] = field.clean(field.widget.value_from_datadict(data, {}, name))
            except ValidationError:
                return None
        return _answers(cleaned, item_ids, question_ids)

    def item_fields(self) -> list[forms.BoundField]:
        return [self[i] for i in self.item_ids]

    def question_fields(self) -> list[forms.BoundField]:
        return [self[q] for q in self.question_ids]

    def answers(self) -> Answers:
        """(items answered, items cleared, question answers) from cleaned data."""
        return _answers(self.cleaned_data, self.item_ids, self.question_ids)


Answers = tuple[dict[str, int | None], list[str], dict[str, str]]


def _answers(cleaned: Mapping[str, Any], item_ids: list[str], question_ids: list[str]) -> Answers:
    """(items answered, items cleared, question answers) of a valid page."""
    items: dict[str, int | None] = {}
    cleared: list[str] = []
    for item_id in item_ids:
        raw = cleaned.get(item_id) or ""
        if raw == "":
            cleared.append(item_id)
        else:
            items[item_id] = None if raw == DONT_KNOW else int(raw)
    questions = {q: (cleaned.get(q) or "") for q in question_ids}
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


_FIELDS: dict[tuple[str, str, str], tuple[dict[str, forms.Field], list[str], list[str]]] = {}


def _fields(
    instrument: Instrument, perspective: str, lang: str
) -> tuple[dict[str, forms.Field], list[str], list[str]]:
    """The shared fields of one perspective page, its item ids and question ids.

    Kept per instrument version (a version never changes), perspective and
    language; texts are rendered in ``lang``, the active language.
    """
    key = (instrument.key, perspective, lang)
    if key not in _FIELDS:
        _FIELDS[key] = _build_fields(instrument, perspective, lang)
    return _FIELDS[key]


def _build_fields(
    instrument: Instrument, perspective: str, lang: str
) -> tuple[dict[str, forms.Field], list[str], list[str]]:
    scale = instrument.scale
    labels = scale.labels.get(lang) or scale.labels["nl"]
    choices = [(str(v), label) for v, label in zip(scale.points, labels, strict=True)]
    if scale.dont_know:
        choices.append((DONT_KNOW, localized(scale.dont_know_label, lang)))
    fields: dict[str, forms.Field] = {}
    item_ids = []
    for item in instrument.items_for(perspective):
        fields[item.id] = forms.ChoiceField(
            label=localized(item.text, lang),
            choices=choices,
            required=False,
            widget=forms.RadioSelect,
        )
        item_ids.append(item.id)
    question_ids = []
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
        fields[question.id] = field
        question_ids.append(question.id)
    return fields, item_ids, question_ids
