"""Reads of the simulator: the accounts it can play (those that talk to a mock platform)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount

# The mock platform is mounted at /wxmock/ (weizheng/urls.py): an account whose API base URL
# ends there is played by it.
MOCK_MOUNT = "/wxmock"


def mock_accounts() -> QuerySet[OfficialAccount]:
    """Active accounts whose WeChat is the mock platform, oldest first (the first is the default)."""
    return OfficialAccount.objects.filter(
        Q(api_base_url__endswith=MOCK_MOUNT) | Q(api_base_url__endswith=MOCK_MOUNT + "/"),
        is_active=True,
    ).order_by("pk")


def get_mock_account(slug: str) -> OfficialAccount:
    """The account the simulator plays; 404 when unknown, inactive or on real WeChat."""
    account = mock_accounts().filter(slug=slug).first()
    if account is None:
        raise AppError(
            "unknown_account",
            f"No active account {slug} talks to the mock WeChat platform.",
            status=404,
        )
    return account
