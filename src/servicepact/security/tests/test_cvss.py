"""CVSS v3.1 vectors: parsed and scored by the cvss library; severity by the v3.1 bands."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicepact.core.errors import DomainValidationError
from servicepact.security.cvss import parse_vector, severity_for


@pytest.mark.parametrize(
    ("vector", "score", "severity"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8", "critical"),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", "8.1", "high"),  # CVE-2024-6387
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "7.5", "high"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "6.1", "medium"),  # reflected XSS
        ("CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "1.8", "low"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "0.0", "none"),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "10.0", "critical"),
    ],
)
def test_valid_vectors_score_as_the_specification_says(vector, score, severity):
    parsed = parse_vector(vector)
    assert (parsed.base_score, parsed.severity) == (Decimal(score), severity)


def test_metrics_in_any_order_are_normalised():
    parsed = parse_vector("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N")
    assert parsed.vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


@pytest.mark.parametrize(
    "vector",
    [
        "",
        "   ",
        "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # no prefix
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # v3.0
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",  # v4
        "AV:N/AC:L/Au:N/C:P/I:P/A:P",  # v2
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",  # A missing
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # unknown value
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",  # unknown metric
        "CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # repeated metric
        "CVSS:3.1/" + "AV:N/" * 60,  # too long
    ],
)
def test_invalid_vectors_are_a_field_error(vector):
    with pytest.raises(DomainValidationError) as caught:
        parse_vector(vector, field="cvss_vector")
    assert list(caught.value.errors) == ["cvss_vector"]


@pytest.mark.parametrize(
    ("score", "severity"),
    [
        ("0.0", "none"),
        ("0.1", "low"),
        ("3.9", "low"),
        ("4.0", "medium"),
        ("6.9", "medium"),
        ("7.0", "high"),
        ("8.9", "high"),
        ("9.0", "critical"),
        ("10.0", "critical"),
    ],
)
def test_severity_bands_at_their_edges(score, severity):
    assert severity_for(Decimal(score)) == severity


@pytest.mark.parametrize("score", ["-0.1", "10.1"])
def test_a_score_outside_0_to_10_is_refused(score):
    with pytest.raises(ValueError):
        severity_for(Decimal(score))


@pytest.mark.parametrize(
    ("vector", "message"),
    [
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "not a valid CVSS v3.1 vector: the mandatory metrics A are missing",
        ),
        (
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "not a valid CVSS v3.1 vector: X is not a value of AV:X",
        ),
        (
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1",
            "not a valid CVSS v3.1 vector: ZZ:1 names no CVSS v3.1 metric",
        ),
        (
            "CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "not a valid CVSS v3.1 vector: the metric AV is given twice",
        ),
        (
            "CVSS:3.1/AV:N/AC/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "not a valid CVSS v3.1 vector: AC is not written METRIC:VALUE",
        ),
    ],
)
def test_the_librarys_refusal_is_our_own_text_naming_the_part_at_fault(vector, message):
    """The cvss library's English wording never reaches the user: each refusal is mapped to
    a translatable message naming the vector's field at fault (or the metrics missing)."""
    with pytest.raises(DomainValidationError) as caught:
        parse_vector(vector, field="cvss_vector")
    assert caught.value.errors == {"cvss_vector": [message]}
    assert "Malformed" not in message and "Unknown" not in message
