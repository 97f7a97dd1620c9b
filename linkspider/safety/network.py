"""SSRF guard: a crawler that follows links from the web must not fetch its own network.

Two layers, because neither is enough alone:

* :class:`NetworkGuardMiddleware` (downloader middleware) checks every request, including the
  new request a redirect or meta refresh produces, since Scrapy sends those through the whole
  middleware chain again. Literal IPs are checked directly; host names are resolved through the
  reactor's resolver (the same cache the download uses) and refused with a counted
  :class:`PrivateAddressRefused` (an ``IgnoreRequest``, so it is not retried).
* :class:`PublicOnlyResolver` (``TWISTED_DNS_RESOLVER``) refuses to hand a non-public address
  to the connection itself. That closes the DNS-rebinding gap between the check and the
  connect: the download connects to whatever the resolver answers, and the resolver never
  answers a private address.

The policy (:class:`AddressPolicy`) is a pure function of the address, tested on its own.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from linkspider.config import get_setting
from linkspider.errors import ConfigurationError, UnsafeAddressError
from linkspider.safety.redact import redact_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Cloud instance-metadata endpoints: the classic SSRF prize (credentials of the machine).
#: Refused even when private networks are allowed, unless listed in LINKSPIDER_ALLOWED_NETWORKS.
METADATA_ADDRESSES: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean, ...
        "169.254.170.2",  # AWS ECS task metadata
        "169.254.169.253",  # AWS VPC DNS
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd00:ec2::253",  # AWS VPC DNS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)

CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")

#: The reasons a refusal is counted under: ``linkspider/ssrf/refused/<reason>``.
REASONS = (
    "metadata", "unspecified", "loopback", "link-local", "multicast", "cgnat", "private",
    "reserved", "non-global", "denied", "scheme", "invalid-host", "unresolvable",
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address tunnels to (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def classify_address(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public internet address (a reason from :data:`REASONS`), or None."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        inner = _embedded_ipv4(ip)
        if inner is not None:
            # The packet goes to the IPv4 address inside (DNS64 answers 64:ff9b::/96 for
            # every public host on IPv6-only networks), so that address decides.
            return classify_address(inner)
    if ip in METADATA_ADDRESSES:
        return "metadata"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip in CGNAT:
        return "cgnat"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-global"
    return None


def parse_ip(host: str) -> IPAddress | None:
    """``host`` as an IP address (brackets and an IPv6 zone allowed), or None for a name."""
    candidate = host.strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def _networks(setting: str, values: Iterable[Any]) -> tuple[IPNetwork, ...]:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(str(value).strip(), strict=False))
        except ValueError as exc:
            raise ConfigurationError(f"{setting}: {value!r} is not an IP network ({exc})") from exc
    return tuple(networks)


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses the crawler may connect to.

    Default: public internet addresses only. ``allow_private`` lets every non-public address
    through except cloud metadata endpoints; ``allowed`` lists networks that are always fine
    (checked first); ``denied`` lists networks that are always refused.
    """

    allow_private: bool = False
    allowed: tuple[IPNetwork, ...] = field(default=())
    denied: tuple[IPNetwork, ...] = field(default=())

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> AddressPolicy:
        return cls(
            allow_private=get_setting(settings, "LINKSPIDER_ALLOW_PRIVATE_NETWORKS"),
            allowed=_networks("LINKSPIDER_ALLOWED_NETWORKS", get_setting(settings, "LINKSPIDER_ALLOWED_NETWORKS")),
            denied=_networks("LINKSPIDER_DENIED_NETWORKS", get_setting(settings, "LINKSPIDER_DENIED_NETWORKS")),
        )

    def refusal_reason(self, ip: IPAddress) -> str | None:
        """The reason to refuse a connection to ``ip``, or None if it is allowed."""
        if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
            ip = ipaddress.IPv6Address(str(ip).split("%", 1)[0])
        if any(ip.version == net.version and ip in net for net in self.denied):
            return "denied"
        if any(ip.version == net.version and ip in net for net in self.allowed):
            return None
        reason = classify_address(ip)
        if reason is None or (self.allow_private and reason != "metadata"):
            return None
        return reason

    def check_addresses(self, addresses: Iterable[str]) -> str | None:
        """The first refusal reason among resolved ``addresses`` (all must pass), or None."""
        for address in addresses:
            ip = parse_ip(address)
            if ip is None:
                return "invalid-host"
            reason = self.refusal_reason(ip)
            if reason is not None:
                return reason
        return None


class PrivateAddressRefused(IgnoreRequest, UnsafeAddressError):
    """A request to a non-public address, dropped by :class:`NetworkGuardMiddleware`."""

    def __init__(self, url: str, host: str, reason: str):
        super().__init__(f"refused {reason} address for host {host!r}: {redact_url(url)}")
        self.host = host
        self.reason = reason


