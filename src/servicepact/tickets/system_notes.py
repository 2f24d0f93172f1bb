"""Notes the system writes on tickets (monitoring's alert notes), stored as a kind and
parameters and written in the reader's language when shown (``Comment.text``).

The comment's ``body`` keeps the English text too: it is what exports and searches read, and
what a note written before kinds were stored (``system_kind`` empty) shows in every language.
Add a kind here with its English text (``gettext_lazy``, named placeholders) and its Chinese
translation in the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from servicepact.contracts.choices import RENEWED_NOTE
from servicepact.core.time import format_duration

ALERT_FIRING = "alert_firing"
ALERT_FIRING_AGAIN = "alert_firing_again"
ALERT_FLAPPING = "alert_flapping"
ALERT_RESOLVED = "alert_resolved"
ALERT_REOPENED = "alert_reopened"
# Why a deadline moved (``deadline_moved`` events' ``reason_note``).
PRIORITY_MOVED = "priority_moved"
TERMS_MOVED = "terms_moved"
PLAN_TARGET_SET = "plan_target_set"
CALENDAR_CHANGED = "calendar_changed"
TARGET_CHANGED = "target_changed"
NO_TARGET = "no_target"
# Monitoring's texts outside tickets: an outage's reason, an alert's matching note.
OUTAGE_FLAPPING_MERGED = "outage_flapping_merged"
MATCH_FOUND = "match_found"
MATCH_HINT_SEVERAL = "match_hint_several"
MATCH_HINT_NONE = "match_hint_none"
MATCH_NAME_SEVERAL = "match_name_several"
MATCH_NONE = "match_none"
ALERT_ASSIGNED = "alert_assigned"
# Contract versions' reasons the system writes (billing's fee changes and renewals), also
# nested in the events' reasons (``reason`` with its ``reason_note`` as parameters).
BACKUP_RESUMED = "backup_resumed"
FEE_CHANGE_ACCEPTED = "fee_change_accepted"
RENEWAL_ACCEPTED = "renewal_accepted"
RENEWAL_FEE_CHANGE = "renewal_fee_change"
CONTRACT_REASON = "contract_reason"
CONTRACT_RENEWED = RENEWED_NOTE  # written by contracts.services.renew_contract
# The inbound e-mail log's reasons (``InboundMessage.reason_notes``, ``mail.services``).
MAIL_OWN_MESSAGE = "mail_own_message"
MAIL_OWN_ADDRESS = "mail_own_address"
MAIL_AUTO_SUBMITTED = "mail_auto_submitted"
MAIL_PRECEDENCE = "mail_precedence"
MAIL_DELIVERY_REPORT = "mail_delivery_report"
MAIL_AUTO_REPLY = "mail_auto_reply"
MAIL_BOUNCE = "mail_bounce"
MAIL_SEVERAL_CUSTOMERS = "mail_several_customers"
MAIL_UNKNOWN_SENDER = "mail_unknown_sender"
MAIL_OTHER_CUSTOMER = "mail_other_customer"
MAIL_CLOSED_TICKET = "mail_closed_ticket"
MAIL_LEFT_OUT = "mail_left_out"
MAIL_TRIAGED = "mail_triaged"
MAIL_DISMISSED = "mail_dismissed"
MAIL_PROCESSING = "mail_processing"

TEXTS: dict[str, Promise] = {
    ALERT_FIRING: gettext_lazy(
        "Monitoring: alert %(alert)s (%(severity)s) is firing on %(host)s since %(since)s."
    ),
    ALERT_FIRING_AGAIN: gettext_lazy(
        "Monitoring: alert %(alert)s is firing again since %(since)s."
    ),
    ALERT_FLAPPING: gettext_lazy(
        "Monitoring: alert %(alert)s is flapping (%(changes)s state changes within "
        "%(minutes)s min); further changes are merged into this incident and one outage."
    ),
    ALERT_RESOLVED: gettext_lazy(
        "Monitoring: alert %(alert)s on %(host)s resolved at %(at)s (firing for %(duration)s)."
    ),
    ALERT_REOPENED: gettext_lazy("Monitoring: alert %(alert)s fired again at %(at)s."),
    PRIORITY_MOVED: gettext_lazy("priority P%(before)s -> P%(after)s: %(reason)s"),
    TERMS_MOVED: gettext_lazy("contract %(contract)s v%(version)s: %(reason)s"),
    PLAN_TARGET_SET: gettext_lazy(
        "plan %(plan)s: P%(priority)s %(metric)s target set to %(minutes)s min"
    ),
    CALENDAR_CHANGED: gettext_lazy(
        "calendar %(calendar)s changed (revision %(before)s -> %(after)s)"
    ),
    TARGET_CHANGED: gettext_lazy("target changed from %(before)s to %(after)s min (%(source)s)"),
    NO_TARGET: gettext_lazy("no target for this metric at the new priority"),
    OUTAGE_FLAPPING_MERGED: gettext_lazy("flapping: merged"),
    MATCH_FOUND: gettext_lazy("%(how)s %(name)s"),
    MATCH_HINT_SEVERAL: gettext_lazy("%(label)s=%(hint)s matches several assets%(scope)s"),
    MATCH_HINT_NONE: gettext_lazy("%(label)s=%(hint)s matches no asset%(scope)s"),
    MATCH_NAME_SEVERAL: gettext_lazy("%(name)s matches several assets%(scope)s; set %(label)s"),
    MATCH_NONE: gettext_lazy("no asset matches %(tried)s%(scope)s"),
    ALERT_ASSIGNED: gettext_lazy("assigned to %(host)s by %(who)s"),
    BACKUP_RESUMED: gettext_lazy(
        "Backups resumed: a good %(location)s backup of %(asset)s started at %(at)s (policy "
        "%(policy)s)."
    ),
    FEE_CHANGE_ACCEPTED: gettext_lazy(
        "Fee change accepted: fee %(fee)s, included hours %(hours)s. %(reason)s"
    ),
    RENEWAL_ACCEPTED: gettext_lazy(
        "Renewal proposal %(id)s accepted by %(contact)s: %(start)s to %(end)s%(fee_part)s"
    ),
    RENEWAL_FEE_CHANGE: gettext_lazy("Renewal proposal %(id)s"),
    CONTRACT_REASON: gettext_lazy("contract %(contract)s: %(reason)s"),
    CONTRACT_RENEWED: gettext_lazy("Renewed: new term %(start)s to %(end)s"),
    MAIL_OWN_MESSAGE: gettext_lazy("loop: one of our own messages"),
    MAIL_OWN_ADDRESS: gettext_lazy("loop: sent from our own address %(sender)s"),
    MAIL_AUTO_SUBMITTED: gettext_lazy("auto-submitted (%(value)s)"),
    MAIL_PRECEDENCE: gettext_lazy("Precedence: %(value)s"),
    MAIL_DELIVERY_REPORT: gettext_lazy("delivery report (%(value)s)"),
    MAIL_AUTO_REPLY: gettext_lazy("auto-reply (X-Autoreply)"),
    MAIL_BOUNCE: gettext_lazy("bounce (from %(sender)s)"),
    MAIL_SEVERAL_CUSTOMERS: gettext_lazy("%(sender)s is a contact of several customers"),
    MAIL_UNKNOWN_SENDER: gettext_lazy(
        "unknown sender %(sender)s: no contact and no customer domain"
    ),
    MAIL_OTHER_CUSTOMER: gettext_lazy("referred to %(ticket)s of another customer: not used"),
    MAIL_CLOSED_TICKET: gettext_lazy("answered %(ticket)s, which is closed: a new ticket"),
    MAIL_LEFT_OUT: gettext_lazy("%(name)s (%(size)s bytes) is over the attachment limit"),
    MAIL_TRIAGED: gettext_lazy("triaged by %(who)s"),
    MAIL_DISMISSED: gettext_lazy("dismissed by %(who)s"),
    MAIL_PROCESSING: gettext_lazy("being processed"),
}

# How an alert's host matched an asset (``MATCH_FOUND``'s ``how``).
MATCHED_BY: dict[str, Promise] = {
    "address": gettext_lazy("address"),
    "hostname": gettext_lazy("hostname"),
    "short hostname": gettext_lazy("short hostname"),
    "FQDN": gettext_lazy("FQDN"),
}


def _values(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as the text shows them: an empty severity, a duration in seconds."""
    values = dict(params)
    if "severity" in values and not values["severity"]:
        values["severity"] = gettext("no severity")
    english = (translation.get_language() or "en").split("-")[0] == "en"
    if values.get("metric") and not english:
        # English keeps the code ("P2 resolution target"), as the stored text always read.
        from servicepact.contracts.metrics import label_of

        values["metric"] = label_of(str(values["metric"]))
    nested = values.get("reason_note")
    if isinstance(nested, dict) and nested.get("kind"):
        # A reason within a reason (``reason_data`` as parameters): written in the same language.
        values["reason"] = render_reason(
            {"reason": values.get("reason", ""), "reason_note": nested}
        )
    if "new_fee" in values:
        fee = values["new_fee"]
        values["fee_part"] = (
            gettext("; fee %(fee)s %(currency)s from %(start)s") % fee if fee else ""
        )
        if values.get("new_plan"):
            values["fee_part"] += gettext("; service plan %(plan)s") % {"plan": values["new_plan"]}
        if values.get("new_hours"):
            values["fee_part"] += gettext("; %(hours)s included hours per fee period") % {
                "hours": values["new_hours"]
            }
    if "how" in values:
        values["how"] = str(MATCHED_BY.get(values["how"], values["how"]))
    if "customer" in values:
        customer = values["customer"]
        values["scope"] = (gettext(" of %(customer)s") % {"customer": customer}) if customer else ""
    if "tried" in values:
        values["tried"] = ", ".join(values["tried"]) or gettext("no host label")
    if "who" in values and not values["who"]:
        values["who"] = gettext("staff")
    if "duration_seconds" in values:
        values["duration"] = format_duration(int(values["duration_seconds"]), localized=True)
    return values


