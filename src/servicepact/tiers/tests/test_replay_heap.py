"""The replay keeps the C heap for its length (``core.heap.kept_heap``, ADR 0029): its reads
and its measuring run with glibc's thresholds raised, put back when it returns."""

from __future__ import annotations

import pytest

from servicepact.billing.testing import june_month, ny
from servicepact.core.tests.test_heap import KEEP, PUT_BACK, _FakeLibc
from servicepact.tiers import replay
from servicepact.tiers.comparison import plan_terms_of

pytestmark = pytest.mark.django_db


def test_the_replay_runs_in_a_kept_heap(clock, monkeypatch):
    from servicepact.core import heap

    june = june_month(clock)
    libc = _FakeLibc()
    monkeypatch.setattr(heap, "_libc", lambda: libc)
    during: list[list[tuple[object, ...]]] = []
    real = replay._measure

    def measure(*args, **kwargs):
        during.append(list(libc.calls))
        return real(*args, **kwargs)

    monkeypatch.setattr(replay, "_measure", measure)
    clocks = replay.replay_clocks(
        contract_ids=[june.contract.pk],
        since=ny(2025, 5, 1),
        cutoff=ny(2025, 8, 1),
        terms_of=plan_terms_of(june.contract, june.contract.plan),
    )
    assert len(clocks) > 10
    assert during == [KEEP]
    assert libc.calls == KEEP + PUT_BACK
