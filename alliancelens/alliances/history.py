"""The alliance's history (audit log): one line per event that matters for trust.

An event's ``detail`` is stored as written, with English keys and codes, so
that it reads the same in every backup. ``detail_lines`` turns it into the
reader's language when the page is drawn.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from .models import AccessGrant, Alliance, AuditEvent, Language, Level, Round

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Actor = AbstractBaseUser | AnonymousUser | None

# The label of every key that record() is given (tests/test_history_language.py
# checks that each key passed anywhere in the code is here). A key not here,
# say from a backup of a later version, is shown as itself.
LABELS: dict[str, StrOrPromise] = {
    # Who and what first, then the rest alphabetically: the order on the page.
    "user": _("Account"),
    "role": _("Role"),
    "partner": _("Partner"),
    "after": _("After"),
    "answers": _("Their answers"),
    "before": _("Before"),
    "exported_at": _("Backup made"),
    "invitations": _("Invitations"),
    "k": _("Anonymity threshold (k)"),
    "language": _("Language"),
    "level": _("Level"),
    "links_dropped": _("Personal links not restored"),
    "participant": _("Participant (number)"),
    "participants": _("Participants (numbers)"),
    "partners_shown": _("Partners' figures shown to respondents"),
    "replacing": _("Replacing earlier links"),
    "responses": _("Responses"),
    "responses_deleted": _("Responses deleted"),
    "responses_kept_anonymously": _("Responses kept without a name"),
    "retention_months": _("Retention period (months)"),
    "round": _("Round"),
    "rounds": _("Rounds"),
    "state": _("State"),
    "to": _("To"),
    "users_created": _("Accounts created"),
}

# Keys whose values are codes, and the names of those codes. A code not
# listed is shown as itself.
CODES: dict[str, Mapping[str, StrOrPromise]] = {
    "answers": {
        # privacy.ERASE_MODES
        "delete": _("deleted in open rounds, kept without a name in closed ones"),
        "anonymise": _("kept without a name"),
    },
    "language": dict(Language.choices),
    "level": dict(Level.choices),
    "role": dict(AccessGrant.Role.choices),
    "state": dict(Round.State.choices),
    # Where a participant's data went: the texts that privacy.py and the
    # data download write.
    "to": {
        "the participant's e-mail address": _("the participant's e-mail address"),
        "the holder of the link, what was given through it": _(
            "the holder of the link, what was given through it"
        ),
    },
}
_EARLIER_ADDRESS = re.compile(
    r"the participant's e-mail address before the change of (\d{4}-\d{2}-\d{2})"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
NOTHING = "—"


def record(alliance: Alliance, action: str, actor: Actor = None, **detail: Any) -> AuditEvent:
    """Write one event. ``detail`` must never hold an erased person's name."""
    name = actor.get_username() if actor is not None and actor.is_authenticated else ""
    return AuditEvent.objects.create(alliance=alliance, action=action, actor=name, detail=detail)


def detail_lines(event: AuditEvent) -> list[tuple[str, str]]:
    """(label, value) per detail of ``event``, in the active language.

    Keys become their labels and codes their names; dates and decimals are
    written the language's way; whole numbers and free text (names, user
    names) stay as they are. The details come in the order of ``LABELS``
    (unknown keys last): PostgreSQL's jsonb keeps no order of its own, and
    the page reads the same on both databases.
    """
    if not isinstance(event.detail, dict):  # not written by record(): shown whole
        return [(str(_("Details")), _value("", event.detail))]
    order = {key: i for i, key in enumerate(LABELS)}
    keys = sorted(event.detail, key=lambda k: (order.get(k, len(order)), k))
    return [(str(LABELS.get(k, k)), _value(k, event.detail[k])) for k in keys]


def _value(key: str, value: Any) -> str:
    if value is None:
        return NOTHING
    if isinstance(value, bool):  # before int: True is an int too
        return str(_("yes") if value else _("no"))
    if isinstance(value, int):
        return str(value)  # counts and numbers of people: no thousands separator
    if isinstance(value, float):
        return formats.number_format(value)
    if isinstance(value, list):
        return ", ".join(_value(key, v) for v in value)
    if not isinstance(value, str):
        return str(value)
    names = CODES.get(key, {})
    if value in names:
        return str(names[value])
    if key == "to" and (earlier := _EARLIER_ADDRESS.fullmatch(value)):
        when = _when(earlier.group(1))
        if when is not None:
            return str(
                _("the participant's e-mail address before the change of %(date)s")
                % {"date": when}
            )
    return _when(value) or value


def _when(text: str) -> str | None:
    """``text`` as a date (and time) written the language's way, or None if
    it is not an ISO date."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        if len(text) == len("2026-01-31"):
            day = parse_date(text)
            return None if day is None else formats.date_format(day, "SHORT_DATE_FORMAT")
        moment = parse_datetime(text)
    except ValueError:  # shaped like a date but not one (2026-13-45)
        return None
    if moment is None:
        return None
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")
