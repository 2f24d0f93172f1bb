"""Validation messages reach users (desk forms, portal forms, the API's 422 body) in their
language, so every message a service puts into field errors goes through gettext.

The rule this keeps: a list of messages under a field — ``errors["f"] = [...]`` or
``DomainValidationError({"f": [...]})`` — never holds a bare string or an f-string (those
are never extracted into the catalogue, so a Chinese user would read English). It found 28
such messages in billing, mail and attachments when it was written."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]


def _bare(node: ast.AST) -> bool:
    return isinstance(node, ast.List) and any(
        isinstance(e, ast.JoinedStr) or (isinstance(e, ast.Constant) and isinstance(e.value, str))
        for e in node.elts
    )


def _is_errors(target: ast.AST) -> bool:
    return (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id.endswith("errors")
    )


def untranslated_messages(source: str) -> list[int]:
    """Lines where a field's message list holds a bare or formatted string literal."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(_is_errors(t) for t in node.targets):
            if _bare(node.value):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "DomainValidationError":
                for arg in node.args:
                    if isinstance(arg, ast.Dict) and any(_bare(v) for v in arg.values):
                        lines.append(node.lineno)
    return lines


def test_the_check_finds_bare_messages():
    """The scanner itself: a bare string, an f-string, and the same through gettext."""
    source = (
        'errors["a"] = ["say why"]\n'
        'raise DomainValidationError({"b": [f"one of {x}"]})\n'
        'errors["c"] = [_("say why")]\n'
        'raise DomainValidationError({"d": [_("one of %(x)s") % {"x": x}]})\n'
    )
    assert untranslated_messages(source) == [1, 2]


def test_every_field_error_message_is_translatable():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for line in untranslated_messages(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(PACKAGE)}:{line}")
    assert found == []