def render(kind: str, params: dict[str, Any], fallback: str = "") -> str:
    """The note ``kind`` with ``params`` in the active language; ``fallback`` for an unknown
    kind or parameters that do not fit (an old row)."""
    text = TEXTS.get(kind)
    if text is None:
        return fallback
    try:
        return str(text) % _values(params)
    except (KeyError, TypeError, ValueError):
        return fallback


@dataclass(frozen=True)
class SystemNote:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        with translation.override("en"):
            return render(self.kind, self.params)

    def as_data(self) -> dict[str, Any]:
        """What an event stores beside its English ``reason``: ``{"kind", "params"}``."""
        return {"kind": self.kind, "params": self.params}


Reason = str | SystemNote


def reason_data(reason: Reason) -> dict[str, Any]:
    """An event's ``reason`` (English text, what the engine and exports read) and, for a
    system-written reason, its ``reason_note`` (``render_reason`` shows it translated)."""
    if isinstance(reason, SystemNote):
        return {"reason": reason.english(), "reason_note": reason.as_data()}
    return {"reason": reason}


def stored_reason(row: Any) -> str:
    """A row's ``reason`` beside its ``reason_note`` (a contract version, a fee change, an
    outage) in the active language."""
    return render_reason({"reason": row.reason, "reason_note": row.reason_note})


