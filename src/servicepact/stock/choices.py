"""Spare parts and standby machines: the kinds of stock movement and the states of a
reservation and of an RMA (docs/field-service.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MovementKind(models.TextChoices):
    """What one ledger row records. Deltas per kind (on hand, reserved, faulty):
    received (+q, 0, 0), reserved (0, +q, 0), released (0, -q, 0), consumed (-q, -q, 0),
    returned_faulty (0, 0, +q), sent_to_vendor (0, 0, -q), adjusted (±q, 0, 0, with a
    reason), transferred (-q at the source, +q at the target: two rows)."""

    RECEIVED = "received", _("Received")
    RESERVED = "reserved", _("Reserved")
    RELEASED = "released", _("Released")
    CONSUMED = "consumed", _("Consumed")
    RETURNED_FAULTY = "returned_faulty", _("Returned faulty")
    SENT_TO_VENDOR = "sent_to_vendor", _("Sent to the vendor")
    ADJUSTED = "adjusted", _("Adjusted")
    TRANSFERRED = "transferred", _("Transferred")


class ReservationStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    DELIVERED = "delivered", _("Delivered")
    CONSUMED = "consumed", _("Consumed")
    RELEASED = "released", _("Released")


OPEN_RESERVATION = (ReservationStatus.RESERVED, ReservationStatus.DELIVERED)


class RmaStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SENT = "sent", _("Sent to vendor")
    CREDITED = "credited", _("Credited")
    CLOSED = "closed", _("Closed")


# Which RMA step is allowed from which status (services, desk, API).
RMA_STEPS: dict[str, tuple[str, ...]] = {
    RmaStatus.SENT: (RmaStatus.OPEN,),
    RmaStatus.CREDITED: (RmaStatus.SENT,),
    RmaStatus.CLOSED: (RmaStatus.SENT, RmaStatus.CREDITED),
}
