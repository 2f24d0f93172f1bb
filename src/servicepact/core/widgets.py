"""Form widgets.

``QuickSelect``: a ``<select>`` rendered in Python. Django renders every ``<option>`` of a
``Select`` through its own template include; for a list of a few hundred customers that is
most of a page's rendering time (the desk queue's customer filter). Same markup, flat choices
only (option groups fall back to Django's templates). ``ExactSelect``: the same, byte for byte
as Django writes it. ``NumberInput`` and ``CheckboxInput``: Django's ``<input>``
markup without its templates.
"""

from __future__ import annotations

import html
from typing import Any

from django import forms
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _escape(value: Any) -> str:
    """``conditional_escape``: a plain string through ``html.escape`` (as Django's ``escape``)
    without its per-call wrapping; safe strings as they are; anything else as text."""
    if type(value) is str:
        return html.escape(value)
    return str(conditional_escape(value))


class QuickSelect(forms.Select):
    # Before each option, after each option, before ``</select>``: none here (``ExactSelect``
    # writes Django's own whitespace).
    layout = ("", "", "")

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        # Once: a model field's choices are a query each time. Through ``iter``: ``list()`` of
        # the choices themselves asks their length first, a COUNT query of its own.
        choices = list(iter(self.choices))
        if any(isinstance(options, (list, tuple)) for _, options in choices):
            return super().render(name, value, attrs, renderer)  # option groups
        chosen = {str(v) for v in self.format_value(value)}
        final = self.build_attrs(self.attrs, attrs)
        before, after, end = self.layout
        options = mark_safe(
            "".join(
                f'{before}<option value="{_escape(key)}"{" selected" if key in chosen else ""}>'
                f"{_escape(label)}</option>{after}"
                for key, label in ((str(self._key(v)), label) for v, label in choices)
            )
            + end
        )
        # As django/forms/widgets/attrs.html: in order, True bare, False left out.
        flat = format_html_join(
            "",
            " {}{}",
            (
                (k, "" if v is True else format_html('="{}"', v))
                for k, v in final.items()
                if v is not False
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flat, options)

    @staticmethod
    def _key(value: Any) -> Any:
        # ModelChoiceIteratorValue (ModelChoiceField) renders as its primary key.
        return "" if value is None else value


class ExactSelect(QuickSelect):
    """``QuickSelect`` byte for byte as Django's ``Select`` renders flat choices, whitespace
    included: for a few options on a page whose HTML must not change (the queue filters)."""

    layout = ("\n  ", "\n", "\n")


def _plain(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` in a template: the text, always escaped."""
    return html.escape(str(value))


class QuickInput(forms.widgets.Input):
    """``django/forms/widgets/input.html`` (and its ``attrs.html``) written in Python."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else f' value="{_plain(widget["value"])}"'
        flat = "".join(
            f" {_escape(key)}" + ("" if v is True else f'="{_plain(v)}"')
            for key, v in widget["attrs"].items()
            if v is not False
        )
        return mark_safe(
            f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"'
            f"{shown}{flat}>"
        )


class NumberInput(QuickInput, forms.NumberInput):
    """Named as Django's, as ``CheckboxInput`` is (``BoundField.widget_type``: "number")."""


class CheckboxInput(QuickInput, forms.CheckboxInput):
    """Named as Django's: ``BoundField.widget_type`` ("checkbox", which ``_field.html`` asks)
    is the class name without its "input" ending."""
