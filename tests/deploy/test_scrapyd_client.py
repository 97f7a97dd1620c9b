"""ScrapydClient and the cluster helpers against real scrapyd processes on loopback.

A hand-packed toy egg (``echo`` and ``sleepy`` spiders) keeps these tests independent of the
links spider and fast; the crawl itself is covered by test_integration.py.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from linkspider.errors import ScrapydError
from linkspider.scheduling import (
    ScrapydClient,
    cancel_crawl,
    list_crawl_jobs,
    schedule_crawl,
    wait_for_crawl,
)
from tests.deploy.scrapyd_harness import ScrapydNode, free_port, toy_egg

PROJECT = "toy"


def _wait_state(client: ScrapydClient, job_id: str, state: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.job_status(job_id, PROJECT) == state:
            return
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never reached {state}: {client.list_jobs(PROJECT)}")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScrapydNode]:
    node = ScrapydNode(tmp_path_factory.mktemp("scrapyd"), env={"REDIS_URL": "redis://127.0.0.1:1/0"}, max_proc=1)
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="module")
def client(node: ScrapydNode) -> ScrapydClient:
    client = ScrapydClient(node.url, timeout=60)
    answer = client.add_version(PROJECT, "1", toy_egg())
    assert answer["spiders"] == 3
    return client


def test_daemon_status_and_projects(client: ScrapydClient) -> None:
    status = client.daemon_status()
    assert {"pending", "running", "finished"} <= status.keys()
    assert PROJECT in client.list_projects()
    assert sorted(client.list_spiders(PROJECT)) == ["echo", "links", "sleepy"]


def test_schedule_passes_args_settings_and_job_id(client: ScrapydClient, tmp_path: Path) -> None:
    out = tmp_path / "echo.json"
    job_id = client.schedule(
        PROJECT, "echo", args={"out": str(out), "crawl_id": "c-1", "seeds": "http://a/,http://b/"},
        settings={"TOY_FLAG": "on"}, job_id="c-1--n0-abc",
    )
    assert job_id == "c-1--n0-abc"
    _wait_state(client, job_id, "finished")
    record = json.loads(out.read_text())
    assert record["crawl_id"] == "c-1"
    assert record["seeds"] == "http://a/,http://b/"
    assert record["_job"] == "c-1--n0-abc"  # how scrapyd tells the spider its job id
    assert record["setting_TOY_FLAG"] == "on"
    assert record["env_REDIS_URL"] == "redis://127.0.0.1:1/0"  # the node's environment reaches the job


def test_scrapyd_errors_become_scrapyd_error(client: ScrapydClient) -> None:
    with pytest.raises(ScrapydError, match="spider 'nope' not found"):
        client.schedule(PROJECT, "nope")
    with pytest.raises(ScrapydError, match="project 'missing' not found"):
        client.list_jobs("missing")
    with pytest.raises(ScrapydError, match="clashes"):
        client.schedule(PROJECT, "echo", args={"jobid": "x"})
    with pytest.raises(ScrapydError, match="not a ZIP"):
        client.add_version(PROJECT, "2", b"not an egg")


def test_unreachable_node() -> None:
    client = ScrapydClient(f"http://127.0.0.1:{free_port()}/", timeout=2)
    with pytest.raises(ScrapydError, match="unreachable"):
        client.daemon_status()


def test_cluster_helpers_list_wait_and_cancel(client: ScrapydClient) -> None:
    # max_proc=1: the first job runs, the second waits in the queue.
    jobs = schedule_crawl([client], "crawl-a", project=PROJECT, spider="sleepy", args={"seconds": "60"})
    more = schedule_crawl([client], "crawl-b", project=PROJECT, spider="sleepy", args={"seconds": "60"})
    _wait_state(client, jobs[0].job_id, "running")
    listed = {(j.crawl_id, j.state) for j in list_crawl_jobs([client], project=PROJECT)}
    assert ("crawl-a", "running") in listed
    assert ("crawl-b", "pending") in listed
    only_b = list_crawl_jobs([client], project=PROJECT, crawl_id="crawl-b")
    assert [j.job_id for j in only_b] == [more[0].job_id]

    cancelled = cancel_crawl([client], "crawl-b", project=PROJECT)
    assert [(j.job_id, j.state) for j in cancelled] == [(more[0].job_id, "pending")]
    assert list_crawl_jobs([client], project=PROJECT, crawl_id="crawl-b") == []

    with pytest.raises(ScrapydError, match="did not finish"):
        wait_for_crawl([client], "crawl-a", project=PROJECT, timeout=0.5, poll=0.1)
    cancelled = cancel_crawl([client], "crawl-a", project=PROJECT, signal="KILL")
    assert [(j.job_id, j.state) for j in cancelled] == [(jobs[0].job_id, "running")]
    done = wait_for_crawl([client], "crawl-a", project=PROJECT, timeout=30, poll=0.1)
    assert [(j.job_id, j.state) for j in done] == [(jobs[0].job_id, "finished")]


def test_schedule_is_all_or_nothing(client: ScrapydClient) -> None:
    dead = ScrapydClient(f"http://127.0.0.1:{free_port()}/", timeout=2)
    # Node 1 is the live one and gets the (pending/running) job; node 2 fails, so node 1's job is withdrawn.
    with pytest.raises(ScrapydError, match="unreachable"):
        schedule_crawl([client, dead], "crawl-c", project=PROJECT, spider="sleepy", args={"seconds": "60"})
    time.sleep(0.5)
    remaining = [j for j in list_crawl_jobs([client], project=PROJECT, crawl_id="crawl-c") if j.state != "finished"]
    assert remaining == []


@pytest.fixture(scope="module")
def auth_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScrapydNode]:
    node = ScrapydNode(tmp_path_factory.mktemp("scrapyd-auth"), auth=("ops", "correct-horse-battery"), max_proc=1)
    node.start()
    yield node
    node.stop()


def test_basic_auth(auth_node: ScrapydNode) -> None:
    good = ScrapydClient(auth_node.url, auth=("ops", "correct-horse-battery"))
    assert "pending" in good.daemon_status()
    bad = ScrapydClient(auth_node.url, auth=("ops", "wrong-password-here"))
    with pytest.raises(ScrapydError, match="401") as info:
        bad.daemon_status()
    assert "wrong-password-here" not in str(info.value)
    with pytest.raises(ScrapydError, match="401"):
        ScrapydClient(auth_node.url).daemon_status()
    assert "correct-horse" not in repr(good)
