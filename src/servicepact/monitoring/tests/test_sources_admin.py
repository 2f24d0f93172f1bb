"""Alert sources are created by `servicepact alertsource` or in the admin; tokens show once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from servicepact.accounts.services import hash_token
from servicepact.customers.models import Customer
from servicepact.monitoring.models import AlertSource
from servicepact.monitoring.services import authenticate_source

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("alertsource", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_token_alone_on_the_last_line():
    Customer.objects.create(name="Acme", code="acme")
    out, err = run("create", "acme-prom", "--kind", "alertmanager", "--customer", "acme")
    token = out.strip().splitlines()[-1]
    assert token.startswith("spsrc_") and " " not in token
    source = AlertSource.objects.get()
    assert (source.name, source.kind, source.customer.code) == ("acme-prom", "alertmanager", "acme")
    assert source.token_hash == hash_token(token)
    assert authenticate_source(token) == source
    assert "/api/v1/alerts/alertmanager" in err


def test_rotate_replaces_the_token_and_list_shows_prefixes():
    first = run("create", "noc", "--kind", "generic")[0].strip().splitlines()[-1]
    second = run("rotate", "noc")[0].strip().splitlines()[-1]
    assert authenticate_source(first) is None and authenticate_source(second) is not None
    listing = run("list")[0]
    assert listing.startswith(f"noc\tgeneric\t-\t{second[:12]}")


def test_errors_name_the_problem():
    with pytest.raises(CommandError, match="customer: no customer with code 'nope'"):
        run("create", "x", "--kind", "zabbix", "--customer", "nope")
    run("create", "x", "--kind", "zabbix")
    with pytest.raises(CommandError, match="name: Alert source with this Name already exists"):
        run("create", "x", "--kind", "zabbix")
    with pytest.raises(CommandError, match="name: no alert source named 'y'"):
        run("rotate", "y")


@pytest.fixture
def plain_static(settings):
    """Admin pages without a collected static manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.mark.usefixtures("plain_static")
def test_admin_add_shows_the_token_once_and_stores_its_hash(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    response = client.post(
        "/admin/monitoring/alertsource/add/",
        {
            "name": "zbx",
            "kind": "zabbix",
            "is_active": "on",
            "severity_map": '{"high": 1}',
            "default_priority": 3,
            "outage_max_priority": 4,
            "detection_delay_seconds": 0,
            "category_map": "{}",
            "default_category": "other",
            "flap_transitions": 4,
            "flap_window_minutes": 30,
        },
        follow=True,
    )
    assert response.status_code == 200
    message = next(str(m) for m in response.context["messages"])
    token = message.rsplit(" ", 1)[-1]
    source = AlertSource.objects.get()
    assert message.startswith("Token for zbx (shown once, stored hashed): spsrc_")
    assert source.token_hash == hash_token(token) and source.severity_map == {"high": 1}


@pytest.mark.usefixtures("plain_static")
def test_admin_rejects_a_bad_severity_map(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    response = client.post(
        "/admin/monitoring/alertsource/add/",
        {
            "name": "zbx",
            "kind": "zabbix",
            "severity_map": '{"high": 9}',
            "default_priority": 3,
            "outage_max_priority": 4,
            "detection_delay_seconds": 0,
            "category_map": "{}",
            "default_category": "other",
            "flap_transitions": 4,
            "flap_window_minutes": 30,
        },
    )
    assert response.status_code == 200
    assert "priorities must be integers 1..4; wrong for: high" in response.content.decode()
    assert not AlertSource.objects.exists()


def test_a_name_too_long_is_a_field_error_and_stores_nothing():
    """The model's own limits apply (101 characters): an error naming the field, no row."""
    from servicepact.monitoring.models import AlertSource

    with pytest.raises(CommandError, match=r"name: Ensure this value has at most 100 characters"):
        run("create", "n" * 101, "--kind", "generic")
    assert not AlertSource.objects.exists()
