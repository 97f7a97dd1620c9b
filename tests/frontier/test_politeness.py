"""robots.txt Crawl-delay parsing and capping (pure functions)."""
from __future__ import annotations

import pytest

from linkspider.frontier.politeness import crawl_delay_from_robots, effective_crawl_delay, is_robots_url


@pytest.mark.parametrize(
    ("body", "agent", "delay"),
    [
        pytest.param(b"User-agent: *\nCrawl-delay: 2\n", "linkspider/0.1", 2.0, id="star"),
        pytest.param(b"User-agent: linkspider\nCrawl-delay: 0.5\n\nUser-agent: *\nCrawl-delay: 9\n",
                     "linkspider/0.1 (+https://x)", 0.5, id="own-group-wins"),
        pytest.param(b"User-agent: *\nDisallow: /private/\n", "linkspider", None, id="none"),
        pytest.param(b"User-agent: *\nCrawl-delay: soon\n", "linkspider", None, id="garbage"),
        pytest.param(b"\xff\xfe garbage", "linkspider", None, id="binary"),
    ],
)
def test_crawl_delay_from_robots(body, agent, delay):
    assert crawl_delay_from_robots(body, agent) == delay


@pytest.mark.parametrize(
    ("asked", "configured", "cap", "result"),
    [
        pytest.param(2.0, 0.0, 30.0, 2.0, id="honoured"),
        pytest.param(3600.0, 0.0, 30.0, 30.0, id="capped"),
        pytest.param(0.1, 0.5, 30.0, None, id="setting-already-slower"),
        pytest.param(2.0, 0.0, 0.0, None, id="cap-zero-ignores"),
        pytest.param(None, 0.0, 30.0, None, id="not-asked"),
    ],
)
def test_effective_crawl_delay(asked, configured, cap, result):
    assert effective_crawl_delay(asked, configured, cap) == result


@pytest.mark.parametrize(
    ("url", "expected"),
    [("http://a.test/robots.txt", True), ("https://a.test:8443/robots.txt", True),
     ("http://a.test/x/robots.txt", False), ("http://a.test/robots.txt.bak", False)],
)
def test_is_robots_url(url, expected):
    assert is_robots_url(url) is expected


def test_domain_delay_middleware_spaces_one_workers_requests():
    from linkspider.frontier.politeness import DomainDelayMiddleware

    mw = DomainDelayMiddleware(0.2)
    assert mw.reserve("a.test", 100.0) == 0
    assert mw.reserve("a.test", 100.05) == pytest.approx(0.15)
    assert mw.reserve("b.test", 100.05) == 0, "other domains are independent"
    assert mw.reserve("a.test", 101.0) == 0


def test_domain_delay_counts_from_completion_too():
    from linkspider.frontier.politeness import DomainDelayMiddleware

    mw = DomainDelayMiddleware(0.2)
    assert mw.reserve("a.test", 100.0) == 0
    mw.finished("a.test", 100.5)  # a slow response
    assert mw.reserve("a.test", 100.6) == pytest.approx(0.1)
