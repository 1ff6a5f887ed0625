"""The respondent's workflows: save a page of answers, submit.

Each is one transaction that locks the invitation, so a double click or two
devices never create a second response or interleave their writes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Field, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from alliancelens.alliances.models import (
    Invitation,
    ItemAnswer,
    QuestionAnswer,
    Round,
    ScanResponse,
    read_column,
)


class RoundClosedError(Exception):
    """The round does not (or no longer) accept answers."""


class LinkGoneError(Exception):
    """The link was replaced by a newer one while the request was under way."""


class StaleAnswers(Exception):
    """A page drawn from an older version of the response would overwrite
    answers given since: nothing was saved. ``stored`` and ``posted`` are
    the page's answers as form values ("" for none), ``version`` the
    response's version now."""

    def __init__(self, stored: dict[str, str], posted: dict[str, str], version: int) -> None:
        super().__init__("the page was drawn from an older version of the answers")
        self.stored, self.posted, self.version = stored, posted, version

    @property
    def differing(self) -> list[str]:
        return [k for k in self.stored if self.stored[k] != self.posted.get(k, "")]


def page_state(
    items: Mapping[str, int | None], cleared: Iterable[str], questions: Mapping[str, str]
) -> dict[str, str]:
    """A page's answers as form values: "" for none, "dk" for don't know."""
    state = {i: "dk" if v is None else str(v) for i, v in items.items()}
    state.update({i: "" for i in cleared})
    state.update({q: text.strip() for q, text in questions.items()})
    return state


def page_digest(state: Mapping[str, str]) -> str:
    """A short fingerprint of a page's answers, carried by the page (``seen``)."""
    text = "\n".join(f"{k}={state[k]}" for k in sorted(state))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def stored_page_state(response: int, fields: Iterable[str]) -> dict[str, str]:
    """The stored answers of one page of a response, as form values."""
    wanted = list(fields)
    state = dict.fromkeys(wanted, "")
    for item_id, value in ItemAnswer.objects.filter(
        response_id=response, item_id__in=wanted
    ).values_list("item_id", "value"):
        state[item_id] = "dk" if value is None else str(value)
    state.update(
        QuestionAnswer.objects.filter(response_id=response, question_id__in=wanted).values_list(
            "question_id", "value"
        )
    )
    return state


# One statement locks the invitation, reads its round's state afresh and finds
# its response. PostgreSQL: the invitation is locked for update (one writer
# per person at a time), its round for share. Saves of different people
# never wait for each other, but closing a round (which locks the round for
# update) waits for the saves under way, and a save that waited sees the
# round as it is after the close; so does issuing a new link (which updates
# the invitation). SQLite's writers queue one at a time (IMMEDIATE
# transactions), so the same statement needs no lock clause. The tables are
# named from the models (constants, no input), so a renamed model cannot
# leave a stale name here.
_INVITATION, _ROUND, _RESPONSE = (m._meta.db_table for m in (Invitation, Round, ScanResponse))
_LOCK_SQL = (
    f"SELECT r.state, r.closes_at, i.times_issued, s.id, s.link_generation "  # noqa: S608
    f"FROM {_INVITATION} i JOIN {_ROUND} r ON r.id = i.round_id "
    f"LEFT JOIN {_RESPONSE} s ON s.invitation_id = i.id "
    "WHERE i.id = %s"
)
_LOCK_CLAUSE = {"postgresql": " FOR UPDATE OF i FOR SHARE OF r"}
_TOUCH_SQL = (
    f"UPDATE {_RESPONSE} SET last_step = %s, updated_at = %s, "  # noqa: S608
    "version = version + 1 WHERE id = %s"
)
# The round's closing time in the lock's row, read as the ORM reads that column.
_CLOSES_AT = cast(Field, Round._meta.get_field("closes_at")).get_col("r")


def _locked_response(invitation: Invitation) -> int:
    """Lock the invitation (and, on PostgreSQL, its round for share), check
    that the round still accepts answers and that the request's link is
    still the invitation's link, and return the id of the invitation's one
    response, created if need be; within the caller's transaction.

    A response whose answers came through an earlier link of this invitation
    starts afresh: its answers go and it is no longer submitted, so nothing
    given through the earlier link can be seen or kept through this one.

    The invitation object loaded for the request is reused: its participant
    is already there. Later changes to the response are single UPDATE
    statements with expressions, so they cannot lose a concurrent update.
    """
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL + _LOCK_CLAUSE.get(connection.vendor, ""), [invitation.pk])
        row = cursor.fetchone()
    if row is None:
        raise Invitation.DoesNotExist
    rnd = invitation.round
    state, closes_at, generation, response_id, response_generation = row
    if generation != invitation.times_issued:
        raise LinkGoneError
    rnd.state = state
    rnd.closes_at = read_column(connection, _CLOSES_AT, closes_at)
    if not rnd.accepts_answers():
        raise RoundClosedError
    now = timezone.now()
    if response_id is None:
        try:
            with transaction.atomic():
                return ScanResponse.objects.create(
                    round=rnd,
                    invitation=invitation,
                    partner_id=invitation.participant.partner_id,
                    level=invitation.participant.level,
                    last_step="",
                    link_generation=generation,
                ).pk
        except IntegrityError:
            # Another request created it between our read and insert.
            response_id, response_generation = ScanResponse.objects.values_list(
                "pk", "link_generation"
            ).get(invitation=invitation)
    if response_generation != generation:
        ItemAnswer.objects.filter(response_id=response_id).delete()
        QuestionAnswer.objects.filter(response_id=response_id).delete()
        ScanResponse.objects.filter(pk=response_id).update(
            link_generation=generation, submitted_at=None, started_at=now
        )
    return int(response_id)


