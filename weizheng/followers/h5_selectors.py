"""Reads behind the citizen's own H5 pages (what the account holds on the citizen who asks)."""

from __future__ import annotations

from weizheng.wechat.models import OfficialAccount

from .models import Follower


def follower_for_citizen(*, account: OfficialAccount, openid: str) -> Follower | None:
    """The follower row of this openid, with its tags; None if the account holds none."""
    return Follower.objects.filter(account=account, openid=openid).prefetch_related("tags").first()


def mask_openid(openid: str) -> str:
    """Enough of an openid for a citizen to recognise it, not enough to reuse it."""
    if len(openid) <= 8:
        return "*" * len(openid)
    return f"{openid[:3]}****{openid[-4:]}"
