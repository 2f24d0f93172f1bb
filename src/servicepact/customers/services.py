"""Writes for customers, sites and contacts. Keyword-only, transactional, validated."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from servicepact.accounts.services import check_language, set_staff_language
from servicepact.core.errors import DomainValidationError
from servicepact.core.services import apply_changes as _apply
from servicepact.core.services import save_validated as _save
from servicepact.customers.models import Contact, Customer, Site


@transaction.atomic
def create_customer(
    *, name: str, code: str, timezone: str = "UTC", notes: str = "", is_active: bool = True
) -> Customer:
    customer = Customer(
        name=name.strip(), code=code, timezone=timezone, notes=notes, is_active=is_active
    )
    _save(customer)
    return customer


@transaction.atomic
def update_customer(*, customer: Customer, changes: dict[str, Any]) -> Customer:
    _apply(customer, changes)
    _save(customer)
    return customer


def check_site(site: Site | None, customer: Customer, field: str = "site") -> None:
    if site is not None and site.customer_id != customer.pk:
        raise DomainValidationError(
            {
                field: [
                    _("site %(site)s does not belong to %(customer)s")
                    % {"site": site.name, "customer": customer}
                ]
            }
        )


@transaction.atomic
def create_site(*, customer: Customer, name: str, timezone: str, address: str = "") -> Site:
    site = Site(customer=customer, name=name.strip(), timezone=timezone, address=address)
    _save(site)
    return site


@transaction.atomic
def update_site(*, site: Site, changes: dict[str, Any]) -> Site:
    _apply(site, changes)
    _save(site)
    return site


def _check_user(user: Any, contact: Contact | None) -> None:
    if user is None:
        return
    if user.is_staff:
        raise DomainValidationError({"user": [_("provider staff cannot be a customer contact")]})
    taken = Contact.objects.filter(user=user)
    if contact is not None:
        taken = taken.exclude(pk=contact.pk)
    if taken.exists():
        raise DomainValidationError(
            {"user": [_("user %(value)s is already a contact") % {"value": user.get_username()}]}
        )


@transaction.atomic
def create_contact(
    *,
    customer: Customer,
    name: str,
    email: str = "",
    phone: str = "",
    site: Site | None = None,
    timezone: str = "",
    user: Any = None,
    receives_statements: bool = True,
    preferred_language: str = "",
) -> Contact:
    check_site(site, customer)
    _check_user(user, None)
    contact = Contact(
        customer=customer,
        name=name.strip(),
        email=email,
        phone=phone,
        site=site,
        timezone=timezone,
        user=user,
        receives_statements=receives_statements,
        preferred_language=check_language(preferred_language),
    )
    _save(contact)
    return contact


@transaction.atomic
def update_contact(*, contact: Contact, changes: dict[str, Any]) -> Contact:
    if "site" in changes:
        check_site(changes["site"], contact.customer)
    if "user" in changes:
        _check_user(changes["user"], contact)
    if "preferred_language" in changes:
        changes = {**changes, "preferred_language": check_language(changes["preferred_language"])}
    _apply(contact, changes)
    _save(contact)
    return contact


def user_by_id(pk: int | None, field: str = "user") -> Any:
    if pk is None:
        return None
    found = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise DomainValidationError({field: [_("no active user with id %(pk)s") % {"pk": pk}]})
    return found


@transaction.atomic
def set_preferred_language(*, user: Any, language: str) -> str:
    """The language ``user`` chose (the header's switcher): stored on the staff profile of a
    staff member, on the contact of a customer's login. Returns the code stored ("" = none)."""
    if user.is_staff:
        return set_staff_language(user=user, language=language).preferred_language
    contact = Contact.objects.select_for_update().filter(user=user).first()
    if contact is None:
        raise DomainValidationError(_("This account has no profile to keep a language in."))
    contact.preferred_language = check_language(language)
    contact.save(update_fields=["preferred_language", "updated_at"])
    return contact.preferred_language
