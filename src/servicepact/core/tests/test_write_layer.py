"""Writes go through services: no desk, portal, API or admin module writes through the ORM.

An AST scan of every module of ``desk``, ``portal`` and ``api`` and of every ``admin.py``
(outside ``services``/``jobs`` modules, migrations and tests) for calls of ``.save()``,
``.create()``, ``.delete()``, ``bulk_create``/``bulk_update``, ``get_or_create``,
``update_or_create``, and ``.update()`` on a queryset (a chain through ``objects``,
``filter``, ``exclude``, ``all`` …; ``dict.update`` is not a write). A write found here
belongs in the app's ``services.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import servicepact

PACKAGE = Path(servicepact.__file__).parent
THIN = ("desk", "portal", "api")
ALWAYS_WRITES = {
    "save",
    "create",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
QUERYSET_STEPS = {
    "objects",
    "filter",
    "exclude",
    "all",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "order_by",
    "using",
}
# (module path relative to the package, method) -> why it may write. Empty: keep it so.
ALLOWED: dict[tuple[str, str], str] = {}


def thin_modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" in parts or "migrations" in parts or path.stem in ("services", "jobs"):
            continue
        if parts[0] in THIN or path.name == "admin.py":
            yield path


def _receiver_steps(node: ast.expr) -> set[str]:
    """The attribute and call names of the expression a method is called on."""
    steps: set[str] = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            steps.add(node.attr)
            node = node.value
        else:
            if isinstance(node, ast.Name):
                steps.add(node.id)
            return steps


def orm_writes(source: str) -> list[tuple[int, str]]:
    """(line, method) of every ORM write call in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method in ALWAYS_WRITES or (
            method == "update" and _receiver_steps(node.func.value) & QUERYSET_STEPS
        ):
            found.append((node.lineno, method))
    return found


def test_the_scan_finds_each_kind_of_write_and_ignores_dict_update():
    """A module with one write of each kind is caught line by line; ``dict.update`` and a
    read are not writes."""
    source = "\n".join(
        [
            "ticket.save()",
            "Ticket.objects.create(subject='x')",
            "Ticket.objects.filter(pk=1).update(status='closed')",
            "ticket.delete()",
            "Ticket.objects.bulk_create([])",
            "Ticket.objects.bulk_update([], ['status'])",
            "Tag.objects.get_or_create(name='x')",
            "Tag.objects.update_or_create(name='x')",
            "form.save()",
            "row.update({'a': 1})",
            "Ticket.objects.filter(pk=1).count()",
        ]
    )
    assert orm_writes(source) == [
        (1, "save"),
        (2, "create"),
        (3, "update"),
        (4, "delete"),
        (5, "bulk_create"),
        (6, "bulk_update"),
        (7, "get_or_create"),
        (8, "update_or_create"),
        (9, "save"),
    ]


def test_the_scan_covers_the_thin_layers():
    """Desk views, portal views, API handlers and every app's admin are scanned; services
    and tests are not."""
    scanned = {str(p.relative_to(PACKAGE)) for p in thin_modules()}
    assert {"desk/views.py", "portal/views.py", "api/contracts.py", "contracts/admin.py"} <= scanned
    assert not any("services" in p or "/tests/" in p for p in scanned)


def test_no_thin_module_writes_through_the_orm():
    """Every write in desk, portal, API and admin modules goes through a service."""
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line} .{method}()"
        for path in thin_modules()
        for line, method in orm_writes(path.read_text(encoding="utf-8"))
        if (str(path.relative_to(PACKAGE)), method) not in ALLOWED
    ]
    assert offenders == []
