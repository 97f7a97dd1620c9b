"""http(s) WARC sources obey the network policy, on the first request and on every redirect.

A unit in Redis names what a worker opens; without the guard, anyone who can write the frontier could
make workers read an internal service (loopback here stands for one)."""
from __future__ import annotations

import http.server
import ipaddress
import threading
from collections.abc import Iterator

import pytest

from linkspider.errors import ConfigurationError
from linkspider.safety.network import AddressPolicy
from linkspider.warc.sources import SourceRefused, open_source, parse_sources

BODY = b"WARC/1.0 stand-in body\n" * 100
LOOPBACK_ONLY_1 = AddressPolicy(allowed=(ipaddress.ip_network("127.0.0.1/32"),))


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        port = self.server.server_address[1]
        if self.path == "/file.warc":
            self._send(200, BODY)
        elif self.path == "/list.txt":
            self._send(200, b"file.warc\n")
        elif self.path == "/to-other-loopback":  # 127.0.0.2 is loopback too, but not in the allowed /32
            self._redirect(f"http://127.0.0.2:{port}/file.warc")
        elif self.path == "/to-allowed":
            self._redirect(f"http://127.0.0.1:{port}/file.warc")
        else:
            self._send(404, b"")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), _Handler)  # reachable on 127.0.0.2 as well
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_refused_by_default(origin: str, host: str) -> None:
    with pytest.raises(SourceRefused) as info:
        open_source(origin.replace("127.0.0.1", host) + "/file.warc", timeout=10)
    assert info.value.reason == "loopback" and "LINKSPIDER_ALLOWED_NETWORKS" in str(info.value)


def test_an_allowed_network_is_read(origin: str) -> None:
    with open_source(f"{origin}/file.warc", timeout=10, policy=LOOPBACK_ONLY_1) as stream:
        assert stream.read() == BODY
    with open_source(f"{origin}/to-allowed", timeout=10, policy=LOOPBACK_ONLY_1) as stream:
        assert stream.read() == BODY


def test_a_redirect_to_a_refused_address_is_refused(origin: str) -> None:
    # the same redirect is followed when the policy allows its target
    with open_source(f"{origin}/to-other-loopback", timeout=10, policy=AddressPolicy(allow_private=True)) as stream:
        assert stream.read() == BODY
    with pytest.raises(SourceRefused) as info:
        open_source(f"{origin}/to-other-loopback", timeout=10, policy=LOOPBACK_ONLY_1)
    assert info.value.reason == "loopback"


def test_a_paths_list_on_a_refused_address_is_a_clear_error(origin: str) -> None:
    with pytest.raises(ConfigurationError, match="cannot be read: .*loopback"):
        parse_sources(f"@{origin}/list.txt")
    assert parse_sources(f"@{origin}/list.txt", prefix=origin, policy=LOOPBACK_ONLY_1) == [f"{origin}/file.warc"]
