"""A seeded random edge set with every case the reports distinguish, and the ``pages`` that go with it.

Internal links, lost links (and one restored link with ``lost_at: None``), every rel flag
combination, every placement, image links whose anchor comes from ``alt``, tied anchor counts,
URL targets, and sitewide patterns around the threshold.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from linkspider.urls import url_key

BASE = datetime(2026, 3, 1, tzinfo=timezone.utc)
TARGET = "target.com"
OTHER_TARGET = "other-target.org"
PLACEMENTS = ("body", "nav", "header", "sidebar", "footer", "comment")
LINK_TYPES = ("a", "a", "a", "img", "area", "canonical", "redirect")
ANCHORS = (
    "best widgets",
    "target",
    "click here",
    "Target.com",
    "here",
    "widgets & gadgets",
    "<b>bold</b>",
    "",
)
# target page -> (what its pages document is set to, the state the report must give); None: no document
PAGE_STATES = {
    f"https://www.{TARGET}/p/0": ({"status": 404}, "gone"),
    f"https://www.{TARGET}/p/1": ({"status": 410}, "gone"),
    f"https://www.{TARGET}/p/2": ({"status": 503}, "server_error"),
    f"https://www.{TARGET}/p/3": ({"status": 200, "soft_404": True}, "soft_404"),
    f"https://www.{TARGET}/p/4": ({"status": 0, "error": "dns"}, "dns"),
    f"https://www.{TARGET}/p/5": (None, "unchecked"),
    f"https://www.{TARGET}/": ({"status": 301, "redirect_to": "https://target.com/"}, "redirect"),
    f"https://{OTHER_TARGET}/about": ({"status": 0, "error": "timeout"}, "unreachable"),
}

REASONS = ("link removed", "page gone", "page redirects")

# (domain, crawled pages, pages linking to TARGET from the footer): the sitewide cases
SITEWIDE_CASES = (
    ("sitewide-a.com", 10, 8),  # 8 > 0.3 * 10: sitewide
    ("edge-b.com", 10, 3),  # 3 is not more than 0.3 * 10: not sitewide
    ("tiny.io", 2, 2),  # every page links, but fewer than 5 crawled pages: not sitewide
    ("big.net", 20, 7),  # 7 > 6: sitewide
)


def _id(*parts: str) -> str:
    return hashlib.sha1("\x00".join(parts).encode()).hexdigest()


@dataclass
class EdgeSet:
    edges: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)

    def insert(self, db: Any) -> None:
        db.edges.insert_many([dict(e) for e in self.edges])
        db.pages.insert_many([dict(p) for p in self.pages])


def _when(rng: random.Random, days: int = 60) -> datetime:
    return BASE + timedelta(seconds=rng.randrange(days * 86400))


def generate(seed: int = 7) -> EdgeSet:
    rng = random.Random(seed)
    out = EdgeSet()
    seen: set[str] = set()

    def page(domain: str, host: str, path: str) -> str:
        url = f"https://{host}{path}"
        out.pages.append(
            {
                "_id": url_key(url),
                "url": url,
                "status": 200,
                "domain": domain,
                "host": host,
                "fetched_at": BASE,
                "crawl_id": "c1",
                "outlinks": 0,
                "depth": 1,
            }
        )
        return url

    def edge(
        src: str,
        src_domain: str,
        dst: str,
        dst_domain: str,
        *,
        placement: str | None = None,
        lost: bool | None = None,
        flags: tuple[bool, bool, bool] | None = None,
    ) -> None:
        link_type = rng.choice(LINK_TYPES)
        anchor = rng.choice(ANCHORS)
        alt = rng.choice((None, "logo", "Target logo")) if link_type == "img" else None
        if link_type == "img":
            anchor = "" if rng.random() < 0.7 else anchor
        placement = placement or rng.choice(PLACEMENTS)
        nofollow, sponsored, ugc = flags or (rng.random() < 0.3, rng.random() < 0.15, rng.random() < 0.15)
        rel = [t for t, on in (("nofollow", nofollow), ("sponsored", sponsored), ("ugc", ugc)) if on]
        eid = _id(url_key(src), url_key(dst), link_type, anchor, placement)
        if eid in seen:
            return
        seen.add(eid)
        first = _when(rng)
        doc: dict[str, Any] = {
            "_id": eid,
            "source_url": src,
            "source_key": url_key(src),
            "target_url": dst,
            "target_key": url_key(dst),
            "source_host": src.split("/")[2],
            "target_host": dst.split("/")[2],
            "source_domain": src_domain,
            "target_domain": dst_domain,
            "anchor_text": anchor,
            "alt": alt,
            "link_type": link_type,
            "rel": rel,
            "nofollow": nofollow,
            "sponsored": sponsored,
            "ugc": ugc,
            "placement": placement,
            "internal": src_domain == dst_domain,
            "first_seen": first,
            "last_seen": first + timedelta(days=3),
            "crawl_id": "c1",
            "schema_version": 1,
        }
        if link_type in ("a", "img", "area"):  # scored by the placement model; from the id, not the rng stream
            doc["body_score"] = int(eid[:6], 16) % 1001 / 1000
        if lost if lost is not None else rng.random() < 0.15:
            doc["lost_at"] = first + timedelta(seconds=rng.randrange(1, 20 * 86400))
            doc["lost_reason"] = rng.choice(REASONS)
        out.edges.append(doc)

    target_pages = [f"https://www.{TARGET}/"] + [f"https://www.{TARGET}/p/{i}" for i in range(6)]
    target_pages += [f"https://blog.{TARGET}/post?id={i}&utm_source=x" for i in range(3)]
    other_pages = [f"https://{OTHER_TARGET}/", f"https://{OTHER_TARGET}/about"]

    # the target's own pages: internal links, which never count as backlinks
    for src in target_pages:
        page(TARGET, src.split("/")[2], "/" + src.split("/", 3)[3])
        for _ in range(3):
            edge(src, TARGET, rng.choice(target_pages), TARGET)
        edge(src, TARGET, rng.choice(other_pages), OTHER_TARGET)

    # ordinary referring domains
    referrers = [f"ref{i}.com" for i in range(18)] + ["shop.example.co.uk", "alice.github.io", "192.0.2.7"]
    for domain in referrers:
        host = domain if domain[0].isdigit() or rng.random() < 0.5 else f"www.{domain}"
        for p in range(rng.randint(1, 12)):
            src = page(domain, host, f"/article/{p}")
            for _ in range(rng.randint(0, 4)):
                dst, dst_domain = (
                    (rng.choice(target_pages), TARGET)
                    if rng.random() < 0.75
                    else (rng.choice(other_pages), OTHER_TARGET)
                )
                edge(src, domain, dst, dst_domain)
            if rng.random() < 0.2:  # links between referrers, for the domain graph
                other = rng.choice(referrers)
                if other != domain:
                    edge(src, domain, f"https://{other}/", other)

    # sitewide patterns: footer links from a share of the domain's pages, always live
    for domain, crawled, linking in SITEWIDE_CASES:
        for p in range(crawled):
            src = page(domain, domain, f"/{p}")
            if p < linking:
                edge(src, domain, target_pages[0], TARGET, placement="footer", lost=False)

    # every rel combination at least once, live
    combos = [(a, b, c) for a in (False, True) for b in (False, True) for c in (False, True)]
    for i, flags in enumerate(combos):
        src = page("flags.net", "flags.net", f"/{i}")
        edge(src, "flags.net", target_pages[1], TARGET, flags=flags, lost=False)

    # a restored link: lost_at present but null counts as live
    restored = next(
        e for e in out.edges if not e["internal"] and e["target_domain"] == TARGET and "lost_at" in e
    )
    restored["lost_at"] = None
    restored.pop("lost_reason", None)
    # a hostile anchor, for the HTML escaping test
    src = page("evil.example", "evil.example", "/x")
    edge(src, "evil.example", target_pages[2], TARGET, lost=False)
    out.edges[-1]["anchor_text"] = '<script>alert("x")</script>'
    return out
