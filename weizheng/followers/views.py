"""Citizen H5 pages of the followers app (opened from the account's menu inside WeChat)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from weizheng.core.actions import do_audit
from weizheng.core.http import client_ip
from weizheng.wechat.oauth import citizen_page

from .h5_selectors import follower_for_citizen, mask_openid
from .labels import follow_source_label, language_label


@citizen_page
def me(request: HttpRequest) -> HttpResponse:
    """我的信息: what the account holds on the citizen looking at it. Each view is audited."""
    account = request.account  # type: ignore[attr-defined]
    openid: str = request.citizen_openid  # type: ignore[attr-defined]
    follower = follower_for_citizen(account=account, openid=openid)
    masked = mask_openid(openid)
    # Reading personal data is itself audited (the read is the action).
    with transaction.atomic():
        do_audit(
            action="followers.h5.view_own_data",
            actor_label="citizen",
            account=account,
            target=follower,
            detail={"openid": masked, "held": follower is not None},
            ip_address=client_ip(request),
        )
    from weizheng.identity.selectors import active_binding

    context = {
        "account": account,
        # Only whether the citizen is bound: the details are on the identity app's "My data".
        "bound": active_binding(account=account, openid=openid) is not None,
        "follower": follower,
        "masked_openid": masked,
        "openid_tail": openid[-4:],
        "tags": sorted(t.name for t in follower.tags.all()) if follower else [],
        "follow_source": follow_source_label(follower.subscribe_source) if follower else "",
        "language": language_label(follower.language) if follower else "",
    }
    response = render(request, "followers/h5/me.html", context)
    response["Cache-Control"] = "no-store"  # personal data: never from a shared cache
    return response
