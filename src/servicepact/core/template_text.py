"""Visible English outside translation tags in templates (``core/tests/test_template_text.py``).

A template's text tokens (Django's lexer), outside ``{% blocktranslate %}`` blocks and
``<script>``/``<style>`` elements, and the values of attributes people read (``title``,
``aria-label``, ``placeholder``, ``alt``, ``data-confirm``…): any word of letters there is
text a Chinese reader would see in English. ``ALLOWED`` lists what is the same in every
language (codes, units, product names).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

# Words that are written the same in both languages.
ALLOWED = frozenset(
    {
        "SLA", "API", "CSV", "PDF", "JSON", "ID", "IMAP", "SMTP", "URL", "UTC", "P1", "P2",
        "P3", "P4", "ServicePact", "SP", "Webhook", "IANA", "ISO", "HTML", "SVG", "OK",
        "v", "x", "h", "m", "d", "s", "min", "PUE", "KPI", "RPO", "RTO", "UUID", "GiB",
        "P",  # "P{{ priority }}": the priority code
        "CH",  # "CH-000012": a change's number
        "YYYY-MM",  # a period input's format hint, as typed
    }
)  # fmt: skip
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-confirm", "aria-description")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
# What a tag or variable becomes (it may sit inside an HTML tag or attribute).
MARK = " "
# A CSS class written as a block's content ("app-desk"): not text.
CSS_CLASS = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.found.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.found.append(data)


def _outside_translation(source: str) -> str:
    """The template with tags and variables replaced by a mark and translated blocks dropped."""
    parts: list[str] = []
    depth = 0
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if name in ("blocktranslate", "blocktrans"):
                depth += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                depth -= 1
            elif name == "comment":
                depth += 1
            elif name == "endcomment":
                depth -= 1
            parts.append(MARK)
        elif token.token_type == TokenType.TEXT:
            parts.append("" if depth else token.contents)
        else:
            parts.append(MARK)
    return "".join(parts)


def untranslated(source: str) -> list[str]:
    """The English words a reader would see in ``source`` (a template), in order."""
    parser = _Visible()
    parser.feed(_outside_translation(source))
    parser.close()
    words = []
    for text in parser.found:
        for word in WORD.findall(text):
            word = word.rstrip("-")
            if word not in ALLOWED and not CSS_CLASS.match(word):
                words.append(word)
    return words


def templates(root: Path) -> Iterator[Path]:
    """Every template of the package under ``root`` (pages, e-mails, error pages, admin)."""
    for pattern in ("*/templates/**/*", "templates/**/*"):
        for path in sorted(root.glob(pattern)):
            if path.suffix in (".html", ".txt"):
                yield path
