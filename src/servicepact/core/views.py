from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def home(request: HttpRequest) -> HttpResponse:
    """Sends each user to the right place: staff to the desk, contacts to the portal."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/landing.html")
    if user.is_staff:
        return redirect("/desk/")
    # The reverse one-to-one from customers.Contact (core may not import customers).
    if getattr(user, "contact", None) is not None:
        return redirect("/portal/")
    return render(request, "core/landing.html", {"no_role": True})
