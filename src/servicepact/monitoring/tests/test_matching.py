"""Alerts find their asset by explicit label, hostname, instance (host:port) or address,
within the source's customer; unmatched alerts are kept for triage."""

from __future__ import annotations

import pytest
from django.utils import translation

from servicepact.assets.models import Asset
from servicepact.monitoring.matching import HostIndex, host_of, match_asset
from servicepact.monitoring.models import Alert, AlertTransition, Outage
from servicepact.monitoring.selectors import unmatched_alerts
from servicepact.monitoring.services import assign_alert_asset, create_alert_source
from servicepact.monitoring.sources.base import ParsedAlert
from servicepact.tickets.models import Ticket
from servicepact.tickets.testing import world

from .conftest import am_alert, am_payload, post_json, sample, utc

pytestmark = [pytest.mark.django_db]


def parsed(*hosts: str, hint: str = "") -> ParsedAlert:
    return ParsedAlert(
        fingerprint="f",
        status="firing",
        name="x",
        starts_at=utc(2025, 6, 10),
        hosts=hosts,
        asset_hint=hint,
    )


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("srv01:9100", "srv01"),
        ("srv01.acme.internal", "srv01.acme.internal"),
        ("10.0.0.1:9100", "10.0.0.1"),
        ("[2001:db8::1]:9100", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("https://srv01.acme.internal:8443/health", "srv01.acme.internal"),
    ],
)
def test_host_of_strips_ports_brackets_and_schemes(value, host):
    assert host_of(value) == host


@pytest.fixture
def two_customers(clock):
    clock.at(utc(2025, 6, 10, 18, 1))
    acme, beta = world(code="acme"), world(code="beta")
    Asset.objects.filter(pk=acme.asset.pk).update(ip_address="10.20.0.11")
    twin = Asset.objects.create(customer=beta.customer, hostname="acme-srv01")  # same name
    return acme, beta, twin


def test_matching_rules_in_order(two_customers):
    """Scoped to ACME: explicit id, explicit hostname, instance host:port, address, FQDN, short."""
    acme, beta, _ = two_customers
    source, _ = create_alert_source(name="acme-prom", kind="alertmanager", customer=acme.customer)
    a = acme.asset
    b = beta.asset.pk
    cases = [
        (parsed(hint=str(a.pk)), a, f"servicepact_asset={a.pk}"),
        (parsed("ignored", hint="ACME-SRV01"), a, "servicepact_asset=ACME-SRV01"),
        (parsed("acme-srv01:9100"), a, "hostname acme-srv01"),
        (parsed("10.20.0.11:9100"), a, "address 10.20.0.11"),
        (parsed("acme-srv01.acme.internal"), a, "short hostname acme-srv01.acme.internal"),
        (parsed("nothing", "acme-srv01"), a, "hostname acme-srv01"),
        (parsed(hint=str(b)), None, f"servicepact_asset={b} matches no asset of Acme"),
        (parsed("beta-srv01"), None, "no asset matches beta-srv01 of Acme"),
    ]
    for alert, asset, note in cases:
        match = match_asset(source, alert)
        assert (match.asset, match.note) == (asset, note), alert


