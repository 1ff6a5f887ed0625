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
        assert (rnd.instrument_id, rnd.instrument_version) == ("reflection-core", 1)
        token = self.token_for(rnd, self.participants[0])
        v1_text = rnd.instrument.item("amb_direction").text["nl"]

        # Ship a version 2 with a reworded first statement.
        data_dir = self.tmp / "data"
        shutil.copytree(loader.DATA_DIR, data_dir)
        v2 = yaml.safe_load((data_dir / "reflection-core" / "v1.yaml").read_text(encoding="utf-8"))
        v2["version"] = 2
        v2["items"][0]["text"]["nl"] = "Een heel andere stelling."
        (data_dir / "reflection-core" / "v2.yaml").write_text(yaml.safe_dump(v2), encoding="utf-8")
        original = loader.DATA_DIR
        loader.DATA_DIR = data_dir
        get_instrument.cache_clear()
        try:
            assert latest_instrument().version == 2
            page = self.client.get(f"/r/{token}/p/ambition/")
            self.assertContains(page, v1_text)
            self.assertNotContains(page, "Een heel andere stelling.")
            rnd2 = self.open_round("Ronde 2")
            assert rnd2.instrument_version == 2
            # A draft made before v2 shipped is pinned when it opens.
            draft = round_create(alliance=self.alliance, title="Concept")
            draft.instrument_version = 1
            draft.save()
            assert round_open(rnd=draft).instrument_version == 2
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
