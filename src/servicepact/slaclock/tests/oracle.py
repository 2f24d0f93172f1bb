"""An independent brute-force oracle for the SLA clock semantics.

It reads the raw calendar JSON (a dict) and uses nothing but zoneinfo and the text
of DESIGN.md "SLA clock semantics"; it never imports engine code. It works minute by
minute: every window boundary and DST transition it is fed falls on a whole minute,
so openness is constant inside each minute [m, m + 60).

Rules it applies (see docs/sla-clock.md):
- pieces belonging to a local date D: if D has an override, the same-day parts of the
  override's windows only; else if D is a holiday, none; else the same-day parts of
  D's weekday windows (from the version in force on D) plus the after-midnight parts
  of the overnight windows listed for D-1 (its override, else its weekday windows);
- a piece [s, e) of D is the real interval [instant(D, s), instant(D, e));
- instant(D, s): the wall time D + s; if it occurs twice, the earlier occurrence; if
  it does not occur (DST gap), the first instant after the gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MINUTE = 60
DAY = 86400


def _seconds(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


def _utc_seconds(value: datetime) -> int:
    return int(value.timestamp())


class Oracle:
    def __init__(self, calendar: dict[str, Any]) -> None:
        self.cal = calendar
        self.tz = ZoneInfo(calendar["timezone"])
        self._pieces: dict[date, list[tuple[int, int]]] = {}

    # -- the raw spec ---------------------------------------------------------------

    def _weekly_in_force(self, day: date) -> Any:
        weekly = self.cal["weekly"]
        for version in self.cal.get("versions", []):
            if date.fromisoformat(version["from"]) <= day:
                weekly = version["weekly"]
        return weekly

    def _listed(self, day: date) -> list[list[str]]:
        overrides = self.cal.get("overrides", {})
        if day.isoformat() in overrides:
            return list(overrides[day.isoformat()])
        weekly = self._weekly_in_force(day)
        if weekly == "24x7":
            return [["00:00", "24:00"]]
        return list(weekly.get(DAY_NAMES[day.weekday()], []))

    def local_pieces(self, day: date) -> list[tuple[int, int]]:
        iso = day.isoformat()
        own = []
        for start, end in self._listed(day):
            s, e = _seconds(start), _seconds(end)
            own.append((s, DAY) if e <= s else (s, e))
        if iso in self.cal.get("overrides", {}):
            return own
        if iso in self.cal.get("holidays", []):
            return []
        for start, end in self._listed(day - timedelta(days=1)):
            s, e = _seconds(start), _seconds(end)
            if e <= s and e > 0:
                own.append((0, e))
        return own

    # -- wall time to instant ----------------------------------------------------------

    def wall_of(self, instant: int) -> datetime:
        """The local wall time of an instant, carried as a UTC-tagged "floating" datetime."""
        return datetime.fromtimestamp(instant, self.tz).replace(tzinfo=UTC)

    def instant(self, day: date, seconds: int) -> int:
        wall = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(seconds=seconds)
        naive_epoch = _utc_seconds(wall)
        offsets = set()
        for probe in (naive_epoch - DAY, naive_epoch, naive_epoch + DAY):
            offset = datetime.fromtimestamp(probe, self.tz).utcoffset()
            assert offset is not None
            offsets.add(int(offset.total_seconds()))
        occurrences = [naive_epoch - o for o in offsets if self.wall_of(naive_epoch - o) == wall]
        if occurrences:
            return min(occurrences)
        # In a gap: walk forward minute by minute to the first instant past the wall time.
        probe = naive_epoch - max(offsets) - 3600
        while self.wall_of(probe) < wall:
            probe += MINUTE
        return probe

    def pieces(self, day: date) -> list[tuple[int, int]]:
        if day not in self._pieces:
            self._pieces[day] = [
                (self.instant(day, s), self.instant(day, e)) for s, e in self.local_pieces(day)
            ]
        return self._pieces[day]

    def local_date(self, instant: int) -> date:
        return self.wall_of(instant).date()

    # -- minute walking --------------------------------------------------------------

    def open_minutes(self, lo: int, hi: int) -> set[int]:
        """Minute instants m in [lo, hi) (minute aligned) at which the calendar is open."""
        result: set[int] = set()
        day = self.local_date(lo) - timedelta(days=2)
        last = self.local_date(hi) + timedelta(days=1)
        while day <= last:
            for s, e in self.pieces(day):
                first = max(s, lo)
                first += (-first) % MINUTE
                result.update(range(first, min(e, hi), MINUTE))
            day += timedelta(days=1)
        return result

    def is_open(self, instant: int) -> bool:
        return instant - instant % MINUTE in self.open_minutes(
            instant - instant % MINUTE, instant + MINUTE
        )

    def business(self, a: int, b: int, pauses: Sequence[tuple[int, int]] = ()) -> int:
        opened = self.open_minutes(a, b)
        count = 0
        for m in range(a, b, MINUTE):
            if m in opened and not any(p <= m < q for p, q in pauses):
                count += 1
        return count * MINUTE

    def deadline(
        self, start: int, target: int, pauses: Sequence[tuple[int, int]] = (), limit: int = 0
    ) -> int | None:
        """Earliest t >= start with business(start, t) >= target; None if not before ``limit``."""
        if target == 0:
            return start
        done, m = 0, start
        while m < limit:
            block_end = min(m + 3 * DAY, limit)
            opened = self.open_minutes(m, block_end)
            for minute in range(m, block_end, MINUTE):
                if minute in opened and not any(p <= minute < q for p, q in pauses):
                    if done + MINUTE >= target:
                        return minute + (target - done)
                    done += MINUTE
            m = block_end
        return None
