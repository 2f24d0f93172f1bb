"""CVSS v3.1 base vectors: parsed and scored by the ``cvss`` library (RedHat, PyPI ``cvss``).

Only v3.1 vectors are accepted (``CVSS:3.1/AV:N/AC:L/...``): the contract's severities and
the bands below are v3.1's. The severity comes from the base score by the specification's
bands (FIRST, CVSS v3.1 section 5): 0.0 none, 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high,
9.0-10.0 critical. A vector that does not parse, or is not v3.1, is a field error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from cvss import CVSS3
from cvss.exceptions import CVSS3Error
from django.utils.translation import gettext as _

from servicepact.core.errors import DomainValidationError
from servicepact.security.choices import CvssSeverity

PREFIX = "CVSS:3.1/"
VECTOR_MAX = 200

# (lowest score of the band, severity), highest band first.
BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("9.0"), CvssSeverity.CRITICAL),
    (Decimal("7.0"), CvssSeverity.HIGH),
    (Decimal("4.0"), CvssSeverity.MEDIUM),
    (Decimal("0.1"), CvssSeverity.LOW),
)


@dataclass(frozen=True)
class CvssScore:
    vector: str  # the library's normalised form (metrics in the specification's order)
    base_score: Decimal
    severity: str


def severity_for(score: Decimal) -> str:
    """The qualitative rating of a base score (0.0 is "none")."""
    if not Decimal("0") <= score <= Decimal("10"):
        raise ValueError(f"a CVSS score is between 0.0 and 10.0, not {score}")
    for lowest, severity in BANDS:
        if score >= lowest:
            return severity
    return CvssSeverity.NONE


# The ``cvss`` library's messages (English, unstable wording), matched to name the part of
# the vector at fault in our own translatable text.
_DUPLICATE = re.compile(r'Duplicate metric "([^"]*)"')
_UNKNOWN_VALUE = re.compile(r'Unknown value "([^"]*)" in field "([^"]*)"')
_UNKNOWN_METRIC = re.compile(r'Unknown metric "([^"]*)" in field "([^"]*)"')
_MALFORMED_FIELD = re.compile(r'Malformed CVSS3 field "([^"]*)"')
_MISSING = re.compile(r'Missing mandatory metrics "([^"]*)"')


def library_error(exc: CVSS3Error) -> str:
    """The ``cvss`` library's refusal as our own message, in the reader's language, naming
    the field of the vector at fault (``AV:Q``) or the metrics missing."""
    message = str(exc)
    if found := _MISSING.search(message):
        return _("not a valid CVSS v3.1 vector: the mandatory metrics %(metrics)s are missing") % {
            "metrics": found.group(1)
        }
    if found := _DUPLICATE.search(message):
        return _("not a valid CVSS v3.1 vector: the metric %(metric)s is given twice") % {
            "metric": found.group(1)
        }
    if found := _UNKNOWN_VALUE.search(message):
        return _("not a valid CVSS v3.1 vector: %(value)s is not a value of %(field)s") % {
            "value": found.group(1),
            "field": found.group(2),
        }
    if found := _UNKNOWN_METRIC.search(message):
        return _("not a valid CVSS v3.1 vector: %(field)s names no CVSS v3.1 metric") % {
            "field": found.group(2)
        }
    if found := _MALFORMED_FIELD.search(message):
        return _("not a valid CVSS v3.1 vector: %(field)s is not written METRIC:VALUE") % {
            "field": found.group(1)
        }
    return _(
        "not a valid CVSS v3.1 vector: write it as CVSS:3.1/AV:N/AC:L/... without an empty field"
    )


def parse_vector(vector: str, *, field: str = "cvss_vector") -> CvssScore:
    """The base score and severity of a CVSS v3.1 vector; a ``DomainValidationError`` on
    ``field`` for anything else (empty, v3.0 or v2, an unknown metric or value, a
    missing mandatory metric)."""
    text = (vector or "").strip()
    if not text:
        raise DomainValidationError({field: [_("a CVSS v3.1 vector is required")]})
    if len(text) > VECTOR_MAX or not text.startswith(PREFIX):
        raise DomainValidationError(
            {field: [_('not a CVSS v3.1 vector: it must start with "CVSS:3.1/"')]}
        )
    try:
        parsed = CVSS3(text)
    except CVSS3Error as exc:
        raise DomainValidationError({field: [library_error(exc)]}) from exc
    base = Decimal(str(parsed.base_score))
    return CvssScore(vector=parsed.clean_vector(), base_score=base, severity=severity_for(base))
