"""The published contract: every operation named, summarised and declaring its errors, and
inputs that once were 500s (20-digit integers, NUL characters, a 1 MB subject) are 422s
naming the field."""

from __future__ import annotations

import re

import pytest

from servicepact.core.api_schema import MAX_DB_INT, model_max_length
from servicepact.core.pagination import MAX_OFFSET
from servicepact.tickets.models import Ticket

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

TWENTY_DIGITS = "9" * 20


@pytest.fixture
def schema(staff):
    return staff.get("/openapi.json").json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            yield path, method, op


def test_every_operation_has_a_stable_snake_case_id_and_a_summary(schema):
    ids = [op["operationId"] for _, _, op in operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)+", i) for i in ids), ids
    assert all(op["summary"] for _, _, op in operations(schema))
    assert {"tickets_list", "tickets_create", "tickets_acknowledge", "me_get"} <= set(ids)


def test_every_operation_declares_its_errors_with_the_bodies_sent(schema):
    """401 wherever a token is needed; every write 400/403/413/422; a path with an id 404;
    422 is the field-error list, every other error ``{"detail": str}``; a 200 is JSON
    unless it is a file download declared as application/zip or application/pdf."""
    for path, method, op in operations(schema):
        responses = op["responses"]
        assert "401" in responses, (method, path)
        if method != "get":
            assert {"400", "403", "413", "422"} <= set(responses), (method, path)
        if "{" in path:
            assert {"404", "422"} <= set(responses), (method, path)
        for status, answer in responses.items():
            content = set(answer["content"])
            if status == "200" and content in ({"application/zip"}, {"application/pdf"}):
                continue  # a file download (an audit export, a report's PDF): its body is the file
            ref = answer["content"]["application/json"]["schema"].get("$ref", "")
            if status == "422":
                assert ref.endswith("/ValidationErrorOut"), (method, path)
            elif status >= "400":
                assert ref.endswith("/ErrorOut"), (method, path, status)
    detail = schema["components"]["schemas"]["ValidationErrorOut"]["properties"]["detail"]
    assert detail["type"] == "array"


def test_transitions_declare_409(schema):
    acknowledge = schema["paths"]["/api/v1/tickets/{ticket_id}/acknowledge"]["post"]
    assert "409" in acknowledge["responses"]


def test_text_limits_come_from_the_model(schema):
    ticket_in = schema["components"]["schemas"]["TicketIn"]["properties"]
    assert ticket_in["subject"]["maxLength"] == model_max_length(Ticket, "subject") == 200
    assert ticket_in["impact"]["minimum"] == 1
    assert ticket_in["impact"]["maximum"] == 4


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"offset": TWENTY_DIGITS}, "offset"),
        ({"limit": TWENTY_DIGITS}, "limit"),
        ({"customer": TWENTY_DIGITS}, "customer"),
        ({"asset": TWENTY_DIGITS}, "asset"),
        ({"offset": MAX_OFFSET + 1}, "offset"),
        ({"assigned_to": TWENTY_DIGITS}, "assigned_to"),
        ({"assigned_to": "²"}, "assigned_to"),
        ({"status": "new\x00"}, "status"),
    ],
)
def test_out_of_range_filters_are_422_naming_the_parameter(staff, query, field):
    response = staff.get("/tickets", **query)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", field]]


@pytest.mark.parametrize(
    "path",
    [
        f"/tickets/{TWENTY_DIGITS}",
        f"/customers/{TWENTY_DIGITS}",
        f"/contracts/{TWENTY_DIGITS}/versions/{TWENTY_DIGITS}",
        f"/changes/{TWENTY_DIGITS}",
        f"/contracts/{MAX_DB_INT + 1}/availability",
        "/tickets/0",
    ],
)
def test_an_id_no_column_can_hold_is_422_on_the_path(staff, path):
    """Decision (docs/api.md): an impossible id is a 422 on the path parameter; a possible id
    that does not exist (or is not yours) stays a 404."""
    response = staff.get(path)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "path"


def test_the_largest_possible_id_is_a_plain_404(staff):
    assert staff.get(f"/tickets/{MAX_DB_INT}").status_code == 404


def test_a_20_digit_id_in_a_body_is_422_naming_it(staff, acme):
    response = staff.post("/tickets", {"customer": int(TWENTY_DIGITS), "subject": "x"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "customer"]]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"subject": "a" * 1_000_000}, ["body", "subject"]),
        ({"subject": "Disk\x00failure"}, ["body", "subject"]),
        ({"subject": "Disk failure", "description": "bad\x00"}, ["body", "description"]),
    ],
)
def test_a_huge_or_nul_subject_is_422_and_nothing_is_stored(staff, acme, body, loc):
    """Runs on PostgreSQL too (which refuses NUL outright and has no room for 1 MB there)."""
    response = staff.post("/tickets", {"customer": acme.customer.pk, **body})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [loc]
    assert Ticket.objects.count() == 0


def test_text_longer_than_the_model_allows_is_422_on_every_create(staff, acme):
    too_long = "x" * 201
    cases = [
        ("/customers", {"name": too_long, "code": "x"}, ["body", "name"]),
        ("/sites", {"customer": acme.customer.pk, "name": too_long, "timezone": "UTC"}, None),
        ("/assets", {"customer": acme.customer.pk, "hostname": "h" * 254}, ["body", "hostname"]),
        ("/plans", {"name": "p", "code": "c" * 41, "calendar": 1}, ["body", "code"]),
    ]
    for path, body, loc in cases:
        response = staff.post(path, body)
        assert response.status_code == 422, path
        assert [e["loc"] for e in response.json()["detail"]] == [loc or ["body", "name"]]


def test_nul_inside_nested_json_is_422_on_its_field(staff, acme):
    response = staff.post(
        "/assets",
        {"customer": acme.customer.pk, "hostname": "db1", "labels": {"role\x00": "db"}},
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "labels"]]


def test_patch_with_null_for_a_required_text_is_422_not_a_500(staff, acme):
    response = staff.patch(f"/customers/{acme.customer.pk}", {"notes": None})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "notes"]]


def test_a_contact_sees_a_403_with_the_declared_body(acme_contact, acme):
    """Refusals carry ``{"detail": "..."}`` exactly as declared."""
    ticket = open_ticket(acme)
    response = acme_contact.post(f"/tickets/{ticket.pk}/acknowledge")
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert isinstance(response.json()["detail"], str)


def test_each_response_model_has_its_own_name(schema):
    """Two schemas of one name would publish one of them for both (the asset's coverage
    answer once borrowed the ticket's)."""
    coverage = schema["paths"]["/api/v1/assets/{asset_id}/coverage"]["get"]["responses"]["200"]
    ref = coverage["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"at", "priority", "priority_name"} <= set(
        schema["components"]["schemas"][ref]["required"]
    )
