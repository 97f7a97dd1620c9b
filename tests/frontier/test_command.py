"""``linkspider frontier`` against a real redis-server."""
from __future__ import annotations

import json

from linkspider.cli import main
from linkspider.frontier import Frontier


def run(capsys, redis_url, *argv: str) -> tuple[int, str]:
    status = main(["frontier", *argv, "--redis-url", redis_url])
    return status, capsys.readouterr().out


def test_seed_status_pause_resume_purge(capsys, redis_url, redis_client, crawl_id):
    status, out = run(capsys, redis_url, "seed", "--crawl-id", crawl_id, "http://a.test/", "HTTP://B.test/x#frag")
    assert status == 0 and "queued 2 of 2" in out
    status, out = run(capsys, redis_url, "seed", "--crawl-id", crawl_id, "http://a.test/")
    assert "queued 0 of 1 seeds (1 already seen" in out
    assert redis_client.smembers(f"linkspider:{crawl_id}:scope") == {b"a.test", b"b.test"}

    status, out = run(capsys, redis_url, "status", "--crawl-id", crawl_id, "--json")
    st = json.loads(out)
    assert (st["queued"], st["leased"], st["seen"]) == (2, 0, 2)
    assert {row["domain"] for row in st["backlog"]} == {"a.test", "b.test"}

    assert run(capsys, redis_url, "pause", "--crawl-id", crawl_id)[0] == 0
    assert Frontier(redis_client, crawl_id).lease(1).paused
    assert run(capsys, redis_url, "resume", "--crawl-id", crawl_id)[0] == 0
    leased = Frontier(redis_client, crawl_id).lease(1).items
    assert json.loads(leased[0][1])["url"] in ("http://a.test/", "http://b.test/x")

    status, out = run(capsys, redis_url, "status", "--crawl-id", crawl_id)
    assert "queued 1   leased 1   seen 2" in out

    assert run(capsys, redis_url, "purge", "--crawl-id", crawl_id)[0] == 1, "purge needs --yes"
    assert redis_client.exists(f"linkspider:{crawl_id}:leases")
    status, out = run(capsys, redis_url, "purge", "--crawl-id", crawl_id, "--yes")
    assert status == 0 and list(redis_client.scan_iter(match=f"linkspider:{crawl_id}:*")) == []


def test_bad_seed_is_an_error(capsys, redis_url, crawl_id):
    assert main(["frontier", "seed", "--crawl-id", crawl_id, "mailto:x@y.z", "--redis-url", redis_url]) == 2
