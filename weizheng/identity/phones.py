"""Mainland China mobile numbers as citizens type them: 138 0013 8000, +86 13800138000."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"1[3-9]\d{9}")


class InvalidPhone(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(str(reason))
        self.reason = reason


def check_phone(value: str) -> str:
    """The 11-digit number, or InvalidPhone with the reason."""
    number = re.sub(r"[\s\-()]", "", value or "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    if not number:
        raise InvalidPhone(_("Enter your mobile phone number."))
    if not MOBILE.fullmatch(number):
        raise InvalidPhone(
            _("Enter a mainland China mobile number: 11 digits starting with 1, e.g. 13800138000.")
        )
    return number
