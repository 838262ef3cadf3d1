"""The demo's broadcasts: a text, an image picked from the media library and a news broadcast of
two published demo articles wait for publish_demo; loading twice adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from weizheng.broadcasts.models import Broadcast, BroadcastArticle

pytestmark = pytest.mark.django_db


def test_demo_broadcasts_pick_a_poster_and_two_published_articles(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("demo_load", "--port", "8000")
    call_command("demo_load", "--port", "8000")

    image = Broadcast.objects.get(title="春运平安出行海报")
    assert image.message_type == "image"
    assert image.media_asset.name == "春运平安出行海报.png" and image.media_asset.kind == "image"
    news = Broadcast.objects.get(title="交警支队本周要闻")
    articles = BroadcastArticle.objects.filter(broadcast=news).order_by("position")
    assert [a.item.title for a in articles] == [
        "交警支队启动夏季道路交通安全宣传月活动",
        "出入境办证大厅周六延长服务时间",
    ]
    assert all(a.item.cover_id for a in articles)
    assert Broadcast.objects.filter(account=news.account).count() == 4