def _touch(response: int, step: str) -> None:
    """Where the link resumes, the time and a new version, in one statement."""
    with connection.cursor() as cursor:
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(_TOUCH_SQL, [step, stamp, response])


def _upsert_sql(model: type[ItemAnswer] | type[QuestionAnswer], key: str, rows: str) -> str:
    """``INSERT … ON CONFLICT (response, key) DO UPDATE`` of one answer table,
    with the (response, key, value) rows given by ``rows`` (a VALUES list or
    a SELECT), put together from the model's column names: the statement
    the ORM's bulk upsert writes, without compiling it anew on every save."""
    q = connection.ops.quote_name
    response, name, value = (
        q(cast(Field, model._meta.get_field(f)).column) for f in ("response", key, "value")
    )
    return (
        f"INSERT INTO {q(model._meta.db_table)} ({response}, {name}, {value}) {rows} "
        f"ON CONFLICT ({response}, {name}) DO UPDATE SET {value} = excluded.{value}"
    )


def _upsert(
    model: type[ItemAnswer] | type[QuestionAnswer],
    key: str,
    response: int,
    values: Mapping[str, object],
) -> None:
    """Insert or update the answers of one response in one statement, the
    same on SQLite and PostgreSQL (the unique constraint of the answer tables)."""
    sql = _upsert_sql(model, key, "VALUES " + ", ".join(["(%s, %s, %s)"] * len(values)))
    with connection.cursor() as cursor:
        params: list[Any] = [x for k, v in values.items() for x in (response, k, v)]
        cursor.execute(sql, params)


def response_save(
    *,
    invitation: Invitation,
    step: str,
    items: Mapping[str, int | None],
    cleared: Iterable[str] = (),
    questions: Mapping[str, str],
    version: int | None = None,
    seen: str | None = None,
) -> None:
    """Store the answers of one page as a draft (or update a submitted response).

    ``items`` maps item ids to a scale value, or None for "don't know";
    ``cleared`` names items left unanswered, whose earlier answers go.
    ``questions`` maps question ids to text; empty text removes the answer.

    ``version`` is the response's version the page was drawn from and
    ``seen`` the fingerprint of the page's answers then (``page_digest``).
    When the response has moved on since, the page is saved only if its own
    answers did not change meanwhile; if they did and the posted ones differ,
    StaleAnswers is raised and nothing is written, so an old tab, the back
    button or a resent form never silently overwrites newer answers. A stale
    page that changes nothing writes nothing (not even where the link resumes).
    Without ``version`` (a page drawn before versions existed) it is saved.

    On PostgreSQL, a page that only sets answers of a response that exists,
    drawn from its current version, is saved in one statement
    (:data:`_SAVE_SQL`); everything else in a transaction.
    """
    gone = list(cleared)
    given = {q: text.strip() for q, text in questions.items() if text.strip()}
    emptied = [q for q in questions if q not in given]
    if (
        connection.vendor == "postgresql"
        and not gone
        and not emptied
        and _save_in_one_statement(invitation, step, items, given, version)
    ):
        return
    with transaction.atomic():
        response = _locked_response(invitation)
        if version is not None:
            current = ScanResponse.objects.values_list("version", flat=True).get(pk=response)
            if current != version:
                posted = page_state(items, gone, questions)
                stored = stored_page_state(response, posted)
                if stored == posted:
                    return  # the same answers again: nothing to write
                if page_digest(stored) != seen:
                    raise StaleAnswers(stored, posted, current)
        _touch(response, step)
        # One statement per table, and none where there is nothing to write.
        if gone:
            ItemAnswer.objects.filter(response_id=response, item_id__in=gone).delete()
        if items:
            _upsert(ItemAnswer, "item_id", response, items)
        if given:
            _upsert(QuestionAnswer, "question_id", response, given)
        if emptied:
            QuestionAnswer.objects.filter(response_id=response, question_id__in=emptied).delete()


