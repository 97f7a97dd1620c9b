"""The Redis frontier core on a real redis-server: leases, acks, expiry, fairness, politeness, caps."""
from __future__ import annotations

import json

import pytest

from linkspider.frontier.queue import PUSH_CAPPED, PUSH_DUPLICATE, PUSH_NEW, PUSH_REQUEUED, Frontier


def urls_of(batch) -> list[str]:
    return [json.loads(body)["url"] for _, body in batch.items]


@pytest.mark.parametrize("mode", ["exact", "bloom"])
def test_push_dedupes_through_the_seen_set(make_frontier, item_for, mode):
    f = make_frontier(mode)
    items = [item_for(f"http://a.test/{i}") for i in range(5)]
    assert f.push_many(items) == [PUSH_NEW] * 5
    assert f.push_many(items[:2] + [item_for("http://a.test/new")]) == [PUSH_DUPLICATE, PUSH_DUPLICATE, PUSH_NEW]
    assert f.pending() == (6, 0, False)


def test_dont_filter_is_queued_again_but_counted_once(make_frontier, item_for):
    f = make_frontier()
    assert f.push_many([item_for("http://a.test/")]) == [PUSH_NEW]
    assert f.push_many([item_for("http://a.test/", dont_filter=True)]) == [PUSH_REQUEUED]
    assert f.status()["seen"] == 1
    assert f.pending()[0] == 2


def test_domain_cap_counts_new_urls_cluster_wide(make_frontier, item_for):
    f = make_frontier(domain_cap=3)
    other_worker = Frontier(f.server, f.crawl_id, domain_cap=3)
    codes = f.push_many([item_for(f"http://a.test/{i}") for i in range(2)])
    codes += other_worker.push_many([item_for(f"http://a.test/{i}") for i in range(2, 5)])
    assert codes == [PUSH_NEW, PUSH_NEW, PUSH_NEW, PUSH_CAPPED, PUSH_CAPPED]
    assert f.push_many([item_for("http://b.test/0"), item_for("http://a.test/0")]) == [PUSH_NEW, PUSH_DUPLICATE]


def test_lease_moves_to_in_flight_and_ack_removes(make_frontier, item_for):
    f = make_frontier()
    f.push_many([item_for("http://a.test/1"), item_for("http://a.test/2")])
    batch = f.lease(1, now_ms=1_000)
    assert urls_of(batch) == ["http://a.test/1"]
    assert f.pending() == (1, 1, False)
    lease_id = batch.items[0][0]
    assert f.ack([lease_id]) == 1
    assert f.ack([lease_id]) == 0, "ack is idempotent"
    assert f.pending() == (1, 0, False)
    assert f.server.zcard(f.keys.leases) == 0 and f.backlog("a.test") == 1


def test_priority_zero_requests_wait_in_a_list_and_keep_their_order_around_other_priorities(make_frontier, item_for):
    """Priority 0 (almost every request) costs a list entry, not a sorted-set member; order is kept:
    higher priorities first, then the list in FIFO order, then lower priorities."""
    f = make_frontier(max_concurrency=100)
    plain = [item_for(f"http://a.test/{i}") for i in range(3)]
    urgent = item_for("http://a.test/urgent", priority=5)
    later = item_for("http://a.test/later", priority=-5)
    f.push_many([plain[0], later, plain[1], urgent, plain[2]])
    assert f.server.llen(f.keys.fifo("a.test")) == 3 and f.server.zcard(f.keys.queue("a.test")) == 2
    assert f.backlog("a.test") == 5
    batch = f.lease(5, now_ms=1_000)
    assert urls_of(batch) == ["http://a.test/urgent", "http://a.test/0", "http://a.test/1", "http://a.test/2",
                              "http://a.test/later"]


def test_a_requeued_list_entry_goes_back_to_the_head_of_its_list(make_frontier, item_for):
    f = make_frontier(lease_seconds=5.0, max_concurrency=100)
    f.push_many([item_for(f"http://a.test/{i}") for i in range(3)])
    first = f.lease(1, now_ms=1_000)
    assert urls_of(first) == ["http://a.test/0"]
    assert f.reap(now_ms=10_000) == 1
    assert f.server.llen(f.keys.fifo("a.test")) == 3
    assert urls_of(f.lease(3, now_ms=11_000)) == ["http://a.test/0", "http://a.test/1", "http://a.test/2"]


