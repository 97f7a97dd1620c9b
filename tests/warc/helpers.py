"""Run the ``warc`` spider as a real subprocess, and compare stored edges field for field."""
from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from linkspider.demo.crawl import crawl_command, crawl_env

# Fields that say when and by which job an edge or page was written, not what it is.
JOB_FIELDS = ("crawl_id", "source", "source_file")
TIME_FIELDS = ("first_seen", "last_seen", "fetched_at", "first_fetched")

SETTINGS = {"LINKSPIDER_IDLE_CLOSE_SECONDS": "1", "LINKSPIDER_FRONTIER_ACK_DELAY": "0.5",
            "LINKSPIDER_FRONTIER_LEASE_SECONDS": "10", "LINKSPIDER_FRONTIER_HEARTBEAT_SECONDS": "1"}


def ingest_command(crawl_id: str, args: Mapping[str, str], settings: Mapping[str, Any] | None = None) -> list[str]:
    cmd = crawl_command(None, crawl_id, settings={**SETTINGS, **(settings or {})}, spider="warc")
    for key, value in args.items():
        cmd += ["-a", f"{key}={value}"]
    return cmd


def start_ingest(crawl_id: str, args: Mapping[str, str], *, redis_url: str, mongo_uri: str, database: str,
                 log_path: Path, settings: Mapping[str, Any] | None = None) -> subprocess.Popen[bytes]:
    out = open(log_path, "ab")  # noqa: SIM115 - the child holds it
    try:
        return subprocess.Popen(ingest_command(crawl_id, args, settings), env=crawl_env(redis_url, mongo_uri, database),
                                cwd=log_path.parent, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    finally:
        out.close()


def run_ingest(crawl_id: str, args: Mapping[str, str], *, redis_url: str, mongo_uri: str, database: str,
               log_path: Path, settings: Mapping[str, Any] | None = None, timeout: float = 300) -> str:
    proc = start_ingest(crawl_id, args, redis_url=redis_url, mongo_uri=mongo_uri, database=database,
                        log_path=log_path, settings=settings)
    try:
        status = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
    log = log_path.read_text()
    assert status == 0, f"ingest exited {status}:\n{log[-4000:]}"
    assert "Traceback" not in log, log[log.index("Traceback") - 2000:][:6000]  # bad input is counted, never raised
    return log


def by_id(collection, drop: Sequence[str] = ()) -> dict[str, dict]:
    """Every document of a collection by _id, without the given fields."""
    return {doc["_id"]: {k: v for k, v in doc.items() if k not in drop} for doc in collection.find()}
