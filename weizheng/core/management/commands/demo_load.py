"""manage.py demo_load: the demo's accounts, staff login and citizens. Safe to run again."""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from weizheng.wechat.actions import do_create_account, do_update_account
from weizheng.wechat.models import OfficialAccount

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "weizheng-demo"  # noqa: S105 - printed for the demo on purpose

# slug, name, appid, token, EncodingAESKey, mode, language
ACCOUNTS = [
    (
        "police",
        "平安市公安局",
        "wx5a3f0c1d2e4b6a70",
        "pinganpolice2026",
        "Zp8Lq3Wn5Rt7Yv9Bx2Cd4Fg6Hj8Km0Np1Qs3Tu5Vw7X",
        "safe",
        "zh-hans",
    ),
    ("water", "平安水务集团", "wx7c2e9a4b1d3f5e80", "pinganwater2026", "", "plain", "zh-hans"),
    (
        "expo",
        "中国（平安）国际投资贸易洽谈会",
        "wx3b8d1f6a2c4e7091",
        "pinganexpo2026",
        "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0Uv1Wx2Yz3Ab4C",
        "compatible",
        "zh-hans",
    ),
    (
        "expo-en",
        "Ping'an International Investment Fair",
        "wx9e4a7c2b5d8f1036",
        "pinganexpoen2026",
        "",
        "plain",
        "en",
    ),
]

# nickname, city, language, accounts followed
CITIZENS = [
    ("张伟", "平安", "zh_CN", ["police", "water", "expo"]),
    ("李娜", "平安", "zh_CN", ["police", "water"]),
    ("王芳", "安宁", "zh_CN", ["police", "expo"]),
    ("Tom Baker", "London", "en", ["expo-en"]),
]


class Command(BaseCommand):
    help = "Load (or refresh) the demo: official accounts on the mock platform, a staff login, citizens."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--mock-base-url", default=None)

    def handle(self, *args, **options):
        if not settings.WECHAT_MOCK_ENABLED:
            raise CommandError(
                "The demo needs the mock WeChat platform (use weizheng.settings.dev)."
            )
        from weizheng.wechat_mock import actions as mock
        from weizheng.wechat_mock.models import MockUser

        port = options["port"]
        mock_base = options["mock_base_url"] or os.environ.get(
            "WEIZHENG_MOCK_BASE_URL",
            f"http://127.0.0.1:{os.environ.get('MOCK_PORT', '8001')}/wxmock",
        )
        with transaction.atomic():
            user_model = get_user_model()
            staff = user_model.objects.filter(username=DEMO_USERNAME).first()
            if staff is None:
                staff = user_model.objects.create_superuser(
                    DEMO_USERNAME, "demo@pingan.gov.cn", DEMO_PASSWORD
                )
                staff.first_name = "演示管理员"
                staff.save(update_fields=["first_name"])

            for slug, name, app_id, token, aes_key, mode, language in ACCOUNTS:
                secret = f"demo-secret-{slug}-0123456789abcdef"[:32]
                account = OfficialAccount.objects.filter(slug=slug).first()
                if account is None:
                    account = do_create_account(
                        slug=slug,
                        name=name,
                        app_id=app_id,
                        app_secret=secret,
                        token=token,
                        encoding_aes_key=aes_key,
                        message_mode=mode,
                        default_language=language,
                        api_base_url=mock_base,
                        actor_label="demo",
                    )
                elif account.api_base_url != mock_base:
                    do_update_account(account=account, changes={"api_base_url": mock_base})
                mock.register_app(
                    appid=account.app_id,
                    secret=account.app_secret,
                    name=account.name,
                    callback_url=f"http://127.0.0.1:{port}/wx/{slug}/",
                    token=account.token,
                    encoding_aes_key=account.encoding_aes_key,
                    message_mode=account.message_mode,
                )

            for nickname, city, language, slugs in CITIZENS:
                for slug in slugs:
                    app_id = OfficialAccount.objects.get(slug=slug).app_id
                    if not MockUser.objects.filter(app__appid=app_id, nickname=nickname).exists():
                        mock.create_user(
                            app_id,
                            nickname=nickname,
                            city=city,
                            language=language,
                            province="平安省",
                        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(ACCOUNTS)} accounts, {len(CITIZENS)} citizens."
            )
        )
