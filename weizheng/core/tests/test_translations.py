"""The Chinese catalogue is complete and compiled (Simplified Chinese is the default UI)."""

import gettext as gettext_module
import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _entries(po_text: str):
    for raw in po_text.split("\n\n"):
        block = "\n".join(line for line in raw.splitlines() if not line.startswith("#|"))
        # Obsolete entries (#~) are not compiled: only live ones count.
        block = "\n".join(line for line in block.splitlines() if not line.startswith("#~"))
        if "msgid" not in block or block.lstrip().startswith('msgid ""\nmsgstr ""\n"Project'):
            continue
        context = re.search(r'^msgctxt "(.*)"$', block, re.MULTILINE)
        msgid = "".join(re.findall(r'"(.*)"', block.split("msgstr")[0].split("msgid", 1)[1]))
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1]))
        if msgid:
            yield (context.group(1) if context else None), msgid, msgstr, "#, fuzzy" in block


def test_every_message_has_a_chinese_translation():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    missing = [msgid for _context, msgid, msgstr, fuzzy in _entries(po) if not msgstr or fuzzy]
    assert missing == []


def test_compiled_catalogue_matches_its_source():
    po = (LOCALE / "django.po").read_text(encoding="utf-8")
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)
    stale = [
        msgid
        for context, msgid, msgstr, _fuzzy in _entries(po)
        if "%" not in msgid
        and "\\" not in msgid
        and (compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)) != msgstr
    ]
    assert stale == [], "run manage.py compilemessages"


def test_chinese_is_served_from_the_compiled_catalogue():
    with translation.override("zh-hans"):
        assert gettext("official account") == "公众号"
    with translation.override("en"):
        assert gettext("official account") == "official account"
