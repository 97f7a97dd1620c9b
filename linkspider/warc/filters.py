"""Ingest filters: which archived edges are worth a write, decided before anything is written.

One Common Crawl month holds hundreds of billions of links; most users want those pointing at the
sites they watch. A filter drops an edge (``linkspider/warc/filtered/<reason>``) or a whole record
before its HTML is parsed (an excluded source domain).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linkspider.domains import registered_domain
from linkspider.errors import ConfigurationError
from linkspider.scope import Scope

__all__ = ["EdgeFilter", "parse_domains", "targets_key"]


def targets_key(crawl_id: str) -> str:
    """The Redis set of target domains that every worker of the ingest shares."""
    return f"linkspider:{crawl_id}:targets"


def parse_domains(value: str | None, what: str) -> set[str]:
    """``domain[,domain...]`` or ``@file`` (one per line, ``#`` comments) as registered domains."""
    if not value:
        return set()
    if value.startswith("@"):
        try:
            with open(value[1:], encoding="utf-8") as fh:
                raw = [line.split("#", 1)[0].strip() for line in fh]
        except OSError as exc:
            raise ConfigurationError(f"{what} file {value[1:]} cannot be read: {exc}") from exc
    else:
        raw = [part.strip() for part in value.split(",")]
    out = set()
    for name in filter(None, raw):
        host = name.lower().rstrip(".")
        if "/" in host or " " in host:
            raise ConfigurationError(f"{what}: {name!r} is not a domain name")
        out.add(registered_domain(host))
    return out


@dataclass
class EdgeFilter:
    """``targets``: keep edges pointing into these registered domains (a Scope over a shared Redis
    set, or None: every target); ``external_only``: drop edges within one registered domain;
    ``exclude_sources``: drop whole pages of these registered domains."""

    targets: Scope | None = None
    external_only: bool = False
    exclude_sources: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        """True when a page's stored link list may be incomplete (so no link may be marked lost)."""
        return self.targets is not None or self.external_only

    def source_excluded(self, domain: str) -> bool:
        return domain in self.exclude_sources

    def drop_reason(self, edge: Any) -> str | None:
        """Why an edge (a ``LinkItem``) is not written, or None to keep it."""
        if self.external_only and edge["internal"]:
            return "internal"
        if self.targets is not None and not self.targets.allows(edge["target_domain"]):
            return "not_target"
        return None
