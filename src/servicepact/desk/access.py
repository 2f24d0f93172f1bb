"""Who may use the desk: provider staff only.

Anonymous visitors are sent to the login page; signed-in users who are not staff (customer
contacts) get a 404, as for anything outside their tenancy — the desk does not exist for them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

View = Callable[..., HttpResponse]
# Any view, a download (a FileResponse) too: the decorator keeps the view's own type.
AnyView = TypeVar("AnyView", bound=Callable[..., HttpResponseBase])


def staff_required(view: AnyView) -> AnyView:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            if getattr(request, "htmx", False):
                # An htmx poll after the session expired: reload the whole page into the
                # login screen instead of swapping the login page into a fragment.
                return HttpResponseClientRedirect(redirect_to_login(_page(request))["Location"])
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            raise Http404(_("No such page"))
        return view(request, *args, **kwargs)

    return cast(AnyView, wrapper)


def _page(request: HttpRequest) -> str:
    """The page the user is on (htmx sends it), so login returns there, not to a fragment."""
    current = request.headers.get("HX-Current-URL", "")
    if current:
        parsed = urlsplit(current)
        return parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return request.get_full_path()
