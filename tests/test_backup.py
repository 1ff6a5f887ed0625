"""Backup and restore: `export-alliance` then `import-alliance` gives back the same
alliance — the same analysis of every round, the same people, access and
history — and a bad file restores nothing and says what is wrong where."""

from __future__ import annotations

import gzip
import io
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from alliancelens.access.backup import BackupError, import_alliance
from alliancelens.access.privacy import participant_erase
from alliancelens.access.services import access_revoke
from alliancelens.alliances.models import (
    AccessGrant,
    AgendaPoint,
    Alliance,
    AuditEvent,
    Invitation,
    Participant,
    ScanResponse,
)
from alliancelens.alliances.services import invitations_issue
from alliancelens.analysis.render import result_dict
from alliancelens.instrument import latest_instrument
from alliancelens.results.adapter import round_analysis

from .base import PASSWORD, DemoTestCase, full_answers
from .test_permissions import fingerprint


def rounded(value: Any) -> Any:
    """Floats to 9 decimals: rows come back in another order, which moves the last bit."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def analyses(alliance: Alliance) -> dict[int, Any]:
    return {
        rnd.number: rounded(result_dict(round_analysis(rnd)))
        for rnd in alliance.rounds.order_by("number")
    }


def registers(alliance: Alliance) -> dict[str, Any]:
    """Everything a person sees of the alliance apart from the analysis, without ids."""
    return {
        "settings": [
            alliance.name,
            alliance.ambition,
            alliance.current_phase,
            alliance.stage,
            alliance.anonymity_threshold,
            alliance.retention_months,
            alliance.created_at,
        ],
        "partners": list(alliance.partners.values_list("name", "sector", "role")),
        "participants": list(
            Participant.objects.filter(partner__alliance=alliance)
            .order_by("name")
            .values_list("name", "email", "partner__name", "level", "language", "created_at")
        ),
        "rounds": list(
            alliance.rounds.values_list(
                "number",
                "title",
                "state",
                "instrument_id",
                "instrument_version",
                "opened_at",
                "closed_at",
                "closes_at",
                "join_cap",
                "created_at",
            )
        ),
        "invitations": sorted(
            Invitation.objects.filter(round__alliance=alliance).values_list(
                "round__number",
                "participant__name",
                "token_hash",
                "issued_at",
                "times_issued",
                "emailed_at",
            ),
            key=repr,
        ),
        "responses": sorted(
            ScanResponse.objects.filter(round__alliance=alliance).values_list(
                "round__number",
                "invitation__participant__name",
                "partner__name",
                "level",
                "last_step",
                "started_at",
                "updated_at",
                "submitted_at",
                "times_submitted",
            ),
            key=repr,
        ),
        "access": sorted(
            alliance.access_grants.values_list("user__username", "role", "partner__name")
        ),
        "agenda": list(
            AgendaPoint.objects.filter(round__alliance=alliance)
            .order_by("round__number", "position")
            .values_list("round__number", "position", "kind", "ref", "title", "dropped", "agreed")
        ),
        "outcome_shared": sorted(alliance.rounds.values_list("number", "outcome_partners")),
        "history": list(
            alliance.events.exclude(action="alliance_imported").values_list(
                "at", "actor", "action", "detail"
            )
        ),
    }


class BackupTests(DemoTestCase):
    token: str

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        alliance = cls.alliance
        facilitator = User.objects.get(username="facilitator")
        partner = alliance.partners.order_by("name").first()
        lead = User.objects.create_user("lena", email="lena@example.org", password=PASSWORD)
        AccessGrant.objects.create(
            user=lead, alliance=alliance, role="partner_lead", partner=partner
        )
        gone = User.objects.create_user("gert", password=PASSWORD)
        access_revoke(
            grant=AccessGrant.objects.create(user=gone, alliance=alliance, role="observer"),
            by=facilitator,
        )
        alliance.retention_months = 36
        alliance.save()
        kept = Participant.objects.filter(
            partner__alliance=alliance, invitations__response__isnull=False
        )
        participant_erase(participant=kept[0], mode="anonymise", by=facilitator)
        # A live link in the open round, with a draft behind it.
        open_round = alliance.rounds.get(state="open")
        invitation = open_round.invitations.filter(response__isnull=True)[0]
        (link,) = invitations_issue(invitations=[invitation])
        cls.token = link.token
        Client().post(f"/r/{cls.token}/p/ambition/", full_answers("ambition", "2"))
        # The discussion of round 2: an own point, a dropped one, an agreement.
        from alliancelens.results.agenda import agenda_add, agenda_agree, agenda_drop, agenda_of
        from alliancelens.results.publish import published_round

        closed = alliance.rounds.get(number=2)
        points = agenda_of(closed, published_round(closed).result(None, "nl"))
        agenda_drop(points[-1], True)
        agenda_agree(points[0], "Gesprek in juni over de belangen.")
        agenda_add(closed, "Wie trekt de kar?")
        closed.outcome_partners = True
        closed.save(update_fields=["outcome_partners"])

    def export(self, slug: str = "demo") -> str:
        out = io.StringIO()
        call_command("export-alliance", slug, stdout=out)
        return out.getvalue()

    def test_a_restored_copy_analyses_and_reads_the_same(self):
        text = self.export()
        assert json.loads(text)["format"] == "alliancelens-alliance"
        path = Path(self.enterContext(_tmpdir())) / "alliance.json"
        path.write_text(text, encoding="utf-8")
        out = io.StringIO()
        call_command("import-alliance", str(path), "--slug", "demo-copy", stdout=out)
        assert "restored 'demo-copy'" in out.getvalue()
        copy = Alliance.objects.get(slug="demo-copy")
        assert analyses(copy) == analyses(self.alliance)
        original, restored = registers(self.alliance), registers(copy)
        # Links cannot exist twice on one instance: the copy's are left out.
        assert all(row[2] is None for row in restored.pop("invitations"))
        original.pop("invitations")
        restored["settings"][0] = original["settings"][0]
        assert restored == original
        event = copy.events.get(action="alliance_imported")
        assert event.detail["links_dropped"] == 1

    def test_restoring_on_an_empty_instance_keeps_the_links_working(self):
        text = self.export()
        before_analyses, before = analyses(self.alliance), registers(self.alliance)
        self.alliance.delete()
        User.objects.filter(username="lena").delete()
        restored = import_alliance(text)
        assert restored.users_created == ["lena"]
        alliance = Alliance.objects.get(slug="demo")
        assert analyses(alliance) == before_analyses
        assert registers(alliance) == before
        assert not User.objects.get(username="lena").has_usable_password()
        # The respondent's link still opens their own draft.
        page = Client().get(f"/r/{self.token}/p/ambition/")
        assert page.status_code == 200
        checked = re.findall(rb'value="2" id="[^"]+" checked', page.content)
        assert len(checked) == len(latest_instrument().items_for("ambition"))
        # The facilitator sees it all, with the import in the history.
        client = Client()
        assert client.login(username="facilitator", password=self.password)
        history = client.get("/alliances/demo/history/")
        assert history.status_code == 200
        assert AuditEvent.objects.filter(alliance=alliance, action="alliance_imported").exists()

    def test_a_bad_file_restores_nothing_and_says_where(self):
        good = json.loads(self.export())

        def broken(change) -> str:
            data = json.loads(json.dumps(good))
            change(data)
            data["alliance"]["slug"] = "other"
            return json.dumps(data)

        cases = [
            ("{not json", "line 1, column 2: not valid JSON"),
            (json.dumps({"format": "something"}), "not an AllianceLens alliance backup"),
            (json.dumps({**good, "version": 99}), "version 99 is not supported"),
            (broken(lambda d: d.pop("rounds")), "rounds: missing or not a list"),
            (
                broken(lambda d: d["participants"][3].update(partner_id=999)),
                "participants[3].partner_id: no partner with id 999 in the file",
            ),
            (
                broken(lambda d: d["participants"][0].update(level="ceo")),
                "participants[0].level: ",  # Django's own message, in the active language
            ),
            (
                broken(lambda d: d["rounds"][0].update(opened_at="yesterday")),
                "rounds[0].opened_at:",
            ),
            (
                broken(lambda d: d["item_answers"][0].update(value=9)),
                "round 1: the answers cannot be analysed: value 9 for item",
            ),
            (
                broken(lambda d: d["memberships"][0].update(role="owner")),
                "memberships[0].role: 'owner' is not a role",
            ),
            (
                broken(lambda d: d["alliance"].update(anonymity_threshold=1)),
                "alliance.anonymity_threshold:",
            ),
            (json.dumps(good), "'demo' already exists here"),
            # Crafted values that reach past the field checks.
            (
                broken(lambda d: d["rounds"][0].update(created_at=5)),
                "rounds[0].created_at: 5 is not a valid value",
            ),
            (broken(lambda d: d["events"][0].update(at=[7])), "events[0].at:"),
            (
                broken(lambda d: d["memberships"][0].update(partner_id=[1])),
                "memberships[0].partner_id: no partner with id [1] in the file",
            ),
            (
                broken(lambda d: d["memberships"][0].update(username="x" * 300)),
                "memberships[0].username:",
            ),
            (
                broken(
                    lambda d: d["memberships"][0].update(username="new", email="not an address")
                ),
                "memberships[0].email:",
            ),
            (
                broken(lambda d: d["partners"][0].update(name="Nul\x00teken")),
                "partners[0].name: contains a NUL character",
            ),
        ]
        before = fingerprint()
        for text, message in cases:
            with pytest.raises(BackupError) as caught:
                import_alliance(text)
            assert message in str(caught.value), (message, str(caught.value))
            assert fingerprint() == before, message

    def test_an_account_without_an_address_is_never_matched_by_name_alone(self):
        data = json.loads(self.export())
        data["alliance"]["slug"] = "other"
        User.objects.create_user("oscar", password=PASSWORD)  # no e-mail address
        data["memberships"].append({"username": "oscar", "email": "", "role": "facilitator"})
        with pytest.raises(BackupError, match="user 'oscar' exists here with another or no"):
            import_alliance(json.dumps(data))
        assert not AccessGrant.objects.filter(user__username="oscar").exists()

    def test_an_inactive_account_comes_back_inactive(self):
        User.objects.filter(username="lena").update(is_active=False)
        text = self.export()
        self.alliance.delete()
        User.objects.filter(username="lena").delete()
        import_alliance(text)
        assert User.objects.get(username="lena").is_active is False

    def test_an_account_with_the_same_name_but_another_address_gets_no_access(self):
        text = self.export()
        self.alliance.delete()
        User.objects.filter(username="lena").update(email="someone-else@example.org")
        with pytest.raises(BackupError, match="user 'lena' exists here with another or no e-mail"):
            import_alliance(text)
        assert not Alliance.objects.filter(slug="demo").exists()

    def test_a_gzip_compressed_backup_restores_like_a_plain_one(self):
        text = self.export()
        with _tmpdir() as tmp:
            path = Path(tmp) / "alliance.json.gz"
            path.write_bytes(gzip.compress(text.encode()))
            call_command("import-alliance", str(path), "--slug", "copy", stdout=io.StringIO())
        copy = Alliance.objects.get(slug="copy")
        assert analyses(copy) == analyses(self.alliance)

    def test_a_gzip_bomb_is_refused_without_unpacking_it(self):
        """A valid backup followed by 256 MiB of spaces (valid JSON, so without
        the limit it would restore), compressed to a quarter of a megabyte."""
        data = json.loads(self.export())
        data["alliance"]["slug"] = "bomb"
        packed = io.BytesIO()
        with gzip.GzipFile(fileobj=packed, mode="wb", compresslevel=9) as out:
            out.write(json.dumps(data).encode())
            spaces = b" " * (1 << 20)
            for _ in range(256):
                out.write(spaces)
        assert len(packed.getvalue()) < 1024 * 1024
        before = fingerprint()
        with _tmpdir() as tmp:
            path = Path(tmp) / "alliance.json.gz"
            path.write_bytes(packed.getvalue())
            started = time.monotonic()
            with pytest.raises(CommandError) as caught:
                call_command("import-alliance", str(path))
            assert time.monotonic() - started < 5
        assert caught.value.returncode == 2
        assert str(caught.value) == (
            f"{path}: nothing was restored:\nthe file unpacks to more than 104,857,600 "
            "bytes, the limit (BACKUP_MAX_BYTES); reading stopped there"
        )
        assert fingerprint() == before
        assert not Alliance.objects.filter(slug="bomb").exists()

    def test_a_backup_over_the_limit_says_by_how_much_and_restores_nothing(self):
        data = json.loads(self.export())
        data["alliance"]["slug"] = "big"
        text = json.dumps(data)
        size = len(text.encode())
        before = fingerprint()
        with self.settings(BACKUP_MAX_BYTES=size - 10), _tmpdir() as tmp:
            path = Path(tmp) / "alliance.json"
            path.write_text(text, encoding="utf-8")
            expected = (
                f"the file is {size:,} bytes, 10 more than the limit of {size - 10:,} "
                "(BACKUP_MAX_BYTES)"
            )
            with pytest.raises(CommandError) as caught:
                call_command("import-alliance", str(path))
            assert str(caught.value) == f"{path}: nothing was restored:\n{expected}"
            with pytest.raises(BackupError) as refused:
                import_alliance(text)
            assert str(refused.value) == expected
        assert fingerprint() == before
        with self.settings(BACKUP_MAX_BYTES=size):
            import_alliance(text)
        assert Alliance.objects.filter(slug="big").exists()

    def test_a_damaged_compressed_file_or_deep_nesting_is_a_clear_error(self):
        text = self.export()
        damaged = gzip.compress(text.encode())[:-100]
        with _tmpdir() as tmp:
            path = Path(tmp) / "alliance.json.gz"
            path.write_bytes(damaged)
            with pytest.raises(CommandError, match="the file cannot be unpacked as gzip"):
                call_command("import-alliance", str(path))
        with pytest.raises(BackupError, match="not valid JSON: nested too deeply"):
            import_alliance("[" * 100_000)

    def test_the_commands_report_problems_with_exit_code_2(self):
        with pytest.raises(CommandError) as caught:
            call_command("export-alliance", "nope")
        assert caught.value.returncode == 2 and "no alliance with short name 'nope'" in str(
            caught.value
        )
        with pytest.raises(CommandError) as caught:
            call_command("import-alliance", "/nonexistent/alliance.json")
        assert caught.value.returncode == 2 and "cannot read the file" in str(caught.value)


def _tmpdir():
    import tempfile

    return tempfile.TemporaryDirectory()
