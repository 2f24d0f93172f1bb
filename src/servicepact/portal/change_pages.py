"""Portal pages for changes and releases: the calendar, the iCalendar feed, releases.

Tenancy: every read goes through a selector scoped to the contact's customer; the feed
URL's token opens its own customer's changes only (an unknown or revoked token is a 404).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from servicepact.accounts.actors import actor_of
from servicepact.changes.calendar import (
    calendar_view,
    create_feed,
    feed_for_token,
    feed_ics,
    parse_anchor,
)
from servicepact.changes.choices import ReleaseStatus
from servicepact.changes.releases import get_release, releases_for
from servicepact.changes.selectors import changes_for
from servicepact.core.pagination import paginate_page
from servicepact.core.time import now, zone
from servicepact.portal.access import contact_required


def _tz(request: HttpRequest) -> str:
    tz: str = request.contact.local_timezone  # type: ignore[attr-defined]
    return tz


@require_GET
@contact_required
def change_calendar(request: HttpRequest) -> HttpResponse:
    tz = _tz(request)
    anchor = parse_anchor(request.GET.get("date"), now().astimezone(zone(tz)).date())
    view = calendar_view(
        changes_for(request.user), mode=request.GET.get("mode", "month"), anchor=anchor, tz=tz
    )
    return render(
        request,
        "portal/change_calendar.html",
        {
            "view": view,
            "anchor": anchor,
            "tz": tz,
            "link": "portal:change",
            "base": reverse("portal:change-calendar"),
        },
    )


@require_http_methods(["GET", "POST"])
@contact_required
def change_feed(request: HttpRequest) -> HttpResponse:
    """Shows how to subscribe; POST makes a new feed address (the old one stops working)."""
    url = ""
    if request.method == "POST":
        customer = request.contact.customer  # type: ignore[attr-defined]
        _feed, raw = create_feed(customer=customer, actor=actor_of(request))
        url = request.build_absolute_uri(reverse("portal:change-feed-ics", args=[raw]))
    return render(request, "portal/change_feed.html", {"url": url})


@require_GET
def change_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: no session (calendar apps cannot log in), the token decides."""
    feed = feed_for_token(token)
    if feed is None:
        raise Http404(_("No such calendar feed"))
    response = HttpResponse(
        feed_ics(feed, domain=request.get_host().split(":")[0] or "servicepact"),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@contact_required
def release_list(request: HttpRequest) -> HttpResponse:
    """Upcoming (planned) releases by date, then the shipped ones, newest first."""
    releases = releases_for(request.user)
    upcoming = releases.filter(status=ReleaseStatus.PLANNED).order_by("planned_on", "id")[:100]
    past = paginate_page(
        releases.filter(status=ReleaseStatus.SHIPPED).order_by("-shipped_at", "-id"),
        page=request.GET.get("page"),
        per_page=50,
    )
    return render(
        request,
        "portal/releases.html",
        {"upcoming": upcoming, "past": past, "tz": _tz(request)},
    )


@require_GET
@contact_required
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    release = get_release(request.user, pk)
    language = request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "en"
    return render(
        request,
        "portal/release.html",
        {"release": release, "notes": release.notes_in(language), "tz": _tz(request)},
    )