class PrivateAddressLookupRefused(DNSLookupError, UnsafeAddressError):
    """The resolver refused to answer a non-public address (Twisted handles it as a DNS error)."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name} resolves to a {reason} address")
        self.reason = reason


Resolve = Callable[[str], Awaitable[Sequence[str]]]

ALLOWED_SCHEMES = frozenset({"http", "https"})


class NetworkGuardMiddleware:
    """Downloader middleware: drop requests to non-public addresses, before they are sent.

    Enable it before robots.txt handling so a refused host is never contacted at all:
    ``DOWNLOADER_MIDDLEWARES = {"linkspider.safety.NetworkGuardMiddleware": 50}``.
    """

    _MAX_LOGGED_HOSTS = 10_000

    def __init__(
        self,
        policy: AddressPolicy,
        stats: StatsCollector | None = None,
        resolve: Resolve | None = None,
    ):
        self.policy = policy
        self.stats = stats
        self._resolve = resolve or _resolve_with_reactor
        self._logged_hosts: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkGuardMiddleware:
        return cls(AddressPolicy.from_settings(crawler.settings), crawler.stats)

    async def process_request(self, request: Request) -> None:
        parsed = urlparse_cached(request)
        if parsed.scheme not in ALLOWED_SCHEMES:
            self._refuse(request, parsed.scheme or "(none)", "scheme")
        try:
            host = parsed.hostname or ""
        except ValueError:
            host = ""
        if not host:
            self._refuse(request, parsed.netloc, "invalid-host")
        ip = parse_ip(host)
        if ip is not None:
            reason = self.policy.refusal_reason(ip)
        else:
            reason = await self._check_name(host)
        if reason is not None:
            self._refuse(request, host, reason)
        return None

    async def _check_name(self, host: str) -> str | None:
        try:
            addresses = await self._resolve(host)
        except PrivateAddressLookupRefused as exc:
            return exc.reason
        except (DNSLookupError, OSError, UnicodeError):
            # Unresolvable now. The download resolves again; only let it try if that
            # lookup is itself guarded (or private addresses are allowed anyway).
            if self.policy.allow_private or _guarded_resolver_installed():
                return None
            return "unresolvable"
        return self.policy.check_addresses(addresses)

    def _refuse(self, request: Request, host: str, reason: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"linkspider/ssrf/refused/{reason}")
        if host not in self._logged_hosts and len(self._logged_hosts) < self._MAX_LOGGED_HOSTS:
            self._logged_hosts.add(host)
            logger.warning(
                "Refused request to %s address (host %r): %s; further requests to this host "
                "are dropped silently (set LINKSPIDER_ALLOW_PRIVATE_NETWORKS or "
                "LINKSPIDER_ALLOWED_NETWORKS to allow)",
                reason, host, redact_url(request.url),
            )
        raise PrivateAddressRefused(request.url, host, reason)


def _guarded_resolver_installed() -> bool:
    from scrapy.utils.reactor import is_reactor_installed

    if not is_reactor_installed():
        return False
    from twisted.internet import reactor

    return isinstance(getattr(reactor, "resolver", None), PublicOnlyResolver)


async def _resolve_with_reactor(host: str) -> Sequence[str]:
    """Resolve through the reactor's resolver, sharing Scrapy's DNS cache with the download."""
    from scrapy.utils.reactor import is_reactor_installed

    if is_reactor_installed():
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor

        address: str = await maybe_deferred_to_future(reactor.resolve(host))
        return [address]
    from scrapy.utils.asyncio import run_in_thread

    infos = await run_in_thread(socket.getaddrinfo, host, None, 0, socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class PublicOnlyResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that never answers a non-public address.

    Set ``TWISTED_DNS_RESOLVER = "linkspider.safety.PublicOnlyResolver"``. Scrapy builds the
    resolver once per process from the process settings (``settings.py`` or ``-s``), so spider
    ``custom_settings`` do not reach it.
    """

    def __init__(self, reactor: Any, cache_size: int, timeout: float, policy: AddressPolicy | None = None):
        super().__init__(reactor, cache_size, timeout)
        self.policy = policy or AddressPolicy()
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> PublicOnlyResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), AddressPolicy.from_settings(settings))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        d = super().getHostByName(name, timeout)
        d.addCallback(self._check, name)
        return d

    def _check(self, address: str, name: str) -> str:
        reason = self.policy.check_addresses([address])
        if reason is None:
            return address
        if name not in self._logged and len(self._logged) < NetworkGuardMiddleware._MAX_LOGGED_HOSTS:
            self._logged.add(name)
            logger.warning("DNS answer for %r is a %s address; refusing to connect", name, reason)
        raise PrivateAddressLookupRefused(name, reason)
