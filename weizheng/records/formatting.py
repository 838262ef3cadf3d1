"""How result values are shown: amounts in integer fen as yuan, times in the local zone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .connectors.base import FieldSpec, Kind


def format_yuan(fen: int | None, *, signed: bool = False) -> str:
    """12345 → "¥123.45"; signed: +¥123.45 / −¥123.45."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ("+" if signed and fen > 0 else "")
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def format_value(spec: FieldSpec, value: Any) -> str:
    """One value as text for a page or a WeChat reply."""
    if value is None or value == "":
        return "—"
    if spec.kind == Kind.MONEY:
        return format_yuan(value, signed=spec.signed)
    if spec.kind == Kind.DATETIME and isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if spec.kind == Kind.DATE and isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if spec.kind == Kind.BOOLEAN:
        return str(spec.true_label if value else spec.false_label) or (
            _("Yes") if value else _("No")
        )
    return str(value)
