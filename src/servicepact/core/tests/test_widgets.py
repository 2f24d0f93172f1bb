"""core.widgets.QuickSelect renders what Django's Select renders (bar whitespace); ExactSelect,
NumberInput and CheckboxInput what Django's widgets render, byte for byte."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.auth import get_user_model

from servicepact.core.widgets import CheckboxInput, ExactSelect, NumberInput, QuickSelect

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


def test_quick_select_reads_model_choices_once(django_assert_num_queries):
    """One query for a model field's options: ``list()`` of the choices would ask their
    length first, a COUNT of its own."""
    get_user_model().objects.create_user(username="Acme", password=None)
    form = _form(QuickSelect)({})
    with django_assert_num_queries(1):
        html = form["customer"].as_widget()
    assert ">Acme</option>" in html


@pytest.mark.parametrize("data", [{}, {"level": "a&b"}, {"level": "x"}, {"level": "c"}])
def test_exact_select_is_select_byte_for_byte(data):
    exact, plain = _form(ExactSelect)(data), _form(forms.Select)(data)
    for name in ("customer", "level"):
        for attrs in ({}, {"aria-describedby": "help", "aria-invalid": "true"}):
            assert exact[name].as_widget(attrs=attrs) == plain[name].as_widget(attrs=attrs)


def _inputs(number: type[forms.Widget], checkbox: type[forms.Widget]) -> type[forms.Form]:
    class Form(forms.Form):
        within = forms.IntegerField(
            required=False,
            min_value=1,
            max_value=744,
            widget=number(attrs={"placeholder": 'any <or> "none"', "inputmode": "numeric"}),
        )
        mine = forms.BooleanField(required=False, widget=checkbox)
        flag = forms.BooleanField(required=True, widget=checkbox(attrs={"data-x": "a&b"}))

    return Form


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"within": "5", "mine": "on", "flag": "true"},
        {"within": "<5>", "mine": "false", "flag": "x"},
        {"within": "", "mine": ""},
        {"within": "9999"},  # invalid: max_value
    ],
)
def test_quick_inputs_are_django_inputs_byte_for_byte(data):
    quick = _inputs(NumberInput, CheckboxInput)(data)
    plain = _inputs(forms.NumberInput, forms.CheckboxInput)(data)
    quick.is_valid()
    plain.is_valid()
    for name in ("within", "mine", "flag"):
        for attrs in ({}, {"aria-describedby": "x_helptext", "aria-invalid": "true"}):
            assert quick[name].as_widget(attrs=attrs) == plain[name].as_widget(attrs=attrs), name
        assert quick[name].widget_type == plain[name].widget_type
    unbound = _inputs(NumberInput, CheckboxInput)(initial={"within": 3, "mine": True})
    plain_unbound = _inputs(forms.NumberInput, forms.CheckboxInput)(
        initial={"within": 3, "mine": True}
    )
    for name in ("within", "mine"):
        assert unbound[name].as_widget() == plain_unbound[name].as_widget()
    assert 'value="3"' in unbound["within"].as_widget()
    assert " checked" in unbound["mine"].as_widget()
