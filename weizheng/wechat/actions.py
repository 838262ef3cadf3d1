"""Writes of the wechat app: official accounts."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from weizheng.core.actions import do_audit

from .models import MessageMode, OfficialAccount
from .protocol.crypto import MessageCrypto
from .selectors import clear_account_cache

SECRET_FIELDS = {"app_secret", "token", "encoding_aes_key"}


def check_account_fields(
    *, message_mode: str, encoding_aes_key: str, app_id: str, token: str
) -> None:
    """Refuse a combination WeChat would not accept; ValueError with a sentence."""
    if message_mode not in MessageMode.values:
        raise ValueError(f"Unknown message mode {message_mode!r}: use plain, compatible or safe.")
    if message_mode != MessageMode.PLAIN and not encoding_aes_key:
        raise ValueError("Compatible and safe modes need an EncodingAESKey.")
    if encoding_aes_key:
        try:
            MessageCrypto(token, encoding_aes_key, app_id)
        except ValueError as exc:
            raise ValueError("The EncodingAESKey is not a valid 43-character key.") from exc


def do_create_account(
    *,
    slug: str,
    name: str,
    app_id: str,
    app_secret: str,
    token: str,
    encoding_aes_key: str = "",
    message_mode: str = MessageMode.PLAIN,
    default_language: str = "zh-hans",
    api_base_url: str | None = None,
    actor: Any = None,
    actor_label: str = "",
) -> OfficialAccount:
    """Create an official account (validated like the back-office form) and audit it."""
    check_account_fields(
        message_mode=message_mode, encoding_aes_key=encoding_aes_key, app_id=app_id, token=token
    )
    account = OfficialAccount(
        slug=slug,
        name=name,
        app_id=app_id,
        app_secret=app_secret,
        token=token,
        encoding_aes_key=encoding_aes_key,
        message_mode=message_mode,
        default_language=default_language,
    )
    if api_base_url:
        account.api_base_url = api_base_url
    account.full_clean()
    with transaction.atomic():
        account.save()
        do_audit(
            action="wechat.account.create",
            actor=actor,
            actor_label=actor_label,
            account=account,
            target=account,
            detail={"slug": slug, "app_id": app_id, "message_mode": message_mode},
        )
    clear_account_cache()
    return account


def do_update_account(
    *, account: OfficialAccount, changes: dict[str, Any], actor: Any = None
) -> OfficialAccount:
    """Apply validated changes; the audit row names the fields, never the secret values."""
    for field, value in changes.items():
        setattr(account, field, value)
    check_account_fields(
        message_mode=account.message_mode,
        encoding_aes_key=account.encoding_aes_key,
        app_id=account.app_id,
        token=account.token,
    )
    account.full_clean()
    with transaction.atomic():
        account.save()
        do_audit(
            action="wechat.account.update",
            actor=actor,
            account=account,
            target=account,
            detail={
                "fields": sorted(changes),
                "values": {
                    k: v
                    for k, v in changes.items()
                    if k not in SECRET_FIELDS and isinstance(v, str | bool | int)
                },
            },
        )
    clear_account_cache()
    return account
