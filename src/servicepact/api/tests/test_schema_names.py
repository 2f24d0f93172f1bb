"""Two API schemas with one class name are one OpenAPI component: django-ninja keeps the last
one written, so the other operation's responses are documented (and validated by
schemathesis) against the wrong shape. A contract-end ``PlanOut`` once replaced the service
plans' ``PlanOut`` this way. Same-named schemas must therefore have the same shape."""

from __future__ import annotations

import json
from collections import defaultdict

from ninja import Schema


def _subclasses(cls: type) -> list[type]:
    out: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


def test_schemas_sharing_a_name_share_their_shape():
    from servicepact.api.root import api

    api.get_openapi_schema()  # every router imported
    by_name: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for cls in _subclasses(Schema):
        if not cls.__module__.startswith("servicepact."):
            continue
        shape = json.dumps(cls.model_json_schema(), sort_keys=True, default=str)
        by_name[cls.__name__][shape].append(f"{cls.__module__}.{cls.__qualname__}")
    clashes = {
        name: sorted(m for ms in shapes.values() for m in ms)
        for name, shapes in by_name.items()
        if len(shapes) > 1
    }
    assert not clashes, f"one name, different shapes (rename one): {clashes}"
