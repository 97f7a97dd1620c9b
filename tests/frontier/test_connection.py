"""Redis connections: URL forms, and a Redis restart in the middle of frontier work."""
from __future__ import annotations

import threading
import time

import pytest
import redis
from scrapy.settings import Settings

from linkspider.errors import ConfigurationError
from linkspider.frontier import Frontier, PushItem, RequestCodec, SeenConfig
from linkspider.frontier.codec import Entry
from linkspider.frontier.connection import redis_from_settings, redis_from_url
from linkspider.testing.servers import RedisServer


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
