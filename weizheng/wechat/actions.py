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


SCENE_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
# WeChat's limits: temporary codes live 60 s to 30 days; an account has 100,000 permanent codes.
MAX_TEMPORARY_SECONDS = 2_592_000
MAX_PERMANENT_CODES = 100_000


def check_create_qrcode(
    *,
    account: OfficialAccount,
    name: str,
    scene: str,
    is_permanent: bool = True,
    expire_seconds: int | None = None,
    actor: Any = None,
    actor_label: str = "",
) -> Any:
    """Create a parametric QR code on WeChat, then keep it here (WeChat gives the ticket).

    Refused before any API call when the scene is malformed or already used, or the lifetime is
    outside WeChat's range; a WeChat refusal saves nothing."""
    import re
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.translation import gettext as _

    from weizheng.core.errors import AppError

    from .client import client_for
    from .errors import WeChatError
    from .models import QrCode

    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AppError("invalid_name", _("Give the code a name of 1 to 100 characters."))
    if not re.fullmatch(SCENE_PATTERN, scene or ""):
        raise AppError(
            "invalid_scene",
            _("A scene is 1 to 64 letters, digits, hyphens or underscores."),
        )
    if QrCode.objects.filter(account=account, scene=scene).exists():
        raise AppError("duplicate_scene", _("This account already has a code for that scene."))
    if is_permanent:
        if QrCode.objects.filter(account=account, is_permanent=True).count() >= MAX_PERMANENT_CODES:
            raise AppError("too_many_codes", _("WeChat allows 100,000 permanent codes."))
        body: dict[str, Any] = {
            "action_name": "QR_LIMIT_STR_SCENE",
            "action_info": {"scene": {"scene_str": scene}},
        }
    else:
        seconds = expire_seconds or 0
        if not 60 <= seconds <= MAX_TEMPORARY_SECONDS:
            raise AppError(
                "invalid_lifetime",
                _("A temporary code lives from 60 seconds to 30 days."),
            )
        body = {
            "action_name": "QR_STR_SCENE",
            "expire_seconds": seconds,
            "action_info": {"scene": {"scene_str": scene}},
        }
    try:
        answer = client_for(account).qrcode.create(body)
    except WeChatError as exc:
        raise AppError(
            "wechat_refused", _("WeChat refused the code: %(reason)s") % {"reason": exc}
        ) from exc
    expires_at = None
    if not is_permanent:
        expires_at = timezone.now() + timedelta(
            seconds=int(answer.get("expire_seconds") or expire_seconds or 0)
        )
    with transaction.atomic():
        code = QrCode.objects.create(
            account=account,
            name=name,
            scene=scene,
            is_permanent=is_permanent,
            ticket=answer["ticket"],
            url=answer.get("url", ""),
            expires_at=expires_at,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        do_audit(
            action="wechat.qrcode.create",
            actor=actor,
            actor_label=actor_label,
            account=account,
            target=code,
            detail={"scene": scene, "permanent": is_permanent},
        )
    return code
