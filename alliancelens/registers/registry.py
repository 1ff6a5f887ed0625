"""The registers an alliance keeps, each described once: its model, the
fields of its form and the columns of its list. The views, the history, the
backup and the report all read this list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import models as m


@dataclass(frozen=True)
class Register:
    key: str
    model: type[m.Entry]
    title: Any
    intro: Any
    fields: tuple[str, ...]
    columns: tuple[str, ...]


REGISTERS: tuple[Register, ...] = (
    Register(
        "interests",
        m.Interest,
        _("Interests"),
        _(
            "Per partner its interests (collective, organisational, individual), the position "
            "each stands behind, whether it is vital and discussed openly; its no-go areas, and "
            "what goes wrong for it without this collaboration."
        ),
        ("partner", "kind", "text", "position", "vital", "discussed"),
        ("partner", "kind", "text", "vital", "discussed"),
    ),
    Register(
        "gains",
        m.MutualGain,
        _("Mutual gains"),
        _("Ideas for packages that serve several partners' interests at once."),
        ("idea", "serves", "partner"),
        ("idea", "serves"),
    ),
    Register(
        "contributions",
        m.Contribution,
        _("Contributions"),
        _(
            "What each partner pledges to bring and comes to get, per period, and what it "
            "delivered."
        ),
        (
            "partner",
            "direction",
            "kind",
            "description",
            "unit",
            "pledged",
            "delivered",
            "period_start",
            "period_end",
        ),
        ("partner", "direction", "kind", "description", "pledged", "delivered", "period_end"),
    ),
    Register(
        "agreements",
        m.Agreement,
        _("Agreements and decisions"),
        _(
            "What the alliance agreed or decided, of which type and at which level, who owns "
            "it, when it is due and where it stands. Overdue agreements stand out."
        ),
        ("title", "type", "level", "partner", "owner", "decided_on", "due", "status", "notes"),
        ("title", "type", "level", "partner", "owner", "due", "status"),
    ),
    Register(
        "roles",
        m.AllianceRole,
        _("Roles"),
        _(
            "The people in the alliance's roles, with what each does, may decide, and for how "
            "long."
        ),
        ("kind", "person", "partner", "description", "authorities", "term_start", "term_end"),
        ("kind", "person", "partner", "term_end"),
    ),
    Register(
        "rules",
        m.RuleOfPlay,
        _("Rules of play"),
        _("How the partners agreed to treat each other, and when they look at it again."),
        ("text", "agreed_on", "revisit_on", "partner"),
        ("text", "agreed_on", "revisit_on"),
    ),
    Register(
        "stakeholders",
        m.Stakeholder,
        _("Stakeholders"),
        _(
            "Parties inside and outside the alliance: their interest, influence and stance, what "
            "the alliance needs them to do and its message for them; blind spots are active on "
            "the theme but not at the table."
        ),
        (
            "name",
            "inside",
            "interest",
            "influence",
            "concern",
            "stance",
            "action",
            "message",
            "blind_spot",
            "proposed_role",
            "target_group",
            "involvement",
            "partner",
        ),
        ("name", "inside", "influence", "concern", "stance", "blind_spot", "proposed_role"),
    ),
    Register(
        "expertise",
        m.Expertise,
        _("Expertise and networks"),
        _("What each partner, or a person who agreed to it, knows and whom it knows."),
        ("partner", "kind", "topic", "description", "person", "consent"),
        ("partner", "kind", "topic", "person"),
    ),
    # The journey's logs. Each has a partner field, optional: alliance-wide
    # entries are the facilitator's; a partner lead writes for their own.
    Register(
        "successes",
        m.Success,
        _("Successes"),
        _(
            "What the alliance has achieved: when, who contributed and what shows it. The "
            "one-page summary of the last year is made to be shared."
        ),
        ("achieved_on", "what", "contributors", "evidence", "partner"),
        ("achieved_on", "what", "contributors", "partner"),
    ),
    Register(
        "conflicts",
        m.Conflict,
        _("Disagreements and setbacks"),
        _(
            "A short log of where it rubbed (over resources, norms and values, or identity) and "
            "of setbacks: how each was handled, what was agreed, and whether it is still open."
        ),
        ("occurred_on", "kind", "what", "handled", "agreed", "status", "partner"),
        ("occurred_on", "kind", "what", "status", "partner"),
    ),
    Register(
        "learning",
        m.LearningQuestion,
        _("Learning agenda"),
        _(
            "What the alliance wants to find out, who looks into each question and by when, "
            "and, once answered, what was learned."
        ),
        ("question", "who", "due", "status", "answer", "notes", "partner"),
        ("question", "who", "due", "status"),
    ),
    Register(
        "harvest",
        m.Harvest,
        _("Harvest"),
        _(
            "What the alliance has learned, and where it is laid down (a document, a "
            "procedure, a training) so it outlasts the people who learned it."
        ),
        ("learned_on", "lesson", "laid_down_in", "partner"),
        ("learned_on", "lesson", "laid_down_in", "partner"),
    ),
    Register(
        "dissent",
        m.DissentRole,
        _("Organised dissent"),
        _(
            "Who plays the critic at which meeting: someone asked to question the plans out "
            "loud, so that doubts are heard at the table instead of in the corridor."
        ),
        ("meeting", "meeting_on", "person", "topic", "notes", "partner"),
        ("meeting", "meeting_on", "person", "topic"),
    ),
    Register(
        "goals",
        m.Goal,
        _("Goals and activities"),
        _(
            "The ambition worked out in one place: the goals, the activities that serve them, "
            "and what each partner contributes."
        ),
        ("goal", "activities", "contributions", "due", "partner"),
        ("goal", "activities", "due", "partner"),
    ),
)

BY_KEY = {r.key: r for r in REGISTERS}
BY_MODEL = {r.model: r for r in REGISTERS}


def field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete (or many-to-many) field of a register's model."""
    found = model._meta.get_field(name)
    assert isinstance(found, models.Field), name
    return found
