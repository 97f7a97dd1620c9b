"""Safety components: SSRF guard and credential redaction.

(Content never becomes a MongoDB operator: the store builds every document from fixed keys and
coerces values to scalars, see ``linkspider.store.documents``.)

Wire them in the Scrapy settings::

    DOWNLOADER_MIDDLEWARES = {"linkspider.safety.NetworkGuardMiddleware": 50}
    TWISTED_DNS_RESOLVER = "linkspider.safety.PublicOnlyResolver"
    EXTENSIONS = {"linkspider.safety.RedactionExtension": 0}
"""
from __future__ import annotations

from linkspider.safety.network import (
    AddressPolicy,
    NetworkGuardMiddleware,
    PrivateAddressLookupRefused,
    PrivateAddressRefused,
    PublicOnlyResolver,
    classify_address,
    parse_ip,
)
from linkspider.safety.redact import (
    RedactingFilter,
    RedactionExtension,
    install_log_redaction,
    redact_stats,
    redact_text,
    redact_url,
    secrets_from_settings,
    url_secrets,
)

__all__ = [
    "AddressPolicy",
    "NetworkGuardMiddleware",
    "PrivateAddressLookupRefused",
    "PrivateAddressRefused",
    "PublicOnlyResolver",
    "RedactingFilter",
    "RedactionExtension",
    "classify_address",
    "install_log_redaction",
    "parse_ip",
    "redact_stats",
    "redact_text",
    "redact_url",
    "secrets_from_settings",
    "url_secrets",
]