def test_expired_lease_of_a_dead_worker_is_requeued(make_frontier, item_for, redis_client):
    dead = make_frontier(lease_seconds=5.0, worker_id="dead")
    alive = Frontier(redis_client, dead.crawl_id, worker_id="alive", lease_seconds=5.0)
    dead.push_many([item_for("http://a.test/1"), item_for("http://b.test/1")])
    held = dead.lease(2, now_ms=1_000)
    assert len(held.items) == 2
    assert alive.lease(5, now_ms=2_000).items == []
    assert alive.reap(now_ms=5_999) == 0, "not yet expired"
    assert alive.reap(now_ms=6_001) == 2
    again = alive.lease(5, now_ms=6_002)
    assert sorted(urls_of(again)) == ["http://a.test/1", "http://b.test/1"]
    assert dead.ack([lease_id for lease_id, _ in held.items]) == 0, "the dead worker's late ack is a no-op"
    assert alive.ack([lease_id for lease_id, _ in again.items]) == 2
    assert alive.pending() == (0, 0, False)


def test_heartbeat_renews_only_the_workers_own_leases(make_frontier, item_for, redis_client):
    a = make_frontier(lease_seconds=5.0, worker_id="a")
    b = Frontier(redis_client, a.crawl_id, worker_id="b", lease_seconds=5.0)
    a.push_many([item_for("http://a.test/1"), item_for("http://b.test/1")])
    (id_a, _), = a.lease(1, now_ms=1_000).items
    (id_b, _), = b.lease(1, now_ms=1_000).items
    assert a.heartbeat([id_a, id_b], now_ms=4_000) == 1
    assert a.reap(now_ms=7_000) == 1, "b's lease expired, a's was renewed to 9000"
    assert a.reap(now_ms=9_001) == 1


def test_release_worker_hands_back_everything_at_once(make_frontier, item_for, redis_client):
    f = make_frontier(worker_id="leaving")
    f.push_many([item_for(f"http://{d}.test/") for d in "abc"])
    assert len(f.lease(3).items) == 3
    assert f.release_worker() == 3
    assert f.pending() == (3, 0, False)
    assert f.server.zscore(f.keys.workers, "leaving") is None


def test_round_robin_one_big_domain_does_not_starve_small_ones(make_frontier, item_for):
    f = make_frontier(max_concurrency=1000)
    f.push_many([item_for(f"http://big.test/{i}") for i in range(200)])
    f.push_many([item_for(f"http://small{i}.test/") for i in range(5)])
    batch = f.lease(12, now_ms=1_000)
    hosts = [u.split("/")[2] for u in urls_of(batch)]
    assert set(hosts[:6]) == {"big.test", *(f"small{i}.test" for i in range(5))}, hosts
    assert hosts.count("big.test") == 7


def test_priority_then_fifo_within_a_domain(make_frontier, item_for):
    f = make_frontier(max_concurrency=10)
    f.push_many([item_for("http://a.test/1"), item_for("http://a.test/2"), item_for("http://a.test/hi", priority=5)])
    assert urls_of(f.lease(3, now_ms=1_000)) == ["http://a.test/hi", "http://a.test/1", "http://a.test/2"]


def test_concurrency_limit_per_domain_holds_across_workers(make_frontier, item_for, redis_client):
    a = make_frontier(max_concurrency=2, worker_id="a")
    b = Frontier(redis_client, a.crawl_id, worker_id="b", max_concurrency=2)
    a.push_many([item_for(f"http://a.test/{i}") for i in range(5)])
    first = a.lease(1, now_ms=1_000).items + b.lease(5, now_ms=1_000).items
    assert len(first) == 2
    assert b.lease(5, now_ms=1_001).wait_ms == -1, "no domain is eligible until a slot frees"
    a.ack([first[0][0]], now_ms=1_002)
    assert len(b.lease(5, now_ms=1_003).items) == 1


