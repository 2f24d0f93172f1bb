"""core.widgets.QuickSelect renders what Django's Select renders (bar whitespace)."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.auth import get_user_model

from servicepact.core.widgets import QuickSelect

pytestmark = pytest.mark.django_db


def _form(widget: type[forms.Select]) -> type[forms.Form]:
    class Form(forms.Form):
        customer = forms.ModelChoiceField(
            queryset=get_user_model().objects.order_by("username"),
            required=False,
            empty_label="All <customers>",
            widget=widget,
        )
        level = forms.ChoiceField(
            choices=[("", "any"), ("a&b", "A & B"), ("c", "C")], widget=widget
        )

    return Form


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("data", [{}, {"level": "a&b"}, {"customer": "0", "level": "x"}])
def test_quick_select_renders_like_select(data):
    users = get_user_model().objects
    users.create_user(username="Acme & Sons", password=None)
    beta = users.create_user(username="<Beta>", password=None)
    if "customer" in data:
        data = {**data, "customer": str(beta.pk)}
    quick, plain = _form(QuickSelect)(data), _form(forms.Select)(data)
    for name in ("customer", "level"):
        attrs = {"aria-describedby": "help"}
        assert _squeezed(quick[name].as_widget(attrs=attrs)) == _squeezed(
            plain[name].as_widget(attrs=attrs)
        ), name
    html = quick["customer"].as_widget()
    assert "&lt;Beta&gt;" in html and "Acme &amp; Sons" in html
    if "customer" in data:
        assert f'<option value="{beta.pk}" selected>' in html
