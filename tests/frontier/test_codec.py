"""JSON request entries: round trip, allow-lists, and every way a Redis entry can be bad."""
from __future__ import annotations

import json
import pickle

import pytest
import scrapy

from linkspider.errors import BadEntryError
from linkspider.frontier.codec import Entry, RequestCodec


class _Spider(scrapy.Spider):
    name = "t"

    def parse(self, response):  # pragma: no cover - never called
        yield from ()

    def on_error(self, failure):  # pragma: no cover
        return None

    def secret(self, response):  # pragma: no cover
        return None


@pytest.fixture
def spider():
    return _Spider()


@pytest.fixture
def codec():
    return RequestCodec("c1")


def test_round_trip_keeps_schema_fields(codec, spider):
    req = scrapy.Request("http://a.test/x?q=1", callback=spider.parse, errback=spider.on_error, priority=3,
                         meta={"depth": 2, "retry_times": 1, "dont_redirect": True, "cookiejar": object()})
    raw = codec.encode(req, spider)
    doc = json.loads(raw)
    assert doc == {"v": 1, "url": "http://a.test/x?q=1", "depth": 2, "priority": 3, "cb": "parse",
                   "eb": "on_error", "meta": {"retry_times": 1, "dont_redirect": True}}
    back = codec.to_request(codec.decode(raw), spider)
    assert back.url == req.url and back.priority == 3
    assert back.callback == spider.parse and back.errback == spider.on_error
    assert back.meta == {"depth": 2, "retry_times": 1, "dont_redirect": True}


def test_entries_do_not_repeat_the_crawl_id_but_older_ones_still_decode(codec):
    """The key names the crawl; an entry written before that still decodes, and one of another crawl fails."""
    assert "crawl" not in json.loads(codec.encode_entry(Entry(url="http://a.test/", crawl_id="c1")))
    assert codec.decode(b'{"v": 1, "url": "http://a.test/", "crawl": "c1"}').url == "http://a.test/"
    assert codec.decode(b'{"v": 1, "url": "http://a.test/"}').crawl_id == "c1"
    with pytest.raises(BadEntryError, match="other"):
        codec.decode(b'{"v": 1, "url": "http://a.test/", "crawl": "other"}')


def test_encoding_is_json_never_pickle(codec, spider):
    raw = codec.encode(scrapy.Request("http://a.test/", callback=spider.parse), spider)
    json.loads(raw)
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(raw.encode())


@pytest.mark.parametrize(
    "request_kwargs",
    [
        pytest.param({"callback": "secret"}, id="callback-not-allow-listed"),
        pytest.param({"method": "POST"}, id="post"),
        pytest.param({"meta": {"retry_times": {"nested": 1}}}, id="meta-not-plain"),
        pytest.param({"callback": "lambda"}, id="lambda-callback"),
    ],
)
def test_unencodable_requests_are_refused(codec, spider, request_kwargs):
    kwargs = dict(request_kwargs)
    if kwargs.get("callback") == "secret":
        kwargs["callback"] = spider.secret
    elif kwargs.get("callback") == "lambda":
        kwargs["callback"] = lambda r: None
    with pytest.raises(BadEntryError):
        codec.encode(scrapy.Request("http://a.test/", **kwargs), spider)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"\x80\x04\x95pickle", id="pickle-bytes"),
        pytest.param(b"{not json", id="broken-json"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(b'{"v": 2, "url": "http://a.test/", "crawl": "c1"}', id="future-version"),
        pytest.param(b'{"v": 1, "url": "file:///etc/passwd", "crawl": "c1"}', id="non-http-url"),
        pytest.param(b'{"v": 1, "url": "http://a.test/", "crawl": "other"}', id="other-crawl"),
        pytest.param(b'{"v": 1, "url": "http://a.test/", "crawl": "c1", "cb": "secret"}', id="callback-not-allowed"),
        pytest.param(b'{"v": 1, "url": "http://a.test/", "crawl": "c1", "meta": {"proxy": "x"}}', id="meta-key"),
        pytest.param(b'{"v": 1, "url": "http://a.test/", "crawl": "c1", "depth": "3"}', id="depth-string"),
        pytest.param(b'{"v": 1, "url": "http://a.test/", "crawl": "c1", "depth": -1}', id="depth-negative"),
        pytest.param(b'{"v": 1, "url": "http://a.test/", "crawl": "c1", "x": 1}', id="unknown-field"),
        pytest.param(b'{"v": 1, "url": "http://a.test/", "crawl": "c1", "df": "yes"}', id="df-not-bool"),
    ],
)
def test_bad_entries_raise_bad_entry_error(codec, raw):
    with pytest.raises(BadEntryError):
        codec.decode(raw)


def test_extra_callbacks_and_meta_keys_come_from_settings(spider):
    codec = RequestCodec("c1", callbacks=("parse", "secret"), meta_keys=("depth", "cookiejar"))
    raw = codec.encode(scrapy.Request("http://a.test/", callback=spider.secret, meta={"cookiejar": 4}), spider)
    entry = codec.decode(raw)
    assert entry == Entry(url="http://a.test/", crawl_id="c1", callback="secret", meta={"cookiejar": 4})
