"""Fill a catalogue's msgstrs from JSON files of translations.

    .venv/bin/python tools/po_fill.py strings.json [more.json ...] [--po PATH]

Each JSON file is ``{"<msgid>": "<msgstr>"}``; plurals ``{"<msgid>": {"plural": "<msgid_plural>",
"zh": "<msgstr>"}}``; a context ``"<context>\\u0004<msgid>"``. Later files win. Filled entries
lose their fuzzy flag. Keys that are not in the catalogue are listed (run ``make messages``
first if they are new strings). Afterwards run ``make messages`` once more: msgmerge re-wraps
the file the way makemessages writes it, so the next diff only shows real changes. The check
(``python -m servicepact.core.catalogue check``, and the test in ``make test``) says what is
still missing. See docs/i18n.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from servicepact.core import catalogue


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+", type=Path, help="translation files, later ones win")
    parser.add_argument("--po", type=Path, default=catalogue.po_path(), help="the catalogue")
    args = parser.parse_args(argv)
    filled, unknown = catalogue.fill_file(args.po, args.json)
    print(f"{args.po}: {filled} translations filled")
    for k in unknown:
        print(f"  not in the catalogue: {k!r}")
    missing = catalogue.problems(catalogue.read(args.po))
    print(f"{len(missing)} entries still need work" if missing else "complete")
    catalogue.compile_mo(args.po)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
