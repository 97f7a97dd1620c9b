"""One defaults table, one reader: every LINKSPIDER_* setting typed by its default, bad values named."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from linkspider import defaults
from linkspider.config import default_of, get_setting
from linkspider.errors import ConfigurationError
from linkspider.frontier.config import FrontierConfig
from linkspider.soft404 import SoftNotFoundMiddleware
from linkspider.store.writer import StoreConfig

ROOT = Path(__file__).resolve().parents[1]
NAMES = sorted(n for n in vars(defaults) if n.startswith("LINKSPIDER_"))


def test_absent_settings_read_as_the_table_default() -> None:
    for name in NAMES:
        assert get_setting(Settings(), name) == getattr(defaults, name)
        assert get_setting(None, name) == getattr(defaults, name)


def test_values_are_typed_like_the_default() -> None:
    settings = Settings({"LINKSPIDER_MAX_ANCHOR_CHARS": "12", "LINKSPIDER_STORE_ENABLED": "False",
                         "LINKSPIDER_POLITENESS_DELAY": "0.5", "LINKSPIDER_ALLOWED_NETWORKS": "10.0.0.0/8,::1/128"})
    assert get_setting(settings, "LINKSPIDER_MAX_ANCHOR_CHARS") == 12
    assert get_setting(settings, "LINKSPIDER_STORE_ENABLED") is False
    assert get_setting(settings, "LINKSPIDER_POLITENESS_DELAY") == 0.5
    assert get_setting(settings, "LINKSPIDER_ALLOWED_NETWORKS") == ["10.0.0.0/8", "::1/128"]
    assert get_setting({"LINKSPIDER_MAX_ANCHOR_CHARS": 7}, "LINKSPIDER_MAX_ANCHOR_CHARS") == 7


@pytest.mark.parametrize("name, value", [("LINKSPIDER_MAX_ANCHOR_CHARS", "lots"),
                                         ("LINKSPIDER_POLITENESS_DELAY", "soon"),
                                         ("LINKSPIDER_STORE_ENABLED", "perhaps")])
def test_unparsable_value_names_the_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        get_setting(Settings({name: value}), name)


def test_unknown_setting_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="LINKSPIDER_NO_SUCH"):
        default_of("LINKSPIDER_NO_SUCH")


def test_list_defaults_are_not_shared() -> None:
    first = get_setting(None, "LINKSPIDER_ALLOWED_NETWORKS")
    first.append("10.0.0.0/8")
    assert get_setting(None, "LINKSPIDER_ALLOWED_NETWORKS") == []


def test_typed_configs_default_to_the_table() -> None:
    """No component keeps a default of its own: the dataclass defaults equal the table's values."""
    frontier, store = FrontierConfig(), StoreConfig()
    assert frontier == FrontierConfig.from_settings(Settings())
    assert frontier.domain_cap == defaults.LINKSPIDER_MAX_PAGES_PER_DOMAIN
    assert frontier.lease_seconds == defaults.LINKSPIDER_FRONTIER_LEASE_SECONDS
    assert store == StoreConfig.from_settings(Settings())
    assert store.flush_count == defaults.LINKSPIDER_STORE_FLUSH_COUNT


def test_no_module_reads_a_linkspider_setting_with_a_literal_default() -> None:
    """Settings are read through linkspider.config only: no ``getint("LINKSPIDER_X", 5)`` anywhere."""
    pattern = re.compile(r"settings\.get(?:int|float|bool|list|dict)?\(\s*\"LINKSPIDER_|getattr\(defaults")
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "linkspider").rglob("*.py")
                 if path.name != "config.py"
                 for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []


@pytest.mark.parametrize("name, value", [("LINKSPIDER_SOFT404_SIMILARITY", "1.5"),
                                         ("LINKSPIDER_SOFT404_SIMILARITY", "high"),
                                         ("LINKSPIDER_SOFT404_DIRECTORIES_PER_SITE", "0")])
def test_soft404_refuses_to_start_on_a_bad_value(name: str, value: str) -> None:
    """A bad value stops the crawl naming the setting; it does not switch the check off."""
    crawler = get_crawler(settings_dict={name: value})
    with pytest.raises(ConfigurationError, match=name):
        SoftNotFoundMiddleware.from_crawler(crawler)


def test_every_setting_is_documented_in_the_readme() -> None:
    """The README's settings reference lists each setting of the defaults table, with its default."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(LINKSPIDER_[A-Z0-9_]+)` \| `([^`]*)` \|", readme, flags=re.M))
    assert sorted(rows) == NAMES
    for name in NAMES:
        assert rows[name].replace("_", "") == repr(getattr(defaults, name)).strip("'").replace("_", ""), name


@pytest.mark.parametrize("name, value", [("LINKSPIDER_MAX_ANCHOR_CHARS", "0"),
                                         ("LINKSPIDER_FOLLOWED_CACHE_SIZE", "-1"),
                                         ("LINKSPIDER_MAX_QUERY_PARAMS", "many")])
def test_spider_refuses_to_start_on_a_bad_limit(name: str, value: str) -> None:
    from linkspider.spiders.links import LinksSpider

    crawler = get_crawler(LinksSpider, settings_dict={name: value})
    with pytest.raises(ConfigurationError, match=name):
        LinksSpider.from_crawler(crawler, scope="all")
