"""Which client a request comes from, for limits keyed by client.

The address is the socket's peer. ``X-Forwarded-For`` is believed only when
that peer is a configured trusted proxy, and then only as far as trusted
proxies wrote it: walking from the right, the first address that is not a
trusted proxy is the client (anything left of it was written by the client
itself and may be forged).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# An IPv6 subscriber is usually handed a whole /64, so one client is one /64.
IPV6_CLIENT_PREFIX = 64


class ClientAddresses:
    """Resolves the client of a request from its peer and forwarded headers."""

    def __init__(self, trusted_proxies: Iterable[str] = ()) -> None:
        self._trusted: tuple[Network, ...] = tuple(
            ipaddress.ip_network(item, strict=False) for item in trusted_proxies
        )

    def is_trusted(self, address: Address) -> bool:
        return any(address in network for network in self._trusted)

    def client_of(self, peer: str | None, forwarded_for: Sequence[str]) -> str:
        """The client's key: an IPv4 address, an IPv6 /64, or the peer as
        given when it is not an IP address (a Unix socket's path, say)."""
        if peer is None:
            return "unknown"
        address = _parse(peer)
        if address is None:
            return peer
        if self._trusted and self.is_trusted(address):
            address = self._forwarded_client(address, forwarded_for)
        return client_key(address)

    def _forwarded_client(self, peer: Address, forwarded_for: Sequence[str]) -> Address:
        hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
        nearest = peer
        for hop in reversed(hops):
            address = _parse(hop)
            if address is None:
                # Garbage where a trusted proxy should have written the address
                # it saw: stop at the last hop we can vouch for.
                return nearest
            if not self.is_trusted(address):
                return address
            nearest = address
        return nearest


def client_key(address: Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        return str(network)
    return str(address)


def _parse(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[v6]:port"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "v4:port"
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None