def _one_statement_upsert(
    model: type[ItemAnswer] | type[QuestionAnswer], key: str, array: str
) -> str:
    """The upsert of one answer table in :func:`_save_sql`: its rows are the
    touched response with each pair of two arrays."""
    name = model._meta.model_name
    pairs = f"unnest(%({name}_keys)s::text[], %({name}_values)s::{array})"
    return _upsert_sql(
        model,
        key,
        f"SELECT touched.id, v.k, v.v FROM touched CROSS JOIN {pairs} AS v(k, v)",  # noqa: S608
    )


@functools.cache
def _save_sql() -> str:
    """PostgreSQL: lock, check, touch and upsert a page in one statement.

    The same locks as :func:`_locked_response`, and the round's state read
    under them: a round closed meanwhile (by a close that held the round's
    lock, or committed after this statement began) is seen as it is now,
    and nothing is written. The writes are an UPDATE of the response and
    upserts, which PostgreSQL applies to the latest committed rows even when
    these were written after the statement's snapshot, so a save that waited
    for another save of the same link is applied after it, as in the
    transaction. Deletes are not: rows committed after the snapshot are
    invisible to them, which is why pages that remove answers take the
    transaction. The rule is that of Round.accepts_answers (a test holds the
    two together).
    """
    accepts = (
        "r.state = %(open)s AND (r.opens_at IS NULL OR r.opens_at <= %(now)s) "
        "AND (r.closes_at IS NULL OR r.closes_at > %(now)s)"
    )
    return (
        f"WITH locked AS (SELECT i.id, i.times_issued, ({accepts}) AS accepts "  # noqa: S608
        f"FROM {_INVITATION} i JOIN {_ROUND} r ON r.id = i.round_id "
        "WHERE i.id = %(invitation)s FOR UPDATE OF i FOR SHARE OF r), "
        f"touched AS (UPDATE {_RESPONSE} s SET last_step = %(step)s, updated_at = %(now)s, "
        "version = s.version + 1 "
        "FROM locked WHERE locked.accepts AND s.invitation_id = locked.id "
        "AND locked.times_issued = %(generation)s AND s.link_generation = %(generation)s "
        "AND (%(version)s::integer IS NULL OR s.version = %(version)s::integer) "
        "RETURNING s.id), "
        f"items AS ({_one_statement_upsert(ItemAnswer, 'item_id', 'smallint[]')}), "
        f"questions AS ({_one_statement_upsert(QuestionAnswer, 'question_id', 'text[]')}) "
        "SELECT locked.accepts, locked.times_issued, touched.id FROM locked "
        "LEFT JOIN touched ON TRUE"
    )


def _save_in_one_statement(
    invitation: Invitation,
    step: str,
    items: Mapping[str, int | None],
    given: Mapping[str, str],
    version: int | None,
) -> bool:
    """Save a page's answers on PostgreSQL in one statement (autocommit, or
    within the caller's transaction); False, having written nothing, when
    the invitation has no response yet, one given through an earlier link
    (the transaction then starts it afresh), or the page was drawn from
    another version (the transaction then checks for stale answers). Raises
    RoundClosedError, having written nothing, when the round no longer
    accepts answers."""
    params: dict[str, Any] = {
        "version": version,
        "invitation": invitation.pk,
        "open": Round.State.OPEN.value,
        "now": timezone.now(),
        "step": step,
        "generation": invitation.times_issued,
        "itemanswer_keys": list(items),
        "itemanswer_values": list(items.values()),
        "questionanswer_keys": list(given),
        "questionanswer_values": list(given.values()),
    }
    with connection.cursor() as cursor:
        cursor.execute(_save_sql(), params)
        row = cursor.fetchone()
    if row is None:
        raise Invitation.DoesNotExist
    accepts, generation, response_id = row
    if generation != invitation.times_issued:
        raise LinkGoneError
    if not accepts:
        raise RoundClosedError
    return response_id is not None


@transaction.atomic
def response_submit(*, invitation: Invitation, version: int | None = None) -> bool:
    """Submit (or resubmit) the one response of an invitation; False when
    this was a repeat that counts nothing.

    The invitation row is locked, and a response is unique per invitation,
    so a double click or two devices never create a second response; the
    count of submits is raised in SQL, so none is lost. ``version`` is the
    one the review page was drawn from: a submitted response whose version
    moved on since (the first click of a double click, or a resent form)
    is not submitted again.
    """
    response = _locked_response(invitation)
    if version is not None:
        submitted, current = ScanResponse.objects.values_list("submitted_at", "version").get(
            pk=response
        )
        if submitted is not None and current != version:
            return False
    now = timezone.now()
    ScanResponse.objects.filter(pk=response).update(
        submitted_at=Coalesce("submitted_at", Value(now)),
        times_submitted=F("times_submitted") + 1,
        version=F("version") + 1,
        last_step="done",
        updated_at=now,
    )
    return True
