"""Back up one alliance to JSON and restore it, on this or another instance.

The file holds everything of the alliance: settings, partners, participants,
rounds, invitations (only the hashes of the links, so links keep working
after a move), responses with their answers, the published results of closed rounds
(as stored at closing, with the k they used), who has access, and the
history. Passwords are not in it: people restored onto a new instance set
theirs with "Forgot your password?".

A backup may be gzip-compressed (``--output alliance.json.gz``). It is read
up to BACKUP_MAX_BYTES (after unpacking) and refused beyond that before it is
parsed, so a small compressed file cannot unpack into all of memory.

An export is one moment of the alliance: every table is read in one
snapshot (``read_snapshot``), so an answer given while the export runs is
either in the file with its response or not at all. ``check_backup`` runs
the checks of a restore that need no database (every value parses, every
reference points at a row in the file) and ``write_backup`` puts a file in
place only once it has passed them, leaving the previous one untouched
until then.

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
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
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
from alliancelens.journey.models import (
    ChecklistMark,
    PhaseMove,
    PhaseResult,
    RouteChange,
    StageView,
)
from alliancelens.progress import Progress, counted
from alliancelens.registers.models import EntryChange, MutualGain
from alliancelens.registers.registry import REGISTERS
from alliancelens.results.models import PublishedResult

FORMAT = "alliancelens-alliance"
VERSION = 1

# The number of rows of each table of a backup, by its key.
Counts = dict[str, int]


@dataclass(frozen=True)
class Table:
    key: str
    model: type[models.Model]
    scope: str  # the lookup from this model to its alliance
    refs: dict[str, str]  # foreign key attname → the table it points into


JOURNEY: tuple[tuple[str, type[models.Model]], ...] = (
    ("phase_results", PhaseResult),
    ("phase_moves", PhaseMove),
    ("checklist_marks", ChecklistMark),
    ("stage_views", StageView),
    ("route_changes", RouteChange),
)

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
    # The working registers (registers.registry), each under its own key,
    # the mutual gains' links to interests, and every entry's history.
    *(Table(r.key, r.model, "alliance", {"partner_id": "partners"}) for r in REGISTERS),
    Table(
        "gains_interests",
        MutualGain.serves.through,
        "mutualgain__alliance",
        {"mutualgain_id": "gains", "interest_id": "interests"},
    ),
    Table("register_changes", EntryChange, "alliance", {}),
    # The route: each phase's result, the moves (with their reasons), the
    # checklist as ticked, the members' views of the stage, and the changes.
    *(Table(key, model, "alliance", {}) for key, model in JOURNEY),
)
# Nothing refers to these rows.
BULK = {
    "item_answers",
    "question_answers",
    "events",
    "publications",
    "agenda",
    "gains_interests",
    "register_changes",
    *(key for key, _ in JOURNEY),
}
# Tables a backup made before they were added may lack (read as empty).
ADDED_LATER = {
    "publications",
    "agenda",
    *(r.key for r in REGISTERS),
    "gains_interests",
    "register_changes",
    *(key for key, _ in JOURNEY),
}


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


@contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """One transaction whose reads all see the database at one moment.

    Read table by table in autocommit, a backup taken while respondents
    answer holds answers whose response came in after the responses were
    read (a few exports in a hundred did): the file does not restore. So
    every read of an export happens in one transaction that sees a single
    snapshot:

    - PostgreSQL: ``SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ
      ONLY`` as the transaction's first statement (it is refused after any
      query). The snapshot is taken at the first query after it; writers
      are not blocked, and the export cannot write.
    - SQLite (WAL): a deferred ``BEGIN``, whose first SELECT pins the
      snapshot until the transaction ends. The product's connections begin
      with ``BEGIN IMMEDIATE`` (settings.py), which would take the one
      writer's lock for the whole export and hold respondents' saves back,
      so the deferred mode is asked for this one transaction. Django's
      autocommit would end the snapshot after every query: the
      ``transaction.atomic`` block keeps it open between tables.

    Inside a transaction that is already open (a test case's), the export
    reads in that one, as every read of it then does.
    """
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    with ExitStack() as stack:
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            # Read when the block issues its BEGIN, so only for this block
            # (Django 5.1's attribute, which django-stubs does not know yet).
            mode = connection.transaction_mode  # type: ignore[attr-defined]
            connection.transaction_mode = "DEFERRED"  # type: ignore[attr-defined]
            try:
                stack.enter_context(transaction.atomic(using=using))
            finally:
                connection.transaction_mode = mode  # type: ignore[attr-defined]
        else:
            stack.enter_context(transaction.atomic(using=using))
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def export_alliance(alliance: Alliance, *, progress: Progress | None = None) -> dict[str, Any]:
    """Every row of the alliance, read in one snapshot (``read_snapshot``)."""
    progress = progress or Progress()
    with read_snapshot():
        # The alliance itself as it is in the snapshot, not as it was looked up.
        alliance = Alliance.objects.get(pk=alliance.pk)
        data: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "exported_at": timezone.now(),
            "alliance": {f.attname: f.value_from_object(alliance) for f in _columns(Alliance)},
        }
        for n, table in enumerate(TABLES, start=1):
            with progress.timed(f"Reading {_label(table.key)} ({n}/{len(TABLES)} tables)… "):
                rows = table.model._default_manager.filter(**{table.scope: alliance})
                data[table.key] = [_row(obj) for obj in rows.order_by("pk")]
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


def checked_json(alliance: Alliance, *, progress: Progress | None = None) -> str:
    """``export_json``, having passed ``check_backup``; BackupError if not."""
    progress = progress or Progress()
    text = export_json(alliance, progress=progress)
    with progress.timed("Checking the backup… "):
        check_backup(text)
        progress.outcome("complete")
    return text


def write_backup(alliance: Alliance, path: Path, *, progress: Progress | None = None) -> Counts:
    """Back the alliance up into ``path``, which is always a whole, checked
    backup: the one it was or the new one, never something in between.

    The new file is written beside the old (the same directory, so the same
    file system), gzip-compressed when its name ends in .gz, flushed to
    disk, read back from there and checked as a restore would
    (``check_backup``); only then is it renamed over the old one, which
    replaces it at once. On anything else (an error, a failed check, Ctrl-C,
    or a signal the caller turns into an exception) the new file is removed
    and ``path`` is left as it was. A backup holds personal data: a new file
    can be read by its owner only; one that replaces another keeps that
    one's permissions.
    """
    progress = progress or Progress()
    # Made before the export, so an unwritable directory fails at once.
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as raw:
            text = export_json(alliance, progress=progress)
            with progress.timed(f"Writing {path}… "):
                if path.name.endswith(".gz"):
                    with gzip.GzipFile(path.name[:-3], "wb", fileobj=raw, mtime=0) as packed:
                        packed.write(text.encode("utf-8"))
                else:
                    raw.write(text.encode("utf-8"))
                raw.flush()
                os.fsync(raw.fileno())
                progress.outcome(counted(raw.tell(), "bytes"))
        del text
        with progress.timed(f"Checking {path}… "):
            with partial.open("rb") as stream:
                counts = check_backup(read_backup(stream))
            progress.outcome("complete")
        if path.exists():
            partial.chmod(stat.S_IMODE(path.stat().st_mode))
        os.replace(partial, path)
        _sync_directory(path.parent)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _sync_directory(directory: Path) -> None:
    """Flush the directory's entries, so the rename survives a power cut."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


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


def check_backup(text: str) -> Counts:
    """The checks ``import_alliance`` makes before it writes anything, on a
    backup's text, with the same functions: it parses, has every table,
    every value is one its column takes, every membership is one a restore
    accepts, and every reference of every row (``Table.refs``) points at a
    row in the file. BackupError lists each problem with its place.

    A restore's remaining checks need the rows in a database (links and
    join codes taken here, accounts, each round analysing) and are not
    repeated: a dry run, a restore rolled back, would write the whole
    alliance a second time and, on SQLite, hold the one writer's lock
    meanwhile. Returns the number of rows of each table.
    """
    data = _parse(text)
    problems: list[str] = []
    _values(Alliance, data["alliance"], "alliance", problems)
    ids: dict[str, dict[int, int]] = {}
    for table in TABLES:
        rows = data[table.key]
        # Every row's id, so a bad row is reported once, not again by each
        # row that refers to it.
        ids[table.key] = {
            raw["id"]: raw["id"]
            for raw in rows
            if isinstance(raw, dict) and isinstance(raw.get("id"), int)
        }
        # References are checked against the file, not this database.
        relations = [f.name for f in table.model._meta.concrete_fields if f.is_relation]
        for n, raw in enumerate(rows):
            where = f"{table.key}[{n}]"
            values = _row_values(table, raw, where, ids, problems)
            if values is not None:
                _fields_clean(table.model(**values), where, problems, exclude=relations)
    for n, raw in enumerate(data["memberships"]):
        _membership(raw, f"memberships[{n}]", Alliance(), ids["partners"], problems)
    if problems:
        raise BackupError("\n".join(problems))
    return {key: len(data[key]) for key in [*(t.key for t in TABLES), "memberships"]}


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


def _row_values(
    table: Table,
    raw: Any,
    where: str,
    ids: dict[str, dict[int, int]],
    problems: list[str],
) -> dict[str, Any] | None:
    """A row's values, each reference turned through ``ids`` (a table's id in
    the file → the id to store), or None having listed the row's problems."""
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
    return None if len(problems) > before else values


def _fields_clean(
    obj: models.Model, where: str, problems: list[str], exclude: list[str] | None = None
) -> bool:
    try:
        obj.clean_fields(exclude=exclude)
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            problems.append(f"{where}.{name}: {' '.join(errors)}")
        return False
    return True


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
        values = _row_values(table, raw, where, ids, problems)
        if values is None:
            continue
        if _has_alliance(table.model):
            values["alliance_id"] = alliance.pk
        code, token = values.get("join_code"), values.get("token_hash")
        if table.model is EntryChange:
            # An entry's history names its entry by id: the id it has now.
            entry = ids.get(str(values.get("register")), {}).get(values.get("entry_id", -1))
            if entry is None:
                problems.append(f"{where}.entry_id: no such entry in the file's registers")
                continue
            values["entry_id"] = entry
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
        if not _fields_clean(obj, where, problems):
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


def _membership(
    raw: Any, where: str, alliance: Alliance, partner_ids: dict[int, int], problems: list[str]
) -> tuple[User, AccessGrant, datetime | None] | None:
    """The account and the access (both unsaved) and the access's start of
    one membership row, or None having listed its problem; ``partner_ids``
    turns the file's partner ids into those of ``alliance``'s partners."""
    if not isinstance(raw, dict) or not isinstance(raw.get("username"), str):
        problems.append(f"{where}: needs a username")
        return None
    account = User(
        username=raw["username"],
        email=str(raw.get("email") or ""),
        first_name=str(raw.get("first_name") or ""),
        last_name=str(raw.get("last_name") or ""),
        is_active=raw.get("is_active", True) is not False,
    )
    if not _fields_clean(account, where, problems, exclude=["password"]):
        return None
    partner = raw.get("partner_id")
    if partner is not None and (type(partner) is not int or partner not in partner_ids):
        problems.append(f"{where}.partner_id: no partner with id {partner!r} in the file")
        return None
    role = raw.get("role")
    if role not in AccessGrant.Role.values:
        problems.append(f"{where}.role: {role!r} is not a role")
        return None
    grant = AccessGrant(alliance=alliance, role=role)
    if partner is not None:
        # Every id in partner_ids is one of the alliance's own partners (the
        # file's): a stand-in lets clean() check the role without a query.
        grant.partner = Partner(pk=partner_ids[partner], alliance=alliance)
    try:
        grant.clean()
    except ValidationError as exc:
        problems.append(f"{where}: {' '.join(exc.messages)}")
        return None
    try:
        created = AccessGrant._meta.get_field("created_at").to_python(raw.get("created_at"))
    except (ValidationError, TypeError, ValueError):
        problems.append(f"{where}.created_at: {raw.get('created_at')!r} is not a valid value")
        return None
    return account, grant, created


def _restore_access_grants(
    rows: list[Any],
    alliance: Alliance,
    partner_ids: dict[int, int],
    problems: list[str],
    restored: Restored,
) -> None:
    for n, raw in enumerate(rows):
        where = f"memberships[{n}]"
        membership = _membership(raw, where, alliance, partner_ids, problems)
        if membership is None:
            continue
        account, grant, created = membership
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
        if created:
            AccessGrant.objects.filter(pk=grant.pk).update(created_at=created)


def _check_analysable(alliance: Alliance, problems: list[str]) -> None:
    """Every restored round must analyse: answers on the scale, known statements.

    Only rounds someone has submitted in: the lens reads submitted responses
    only, so a round of drafts alone (or none) has nothing to analyse."""
    from alliancelens.analysis import AnswersError
    from alliancelens.results.adapter import round_analysis

    submitted = alliance.rounds.filter(responses__submitted_at__isnull=False).distinct()
    for rnd in submitted.order_by("number"):
        try:
            round_analysis(rnd)
        except (AnswersError, LookupError) as exc:
            problems.append(f"round {rnd.number}: the answers cannot be analysed: {exc}")
