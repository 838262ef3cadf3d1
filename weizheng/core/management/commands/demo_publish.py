"""manage.py demo_publish: publish the demo police menu and create the demo QR codes on the
(running) mock platform."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from weizheng.core.errors import AppError
from weizheng.menus.actions import do_publish_menu, do_save_menu
from weizheng.menus.demo import police_demo_structure
from weizheng.menus.models import Menu
from weizheng.wechat.actions import check_create_qrcode
from weizheng.wechat.models import OfficialAccount, QrCode

# account slug, channel name, scene (the demo greetings answer these scenes)
QR_CODES = [
    ("police", "出入境办证大厅", "hall-1"),
    ("police", "交警支队宣传海报", "poster-2026"),
    ("expo", "投洽会现场签到", "expo-checkin"),
]


class Command(BaseCommand):
    help = "Publish the demo menus (needs the mock WeChat platform running)."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, **options):
        self._qr_codes()
        self._citizens_follow()
        self._personas()
        from weizheng.core.management.commands.demo_load import app_demo_modules

        for module in app_demo_modules():
            if hasattr(module, "publish_demo"):
                module.publish_demo(self.stdout, self.stderr)
        police = OfficialAccount.objects.filter(slug="police").first()
        if police is None:
            self.stderr.write("No demo police account: run demo_load first.")
            return
        menu = Menu.objects.filter(account=police, status="published", is_conditional=False).first()
        if menu is None:
            structure = police_demo_structure(f"http://127.0.0.1:{options['port']}/h5")
            menu = do_save_menu(
                account=police, structure=structure, actor=None, name="警务服务", actor_label="demo"
            )
        try:
            do_publish_menu(menu=menu, actor=None, actor_label="demo")
        except AppError as exc:
            self.stderr.write(f"The demo menu was not published: {exc.message}")
            return
        self.stdout.write(f"Published the menu of {police.name}: 快撤理赔 / 服务事项 / 便民指南.")

    def _qr_codes(self) -> None:
        for slug, name, scene in QR_CODES:
            account = OfficialAccount.objects.filter(slug=slug).first()
            if account is None or QrCode.objects.filter(account=account, scene=scene).exists():
                continue
            try:
                check_create_qrcode(account=account, name=name, scene=scene, actor_label="demo")
            except AppError as exc:
                self.stderr.write(f"The demo QR code {scene} was not created: {exc.message}")

    def _personas(self) -> None:
        """The simulator's citizens; the ones who follow do so through the running callback, so
        the app knows them as followers."""
        from weizheng.simulator.personas import ensure_personas

        for account in OfficialAccount.objects.filter(is_active=True).order_by("pk"):
            try:
                ensure_personas(account)
            except Exception as exc:  # the demo goes on; the simulator creates them lazily too
                self.stderr.write(f"Personas of {account.name} not ready: {exc}")

    def _citizens_follow(self) -> None:
        """demo_load's citizens follow their accounts through the mock platform and the running
        callback, once (a citizen the app already knows is left as they are)."""
        from weizheng.core.management.commands.demo_load import CITIZENS
        from weizheng.followers.models import Follower
        from weizheng.wechat_mock import actions as mock
        from weizheng.wechat_mock.models import MockUser

        for nickname, _city, _language, slugs in CITIZENS:
            for slug in slugs:
                account = OfficialAccount.objects.filter(slug=slug).first()
                user = MockUser.objects.filter(
                    app__appid=getattr(account, "app_id", None), nickname=nickname
                ).first()
                if account is None or user is None:
                    continue
                if Follower.objects.filter(account=account, openid=user.openid).exists():
                    continue
                if user.is_subscribed:
                    continue  # following on the platform already (an older demo database)
                result = mock.user_subscribes(account.app_id, user.openid)
                if not result.ok:
                    self.stderr.write(f"{nickname} could not follow {account.name}.")
