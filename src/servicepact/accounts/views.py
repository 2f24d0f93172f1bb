"""Sign in and out, password reset and change, and the caller's own API tokens.

Staff and customer contacts use the same pages; the base layout shows each their own
navigation. ``/`` then sends each home.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from servicepact.accounts import services
from servicepact.accounts.actors import actor_of
from servicepact.accounts.forms import TokenCreateForm
from servicepact.accounts.models import ApiToken
from servicepact.core.errors import DomainValidationError
from servicepact.core.time import now


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """Axes' answer to a locked-out username + IP: the login page, 429, with the wait.

    Each refused attempt restarts the cool-off (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``),
    so the wait from now is the whole cool-off.
    """
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out_minutes": minutes, "next": request.POST.get("next", "")}
    return render(request, "accounts/login.html", context, status=429)


class LogoutView(auth_views.LogoutView):
    """Signing out is a POST (with the CSRF token); a GET shows a confirmation button."""

    http_method_names = ["get", "post", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect("accounts:login")
        return render(request, "accounts/logout.html")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """The caller's API tokens; a POST creates one and shows its secret this once."""
    new_secret = None
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                _token, new_secret = services.create_api_token(
                    user=actor_of(request), name=form.cleaned_data["name"], days=form.days()
                )
            except DomainValidationError as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(None if field == "__all__" else field, error)
            else:
                form = TokenCreateForm()
    else:
        form = TokenCreateForm()
    moment = now()
    rows = [
        (t, "active" if t.is_usable(moment) else "revoked" if t.revoked_at else "expired")
        for t in ApiToken.objects.filter(user=actor_of(request)).order_by("-created_at", "-pk")
    ]
    context = {"form": form, "tokens": rows, "new_secret": new_secret}
    status = 400 if form.errors else 200
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if services.revoke_api_token(token=token):
        messages.success(request, _("Token %(prefix)s… revoked.") % {"prefix": token.prefix})
    else:
        messages.info(
            request, _("Token %(prefix)s… was already revoked.") % {"prefix": token.prefix}
        )
    return redirect("accounts:tokens")
