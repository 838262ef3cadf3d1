"""Chinese vehicle number plates (GA 36-2018): ordinary 粤B·12345 and new-energy 粤B·D12345 /
粤B·12345D, normalised, checked, shown and masked."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Letters on plates: the Latin alphabet without I and O (they read as 1 and 0).
LETTER = "A-HJ-NP-Z"
_ORDINARY = re.compile(rf"^[{PROVINCES}][{LETTER}][{LETTER}0-9]{{4}}[{LETTER}0-9挂学警港澳]$")
# New energy: small vehicles D/F + a letter or digit + 4 digits; large vehicles 5 digits + D/F.
_NEW_ENERGY = re.compile(
    rf"^[{PROVINCES}][{LETTER}](?:[DF][{LETTER}0-9][0-9]{{4}}|[0-9]{{5}}[DF])$"
)
# What citizens put between the parts: spaces, dots, hyphens (full-width forms included).
_SEPARATORS = re.compile(r"[\s·•・.\-_—]")

INVALID_MESSAGE = _(
    "This is not a valid plate number. Write it like 粤B·12345, or 粤B·D12345 for a new-energy "
    "vehicle."
)


def normalise(value: str) -> str:
    """Upper case, half-width, without separators: " 粤b·12345 " → "粤B12345"."""
    text = unicodedata.normalize("NFKC", value or "")
    return _SEPARATORS.sub("", text).upper()


def is_valid(value: str) -> bool:
    plate = normalise(value)
    return bool(_ORDINARY.match(plate) or _NEW_ENERGY.match(plate))


def check_plate(value: str) -> str:
    """The normalised plate, or ValidationError with the reason."""
    plate = normalise(value)
    if not plate:
        raise ValidationError(_("Please enter a plate number."), code="required")
    if plate[0] not in PROVINCES:
        raise ValidationError(
            _("A plate number starts with a province's character, such as 粤 or 京."),
            code="province",
        )
    if not (_ORDINARY.match(plate) or _NEW_ENERGY.match(plate)):
        raise ValidationError(INVALID_MESSAGE, code="invalid")
    return plate


def display(plate: str) -> str:
    """粤B12345 → 粤B·12345, as printed on the plate."""
    plate = normalise(plate)
    return f"{plate[:2]}·{plate[2:]}" if len(plate) > 2 else plate


def mask(plate: str) -> str:
    """For the audit log: 粤B·1**45 (the province, the city letter and the outer characters)."""
    plate = normalise(plate)
    if len(plate) < 5:
        return "*" * len(plate)
    tail = plate[2:]
    return f"{plate[:2]}·{tail[0]}{'*' * (len(tail) - 3)}{tail[-2:]}"
