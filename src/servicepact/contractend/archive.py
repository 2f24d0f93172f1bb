"""The exit archive: one zip with everything of a contract the customer may read, streamed.

Layout (docs/contract-end.md, "The exit archive"):

    README.txt                         what is where, in the requester's language
    contract.json                      the contract: number, term, status, plan
    tickets/<number>/ticket.json       the ticket as the portal shows it, its public history
                                       (events worded as on the portal), public comments and
                                       the list of its files
    tickets/<number>/files/<id>-<name> each file the customer may see
    statements/<YYYY-MM>.json          the SLA statement of each month of the term so far
    charges/<YYYY-MM>.json             each period charge
    audit/<YYYY-MM>.zip                each month's audit export (``reports.audit``)
    backups.json                       the last verified backup per asset (``contractend.backups``)
    incidents/<number>.json            published post-incident reports (``incidents`` app)
    manifest.json                      counts of everything above (written last)

The archive is the *customer's* whatever the caller: internal comments, internal files,
non-public events and draft reports never enter it. Memory is bounded: tickets are read in
chunks of ``CHUNK`` with their comments, files and events, files are copied from storage in
``FILE_CHUNK`` pieces, and the zip is produced member by member (stream-zip, deflate, zip64).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from stream_zip import ZIP_64, stream_zip

from servicepact.contractend.backups import last_verified_backups
from servicepact.contracts.metrics import labels as metric_labels
from servicepact.contracts.models import Contract
from servicepact.core.periods import Period, months_between
from servicepact.core.time import now as current_time
from servicepact.incidents.timeline import event_text
from servicepact.tickets.history import customer_history
from servicepact.tickets.models import Attachment, Comment, Ticket, TicketEvent

CHUNK = 200
FILE_CHUNK = 64 * 1024
PERMS = 0o600

Member = tuple[str, datetime, int, Any, Iterable[bytes]]


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n").encode()


def _who(user: Any, contact: Any) -> str:
    if contact is not None:
        return str(contact.name)
    if user is None:
        return "system"
    return str(user.get_full_name() or user.get_username())


def _file_chunks(row: Attachment) -> Iterator[bytes]:
    with row.file.open("rb") as handle:
        while chunk := handle.read(FILE_CHUNK):
            yield chunk


def _name(row: Attachment) -> str:
    return f"{row.pk}-{row.name}".replace("/", "_")


class Counts:
    def __init__(self) -> None:
        self.values: dict[str, int] = defaultdict(int)

    def add(self, key: str, n: int = 1) -> None:
        self.values[key] += n


def _ticket_members(contract: Contract, moment: datetime, counts: Counts) -> Iterator[Member]:
    ids = list(Ticket.objects.filter(contract=contract).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        tickets = Ticket.objects.filter(pk__in=chunk).select_related("asset").order_by("pk")
        comments: dict[int, list[Comment]] = defaultdict(list)
        for comment in (
            Comment.objects.filter(ticket_id__in=chunk, is_internal=False)
            .select_related("author", "contact")
            .order_by("created_at", "id")
        ):
            comments[comment.ticket_id].append(comment)
        files: dict[int, list[Attachment]] = defaultdict(list)
        for row in Attachment.objects.filter(ticket_id__in=chunk, is_internal=False).order_by(
            "created_at", "id"
        ):
            files[row.ticket_id].append(row)
        events: dict[int, list[TicketEvent]] = defaultdict(list)
        for event in TicketEvent.objects.filter(ticket_id__in=chunk, public=True).order_by(
            "at", "id"
        ):
            events[event.ticket_id].append(event)
        names = metric_labels()  # metric names for the event texts, once per chunk
        for ticket in tickets:
            folder = f"tickets/{ticket.number or ticket.pk}"
            public = {c.pk for c in comments[ticket.pk]}
            # A file of an internal comment is internal too; checked twice all the same.
            shown = [f for f in files[ticket.pk] if f.comment_id is None or f.comment_id in public]
            document = {
                "id": ticket.pk,
                "number": ticket.number,
                "subject": ticket.customer_subject,
                "description": ticket.customer_description,
                "kind": ticket.kind,
                "status": ticket.status,
                "priority": ticket.priority,
                "priority_name": ticket.priority_name,
                "category": ticket.category,
                "asset": ticket.asset.hostname if ticket.asset else None,
                "opened_at": ticket.opened_at,
                "resolved_at": ticket.resolved_at,
                "closed_at": ticket.closed_at,
                "history": [
                    {"at": e.at, "kind": e.kind, "text": event_text(e, ticket.timezone, names)}
                    for e in customer_history(events[ticket.pk])
                ],
                "comments": [
                    {
                        "id": c.pk,
                        "at": c.created_at,
                        "author": _who(c.author, c.contact),
                        "text": c.text,
                        "files": [_name(f) for f in shown if f.comment_id == c.pk],
                    }
                    for c in comments[ticket.pk]
                ],
                "files": [
                    {
                        "name": _name(f),
                        "original_name": f.name,
                        "size": f.size,
                        "content_type": f.content_type,
                        "comment": f.comment_id,
                        "path": f"{folder}/files/{_name(f)}",
                    }
                    for f in shown
                ],
            }
            counts.add("tickets")
            counts.add("comments", len(comments[ticket.pk]))
            counts.add("files", len(shown))
            yield f"{folder}/ticket.json", moment, PERMS, ZIP_64, (_json(document),)
            for f in shown:
                yield f"{folder}/files/{_name(f)}", f.created_at, PERMS, ZIP_64, _file_chunks(f)


def term_months(contract: Contract, moment: datetime) -> list[Period]:
    """The months of the term up to now (or its end)."""
    zone = contract.customer.timezone
    first = Period(contract.start_date.year, contract.start_date.month)
    last_day = contract.terminated_on or contract.end_date
    last = min(Period(last_day.year, last_day.month), Period.containing(moment, zone))
    return months_between(first, last) if first <= last else []


def _money_members(contract: Contract, moment: datetime, counts: Counts) -> Iterator[Member]:
    from servicepact.billing.charges import charge_snapshot
    from servicepact.billing.models import PeriodCharge
    from servicepact.reports.audit import stream_audit_export
    from servicepact.reports.selectors import statement_for

    months = term_months(contract, moment)
    for month in months:
        snapshot = statement_for(contract, month, now=moment)
        counts.add("statements")
        yield f"statements/{month}.json", moment, PERMS, ZIP_64, (_json(snapshot),)
    for charge in (
        PeriodCharge.objects.filter(contract=contract)
        .select_related("contract", "contract__customer")
        .prefetch_related("lines")
        .order_by("period")
    ):
        counts.add("charges")
        yield (
            f"charges/{charge.period}.json",
            moment,
            PERMS,
            ZIP_64,
            (_json(charge_snapshot(charge)),),
        )
    for month in months:
        counts.add("audit_exports")
        yield (
            f"audit/{month}.zip",
            moment,
            PERMS,
            ZIP_64,
            _lazy(lambda m=month: stream_audit_export(contract, m, now=moment)),
        )


def _lazy(start: Any) -> Iterator[bytes]:
    """Starts the inner stream only when the zip reaches this member."""
    yield from start()


def _other_members(contract: Contract, moment: datetime, counts: Counts) -> Iterator[Member]:
    from servicepact.incidents.choices import ReportStatus
    from servicepact.incidents.models import IncidentReport
    from servicepact.incidents.render import report_document

    backups = [
        {
            "asset": row.asset.hostname,
            "last_verified_backup": None
            if row.last is None
            else {
                "verified_at": row.last.verified_at,
                "taken_at": row.last.taken_at,
                "location": row.last.location,
                "label": row.last.label,
                "source": row.last.source,
            },
        }
        for row in last_verified_backups(contract)
    ]
    counts.add("assets", len(backups))
    yield "backups.json", moment, PERMS, ZIP_64, (_json(backups),)
    for report in IncidentReport.objects.filter(
        incident__contract=contract, status=ReportStatus.PUBLISHED
    ).select_related("incident", "incident__ticket", "incident__contract"):
        counts.add("incident_reports")
        number = report.incident.ticket.number or report.incident.ticket_id
        yield f"incidents/{number}.json", moment, PERMS, ZIP_64, (_json(report_document(report)),)


def _contract_document(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.pk,
        "number": contract.number,
        "customer": contract.customer.name,
        "plan": contract.plan.name,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "terminated_on": contract.terminated_on,
        "status": contract.status,
    }


def readme(contract: Contract, moment: datetime) -> str:
    return _(
        "Exit archive of contract %(number)s (%(customer)s), written %(at)s.\n\n"
        "contract.json: the contract.\n"
        "tickets/<number>/ticket.json: each ticket with its history, comments and file list.\n"
        "tickets/<number>/files/: the ticket's files.\n"
        "statements/<YYYY-MM>.json: the SLA statement of each month.\n"
        "charges/<YYYY-MM>.json: each period charge.\n"
        "audit/<YYYY-MM>.zip: each month's audit export (recompute every figure yourself).\n"
        "backups.json: the last verified backup of each server and where it is.\n"
        "incidents/<number>.json: post-incident reports.\n"
        "manifest.json: how many of each the archive holds.\n"
    ) % {"number": contract.number, "customer": contract.customer.name, "at": moment.isoformat()}


def archive_members(contract: Contract, *, now: datetime | None = None) -> Iterator[Member]:
    moment = now or current_time()
    counts = Counts()
    yield "README.txt", moment, PERMS, ZIP_64, (readme(contract, moment).encode(),)
    yield "contract.json", moment, PERMS, ZIP_64, (_json(_contract_document(contract)),)
    yield from _ticket_members(contract, moment, counts)
    yield from _money_members(contract, moment, counts)
    yield from _other_members(contract, moment, counts)
    manifest = {"contract": contract.number, "written_at": moment, "counts": dict(counts.values)}
    yield "manifest.json", moment, PERMS, ZIP_64, (_json(manifest),)


def stream_exit_archive(contract: Contract, *, now: datetime | None = None) -> Iterator[bytes]:
    """The zip as chunks of bytes (for a ``StreamingHttpResponse``)."""
    return iter(stream_zip(archive_members(contract, now=now)))


def archive_filename(contract: Contract) -> str:
    return f"exit-archive-{contract.number}.zip"
