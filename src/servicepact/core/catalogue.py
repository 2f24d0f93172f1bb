"""The translation catalogues: compile them, fill them from JSON, and say what is missing.

``locale/<lang>/LC_MESSAGES/django.po`` under the package is the source (``make messages``
writes it with Django's ``makemessages``); the ``.mo`` beside it is built from it by
``make install`` (``python -m servicepact.core.catalogue compile``, Babel: no gettext needed)
and is not committed. ``problems(catalog)`` is what the completeness test asserts is empty:
every msgid translated, nothing fuzzy, and the same placeholders on both sides.
docs/i18n.md says how strings are added.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# The catalogues we ship: one per language of settings.LANGUAGES other than English.
LANGUAGES = ("zh_Hans",)
CONTEXT_SEPARATOR = "\u0004"  # gettext's: "<context>\x04<msgid>" keys a message with a context

# %(name)s / %(count)d, bare %s / %d, and {name} / {0} / {} (str.format); "%%" is a literal %.
# The space flag is left out: "% of the fee" in prose is a per cent sign, not "% o".
_PERCENT = re.compile(r"%(?:\((?P<name>[^)]+)\))?[#0+-]*\d*(?:\.\d+)?(?P<conv>[diouxXeEfFgGcrsa%])")
_BRACE = re.compile(r"(?<!\{)\{(?P<name>[A-Za-z_]\w*|\d*)(?:![rsa])?(?::[^{}]*)?\}(?!\})")


def po_path(language: str = "zh_Hans") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def read(path: Path) -> Catalog:
    # Babel prints a warning for each msgstr[1] that a fresh makemessages file carries
    # although zh_Hans has one plural form; the extra forms are dropped, which is right.
    with path.open("rb") as fh, contextlib.redirect_stdout(io.StringIO()):
        return read_po(fh)


def write(catalog: Catalog, path: Path) -> None:
    """Write ``catalog`` back, then let gettext's ``msgcat`` (when installed) wrap the lines
    the way makemessages does, so the next ``make messages`` only shows real changes."""
    with path.open("wb") as fh:
        write_po(fh, catalog, width=79, sort_output=False, include_previous=True)
    if shutil.which("msgcat"):
        subprocess.run(["msgcat", "-o", str(path), str(path)], check=True)


def compile_mo(po: Path) -> Path:
    """Compile ``po`` to the ``.mo`` beside it (fuzzy entries left out, as msgfmt does)."""
    mo = po.with_suffix(".mo")
    catalog = read(po)
    tmp = mo.with_suffix(".mo.tmp")
    with tmp.open("wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    tmp.replace(mo)
    return mo


def compile_all(*, only_stale: bool = False) -> list[Path]:
    """Compile every shipped catalogue; ``only_stale``: those whose ``.mo`` is missing or older."""
    done = []
    for language in LANGUAGES:
        po = po_path(language)
        mo = po.with_suffix(".mo")
        if not po.exists():
            continue
        if only_stale and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        done.append(compile_mo(po))
    return done


def key(message: Message) -> str:
    """The JSON key of a message: its msgid, prefixed by "<context>\\x04" when it has one."""
    msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return f"{message.context}{CONTEXT_SEPARATOR}{msgid}" if message.context else str(msgid)


def entries(catalog: Catalog) -> Iterable[Message]:
    """The catalogue's messages, without the header entry."""
    return (m for m in catalog if m.id)


def placeholders(text: str) -> Counter[str]:
    """The interpolation placeholders of ``text``: "%(name)s" -> "%(name)s", "%d" -> "%d",
    "{name}" -> "{name}"; a literal "%%" is none."""
    found: Counter[str] = Counter()
    for m in _PERCENT.finditer(text):
        if m.group("conv") == "%":
            continue
        found[
            f"%({m.group('name')}){m.group('conv')}" if m.group("name") else f"%{m.group('conv')}"
        ] += 1
    for m in _BRACE.finditer(text):
        found["{" + m.group("name") + "}"] += 1
    return found


def _named(counter: Counter[str]) -> set[str]:
    return set(counter)


def _texts(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    """A message's msgstr as a list: one text, one per plural form, or none (``None``)."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def problems(catalog: Catalog) -> list[str]:
    """Every reason the catalogue is not complete, one line each (empty: complete)."""
    out = []
    forms = catalog.num_plurals
    for message in entries(catalog):
        label = repr(key(message))
        if message.fuzzy:
            out.append(f"{label}: fuzzy (check the translation, then remove the fuzzy flag)")
            continue
        if isinstance(message.id, tuple | list):  # message.pluralizable
            plural: str | None = message.id[1]
            strings = _texts(message.string)[:forms]
            strings += [""] * (forms - len(strings))
            expected = _named(placeholders(message.id[1]))
        else:
            plural, strings = None, _texts(message.string) or [""]
            expected = _named(placeholders(message.id))
        if not all(s.strip() for s in strings):
            out.append(f"{label}: not translated")
            continue
        for string in strings:
            got = _named(placeholders(string))
            if got != expected:
                out.append(
                    f"{label}: placeholders {sorted(got)} in the translation, {sorted(expected)} "
                    f"in the {'plural msgid' if plural else 'msgid'}"
                )
    return out


def fill(catalog: Catalog, translations: Mapping[str, Any]) -> tuple[int, list[str]]:
    """Set msgstrs from ``{key: msgstr}`` (plurals ``{key: {"plural": ..., "zh": ...}}``) and
    clear their fuzzy flags. Returns how many were filled and the keys not in the catalogue
    (or whose plural does not match)."""
    by_key = {key(m): m for m in entries(catalog)}
    filled, unknown = 0, []
    for k, value in translations.items():
        message = by_key.get(k)
        if message is None:
            unknown.append(k)
            continue
        if isinstance(value, dict):
            if not message.pluralizable or message.id[1] != value.get("plural"):
                unknown.append(k)
                continue
            text = str(value.get("zh", ""))
            message.string = tuple([text] * catalog.num_plurals)
        else:
            if message.pluralizable:
                unknown.append(k)
                continue
            message.string = str(value)
        if message.string and all(message.string if message.pluralizable else [message.string]):
            message.flags.discard("fuzzy")
            filled += 1
    return filled, unknown


def fill_file(po: Path, json_files: Iterable[Path]) -> tuple[int, list[str]]:
    """``fill`` ``po`` from JSON files in turn (later ones win); writes the file, clears the
    header's fuzzy flag and names the language in the header."""
    catalog = read(po)
    total, unknown = 0, []
    for path in json_files:
        filled, missed = fill(catalog, json.loads(path.read_text(encoding="utf-8")))
        total += filled
        unknown += missed
    catalog.fuzzy = False
    catalog.locale = Locale.parse(po.parent.parent.name)
    write(catalog, po)
    return total, unknown


def main(argv: list[str]) -> int:
    """``compile [--if-stale]`` the shipped catalogues; ``check`` prints what is missing."""
    command = argv[0] if argv else "compile"
    if command == "compile":
        for mo in compile_all(only_stale="--if-stale" in argv):
            print(f"compiled {mo}")
        return 0
    if command == "check":
        missing = [p for lang in LANGUAGES for p in problems(read(po_path(lang)))]
        print("\n".join(missing) or "complete")
        return 1 if missing else 0
    print(f"unknown command {command!r}: compile [--if-stale] | check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
