"""Demo data of the notification service: the police account's template for notices, and a notice
sent to a citizen once the servers run."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from weizheng.wechat.models import OfficialAccount

from .actions import check_save_template, dispatch_due, notify
from .models import NotificationTemplate


def load_demo() -> None:
    police = OfficialAccount.objects.filter(slug="police").first()
    if police is None or NotificationTemplate.objects.filter(account=police).exists():
        return
    check_save_template(
        account=police,
        kind="office.notice",
        template_id="TPL_BUSINESS_NOTICE_01",
        fields={
            "first": "{title}",
            "keyword1": "{content}",
            "remark": "如有疑问请回复消息或拨打 0000-12345678。",
        },
        actor=None,
    )


def publish_demo(stdout: Any, stderr: Any) -> None:
    from weizheng.wechat_mock.models import MockUser

    police = OfficialAccount.objects.filter(slug="police").first()
    citizen = (
        MockUser.objects.filter(app__appid=police.app_id, nickname="张伟").first()
        if police
        else None
    )
    if police is None or citizen is None:
        return
    with transaction.atomic():
        notify(
            account=police,
            openid=citizen.openid,
            kind="office.notice",
            variables={
                "title": "办理提醒",
                "content": "您预约的驾驶证换证业务将于明天上午 9:00 在车管所 2 号窗口办理，请携带身份证和体检证明。",
            },
            dedupe_key="demo:notice:licence-renewal",
        )
    dispatch_due()
