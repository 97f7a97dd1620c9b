"""MongoDB down: retries, spill to disk, replay when it is back and at the next start.

Each test runs its own mongod (the session server is never stopped), on a fixed port and data dir
so it can be stopped and started again.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linkspider.demo.servers import MongoServer
from linkspider.items import LinkItem
from linkspider.store.client import get_client
from linkspider.store.documents import OP_EDGE, OP_LOST, OP_PAGE, edge_document
from linkspider.store.spill import SpillStore, encode_op

from .conftest import run, stat
from .helpers import at, synthetic_site

FAST_FAILURE = {
    "LINKSPIDER_STORE_RETRY_BACKOFF": 0.05,
    "LINKSPIDER_STORE_RETRY_BACKOFF_MAX": 0.3,
    "LINKSPIDER_STORE_RETRY_MAX_SECONDS": 0.5,
    "LINKSPIDER_STORE_SERVER_TIMEOUT": 0.5,
    "LINKSPIDER_STORE_FLUSH_COUNT": 50,
    "LINKSPIDER_STORE_FLUSH_INTERVAL": 0.1,
}


@pytest.fixture
def server(tmp_path):
    srv = MongoServer(tmp_path / "own-mongod").start()
    yield srv
    srv.stop()


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def two_crawls() -> list:
    """A crawl and a re-crawl in which some links are removed, so lost marks go through the spill."""
    first = synthetic_site(40, 10, at(0), crawl_id="c1")
    second = []
    for item in synthetic_site(40, 10, at(100), crawl_id="c2"):
        if isinstance(item, LinkItem) and item["anchor_text"] == "anchor 3":
            continue  # removed from every page in the second crawl
        second.append(item)
    return first + second


def snapshot(db) -> tuple[list, list]:
    return (sorted(db.edges.find(), key=lambda d: d["_id"]), sorted(db.pages.find(), key=lambda d: d["_id"]))


def test_outage_in_the_middle_spills_and_replays_everything(server, make_pipeline, tmp_path):
    items = two_crawls()
    link_count = sum(isinstance(i, LinkItem) for i in items)
    client = get_client(server.uri)

    reference = run(make_pipeline(server.uri, "reference"), items)
    reference.close()
    expected = snapshot(client["reference"])
    assert any("lost_at" in d for d in expected[0])  # the re-crawl marked links lost

    pipeline = make_pipeline(server.uri, "outage", **FAST_FAILURE)
    third = len(items) // 3
    run(pipeline, items[:third])
    assert pipeline.writer.flush(10)
    server.stop()

    run(pipeline, items[third:2 * third])
    wait_for(lambda: pipeline.writer.spilling and pipeline.writer.buffered() == 0)
    pipeline.writer.flush(10)
    files = pipeline.writer.spill.files()
    assert files, "nothing was spilled"
    spilled_ops = [op for path in files for op in SpillStore.iter_ops(path)]
    assert len(spilled_ops) == stat(pipeline, "spilled") > 0
    assert {kind for kind, _ in spilled_ops} == {OP_EDGE, OP_PAGE, OP_LOST}

    server.start()
    run(pipeline, items[2 * third:])
    wait_for(lambda: not pipeline.writer.spilling)
    pipeline.close()

    assert stat(pipeline, "replayed") == stat(pipeline, "spilled")
    assert stat(pipeline, "edges_written") == link_count
    assert stat(pipeline, "write_errors") == 0
    assert stat(pipeline, "retried") > 0
    assert pipeline.writer.spill.files() == []
    assert snapshot(client["outage"]) == expected


def test_spill_left_at_close_is_replayed_at_the_next_start(server, make_pipeline):
    items = two_crawls()
    client = get_client(server.uri)
    run(make_pipeline(server.uri, "reference"), items).close()
    expected = snapshot(client["reference"])

    server.stop()
    down = make_pipeline(server.uri, "restart", **FAST_FAILURE)
    run(down, items)
    down.close()  # MongoDB still down: everything ends up on disk
    assert stat(down, "spilled") == len(items) + sum(1 for i in items if not isinstance(i, LinkItem))  # + lost marks
    assert stat(down, "edges_written") == 0
    assert down.writer.spill.files()

    server.start()
    up = make_pipeline(server.uri, "restart", **FAST_FAILURE)
    up.close()
    assert stat(up, "replayed") == stat(down, "spilled")
    assert up.writer.spill.files() == []
    assert snapshot(client["restart"]) == expected


def test_spill_of_a_crashed_worker_is_claimed_and_replayed(server, make_pipeline, tmp_path):
    items = synthetic_site(5, 4, at(0))
    ops = [(OP_EDGE, edge_document(i)) for i in items if isinstance(i, LinkItem)]
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    directory = tmp_path / "spill" / "crashed"
    directory.mkdir(parents=True)
    path = directory / f"spill-{time.time_ns():020d}-{proc.pid}.jsonl"
    path.write_text("".join(encode_op(op) + "\n" for op in ops) + encode_op(ops[0])[:30])  # torn last line

    pipeline = make_pipeline(server.uri, "crashed")
    pipeline.close()
    assert stat(pipeline, "replayed") == len(ops)
    assert stat(pipeline, "write_errors") == 1  # the torn line
    assert not path.exists() and os.listdir(directory) == []
    assert get_client(server.uri)["crashed"].edges.count_documents({}) == len({d["_id"] for _, d in ops})


EXIT_WITHOUT_CLOSE = """
import sys
sys.path.insert(0, {root!r})
from linkspider.store.pipeline import MongoPipeline
from linkspider.store.writer import StoreConfig
from tests.store.helpers import synthetic_site, at
pipeline = MongoPipeline({uri!r}, {db!r}, StoreConfig(flush_count=10_000, flush_interval=60, ensure_indexes=False),
                         spill_dir={spill!r})
pipeline.open_spider()
for item in synthetic_site(10, 5, at(0)):
    pipeline.process_item(item)
sys.exit(0)  # no close: a forced shutdown
"""


def test_exit_without_close_spills_the_buffer(server, make_pipeline, tmp_path):
    root = str(Path(__file__).resolve().parents[2])
    script = EXIT_WITHOUT_CLOSE.format(root=root, uri=server.uri, db="exited", spill=str(tmp_path / "spill"))
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert get_client(server.uri)["exited"].edges.count_documents({}) == 0  # nothing was flushed
    spilled = list((tmp_path / "spill" / "exited").glob("*.jsonl"))
    assert len(spilled) == 1
    items = synthetic_site(10, 5, at(0))
    pipeline = make_pipeline(server.uri, "exited")
    pipeline.close()
    assert stat(pipeline, "replayed") == len(items) + 10  # links, pages and one lost mark per page
    db = get_client(server.uri)["exited"]
    assert db.edges.count_documents({}) == len({(i["source_key"], i["target_key"], i["anchor_text"], i["placement"])
                                                 for i in items if isinstance(i, LinkItem)})
    assert db.pages.count_documents({}) == 10
