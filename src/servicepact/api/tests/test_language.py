"""API messages in the caller's language (docs/api.md "Errors"): Accept-Language zh-Hans gives
Chinese `detail` texts and 422 messages; `loc` and `type` stay English. A contact's
preferred_language is read and written like its other fields."""

from __future__ import annotations

import pytest

from .conftest import Api

pytestmark = pytest.mark.django_db


def test_a_403_and_a_422_in_chinese(acme):
    contact = Api(acme.contact.user)
    contact.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-Hans"
    response = contact.post("/tickets", {"subject": "硬盘故障", "priority": 1})
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "只有服务商员工可以设置优先级。"},
    )
    staff = Api(acme.agent)
    staff.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-Hans"
    response = staff.post("/tickets", {"subject": "硬盘故障"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["body", "customer"], "msg": "必填", "type": "invalid"}
    ]
    english = Api(acme.agent).post("/tickets", {"subject": "Disk failure"})
    assert english.json()["detail"][0]["msg"] == "required"


def test_a_contacts_language_through_the_api(acme):
    staff = Api(acme.agent)
    created = staff.post(
        "/contacts",
        {"customer": acme.customer.pk, "name": "Li Wei", "preferred_language": "zh-hans"},
    )
    assert created.status_code == 201, created.json()
    assert created.json()["preferred_language"] == "zh-hans"
    pk = created.json()["id"]
    assert (
        staff.patch(f"/contacts/{pk}", {"preferred_language": ""}).json()["preferred_language"]
        == ""
    )
    refused = staff.patch(f"/contacts/{pk}", {"preferred_language": "fr"})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "preferred_language"]
