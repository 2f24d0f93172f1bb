"""Who hears of a major incident, and when.

| moment           | who                                                          | when                        |
|------------------|--------------------------------------------------------------|-----------------------------|
| declared         | the contract's emergency contacts of that level (e-mail; the | at once: quiet hours do not |
|                  | in-app inbox too when the person is a staff user), the       | apply (``not_before`` is    |
|                  | contract's service manager and the ticket's assignee (else   | never set)                  |
|                  | the duty team, ``accounts.duty``) in-app and by e-mail, the  |                             |
|                  | provider's webhooks and the                                  |                             |
|                  | customer's webhooks                                          |                             |
| report published | the customer's statement contacts (e-mail) and webhooks      | in the customer's hours     |
|                  |                                                              | (``customer_not_before``)   |

Ordinary customer messages (reminders, escalations) wait for the contract's calendar to open
(``contracts.lifecycle.customer_not_before``); a major incident is exactly when they must not.
Every row goes through the outbox in the caller's transaction, keyed by the incident, so a
re-run sends nothing twice. Each e-mail is written in its recipient's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.duty import duty
from servicepact.contracts.lifecycle import customer_addresses, customer_not_before
from servicepact.core.config import option
from servicepact.incidents.choices import level_label
from servicepact.incidents.models import IncidentReport, MajorIncident
from servicepact.notifications import language_for
from servicepact.notifications.choices import Audience
from servicepact.notifications.services import (
    Message,
    notify_email,
    notify_user,
    notify_webhooks,
    outbox_batch,
)


def _site(path: str) -> str:
    return str(option("SITE_URL", "")).rstrip("/") + path


def declared_message(incident: MajorIncident, *, for_customer: bool) -> Message:
    """The declaration in the active language."""
    ticket = incident.ticket
    values = {
        "level": level_label(incident.level),
        "number": ticket.number,
        "contract": incident.contract.number,
        "subject": ticket.customer_subject if for_customer else ticket.subject,
    }
    path = f"/portal/tickets/{ticket.pk}/" if for_customer else f"/desk/incidents/{incident.pk}/"
    body = "\n\n".join(
        [
            _(
                "A major incident (level %(level)s) was declared on ticket %(number)s under "
                "contract %(contract)s: %(subject)s"
            )
            % values,
            incident.summary,
            _site(path),
        ]
    )
    return Message(
        event="incident.major_declared",
        subject=_("[%(number)s] MAJOR INCIDENT level %(level)s: %(subject)s") % values,
        body=body,
        payload={
            "incident": {
                "id": incident.pk,
                "level": incident.level,
                "declared_at": incident.declared_at.isoformat(),
                "summary": incident.summary,
            },
            "ticket": {"id": ticket.pk, "number": ticket.number},
            "contract": {"id": incident.contract_id, "number": incident.contract.number},
        },
        ticket_id=ticket.pk,
        contract_id=incident.contract_id,
    )


def _message(incident: MajorIncident, recipient: Any, *, for_customer: bool) -> tuple[str, Message]:
    language = language_for(recipient)
    with translation.override(language):
        return language, declared_message(incident, for_customer=for_customer)


def notify_declared(incident: MajorIncident, *, now: datetime) -> int:
    """Every channel, at once; returns how many outbox rows were written (or already were)."""
    from servicepact.incidents.selectors import emergency_contacts_for

    key = f"major:{incident.pk}"
    rows: list[Any] = []
    with outbox_batch():
        for person in emergency_contacts_for(incident.contract, incident.level):
            user = person.contact.user if person.contact and person.contact.user_id else None
            language, message = _message(
                incident, person.contact or user, for_customer=person.contact is not None
            )
            rows.append(
                notify_email(
                    key=f"{key}:emergency:{person.pk}",
                    address=person.email,
                    message=message,
                    audience=Audience.CUSTOMER if person.contact else Audience.STAFF,
                    not_before=None,  # a major incident overrides quiet hours
                    now=now,
                    language=language,
                )
            )
        staff = {
            u.pk: u for u in (incident.contract.service_manager, incident.ticket.assignee) if u
        }
        if not staff:  # nobody owns it: the duty team (``accounts.duty``) hears of it
            staff = {u.pk: u for u in duty().users}
        for user in staff.values():
            _language, message = _message(incident, user, for_customer=False)
            rows.extend(notify_user(key=f"{key}:staff", user=user, message=message, now=now))
        _language, staff_message = _message(incident, None, for_customer=False)
        rows.extend(notify_webhooks(key=key, message=staff_message, now=now))
        _language, customer_message = _message(incident, None, for_customer=True)
        rows.extend(
            notify_webhooks(
                key=key,
                message=customer_message,
                customer_id=incident.contract.customer_id,
                not_before=None,
                now=now,
            )
        )
    return len([r for r in rows if r is not None])


def published_message(report: IncidentReport) -> Message:
    incident = report.incident
    ticket = incident.ticket
    values = {"number": ticket.number, "subject": ticket.customer_subject}
    return Message(
        event="incident.report_published",
        subject=_("[%(number)s] Post-incident report: %(subject)s") % values,
        body="\n\n".join(
            [
                _("The report on major incident %(number)s is in the portal, with its PDF.")
                % values,
                report.apology,
                _site(f"/portal/incidents/{incident.pk}/"),
            ]
        ),
        payload={"incident": {"id": incident.pk}, "ticket": {"id": ticket.pk}},
        ticket_id=ticket.pk,
        contract_id=incident.contract_id,
    )


def notify_published(report: IncidentReport, *, now: datetime) -> None:
    """The customer's statement contacts and webhooks, in the customer's hours."""
    contract = report.incident.contract
    not_before = customer_not_before(contract=contract, now=now)
    key = f"major-report:{report.pk}"
    with outbox_batch():
        for contact_id, address in customer_addresses(contract):
            notify_email(
                key=f"{key}:contact:{contact_id}",
                address=address,
                message=published_message(report),
                audience=Audience.CUSTOMER,
                not_before=not_before,
                now=now,
            )
        notify_webhooks(
            key=key,
            message=published_message(report),
            customer_id=contract.customer_id,
            not_before=not_before,
            now=now,
        )
