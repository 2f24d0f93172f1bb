"""The desk's monitoring pages: availability on the contract page (this local month and the
last, against the commitment), every customer's maintenance windows, triage of unmatched
alerts, and the agent's notifications with the outbox's dead letters."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from servicepact.changes import services as cs
from servicepact.contracts.services import amend_contract
from servicepact.monitoring.choices import AlertStatus
from servicepact.monitoring.models import Alert, AlertTransition, Outage
from servicepact.monitoring.services import create_alert_source, record_outage
from servicepact.notifications.choices import Channel, Status
from servicepact.notifications.models import Notification
from servicepact.tickets import system_notes

from .conftest import login, ny

pytestmark = pytest.mark.django_db


def commit_availability(contract, target: str) -> None:
    """An availability KPI (24x7) from 1 May 2025, New York."""
    amend_contract(
        contract=contract,
        effective_from=ny(2025, 5, 1),
        reason="availability commitment",
        kpis=[{"kind": "availability", "target": target, "measurement_calendar": "24x7"}],
    )


@pytest.fixture
def june_outage(clock, acme):
    """A one-hour power cut on 10 June (NY); today is 2 July 2025, 09:00 New York."""
    clock.at(ny(2025, 6, 20, 9))
    record_outage(
        asset=acme.asset,
        started_at=ny(2025, 6, 10, 14),
        ended_at=ny(2025, 6, 10, 15),
        reason="power cut",
    )
    clock.at(ny(2025, 7, 2, 9))


# ---------------------------------------------------------------- availability


def test_contract_page_shows_this_and_last_months_availability_against_the_commitment(
    june_outage, acme, agent_client
):
    """June: 1 - 3600 / (30 x 86400) = 99.8611 % meets 99.8 %; July so far: 100 %, met."""
    commit_availability(acme.contract, "99.8")
    response = agent_client.get(f"/desk/contracts/{acme.contract.pk}/")
    html = response.content.decode()
    july, june = response.context["availability"]
    assert (july.result.period, july.current, june.result.period, june.current) == (
        "2025-07",
        True,
        "2025-06",
        False,
    )
    assert (june.result.availability_percent, june.result.met) == (Decimal("99.8611"), True)
    assert july.result.availability_percent == Decimal("100.0000")
    assert "July 2025" in html and "(so far)" in html and "June 2025" in html
    assert "99.8611 %" in html
    assert "100.0000 %" in html
    assert "Commitment: 99.8 % (measured 24x7)" in html
    assert html.count('class="avail avail-met"') == 2
    assert "Missed" not in html
    # The outage slice, in the customer's zone, with its cause and duration.
    assert (
        '10 Jun, 14:00 America/New_York (UTC-04:00)<span class="sub">until 10 Jun, 15:00 America/New_York (UTC-04:00)</span>'
        in html
    )
    assert "manual: power cut" in html
    assert "1h 00m" in html
    assert f'href="/desk/assets/{acme.asset.pk}/">acme-srv01</a>' in html


def test_a_month_below_the_commitment_is_missed(june_outage, acme, agent_client):
    """99.8611 % is below 99.9 %."""
    commit_availability(acme.contract, "99.9")
    html = agent_client.get(f"/desk/contracts/{acme.contract.pk}/").content.decode()
    assert "99.8611 %" in html
    assert '<span class="avail avail-missed">Missed</span>' in html
    assert "Commitment: 99.9 %" in html


def test_without_a_commitment_the_page_says_so_and_still_shows_the_downtime(
    june_outage, acme, agent_client
):
    html = agent_client.get(f"/desk/contracts/{acme.contract.pk}/").content.decode()
    assert html.count("No availability commitment") == 2
    assert "99.8611" not in html
    assert "Commitment:" not in html
    assert "manual: power cut" in html
    assert "1h 00m" in html


def test_downtime_inside_an_approved_window_is_planned(june_outage, acme, agent_client):
    """A window 14:30-16:00 approved by the customer: 30 min planned, 30 min unplanned."""
    commit_availability(acme.contract, "99.9")
    change = cs.request_change(
        customer=acme.customer,
        title="Firmware",
        assets=[acme.asset],
        planned_start=ny(2025, 6, 10, 14, 30),
        planned_end=ny(2025, 6, 10, 16),
    )
    cs.approve_change(change=change, actor=acme.contact.user)
    response = agent_client.get(f"/desk/contracts/{acme.contract.pk}/")
    june = response.context["availability"][1].result
    assert (june.unplanned_downtime_seconds, june.planned_downtime_seconds) == (1800, 1800)
    html = response.content.decode()
    assert '<span class="tag tag-planned">Planned</span>' in html
    assert '<span class="tag tag-unplanned">Unplanned</span>' in html
    assert change.number in html


def test_the_months_are_the_customers_local_months(clock, acme, agent_client):
    """30 June 22:00 in New York is already 1 July in UTC: the page shows June and May."""
    clock.at(ny(2025, 6, 30, 22))
    assert ny(2025, 6, 30, 22).astimezone(UTC).month == 7
    response = agent_client.get(f"/desk/contracts/{acme.contract.pk}/")
    periods = [m.result.period for m in response.context["availability"]]
    assert periods == ["2025-06", "2025-05"]


# ---------------------------------------------------------------- changes


def test_desk_lists_every_customers_changes_with_status_badges(clock, acme, globex, agent_client):
    clock.at(ny(2025, 6, 2, 9))
    mine = cs.request_change(
        customer=acme.customer,
        title="Acme firmware",
        assets=[acme.asset],
        planned_start=ny(2025, 6, 10, 22),
        planned_end=ny(2025, 6, 10, 23),
    )
    theirs = cs.request_change(
        customer=globex.customer,
        title="Globex switch swap",
        assets=[globex.asset],
        planned_start=ny(2025, 6, 11, 22),
        planned_end=ny(2025, 6, 11, 23),
    )
    cs.approve_change(change=mine, actor=acme.contact.user)
    html = agent_client.get("/desk/changes/").content.decode()
    assert "Acme firmware" in html and "Globex switch swap" in html
    assert '<span class="chstatus chstatus-approved">Approved</span>' in html
    assert '<span class="chstatus chstatus-requested">Requested</span>' in html
    # Windows in the customer's zone: 22:00 New York; 12 Jun 10:00 in Shanghai.
    assert (
        "10 Jun, 22:00 America/New_York (UTC-04:00) – 10 Jun, 23:00 America/New_York (UTC-04:00)"
        in html
    )
    assert "12 Jun, 10:00 Asia/Shanghai (UTC+08:00)" in html
    requested = agent_client.get("/desk/changes/?status=requested").content.decode()
    assert theirs.title in requested and mine.title not in requested
    assert login(acme.contact.user).get("/desk/changes/").status_code == 404


# ---------------------------------------------------------------- alert triage


def unmatched(source, fingerprint="fp-1", *, start, end=None):
    """An alert no asset matched: fired at ``start``, resolved at ``end`` (if given)."""
    alert = Alert.objects.create(
        source=source,
        fingerprint=fingerprint,
        name="InstanceDown",
        severity="critical",
        priority=1,
        summary="db-unknown down",
        labels={"instance": "db-unknown:9100"},
        status=AlertStatus.RESOLVED if end else AlertStatus.FIRING,
        starts_at=start,
        ends_at=end,
        first_received_at=start,
        last_received_at=end or start,
    )
    AlertTransition.objects.create(
        alert=alert, status=AlertStatus.FIRING, at=start, received_at=start
    )
    if end:
        AlertTransition.objects.create(
            alert=alert, status=AlertStatus.RESOLVED, at=end, received_at=end
        )
    return alert


@pytest.fixture
def triage(clock, acme, globex):
    clock.at(ny(2025, 6, 2, 12))
    source, _token = create_alert_source(name="prom", kind="alertmanager", customer=acme.customer)
    return unmatched(source, start=ny(2025, 6, 2, 9), end=ny(2025, 6, 2, 10))


def test_alerts_page_lists_unmatched_alerts_and_the_nav_counts_them(triage, acme, agent_client):
    response = agent_client.get("/desk/alerts/")
    html = response.content.decode()
    assert "1 alert waits for triage" in html
    assert "db-unknown:9100" in html
    assert (
        '<span class="visually-hidden">(</span>1<span class="visually-hidden"> unmatched)' in html
    )
    # The source belongs to Acme: only Acme's hosts are offered.
    form = response.context["rows"][0][1]
    assert [a.hostname for a in form.fields["asset"].queryset] == ["acme-srv01"]


def test_the_alerts_page_shows_the_matching_note_in_the_readers_language(
    triage, acme, agent_client
):
    """The note ingest wrote (as facts beside the English text) reads Chinese for a Chinese
    reader and is unchanged in English."""
    note = system_notes.match_none(tried=["db-unknown"], customer="Acme")
    Alert.objects.filter(pk=triage.pk).update(match_note=note.english(), match_facts=note.as_data())
    english = agent_client.get("/desk/alerts/").content.decode()
    assert "no asset matches db-unknown of Acme" in english
    chinese = agent_client.get("/desk/alerts/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "db-unknown 未匹配到客户 Acme 的任何资产" in chinese
    assert "no asset matches" not in chinese


def test_assigning_an_alert_turns_its_past_episode_into_an_outage(triage, acme, agent_client):
    response = agent_client.post(f"/desk/alerts/{triage.pk}/assign/", {"asset": acme.asset.pk})
    assert response.status_code == 302
    assert response["Location"] == "/desk/alerts/"
    triage.refresh_from_db()
    assert triage.asset == acme.asset
    assert triage.match_note == "assigned to acme-srv01 by acme-agent"
    outage = Outage.objects.get(alert=triage)
    assert (outage.started_at, outage.ended_at) == (ny(2025, 6, 2, 9), ny(2025, 6, 2, 10))
    html = agent_client.get("/desk/alerts/").content.decode()
    assert "Alert InstanceDown is now on acme-srv01." in html
    assert "No unmatched alerts" in html
    assert 'data-testid="nav-alert-count"' not in html


def test_another_customers_asset_is_refused_with_422(triage, globex, agent_client):
    response = agent_client.post(f"/desk/alerts/{triage.pk}/assign/", {"asset": globex.asset.pk})
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    triage.refresh_from_db()
    assert triage.asset_id is None


def test_a_shared_source_offers_every_host_and_an_already_assigned_alert_is_409(
    clock, acme, globex, agent_client
):
    clock.at(ny(2025, 6, 2, 12))
    source, _token = create_alert_source(name="shared", kind="alertmanager")
    alert = unmatched(source, start=ny(2025, 6, 2, 9), end=ny(2025, 6, 2, 10))
    form = agent_client.get("/desk/alerts/").context["rows"][0][1]
    assert {a.hostname for a in form.fields["asset"].queryset} == {"acme-srv01", "globex-srv01"}
    url = f"/desk/alerts/{alert.pk}/assign/"
    assert agent_client.post(url, {"asset": globex.asset.pk}).status_code == 302
    again = agent_client.post(url, {"asset": acme.asset.pk})
    assert again.status_code == 409
    assert "is already on asset" in again.content.decode()
    alert.refresh_from_db()
    assert alert.asset == globex.asset


def test_contacts_cannot_triage(triage, acme):
    client = login(acme.contact.user)
    assert client.get("/desk/alerts/").status_code == 404
    assert (
        client.post(f"/desk/alerts/{triage.pk}/assign/", {"asset": acme.asset.pk}).status_code
        == 404
    )
    triage.refresh_from_db()
    assert triage.asset_id is None


# ---------------------------------------------------------------- notifications


def note(user, subject, *, channel=Channel.IN_APP, status=Status.SENT, key=None, **fields):
    return Notification.objects.create(
        channel=channel,
        event="ticket.breached",
        recipient=user.get_username() if user else "ops@example.com",
        user=user,
        subject=subject,
        idempotency_key=key or subject,
        status=status,
        created_at=datetime(2025, 6, 2, 13, tzinfo=UTC),
        **fields,
    )


@pytest.fixture
def inbox(clock, acme, other_agent):
    clock.at(ny(2025, 6, 2, 12))
    return {
        "first": note(acme.agent, "SP-000001 breached first response"),
        "second": note(acme.agent, "SP-000002 at risk"),
        "pending": note(acme.agent, "Not delivered yet", status=Status.PENDING),
        "other": note(other_agent, "Someone else's news"),
        "dead": note(
            None,
            "SP-000003 resolved",
            channel=Channel.EMAIL,
            status=Status.DEAD,
            attempts=8,
            last_error="SMTPRecipientsRefused: 550 mailbox unavailable",
        ),
    }


def test_notifications_page_shows_own_unread_and_the_dead_letters(inbox, agent_client):
    html = agent_client.get("/desk/notifications/").content.decode()
    assert "Unread (2)" in html
    assert "SP-000001 breached first response" in html and "SP-000002 at risk" in html
    assert "Not delivered yet" not in html
    assert "Someone else&#x27;s news" not in html and "Someone else's news" not in html
    assert "Dead letter (1)" in html
    assert "SMTPRecipientsRefused: 550 mailbox unavailable" in html
    assert 'data-testid="nav-unread-count"' in html
    assert '<span class="visually-hidden">(</span>2<span class="visually-hidden"> unread)' in html


def test_marking_one_and_then_all_read(inbox, agent_client, other_agent):
    response = agent_client.post("/desk/notifications/read/", {"id": inbox["first"].pk})
    assert response.status_code == 302
    inbox["first"].refresh_from_db()
    inbox["second"].refresh_from_db()
    assert inbox["first"].read_at == ny(2025, 6, 2, 12)
    assert inbox["second"].read_at is None
    html = agent_client.get("/desk/notifications/").content.decode()
    assert "1 notification marked read." in html
    assert "Unread (1)" in html and "Recently read" in html
    agent_client.post("/desk/notifications/read/")
    inbox["second"].refresh_from_db()
    inbox["other"].refresh_from_db()
    assert inbox["second"].read_at is not None
    assert inbox["other"].read_at is None  # another agent's row is untouched
    html = agent_client.get("/desk/notifications/").content.decode()
    assert "Nothing unread." in html
    assert 'data-testid="nav-unread-count"' not in html
    # Someone else's id is not ours to mark.
    agent_client.post("/desk/notifications/read/", {"id": inbox["other"].pk})
    inbox["other"].refresh_from_db()
    assert inbox["other"].read_at is None


def test_each_month_links_to_its_statement(june_outage, acme, agent_client):
    html = agent_client.get(f"/desk/contracts/{acme.contract.pk}/").content.decode()
    url = f"/reports/desk/contracts/{acme.contract.pk}/statement/"
    assert f'<a href="{url}?period=2025-06">Statement for June 2025</a>' in html
    assert f'<a href="{url}?period=2025-07&amp;format=pdf">PDF</a>' in html
