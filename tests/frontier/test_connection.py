"""Redis connections: URL forms, and a Redis restart in the middle of frontier work."""
from __future__ import annotations

import threading
import time

import pytest
import redis
from scrapy.settings import Settings

from linkspider.demo.servers import RedisServer
from linkspider.errors import ConfigurationError
from linkspider.frontier import Frontier, PushItem, RequestCodec, SeenConfig
from linkspider.frontier.codec import Entry
from linkspider.frontier.connection import redis_from_settings, redis_from_url


@pytest.mark.parametrize(
    ("url", "ssl", "password", "db"),
    [
        pytest.param("redis://127.0.0.1:6379/0", False, None, 0, id="plain"),
        pytest.param("redis://:s3cret@10.0.0.5:6380/3", False, "s3cret", 3, id="password"),
        pytest.param("rediss://user:pw@redis.example:6390/1?ssl_cert_reqs=required", True, "pw", 1, id="tls"),
    ],
)
def test_client_from_settings(url, ssl, password, db):
    client = redis_from_settings(Settings({"REDIS_URL": url, "LINKSPIDER_REDIS_SOCKET_TIMEOUT": 3}))
    kwargs = client.connection_pool.connection_kwargs
    assert (client.connection_pool.connection_class is redis.SSLConnection) is ssl
    assert kwargs.get("password") == password and kwargs["db"] == db
    assert kwargs["socket_timeout"] == 3
    assert client.get_retry() is not None


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379"])
def test_bad_url_names_the_setting(url):
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        redis_from_settings(Settings({"REDIS_URL": url}))


def test_password_protected_server(tmp_path):
    class AuthRedis(RedisServer):
        def command(self) -> list[str]:
            return [*super().command(), "--requirepass", "pa55"]

    with AuthRedis(tmp_path) as server:
        with pytest.raises(redis.AuthenticationError):
            redis_from_url(f"redis://127.0.0.1:{server.port}/0", retries=0).ping()
        client = redis_from_url(f"redis://:pa55@127.0.0.1:{server.port}/0")
        assert client.ping()


def test_redis_restart_mid_crawl_waits_and_resumes(tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        client = redis_from_url(server.url, socket_timeout=2, retries=40, backoff_max=0.5)
        frontier = Frontier(client, "restart", seen=SeenConfig.sized("exact", 1000, 0.01))
        codec = RequestCodec("restart")

        def item(i: int) -> PushItem:
            url = f"http://a.test/{i}"
            return PushItem(codec.encode_entry(Entry(url=url, crawl_id="restart")), "a.test", url)

        assert frontier.push_many([item(0)]) == [1]
        assert len(frontier.lease(1).items) == 1
        server.kill()

        def restart() -> None:
            time.sleep(1.0)
            server.start()

        thread = threading.Thread(target=restart)
        thread.start()
        started = time.monotonic()
        # the server is down: this call retries until it is back, then runs (script re-loaded)
        codes = frontier.push_many([item(1), item(2)])
        waited = time.monotonic() - started
        thread.join()
        assert codes == [1, 1]
        assert waited >= 0.9, "the call must have waited for the restart"
        # the scheduler's pipelined round trip: push ran before the restart's script loss was noticed
        codes, acked, batch = frontier.exchange([item(3)], [], 2)
        assert codes == [1] and len(batch.items) == 2
        codes, acked, batch = frontier.exchange([], [m for m, _ in batch.items], 5)
        assert acked == 2 and len(batch.items) == 1
    finally:
        server.stop()


def _self_signed(tmp_path):
    """A CA and a server certificate for 127.0.0.1, made here with the openssl command."""
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.fail("the TLS test needs the openssl command (Debian package openssl)")
    ca_key, ca, key, csr, crt = (tmp_path / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))
    ext = tmp_path / "ext.cnf"
    ext.write_text("subjectAltName=IP:127.0.0.1\n")
    def run(*args: str) -> None:
        subprocess.run([openssl, *args], check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca), "-days", "1",
        "-subj", "/CN=linkspider test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(crt),
        "-days", "1", "-extfile", str(ext))
    return ca, crt, key


def test_tls_rediss_url_with_password(tmp_path):
    ca, crt, key = _self_signed(tmp_path)

    class TlsRedis(RedisServer):
        def command(self) -> list[str]:
            cmd = super().command()
            cmd[cmd.index("--port") + 1] = "0"  # no plaintext port
            return [*cmd, "--tls-port", str(self.port), "--tls-cert-file", str(crt), "--tls-key-file", str(key),
                    "--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no", "--requirepass", "s3cret"]

    with TlsRedis(tmp_path / "redis") as server:
        url = f"rediss://:s3cret@127.0.0.1:{server.port}/0?ssl_cert_reqs=required&ssl_ca_certs={ca}"
        client = redis_from_settings(Settings({"REDIS_URL": url}))
        frontier = Frontier(client, "tls", seen=SeenConfig.sized("bloom", 1000, 0.01))
        codec = RequestCodec("tls")
        body = codec.encode_entry(Entry(url="http://a.test/", crawl_id="tls"))
        assert frontier.push_many([PushItem(body, "a.test", "http://a.test/")]) == [1]
        assert len(frontier.lease(1).items) == 1
        with pytest.raises(redis.ConnectionError):
            redis_from_url(f"redis://:s3cret@127.0.0.1:{server.port}/0", retries=0, socket_timeout=2).ping()


def test_an_evicting_redis_is_reported_at_start(redis_client, caplog) -> None:
    """An evicting Redis would drop queued requests silently: the worker says so when it starts."""
    from linkspider.frontier.connection import warn_if_evicting

    assert warn_if_evicting(redis_client) == "noeviction" and "evict" not in caplog.text
    redis_client.config_set("maxmemory-policy", "allkeys-lru")
    try:
        assert warn_if_evicting(redis_client) == "allkeys-lru"
        assert "maxmemory-policy noeviction" in caplog.text
    finally:
        redis_client.config_set("maxmemory-policy", "noeviction")
