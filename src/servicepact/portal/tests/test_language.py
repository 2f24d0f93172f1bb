"""Pages in the person's language (docs/i18n.md): anonymous pages follow Accept-Language, a
signed-in person's stored preference wins after login, the header's switcher stores it.

Expected Chinese text is read from the catalogue (and must differ from the English), so these
tests prove the page was translated without pinning a translator's wording."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from servicepact.accounts.models import StaffProfile
from servicepact.customers.models import Contact

from .conftest import login

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a login loads it (the fixtures' objects cache an older profile)."""
    return get_user_model().objects.get(pk=user.pk)


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        translated = translation.gettext(text)
    assert translated != text, f"{text!r} has no Chinese translation"
    return translated


def test_login_answers_in_chinese_to_accept_language_zh_hans():
    """GET /login/ with Accept-Language: zh-Hans: lang="zh-hans", Content-Language zh-hans,
    the sign-in heading in Chinese; without the header the page stays English."""
    response = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    html = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in html
    assert zh("Sign in to ServicePact") in html
    english = Client().get("/login/").content.decode()
    assert '<html lang="en">' in english and "Sign in to ServicePact" in english


def test_a_contacts_preference_wins_after_login_over_the_browser(acme):
    """A contact who chose Chinese gets the portal in Chinese although the browser asks for
    English; the login stored the choice in the session."""
    Contact.objects.filter(pk=acme.contact.pk).update(preferred_language="zh-hans")
    client = login(fresh(acme.contact.user))
    html = client.get("/portal/tickets/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in html
    assert client.session["sp_language"] == [acme.contact.user.pk, "zh-hans"]


def test_staff_preference_on_the_profile_and_no_preference_follows_the_browser(acme):
    """The agent's profile says Chinese: the desk is Chinese. Without a preference, a
    signed-in person gets what the browser asks for."""
    client = login(acme.agent)
    assert (
        '<html lang="zh-hans">'
        in client.get("/desk/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    )
    assert '<html lang="en">' in client.get("/desk/").content.decode()
    StaffProfile.objects.filter(user=acme.agent).update(preferred_language="zh-hans")
    client = login(fresh(acme.agent))
    assert '<html lang="zh-hans">' in client.get("/desk/").content.decode()


def test_the_switcher_stores_the_choice_and_it_persists(acme):
    """The header offers the other language; POST /language/ stores the agent's choice on the
    profile, sets the language cookie and returns to the page; a new login (another device)
    finds the desk in Chinese; switching back stores English."""
    client = login(acme.agent)
    page = client.get("/desk/").content.decode()
    assert 'action="/language/"' in page and 'value="zh-hans"' in page
    response = client.post("/language/", {"language": "zh-hans", "next": "/desk/"})
    assert (response.status_code, response["Location"]) == (302, "/desk/")
    assert response.cookies["django_language"].value == "zh-hans"
    assert StaffProfile.objects.get(user=acme.agent).preferred_language == "zh-hans"
    assert '<html lang="zh-hans">' in client.get("/desk/").content.decode()
    other_device = login(fresh(acme.agent))
    assert '<html lang="zh-hans">' in other_device.get("/desk/").content.decode()
    other_device.post("/language/", {"language": "en", "next": "/desk/"})
    assert StaffProfile.objects.get(user=acme.agent).preferred_language == "en"
    assert '<html lang="en">' in other_device.get("/desk/").content.decode()


def test_a_contact_switches_too(acme, contact_client):
    contact_client.post("/language/", {"language": "zh-hans", "next": "/portal/"})
    assert Contact.objects.get(pk=acme.contact.pk).preferred_language == "zh-hans"


def test_the_switcher_refuses_unknown_languages_and_foreign_redirects(acme, agent_client):
    """A language the site does not offer is a 400 and stores nothing; a ``next`` on another
    host goes to / instead; GET is not allowed."""
    assert agent_client.post("/language/", {"language": "fr"}).status_code == 400
    assert not StaffProfile.objects.get(user=acme.agent).preferred_language
    response = agent_client.post(
        "/language/", {"language": "zh-hans", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert agent_client.get("/language/").status_code == 405


def test_anonymous_switch_sets_the_cookie_for_the_login_page():
    client = Client()
    response = client.post("/language/", {"language": "zh-hans", "next": "/login/"})
    assert response["Location"] == "/login/"
    html = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html and zh("Sign in to ServicePact") in html


def test_language_for_reads_the_stored_preferences(acme):
    """notifications.language_for: a contact's field, the contact's login, a staff member's
    profile; nothing chosen -> settings.LANGUAGE_CODE; a team has none."""
    from servicepact.accounts.models import Team
    from servicepact.notifications import language_for

    assert language_for(fresh(acme.contact.user)) == "en"
    Contact.objects.filter(pk=acme.contact.pk).update(preferred_language="zh-hans")
    StaffProfile.objects.filter(user=acme.agent).update(preferred_language="zh-hans")
    assert language_for(Contact.objects.get(pk=acme.contact.pk)) == "zh-hans"
    assert language_for(fresh(acme.contact.user)) == "zh-hans"
    assert language_for(fresh(acme.agent)) == "zh-hans"
    assert language_for(Team.objects.create(name="Desk")) == "en"
