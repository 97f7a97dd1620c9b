"""How fast the fixture web serves: it must never be the bottleneck of a crawl benchmark.

``python -m linkspider.demo.fixture_bench [--sites 20 --pages-per-site 100 --clients 8 --seconds 5]``
starts the server as its own process (as benchmarks do), fetches every page round-robin from keep-alive
client threads in this process, and prints requests/s and MB/s.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit


def _client(urls: Sequence[str], start: int, step: int, deadline: float, out: list[tuple[int, int]]) -> None:
    connections: dict[str, http.client.HTTPConnection] = {}
    count = size = 0
    i = start
    try:
        while time.monotonic() < deadline:
            parts = urlsplit(urls[i % len(urls)])
            conn = connections.get(parts.netloc)
            if conn is None:
                conn = connections[parts.netloc] = http.client.HTTPConnection(parts.netloc, timeout=10)
            conn.request("GET", parts.path)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{urls[i % len(urls)]}: status {response.status}")
            count += 1
            size += len(body)
            i += step
    finally:
        for conn in connections.values():
            conn.close()
    out.append((count, size))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell server cost from client cost."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(urls: Sequence[str], clients: int, seconds: float) -> tuple[float, float]:
    """(requests/s, MB/s) over ``seconds`` with ``clients`` keep-alive client threads."""
    results: list[tuple[int, int]] = []
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=_client, args=(urls, k, clients, deadline, results)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if len(results) != clients:
        raise RuntimeError("a client thread failed")
    requests = sum(c for c, _ in results)
    size = sum(s for _, s in results)
    return requests / elapsed, size / elapsed / 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--pages-per-site", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--prerender", action="store_true", help="pass --prerender to the server")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp, "ready.json")
        urls_file = Path(tmp, "urls.txt")
        cmd = [sys.executable, "-m", "linkspider.demo.fixture_web", "--sites", str(args.sites),
               "--pages-per-site", str(args.pages_per_site), "--ready-file", str(ready),
               "--urls-file", str(urls_file)] + (["--prerender"] if args.prerender else [])
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=dict(os.environ))
        try:
            deadline = time.monotonic() + 60
            while not ready.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fixture web did not start (exit code {proc.poll()})")
                time.sleep(0.05)
            info = json.loads(ready.read_text())
            urls = urls_file.read_text().split()
            cpu_before = _cpu_seconds(proc.pid)
            rps, mbps = measure(urls, args.clients, args.seconds)
            server_cpu = _cpu_seconds(proc.pid) - cpu_before
            per_request_ms = server_cpu / (rps * args.seconds) * 1000
            sys.stdout.write(f"fixture web {len(info['sites'])} sites, {len(urls)} pages: {rps:.0f} requests/s, "
                             f"{mbps:.1f} MB/s with {args.clients} keep-alive clients over {args.seconds:g} s; "
                             f"server CPU {per_request_ms:.2f} ms/request (one core: "
                             f"{1000 / per_request_ms:.0f} requests/s)\n")
        finally:
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
