"""A round keeps the instrument version it was opened with."""

from __future__ import annotations

import shutil

import yaml

from alliancelens.alliances.services import round_create, round_open
from alliancelens.instrument import get_instrument, latest_instrument, loader

from .base import AllianceTestCase


class PinningTests(AllianceTestCase):
    def test_a_new_instrument_version_never_changes_a_live_round(self):
        rnd = self.open_round()
        shipped = latest_instrument().version
        assert (rnd.instrument_id, rnd.instrument_version) == ("reflection-core", shipped)
        token = self.token_for(rnd, self.participants[0])
        old_text = rnd.instrument.items[0].text["nl"]

        # Ship a next version with a reworded first statement.
        newer = shipped + 1
        data_dir = self.tmp / "data"
        shutil.copytree(loader.DATA_DIR, data_dir)
        folder = data_dir / "reflection-core"
        data = yaml.safe_load((folder / f"v{shipped}.yaml").read_text(encoding="utf-8"))
        data["version"] = newer
        data["items"][0]["text"]["nl"] = "Een heel andere stelling."
        (folder / f"v{newer}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
        original = loader.DATA_DIR
        loader.DATA_DIR = data_dir
        get_instrument.cache_clear()
        try:
            assert latest_instrument().version == newer
            page = self.client.get(f"/r/{token}/p/ambition/")
            self.assertContains(page, old_text)
            self.assertNotContains(page, "Een heel andere stelling.")
            rnd2 = self.open_round("Ronde 2")
            assert rnd2.instrument_version == newer
            # A draft made before the new version shipped is pinned when it opens.
            draft = round_create(alliance=self.alliance, title="Concept")
            draft.instrument_version = 1
            draft.save()
            assert round_open(rnd=draft).instrument_version == newer
        finally:
            loader.DATA_DIR = original
            get_instrument.cache_clear()

    def setUp(self):
        import tempfile
        from pathlib import Path

        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = Path(self._tmp.name)

    def tearDown(self):
        self._tmp.cleanup()


class SeriesTests(AllianceTestCase):
    def test_trends_stay_within_one_instrument_version(self):
        from alliancelens.alliances.models import Round
        from alliancelens.results.adapter import series_of

        shipped = latest_instrument().version
        old = round_create(alliance=self.alliance, title="Oud")
        same = round_create(alliance=self.alliance, title="Zelfde")
        now = round_create(alliance=self.alliance, title="Nu")
        Round.objects.filter(pk=old.pk).update(state=Round.State.CLOSED, instrument_version=1)
        Round.objects.filter(pk=same.pk).update(
            state=Round.State.CLOSED, instrument_version=shipped
        )
        Round.objects.filter(pk=now.pk).update(instrument_version=shipped)
        now.refresh_from_db()
        assert [r.title for r in series_of(now)] == ["Zelfde", "Nu"]
