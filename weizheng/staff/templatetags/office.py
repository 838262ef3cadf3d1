"""{% office_navigation %}: the back office's sidebar, computed only when a page renders it."""

from __future__ import annotations

from typing import Any

from django import template

from weizheng.staff import navigation
from weizheng.staff.selectors import accounts_for, permissions_anywhere, permissions_on

register = template.Library()


@register.inclusion_tag("staff/_navigation.html", takes_context=True)
def office_navigation(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    account = context.get("account")
    current = request.path
    account_sections = []
    if account is not None:
        account_sections = navigation.account_navigation(
            permissions=permissions_on(user, account), account_id=account.pk, current=current
        )
    return {
        "request": request,
        "account": account,
        "accounts": list(accounts_for(user, "account.view").only("pk", "name", "slug")),
        "global_items": navigation.global_navigation(
            any_permissions=permissions_anywhere(user), current=current
        ),
        "account_sections": account_sections,
    }


@register.filter
def mask_openid(openid: str) -> str:
    """oXyz…AbCd: enough for a clerk to tell followers apart, not to copy an identifier."""
    if not openid or len(openid) <= 8:
        return openid
    return f"{openid[:4]}…{openid[-4:]}"
