"""The pass/fail rule of each checklist item kind, the one place that knows them.

- ``text``: with an expected text, passes when the value equals it (case and surrounding
  spaces ignored); without one, any non-empty value passes (a reading to write down).
- ``number``: the value must be a decimal number; passes when ``min <= value <= max``
  (inclusive; a missing bound is open).
- ``yesno``: the value is yes or no (also true/false, 1/0, 是/否); passes when it is the
  expected answer.

A value that cannot be judged (empty, not a number, not yes/no) is a field error, never a
failed item: a typing slip must not open a ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from servicepact.core.errors import DomainValidationError
from servicepact.inspections.choices import ItemKind

YES = frozenset({"yes", "y", "true", "1", "是"})
NO = frozenset({"no", "n", "false", "0", "否"})


@dataclass(frozen=True)
class Expectation:
    """What an item expects (a checklist item row or its API/desk input)."""

    kind: str
    expected_text: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    expected_yes: bool | None = None
    unit: str = ""


def check_expectation(spec: Expectation, field: str) -> None:
    """A field error when the expectation cannot judge anything."""
    if spec.kind not in ItemKind.values:
        raise DomainValidationError(
            {field: [_("kind must be one of %(kinds)s") % {"kinds": ", ".join(ItemKind.values)}]}
        )
    if spec.kind == ItemKind.NUMBER:
        if spec.min_value is None and spec.max_value is None:
            raise DomainValidationError({field: [_("a number item needs a minimum or a maximum")]})
        if (
            spec.min_value is not None
            and spec.max_value is not None
            and spec.min_value > spec.max_value
        ):
            raise DomainValidationError({field: [_("the minimum is above the maximum")]})
    if spec.kind == ItemKind.YES_NO and spec.expected_yes is None:
        raise DomainValidationError({field: [_("a yes/no item needs the expected answer")]})


def judge(spec: Expectation, value: str, field: str = "value") -> tuple[str, bool]:
    """The value as stored and whether it passes; a field error if it cannot be judged."""
    text = value.strip()
    if not text:
        raise DomainValidationError({field: [_("must not be empty")]})
    if spec.kind == ItemKind.NUMBER:
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise DomainValidationError({field: [_("must be a number")]})
        low_ok = spec.min_value is None or number >= spec.min_value
        high_ok = spec.max_value is None or number <= spec.max_value
        return str(number), low_ok and high_ok
    if spec.kind == ItemKind.YES_NO:
        answer = text.casefold()
        if answer not in YES | NO:
            raise DomainValidationError({field: [_("must be yes or no")]})
        said_yes = answer in YES
        return ("yes" if said_yes else "no"), said_yes == spec.expected_yes
    if spec.expected_text:
        return text, text.casefold() == spec.expected_text.strip().casefold()
    return text, True


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def describe(spec: Expectation) -> str:
    """The expected value as people read it: "18 – 27 °C", "≥ 90 %", "yes", "2.4.1"."""
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.kind == ItemKind.NUMBER:
        if spec.min_value is not None and spec.max_value is not None:
            return f"{_number(spec.min_value)} – {_number(spec.max_value)}{unit}"
        if spec.min_value is not None:
            return f"≥ {_number(spec.min_value)}{unit}"
        assert spec.max_value is not None
        return f"≤ {_number(spec.max_value)}{unit}"
    if spec.kind == ItemKind.YES_NO:
        return _("yes") if spec.expected_yes else _("no")
    return spec.expected_text or _("any value")


def shown(kind: str, value: str) -> str:
    """A stored value as people read it: a yes/no answer (stored "yes"/"no") in their
    language, anything else as found."""
    if kind == ItemKind.YES_NO and value in ("yes", "no"):
        return _("yes") if value == "yes" else _("no")
    return value


@dataclass(frozen=True)
class ItemSpec:
    """A checklist item to create: its label and what it expects."""

    label: str
    expectation: Expectation


def parse_checklist(text: str, field: str = "checklist") -> list[ItemSpec]:
    """The desk's checklist box, one item a line: ``kind | label | expected | unit``::

        number | Inlet temperature | 18..27 | °C
        yesno  | Fans spin freely  | yes
        text   | BMC firmware      | 2.4.1
        text   | Cabling labelled

    A number's expected value is ``min..max``, ``min..`` or ``..max``."""
    specs: list[ItemSpec] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        kind, label = parts[0].lower(), parts[1] if len(parts) > 1 else ""
        expected = parts[2] if len(parts) > 2 else ""
        unit = parts[3] if len(parts) > 3 else ""
        where = _("line %(n)d") % {"n": n}
        if kind not in ItemKind.values or not label:
            raise DomainValidationError(
                {field: [_("%(where)s: write kind | label | expected") % {"where": where}]}
            )
        spec = Expectation(kind=kind, expected_text=expected, unit=unit)
        if kind == ItemKind.NUMBER:
            low, dots, high = expected.partition("..")
            try:
                spec = Expectation(
                    kind=kind,
                    min_value=Decimal(low) if low.strip() else None,
                    max_value=Decimal(high) if high.strip() else None,
                    unit=unit,
                )
            except InvalidOperation:
                dots = ""
            if not dots:
                raise DomainValidationError(
                    {field: [_("%(where)s: a range is min..max") % {"where": where}]}
                )
        elif kind == ItemKind.YES_NO:
            answer = expected.casefold()
            spec = Expectation(
                kind=kind, expected_yes=answer in YES if answer in YES | NO else None
            )
        try:
            check_expectation(spec, field)
        except DomainValidationError as exc:
            raise DomainValidationError(
                {field: [f"{where}: {m}" for m in exc.errors[field]]}
            ) from exc
        specs.append(ItemSpec(label=label, expectation=spec))
    return specs
