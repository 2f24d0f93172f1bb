"""Which asset an alert is about: explicit asset label, then hostnames, instance, address.

Scoped to the source's customer when it has one. Ambiguity (two assets answer to one name)
leaves the alert unmatched with a note: the desk decides, the code never guesses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.db.models import QuerySet

from servicepact.assets.models import Asset
from servicepact.monitoring.models import AlertSource
from servicepact.monitoring.sources.base import ASSET_LABEL, ParsedAlert


@dataclass(frozen=True)
class Match:
    asset: Asset | None
    note: str


def host_of(value: str) -> str:
    """'srv01:9100' -> 'srv01', '[2001:db8::1]:9100' -> '2001:db8::1', '10.0.0.1' unchanged."""
    value = value.strip()
    if "://" in value:
        value = value.split("://", 1)[1].split("/", 1)[0]
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.rsplit(":", 1)[0]
    return value


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _one(qs: QuerySet[Asset]) -> tuple[Asset | None, int]:
    found = list(qs.select_related("customer", "site").order_by()[:2])
    return (found[0] if len(found) == 1 else None), len(found)


def _by_name(assets: QuerySet[Asset], name: str) -> tuple[Asset | None, int, str]:
    """Exact hostname (indexed), then case-insensitive, then address, then short/FQDN forms."""
    if _is_address(name):
        asset, n = _one(assets.filter(ip_address=name))
        if n:
            return asset, n, "address"
    for how, qs in (
        ("hostname", assets.filter(hostname=name)),
        ("hostname", assets.filter(hostname__iexact=name)),
    ):
        asset, n = _one(qs)
        if n:
            return asset, n, how
    if not _is_address(name) and "." in name:
        asset, n = _one(assets.filter(hostname__iexact=name.split(".", 1)[0]))
        if n:
            return asset, n, "short hostname"
    if not _is_address(name):
        asset, n = _one(assets.filter(hostname__istartswith=f"{name}."))
        if n:
            return asset, n, "FQDN"
    return None, 0, ""


def match_asset(source: AlertSource, parsed: ParsedAlert) -> Match:
    assets = Asset.objects.all()
    if source.customer_id is not None:
        assets = assets.filter(customer_id=source.customer_id)
    if parsed.asset_hint:
        hint = parsed.asset_hint.strip()
        is_id = hint.isascii() and hint.isdigit() and len(hint) < 19  # a bigint, not "²"
        asset, n = _one(assets.filter(pk=int(hint))) if is_id else (None, 0)
        if asset is None:
            asset, n, _ = _by_name(assets, hint)
        if asset is not None:
            return Match(asset, f"{ASSET_LABEL}={hint}")
        why = "matches several assets" if n > 1 else "matches no asset"
        return Match(None, f"{ASSET_LABEL}={hint} {why}{_scope(source)}")
    for candidate in parsed.hosts:
        name = host_of(candidate)
        if not name:
            continue
        asset, n, how = _by_name(assets, name)
        if asset is not None:
            return Match(asset, f"{how} {name}")
        if n > 1:
            return Match(None, f"{name} matches several assets{_scope(source)}; set {ASSET_LABEL}")
    tried = ", ".join(host_of(h) for h in parsed.hosts) or "no host label"
    return Match(None, f"no asset matches {tried}{_scope(source)}")


# ---------------------------------------------------------------- many alerts at once


class HostIndex:
    """The lower-cased hostnames a source's alerts may match, read once (a batch's negative
    cache): a name that no asset could answer to (exactly, case-insensitively, by short name
    or as the short form of an FQDN) is a miss without a query, with ``match_asset``'s note.
    Anything that might match (an address, an asset id, a non-ASCII name, a known name) is
    left to ``match_asset``. Built only for inventories up to ``LIMIT`` assets in scope."""

    LIMIT = 20_000

    def __init__(self, source: AlertSource, names: set[str]) -> None:
        self.source = source
        self.names = names
        # "srv01" and "srv01.acme" for srv01.acme.internal: what an FQDN starts with
        self.prefixes = {n[:i] for n in names for i, c in enumerate(n) if c == "."}

    @classmethod
    def build(cls, source: AlertSource) -> HostIndex | None:
        assets = Asset.objects.all()
        if source.customer_id is not None:
            assets = assets.filter(customer_id=source.customer_id)
        names = list(assets.order_by().values_list("hostname", flat=True)[: cls.LIMIT + 1])
        if len(names) > cls.LIMIT:
            return None
        return cls(source, {n.lower() for n in names})

    def _might_match(self, name: str) -> bool:
        if not name.isascii() or _is_address(name):
            return True
        low = name.lower()
        return low in self.names or low.split(".", 1)[0] in self.names or low in self.prefixes

    def miss(self, parsed: ParsedAlert) -> Match | None:
        """``match_asset``'s answer when no asset can match, else None (ask it)."""
        if parsed.asset_hint:
            hint = parsed.asset_hint.strip()
            if hint.isdigit() or self._might_match(hint):
                return None
            return Match(None, f"{ASSET_LABEL}={hint} matches no asset{_scope(self.source)}")
        for candidate in parsed.hosts:
            name = host_of(candidate)
            if name and self._might_match(name):
                return None
        tried = ", ".join(host_of(h) for h in parsed.hosts) or "no host label"
        return Match(None, f"no asset matches {tried}{_scope(self.source)}")


def _scope(source: AlertSource) -> str:
    return f" of {source.customer.name}" if source.customer_id else ""
