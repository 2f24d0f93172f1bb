"""The calendar definition: immutable, hashable value objects (no arithmetic here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from servicepact.slaclock.instants import DAY_SECONDS, zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Window:
    """Open hours of one local date: [start, end) in seconds after local midnight.

    ``end`` may be 86400 ("24:00"). ``end <= start`` means the window runs overnight:
    the part after midnight belongs to the next local date.
    """

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def same_day_part(self) -> tuple[int, int]:
        return (self.start, DAY_SECONDS if self.overnight else self.end)

    def after_midnight_part(self) -> tuple[int, int] | None:
        if self.overnight and self.end > 0:
            return (0, self.end)
        return None


Windows = tuple[Window, ...]
Weekly = tuple[Windows, ...]  # seven entries, Monday first

ALL_DAY: Windows = (Window(0, DAY_SECONDS),)
TWENTY_FOUR_SEVEN: Weekly = (ALL_DAY,) * 7


@dataclass(frozen=True, slots=True)
class CalendarVersion:
    """Weekly windows in force from the local date ``effective_from`` on."""

    effective_from: date
    weekly: Weekly


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """Coverage hours: zone, weekly windows (versioned), holidays and dated overrides.

    Build it with ``parse_calendar``; it is hashable so compiled calendars can be cached.
    """

    timezone: str
    weekly: Weekly
    holidays: frozenset[date] = frozenset()
    overrides: tuple[tuple[date, Windows], ...] = ()
    versions: tuple[CalendarVersion, ...] = ()
    _override_map: dict[date, Windows] = field(
        init=False, repr=False, compare=False, hash=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        zone(self.timezone)
        if len(self.weekly) != 7 or any(len(v.weekly) != 7 for v in self.versions):
            raise ValueError("a weekly pattern has exactly seven days")
        froms = [v.effective_from for v in self.versions]
        if froms != sorted(set(froms)):
            raise ValueError("calendar versions must have increasing effective dates")
        self._override_map.update(self.overrides)

    @classmethod
    def twenty_four_seven(cls, tz: str) -> CalendarSpec:
        """A calendar that is always open in zone ``tz``."""
        return cls(timezone=tz, weekly=TWENTY_FOUR_SEVEN)

    def weekly_on(self, day: date) -> Weekly:
        """The weekly pattern in force on local date ``day``."""
        current = self.weekly
        for version in self.versions:
            if version.effective_from > day:
                break
            current = version.weekly
        return current

    def override(self, day: date) -> Windows | None:
        return self._override_map.get(day)

    def windows_defined_for(self, day: date) -> Windows:
        """Windows listed for ``day``: its override, else its weekday (holidays aside)."""
        override = self._override_map.get(day)
        if override is not None:
            return override
        return self.weekly_on(day)[day.weekday()]
