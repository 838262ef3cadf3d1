"""Demo broadcasts of the police account: one sent to all followers (through 三审 and the task
worker, on the running mock platform), one awaiting its first review by gov_reviewer. Safe to run
again: existing broadcasts are left as they are."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from weizheng.core.errors import AppError
from weizheng.core.review import ReviewStatus
from weizheng.wechat.models import OfficialAccount

from .actions import check_approve_broadcast, check_save_broadcast, check_submit
from .models import Broadcast

SENT = {
    "title": "春运出行安全提示",
    "message_type": "text",
    "text": (
        "【平安市公安局】春运期间请注意出行安全：\n"
        "1. 高速公路服务区人流密集，请看管好随身财物；\n"
        "2. 疲劳驾驶危害大，连续驾驶不超过 4 小时；\n"
        "3. 遇交通事故请拨打 122，轻微事故可使用“快撤理赔”线上处理。"
    ),
    "audience_kind": "all",
}
AWAITING = {
    "title": "身份证换领便民服务周",
    "message_type": "text",
    "text": (
        "【平安市公安局】下周一至周五，各派出所户籍窗口延时服务至 20:00，"
        "办理身份证换领、补领请携带户口簿。可回复“办证”查看办理指南。"
    ),
    "audience_kind": "all",
}


def _user(username: str) -> Any:
    return get_user_model().objects.filter(username=username).first()


def _draft(police: OfficialAccount, data: dict[str, Any]) -> Broadcast | None:
    existing = Broadcast.objects.filter(account=police, title=data["title"]).first()
    if existing is not None:
        return existing
    editor = _user("police_editor")
    if editor is None:
        return None
    return check_save_broadcast(account=police, data=dict(data), actor=editor)


def load_demo() -> None:
    """The two drafts, written by police_editor (they go further once the citizens follow)."""
    police = OfficialAccount.objects.filter(slug="police").first()
    if police is None:
        return
    for data in (SENT, AWAITING):
        _draft(police, data)


def publish_demo(stdout: Any, stderr: Any) -> None:
    """With the citizens following: one broadcast through 三审 and out (the worker sends it),
    the other handed to the first review."""
    police = OfficialAccount.objects.filter(slug="police").first()
    if police is None:
        return
    editor, reviewer, admin = _user("police_editor"), _user("gov_reviewer"), _user("police_admin")
    if not (editor and reviewer and admin):
        stderr.write("Demo broadcasts skipped: the demo clerks are missing (run demo_load).")
        return
    sent = _draft(police, SENT)
    awaiting = _draft(police, AWAITING)
    try:
        if sent is not None and sent.review_status == ReviewStatus.DRAFT:
            check_submit(broadcast=sent, actor=editor)
            check_approve_broadcast(broadcast=sent, actor=reviewer)
            check_approve_broadcast(broadcast=sent, actor=admin)
            stdout.write(f"Broadcast “{sent.title}” approved; the task worker sends it.")
        if awaiting is not None and awaiting.review_status == ReviewStatus.DRAFT:
            check_submit(broadcast=awaiting, actor=editor)
            stdout.write(f"Broadcast “{awaiting.title}” awaits gov_reviewer's first review.")
    except AppError as exc:
        stderr.write(f"Demo broadcasts not ready: {exc.message}")
