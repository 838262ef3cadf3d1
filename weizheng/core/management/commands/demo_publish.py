"""manage.py demo_publish: publish the demo police menu to the (running) mock platform."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from weizheng.core.errors import AppError
from weizheng.menus.actions import do_publish_menu, do_save_menu
from weizheng.menus.demo import police_demo_structure
from weizheng.menus.models import Menu
from weizheng.wechat.models import OfficialAccount


class Command(BaseCommand):
    help = "Publish the demo menus (needs the mock WeChat platform running)."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, **options):
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
