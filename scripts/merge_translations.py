"""Refresh the catalogues and take the Chinese of new strings from apps' fragments.

    .venv/bin/python scripts/merge_translations.py [--keep-fragments]

1. `makemessages` for zh_Hans and en (source strings added, removed ones made obsolete);
2. every `weizheng/<app>/i18n/zh_Hans.po` fragment (written by whoever added the strings) fills the
   zh_Hans entries that are empty or fuzzy, matched by context and msgid: a fuzzy guess of
   makemessages is never kept;
3. English entries lose their fuzzy guesses (an empty msgstr shows the msgid, which is English);
4. `compilemessages`; merged fragments are deleted unless --keep-fragments.

Prints what is still untranslated; exits 1 when something is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "weizheng" / "locale"
PYTHON = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)  # noqa: S603


def fragments() -> list[Path]:
    return sorted((ROOT / "weizheng").glob("*/i18n/zh_Hans.po"))


def main() -> int:
    keep = "--keep-fragments" in sys.argv
    manage(
        "makemessages",
        "-l",
        "zh_Hans",
        "-l",
        "en",
        "--ignore=.venv",
        "--ignore=bench",
        "--ignore=var",
        "--verbosity=0",
    )
    known: dict[tuple[str | None, str], polib.POEntry] = {}
    for path in fragments():
        for entry in polib.pofile(str(path)):
            if entry.msgstr or entry.msgstr_plural:
                known[(entry.msgctxt, entry.msgid)] = entry

    chinese = polib.pofile(str(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    filled = 0
    for entry in chinese:
        if entry.obsolete or (entry.translated() and not entry.fuzzy):
            source = known.get((entry.msgctxt, entry.msgid))
            if source is not None and source.msgstr and source.msgstr != entry.msgstr:
                # Kept: a msgid may serve several places. Give yours a context, or change it here.
                print(
                    f"kept {entry.msgstr!r} for {entry.msgid!r}; a fragment says {source.msgstr!r}"
                )
            continue
        source = known.get((entry.msgctxt, entry.msgid))
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgctxt = entry.previous_msgid_plural = None
            entry.msgstr = ""
            entry.msgstr_plural = {k: "" for k in entry.msgstr_plural}
        if source is None:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = dict(source.msgstr_plural) or {0: source.msgstr}
        else:
            entry.msgstr = source.msgstr
        filled += 1
    chinese.save()

    english = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    for entry in english:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgctxt = entry.previous_msgid_plural = None
            entry.msgstr = ""
            entry.msgstr_plural = {k: "" for k in entry.msgstr_plural}
    english.save()

    manage("compilemessages", "--ignore=.venv", "--verbosity=0")
    missing = [e for e in chinese if not e.obsolete and (not e.translated() or e.fuzzy)]
    print(f"{filled} entries filled from {len(fragments())} fragments; {len(missing)} untranslated")
    for entry in missing:
        where = entry.occurrences[0][0] if entry.occurrences else "?"
        context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
        print(f"  {where}: {context}{entry.msgid!r}")
    if not keep and not missing:
        for path in fragments():
            path.unlink()
            if not any(path.parent.iterdir()):
                path.parent.rmdir()
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
