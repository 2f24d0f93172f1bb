"""Tenancy lives here: every query a customer contact can reach is scoped through these."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from servicepact.customers.models import Contact, Customer, Site


def contact_for(user: Any) -> Contact | None:
    """The contact record of a logged-in customer user, or None for staff and strangers."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_staff:
        return None
    try:
        return Contact.objects.select_related("customer", "site").get(user=user)
    except Contact.DoesNotExist:
        return None


def is_staff(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_staff)


def scope_to_customer(queryset: QuerySet[Any], user: Any, field: str = "customer") -> QuerySet[Any]:
    """Staff see everything; a contact sees its own customer's rows; anyone else sees nothing."""
    if is_staff(user):
        return queryset
    contact = contact_for(user)
    if contact is None:
        return queryset.none()
    return queryset.filter(**{field: contact.customer_id})


def customers_for(user: Any) -> QuerySet[Customer]:
    return scope_to_customer(Customer.objects.all(), user, field="pk")


def sites_for(user: Any) -> QuerySet[Site]:
    return scope_to_customer(Site.objects.select_related("customer"), user)


def contacts_for(user: Any) -> QuerySet[Contact]:
    return scope_to_customer(Contact.objects.select_related("customer", "site"), user)
