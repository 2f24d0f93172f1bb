"""Metrics are data (``contracts.models.SlaMetric``): no source file decides which metrics
exist by listing the four built-in ones.

Reads every module of the package (not migrations, tests or test helpers) and fails on:
- a tuple, list or set literal naming two or more of the built-in metrics (``Metric.X``
  members or their codes as strings);
- ``Metric.values`` / ``.choices`` / ``.labels`` / ``.names``, or iterating ``Metric``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import servicepact
from servicepact.contracts.choices import Metric

ROOT = Path(servicepact.__file__).parent
CODES = {str(m) for m in Metric}
MEMBERS = {m.name for m in Metric}


def sources() -> list[Path]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {"migrations", "tests"} or path.name in {"testing.py", "conftest.py"}:
            continue
        found.append(path)
    return found


def metric_named(node: ast.AST) -> str | None:
    """The built-in metric an expression names (``Metric.ON_SITE`` or ``"on_site"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in CODES:
        return node.value
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Metric"
        and node.attr in MEMBERS
    ):
        return node.attr.lower()
    return None


def offences(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            named = {m for m in (metric_named(e) for e in node.elts) if m}
            if len(named) >= 2:
                found.append((node.lineno, f"a collection of metrics {sorted(named)}"))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "Metric"
            and node.attr in {"values", "choices", "labels", "names"}
        ):
            found.append((node.lineno, f"Metric.{node.attr}"))
        elif (
            isinstance(node, ast.For | ast.comprehension)
            and isinstance(node.iter, ast.Name)
            and node.iter.id == "Metric"
        ):
            found.append((getattr(node, "lineno", 0), "iterating Metric"))
    return found


def test_no_module_lists_the_built_in_metrics() -> None:
    problems = []
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, what in offences(tree):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not problems, "metrics are data (SlaMetric); found:\n" + "\n".join(problems)


def test_the_check_finds_each_kind_of_list() -> None:
    """The check itself: each pattern it exists for is caught, and ordinary code is not."""
    caught = [
        "ORDER = [Metric.FIRST_RESPONSE, Metric.ON_SITE, Metric.RESTORE, Metric.RESOLUTION]",
        "PAUSABLE = frozenset({Metric.RESTORE, Metric.RESOLUTION})",
        'KNOWN = ("first_response", "resolution")',
        "ok = metric in Metric.values",
        "labels = dict(Metric.choices)",
        "names = [m.label for m in Metric]",
        "for m in Metric:\n    pass",
    ]
    for text in caught:
        assert offences(ast.parse(text)), text
    fine = [
        "target = terms.target(1, Metric.RESOLUTION)",
        'ALLOWED = {"restore": 1, "resolve": 2}',
        "codes = metric_codes()",
        'ONE = ("resolution", "hardware")',
    ]
    for text in fine:
        assert not offences(ast.parse(text)), text
