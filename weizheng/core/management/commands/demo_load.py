"""manage.py demo_load: the demo's accounts, staff login and citizens. Safe to run again."""

from __future__ import annotations

import os
from datetime import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from weizheng.replies.actions import (
    do_save_button_reply,
    do_save_default_reply,
    do_save_greeting,
    do_save_keyword_rule,
)
from weizheng.replies.models import KeywordRule
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
    # The city's 微信问政 (weizheng/inquiries/demo.py).
    ("gov", "平安市政务服务", "wx2d6b9e1a4c7f0358", "pingangov2026", "", "plain", "zh-hans"),
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
    ("张伟", "平安", "zh_CN", ["police", "water", "expo", "gov"]),
    ("李娜", "平安", "zh_CN", ["police", "water", "gov"]),
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

            _ensure_demo_authenticator(staff)
            _load_replies()
            _load_departments()
            for module in app_demo_modules():
                if hasattr(module, "load_demo"):
                    module.load_demo()

            for nickname, city, language, slugs in CITIZENS:
                for slug in slugs:
                    app_id = OfficialAccount.objects.get(slug=slug).app_id
                    if not MockUser.objects.filter(app__appid=app_id, nickname=nickname).exists():
                        # Not following yet: demo_publish makes them follow through the
                        # running callback, so the app knows them as followers.
                        mock.create_user(
                            app_id,
                            nickname=nickname,
                            city=city,
                            language=language,
                            province="平安省",
                            is_subscribed=False,
                        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(ACCOUNTS)} accounts, {len(CITIZENS)} citizens."
            )
        )


# slug -> greetings by scene ("" = default), keyword rules, default reply
REPLIES: dict[str, dict[str, Any]] = {
    "police": {
        "greetings": {
            "": "您好，欢迎关注平安市公安局！\n点击下方菜单：快撤理赔、服务事项、便民指南。\n回复“帮助”查看可用服务。紧急情况请直接拨打 110。",
            "hall-1": "欢迎来到平安市公安局出入境办证大厅。取号后请留意叫号屏，也可回复“查进度 受理编号”查询办理进度。",
        },
        "rules": [
            {
                "name": "帮助",
                "pattern": "帮助",
                "match": "exact",
                "text": "您可以回复：\n· 查违章 车牌号 / 查记分\n· 办事指南 关键词（如：办事指南 驾驶证）\n· 查进度 受理编号\n· 预约 / 我的预约\n· 绑定 —— 实名绑定后可查询本人记录\n· 报警 —— 紧急情况请直接拨打 110",
            },
            {
                "name": "报警",
                "pattern": "报警",
                "match": "contains",
                "priority": 20,
                "text": "紧急情况请立即拨打 110。非紧急警情可通过“便民指南 → 报警求助”留言。",
            },
            {
                "name": "非工作时间",
                "match": "any",
                # After the keywords: 帮助 and 报警 are answered at night too.
                "priority": 800,
                "active_from": time(18, 0),
                "active_until": time(8, 30),
                "text": "现在是非工作时间（工作时间 8:30–18:00）。您的留言已记录，工作人员上班后将尽快回复；紧急情况请拨打 110。",
            },
        ],
        "default": "您的消息已收到。请使用下方菜单办理业务，回复“帮助”查看更多服务。",
        # menu button key -> reply (the keys of weizheng/menus/demo.py)
        "buttons": {
            "POLICE_ACCIDENT_QUICK": "发生轻微交通事故（无人员伤亡、车辆能移动）：\n1. 开启危险报警闪光灯，在来车方向放置警告标志；\n2. 拍摄车辆全景、碰撞部位和车牌照片；\n3. 将车辆移至不妨碍交通的地方，协商处理或拨打 122。\n线上快撤理赔即将开通。",
            "POLICE_CLAIM_PROGRESS": "理赔进度请联系承保保险公司查询；交警出具事故认定书的进度可拨打 122 转事故处理中队查询。",
            "POLICE_TRAFFIC": "今日路况：人民路（解放路至中山路段）施工，双向各封闭一条车道，请绕行滨江大道。早高峰 7:30–9:00 请错峰出行。",
            "POLICE_EMERGENCY": "紧急情况请立即拨打 110；交通事故报警请拨打 122。\n非紧急警情和线索可回复文字留言，工作人员将尽快处理。",
            "POLICE_CONTACT": "平安市公安局交警支队\n地址：平安市人民路 88 号\n值班电话：0000-12345678（24 小时）\n办公时间：工作日 8:30–12:00，14:00–17:30",
        },
    },
    "water": {
        "greetings": {
            "": "欢迎关注平安水务集团！回复“缴费”了解水费缴纳方式，回复“停水”查询停水通知。"
        },
        "rules": [
            {
                "name": "缴费",
                "pattern": "缴费",
                "match": "contains",
                "text": "水费可在“服务 → 生活缴费”中用微信支付缴纳，需要您的用户编号（见水费账单右上角）。",
            },
            {
                "name": "停水",
                "pattern": "停水",
                "match": "contains",
                "text": "近期无计划停水。如遇突发停水，请拨打 96116。",
            },
        ],
        "default": "您的消息已收到，客服热线 96116（24 小时）。",
    },
    "expo": {
        "greetings": {
            "": "欢迎关注中国（平安）国际投资贸易洽谈会！回复“议程”查看今日议程。",
            "expo-checkin": "欢迎参加投洽会！您已完成现场签到，电子胸卡将稍后推送。",
        },
        "rules": [
            {
                "name": "议程",
                "pattern": "议程",
                "match": "contains",
                "text": "9:00 开幕式（1号馆）｜14:00 投资推介会（3号馆）｜16:30 项目签约仪式。",
            }
        ],
        "default": "感谢您的留言，投洽会组委会将尽快回复。",
    },
    "expo-en": {
        "greetings": {
            "": "Welcome to the Ping'an International Investment Fair! Reply \"agenda\" for today's programme."
        },
        "rules": [
            {
                "name": "agenda",
                "pattern": "agenda",
                "match": "contains",
                "text": "9:00 Opening ceremony (Hall 1) | 14:00 Investment promotion (Hall 3) | 16:30 Signing ceremony.",
            }
        ],
        "default": "Thank you for your message. The fair's organisers will reply shortly.",
    },
}


