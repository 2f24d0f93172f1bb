"""Money: ISO 4217 currency codes and their minor units, from CLDR through ``babel``.

One helper for every amount: ``validate_currency`` (a 422 on the field for an unknown
code), ``quantize`` (to the currency's minor unit: JPY has none, USD two, BHD three),
``parse_amount`` (a user's amount: a number, not negative, no finer than the minor unit)
and ``format_amount`` (the amount as the currency writes it: ``135`` JPY, ``135.00`` USD;
for data: snapshots, CSV, JSON). Pages show ``format_money``: grouped by the active language's
locale and always with the ISO code (``1,234.50 USD``; never a bare ``¥``, yuan or yen).

A code is known when some territory uses it as legal tender today (CLDR's territory
currencies without an end date): ``HRK`` (replaced by EUR in 2023), ``DEM`` or ``XXX`` are not.
Amounts are stored with two decimals (contracts and credits), so currencies with three or
four minor units (BHD, KWD, CLF...) are refused until the columns hold more (docs/adr/0006).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from babel.core import get_global
from babel.numbers import format_decimal, get_currency_precision
from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from servicepact.core.errors import DomainValidationError

STORED_PLACES = 2  # decimal places of the amount columns
MAX_AMOUNT = Decimal("9999999999.99")  # max_digits=12, decimal_places=2


@cache
def currencies() -> frozenset[str]:
    """Codes some territory uses as legal tender today."""
    return frozenset(
        code
        for entries in get_global("territory_currencies").values()
        for code, _start, end, tender in entries
        if end is None and tender
    )


def minor_units(code: str) -> int:
    """Decimal places of the currency (ISO 4217 minor unit): JPY 0, USD 2, BHD 3."""
    return int(get_currency_precision(code))


def validate_currency(code: Any, field: str = "currency") -> str:
    """The upper-case code, or a DomainValidationError (422) naming ``field``."""
    text = str(code).strip().upper() if isinstance(code, str) else ""
    if text not in currencies():
        raise DomainValidationError(
            {field: [_("unknown ISO 4217 currency code: %(code)r") % {"code": code}]}
        )
    if minor_units(text) > STORED_PLACES:
        raise DomainValidationError(
            {
                field: [
                    _(
                        "%(text)s has %(places)s decimal places; amounts are stored with %(STORED_PLACES)s: not supported yet"
                    )
                    % {"text": text, "places": minor_units(text), "STORED_PLACES": STORED_PLACES}
                ]
            }
        )
    return text


def quantum(code: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(code))


def quantize(amount: Decimal, code: str) -> Decimal:
    """``amount`` rounded half up to the currency's minor unit."""
    return amount.quantize(quantum(code), rounding=ROUND_HALF_UP)


def parse_amount(value: Any, code: str, field: str = "amount") -> Decimal:
    """A user's amount in ``code``: a finite number >= 0, no finer than the minor unit."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainValidationError(
            {field: [_("not a number: %(value)r") % {"value": value}]}
        ) from None
    if not amount.is_finite():
        raise DomainValidationError({field: [_("not a number: %(value)r") % {"value": value}]})
    if amount < 0:
        raise DomainValidationError({field: [_("must not be negative")]})
    if amount > MAX_AMOUNT:
        raise DomainValidationError(
            {field: [_("at most %(MAX_AMOUNT)s") % {"MAX_AMOUNT": MAX_AMOUNT}]}
        )
    places = minor_units(code)
    if amount != amount.quantize(quantum(code), rounding=ROUND_HALF_UP):
        unit = (
            _("no decimals")
            if places == 0
            else _("at most %(places)s decimals") % {"places": places}
        )
        raise DomainValidationError(
            {field: [_("%(code)s amounts have %(unit)s") % {"code": code, "unit": unit}]}
        )
    return quantize(amount, code)


def format_amount(amount: Decimal, code: str) -> str:
    """``Decimal("135.00")``, "JPY" -> ``"135"``; USD -> ``"135.00"``."""
    return format(quantize(amount, code), "f")


def format_money(amount: Decimal, code: str) -> str:
    """An amount for people: in the currency's minor unit, grouped the way the active
    language writes numbers (Babel, CLDR), with its ISO code: ``1,234.50 USD``,
    ``1,235 JPY``; zh-hans groups the same way."""
    places = minor_units(code)
    pattern = "#,##0." + "0" * places if places else "#,##0"
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    return f"{format_decimal(quantize(amount, code), format=pattern, locale=locale)} {code}"
