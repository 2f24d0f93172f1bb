"""``?status=`` on the money lists (credits, charges, fee changes, renewals): one rule
(``api.common.status_filter``): a known status filters, an unknown one is a 422 on ``status``
naming the choices, in the caller's language."""

from __future__ import annotations

import pytest

from servicepact.billing.choices import (
    ChargeStatus,
    CreditStatus,
    FeeChangeStatus,
    RenewalStatus,
)

from .conftest import BASE

pytestmark = pytest.mark.django_db

LISTS = [
    ("/credits", CreditStatus),
    ("/charges", ChargeStatus),
    ("/fee-changes", FeeChangeStatus),
    ("/renewals", RenewalStatus),
]


@pytest.mark.parametrize(("path", "choices"), LISTS)
def test_an_unknown_status_is_a_422_naming_the_choices(staff, path, choices):
    answer = staff.get(path, status="bogus")
    assert answer.status_code == 422, answer.json()
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["query", "status"]
    assert error["msg"] == "one of " + ", ".join(choices.values)


@pytest.mark.parametrize(("path", "choices"), LISTS)
def test_the_choices_error_is_in_the_callers_language(staff, path, choices):
    answer = staff.client.get(BASE + path, {"status": "bogus"}, HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["msg"] == "以下之一：" + ", ".join(choices.values)


@pytest.mark.parametrize(("path", "choices"), LISTS)
def test_a_known_status_filters(staff, path, choices):
    answer = staff.get(path, status=choices.values[0])
    assert answer.status_code == 200, answer.json()
    assert all(item["status"] == choices.values[0] for item in answer.json()["items"])
