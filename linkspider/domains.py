"""Registered domains from the Public Suffix List, the same answer on every node.

tldextract is built with ``suffix_list_urls=()`` and no cache directory, so it only ever reads the
PSL snapshot bundled with the installed tldextract: no worker downloads anything at run time, and
all workers of one release agree. Private suffixes (blogspot.com, github.io, ...) are honoured:
``alice.github.io`` and ``bob.github.io`` belong to different people, so they are different
registered domains (see the README section "URL rules and normalization").
"""
from __future__ import annotations

import re
from functools import lru_cache

import tldextract

from linkspider.urls import host_of

__all__ = ["INCLUDE_PSL_PRIVATE_DOMAINS", "brand_name", "domain_of", "is_ip_host", "registered_domain"]

#: Private PSL suffixes count as public ones: ``alice.blogspot.com`` is its own registered domain.
INCLUDE_PSL_PRIVATE_DOMAINS = True

_EXTRACT = tldextract.TLDExtract(
    cache_dir=None,
    suffix_list_urls=(),
    fallback_to_snapshot=True,
    include_psl_private_domains=INCLUDE_PSL_PRIVATE_DOMAINS,
)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def is_ip_host(host: str) -> bool:
    """True for an IPv4 host in dotted form or a bracketed IPv6 host (WHATWG host serialization)."""
    return host.startswith("[") or bool(_IPV4.match(host))


@lru_cache(maxsize=65536)
def registered_domain(host: str) -> str:
    """The registered domain (eTLD+1) of ``host``: ``www.bbc.co.uk`` -> ``bbc.co.uk``.

    An IP host is its own domain. A host that is itself a public suffix (``github.io``) is
    returned unchanged. A host under no listed suffix (``intranet``, ``site.test``) follows the
    PSL's default rule ``*``: its last two labels.
    """
    host = host.strip().rstrip(".").lower()
    if not host or is_ip_host(host):
        return host
    result = _EXTRACT.extract_str(host)
    if result.suffix:
        return f"{result.domain}.{result.suffix}" if result.domain else host
    labels = host.split(".")
    return ".".join(labels[-2:])


def brand_name(domain: str) -> str:
    """The registered domain's own label, without its public suffix: ``bbc.co.uk`` -> ``bbc``.

    The anchor profile calls an anchor "brand" when it contains this name. An IP host has none ("").
    """
    host = domain.strip().rstrip(".").lower()
    if not host or is_ip_host(host):
        return ""
    result = _EXTRACT.extract_str(host)
    if result.suffix:
        return result.domain
    return host.split(".")[-2] if "." in host else host


def domain_of(url: str) -> str:
    """The registered domain of a URL's host: the unit of scope, politeness and backlink reports."""
    return registered_domain(host_of(url))
