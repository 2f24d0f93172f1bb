"""The admin lists the outbox and puts dead letters back in the queue."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from servicepact.core.testing import utc
from servicepact.notifications.models import Notification
from servicepact.notifications.services import Message, enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """The admin's templates need static URLs; tests run without collectstatic's manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_retry_action_requeues_only_dead_rows(client, clock):
    """Selecting a dead and a sent row and choosing "retry" requeues the dead one only."""
    clock.at(utc(2025, 6, 2, 10))
    dead = enqueue(
        key="dead", channel="email", recipient="a@x.test", message=Message("e", "dead", "b")
    )
    sent = enqueue(
        key="sent", channel="email", recipient="b@x.test", message=Message("e", "sent", "b")
    )
    Notification.objects.filter(pk=dead.pk).update(
        status="dead", attempts=6, next_attempt_at=None, last_error="boom"
    )
    Notification.objects.filter(pk=sent.pk).update(status="sent", attempts=1, next_attempt_at=None)
    admin = get_user_model().objects.create_superuser("root", "root@x.test", "pw")
    client.force_login(admin)
    listing = client.get("/admin/notifications/notification/?status__exact=dead")
    assert listing.status_code == 200
    assert b"a@x.test" in listing.content and b"b@x.test" not in listing.content
    response = client.post(
        "/admin/notifications/notification/",
        {"action": "retry", "_selected_action": [dead.pk, sent.pk]},
    )
    assert response.status_code == 302
    dead.refresh_from_db()
    sent.refresh_from_db()
    assert (dead.status, dead.attempts, dead.next_attempt_at) == ("pending", 0, utc(2025, 6, 2, 10))
    assert (sent.status, sent.attempts) == ("sent", 1)
