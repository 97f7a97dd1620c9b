"""Seen-sets on a real redis-server: sizing, exactness, Bloom false-positive rate, compactness."""
from __future__ import annotations

import math

import pytest

from linkspider.errors import ConfigurationError
from linkspider.frontier.keys import FrontierKeys
from linkspider.frontier.seen import SeenConfig, SeenSet, bloom_size, exact_buckets


@pytest.mark.parametrize(
    ("expected", "error_rate", "bits_per_item", "hashes"),
    [
        pytest.param(1_000_000, 0.01, 9.585, 7, id="1pct"),
        pytest.param(1_000_000, 0.001, 14.378, 10, id="0.1pct"),
        pytest.param(1_000, 0.05, 6.235, 4, id="5pct"),
    ],
)
def test_bloom_size_is_the_textbook_optimum(expected, error_rate, bits_per_item, hashes):
    bits, k = bloom_size(expected, error_rate)
    assert bits / expected == pytest.approx(bits_per_item, rel=1e-3)
    assert k == hashes


@pytest.mark.parametrize(("expected", "buckets"), [(1, 1), (256, 1), (257, 2), (200_000, 1024), (10**9, 1 << 22)])
def test_exact_bucket_count_keeps_buckets_small(expected, buckets):
    assert exact_buckets(expected) == buckets


@pytest.mark.parametrize(
    ("mode", "expected", "error_rate"),
    [("sometimes", 10, 0.01), ("bloom", 0, 0.01), ("bloom", 10, 1.5), ("bloom", 10, 0.0)],
    ids=["bad-mode", "zero-expected", "rate-above-1", "rate-zero"],
)
def test_bad_sizing_fails_naming_the_setting(mode, expected, error_rate):
    with pytest.raises(ConfigurationError, match="LINKSPIDER_SEEN_"):
        SeenConfig.sized(mode, expected, error_rate)


def test_exact_set_has_no_false_positives_and_is_compact(redis_client):
    n = 20_000
    cfg = SeenConfig.sized("exact", n, 0.01)
    seen = SeenSet(redis_client, FrontierKeys("t-exact"), cfg)
    assert seen.add_many(["http://warm-up.test/"]) == [True]  # loads the script before measuring
    before = redis_client.info("memory")["used_memory"]
    urls = [f"http://site{i % 50}.test/page/{i}" for i in range(n)]
    for start in range(0, n, 1000):
        assert all(seen.add_many(urls[start:start + 1000]))
    assert not any(seen.add_many(urls[:1000])), "second add reports seen"
    probes = [f"http://other.test/{i}" for i in range(5000)]
    assert not any(seen.contains_many(probes))
    per_url = (redis_client.info("memory")["used_memory"] - before) / n
    assert per_url < 12, f"{per_url:.1f} bytes per URL (scrapy-redis: ~80)"
    assert redis_client.object("encoding", FrontierKeys("t-exact").seen_bucket(0)) == b"intset"
    assert seen.count() == n + 1


def test_bloom_false_positive_rate_is_near_target(redis_client):
    n, target = 20_000, 0.01
    cfg = SeenConfig.sized("bloom", n, target)
    seen = SeenSet(redis_client, FrontierKeys("t-bloom"), cfg)
    seen.prepare()
    urls = [f"http://site{i % 50}.test/page/{i}" for i in range(n)]
    for start in range(0, n, 1000):
        seen.add_many(urls[start:start + 1000])
    assert all(seen.contains_many(urls[:2000])), "a Bloom filter never forgets"
    probes = [f"http://other.test/{i}" for i in range(20_000)]
    fp = sum(seen.contains_many(probes)) / len(probes)
    # binomial sd at 20k probes is 0.07 %; allow the filter's variance too
    assert 0.5 * target < fp < 1.6 * target, fp
    stored = sum(redis_client.strlen(k) for k in redis_client.scan_iter(match="linkspider:t-bloom:bloom:*"))
    assert stored == math.ceil(cfg.bits / 8)
    usage = sum(redis_client.memory_usage(k, samples=0) for k in redis_client.scan_iter(match="linkspider:t-bloom:bloom:*"))
    assert usage / n < 1.5, f"{usage / n:.2f} bytes per URL at 1 % (allocated exactly, not doubled)"
