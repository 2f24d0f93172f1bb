"""Time helpers. Every instant in ServicePact is aware; a naive one is a bug, so it raises."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _

# The date formats pages use are written in English order; Chinese reads year first
# ("2025年10月1日 09:00", the month as a number). ``local_format`` gives the active language's
# form of one of these; a format not listed (or another language) is used as it is.
LOCAL_FORMATS: dict[str, dict[str, str]] = {
    "zh-hans": {
        "D j M Y, H:i": "Y年n月j日 D H:i",
        "D j M, H:i": "n月j日 D H:i",
        "j M, H:i": "n月j日 H:i",
        "Y-m-d H:i": "Y年n月j日 H:i",
        "j M Y H:i": "Y年n月j日 H:i",
        "j M Y": "Y年n月j日",
        "D j M Y": "Y年n月j日 D",
        "j M": "n月j日",
        "F Y": "Y年n月",
        "M Y": "Y年n月",
    }
}


def now() -> datetime:
    """The current instant (time-machine controls it in tests)."""
    return timezone.now()


def require_aware(value: datetime, field: str = "instant") -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{field}: naive datetime {value.isoformat()} (an aware instant is required)"
        )
    return value


def to_epoch(value: datetime) -> int:
    return int(require_aware(value).timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(name)s") % {"name": name}) from exc


def validate_timezone(name: str) -> None:
    """Django field validator for IANA zone names."""
    zone(name)


def local_midnight(day: date, tz: str) -> datetime:
    """The first instant of a local date (midnight may not exist in a few zones; fold=0)."""
    return datetime.combine(day, time(0), tzinfo=zone(tz))


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """[local midnight, next local midnight) of ``day`` in ``tz``, as aware instants."""
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def local_date(instant: datetime, tz: str) -> date:
    return require_aware(instant).astimezone(zone(tz)).date()


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


# Duration units for pages in Chinese ("1天 2小时 05分"); stored or exported durations stay in
# the compact English form (statement snapshots, CSV), so only the page filters ask for these.
LOCAL_DURATION_UNITS: dict[str, tuple[str, str, str, str]] = {"zh-hans": ("天", "小时", "分", "秒")}


def duration_units() -> tuple[str, str, str, str]:
    """The active language's units for days, hours, minutes and seconds on pages."""
    language = (translation.get_language() or "").lower()
    return LOCAL_DURATION_UNITS.get(language, ("d", "h", "m", "s"))


def format_duration(seconds: int, *, localized: bool = False) -> str:
    """Compact human duration: 1d 2h 05m, 3h 20m, 45m, 30s; negative values get a minus.
    ``localized``: in the active language's units (zh-hans "1天 2小时 05分"), for pages."""
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    d, h, m, s = duration_units() if localized else ("d", "h", "m", "s")
    if days:
        return f"{sign}{days}{d} {hours}{h} {minutes:02d}{m}"
    if hours:
        return f"{sign}{hours}{h} {minutes:02d}{m}"
    if minutes:
        return f"{sign}{minutes}{m}"
    return f"{sign}{secs}{s}"


__all__ = [
    "UTC",
    "InstantFormat",
    "duration_units",
    "format_duration",
    "from_epoch",
    "local_date",
    "local_format",
    "local_midnight",
    "now",
    "require_aware",
    "timedelta",
    "to_epoch",
    "validate_timezone",
    "zone",
]


def utc_offset(instant: datetime) -> str:
    """The offset of an aware local instant as "UTC+08:00" / "UTC-04:00" / "UTC+05:45"."""
    offset = require_aware(instant).utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_label(instant: datetime, tz: str) -> str:
    """How a shown time names its zone, never by an abbreviation ("CST" is Shanghai, Chicago
    and Havana): "Asia/Shanghai (UTC+08:00)"; UTC itself is just "UTC"."""
    local = require_aware(instant).astimezone(zone(tz))
    if tz in ("UTC", "Etc/UTC"):
        return "UTC"
    return f"{tz} ({utc_offset(local)})"


def local_format(fmt: str) -> str:
    """``fmt`` (a Django date format of ``LOCAL_FORMATS``) as the active language writes it:
    "j M Y" -> "Y年n月j日" under zh-hans, unchanged in English."""
    language = (translation.get_language() or "").lower()
    return LOCAL_FORMATS.get(language, {}).get(fmt, fmt)


def format_instant(instant: datetime, tz: str, fmt: str = "Y-m-d H:i") -> str:
    """An instant for people: its local time in ``tz`` (a Django date format without zone
    characters, in the active language's order: ``local_format``) and the zone's name and
    offset: "2025-10-01 09:00 Asia/Shanghai (UTC+08:00)"; under zh-hans
    "2025年10月1日 09:00 Asia/Shanghai (UTC+08:00)". Every page, e-mail and export that shows a
    time calls this (templates through the ``sp_tags`` filters), so none is ambiguous."""
    local = require_aware(instant).astimezone(zone(tz))
    return f"{dateformat.format(local, local_format(fmt))} {zone_label(local, tz)}"


# The format characters ``InstantFormat`` writes itself, as ``django.utils.dateformat`` does;
# a format with any other (or an escape) is written by ``dateformat`` for every instant.
_NUMERIC = {
    "j": lambda t: str(t.day),
    "d": lambda t: f"{t.day:02d}",
    "n": lambda t: str(t.month),
    "m": lambda t: f"{t.month:02d}",
    "Y": lambda t: f"{t.year:04d}",
    "H": lambda t: f"{t.hour:02d}",
    "i": lambda t: f"{t.minute:02d}",
}
_NAMED = {"M": lambda t: t.month, "D": lambda t: t.weekday()}  # -> the key of a memoized name


class InstantFormat:
    """``format_instant(instant, tz, fmt)`` for many instants of one page: the zone, the
    language active when it is made (its form of ``fmt``, ``local_format``, and its month and
    weekday names), and the zone labels are looked up once, not per instant. Equal output
    (``core/tests/test_instant_format.py`` compares both over zones, offsets, formats and languages)."""

    def __init__(self, tz: str, fmt: str = "Y-m-d H:i") -> None:
        self.tz = tz
        self.zone = zone(tz)
        self.language = translation.get_language()
        self.fmt = local_format(fmt)
        self.pieces: list[tuple[str, str]] | None = []  # (format character or "", literal)
        for i, piece in enumerate(dateformat.re_formatchars.split(self.fmt)):
            if i % 2 and (piece in _NUMERIC or piece in _NAMED):
                self.pieces.append((piece, ""))
            elif i % 2 or "\\" in piece:
                self.pieces = None  # written by dateformat for each instant
                break
            elif piece:
                self.pieces.append(("", piece))
        self.names: dict[tuple[str, int], str] = {}
        self.labels: dict[timedelta | None, str] = {}

    def _name(self, char: str, local: datetime) -> str:
        key = (char, _NAMED[char](local))
        found = self.names.get(key)
        if found is None:
            with translation.override(self.language):
                found = self.names[key] = dateformat.format(local, char)
        return found

    def __call__(self, instant: datetime) -> str:
        local = require_aware(instant).astimezone(self.zone)
        offset = local.utcoffset()
        label = self.labels.get(offset)
        if label is None:
            label = self.labels[offset] = zone_label(local, self.tz)
        if self.pieces is None:
            with translation.override(self.language):
                return f"{dateformat.format(local, self.fmt)} {label}"
        text = "".join(
            literal
            if not char
            else _NUMERIC[char](local)
            if char in _NUMERIC
            else self._name(char, local)
            for char, literal in self.pieces
        )
        return f"{text} {label}"
