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
# have; one English speaker, one on iOS, one elderly citizen for the conditional menus.
PERSONAS: tuple[Persona, ...] = (
    Persona("li-na", "李娜", FEMALE, "平安省", "平安", "zh_CN", ANDROID, is_subscribed=False),
    Persona("zhang-wei", "张伟", MALE, "平安省", "平安", "zh_CN", ANDROID, is_subscribed=True),
    Persona("wang-fang", "王芳", FEMALE, "广东", "广州", "zh_CN", IOS, is_subscribed=False),
    Persona("chen-jianguo", "陈建国", MALE, "平安省", "平安", "zh_CN", ANDROID, is_subscribed=True),
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
    Persona("liu-yang", "刘洋", MALE, "平安省", "平安", "zh_CN", IOS, is_subscribed=False),
)
PERSONAS_BY_KEY = {p.key: p for p in PERSONAS}


def _create(app: MockApp, **fields: Any) -> MockUser:
    try:
        with transaction.atomic():
            return mock.create_user(app, **fields)
    except (AppError, IntegrityError):
        # Another request (two tabs opening the simulator) created the persona first.
        return MockUser.objects.get(app=app, openid=fields["openid"])


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
    """The personas as users of this account on the mock platform, created when missing
    (followers or not, as each persona says; no callback is posted). Idempotent."""
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
                is_subscribed=persona.is_subscribed,
            )
        users.append(user)
    return users
