"""No visible English outside translation tags in any template (docs/i18n.md): text nodes
and read attributes (title, aria-label, placeholder, alt) with letters must be inside
{% translate %} / {% blocktranslate %}; codes such as SLA, API, CSV, P1 are allowed."""

from __future__ import annotations

from pathlib import Path

import servicepact
from servicepact.core.template_text import templates, untranslated

ROOT = Path(servicepact.__file__).parent


def test_every_template_shows_only_translated_text():
    paths = list(templates(ROOT))
    assert len(paths) > 50  # the scan sees the package's templates
    found = {
        str(p.relative_to(ROOT)): words for p in paths if (words := untranslated(p.read_text()))
    }
    assert found == {}, "wrap these in {% translate %} / {% blocktranslate %}: " + repr(found)


def test_text_outside_translate_is_found():
    assert untranslated("{% load i18n %}<h1>Open tickets</h1>") == ["Open", "tickets"]
    assert untranslated('<h1>{% translate "Open tickets" %}</h1>') == []


def test_blocktranslate_and_comments_and_scripts_are_not_text():
    source = (
        "{% blocktranslate with n=count %}{{ n }} tickets are open{% endblocktranslate %}"
        "{% comment %}Not shown{% endcomment %}{# nor this #}"
        "<script>var label = 'ignored';</script><style>.a{color:red}</style>"
    )
    assert untranslated(source) == []


def test_read_attributes_are_checked_and_others_not():
    assert untranslated('<button aria-label="Close dialog" class="btn-close">×</button>') == [
        "Close",
        "dialog",
    ]
    assert untranslated('<input placeholder="Search" name="q" type="search">') == ["Search"]
    assert untranslated('<a title="{% translate "Next" %}" href="/x">›</a>') == []


def test_codes_and_css_classes_are_allowed():
    assert untranslated("<td>SLA</td><td>P{{ t.priority }}</td><td>CSV</td>") == []
    assert untranslated("{% block body_class %}app-desk{% endblock %}") == []
    assert untranslated("<td>Uptime SLA</td>") == ["Uptime"]
