"""django-ninja's own error texts in the caller's language (docs/api.md "Errors"): the shape
and status codes do not change, English is django-ninja's and pydantic's text exactly."""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import BASE, Api

pytestmark = pytest.mark.django_db

ZH = {"Accept-Language": "zh-Hans"}


def test_401_in_both_languages(db):
    english = Client().get(BASE + "/tickets")
    chinese = Client().get(BASE + "/tickets", headers=ZH)
    assert (english.status_code, english.json()) == (401, {"detail": "Unauthorized"})
    assert (chinese.status_code, chinese.json()) == (401, {"detail": "未认证"})


def test_404_in_both_languages(acme):
    api = Api(acme.contact.user)
    english = api.client.get(BASE + "/tickets/999999")
    chinese = api.client.get(BASE + "/tickets/999999", headers=ZH)
    assert (english.status_code, english.json()) == (404, {"detail": "Not Found"})
    assert (chinese.status_code, chinese.json()) == (404, {"detail": "未找到"})


def test_pydantic_422_messages_in_both_languages(acme):
    api = Api(acme.agent)
    body = {"customer": acme.customer.pk, "subject": "x", "impact": "high"}
    english = api.post("/tickets", body)
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-Hans"
    chinese = api.post("/tickets", body)
    assert english.status_code == chinese.status_code == 422
    (e,) = english.json()["detail"]
    (c,) = chinese.json()["detail"]
    assert e["msg"].startswith("Input should be a valid integer")
    assert (c["loc"], c["type"]) == (e["loc"], e["type"]) == (["body", "impact"], "int_parsing")
    assert c["msg"] == "输入应为有效的整数"


def test_pydantic_bound_message_keeps_the_bound(acme):
    api = Api(acme.agent)
    api.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-Hans"
    response = api.get(f"/assets/{acme.asset.pk}/coverage", impact=9)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert (error["loc"], error["type"]) == (["query", "impact"], "less_than_equal")
    assert error["msg"] == "输入应小于或等于 4"