def test_matching_notes_are_written_in_the_readers_language(two_customers):
    """The note is stored as facts beside its English text: ``Alert.match_text`` writes it in
    the active language; the English is the stored text."""
    acme, beta, _ = two_customers
    scoped, _ = create_alert_source(name="acme-prom", kind="alertmanager", customer=acme.customer)
    shared, _ = create_alert_source(name="noc", kind="alertmanager")
    cases = [
        (scoped, parsed("10.20.0.11:9100"), "地址 10.20.0.11"),
        (scoped, parsed("acme-srv01.acme.internal"), "短主机名 acme-srv01.acme.internal"),
        (
            scoped,
            parsed(hint=str(beta.asset.pk)),
            f"servicepact_asset={beta.asset.pk} 未匹配到客户 Acme 的任何资产",
        ),
        (scoped, parsed("beta-srv01"), "beta-srv01 未匹配到客户 Acme 的任何资产"),
        (scoped, parsed(), "无主机标签 未匹配到客户 Acme 的任何资产"),
        (shared, parsed(hint="acme-srv01"), "servicepact_asset=acme-srv01 匹配到多个资产"),
        (
            shared,
            parsed("acme-srv01:9100"),
            "acme-srv01 匹配到多个资产；请设置 servicepact_asset",
        ),
    ]
    for source, alert, chinese in cases:
        match = match_asset(source, alert)
        stored = Alert(match_note=match.note, match_facts=match.facts)
        with translation.override("zh-hans"):
            assert stored.match_text == chinese, alert
        with translation.override("en"):
            assert stored.match_text == match.note, alert
    # An alert matched before facts were stored shows its English note in every language.
    with translation.override("zh-hans"):
        assert Alert(match_note="hostname acme-srv01").match_text == "hostname acme-srv01"


@pytest.mark.parametrize("scoped", [True, False])
def test_the_batch_host_index_answers_misses_and_exact_names_exactly_as_matching(
    two_customers, scoped
):
    """A batch asks ``match_asset`` only for names some asset might answer to and that are
    not exactly one asset's hostname; for the others the index gives the same answer."""
    acme, _, _ = two_customers
    Asset.objects.create(customer=acme.customer, hostname="db01.acme.internal")
    customer = acme.customer if scoped else None
    source, _ = create_alert_source(name="prom", kind="alertmanager", customer=customer)
    cases = [
        parsed("ghost:9100"),
        parsed("ghost.example.com", "other"),
        parsed(),
        parsed(hint="nobody"),
        parsed("acme-srv01:9100"),
        parsed("ACME-SRV01.elsewhere"),
        parsed("db01"),
        parsed("db01.acme"),
        parsed("DB01.ACME.INTERNAL"),
        parsed("10.20.0.11"),
        parsed("10.9.9.9"),
        parsed(hint=str(acme.asset.pk)),
        parsed(hint="acme-srv01"),
        parsed("sérvér"),
        parsed("ghost", "acme-srv01"),
    ]
    index = HostIndex.build(source, set().union(*(HostIndex.names_of(c) for c in cases)))
    assert index is not None
    answered = []
    for alert in cases:
        expected = match_asset(source, alert)
        quick = index.answer(alert)
        if quick is not None:
            answered.append(quick.note)
            assert quick == expected, alert
    misses = [
        "no asset matches ghost",
        "no asset matches ghost.example.com, other",
        "no asset matches no host label",
        "servicepact_asset=nobody matches no asset",
    ]
    hits = ["hostname acme-srv01", "servicepact_asset=acme-srv01", "hostname acme-srv01"]
    scope = " of Acme" if scoped else ""
    # Unscoped, beta's twin makes acme-srv01 ambiguous: left to match_asset.
    assert answered == [m + scope for m in misses] + (hits if scoped else [])


def test_a_source_without_customer_refuses_ambiguous_names(two_customers):
    """Two customers have an acme-srv01: without a customer scope nobody guesses."""
    acme, _, _ = two_customers
    source, _ = create_alert_source(name="noc", kind="alertmanager")
    match = match_asset(source, parsed("acme-srv01:9100"))
    assert match.asset is None
    assert match.note == "acme-srv01 matches several assets; set servicepact_asset"
    assert match_asset(source, parsed("10.20.0.11")).asset == acme.asset


def test_fqdn_in_the_inventory_matches_a_short_name(two_customers):
    acme, _, _ = two_customers
    Asset.objects.filter(pk=acme.asset.pk).update(hostname="acme-srv01.acme.internal")
    source, _ = create_alert_source(name="acme-prom", kind="alertmanager", customer=acme.customer)
    match = match_asset(source, parsed("acme-srv01:9100"))
    assert (match.asset, match.note) == (acme.asset, "FQDN acme-srv01")