def test_min_delay_counts_from_hand_out_and_from_completion(make_frontier, item_for):
    f = make_frontier(max_concurrency=1, delay_seconds=0.2)
    f.push_many([item_for(f"http://a.test/{i}") for i in range(3)])
    (lid, _), = f.lease(1, now_ms=10_000).items
    f.ack([lid], now_ms=10_050)
    early = f.lease(1, now_ms=10_200)
    assert early.items == [] and early.wait_ms == 50, "delay runs from the ack at 10050"
    (lid, _), = f.lease(1, now_ms=10_250).items
    f.ack([lid], now_ms=10_260)
    assert f.lease(1, now_ms=10_459).items == []
    assert len(f.lease(1, now_ms=10_460).items) == 1


def test_robots_crawl_delay_is_shared_and_wins_over_a_smaller_setting(make_frontier, item_for):
    f = make_frontier(max_concurrency=5, delay_seconds=0.1)
    f.set_crawl_delay("a.test", 2.0)
    f.push_many([item_for(f"http://a.test/{i}") for i in range(3)] + [item_for("http://b.test/0")])
    batch = f.lease(5, now_ms=1_000)
    assert sorted(urls_of(batch)) == ["http://a.test/0", "http://b.test/0"]
    assert f.lease(5, now_ms=2_999).items == []
    assert urls_of(f.lease(5, now_ms=3_000)) == ["http://a.test/1"]


def test_pause_and_resume(make_frontier, item_for):
    f = make_frontier()
    f.push_many([item_for("http://a.test/")])
    f.pause()
    batch = f.lease(1)
    assert batch.paused and batch.items == []
    assert f.pending() == (1, 0, True)
    f.resume()
    assert len(f.lease(1).items) == 1


def test_purge_deletes_only_this_crawl(make_frontier, item_for, redis_client):
    f = make_frontier()
    other = Frontier(redis_client, "other-crawl")
    f.push_many([item_for("http://a.test/")])
    other.push_many([item_for("http://a.test/")])
    assert f.purge() > 0
    assert list(redis_client.scan_iter(match=f.keys.pattern)) == []
    assert other.pending()[0] == 1


def test_status_reports_backlog_and_workers(make_frontier, item_for):
    f = make_frontier(worker_id="w1")
    f.push_many([item_for("http://a.test/1"), item_for("http://a.test/2"), item_for("http://b.test/1")])
    f.heartbeat(info={"pid": 1})
    f.lease(1)
    st = f.status()
    assert st["queued"] == 2 and st["leased"] == 1 and st["seen"] == 3
    assert {row["domain"]: row["queued"] for row in st["backlog"]} == {"a.test": 1, "b.test": 1}
    assert [w["worker"] for w in st["workers"]] == ["w1"] and st["workers"][0]["leased"] == 1


def test_long_silent_workers_are_forgotten(make_frontier, redis_client):
    f = make_frontier(lease_seconds=5.0, worker_id="gone")
    f.heartbeat(info={"pid": 1}, now_ms=1_000)
    assert f.reap(now_ms=40_000) == 0
    assert [w["worker"] for w in f.status()["workers"]] == ["gone"], "stale but still shown"
    f.reap(now_ms=51_001)
    assert f.status()["workers"] == [] and not redis_client.exists(f.keys.worker_info("gone"))


def test_done_frees_the_slot_and_a_crash_before_the_ack_still_requeues(make_frontier, item_for):
    f = make_frontier(max_concurrency=1, lease_seconds=5.0)
    f.push_many([item_for("http://a.test/1"), item_for("http://a.test/2")])
    (first, _), = f.lease(1, now_ms=1_000).items
    assert f.lease(1, now_ms=1_001).items == []
    assert f.done([first], now_ms=1_002) == 1
    assert f.done([first], now_ms=1_002) == 0, "freeing twice frees once"
    assert len(f.lease(1, now_ms=1_003).items) == 1, "the freed slot goes to the next page"
    assert f.pending() == (0, 2, False)
    assert f.reap(now_ms=6_004) == 2, "the worker died before acking: both pages go back"
    assert f.server.hget(f.keys.active, "a.test") is None, "slots counted once each"
    assert f.server.scard(f.keys.key("freed")) == 0
    again = f.lease(5, now_ms=6_005)
    assert len(again.items) == 1, "concurrency 1 still holds after the requeue"
    assert f.ack([m for m, _ in again.items]) == 1 and f.done([first]) == 0
