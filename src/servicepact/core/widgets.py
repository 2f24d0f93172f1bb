"""Form widgets.

``QuickSelect``: a ``<select>`` rendered in Python. Django renders every ``<option>`` of a
``Select`` through its own template include; for a list of a few hundred customers that is
most of a page's rendering time (the desk queue's customer filter). Same markup, flat choices
only (option groups fall back to Django's templates).
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
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        choices = list(self.choices)  # once: a model field's choices are a query each time
        if any(isinstance(options, (list, tuple)) for _, options in choices):
            return super().render(name, value, attrs, renderer)  # option groups
        chosen = {str(v) for v in self.format_value(value)}
        final = self.build_attrs(self.attrs, attrs)
        options = mark_safe(
            "".join(
                f'<option value="{_escape(key)}"{" selected" if key in chosen else ""}>'
                f"{_escape(label)}</option>"
                for key, label in ((str(self._key(v)), label) for v, label in choices)
            )
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
