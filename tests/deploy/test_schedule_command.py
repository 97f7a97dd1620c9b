"""`linkspider schedule` as typed by a person, cron or systemd, against real scrapyd nodes.

The nodes run the toy egg of scrapyd_harness under the project name ``linkspider``; its ``links``
spider records the arguments each job got, so we can see which crawl id every node received.
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from linkspider.cli import build_parser
from linkspider.scheduling import ScrapydClient
from tests.deploy.scrapyd_harness import REPO, ScrapydNode, toy_egg

AUTH = ("scheduler", "a-long-test-password")
SYSTEMD = REPO / "deploy" / "systemd" / "linkspider-daily.service"
CRON = REPO / "deploy" / "cron" / "linkspider"


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("jobs")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory, out_dir: Path) -> Iterator[list[ScrapydNode]]:
    started = []
    try:
        for i in range(2):
            node = ScrapydNode(tmp_path_factory.mktemp(f"node{i}"), env={"TOY_OUT_DIR": str(out_dir)}, auth=AUTH)
            started.append(node.start())
            ScrapydClient(node.url, auth=AUTH, timeout=60).add_version("linkspider", "1", toy_egg())
        yield started
    finally:
        for node in started:
            node.stop()


def linkspider(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("LINKSPIDER_SCRAPYD", "SCRAPY"))}
    full["PYTHONPATH"] = str(REPO)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "linkspider", *args], env=full, capture_output=True, text=True,
                          timeout=120)


def _env(nodes: list[ScrapydNode]) -> dict[str, str]:
    return {"LINKSPIDER_SCRAPYD_NODES": ",".join(n.url for n in nodes),
            "LINKSPIDER_SCRAPYD_AUTH": f"{AUTH[0]}:{AUTH[1]}"}


def _records(out_dir: Path, job_ids: list[str], timeout: float = 60) -> list[dict]:
    deadline = time.monotonic() + timeout
    paths = [out_dir / f"{job}.json" for job in job_ids]
    while time.monotonic() < deadline and not all(p.exists() and p.stat().st_size for p in paths):
        time.sleep(0.2)
    return [json.loads(p.read_text()) for p in paths]


def _job_ids(stdout: str) -> list[str]:
    return [line.split()[1] for line in stdout.splitlines() if line.startswith("http://")]


def test_start_schedules_every_node_with_one_crawl_id(nodes, out_dir: Path, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("# comment\nhttp://a.example/\n\nhttp://b.example/\n")
    result = linkspider("schedule", "start", "--crawl-id", "shared-1", "--seeds-file", str(seeds),
                        "--scope", "all", "--setting", "DEPTH_LIMIT=3", "--wait", "--wait-timeout", "60",
                        env=_env(nodes))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "crawl_id shared-1"
    job_ids = _job_ids(result.stdout)
    assert len(job_ids) == 2 and len(set(job_ids)) == 2
    records = _records(out_dir, job_ids)
    assert [r["crawl_id"] for r in records] == ["shared-1", "shared-1"]
    assert {r["seeds"] for r in records} == {"http://a.example/,http://b.example/"}
    assert {r["scope"] for r in records} == {"all"}
    assert AUTH[1] not in result.stderr + result.stdout

    listed = linkspider("schedule", "list", "--crawl-id", "shared-1", "--json", env=_env(nodes))
    jobs = [json.loads(line) for line in listed.stdout.splitlines()]
    assert sorted((j["node"], j["state"]) for j in jobs) == sorted((n.url, "finished") for n in nodes)

    table = linkspider("schedule", "list", env=_env(nodes))
    assert table.stdout.splitlines()[0].split() == ["NODE", "STATE", "CRAWL_ID", "JOB", "SPIDER", "START", "END"]
    assert sum("shared-1" in line for line in table.stdout.splitlines()) == 2


def test_cancel_stops_the_crawl_on_every_node(nodes) -> None:
    env = _env(nodes)
    started = linkspider("schedule", "start", "--crawl-id", "to-cancel", "--spider", "sleepy",
                         "--arg", "seconds=120", env=env)
    assert started.returncode == 0, started.stderr
    client = ScrapydClient(nodes[0].url, auth=AUTH)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and client.job_status(_job_ids(started.stdout)[0], "linkspider") != "running":
        time.sleep(0.2)
    cancelled = linkspider("schedule", "cancel", "--crawl-id", "to-cancel", "--signal", "KILL", env=env)
    assert cancelled.returncode == 0, cancelled.stderr
    assert len([line for line in cancelled.stdout.splitlines() if line.startswith("cancelled")]) == 2
    waited = linkspider("schedule", "wait", "--crawl-id", "to-cancel", "--wait-timeout", "30", env=env)
    assert waited.returncode == 0, waited.stderr
    again = linkspider("schedule", "cancel", "--crawl-id", "to-cancel", env=env)
    assert "no pending or running job" in again.stdout


def test_wrong_credentials_fail_cleanly(nodes) -> None:
    env = {**_env(nodes), "LINKSPIDER_SCRAPYD_AUTH": "scheduler:not-the-password"}
    result = linkspider("schedule", "list", env=env)
    assert result.returncode == 2
    assert "401" in result.stderr
    assert "not-the-password" not in result.stderr


def _documented_argv(command: str) -> list[str]:
    """The arguments after `linkspider` in a documented command line."""
    argv = shlex.split(command)
    return argv[next(i for i, a in enumerate(argv) if a.endswith("/linkspider")) + 1:]


def _systemd_command() -> list[str]:
    line = next(line for line in SYSTEMD.read_text().splitlines() if line.startswith("ExecStart="))
    return _documented_argv(line.removeprefix("ExecStart="))


def _cron_command() -> list[str]:
    line = next(line for line in CRON.read_text().splitlines() if line and line[0].isdigit())
    fields = line.split(None, 6)  # m h dom mon dow user command
    assert "%" not in fields[6], "cron turns % into a newline"
    command = fields[6].split(" >>")[0].split("&& ")[-1]
    return _documented_argv(command)


@pytest.mark.parametrize("documented", [_systemd_command, _cron_command], ids=["systemd", "cron"])
def test_documented_recurring_command_gives_each_day_its_own_crawl_id(
    documented, nodes, out_dir: Path, tmp_path: Path
) -> None:
    argv = documented()
    args = build_parser().parse_args(argv)
    assert (args.command, args.action, args.crawl_id_template) == ("schedule", "start", "daily-{date}")

    seeds = tmp_path / "seeds.txt"
    seeds.write_text("http://seed.example/\n")
    argv = [str(seeds) if a == "/etc/linkspider/seeds.txt" else a for a in argv]
    before = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    result = linkspider(*argv, env=_env(nodes))
    assert result.returncode == 0, result.stderr
    records = _records(out_dir, _job_ids(result.stdout))
    after = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    crawl_ids = {r["crawl_id"] for r in records}
    assert len(records) == 2 and len(crawl_ids) == 1
    assert crawl_ids <= {f"daily-{before}", f"daily-{after}"}
