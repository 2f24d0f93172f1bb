"""Article Markdown to safe HTML: markdown-it-py (CommonMark), then nh3 (ammonia) cleans it.

The author's raw HTML is not trusted at any step: markdown-it renders with ``html`` off (raw
HTML in the Markdown is shown as text), and nh3 then keeps only an allow-list of tags and
attributes and only http, https and mailto links, whatever markdown-it produced. No ``style``,
``script``, ``svg``, event handler or ``javascript:`` URL reaches a page (kb/tests/test_render.py).
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub",
        "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_markdown.enable("strikethrough")


def sanitise(html: str) -> str:
    """Only allowed tags, attributes and URL schemes; links get ``rel="noopener noreferrer"``."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str) -> Markup:
    """The HTML of an article's Markdown, safe to put on a page as it is."""
    return Markup(sanitise(_markdown.render(text or "")))
