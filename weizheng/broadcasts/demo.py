"""Demo broadcasts of the police account: a text, an image (a poster of the media library) and a
news broadcast (two published demo articles) sent to all followers through 三审 and the task
worker on the running mock platform, so the simulator's personas receive them; one more awaiting
its first review by gov_reviewer. Safe to run again: existing broadcasts are left as they are."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from weizheng.content.actions import check_upload_media
from weizheng.content.demo import cover_png
from weizheng.content.models import Item, MediaAsset, Publication
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


IMAGE = {
    "title": "春运平安出行海报",
    "message_type": "image",
    "audience_kind": "all",
}
POSTER_NAME = "春运平安出行海报.png"
NEWS = {
    "title": "交警支队本周要闻",
    "message_type": "news",
    "audience_kind": "all",
}
# Published news articles of the content demo, in the order the message shows them.
NEWS_ARTICLES = ("交警支队启动夏季道路交通安全宣传月活动", "出入境办证大厅周六延长服务时间")


def _poster(police: OfficialAccount) -> MediaAsset:
    existing = MediaAsset.objects.filter(account=police, name=POSTER_NAME).first()
    if existing is not None:
        return existing
    return check_upload_media(
        account=police,
        kind="image",
        filename=POSTER_NAME,
        content=cover_png("春运平安出行", (200, 40, 40)),
        actor=None,
        actor_label="demo",
    )


def _picked(police: OfficialAccount, data: dict[str, Any]) -> dict[str, Any] | None:
    """The image and news drafts with their picks (None while the content demo is missing)."""
    if data is IMAGE:
        return {**data, "media_asset": _poster(police).pk}
    found = {
        item.title: item.pk
        for item in Item.objects.filter(
            account=police, title__in=NEWS_ARTICLES, publication=Publication.PUBLISHED
        )
    }
    if len(found) != len(NEWS_ARTICLES):
        return None
    return {**data, "article_ids": [found[title] for title in NEWS_ARTICLES]}


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


def _drafts(police: OfficialAccount) -> list[Broadcast]:
    """The drafts that go out in publish_demo, in order (text, image, news)."""
    drafts = []
    for data in (SENT, IMAGE, NEWS):
        existing = Broadcast.objects.filter(account=police, title=data["title"]).first()
        picked = data if data is SENT else _picked(police, data)
        if existing is None and picked is not None:
            existing = _draft(police, picked)
        if existing is not None:
            drafts.append(existing)
    return drafts


def load_demo() -> None:
    """The drafts, written by police_editor (they go further once the citizens follow)."""
    police = OfficialAccount.objects.filter(slug="police").first()
    if police is None:
        return
    _drafts(police)
    _draft(police, AWAITING)


def publish_demo(stdout: Any, stderr: Any) -> None:
    """With the citizens following: the text, image and news broadcasts through 三审 and out
    (the worker sends them to everyone, the simulator's personas included), the last one handed
    to the first review."""
    police = OfficialAccount.objects.filter(slug="police").first()
    if police is None:
        return
    editor, reviewer, admin = _user("police_editor"), _user("gov_reviewer"), _user("police_admin")
    if not (editor and reviewer and admin):
        stderr.write("Demo broadcasts skipped: the demo clerks are missing (run demo_load).")
        return
    awaiting = _draft(police, AWAITING)
    try:
        for sent in _drafts(police):
            if sent.review_status != ReviewStatus.DRAFT:
                continue
            check_submit(broadcast=sent, actor=editor)
            check_approve_broadcast(broadcast=sent, actor=reviewer)
            # The final approval hands the poster and the articles to WeChat (the mock).
            check_approve_broadcast(broadcast=sent, actor=admin)
            stdout.write(f"Broadcast “{sent.title}” approved; the task worker sends it.")
    except AppError as exc:
        stderr.write(f"Demo broadcasts not ready: {exc.message}")
    try:
        if awaiting is not None and awaiting.review_status == ReviewStatus.DRAFT:
            check_submit(broadcast=awaiting, actor=editor)
            stdout.write(f"Broadcast “{awaiting.title}” awaits gov_reviewer's first review.")
    except AppError as exc:
        stderr.write(f"Demo broadcasts not ready: {exc.message}")
