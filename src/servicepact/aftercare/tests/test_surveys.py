"""Satisfaction surveys: one per ticket, answered through the resolution e-mail's signed
link (single use, expiring, forged -> 404) or on the portal's ticket page (own tickets)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from servicepact.aftercare.choices import SurveyVia
from servicepact.aftercare.models import Survey
from servicepact.aftercare.services import answer_survey
from servicepact.aftercare.testing import resolved
from servicepact.core.errors import DomainValidationError, TransitionError
from servicepact.core.testing import ny
from servicepact.notifications.models import Notification
from servicepact.tickets.choices import EventKind
from servicepact.tickets.services import acknowledge_ticket, open_ticket
from servicepact.tickets.survey_link import survey_path, survey_token
from servicepact.tickets.testing import login

pytestmark = pytest.mark.django_db


def link_of(ticket) -> str:
    event = ticket.events.filter(kind=EventKind.RESOLVED).latest("id")
    return survey_path(ticket_id=ticket.pk, event_id=event.pk)


def test_the_resolution_email_carries_the_survey_link(acme, clock):
    acme.contact.email = "it@acme.example"
    acme.contact.save()
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    mail = Notification.objects.get(recipient="it@acme.example", event="ticket.resolved")
    assert link_of(ticket) in mail.body


def test_the_link_answers_once(acme, clock):
    """GET shows the form; POST score 4 stores the survey (via the link); the same link
    then shows "already answered" (409) and a second POST stores nothing."""
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    browser = Client(enforce_csrf_checks=True)
    path = link_of(ticket)
    form = browser.get(path)
    assert form.status_code == 200
    token = form.cookies["csrftoken"].value
    done = browser.post(
        path, {"survey-score": "4", "survey-comment": "quick", "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 200
    assert 'data-testid="survey-thanks"' in done.content.decode()
    survey = Survey.objects.get(ticket=ticket)
    assert (survey.score, survey.comment, survey.via) == (4, "quick", SurveyVia.LINK)
    again = browser.post(path, {"survey-score": "1", "csrfmiddlewaretoken": token})
    assert again.status_code == 409
    assert 'data-testid="survey-used"' in again.content.decode()
    assert Survey.objects.get(ticket=ticket).score == 4


def test_the_public_page_needs_the_csrf_token(acme, clock):
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(link_of(ticket), {"survey-score": "5"}).status_code == 403
    assert not Survey.objects.exists()


def test_an_expired_link_says_so(acme, clock):
    """The link lives 30 days: on day 31 the page says it expired (410), nothing stored."""
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    path = link_of(ticket)
    clock.at(ny(2025, 6, 6, 15) + timedelta(days=30, minutes=1))
    page = login(acme.contact.user).get(path)
    assert page.status_code == 410
    assert 'data-testid="survey-expired"' in page.content.decode()
    assert not Survey.objects.exists()


def test_a_forged_link_is_404(acme, clock):
    """A changed signature, a good signature naming another ticket's event, and garbage."""
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    other = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 16), subject="Fan")
    path = link_of(ticket)
    event = other.events.filter(kind=EventKind.RESOLVED).latest("id")
    client = login(acme.contact.user)
    assert client.get(path[:-3] + ("A/" if path[-2] != "A" else "B/")).status_code == 404
    crossed = survey_token(ticket_id=ticket.pk, event_id=event.pk)
    assert client.get(f"/portal/survey/{crossed}/").status_code == 404
    assert client.get("/portal/survey/not-a-token/").status_code == 404
    assert not Survey.objects.exists()


def test_one_survey_per_ticket_and_scores_1_to_5(acme, clock):
    ticket = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    for bad in (0, 6, "five", True):
        with pytest.raises(DomainValidationError) as err:
            answer_survey(ticket=ticket, score=bad)
        assert set(err.value.errors) == {"score"}
    answer_survey(ticket=ticket, score=5)
    with pytest.raises(TransitionError):
        answer_survey(ticket=ticket, score=3)
    assert list(Survey.objects.values_list("score", flat=True)) == [5]


def test_an_open_ticket_has_no_survey_yet(acme, clock):
    clock.at(ny(2025, 6, 6, 10))
    ticket = open_ticket(customer=acme.customer, subject="Slow", contact=acme.contact)
    acknowledge_ticket(ticket=ticket, actor=acme.agent)
    with pytest.raises(DomainValidationError) as err:
        answer_survey(ticket=ticket, score=4)
    assert set(err.value.errors) == {"ticket"}


def test_portal_survey_on_own_ticket_only(acme, globex, clock):
    """Acme's contact answers on Acme's ticket page; Globex's ticket is a 404 for them."""
    mine = resolved(acme, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    theirs = resolved(globex, clock, ny(2025, 6, 6, 10), ny(2025, 6, 6, 15))
    portal = login(acme.contact.user)
    page = portal.get(f"/portal/tickets/{mine.pk}/")
    assert 'id="survey"' in page.content.decode()
    answer = portal.post(f"/portal/tickets/{mine.pk}/survey/", {"survey-score": "3"})
    assert answer.status_code == 302
    assert Survey.objects.get(ticket=mine).contact == acme.contact
    assert (
        portal.post(f"/portal/tickets/{theirs.pk}/survey/", {"survey-score": "1"}).status_code
        == 404
    )
    assert not Survey.objects.filter(ticket=theirs).exists()
