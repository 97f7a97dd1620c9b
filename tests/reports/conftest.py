from __future__ import annotations

import pytest

from linkspider.store.indexes import ensure_indexes
from linkspider.urls import url_key
from tests.reports.edgegen import PAGE_STATES, EdgeSet, generate


@pytest.fixture(scope="session")
def edge_set() -> EdgeSet:
    return generate(seed=7)


@pytest.fixture
def report_db(mongo_db, edge_set: EdgeSet):
    """A throwaway database holding the generated edges and pages, with the report indexes."""
    edge_set.insert(mongo_db)
    ensure_indexes(mongo_db)
    return mongo_db


@pytest.fixture
def states_db(report_db, edge_set: EdgeSet):
    """The generated store with target pages set to each state; known pages not listed stay 200 (ok)."""
    for url, (fields, _) in PAGE_STATES.items():
        report_db.pages.delete_one({"_id": url_key(url)})
        if fields is not None:
            report_db.pages.insert_one({"_id": url_key(url), "url": url, "domain": "x", **fields})
    return report_db
