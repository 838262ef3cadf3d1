"""The simulated citizens of the phone simulator: named people with avatars, on the mock platform.

Each persona has the same openid on every run for a given account (derived from the AppID and
the persona's key), so a demo database rebuilt from scratch shows the same people, and
`ensure_personas` can be called any number of times.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.templatetags.static import static

from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock import selectors as mock_selectors
from weizheng.wechat_mock.models import MockApp, MockUser

_OPENID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
IOS, ANDROID = 1, 2
MALE, FEMALE = 1, 2


@dataclass(frozen=True)
class Persona:
    key: str
    nickname: str
    sex: int
    province: str
    city: str
    language: str
    client_platform_type: int
    is_subscribed: bool
    country: str = "中国"

    @property
    def avatar_path(self) -> str:
        return f"simulator/avatars/{self.key}.svg"

    def openid_for(self, appid: str, prefix: str) -> str:
        digest = hashlib.sha256(f"{appid}:{self.key}".encode()).digest()
        return prefix + "".join(_OPENID_ALPHABET[b % 64] for b in digest[: 28 - len(prefix)])


# Four who have not followed yet (to try following, by search or through a QR code) and two who
# have; one English speaker, two on iOS, one elderly citizen for conditional menus. Their names
# differ from the demo's other citizens (demo_load), so a list never shows two of one name.
PERSONAS: tuple[Persona, ...] = (
    Persona(
        "lin-xiaoyu", "林晓雨", FEMALE, "平安省", "平安", "zh_CN", ANDROID, is_subscribed=False
    ),
    Persona("zhou-ming", "周明", MALE, "平安省", "平安", "zh_CN", ANDROID, is_subscribed=True),
    Persona("chen-jing", "陈静", FEMALE, "广东", "广州", "zh_CN", IOS, is_subscribed=False),
    Persona("wu-jianguo", "吴建国", MALE, "平安省", "平安", "zh_CN", ANDROID, is_subscribed=True),
    Persona(
        "emily-carter",
        "Emily Carter",
        FEMALE,
        "London",
        "London",
        "en",
        IOS,
        is_subscribed=False,
        country="United Kingdom",
    ),
    Persona("he-yang", "何洋", MALE, "平安省", "平安", "zh_CN", IOS, is_subscribed=False),
)
PERSONAS_BY_KEY = {p.key: p for p in PERSONAS}


def _create(app: MockApp, **fields: Any) -> MockUser | None:
    """The new user, or None when another request (two tabs opening the simulator) was first."""
    try:
        with transaction.atomic():
            return mock.create_user(app, **fields)
    except (AppError, IntegrityError):
        return None


def mock_app_of(account: OfficialAccount) -> MockApp:
    """The mock platform's side of the account; 409 when the account is not registered there."""
    app = mock_selectors.get_app(account.app_id)
    if app is None:
        raise AppError(
            "not_on_mock",
            f"The account {account.slug} is not registered with the mock WeChat platform.",
            status=409,
        )
    return app


def ensure_personas(account: OfficialAccount) -> list[MockUser]:
    """The personas as users of this account on the mock platform, created when missing.
    Idempotent.

    A persona who follows the account follows it as WeChat users do: the mock platform posts the
    subscribe event to the account's callback, so the app knows the follower (and greets them).
    When the app is not running yet the callback fails and the persona follows on the mock only.
    """
    app = mock_app_of(account)
    users = []
    for persona in PERSONAS:
        openid = persona.openid_for(app.appid, app.openid_prefix)
        user = mock_selectors.get_user(app, openid)
        if user is None:
            user = _create(
                app,
                openid=openid,
                nickname=persona.nickname,
                avatar_url=static(persona.avatar_path),
                sex=persona.sex,
                country=persona.country,
                province=persona.province,
                city=persona.city,
                language=persona.language,
                client_platform_type=persona.client_platform_type,
                is_subscribed=False,
            )
            if user is None:
                user = MockUser.objects.get(app=app, openid=openid)
            elif persona.is_subscribed:
                # Outside any transaction: the app handles the callback on another connection.
                mock.user_subscribes(app, user.openid)
                user.refresh_from_db()
        users.append(user)
    return users
