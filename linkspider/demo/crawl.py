"""Run ``scrapy crawl links`` as a real subprocess, the way a worker runs it.

Tests, the demo and the benchmarks all start crawls through here, so they exercise the same
command line a user types.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: The folder that holds the ``linkspider`` package (a source checkout or site-packages): put on the
#: child's path so that ``scrapy crawl`` finds the same linkspider that started it.
PACKAGE_PARENT = Path(__file__).resolve().parents[2]


def crawl_command(seeds: Sequence[str] | None, crawl_id: str, *, scope: str | None = None,
                  settings: Mapping[str, Any] | None = None, spider: str = "links") -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-a", f"crawl_id={crawl_id}"]
    if seeds:
        cmd += ["-a", "seeds=" + ",".join(seeds)]
    if scope:
        cmd += ["-a", f"scope={scope}"]
    for key, value in (settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def crawl_env(redis_url: str, mongo_uri: str, database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(REDIS_URL=redis_url, MONGO_URI=mongo_uri, MONGO_DATABASE=database,
               SCRAPY_SETTINGS_MODULE="linkspider.settings")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_PARENT), env.get("PYTHONPATH")]))
    return env


def start_crawl(seeds: Sequence[str] | None, crawl_id: str, *, redis_url: str, mongo_uri: str, database: str,
                settings: Mapping[str, Any] | None = None, scope: str | None = None, log_path: Path | None = None,
                spider: str = "links", cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a worker in ``cwd`` (default: the current folder); its log goes to ``log_path`` (or is discarded)."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed by the child
    try:
        return subprocess.Popen(
            crawl_command(seeds, crawl_id, scope=scope, settings=settings, spider=spider),
            env=crawl_env(redis_url, mongo_uri, database), cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )
    finally:
        if log_path:
            out.close()  # type: ignore[union-attr]


def run_crawl(seeds: Sequence[str] | None, crawl_id: str, *, redis_url: str, mongo_uri: str, database: str,
              settings: Mapping[str, Any] | None = None, scope: str | None = None, log_path: Path | None = None,
              timeout: float = 600, spider: str = "links", cwd: Path | None = None) -> int:
    """Run one worker to completion and return its exit status."""
    proc = start_crawl(seeds, crawl_id, redis_url=redis_url, mongo_uri=mongo_uri, database=database,
                       settings=settings, scope=scope, log_path=log_path, spider=spider, cwd=cwd)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise
