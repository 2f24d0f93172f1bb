"""Article Markdown is rendered, then sanitised: no author HTML or script reaches a page."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from servicepact.kb.render import render_markdown


class Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML (text is not code)."""

    def __init__(self, html):
        super().__init__()
        self.tags = []
        self.attrs = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((name, (value or "").strip().lower()) for name, value in attrs)


VECTORS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<iframe src="https://evil.example"></iframe>',
    "![x](javascript:alert(1))",
    '<div onclick="alert(1)">x</div>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
]


@pytest.mark.parametrize("source", VECTORS)
def test_xss_vectors_are_neutralised(source):
    """Neither an element nor an attribute that runs code survives; raw HTML is shown as
    escaped text at most."""
    found = Elements(str(render_markdown(source)))
    assert not {"script", "svg", "style", "iframe", "div"} & set(found.tags)
    for name, value in found.attrs:
        assert not name.startswith("on")
        assert name != "style"
        if name in ("href", "src"):
            assert value.startswith(("http:", "https:", "mailto:", "x")), value


def test_markdown_is_rendered():
    html = str(
        render_markdown("# Title\n\n1. **bold** step\n2. `code`\n\n[docs](https://example.com/a)")
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html
    assert "<code>code</code>" in html
    assert 'href="https://example.com/a"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_tables_render():
    html = str(render_markdown("| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<table>" in html and "<td>1</td>" in html


def test_raw_html_is_escaped_text_not_markup():
    html = str(render_markdown("<b>bold</b>"))
    assert "&lt;b&gt;" in html
