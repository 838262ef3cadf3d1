"""Resident identity card numbers (公民身份号码), GB 11643-1999.

18 characters: a 6-digit administrative region code, the birth date YYYYMMDD, a 3-digit sequence
(odd for men, even for women) and a check character computed with ISO 7064 MOD 11-2 over the first
17 digits (0-9 or X for 10). `check_id_number` returns the normalised number (upper-case X, no
spaces) or raises InvalidIdNumber with a sentence a citizen can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# First two digits: provinces, autonomous regions and municipalities (GB/T 2260), plus 71 Taiwan,
# 81 Hong Kong, 82 Macao and 83 (residence permits of Taiwan residents).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51}
    | {52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
EARLIEST_BIRTH = dt.date(1900, 1, 1)
SHAPE = re.compile(r"\d{17}[\dX]")


class InvalidIdNumber(ValueError):
    """The number is not a valid resident ID number; `reason` says why (translatable)."""

    def __init__(self, reason: str | Promise, code: str) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class ResidentId:
    number: str
    region_code: str
    birth_date: dt.date
    is_male: bool


def normalise(value: str) -> str:
    """Upper-case the check character and drop spaces (citizens type 11010519491231002x)."""
    return re.sub(r"\s+", "", value or "").upper()


def check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def parse_id_number(value: str, *, today: dt.date | None = None) -> ResidentId:
    """The checked number and what it encodes; InvalidIdNumber with the reason otherwise."""
    number = normalise(value)
    if not number:
        raise InvalidIdNumber(_("Enter your resident ID number."), "empty")
    if len(number) != 18:
        raise InvalidIdNumber(
            _("A resident ID number has 18 characters; this one has %(count)d.")
            % {"count": len(number)},
            "length",
        )
    if not SHAPE.fullmatch(number):
        raise InvalidIdNumber(
            _("A resident ID number is 17 digits followed by a digit or the letter X."), "format"
        )
    if int(number[:2]) not in PROVINCE_CODES or number[2:6] == "0000":
        raise InvalidIdNumber(
            _("The first six digits are not a valid region code. Check the number on your card."),
            "region",
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdNumber(
            _("Digits 7 to 14 are not a valid birth date. Check the number on your card."),
            "birth_date",
        ) from None
    today = today or timezone.localdate()
    if birth > today or birth < EARLIEST_BIRTH:
        raise InvalidIdNumber(
            _("Digits 7 to 14 are not a possible birth date. Check the number on your card."),
            "birth_date",
        )
    if check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber(
            _("The last character does not match the others: the number has a typing mistake."),
            "check_digit",
        )
    return ResidentId(
        number=number,
        region_code=number[:6],
        birth_date=birth,
        is_male=int(number[16]) % 2 == 1,
    )


def check_id_number(value: str, *, today: dt.date | None = None) -> str:
    """The normalised number if valid; InvalidIdNumber (with `reason`) if not."""
    return parse_id_number(value, today=today).number


def validate_id_number(value: str) -> None:
    """A Django validator (forms, models) with the same reasons."""
    try:
        parse_id_number(value)
    except InvalidIdNumber as exc:
        raise ValidationError(str(exc.reason), code=f"id_number_{exc.code}") from None
