"""``core.heap.kept_heap``: glibc's thresholds raised for the block and put back, counted
across nested (or concurrent) blocks; the replay runs inside one (ADR 0029)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from servicepact.core import heap


class _FakeLibc:
    """Records ``mallopt`` and ``malloc_trim`` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def mallopt(self, option: int, value: int) -> int:
        self.calls.append(("mallopt", option, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad))
        return 1


KEEP = [
    ("mallopt", heap.M_MMAP_THRESHOLD, heap.KEPT_MMAP_THRESHOLD),
    ("mallopt", heap.M_TRIM_THRESHOLD, heap.KEPT_TRIM_THRESHOLD),
]
PUT_BACK = [
    ("mallopt", heap.M_MMAP_THRESHOLD, heap.INITIAL_MMAP_THRESHOLD),
    ("mallopt", heap.M_TRIM_THRESHOLD, heap.INITIAL_TRIM_THRESHOLD),
    ("malloc_trim", 0),
]


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> _FakeLibc:
    fake = _FakeLibc()
    monkeypatch.setattr(heap, "_libc", lambda: fake)
    return fake


def test_kept_for_the_block_and_put_back_after(libc: _FakeLibc) -> None:
    with heap.kept_heap():
        assert libc.calls == KEEP
        with heap.kept_heap():  # nested: nothing more, nothing put back yet
            pass
        assert libc.calls == KEEP
    assert libc.calls == KEEP + PUT_BACK


def test_put_back_after_an_error(libc: _FakeLibc) -> None:
    with pytest.raises(RuntimeError), heap.kept_heap():
        raise RuntimeError("boom")
    assert libc.calls == KEEP + PUT_BACK
    with heap.kept_heap():  # counted down: the next block keeps again
        pass
    assert libc.calls == (KEEP + PUT_BACK) * 2


def test_without_glibc_nothing_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_libc", lambda: None)
    with heap.kept_heap():
        pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc on Linux")
def test_glibc_accepts_the_values() -> None:
    """On this (glibc) system the real calls succeed: mallopt returns 1 for each value."""
    libc = heap._libc()
    if libc is None:
        pytest.skip("not glibc")
    for option, value in (
        (heap.M_MMAP_THRESHOLD, heap.KEPT_MMAP_THRESHOLD),
        (heap.M_TRIM_THRESHOLD, heap.KEPT_TRIM_THRESHOLD),
        (heap.M_MMAP_THRESHOLD, heap.INITIAL_MMAP_THRESHOLD),
        (heap.M_TRIM_THRESHOLD, heap.INITIAL_TRIM_THRESHOLD),
    ):
        assert libc.mallopt(option, value) == 1