def _load_replies() -> None:
    for slug, replies in REPLIES.items():
        account = OfficialAccount.objects.get(slug=slug)
        for scene, text in replies["greetings"].items():
            do_save_greeting(account=account, scene=scene, data={"text": text}, actor=None)
        for rule in replies["rules"]:
            existing = KeywordRule.objects.filter(account=account, name=rule["name"]).first()
            do_save_keyword_rule(account=account, data=rule, actor=None, rule=existing)
        do_save_default_reply(account=account, data={"text": replies["default"]}, actor=None)
        for key, text in replies.get("buttons", {}).items():
            do_save_button_reply(account=account, key=key, data={"text": text}, actor=None)


# Apps with a `demo.py` add their demo data: `load_demo()` here (no servers needed),
# `publish_demo()` from demo_publish (the web app and the mock platform are running).
DEMO_APPS = (
    "content",
    "notifications",
    "broadcasts",
    "identity",
    "eservices",
    "records",
    "appointments",
    "payments",
    "inquiries",
    "open311",
)


def app_demo_modules() -> list[Any]:
    import importlib
    import importlib.util

    modules = []
    for app in DEMO_APPS:
        name = f"weizheng.{app}.demo"
        if importlib.util.find_spec(name) is not None:
            modules.append(importlib.import_module(name))
    return modules


# department, accounts it runs, demo clerks (username, role)
DEPARTMENTS = [
    (
        "平安市公安局交警支队",
        ["police"],
        [
            ("police_admin", "administrator"),
            # A second administrator, so what police_admin writes can be final-approved in the
            # department (三审: nobody approves their own work).
            ("police_chief", "administrator"),
            ("police_editor", "editor"),
            # Works the online applications and the day's appointment queue.
            ("police_handler", "handler"),
            # Sees the fines paid with WeChat Pay and the ledger, reconciles and refunds.
            ("police_finance", "finance"),
        ],
    ),
    (
        "平安水务集团客服中心",
        ["water"],
        [
            ("water_editor", "editor"),
            ("water_admin", "administrator"),
            ("water_handler", "handler"),
            # Sees the payments and the ledger, reconciles with WeChat Pay and refunds.
            ("water_finance", "finance"),
        ],
    ),
    ("平安市政府办公室", ["police", "water", "gov"], [("gov_reviewer", "reviewer")]),
    # Runs the city's 问政 (docs/adr/0007): gov_admin supervises and dispatches (transfers with the
    # classifier's suggestion, extensions, escalations), gov_handler answers 市容环境 and 其他. The
    # traffic police and the water company answer their categories' requests without running it.
    (
        "平安市政务服务中心",
        ["gov"],
        [("gov_admin", "administrator"), ("gov_handler", "handler")],
    ),
    (
        "投洽会组委会",
        ["expo", "expo-en"],
        [("expo_admin", "administrator"), ("expo_editor", "editor")],
    ),
]
CLERK_PASSWORD = "weizheng-clerk"  # noqa: S105 - printed for the demo on purpose
# Every demo login has an authenticator with this key (base32 JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP):
# the sign-in page of a DEBUG deployment shows its current code, so the demo needs no phone.
DEMO_TOTP_KEY = "48656c6c6f21deadbeef48656c6c6f21deadbeef"
DEMO_DEVICE_NAME = "demo"


def _ensure_demo_authenticator(user: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(
            user=user, name=DEMO_DEVICE_NAME, key=DEMO_TOTP_KEY, confirmed=True
        )


def _load_departments() -> None:
    from weizheng.staff.models import Department, Membership

    user_model = get_user_model()
    for name, slugs, clerks in DEPARTMENTS:
        department, _created = Department.objects.get_or_create(name=name)
        department.accounts.add(*OfficialAccount.objects.filter(slug__in=slugs))
        for username, role in clerks:
            clerk = user_model.objects.filter(username=username).first()
            if clerk is None:
                clerk = user_model.objects.create_user(
                    username, f"{username}@pingan.gov.cn", CLERK_PASSWORD, is_staff=True
                )
            Membership.objects.get_or_create(user=clerk, department=department, role=role)
            _ensure_demo_authenticator(clerk)
