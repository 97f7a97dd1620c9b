"""The address policy behind the SSRF guard: a pure function of the IP address."""
from __future__ import annotations

import ipaddress

import pytest
from scrapy.settings import Settings

from linkspider.errors import ConfigurationError
from linkspider.safety import AddressPolicy, classify_address, parse_ip

CLASSIFY = [
    # (address, expected reason)
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("::1", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "metadata"),
    ("169.254.170.2", "metadata"),
    ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"),
    ("192.0.0.192", "metadata"),
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("fd12:3456::1", "private"),  # unique-local fc00::/7
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("100.64.0.1", "cgnat"),
    ("100.127.255.254", "cgnat"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("240.0.0.1", "private"),  # reserved 240/4 is in Python's private list
    ("255.255.255.255", "private"),
    ("198.18.0.1", "private"),  # benchmarking
    ("192.0.2.1", "private"),  # documentation
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
    ("::ffff:10.1.2.3", "private"),
    ("::ffff:169.254.169.254", "metadata"),
    ("2002:a00:1::", "private"),  # 6to4 wrapping 10.0.0.1
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
    ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 wrapping 169.254.169.254
    ("64:ff9b::a00:1", "private"),  # NAT64 wrapping 10.0.0.1
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo, client 10.0.0.1
    ("::127.0.0.1", "reserved"),  # deprecated IPv4-compatible
    ("2001:db8::1", "private"),  # documentation
    # public
    ("93.184.216.34", None),
    ("8.8.8.8", None),
    ("1.1.1.1", None),
    ("2606:4700:4700::1111", None),
    ("64:ff9b::808:808", None),  # NAT64 of 8.8.8.8 is public
    ("::ffff:8.8.8.8", None),
]


@pytest.mark.parametrize(("address", "reason"), CLASSIFY, ids=[a for a, _ in CLASSIFY])
def test_classify_address(address: str, reason: str | None) -> None:
    assert classify_address(ipaddress.ip_address(address)) == reason


PARSE = [
    ("127.0.0.1", "127.0.0.1"),
    ("[::1]", "::1"),
    ("::1", "::1"),
    (" 10.0.0.1 ", "10.0.0.1"),
    ("example.com", None),
    ("2130706433", None),  # decimal form is a name to ipaddress; the resolver turns it into 127.0.0.1
    ("", None),
    ("[not-an-ip]", None),
]


@pytest.mark.parametrize(("host", "expected"), PARSE, ids=[h or "empty" for h, _ in PARSE])
def test_parse_ip(host: str, expected: str | None) -> None:
    ip = parse_ip(host)
    assert (str(ip) if ip is not None else None) == expected


POLICY = [
    # (policy kwargs, address, expected reason)
    ({}, "10.0.0.1", "private"),
    ({}, "8.8.8.8", None),
    ({"allow_private": True}, "10.0.0.1", None),
    ({"allow_private": True}, "127.0.0.2", None),
    ({"allow_private": True}, "169.254.169.254", "metadata"),
    ({"allow_private": True}, "::ffff:169.254.169.254", "metadata"),
    ({"allowed": ("127.0.0.0/8",)}, "127.0.0.5", None),
    ({"allowed": ("127.0.0.0/8",)}, "10.0.0.1", "private"),
    ({"allowed": ("169.254.169.254/32",)}, "169.254.169.254", None),
    ({"denied": ("8.8.8.0/24",)}, "8.8.8.8", "denied"),
    ({"allow_private": True, "denied": ("127.0.0.9/32",)}, "127.0.0.9", "denied"),
    ({"allowed": ("127.0.0.0/8",), "denied": ("127.0.0.9/32",)}, "127.0.0.9", "denied"),
    ({"allowed": ("::1/128",)}, "127.0.0.1", "loopback"),
    ({"allowed": ("fe80::/10",)}, "fe80::1%eth0", None),
]


@pytest.mark.parametrize(
    ("kwargs", "address", "reason"), POLICY, ids=[f"{k}-{a}" for k, a, _ in POLICY]
)
def test_policy_refusal_reason(kwargs: dict, address: str, reason: str | None) -> None:
    kwargs = {
        key: tuple(ipaddress.ip_network(n) for n in value) if isinstance(value, tuple) else value
        for key, value in kwargs.items()
    }
    assert AddressPolicy(**kwargs).refusal_reason(ipaddress.ip_address(address)) == reason


def test_check_addresses_refuses_if_any_address_is_private() -> None:
    policy = AddressPolicy()
    assert policy.check_addresses(["8.8.8.8", "1.1.1.1"]) is None
    assert policy.check_addresses(["8.8.8.8", "10.0.0.7"]) == "private"
    assert policy.check_addresses(["not-an-address"]) == "invalid-host"


def test_policy_from_settings() -> None:
    policy = AddressPolicy.from_settings(
        Settings(
            {
                "LINKSPIDER_ALLOW_PRIVATE_NETWORKS": "False",
                "LINKSPIDER_ALLOWED_NETWORKS": "127.0.0.0/8,::1",
                "LINKSPIDER_DENIED_NETWORKS": ["203.0.113.0/24"],
            }
        )
    )
    assert policy.allow_private is False
    assert policy.allowed == (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))
    assert policy.denied == (ipaddress.ip_network("203.0.113.0/24"),)
    assert AddressPolicy.from_settings(Settings()) == AddressPolicy()


@pytest.mark.parametrize("setting", ["LINKSPIDER_ALLOWED_NETWORKS", "LINKSPIDER_DENIED_NETWORKS"])
def test_bad_network_setting_names_the_setting(setting: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{setting}: '10.0.0.300/8'"):
        AddressPolicy.from_settings(Settings({setting: ["10.0.0.300/8"]}))
