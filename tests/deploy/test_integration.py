"""End to end through scrapyd: deploy the egg, schedule `links`, find edges, pages and the run report.

Real scrapyd processes on loopback, real redis-server and mongod (session fixtures), the fixture
web served in this process. These are the "Done when" checks of issue 6.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from linkspider.demo.fixture_web import FixtureWebServer, build_web
from linkspider.scheduling import ScrapydClient, wait_for_crawl
from tests.deploy.conftest import scrapyd_deploy
from tests.deploy.scrapyd_harness import REPO

pytestmark = pytest.mark.slow

#: What every test crawl needs: the fixture web is on 127.0.0.x, and an empty frontier should end it soon.
CRAWL_SETTINGS = {
    "LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True",
    "LINKSPIDER_IDLE_CLOSE_SECONDS": "2",
    "LOG_LEVEL": "INFO",
}


@pytest.fixture
def fixture_web(tmp_path: Path) -> Iterator[FixtureWebServer]:
    server = FixtureWebServer(build_web(sites=3, pages_per_site=12), log_file=tmp_path / "requests.jsonl")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def slow_fixture_web(tmp_path: Path) -> Iterator[FixtureWebServer]:
    """Every answer takes 0.3 s: one worker fetching one page at a time cannot keep up alone."""
    web = build_web(sites=3, pages_per_site=12)
    server = FixtureWebServer(web, faults=dict.fromkeys(range(3), "slow:0.3"),
                              log_file=tmp_path / "requests.jsonl")
    server.start()
    yield server
    server.stop()


def _node_env(redis_url: str, mongo_uri: str, database: str) -> dict[str, str]:
    return {"REDIS_URL": redis_url, "MONGO_URI": mongo_uri, "MONGO_DATABASE": database}


def _page_fetches(server: FixtureWebServer) -> Counter[tuple[int, str]]:
    """(site, path) -> times fetched, for pages (robots.txt, images and soft-404 probes left out)."""
    return Counter(
        (r.site, r.path) for r in server.requests() if r.method == "GET" and r.path != "/robots.txt"
        and not r.path.startswith("/img/") and "/linkspider-probe-" not in r.path
    )


def test_deploy_schedule_and_report_through_scrapyd(
    scrapyd_nodes, project_copy: Path, fixture_web: FixtureWebServer, redis_url: str, mongo_uri: str, mongo_db,
    crawl_id: str,
) -> None:
    auth = ("deployer", "s3cret-for-the-test-only")
    node = scrapyd_nodes(env=_node_env(redis_url, mongo_uri, mongo_db.name), auth=auth)

    # Deploy with the real scrapyd-deploy, through the [deploy:remote] target of scrapy.cfg.
    deployed = scrapyd_deploy(
        project_copy, "remote", "--version", "r1",
        env={"LINKSPIDER_DEPLOY_URL": node.url, "SCRAPYD_USERNAME": auth[0], "SCRAPYD_PASSWORD": auth[1]},
    )
    assert deployed.returncode == 0, deployed.stderr + deployed.stdout
    assert json.loads(deployed.stdout)["status"] == "ok"
    client = ScrapydClient(node.url, auth=auth, timeout=60)
    assert "links" in client.list_spiders("linkspider")

    # Schedule through scrapyd's HTTP API (schedule.json), then wait for the job to finish.
    seeds = ",".join(fixture_web.web.home_urls())
    job_id = client.schedule(
        "linkspider", "links", args={"seeds": seeds, "crawl_id": crawl_id}, settings=CRAWL_SETTINGS,
        job_id=f"{crawl_id}--n0-0",
    )
    jobs = wait_for_crawl([client], crawl_id, project="linkspider", timeout=240, poll=0.5, expected_jobs=1)
    log = node.job_log("linkspider", "links", job_id)
    assert "Traceback" not in log, log[-4000:]

    fetched = _page_fetches(fixture_web)
    assert len(fetched) >= len(fixture_web.web.home_urls()), log[-4000:]
    edges = mongo_db.edges
    assert edges.count_documents({}) > 0, log[-4000:]
    assert set(edges.distinct("crawl_id")) == {crawl_id}
    # Every fetched page of the fixture web is a source of edges (links the model knows it has).
    sources = {(d["source_host"], d["source_url"].split("/", 3)[3]) for d in edges.find({}, {"source_url": 1,
                                                                                           "source_host": 1})}
    home_hosts = {url.split("/")[2].split(":")[0] for url in fixture_web.web.home_urls()}
    assert {host for host, _ in sources} == home_hosts

    reports = list(mongo_db.crawls.find({"crawl_id": crawl_id}))
    assert len(reports) == 1, reports
    report = reports[0]
    assert report["job_id"] == job_id == jobs[0].job_id
    assert report["project"] == "linkspider"
    assert (report["state"], report["finish_reason"]) == ("finished", "finished")
    assert report["pages"] == mongo_db.pages.count_documents({"crawl_id": crawl_id}) > 0
    assert report["edges"] >= edges.count_documents({"crawl_id": crawl_id})
    assert report["end"] - report["start"] < timedelta(seconds=240)


def _cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SCRAPY", "LINKSPIDER_SCRAPYD"))}
    full_env["PYTHONPATH"] = str(REPO)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "linkspider", *args], env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def test_two_nodes_share_one_crawl(
    scrapyd_nodes, built_egg: Path, slow_fixture_web: FixtureWebServer, redis_url: str, mongo_uri: str, mongo_db,
    crawl_id: str,
) -> None:
    env = _node_env(redis_url, mongo_uri, mongo_db.name)
    nodes = [scrapyd_nodes(env=env), scrapyd_nodes(env=env)]
    node_list = ",".join(node.url for node in nodes)

    uploaded = _cli("schedule", "deploy", "--nodes", node_list, "--egg", str(built_egg), "--version", "r1")
    assert uploaded.returncode == 0, uploaded.stderr

    # One request at a time per worker on a slow web: a worker that starts first cannot take
    # everything, so both get a share of the frontier.
    settings = {**CRAWL_SETTINGS, "CONCURRENT_REQUESTS": "1"}
    setting_args = [a for k, v in settings.items() for a in ("--setting", f"{k}={v}")]
    seeds = ",".join(slow_fixture_web.web.home_urls())
    started = _cli("schedule", "start", "--nodes", node_list, "--crawl-id", crawl_id, "--seeds", seeds,
                   *setting_args, "--wait", "--wait-timeout", "240")
    logs = "\n".join(node.output()[-2000:] for node in nodes)
    assert started.returncode == 0, started.stderr + logs
    assert f"crawl_id {crawl_id}" in started.stdout

    listed = _cli("schedule", "list", "--nodes", node_list, "--crawl-id", crawl_id, "--json")
    assert listed.returncode == 0, listed.stderr
    jobs = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sorted(j["node"] for j in jobs) == sorted(node.url for node in nodes)
    assert {j["state"] for j in jobs} == {"finished"}

    fetched = _page_fetches(slow_fixture_web)
    assert fetched, "nothing was fetched"
    duplicates = sum(count - 1 for count in fetched.values())
    # Each page once, give or take a re-lease or two.
    assert duplicates <= max(1, len(fetched) // 20), {k: v for k, v in fetched.items() if v > 1}

    reports = sorted(mongo_db.crawls.find({"crawl_id": crawl_id}), key=lambda d: d["job_id"])
    assert [r["job_id"] for r in reports] == sorted(j["job_id"] for j in jobs)
    assert all(r["state"] == "finished" and r["finish_reason"] == "finished" for r in reports), reports
    job_logs = "\n".join(
        node.job_log("linkspider", "links", j["job_id"])[-3000:] for node in nodes for j in jobs if j["node"] == node.url
    )
    assert all(r["pages"] > 0 for r in reports), ([r["pages"] for r in reports], job_logs)  # both did a share
    assert sum(r["pages"] for r in reports) == sum(fetched.values())
    ends = [r["end"] for r in reports]
    print(f"two nodes: pages per job {[r['pages'] for r in reports]}, distinct pages {len(fetched)}, "
          f"duplicate fetches {duplicates}, end spread {(max(ends) - min(ends)).total_seconds():.1f}s")
    assert max(ends) - min(ends) < timedelta(seconds=30)  # they finish together
    assert mongo_db.pages.count_documents({"crawl_id": crawl_id}) == len(fetched)


def test_cancelled_crawl_is_reported_as_shut_down(
    scrapyd_nodes, built_egg: Path, slow_fixture_web: FixtureWebServer, redis_url: str, mongo_uri: str, mongo_db,
    crawl_id: str,
) -> None:
    node = scrapyd_nodes(env=_node_env(redis_url, mongo_uri, mongo_db.name))
    uploaded = _cli("schedule", "deploy", "--nodes", node.url, "--egg", str(built_egg), "--version", "r1")
    assert uploaded.returncode == 0, uploaded.stderr
    settings = [a for k, v in {**CRAWL_SETTINGS, "CONCURRENT_REQUESTS": "1"}.items() for a in ("--setting", f"{k}={v}")]
    started = _cli("schedule", "start", "--nodes", node.url, "--crawl-id", crawl_id,
                   "--seeds", ",".join(slow_fixture_web.web.home_urls()), *settings)
    assert started.returncode == 0, started.stderr

    # The open-time report appears while the job runs; cancel once a few pages are in.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_page_fetches(slow_fixture_web)) < 5:
        time.sleep(0.2)
    running = mongo_db.crawls.find_one({"crawl_id": crawl_id})
    assert running is not None and running["state"] == "running" and running["end"] is None

    cancelled = _cli("schedule", "cancel", "--nodes", node.url, "--crawl-id", crawl_id)
    assert cancelled.returncode == 0, cancelled.stderr
    assert "cancelled running" in cancelled.stdout
    waited = _cli("schedule", "wait", "--nodes", node.url, "--crawl-id", crawl_id, "--wait-timeout", "60")
    assert waited.returncode == 0, waited.stderr

    report = mongo_db.crawls.find_one({"crawl_id": crawl_id})
    assert (report["state"], report["finish_reason"]) == ("finished", "shutdown")
    assert 0 < report["pages"] < slow_fixture_web.web.page_count
    assert report["_id"] == running["_id"]  # the close replaced the open-time document
