from __future__ import annotations

import pytest

from linkspider.store.indexes import ensure_indexes
from tests.reports.edgegen import EdgeSet, generate


@pytest.fixture(scope="session")
def edge_set() -> EdgeSet:
    return generate(seed=7)


@pytest.fixture
def report_db(mongo_db, edge_set: EdgeSet):
    """A throwaway database holding the generated edges and pages, with the report indexes."""
    edge_set.insert(mongo_db)
    ensure_indexes(mongo_db)
    return mongo_db
