"""Back up one alliance to JSON and restore it, on this or another instance.

The file holds everything of the alliance: settings, partners, participants,
rounds, invitations (only the hashes of the links, so links keep working
after a move), responses with their answers, the published results of closed rounds
(as stored at closing, with the k they used), who has access, and the
history. Passwords are not in it: people restored onto a new instance set
theirs with "Forgot your password?".

A backup may be gzip-compressed (``export-alliance SLUG | gzip``). It is read
up to BACKUP_MAX_BYTES (after unpacking) and refused beyond that before it is
parsed, so a small compressed file cannot unpack into all of memory.

Rows keep their ids from the source only inside the file; a restore gives
them new ids and rewires every reference, so it never collides with what is
already there. A restore is all or nothing.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import stat
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, models, transaction
from django.utils import timezone

from alliancelens.alliances.history import Actor, record
from alliancelens.alliances.models import (
    AccessGrant,
    AgendaPoint,
    Alliance,
    AuditEvent,
    Invitation,
    ItemAnswer,
    Participant,
    Partner,
    QuestionAnswer,
    Round,
    ScanResponse,
)
from alliancelens.progress import Progress, counted
from alliancelens.results.models import PublishedResult

FORMAT = "alliancelens-alliance"
VERSION = 1


@dataclass(frozen=True)
class Table:
    key: str
    model: type[models.Model]
    scope: str  # the lookup from this model to its alliance
    refs: dict[str, str]  # foreign key attname → the table it points into


# In dependency order: a table refers only to tables above it.
TABLES = (
    Table("partners", Partner, "alliance", {}),
    Table("participants", Participant, "partner__alliance", {"partner_id": "partners"}),
    Table("rounds", Round, "alliance", {}),
    Table(
        "invitations",
        Invitation,
        "round__alliance",
        {"round_id": "rounds", "participant_id": "participants"},
    ),
    Table(
        "responses",
        ScanResponse,
        "round__alliance",
        {"round_id": "rounds", "invitation_id": "invitations", "partner_id": "partners"},
    ),
    Table("item_answers", ItemAnswer, "response__round__alliance", {"response_id": "responses"}),
    Table(
        "question_answers",
        QuestionAnswer,
        "response__round__alliance",
        {"response_id": "responses"},
    ),
    Table("events", AuditEvent, "alliance", {}),
    # The published results as they were stored at closing, so a restore shows
    # the same figures (never a new computation at today's answers and
    # thresholds). Their charts are drawn again when first shown.
    Table("publications", PublishedResult, "round__alliance", {"round_id": "rounds"}),
    # The discussion's points and what the room agreed on them.
    Table("agenda", AgendaPoint, "round__alliance", {"round_id": "rounds"}),
)
# Nothing refers to these rows.
BULK = {"item_answers", "question_answers", "events", "publications", "agenda"}
# Tables a backup made before they were added may lack (read as empty).
ADDED_LATER = {"publications", "agenda"}


@cache
def _columns(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    """Every stored column but the id and the alliance (which the file is about).

    Cached: a restore asks once per row, thousands of times per table."""
    return tuple(
        f for f in model._meta.concrete_fields if not f.primary_key and f.attname != "alliance_id"
    )


@cache
def _known_keys(model: type[models.Model]) -> frozenset[str]:
    return frozenset(f.attname for f in _columns(model)) | {"id"}


@cache
def _has_alliance(model: type[models.Model]) -> bool:
    return any(f.attname == "alliance_id" for f in model._meta.concrete_fields)


def _row(obj: models.Model) -> dict[str, Any]:
    row = {"id": obj.pk}
    for f in _columns(type(obj)):
        row[f.attname] = f.value_from_object(obj)
    return row


def _label(key: str) -> str:
    return key.replace("_", " ")


def export_alliance(alliance: Alliance, *, progress: Progress | None = None) -> dict[str, Any]:
    progress = progress or Progress()
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now(),
        "alliance": {f.attname: f.value_from_object(alliance) for f in _columns(Alliance)},
    }
    for n, table in enumerate(TABLES, start=1):
        with progress.timed(f"Reading {_label(table.key)} ({n}/{len(TABLES)} tables)… "):
            rows = table.model._default_manager.filter(**{table.scope: alliance}).order_by("pk")
            data[table.key] = [_row(obj) for obj in rows]
            progress.outcome(counted(len(data[table.key]), "rows"))
    with progress.timed("Reading who has access… "):
        data["memberships"] = _memberships(alliance)
        progress.outcome(counted(len(data["memberships"]), "accounts"))
    return data


def _memberships(alliance: Alliance) -> list[dict[str, Any]]:
    return [
        {
            "username": m.user.get_username(),
            "email": m.user.email,
            "first_name": m.user.first_name,
            "last_name": m.user.last_name,
            "is_active": m.user.is_active,
            "role": m.role,
            "partner_id": m.partner_id,
            "created_at": m.created_at,
        }
        for m in alliance.access_grants.select_related("user").order_by("pk")
    ]


def export_json(alliance: Alliance, *, progress: Progress | None = None) -> str:
    progress = progress or Progress()
    data = export_alliance(alliance, progress=progress)
    with progress.timed("Writing JSON… "):
        text = json.dumps(data, default=_plain, ensure_ascii=False, indent=1)
        progress.outcome(counted(len(text), "characters"))
    return text


def _plain(value: Any) -> Any:
    """Times with their microseconds (Django's JSON encoder keeps milliseconds only)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return DjangoJSONEncoder().default(value)


class BackupError(ValueError):
    """The file cannot be restored; the message lists every problem with its place."""


@dataclass
class Restored:
    alliance: Alliance
    counts: dict[str, int] = field(default_factory=dict)
    users_created: list[str] = field(default_factory=list)
    links_dropped: int = 0


GZIP_MAGIC = b"\x1f\x8b"


def _file_size(stream: io.BufferedReader) -> int | None:
    """The size of a regular file, or None for a pipe or terminal."""
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _too_large(size: int | None, limit: int, packed: bool) -> BackupError:
    if packed or size is None:
        what = "unpacks to" if packed else "is"
        return BackupError(
            f"the file {what} more than {limit:,} bytes, the limit (BACKUP_MAX_BYTES); "
            f"reading stopped there"
        )
    return BackupError(
        f"the file is {size:,} bytes, {size - limit:,} more than the limit of {limit:,} "
        "(BACKUP_MAX_BYTES)"
    )


def read_backup(stream: io.BufferedReader) -> str:
    """The text of a backup file or standard input, unpacked when it is
    gzip-compressed. At most BACKUP_MAX_BYTES are read (after unpacking):
    a larger file is refused without being read or unpacked further."""
    limit = settings.BACKUP_MAX_BYTES
    packed = stream.peek(2)[:2] == GZIP_MAGIC
    size = None if packed else _file_size(stream)
    if size is not None and size > limit:
        raise _too_large(size, limit, packed)
    try:
        if packed:
            with gzip.GzipFile(fileobj=stream) as unpacked:
                raw = unpacked.read(limit + 1)
        else:
            raw = stream.read(limit + 1)
    except (EOFError, OSError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        what = "unpacked as gzip" if packed else "read"
        raise BackupError(f"the file cannot be {what} ({exc})") from None
    if len(raw) > limit:
        raise _too_large(size, limit, packed)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BackupError(f"byte {exc.start}: not UTF-8 text") from None


def _parse(text: str) -> dict[str, Any]:
    limit = settings.BACKUP_MAX_BYTES
    # A character is at least one byte: only text near the limit is measured.
    size = len(text) if len(text) > limit else len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise _too_large(size, limit, packed=False)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise BackupError(f"{where}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise BackupError("not valid JSON: nested too deeply") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"not an AllianceLens alliance backup (format should be {FORMAT!r})")
    if data.get("version") != VERSION:
        raise BackupError(
            f"backup version {data.get('version')!r} is not supported "
            f"(this instance reads version {VERSION})"
        )
    problems = []
    for key in ADDED_LATER:
        data.setdefault(key, [])
    for key in ["alliance", "memberships", *(t.key for t in TABLES)]:
        expected = dict if key == "alliance" else list
        if not isinstance(data.get(key), expected):
            problems.append(f"{key}: missing or not a {'mapping' if expected is dict else 'list'}")
    if problems:
        raise BackupError("\n".join(problems))
    return data


def _values(
    model: type[models.Model], raw: Any, where: str, problems: list[str]
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        problems.append(f"{where}: not a mapping")
        return {}
    out = {}
    for f in _columns(model):
        if f.attname not in raw:
            if f.has_default() or f.null:
                continue
            problems.append(f"{where}.{f.attname}: missing")
            continue
        if isinstance(raw[f.attname], str) and "\x00" in raw[f.attname]:
            problems.append(f"{where}.{f.attname}: contains a NUL character")
            continue
        try:
            out[f.attname] = f.to_python(raw[f.attname])
        except ValidationError as exc:
            problems.append(f"{where}.{f.attname}: {' '.join(exc.messages)}")
        except (TypeError, ValueError, OverflowError):
            problems.append(f"{where}.{f.attname}: {raw[f.attname]!r} is not a valid value")
    unknown = set(raw) - _known_keys(model)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    return out


def import_alliance(
    text: str, *, slug: str | None = None, by: Actor = None, progress: Progress | None = None
) -> Restored:
    """Restore an alliance from ``export_json`` output; BackupError says what is wrong."""
    progress = progress or Progress()
    with progress.timed("Checking the file… "):
        data = _parse(text)
    problems: list[str] = []
    fields = _values(Alliance, data["alliance"], "alliance", problems)
    if slug:
        fields["slug"] = slug
    if problems:
        raise BackupError("\n".join(problems))
    if Alliance.objects.filter(slug=fields.get("slug")).exists():
        raise BackupError(
            f"alliance: an alliance with short name {fields.get('slug')!r} already exists here; "
            "restore it under another one with --slug"
        )
    try:
        with transaction.atomic():
            restored = _restore(data, fields, problems, by, progress)
            if problems:
                raise BackupError("\n".join(problems))
    except BackupError:
        raise
    except (DatabaseError, ValueError, TypeError) as exc:
        # The database refused a value the checks above let through (a
        # constraint, a NUL character, a number out of range).
        raise BackupError(f"the database refused the backup: {exc}") from None
    return restored


def _restore(
    data: dict[str, Any],
    fields: dict[str, Any],
    problems: list[str],
    by: Actor,
    progress: Progress,
) -> Restored:
    alliance = Alliance(**fields)
    try:
        alliance.full_clean()
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            problems.append(f"alliance.{name}: {' '.join(errors)}")
        return Restored(alliance)
    stamps = {f.attname: fields[f.attname] for f in _stamped(Alliance) if f.attname in fields}
    alliance.save()
    Alliance.objects.filter(pk=alliance.pk).update(**stamps)
    restored = Restored(alliance)
    ids: dict[str, dict[int, int]] = {}
    for n, table in enumerate(TABLES, start=1):
        with progress.timed(f"Restoring {_label(table.key)} ({n}/{len(TABLES)} tables)… "):
            ids[table.key] = _restore_table(
                table, data[table.key], alliance, ids, problems, restored
            )
            restored.counts[table.key] = len(data[table.key])
            progress.outcome(counted(len(data[table.key]), "rows"))
            if problems:  # later tables would only repeat the missing references
                progress.outcome("problems found")
                return restored
    with progress.timed("Restoring who has access… "):
        _restore_access_grants(data["memberships"], alliance, ids["partners"], problems, restored)
        progress.outcome(counted(len(data["memberships"]), "accounts"))
    if not problems:
        with progress.timed("Checking that every round can be analysed… "):
            _check_analysable(alliance, problems)
    record(
        alliance,
        AuditEvent.Action.ALLIANCE_IMPORTED,
        by,
        exported_at=data.get("exported_at"),
        users_created=len(restored.users_created),
        links_dropped=restored.links_dropped,
    )
    return restored


def _stamped(model: type[models.Model]) -> list[models.DateTimeField[Any, Any]]:
    """Columns Django fills in on save (auto_now, auto_now_add): restored afterwards."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
    ]


def _restore_table(
    table: Table,
    rows: Iterable[Any],
    alliance: Alliance,
    ids: dict[str, dict[int, int]],
    problems: list[str],
    restored: Restored,
) -> dict[int, int]:
    new_ids: dict[int, int] = {}
    bulk: list[models.Model] = []
    stamped = _stamped(table.model)
    for n, raw in enumerate(rows):
        where = f"{table.key}[{n}]"
        before = len(problems)
        values = _values(table.model, raw, where, problems)
        for attname, target in table.refs.items():
            old = values.get(attname)
            if old is None:
                continue
            if old not in ids[target]:
                problems.append(f"{where}.{attname}: no {target[:-1]} with id {old} in the file")
                continue
            values[attname] = ids[target][old]
        if len(problems) > before:
            continue
        if _has_alliance(table.model):
            values["alliance_id"] = alliance.pk
        code, token = values.get("join_code"), values.get("token_hash")
        if table.model is Round and code and Round.objects.filter(join_code=code).exists():
            values["join_code"], values["join_open"] = "", False  # codes must stay unique
        if (
            table.model is Invitation
            and token
            and Invitation.objects.filter(token_hash=token).exists()
        ):
            values["token_hash"] = None
            restored.links_dropped += 1
        obj = table.model(**values)
        try:
            obj.clean_fields()
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                problems.append(f"{where}.{name}: {' '.join(errors)}")
            continue
        if problems:
            continue
        if table.key in BULK:
            bulk.append(obj)
            continue
        obj.save()
        if stamped:
            table.model._default_manager.filter(pk=obj.pk).update(
                **{f.attname: values[f.attname] for f in stamped if f.attname in values}
            )
        if isinstance(raw, dict) and isinstance(raw.get("id"), int):
            new_ids[raw["id"]] = obj.pk
    if bulk and not problems:
        table.model._default_manager.bulk_create(bulk, batch_size=2000)
    return new_ids


def _restore_access_grants(
    rows: list[Any],
    alliance: Alliance,
    partner_ids: dict[int, int],
    problems: list[str],
    restored: Restored,
) -> None:
    for n, raw in enumerate(rows):
        where = f"memberships[{n}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("username"), str):
            problems.append(f"{where}: needs a username")
            continue
        account = User(
            username=raw["username"],
            email=str(raw.get("email") or ""),
            first_name=str(raw.get("first_name") or ""),
            last_name=str(raw.get("last_name") or ""),
            is_active=raw.get("is_active", True) is not False,
        )
        try:
            account.clean_fields(exclude=["password"])
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                problems.append(f"{where}.{name}: {' '.join(errors)}")
            continue
        partner = raw.get("partner_id")
        if partner is not None and (type(partner) is not int or partner not in partner_ids):
            problems.append(f"{where}.partner_id: no partner with id {partner!r} in the file")
            continue
        role = raw.get("role")
        if role not in AccessGrant.Role.values:
            problems.append(f"{where}.role: {role!r} is not a role")
            continue
        grant = AccessGrant(
            alliance=alliance,
            role=role,
            partner_id=partner_ids[partner] if partner is not None else None,
        )
        try:
            grant.clean()
        except ValidationError as exc:
            problems.append(f"{where}: {' '.join(exc.messages)}")
            continue
        user = User.objects.filter(username=account.username).first()
        if user is None:
            account.set_unusable_password()
            account.save()
            user = account
            restored.users_created.append(user.username)
        elif not account.email or user.email.casefold() != account.email.casefold():
            problems.append(
                f"{where}: user {account.username!r} exists here with another or no e-mail "
                "address; it may be someone else, so no access is given"
            )
            continue
        grant.user = user
        grant.save()
        try:
            created = AccessGrant._meta.get_field("created_at").to_python(raw.get("created_at"))
        except (ValidationError, TypeError, ValueError):
            problems.append(f"{where}.created_at: {raw.get('created_at')!r} is not a valid value")
            continue
        if created:
            AccessGrant.objects.filter(pk=grant.pk).update(created_at=created)


def _check_analysable(alliance: Alliance, problems: list[str]) -> None:
    """Every restored round must analyse: answers on the scale, known statements."""
    from alliancelens.analysis import AnswersError
    from alliancelens.results.adapter import round_analysis

    for rnd in alliance.rounds.order_by("number"):
        try:
            round_analysis(rnd)
        except (AnswersError, LookupError) as exc:
            problems.append(f"round {rnd.number}: the answers cannot be analysed: {exc}")
