"""Store fixtures: a pipeline built through Scrapy's ``get_crawler`` on the test's throwaway database."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from linkspider.store.pipeline import MongoPipeline


@pytest.fixture
def make_pipeline(tmp_path) -> Iterator[Callable[..., MongoPipeline]]:
    """Build and open pipelines; any left open are closed after the test."""
    opened: list[MongoPipeline] = []

    def _make(uri: str, database: str, **settings: Any) -> MongoPipeline:
        base = {
            "MONGO_URI": uri, "MONGO_DATABASE": database,
            "LINKSPIDER_STORE_SPILL_DIR": str(tmp_path / "spill"),
            "LINKSPIDER_STORE_FLUSH_INTERVAL": 0.2,
        }
        base.update(settings)
        crawler = get_crawler(settings_dict=base)
        crawler.stats.open_spider()
        pipeline = MongoPipeline.from_crawler(crawler)
        pipeline.open_spider()
        opened.append(pipeline)
        return pipeline

    yield _make
    for pipeline in opened:
        pipeline.close()


def run(pipeline: MongoPipeline, items) -> MongoPipeline:
    for item in items:
        assert pipeline.process_item(item) is item  # never waits on MongoDB while the buffer has room
    return pipeline


def stat(pipeline: MongoPipeline, key: str) -> int:
    return pipeline.stats.get_value(f"linkspider/store/{key}", 0)


@pytest.fixture
def mongo_db(mongo_db, mongo_uri):
    """The shared throwaway database, through a timezone-aware client (datetimes compare with UTC)."""
    from linkspider.store.client import get_client

    return get_client(mongo_uri)[mongo_db.name]
