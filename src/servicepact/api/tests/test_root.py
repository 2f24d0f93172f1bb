"""Every router is imported by the API root, never mounted by a dotted string path (a string
hides the import from import-linter, and with it any layer violation)."""

from __future__ import annotations

import ast
from pathlib import Path

from servicepact.api import root


def test_routers_are_mounted_as_imported_objects():
    """No ``add_router(prefix, "dotted.path")`` call in api/root.py."""
    tree = ast.parse(Path(root.__file__).read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add_router"
    ]
    assert len(calls) >= 4
    strings = [
        ast.unparse(call)
        for call in calls
        if any(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args[1:])
    ]
    assert strings == []
