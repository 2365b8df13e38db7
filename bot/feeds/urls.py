"""URL validation, canonical forms and the address policy (which hosts we may connect to)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.core.i18n import N_
from bot.feeds.errors import BadFeedURL, PrivateAddressError

MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Ranges the stdlib flags do not all cover (CGNAT is not "private" in every Python version).
_EXTRA_BLOCKED: tuple[IPNetwork, ...] = (
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("100.64.0.0/10"),
    ipaddress.ip_network("192.0.0.0/24"),
    ipaddress.ip_network("198.18.0.0/15"),
    ipaddress.ip_network("fc00::/7"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("64:ff9b:1::/48"),
)


def validate_url(url: str) -> str:
    """Return ``url`` stripped if it is an http(s) URL with a host and no credentials."""
    if not isinstance(url, str):
        raise BadFeedURL(N_("the feed address must be text"))
    url = url.strip()
    if not url:
        raise BadFeedURL(N_("the feed address is empty"))
    if len(url) > MAX_URL_LENGTH:
        raise BadFeedURL(N_("the feed address is longer than {n} characters"), n=MAX_URL_LENGTH)
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise BadFeedURL(N_("the feed address must not contain spaces or control characters"))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadFeedURL(N_("{url} is not a valid web address"), url=repr(url)) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadFeedURL(
            N_("only http:// and https:// feed addresses are supported (got {scheme} scheme)"),
            scheme=scheme or "no",
        )
    if parts.username is not None or parts.password is not None:
        raise BadFeedURL(N_("feed addresses with a user name or password in them are not accepted"))
    if not parts.hostname:
        raise BadFeedURL(N_("{url} has no host name"), url=repr(url))
    if port == 0:
        raise BadFeedURL(N_("{url} has an invalid port"), url=repr(url))
    return url


def canonical_url(url: str) -> str:
    """Return a stable ``url``: lowercase scheme and host, no default port, fragment or utm_*.

    Used both as the unique key of a feed and to derive entry keys from links.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    netloc = host
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = parts.username or ""
        if parts.password:
            userinfo += f":{parts.password}"
        netloc = f"{userinfo}@{netloc}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_")
    ]
    path = parts.path or ("/" if scheme in _DEFAULT_PORTS else "")
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def blocked_reason(address: IPAddress) -> str | None:
    """Say why ``address`` is internal (loopback, private, …), or return None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return blocked_reason(mapped)
        if address in ipaddress.ip_network("64:ff9b::/96"):
            # NAT64: the last 32 bits are the IPv4 destination.
            return blocked_reason(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    checks = (
        (N_("loopback"), address.is_loopback),
        (N_("link-local"), address.is_link_local),
        (N_("unspecified"), address.is_unspecified),
        (N_("multicast"), address.is_multicast),
        (N_("reserved"), address.is_reserved),
        (N_("private"), address.is_private),
    )
    for name, hit in checks:
        if hit:
            if name == "link-local" and str(address) == "169.254.169.254":
                return N_("cloud metadata")
            return name
    for network in _EXTRA_BLOCKED:
        if address.version == network.version and address in network:
            return N_("private")
    if not address.is_global:
        return N_("non-public")
    return None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which resolved addresses a fetch may connect to.

    ``allow_private`` lifts the whole check (FEED_ALLOW_PRIVATE_HOSTS); ``allowed_networks``
    admits only the listed ranges, for an operator's one internal feed server (and for tests).
    """

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def allowing(cls, networks: Iterable[str]) -> AddressPolicy:
        """Build a policy that admits the given CIDR ranges and nothing else internal."""
        return cls(False, tuple(ipaddress.ip_network(n, strict=False) for n in networks))

    def check(self, host: str, address: str) -> None:
        """Raise ``PrivateAddressError`` unless ``address`` (resolved from ``host``) is allowed."""
        if self.allow_private:
            return
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            raise PrivateAddressError(
                N_("{host} resolved to an unusable address"), host=host
            ) from None
        reason = blocked_reason(ip)
        if reason is None:
            return
        if any(ip.version == n.version and ip in n for n in self.allowed_networks):
            return
        shown = host if host == address else f"{host} ({address})"
        raise PrivateAddressError(
            N_(
                "{host} is a {reason} address; the bot only fetches feeds from public "
                "internet hosts"
            ),
            host=shown,
            reason=reason,
        )