def test_unmatched_alerts_are_kept_for_triage_and_listed(client, two_customers):
    """No asset, no ticket, no outage; the alert and its transition are stored for the desk."""
    acme, _, _ = two_customers
    _, token = create_alert_source(name="acme-prom", kind="alertmanager", customer=acme.customer)
    alert = am_alert("f-1", "firing", utc(2025, 6, 10, 18, 0), instance="ghost:9100")
    response = post_json(client, "/api/v1/alerts/alertmanager", am_payload(alert), token)

    assert response.json() == {"accepted": 1, "tickets": [], "unmatched": 1}
    stored = Alert.objects.get()
    assert (stored.asset, stored.customer, stored.status) == (None, acme.customer, "firing")
    assert stored.match_note == "no asset matches ghost of Acme"
    assert AlertTransition.objects.filter(alert=stored).count() == 1
    assert not Outage.objects.exists() and not Ticket.objects.exists()
    assert list(unmatched_alerts()) == [stored]
    assert list(unmatched_alerts(status="resolved")) == []


def test_triage_assigns_the_asset_and_replays_outages_and_the_ticket(clock, client, two_customers):
    """An unmatched alert fired 18:00, resolved 18:10, fired 19:00 (ongoing). Assigning it to
    the asset records the closed outage, an open one from 19:00 and opens the incident."""
    acme, _, _ = two_customers
    _, token = create_alert_source(name="acme-prom", kind="alertmanager", customer=acme.customer)
    url = "/api/v1/alerts/alertmanager"
    start, end, again = utc(2025, 6, 10, 18, 0), utc(2025, 6, 10, 18, 10), utc(2025, 6, 10, 19, 0)
    post_json(client, url, am_payload(am_alert("f-1", "firing", start, instance="ghost")), token)
    clock.at(utc(2025, 6, 10, 18, 11))
    post_json(
        client, url, am_payload(am_alert("f-1", "resolved", start, end, instance="ghost")), token
    )
    clock.at(utc(2025, 6, 10, 19, 1))
    post_json(client, url, am_payload(am_alert("f-1", "firing", again, instance="ghost")), token)

    alert = assign_alert_asset(alert=Alert.objects.get(), asset=acme.asset, actor=acme.agent)

    assert alert.match_note == "assigned to acme-srv01 by acme-agent"
    with translation.override("zh-hans"):
        assert alert.match_text == "由 acme-agent 分配到 acme-srv01"
    with translation.override("en"):
        assert alert.match_text == "assigned to acme-srv01 by acme-agent"
    assert list(Outage.objects.values_list("started_at", "ended_at")) == [
        (start, end),
        (again, None),
    ]
    ticket = Ticket.objects.get()
    assert (alert.ticket, ticket.asset, ticket.channel) == (ticket, acme.asset, "monitoring")
    assert list(unmatched_alerts()) == []


def test_an_alert_matched_on_a_later_delivery_opens_its_incident(clock, client, two_customers):
    """The asset is added after the first delivery; the repeat matches it and the incident and
    outage start when the alert started firing."""
    acme, _, _ = two_customers
    _, token = create_alert_source(name="acme-prom", kind="alertmanager", customer=acme.customer)
    payload = sample("alertmanager", "firing_group.json")
    first = post_json(client, "/api/v1/alerts/alertmanager", payload, token).json()
    assert first["unmatched"] == 1  # 10.20.0.99 is nobody yet
    new = Asset.objects.create(
        customer=acme.customer, hostname="acme-db01", ip_address="10.20.0.99"
    )
    clock.at(utc(2025, 6, 10, 22, 1))
    second = post_json(client, "/api/v1/alerts/alertmanager", payload, token).json()

    assert second["unmatched"] == 0 and len(second["tickets"]) == 2
    outage = Outage.objects.get(asset=new)
    assert (outage.started_at, outage.ended_at) == (utc(2025, 6, 10, 18, 0, 30), None)
    assert Ticket.objects.get(asset=new).subject == "InstanceDown on acme-db01"
