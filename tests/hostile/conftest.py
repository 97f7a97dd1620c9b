"""A trap web for hostile crawls: infinite calendars, session ids, redirect loops, huge and binary bodies.

Served on 127.0.0.9 (the crawl's site) and 127.0.0.1 (an "internal" address the SSRF tests must
never reach), same port, every hit recorded. Crawls run through ``scrapy crawl links`` on the
session's real Redis and MongoDB (tests/conftest.py).
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

SITE = "127.0.0.9"
INTERNAL = "127.0.0.1"
BIG = 50 * 1024 * 1024

GUIDE_TEXT = ("How to read a backlink profile: count referring domains first, then look at where on "
              "their pages the links sit and which words they use.")
INJECTION_ANCHORS = ['{"$gt": ""}', "$where", "$ne", "a.b.c", "$set", "this.constructor", "'; db.dropDatabase(); '"]


@dataclass
class TrapWeb:
    port: int
    hits: list[tuple[str, str]] = field(default_factory=list)  # (server address, path with query)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str, host: str = SITE) -> str:
        return f"http://{host}:{self.port}{path}"

    def paths(self, address: str | None = None, prefix: str = "") -> list[str]:
        with self.lock:
            return [p for a, p in self.hits if (address is None or a == address) and p.startswith(prefix)]


def _page(links: list[tuple[str, str]], extra: str = "") -> bytes:
    anchors = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return f"<!DOCTYPE html><html><head><title>t</title></head><body>{extra}<ul>{anchors}</ul></body></html>".encode()


def _handler(web: TrapWeb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, location: str) -> None:
            self._send(302, b"", {"Location": location})

        def do_GET(self) -> None:
            with web.lock:
                web.hits.append((self.server.server_address[0], self.path))
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            try:
                if path == "/robots.txt":
                    self._send(404, b"", {"Content-Type": "text/plain"})
                elif path == "/calendar":
                    day = int(query.get("d", ["0"])[0])
                    self._send(200, _page([(f"/calendar?d={day + 1}", "next"), (f"/calendar?d={day - 1}", "prev")]))
                elif path == "/session":
                    sid = uuid.uuid4().hex
                    self._send(200, _page([(f"/session?sid={sid}", "home"), (f"/session?PHPSESSID={sid}&x=1", "x")]))
                elif path == "/params":
                    n = len(parts.query.split("&")) if parts.query else 0
                    self._send(200, _page([(f"/params?{parts.query}&p{n}={n}".replace("?&", "?"), "more")]))
                elif path == "/redirect-self":
                    self._redirect("/redirect-self")
                elif path == "/loop-a":
                    self._redirect("/loop-b")
                elif path == "/loop-b":
                    self._redirect("/loop-a")
                elif path.startswith("/chain/"):
                    self._redirect(f"/chain/{int(path.rsplit('/', 1)[1]) + 1}")
                elif path == "/redirect-internal":
                    self._redirect(f"http://{INTERNAL}:{web.port}/secret-redirect")
                elif path == "/big":
                    self._stream_big(declared=False)
                elif path == "/big-declared":
                    self._stream_big(declared=True)
                elif path == "/binary":
                    rng = random.Random(1)
                    self._send(200, b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(300_000)))
                elif path == "/slow":
                    time.sleep(4)
                    self._send(200, _page([]))
                elif path == "/error":
                    self._send(500, b"boom")
                elif path == "/inject":
                    links = [(f"/target-{i}?q=%24where", text) for i, text in enumerate(INJECTION_ANCHORS)]
                    self._send(200, _page(links, extra='<a href="/t-rel" rel="$ne nofollow">rel</a>'))
                elif path == "/private-links":
                    self._send(200, _page([
                        (f"http://{INTERNAL}:{web.port}/secret-literal", "literal"),
                        (f"http://localhost:{web.port}/secret-name", "by name"),
                        (f"http://2130706433:{web.port}/secret-decimal", "decimal"),
                        ("http://169.254.169.254/latest/meta-data/", "metadata"),
                        ("/redirect-internal", "redirect"),
                        ("/public-ok", "fine"),
                    ]))
                elif path == "/soft404/guide":  # a real page in a directory that answers 200 for anything
                    self._send(200, _page([("/guide-target", "the guide's own link")],
                                          extra="<h1>The guide</h1><p>" + GUIDE_TEXT + "</p>"))
                elif path.startswith("/soft404/") or path == "/hub":
                    token = uuid.uuid4().hex[:8]
                    links = [(f"/soft404/{token}", "more")] + ([("/soft404/guide", "guide")] if path == "/hub" else [])
                    self._send(200, _page(links, extra="<h1>Page not found</h1>"))
                else:
                    self._send(200, _page([]))
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _stream_big(self, declared: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            if declared:
                self.send_header("Content-Length", str(BIG))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            chunk = b'<p><a href="/from-big">x</a></p>' * 2048
            sent = 0
            while sent < BIG:
                self.wfile.write(chunk)
                sent += len(chunk)
            self.close_connection = True

    return Handler


@pytest.fixture(scope="session")
def trap_web() -> Iterator[TrapWeb]:
    first = ThreadingHTTPServer((SITE, 0), BaseHTTPRequestHandler)
    web = TrapWeb(first.server_address[1])
    first.RequestHandlerClass = _handler(web)
    servers = [first, ThreadingHTTPServer((INTERNAL, web.port), _handler(web))]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield web
    for server in servers:
        server.shutdown()
        server.server_close()


@dataclass
class CrawlResult:
    status: int
    log: str
    db: Any

    def pages(self, prefix: str = "") -> list[str]:
        return sorted(d["url"] for d in self.db.pages.find({}, {"url": 1}) if urlsplit(d["url"]).path.startswith(prefix))

    def stat(self, key: str) -> int:
        """A counter from the "Dumping Scrapy stats" block of the log (0 when absent)."""
        needle = f"'{key}': "
        at = self.log.rfind(needle)
        if at < 0:
            return 0
        rest = self.log[at + len(needle):]
        digits = "".join(c for c in rest.split(",", 1)[0].split("}", 1)[0] if c.isdigit())
        return int(digits or 0)


@pytest.fixture
def hostile_crawl(redis_url: str, mongo_uri: str, mongo_db, tmp_path: Path) -> Callable[..., CrawlResult]:
    """``scrapy crawl links`` with the hostile tests' safety net: it must finish within ``timeout``."""
    from linkspider.demo.crawl import run_crawl

    def _crawl(seeds: list[str], *, settings: dict[str, Any] | None = None, scope: str | None = None,
               timeout: float = 120, redis: str | None = None, mongo: str | None = None) -> CrawlResult:
        merged = {
            "LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "True",
            "LINKSPIDER_IDLE_CLOSE_SECONDS": "1",
            "CLOSESPIDER_PAGECOUNT": "300",  # a safety net: a missing cap shows as a count, not a hang
            "DOWNLOAD_TIMEOUT": "3",
            "RETRY_TIMES": "0",
            "LOG_LEVEL": "INFO",
        }
        merged.update(settings or {})
        crawl_id = f"hostile-{uuid.uuid4().hex[:8]}"
        log = tmp_path / f"{crawl_id}.log"
        status = run_crawl(seeds, crawl_id, redis_url=redis or redis_url, mongo_uri=mongo or mongo_uri,
                           database=mongo_db.name, settings=merged, scope=scope, log_path=log, timeout=timeout)
        return CrawlResult(status, log.read_text(errors="replace"), mongo_db)

    return _crawl
