"""A ``?period=`` that is not a month a statement can have is a 404 page naming ``period``,
never a 500, on every statement page and audit export (desk and portal); one parser
(core.periods.Period.parse) decides, the API's availability too."""

from __future__ import annotations

import pytest

from servicepact.billing.testing import june_month, ny
from servicepact.core.errors import DomainValidationError
from servicepact.core.periods import Period
from servicepact.monitoring.availability import parse_period
from servicepact.reports.models import Statement

pytestmark = pytest.mark.django_db

BAD = ["9999-12", "0000-01", "1899-12", "2025-13", "2025-00", "garbage", "２０２５-06", "2025-6"]


@pytest.fixture
def june(clock):
    june = june_month(clock)
    clock.at(ny(2025, 7, 2, 9))
    return june


@pytest.mark.parametrize("period", BAD)
def test_bad_periods_on_every_page_are_a_404_naming_the_period(client, june, period):
    contract = june.contract.pk
    client.force_login(june.world.agent)
    staff = [f"/reports/desk/contracts/{contract}/{page}/" for page in ("statement", "audit")]
    for url in staff:
        response = client.get(url, {"period": period})
        assert response.status_code == 404, url
        html = response.content.decode()
        assert "<strong>period</strong>: expected YYYY-MM from 1900-01 to 9998-12" in html, url
    client.force_login(june.world.contact.user)
    for page in ("statement", "audit"):
        url = f"/reports/portal/contracts/{contract}/{page}/"
        response = client.get(url, {"period": period, "format": "csv"})
        assert response.status_code == 404, url
        assert "<strong>period</strong>:" in response.content.decode()
    assert not Statement.objects.filter(period=period).exists()


def test_the_last_and_first_months_are_periods(client, june):
    """9998-12 and 1900-01 are months (empty ones): a page, not an error."""
    client.force_login(june.world.agent)
    for period in ("9998-12", "1900-01"):
        url = f"/reports/desk/contracts/{june.contract.pk}/statement/"
        assert client.get(url, {"period": period}).status_code == 200, period


@pytest.mark.parametrize("text", BAD)
def test_the_one_parser_refuses_and_names_the_field(text):
    with pytest.raises(DomainValidationError) as exc:
        Period.parse(text, field="month")
    assert list(exc.value.errors) == ["month"]
    with pytest.raises(DomainValidationError):
        parse_period(text)


def test_the_last_period_has_a_following_month():
    assert Period.parse("9998-12").shift(1) == Period(9999, 1)
    assert Period.parse(" 2025-06 ") == Period(2025, 6)
