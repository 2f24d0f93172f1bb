"""The worker's writers (plain rows: COPY on PostgreSQL, ``core.bulk``; tickets and clocks
opened too) store exactly the rows the ORM's ``bulk_create`` of model instances stores: every column of every row the drain
writes (alerts, transitions, outages, tickets, clocks, comments, events), compared for the
same deliveries drained at the same instant, once through each writer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Model
from django.db.models.signals import pre_init

from servicepact.core.bulk import concrete_field
from servicepact.core.time import now as current_time
from servicepact.monitoring import batch
from servicepact.monitoring.models import Alert, AlertTransition, Outage
from servicepact.monitoring.services import queue_alerts
from servicepact.tickets import events, refresh
from servicepact.tickets import services as ticket_services
from servicepact.tickets.models import Comment, SlaClock, Ticket, TicketEvent
from servicepact.tickets.testing import world

from .conftest import drain
from .test_inbox import T0, _parse, _script, _source

pytestmark = [pytest.mark.django_db]


def _orm_rows(model: Any, fields: Any, rows: Any) -> list[Model]:
    attnames = [concrete_field(model, name)[0].attname for name in fields]
    objects: list[Model] = model.objects.bulk_create(
        [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    )
    return objects


def orm_insert_rows(model: type[Model], fields: Any, rows: Any, *, ready: Any = ()) -> int:
    return len(_orm_rows(model, fields, rows))


def orm_insert_rows_with_ids(
    model: type[Model], fields: Any, rows: Any, *, ready: Any = ()
) -> list[int]:
    return [row.pk for row in _orm_rows(model, fields, rows)]


def orm_insert_instances(objs: list[Model]) -> None:
    if objs:
        type(objs[0])._default_manager.bulk_create(objs)


def _queue(source: Any, code: str) -> None:
    for minute, body in _script(code):
        at = T0 + timedelta(minutes=minute)
        queue_alerts(source=source, alerts=_parse(body), received_at=at)


class _Dump:
    """Every column of the rows written for one customer; keys become what they point at
    (an alert's fingerprint, a ticket's or comment's rank, an asset's hostname, another row
    by first appearance) and the customer's code becomes CODE."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.ranks: dict[Any, dict[int, int]] = {}

    def text(self, value: str) -> str:
        for form in (self.code, self.code.title(), self.code.upper()):
            value = value.replace(form, "CODE")
        return value

    def rank(self, model: Any, pk: int | None) -> Any:
        if pk is None:
            return None
        ranks = self.ranks.setdefault(model, {})
        return (model.__name__, ranks.setdefault(pk, len(ranks)))

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                k: self.rank(Comment, v) if k == "comment_id" else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def rows(self, model: type[Model], queryset: Any) -> list[list[Any]]:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        out = []
        for pk, *values in queryset.order_by("id").values_list("id", *(f.attname for f in fields)):
            self.rank(model, pk)
            row = []
            for field, value in zip(fields, values, strict=True):
                if field.is_relation:
                    row.append(self.rank(field.related_model, value))
                elif model is Ticket and field.name == "number":
                    row.append(self.rank(Ticket, pk))
                else:
                    row.append(self.value(value))
            out.append(row)
        return out

    def of(self, customer: Any) -> dict[str, list[list[Any]]]:
        tickets = Ticket.objects.filter(customer=customer)
        alerts = Alert.objects.filter(source__customer=customer)
        return {
            # tickets and comments first: events and alerts refer to them by rank
            "tickets": self.rows(Ticket, tickets),
            "comments": self.rows(Comment, Comment.objects.filter(ticket__in=tickets)),
            "alerts": self.rows(Alert, alerts),
            "transitions": self.rows(
                AlertTransition, AlertTransition.objects.filter(alert__in=alerts)
            ),
            "outages": self.rows(Outage, Outage.objects.filter(alert__in=alerts)),
            "clocks": self.rows(SlaClock, SlaClock.objects.filter(ticket__in=tickets)),
            "events": self.rows(TicketEvent, TicketEvent.objects.filter(ticket__in=tickets)),
        }


def test_the_drain_writes_the_rows_bulk_create_writes(clock, monkeypatch):
    """ACME's deliveries drained with ``bulk_create`` of model instances as every writer,
    Beta's with the worker's own writers, at the same instant: the same rows, column by
    column."""
    clock.at(T0)
    acme, beta = world(code="acme"), world(code="beta")
    acme_source, _ = _source(acme)
    beta_source, _ = _source(beta)
    done = T0 + timedelta(minutes=30)

    _queue(acme_source, "acme")
    clock.at(done)
    with monkeypatch.context() as orm:
        for module in (batch, ticket_services, refresh):
            orm.setattr(module, "insert_instances", orm_insert_instances)
        orm.setattr(batch, "insert_rows", orm_insert_rows)
        orm.setattr(ticket_services, "insert_rows_with_ids", orm_insert_rows_with_ids)
        orm.setattr(events, "insert_rows", orm_insert_rows)
        assert drain() == sum(len(_parse(b)) for _, b in _script("acme"))
    _queue(beta_source, "beta")
    clock.at(done)
    assert drain() == sum(len(_parse(b)) for _, b in _script("beta"))

    expected = _Dump("acme").of(acme.customer)
    got = _Dump("beta").of(beta.customer)
    for key in expected:
        assert got[key] == expected[key], key
    # Every kind of row was written, comments with the events that name them.
    assert all(expected.values()), {k: len(v) for k, v in expected.items()}
    commented = [row for row in expected["events"] if row[1] == "commented"]
    assert len(commented) == len(expected["comments"]) > 2
    assert current_time() == done


def test_the_drain_builds_no_comment_or_event_instances(clock):
    """Comments and ticket events are only inserted by the drain: written from plain values,
    no model instance built for them (the cost ``bulk_create`` adds per row)."""
    clock.at(T0)
    w = world()
    source, _ = _source(w)
    _queue(source, "acme")
    clock.at(T0 + timedelta(minutes=30))
    built: list[type[Model]] = []

    def count(sender: type[Model], **kwargs: Any) -> None:
        built.append(sender)

    pre_init.connect(count)
    try:
        drain()
    finally:
        pre_init.disconnect(count)
    assert Comment.objects.count() > 2 and TicketEvent.objects.count() > 2
    assert [m for m in built if m in (Comment, TicketEvent)] == []