def render_notes(notes: Any, fallback: str) -> str:
    """A stored list of notes (``[{"kind", "params"}, ...]``) joined with "; " in the active
    language; ``fallback`` (the stored English) for an old row or a note that does not fit."""
    if not notes or not isinstance(notes, list):
        return fallback
    parts = []
    for note in notes:
        text = render(str(note.get("kind", "")), dict(note.get("params") or {}))
        if not text:
            return fallback
        parts.append(text)
    return "; ".join(parts)


def render_reason(data: dict[str, Any]) -> str:
    """An event's reason in the active language (the stored text for people's reasons)."""
    note = data.get("reason_note") or {}
    fallback = str(data.get("reason", ""))
    if not isinstance(note, dict) or not note.get("kind"):
        return fallback
    return render(str(note["kind"]), dict(note.get("params") or {}), fallback)


# ---------------------------------------------------------------- monitoring's notes


def alert_firing(*, alert: str, severity: str, host: str, since: datetime) -> SystemNote:
    return SystemNote(
        ALERT_FIRING,
        {"alert": alert, "severity": severity, "host": host, "since": since.isoformat()},
    )


def alert_firing_again(*, alert: str, since: datetime) -> SystemNote:
    return SystemNote(ALERT_FIRING_AGAIN, {"alert": alert, "since": since.isoformat()})


