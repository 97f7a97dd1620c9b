"""Build WARC and WAT files the way Common Crawl writes them (one gzip member per record), for tests.

WARC records come from warcio's writer. WAT records follow Common Crawl's JSON layout
(``Envelope.Payload-Metadata.HTTP-Response-Metadata.HTML-Metadata``); their link lists are taken
from the HTML here with selectolax's tree (the parser, not linkspider's extraction rules).
"""
from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from selectolax.lexbor import LexborHTMLParser
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


class Page:
    """One archived HTTP response."""

    def __init__(self, url: str, body: bytes, *, status: int = 200, content_type: str | None = "text/html; charset=utf-8",
                 headers: Sequence[tuple[str, str]] = (), date: datetime = T0) -> None:
        self.url, self.body, self.status, self.date = url, body, status, date
        self.headers = ([("Content-Type", content_type)] if content_type else []) + list(headers)


def _date(value: datetime, version: str) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if version == "1.0" else value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def warc_bytes(pages: Iterable[Page], version: str = "1.0", *, gzip_members: bool = True,
               with_requests: bool = True) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gzip_members, warc_version=version)
    writer.write_record(writer.create_warcinfo_record("test.warc.gz", {"software": "tests"}))
    for page in pages:
        date = _date(page.date, version)
        http = StatusAndHeaders(f"{page.status} X", page.headers, protocol="HTTP/1.1")
        response = writer.create_warc_record(page.url, "response", payload=io.BytesIO(page.body),
                                             length=len(page.body), http_headers=http,
                                             warc_headers_dict={"WARC-Date": date})
        if with_requests:
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
            writer.write_record(writer.create_warc_record(page.url, "request", payload=io.BytesIO(b""), length=0,
                                                          http_headers=req, warc_headers_dict={"WARC-Date": date}))
        writer.write_record(response)
    return buf.getvalue()


def members(data: bytes) -> list[bytes]:
    """The gzip members of a gzip-per-record file, compressed, in order."""
    out, pos = [], 0
    while pos < len(data):
        dec = zlib.decompressobj(31)
        dec.decompress(data[pos:])
        used = len(data) - pos - len(dec.unused_data)
        out.append(data[pos:pos + used])
        pos += used
    return out


def raw_record(url: str, block: bytes, *, warc_type: str = "response",
               content_type: str = "application/http; msgtype=response", length: int | None = None,
               version: str = "1.0", extra: str = "") -> bytes:
    """One uncompressed record with any ``Content-Length`` (``length``), for records that lie."""
    n = len(block) if length is None else length
    head = (f"WARC/{version}\r\nWARC-Type: {warc_type}\r\nWARC-Record-ID: <urn:uuid:{abs(hash((url, block)))}>\r\n"
            f"WARC-Target-URI: {url}\r\nWARC-Date: {_date(T0, version)}\r\n{extra}"
            f"Content-Type: {content_type}\r\nContent-Length: {n}\r\n\r\n")
    return head.encode() + block + b"\r\n\r\n"


def http_block(body: bytes, status: int = 200, headers: str = "Content-Type: text/html\r\n") -> bytes:
    return f"HTTP/1.1 {status} OK\r\n{headers}\r\n".encode() + body


def gz(record: bytes) -> bytes:
    return gzip.compress(record)


# -- WAT ---------------------------------------------------------------------------------------
def wat_json(page: Page) -> dict:
    """Common Crawl's WAT JSON for one response (what its WAT generator keeps of the HTML)."""
    http = {
        "Response-Message": {"Version": "HTTP/1.1", "Status": str(page.status), "Reason": "X"},
        "Headers": dict(page.headers),
    }
    ctype = dict(page.headers).get("Content-Type", "")
    if "html" in ctype and page.body.strip():
        tree = LexborHTMLParser(page.body)
        tree.strip_tags(["script", "style", "template"])  # code, not anchor text
        head: dict = {"Metas": [], "Link": []}
        for el in tree.css("meta"):
            head["Metas"].append({k: v for k, v in el.attributes.items()
                                  if k in ("name", "http-equiv", "content", "property") and v is not None})
        for el in tree.css("link[href]"):
            entry = {"path": "LINK@/href", "url": el.attributes["href"]}
            if el.attributes.get("rel") is not None:
                entry["rel"] = el.attributes["rel"]
            head["Link"].append(entry)
        base = tree.css_first("base[href]")
        if base is not None:
            head["Base"] = base.attributes["href"]
        links = []
        for el in tree.css("a, area, img"):
            attr = "src" if el.tag == "img" else "href"
            if el.attributes.get(attr) is None:
                continue
            entry = {"path": f"{el.tag.upper()}@/{attr}", "url": el.attributes[attr]}
            if el.tag == "a":
                entry["text"] = el.text(deep=True)
            if el.attributes.get("alt") is not None:
                entry["alt"] = el.attributes["alt"]
            if el.attributes.get("rel") is not None:
                entry["rel"] = el.attributes["rel"]
            links.append(entry)
        http["HTML-Metadata"] = {"Head": head, "Links": links}
    return {
        "Container": {"Filename": "test.warc.gz", "Compressed": True},
        "Envelope": {
            "Format": "WARC",
            "WARC-Header-Metadata": {"WARC-Type": "response", "WARC-Target-URI": page.url,
                                     "WARC-Date": _date(page.date, "1.0")},
            "Payload-Metadata": {"Actual-Content-Type": "application/http; msgtype=response",
                                 "HTTP-Response-Metadata": http},
        },
    }


def wat_record(url: str, payload: bytes, version: str = "1.0") -> bytes:
    return raw_record(url, payload, warc_type="metadata", content_type="application/json", version=version)


def wat_bytes(pages: Iterable[Page], version: str = "1.0") -> bytes:
    """A WAT file: a gzip member per metadata record, as Common Crawl publishes them."""
    out = [gz(raw_record("test.warc.gz", b"software: tests\r\n", warc_type="warcinfo",
                         content_type="application/warc-fields", version=version))]
    for page in pages:
        out.append(gz(wat_record(page.url, json.dumps(wat_json(page)).encode(), version)))
    return b"".join(out)
