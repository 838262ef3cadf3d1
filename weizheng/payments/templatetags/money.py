"""{% load money %}{{ amount_fen|yuan }} → ¥123.45 (integer fen shown in yuan)."""

from __future__ import annotations

from django import template

from weizheng.records.formatting import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    return format_yuan(fen)