def alert_flapping(*, alert: str, changes: int, minutes: int) -> SystemNote:
    return SystemNote(ALERT_FLAPPING, {"alert": alert, "changes": changes, "minutes": minutes})


def alert_resolved(*, alert: str, host: str, at: datetime, started: datetime) -> SystemNote:
    return SystemNote(
        ALERT_RESOLVED,
        {
            "alert": alert,
            "host": host,
            "at": at.isoformat(),
            "duration_seconds": int((at - started).total_seconds()),
        },
    )


def backup_resumed(*, location: str, asset: str, at: datetime, policy: str) -> SystemNote:
    return SystemNote(
        BACKUP_RESUMED,
        {"location": location, "asset": asset, "at": at.isoformat(), "policy": policy},
    )


# ---------------------------------------------------------------- monitoring's other texts


def outage_flapping_merged() -> SystemNote:
    return SystemNote(OUTAGE_FLAPPING_MERGED)


def alert_assigned(*, host: str, who: str) -> SystemNote:
    """``who``: the username; empty for staff without an account (written "staff")."""
    return SystemNote(ALERT_ASSIGNED, {"host": host, "who": who})


def match_found(*, how: str, name: str) -> SystemNote:
    return SystemNote(MATCH_FOUND, {"how": how, "name": name})


def match_hint_missed(*, label: str, hint: str, several: bool, customer: str) -> SystemNote:
    kind = MATCH_HINT_SEVERAL if several else MATCH_HINT_NONE
    return SystemNote(kind, {"label": label, "hint": hint, "customer": customer})


def match_name_several(*, name: str, label: str, customer: str) -> SystemNote:
    return SystemNote(MATCH_NAME_SEVERAL, {"name": name, "label": label, "customer": customer})


def match_none(*, tried: list[str], customer: str) -> SystemNote:
    return SystemNote(MATCH_NONE, {"tried": tried, "customer": customer})


# ---------------------------------------------------------------- contract versions' reasons


def fee_change_accepted(*, fee: Any, hours: Any, reason: str) -> SystemNote:
    """``reason``: the fee change's own reason, as the person wrote it."""
    return SystemNote(FEE_CHANGE_ACCEPTED, {"fee": str(fee), "hours": str(hours), "reason": reason})


def renewal_accepted(
    *,
    proposal: int,
    contact: str,
    start: str,
    end: str,
    new_fee: dict[str, str] | None,
    new_plan: str = "",
    new_hours: str = "",
) -> SystemNote:
    """``new_fee``: ``{"fee", "currency", "start"}`` when the renewal changes the fee;
    ``new_plan`` (its name) and ``new_hours`` when it changes the tier or the included hours."""
    params: dict[str, Any] = {
        "id": proposal,
        "contact": contact,
        "start": start,
        "end": end,
        "new_fee": new_fee,
    }
    if new_plan:
        params["new_plan"] = new_plan
    if new_hours:
        params["new_hours"] = new_hours
    return SystemNote(RENEWAL_ACCEPTED, params)


def renewal_fee_change(*, proposal: int) -> SystemNote:
    return SystemNote(RENEWAL_FEE_CHANGE, {"id": proposal})


def contract_reason(*, contract: str, reason: Reason) -> SystemNote:
    return SystemNote(CONTRACT_REASON, {"contract": contract, **reason_data(reason)})
