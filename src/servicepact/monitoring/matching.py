"""Which asset an alert is about: explicit asset label, then hostnames, instance, address.

Scoped to the source's customer when it has one. Ambiguity (two assets answer to one name)
leaves the alert unmatched with a note: the desk decides, the code never guesses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from servicepact.assets.models import Asset
from servicepact.monitoring.models import AlertSource
from servicepact.monitoring.sources.base import ASSET_LABEL, ParsedAlert
from servicepact.tickets import system_notes
from servicepact.tickets.system_notes import SystemNote


@dataclass(frozen=True)
class Match:
    """``note``: the English text (``Alert.match_note``); ``facts``: the same as a system note
    (``Alert.match_facts``), which ``Alert.match_text`` writes in the reader's language."""

    asset: Asset | None
    note: str
    facts: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, asset: Asset | None, note: SystemNote) -> Match:
        return cls(asset, note.english(), note.as_data())


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
        return Match.of(None, _hint_missed(source, hint, several=n > 1))
    for candidate in parsed.hosts:
        name = host_of(candidate)
        if not name:
            continue
        asset, n, how = _by_name(assets, name)
        if asset is not None:
            return Match.of(asset, system_notes.match_found(how=how, name=name))
        if n > 1:
            note = system_notes.match_name_several(
                name=name, label=ASSET_LABEL, customer=_scope(source)
            )
            return Match.of(None, note)
    return _none(source, parsed)


# ---------------------------------------------------------------- many alerts at once


class HostIndex:
    """A batch's asset matching for one source, read with two queries: the lower-cased
    hostnames in scope, and the assets whose hostname is exactly one of the batch's names.
    A name no asset could answer to (exactly, case-insensitively, by short name or as the
    short form of an FQDN) is a miss without a query (the negative cache); a name exactly
    one asset has as its hostname is that asset. Both answers are ``match_asset``'s, note
    included; anything else (an address, an asset id, a name only matched case-insensitively
    or by its short form, a name two assets have) is left to ``match_asset``. Built only for
    inventories up to ``LIMIT`` assets in scope."""

    LIMIT = 20_000

    def __init__(self, source: AlertSource, names: set[str], exact: dict[str, list[Asset]]) -> None:
        self.source = source
        self.names = names
        self.exact = exact
        # "srv01" and "srv01.acme" for srv01.acme.internal: what an FQDN starts with
        self.prefixes = {n[:i] for n in names for i, c in enumerate(n) if c == "."}

    @classmethod
    def build(cls, source: AlertSource, wanted: set[str]) -> HostIndex | None:
        """``wanted``: the names the batch's alerts carry (asset labels, host candidates)."""
        assets = Asset.objects.all()
        if source.customer_id is not None:
            assets = assets.filter(customer_id=source.customer_id)
        names = list(assets.order_by().values_list("hostname", flat=True)[: cls.LIMIT + 1])
        if len(names) > cls.LIMIT:
            return None
        lower = {n.lower() for n in names}
        known = sorted(w for w in wanted if w.lower() in lower)
        exact: dict[str, list[Asset]] = {}
        for first in range(0, len(known), 500):
            found = assets.filter(hostname__in=known[first : first + 500])
            for asset in found.select_related("customer", "site").order_by():
                exact.setdefault(asset.hostname, []).append(asset)
        return cls(source, lower, exact)

    @staticmethod
    def names_of(parsed: ParsedAlert) -> set[str]:
        names = {host_of(h) for h in parsed.hosts}
        if parsed.asset_hint:
            names.add(parsed.asset_hint.strip())
        return names - {""}

    def _exact(self, name: str) -> Asset | None:
        found = self.exact.get(name, [])
        return found[0] if len(found) == 1 else None

    def _might_match(self, name: str) -> bool:
        if not name.isascii() or _is_address(name):
            return True
        low = name.lower()
        return low in self.names or low.split(".", 1)[0] in self.names or low in self.prefixes

    def answer(self, parsed: ParsedAlert) -> Match | None:
        """``match_asset``'s answer when it is a miss or an exact hostname, else None (ask it)."""
        if parsed.asset_hint:
            hint = parsed.asset_hint.strip()
            if hint.isdigit() or _is_address(hint):
                return None
            if not self._might_match(hint):
                return Match.of(None, _hint_missed(self.source, hint, several=False))
            asset = self._exact(hint)
            return Match(asset, f"{ASSET_LABEL}={hint}") if asset is not None else None
        for candidate in parsed.hosts:
            name = host_of(candidate)
            if not name or not self._might_match(name):
                continue  # this candidate matches nothing: the next one
            if _is_address(name):
                return None
            asset = self._exact(name)
            if asset is None:
                return None
            return Match.of(asset, system_notes.match_found(how="hostname", name=name))
        return _none(self.source, parsed)


def _scope(source: AlertSource) -> str:
    """The source's customer's name ("" for a shared source): "… of Acme" in the note."""
    return source.customer.name if source.customer is not None else ""


def _hint_missed(source: AlertSource, hint: str, *, several: bool) -> SystemNote:
    return system_notes.match_hint_missed(
        label=ASSET_LABEL, hint=hint, several=several, customer=_scope(source)
    )


def _none(source: AlertSource, parsed: ParsedAlert) -> Match:
    tried = [host_of(h) for h in parsed.hosts]
    return Match.of(None, system_notes.match_none(tried=tried, customer=_scope(source)))
