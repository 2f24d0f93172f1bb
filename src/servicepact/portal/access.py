"""Who may use the portal: customer contacts with a login.

Anonymous visitors go to the login page; provider staff are sent to the desk; a signed-in user
who is neither gets a 404. The contact is put on the request for the views (``request.contact``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from servicepact.customers.selectors import contact_for

View = Callable[..., HttpResponse]
# Any view, a download (a FileResponse) too: the decorator keeps the view's own type.
AnyView = TypeVar("AnyView", bound=Callable[..., HttpResponseBase])


def contact_required(view: AnyView) -> AnyView:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            if getattr(request, "htmx", False):
                # An htmx poll after the session expired: reload the whole page into the
                # login screen instead of swapping the login page into a fragment.
                return HttpResponseClientRedirect(redirect_to_login(_page(request))["Location"])
            return redirect_to_login(request.get_full_path())
        if user.is_staff:
            return redirect("desk:queue")
        contact = contact_for(user)
        if contact is None:
            raise Http404(_("No such page"))
        request.contact = contact  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return cast(AnyView, wrapper)


def _page(request: HttpRequest) -> str:
    """The page the user is on (htmx sends it), so login returns there, not to a fragment."""
    current = request.headers.get("HX-Current-URL", "")
    if current:
        parsed = urlsplit(current)
        return parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return request.get_full_path()
