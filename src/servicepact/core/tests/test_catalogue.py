"""The Chinese catalogue is complete and current (docs/i18n.md "The check").

* every msgid of our own code has a zh_Hans translation, none is fuzzy, and each translation
  has the placeholders of its msgid;
* ``makemessages`` would not change the catalogue's msgids: a string added to the code
  without running ``make messages`` (and translating it) fails here.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from django.core.management import call_command

from servicepact.core import catalogue

PACKAGE = catalogue.LOCALE_DIR.parent
# What `make messages` passes to makemessages (tests are not translated).
IGNORE = ["*/tests/*"]


def _ids(cat: Catalog) -> set[tuple[str | None, str, str | None]]:
    out: set[tuple[str | None, str, str | None]] = set()
    for m in catalogue.entries(cat):
        if isinstance(m.id, tuple | list):  # m.pluralizable
            out.add((m.context, m.id[0], m.id[1]))
        else:
            out.add((m.context, m.id, None))
    return out


def _show(lines: list[str], limit: int = 40) -> str:
    more = f"\n… and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


@pytest.mark.parametrize("language", catalogue.LANGUAGES)
def test_every_msgid_is_translated_and_not_fuzzy(language):
    """No entry of the catalogue is untranslated, fuzzy, or has other placeholders than its
    msgid. Fix: translate the listed msgids (docs/i18n.md), e.g. with tools/po_fill.py."""
    found = catalogue.problems(catalogue.read(catalogue.po_path(language)))
    assert not found, f"{len(found)} entries of {language} need work:\n{_show(found)}"


@pytest.mark.parametrize("language", catalogue.LANGUAGES)
def test_makemessages_would_not_change_the_catalogue(language, settings, tmp_path, monkeypatch):
    """makemessages run over the code (into a copy of the locale directory) finds exactly the
    catalogue's msgids: none new (untranslated text would land), none gone (stale)."""
    if shutil.which("xgettext") is None:
        pytest.fail(
            "xgettext (GNU gettext) is not installed, so the catalogue cannot be checked "
            "against the code: apt-get install gettext (make test does it as root)"
        )
    # makemessages writes into a "locale" directory it finds under the working directory, so
    # it runs over a copy of the code (without locale/) that writes into a copy of locale/.
    code = tmp_path / "servicepact"
    shutil.copytree(
        PACKAGE, code, ignore=shutil.ignore_patterns("locale", "__pycache__", "*.pyc", "*.mo")
    )
    copy = tmp_path / "locale"
    shutil.copytree(catalogue.LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [copy]
    monkeypatch.chdir(code)
    call_command(
        "makemessages", locale=[language], ignore_patterns=IGNORE, verbosity=0, stdout=io.StringIO()
    )
    committed = _ids(catalogue.read(catalogue.po_path(language)))
    extracted = _ids(catalogue.read(copy / language / "LC_MESSAGES" / "django.po"))
    new = sorted(f"new: {i[1]!r}" for i in extracted - committed)
    gone = sorted(f"gone: {i[1]!r}" for i in committed - extracted)
    assert not new and not gone, (
        "the catalogue is not current: run `make messages`, translate the new msgids "
        f"(docs/i18n.md) and commit locale/:\n{_show(new + gone)}"
    )


def _catalog(
    *messages: tuple[str | tuple[str, str], str | tuple[str, ...]], fuzzy: bool = False
) -> Catalog:
    cat = Catalog(locale="zh_Hans")
    for msgid, msgstr in messages:
        cat.add(msgid, msgstr, flags=["fuzzy"] if fuzzy else [])
    return cat


def test_problems_name_missing_fuzzy_and_placeholder_mismatches():
    """One line per broken entry; a correct one is not listed."""
    cat = _catalog(
        ("Ticket", "工单"),
        ("Contract", ""),
        ("%(count)s tickets", "%(n)s 个工单"),
        ("Open {what}", "新建 {what}"),
        ("Due {when}", "截止"),
    )
    cat.add("Breached", "已违约", flags=["fuzzy"])
    cat.add(("%(count)d token", "%(count)d tokens"), ("%(count)d 个令牌",))
    cat.add(("One file", "%(count)d files"), ("文件",))
    found = catalogue.problems(cat)
    assert found == [
        "'Contract': not translated",
        "'%(count)s tickets': placeholders ['%(n)s'] in the translation, ['%(count)s'] in the msgid",
        "'Due {when}': placeholders [] in the translation, ['{when}'] in the msgid",
        "'Breached': fuzzy (check the translation, then remove the fuzzy flag)",
        "'One file': placeholders [] in the translation, ['%(count)d'] in the plural msgid",
    ]


def test_placeholders_ignore_literal_percent_and_double_braces():
    assert catalogue.placeholders("100%% of %(name)s, {{x}} and {0} and %d, 5% of it") == {
        "%(name)s": 1,
        "{0}": 1,
        "%d": 1,
    }


def test_fill_sets_msgstrs_clears_fuzzy_and_reports_unknown_keys():
    """Plain, plural and context keys fill their entries; unknown keys are returned."""
    cat = Catalog(locale="zh_Hans")
    cat.add("Ticket", "", flags=["fuzzy"])
    cat.add(("%(count)d ticket", "%(count)d tickets"), ("", ""))
    cat.add("Open", "", context="verb")
    filled, unknown = catalogue.fill(
        cat,
        {
            "Ticket": "工单",
            "%(count)d ticket": {"plural": "%(count)d tickets", "zh": "%(count)d 个工单"},
            "verb\u0004Open": "新建",
            "Nowhere": "无",
        },
    )
    assert (filled, unknown) == (3, ["Nowhere"])
    assert cat.get("Ticket").string == "工单"
    assert not cat.get("Ticket").fuzzy
    assert cat.get("%(count)d ticket").string == ("%(count)d 个工单",)
    assert cat.get("Open", context="verb").string == "新建"
    assert catalogue.problems(cat) == []


def test_compiled_catalogue_is_what_django_reads(tmp_path):
    """compile_mo writes a .mo gettext reads (fuzzy entries left out)."""
    import gettext

    po = tmp_path / "django.po"
    cat = Catalog(locale="zh_Hans")
    cat.add("Ticket", "工单")
    cat.add("Breached", "已违约", flags=["fuzzy"])
    catalogue.write(cat, po)
    with Path(catalogue.compile_mo(po)).open("rb") as fh:
        trans = gettext.GNUTranslations(fh)
    assert trans.gettext("Ticket") == "工单"
    assert trans.gettext("Breached") == "Breached"


# The names makemessages tells xgettext to look for (django.core.management.commands.
# makemessages: ``--keyword=gettext_noop`` … and the default ``_``). A translation function
# imported under any other name is never extracted: its strings stay English for everyone.
XGETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}


def test_translation_functions_keep_names_xgettext_extracts():
    """``from django.utils.translation import gettext_lazy as _lazy`` once hid 20 desk form
    labels from the catalogue: every alias of a translation function must be a name
    makemessages extracts."""
    import ast

    hidden = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                for alias in node.names:
                    name = alias.asname or alias.name
                    if alias.name in XGETTEXT_NAMES - {"_"} and name not in XGETTEXT_NAMES:
                        hidden.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {name}")
    assert not hidden, "aliases xgettext does not extract:\n" + _show(hidden)
