from __future__ import annotations

from pathlib import Path

from linkspider.store.pipeline import spill_path


def test_spill_dir_without_scrapy_cfg_falls_back_to_cwd(tmp_path, monkeypatch):
    """A scrapyd job runs from an egg: project settings, no scrapy.cfg. The store must stay on."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SCRAPY_SETTINGS_MODULE", "linkspider.settings")
    assert Path(spill_path("spill")) == tmp_path / ".scrapy" / "spill"


def test_absolute_spill_dir_is_kept(tmp_path):
    assert spill_path(str(tmp_path / "x")) == str(tmp_path / "x")
