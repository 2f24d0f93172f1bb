"""Releases (software maintenance): plan a release of a contract, ship it, tell the customer.

Release notes are stored per language, ``{"en": "...", "zh-hans": "..."}`` (codes of
``settings.LANGUAGES``); each contact gets them in their own language, else English, else
the first given (``Release.notes_in``). Shipping writes one e-mail per contact into the
notifications outbox in the same transaction (idempotent keys: shipping twice is refused).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from servicepact.accounts.actors import Actor
from servicepact.assets.models import Asset
from servicepact.changes.choices import ReleaseStatus
from servicepact.changes.models import Change, Release
from servicepact.contracts.models import Contract
from servicepact.core.config import option
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.i18n import supported
from servicepact.core.services import save_validated
from servicepact.core.time import now as current_time
from servicepact.customers.models import Contact
from servicepact.customers.selectors import is_staff, scope_to_customer
from servicepact.notifications import language_for
from servicepact.notifications.choices import Audience
from servicepact.notifications.services import Message, notify_email
from servicepact.tickets.notify import contact_address

NOTES_MAX_CHARS = 20000


def releases_for(user: Any) -> QuerySet[Release]:
    """Staff see every release; a contact its customer's contracts' releases; others none."""
    qs = Release.objects.select_related("contract", "contract__customer", "change")
    return scope_to_customer(qs.prefetch_related("assets"), user, field="contract__customer")


def get_release(user: Any, pk: int) -> Release:
    release = releases_for(user).filter(pk=pk).first()
    if release is None:
        raise Http404(_("No such release"))
    return release


def _clean_notes(notes: Mapping[str, Any], errors: dict[str, list[str]]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for code, text in notes.items():
        language = supported(code)
        if language is None:
            errors[f"notes.{code}"] = [_("not a language this site offers")]
        elif not isinstance(text, str):
            errors[f"notes.{code}"] = [_("expected a string")]
        elif len(text) > NOTES_MAX_CHARS:
            errors[f"notes.{code}"] = [
                _("At most %(NOTES_MAX_CHARS)s characters.") % {"NOTES_MAX_CHARS": NOTES_MAX_CHARS}
            ]
        elif text.strip():
            cleaned[language] = text.strip()
    return cleaned


def _check_release(
    contract: Contract,
    version: str,
    assets: list[Asset],
    change: Change | None,
    notes: Mapping[str, Any],
    errors: dict[str, list[str]],
    release: Release | None = None,
) -> dict[str, str]:
    """The rules of a planned release's fields (plan and edit); returns the cleaned notes."""
    others = Release.objects.filter(contract=contract, version=version.strip())
    if release is not None:
        others = others.exclude(pk=release.pk)
    if not version.strip():
        errors["version"] = [_("must not be empty")]
    elif others.exists():
        errors["version"] = [_("this contract has a release %(v)s already") % {"v": version}]
    foreign = [a.hostname for a in assets if a.customer_id != contract.customer_id]
    if foreign:
        errors["assets"] = [
            _("not assets of this contract's customer: %(choices)s")
            % {"choices": ", ".join(foreign)}
        ]
    if change is not None and change.customer_id != contract.customer_id:
        errors["change"] = [_("not a change of this contract's customer")]
    return _clean_notes(notes, errors)


def _planned(release: Release, actor: Actor, action: str) -> Release:
    """The release locked, for staff, while it is still planned (403, 409)."""
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff change releases"))
    locked = Release.objects.select_for_update().select_related("contract").get(pk=release.pk)
    if locked.status != ReleaseStatus.PLANNED:
        raise TransitionError(
            _("release %(version)s is %(status)s: only a planned release can be %(action)s")
            % {
                "version": locked.version,
                "status": locked.get_status_display(),
                "action": action,
            }
        )
    return locked


RELEASE_FIELDS = ("version", "planned_on", "notes", "assets", "change")


