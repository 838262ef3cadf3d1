"""Masking of personal data on screen: enough for its owner to recognise it, not enough to use.

mask_id_number("11010519491231002X") == "110105********002X"
mask_phone("13800138000") == "138****8000"
mask_name("张三") == "张*"
"""

from __future__ import annotations


def mask_id_number(value: str | None) -> str:
    """Region code and last four characters of an 18-character ID number; all stars otherwise."""
    value = (value or "").strip()
    if len(value) == 18:
        return f"{value[:6]}{'*' * 8}{value[-4:]}"
    if len(value) > 8:
        return f"{value[:2]}{'*' * (len(value) - 4)}{value[-2:]}"
    return "*" * len(value)


def mask_phone(value: str | None) -> str:
    """First three and last four digits of a mobile number."""
    value = (value or "").strip()
    if len(value) >= 11:
        return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
    if len(value) > 4:
        return f"{'*' * (len(value) - 4)}{value[-4:]}"
    return "*" * len(value)


def mask_name(value: str | None) -> str:
    """The first character, one star for each other character (spaces kept)."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) == 1:
        return "*"
    return value[0] + "".join(" " if char == " " else "*" for char in value[1:])
