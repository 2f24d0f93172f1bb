"""Password reset by e-mail and password change, through Django's views and our templates."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from servicepact.accounts.tests.conftest import make_user

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+/)")


def request_reset(email: str) -> Client:
    client = Client()
    response = client.post("/password-reset/", {"email": email})
    assert response.status_code == 302 and response["Location"] == "/password-reset/sent/"
    return client


def test_reset_mail_link_sets_a_new_password_once():
    ann = make_user("ann", staff=True)
    request_reset("ANN@example.com")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ann@example.com"]
    assert message.subject == "Reset your ServicePact password"
    path = LINK.search(message.body).group(1)

    client = Client()
    form = client.get(path, follow=True)  # Django swaps the token for a session marker
    assert form.status_code == 200 and form.context["validlink"] is True
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "correct horse 42", "new_password2": "correct horse 42"}
    )
    assert done.status_code == 302 and done["Location"] == "/password-reset/done/"
    ann.refresh_from_db()
    assert ann.check_password("correct horse 42") and not ann.check_password("pw-ann")
    assert (
        Client().post("/login/", {"username": "ann", "password": "correct horse 42"}).status_code
        == 302
    )

    # The token was single-use: the same link now says so and changes nothing.
    again = Client().get(path, follow=True)
    assert again.context["validlink"] is False
    assert "This link is not valid" in again.content.decode()


def test_unknown_address_sends_nothing_but_answers_the_same():
    make_user("ann")
    request_reset("nobody@example.com")
    assert mail.outbox == []


def test_reset_refuses_mismatched_passwords_and_keeps_the_old_one():
    ann = make_user("ann")
    request_reset("ann@example.com")
    client = Client()
    form = client.get(LINK.search(mail.outbox[0].body).group(1), follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "correct horse 42", "new_password2": "other"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "new_password2": ["The two password fields didn’t match."]
    }
    ann.refresh_from_db()
    assert ann.check_password("pw-ann")


def test_password_change_needs_the_old_password():
    ann = make_user("ann", staff=True)
    client = Client()
    client.force_login(ann)
    page = client.get("/desk/")
    assert 'href="/account/password/"' in page.content.decode()  # linked from the header
    wrong = client.post(
        "/account/password/",
        {
            "old_password": "nope",
            "new_password1": "correct horse 42",
            "new_password2": "correct horse 42",
        },
    )
    assert wrong.status_code == 200
    assert list(wrong.context["form"].errors) == ["old_password"]
    right = client.post(
        "/account/password/",
        {
            "old_password": "pw-ann",
            "new_password1": "correct horse 42",
            "new_password2": "correct horse 42",
        },
    )
    assert right.status_code == 302 and right["Location"] == "/account/password/done/"
    ann.refresh_from_db()
    assert ann.check_password("correct horse 42")
    assert client.get("/account/password/done/").status_code == 200  # still signed in


def test_password_change_needs_a_signed_in_user():
    response = Client().get("/account/password/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_page_links_to_the_reset():
    assert 'href="/password-reset/"' in Client().get("/login/").content.decode()