@transaction.atomic
def edit_release(*, release: Release, actor: Actor, **values: Any) -> Release:
    """Changes the fields given (``RELEASE_FIELDS``) of a planned release (staff; a shipped
    or cancelled one: 409); the same rules as planning it (422 per field)."""
    unknown = sorted(set(values) - set(RELEASE_FIELDS))
    if unknown:
        raise DomainValidationError({f: [_("cannot be changed")] for f in unknown})
    release = _planned(release, actor, _("changed"))
    version = values.get("version", release.version)
    assets = list(values["assets"]) if "assets" in values else list(release.assets.all())
    change = values.get("change", release.change)
    errors: dict[str, list[str]] = {}
    notes = _check_release(
        release.contract,
        version,
        assets,
        change,
        values.get("notes", release.notes),
        errors,
        release,
    )
    if errors:
        raise DomainValidationError(errors)
    release.version = version.strip()
    release.planned_on = values.get("planned_on", release.planned_on)
    release.notes = notes
    release.change = change
    save_validated(release)
    if "assets" in values:
        release.assets.set(assets)
    return release


@transaction.atomic
def cancel_release(*, release: Release, actor: Actor) -> Release:
    """planned -> cancelled (staff); nobody is told (nothing was shipped). Kept for history."""
    release = _planned(release, actor, _("cancelled"))
    release.status = ReleaseStatus.CANCELLED
    release.save(update_fields=["status", "updated_at"])
    return release


@transaction.atomic
def plan_release(
    *,
    contract: Contract,
    version: str,
    planned_on: date,
    notes: Mapping[str, Any] | None = None,
    assets: Iterable[Asset] = (),
    change: Change | None = None,
    actor: Actor,
) -> Release:
    """A release planned under ``contract`` (staff only); assets and change of its customer."""
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff plan releases"))
    assets = list(assets)
    errors: dict[str, list[str]] = {}
    cleaned = _check_release(contract, version, assets, change, notes or {}, errors)
    if errors:
        raise DomainValidationError(errors)
    release = Release(
        contract=contract,
        version=version.strip(),
        planned_on=planned_on,
        notes=cleaned,
        change=change,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    save_validated(release)
    release.assets.set(assets)
    return release


def _release_message(release: Release, language: str) -> Message:
    values = {"version": release.version, "contract": release.contract.number}
    path = f"/portal/releases/{release.pk}/"
    body = "\n\n".join(
        part
        for part in (
            _("Release %(version)s of contract %(contract)s is shipped.") % values,
            release.notes_in(language),
            str(option("SITE_URL", "")).rstrip("/") + path,
        )
        if part
    )
    return Message(
        event="release.shipped",
        subject=_("[%(contract)s] Release %(version)s is shipped") % values,
        body=body,
        payload={"release": {"id": release.pk, "version": release.version}},
        contract_id=release.contract_id,
    )


@transaction.atomic
def ship_release(*, release: Release, actor: Actor) -> Release:
    """planned -> shipped (staff); the release notes go to the customer's contacts by e-mail."""
    release = Release.objects.select_for_update().select_related("contract").get(pk=release.pk)
    if not is_staff(actor):
        raise PermissionDenied(_("only provider staff ship releases"))
    if release.status != ReleaseStatus.PLANNED:
        raise TransitionError(
            _("release %(version)s is %(status)s: only a planned release ships")
            % {"version": release.version, "status": release.get_status_display()}
        )
    release.status = ReleaseStatus.SHIPPED
    release.shipped_at = current_time()
    release.save(update_fields=["status", "shipped_at", "updated_at"])
    contacts = Contact.objects.filter(customer_id=release.contract.customer_id).select_related(
        "user"
    )
    for contact in contacts.order_by("pk"):
        address = contact_address(contact)
        if not address:
            continue
        language = language_for(contact)
        with translation.override(language):
            message = _release_message(release, language)
        notify_email(
            key=f"release:{release.pk}:shipped:contact:{contact.pk}",
            address=address,
            message=message,
            audience=Audience.CUSTOMER,
            language=language,
        )
    return release
