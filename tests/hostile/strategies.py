"""Hypothesis strategies for hostile URLs and HTML, shared by the fuzz tests."""
from __future__ import annotations

from hypothesis import strategies as st

SCHEMES = st.sampled_from(
    ["http", "https", "HTTP", "hTtPs", "ftp", "javascript", "mailto", "data", "file", "ws", "x-custom", "", "http:"]
)
HOST_LABELS = st.one_of(
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True),
    st.sampled_from(["bücher", "аpple", "xn--bcher-kva", "例え", "ÉCOLE", "xn--", "-bad-", "a..b", "%41", "exa mple",
                     "ﬀ", "straße", "\u200b", "ａｂｃ", "localhost", "0x7f", "[::1]", "999", "1.2.3"]),
    st.text(min_size=1, max_size=12),
)
HOSTS = st.one_of(
    st.lists(HOST_LABELS, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["127.0.0.1", "[::1]", "[2001:db8::1]", "[::ffff:1.2.3.4]", "[fe80::1%25eth0]", "2130706433",
                     "0x7f.1", "127.1", "[0:0:0:0:0:0:0:1]", "[::1", "::1]", "256.1.1.1", "1.2.3.4.5", ""]),
)
PATH_CHARS = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(list("/%?#&=;:@!$'()*+,[]\\ .\t\n\x00~"))),
    max_size=40,
)
PERCENT_GARBAGE = st.sampled_from(["%", "%%", "%zz", "%4", "%41", "%C3%28", "%00", "%2e%2e/", "%ff%fe", "%25%32%35"])


@st.composite
def urls(draw: st.DrawFn) -> str:
    """URL-shaped strings: mostly plausible, often broken in one place."""
    scheme = draw(SCHEMES)
    userinfo = draw(st.sampled_from(["", "user@", "user:pass@", ":@", "a:b:c@", "u%40x:p%3A@", "@@"]))
    host = draw(HOSTS)
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":0", ":65536", ":-1", ":abc", ":"]))
    path = draw(st.lists(st.one_of(PATH_CHARS, PERCENT_GARBAGE), max_size=4).map("/".join))
    query = draw(st.one_of(st.just(""), st.lists(st.one_of(PATH_CHARS, PERCENT_GARBAGE), max_size=4)
                           .map(lambda parts: "?" + "&".join(parts))))
    fragment = draw(st.sampled_from(["", "#", "#top", "#a#b", "#%zz"]))
    sep = draw(st.sampled_from(["://", ":/", ":", ":\\\\", "://" * 2, ":///"]))
    return f"{scheme}{sep}{userinfo}{host}{port}/{path}{query}{fragment}"


HREFS = st.one_of(
    urls(),
    PATH_CHARS,
    st.sampled_from(["", " ", "#", "?", "//", "///x", "..", "../../..", "\\\\evil.example", "/\\evil.example",
                     "javascript:alert(1)", " JaVaScRiPt:x", "mailto:a@b", "data:text/html,<a>", "http://",
                     "http:///x", "https:evil.example", "//[::1]/", "//user:pw@host/"]),
)

TAGS = st.sampled_from(["a", "area", "div", "p", "nav", "footer", "aside", "header", "span", "img", "base",
                        "link", "meta", "table", "td", "ul", "li", "script", "style", "template", "svg", "math",
                        "noscript", "iframe", "object", "form", "section", "article", "html", "body", "head"])
ATTRS = st.sampled_from(["href", "rel", "alt", "src", "class", "id", "http-equiv", "content", "name", "role"])


@st.composite
def html_fragments(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 9))
        if kind <= 5 and depth < 6:
            tag = draw(TAGS)
            attrs = draw(st.lists(st.tuples(ATTRS, st.one_of(HREFS, st.text(max_size=10))), max_size=3))
            quote = draw(st.sampled_from(['"', "'", ""]))
            attr_text = "".join(f" {k}={quote}{v}{quote}" for k, v in attrs)
            inner = draw(html_fragments(depth + 1))
            close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", "</>"]))
            parts.append(f"<{tag}{attr_text}>{inner}{close}")
        elif kind == 6:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>", "<?xml?>",
                                               "&amp;", "&#0;", "&#x110000;", "&bogus;", "<", ">", "\x00"])))
        else:
            parts.append(draw(st.text(max_size=20)))
    return "".join(parts)


def mutate(data: bytes, positions: list[int], values: list[int], cut: int | None) -> bytes:
    """Flip bytes at ``positions`` and optionally truncate at ``cut``: a damaged real page."""
    buf = bytearray(data)
    for pos, value in zip(positions, values):
        if buf:
            buf[pos % len(buf)] = value
    if cut is not None and buf:
        buf = buf[: cut % len(buf)]
    return bytes(buf)
