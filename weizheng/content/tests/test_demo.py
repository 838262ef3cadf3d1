"""The demo's content: published through 三审, one amendment waiting for gov_reviewer, bilingual
items with a missing version, covers drawn by code; loading twice adds nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from weizheng.content.models import Item, MediaAsset
from weizheng.content.selectors import is_stale, review_queue
from weizheng.search import api as search
from weizheng.staff.selectors import permissions_on
from weizheng.wechat.models import OfficialAccount

pytestmark = pytest.mark.django_db


def test_demo_content_loads_once_and_reads_as_a_citizen_would(
    django_user_model, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("demo_load", "--port", "8000")
    count = Item.objects.count()
    call_command("demo_load", "--port", "8000")
    assert Item.objects.count() == count >= 20

    police = OfficialAccount.objects.get(slug="police")
    assert not is_stale(account=police)
    waiting = Item.objects.get(document_number="平公发〔2024〕11号")
    assert (waiting.review_status, waiting.publication) == ("first_review", "unpublished")
    reviewer = django_user_model.objects.get(username="gov_reviewer")
    queues = review_queue(
        account=police, user=reviewer, permissions=permissions_on(reviewer, police)
    )
    assert list(queues["first"]) == [waiting]
    assert Item.objects.get(document_number="平公发〔2015〕6号").validity == "repealed"
    assert Item.objects.get(document_number="平公发〔2019〕15号").validity == "in_force"

    hits = search.search(account_id=police.pk, query="公积金提取").hits
    assert hits[0].title == "平安市住房公积金提取管理办法"

    client = Client()
    assert "国办发〔2013〕100号" in client.get("/h5/police/policies/").content.decode()
    guide = Item.objects.get(title="外商投资项目备案办事指南")
    html = client.get(f"/h5/expo/policies/{guide.pk}/", {"lang": "en"}).content.decode()
    assert "available in Chinese only" in html
    fair = Item.objects.get(title="Visa and Entry Guide for Fair Delegates")
    assert "Visa and Entry Guide" in client.get(f"/h5/expo-en/policies/{fair.pk}/").content.decode()
    # A published news item's cover (the library also holds the broadcasts demo's poster).
    cover = MediaAsset.objects.get(
        pk=Item.objects.filter(account=police, publication="published", cover__isnull=False)
        .values_list("cover", flat=True)
        .first()
    )
    response = client.get(f"/h5/police/covers/{cover.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(
        b"\x89PNG"
    )
