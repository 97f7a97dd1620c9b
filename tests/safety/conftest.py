"""Loopback HTTP servers that record every hit, and a runner for probe crawls in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PROBE = Path(__file__).with_name("probe_crawl.py")
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Hits:
    port: int
    seen: list[tuple[str, str]] = field(default_factory=list)  # (server address, path)

    def paths(self, address: str | None = None) -> list[str]:
        return [p for a, p in self.seen if address is None or a == address]


def _handler(hits: Hits) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.seen.append((self.server.server_address[0], self.path))
            if self.path.startswith("/redirect-to/"):
                target = self.path[len("/redirect-to/"):]
                self.send_response(302)
                self.send_header("Location", f"http://{target}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"<html><body>ok</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def loopback_web() -> Iterator[Hits]:
    """The same recording server on 127.0.0.1 and 127.0.0.3, one port."""
    first = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = first.server_address[1]
    hits = Hits(port)
    first.RequestHandlerClass = _handler(hits)
    servers = [first, ThreadingHTTPServer(("127.0.0.3", port), _handler(hits))]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for t in threads:
        t.start()
    yield hits
    for s in servers:
        s.shutdown()
        s.server_close()


@dataclass
class ProbeResult:
    stats: dict[str, Any]
    fetched: list[str]
    log: str


def run_probe(urls: list[str], settings: dict[str, Any], timeout: float = 60) -> ProbeResult:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, str(PROBE), json.dumps({"urls": urls, "settings": settings})],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=str(PROBE.parent),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return ProbeResult(result["stats"], result["fetched"], proc.stderr + proc.stdout)


@pytest.fixture
def probe() -> Callable[..., ProbeResult]:
    return run_probe
