"""Citizen H5 pages of service guides: browsing by category, the guide page laid out like a
政务服务 guide, the search box, bilingual fallback, large text, and that unpublished guides and
other accounts' guides do not exist here."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.eservices.actions import (
    check_create_translation,
    check_retract_guide,
    check_save_guide,
)

from .conftest import make_guide, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(world):
    def make(account=None, author=None, **fields):
        account = account or world["police"]
        author = author or world["bob"]
        first, final = (
            (world["rita"], world["alice"]) if account == world["police"] else (None, None)
        )
        return publish(
            make_guide(account, author, **fields), author=author, first=first, final=final
        )

    return make


def on_the_spot(language):
    from django.utils import translation

    with translation.override(language):
        return translation.pgettext("time limit", "On the spot")


def page(path, **params):
    return Client().get(path, params)


def test_the_list_groups_published_guides_by_category_and_hides_drafts(world, published):
    licence = published()
    permit = published(
        title="居住证办理",
        code="PA-ZA-0120",
        category="户政业务",
        promised_days=10,
        statutory_days=15,
    )
    make_guide(world["police"], world["bob"], title="草稿事项", code="DRAFT-1")
    response = page("/h5/police/services/guides/")
    assert response.status_code == 200
    body = response.content.decode()
    assert licence.title in body and permit.title in body
    assert "草稿事项" not in body
    assert body.index("户政业务") < body.index("居住证办理")
    only = page("/h5/police/services/guides/", category="户政业务").content.decode()
    assert "居住证办理" in only and f'data-guide="{licence.pk}"' not in only


def test_the_services_home_leads_to_the_guides(world):
    response = page("/h5/police/services/")
    assert response.status_code == 302 and response["Location"] == "/h5/police/services/guides/"


def test_the_guide_page_shows_materials_limits_fee_place_and_faq(world, published):
    guide = published()
    response = page(f"/h5/police/services/guides/{guide.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-field="fee">¥10<' in body
    assert f'data-field="promised">{on_the_spot("zh-hans")}<' in body  # 即办, not "0"
    assert 'data-field="statutory">1<' in body
    assert "居民身份证" in body and "委托他人代办时提交" in body
    assert "车管所综合服务大厅" in body and "工作日 8:30–17:30" in body
    assert 'href="tel:0000-12345678"' in body
    assert "原驾驶证还能用吗？" in body and "不能，补领后原证作废。" in body
    assert body.count("<li>") >= 4  # the four steps


def test_a_free_service_says_free(world, published):
    guide = published(fee_fen=0, fee_basis="")
    body = page(f"/h5/police/services/guides/{guide.pk}/", lang="en").content.decode()
    assert 'data-field="fee">Free<' in body


def test_drafts_retracted_guides_and_other_accounts_guides_are_404(world, published):
    draft = make_guide(world["police"], world["bob"], code="D-1")
    assert page(f"/h5/police/services/guides/{draft.pk}/").status_code == 404
    guide = published()
    check_retract_guide(guide=guide, actor=world["alice"], reason="调整")
    assert page(f"/h5/police/services/guides/{guide.pk}/").status_code == 404
    water_guide = make_guide(world["water"], world["carol"], code="W-1")
    assert page(f"/h5/police/services/guides/{water_guide.pk}/").status_code == 404
    assert page("/h5/nobody/services/guides/").status_code == 404


def test_the_search_box_finds_published_guides_only(world, published):
    guide = published()
    make_guide(world["police"], world["bob"], title="驾驶证换证", code="D-2")
    response = page("/h5/police/services/guides/", q="驾驶证")
    body = response.content.decode()
    assert f'href="/h5/police/services/guides/{guide.pk}/"' in body
    assert "驾驶证换证" not in body
    assert 'data-testid="result-count"' in body
    nothing = page("/h5/police/services/guides/", q="护照", lang="en").content.decode()
    assert "No guide matches" in nothing


def test_an_over_long_search_is_refused_with_a_reason(world, published):
    published()
    body = page("/h5/police/services/guides/", q="驾" * 200, lang="en").content.decode()
    assert 'data-testid="search-error"' in body


def test_an_english_reader_gets_the_chinese_guide_with_a_notice_then_the_english_one(
    world, published
):
    guide = published()
    body = page(f"/h5/police/services/guides/{guide.pk}/", lang="en").content.decode()
    assert 'data-testid="fallback-notice"' in body and "Chinese only" in body
    english = check_create_translation(guide=guide, actor=world["bob"])
    check_save_guide(
        account=world["police"],
        actor=world["bob"],
        data={"title": "Replacing a lost driving licence", "steps": "Apply\nCollect"},
        guide=english,
    )
    publish(english, author=world["bob"], first=world["rita"], final=world["alice"])
    body = page(f"/h5/police/services/guides/{guide.pk}/", lang="en").content.decode()
    assert "Replacing a lost driving licence" in body
    assert 'data-testid="fallback-notice"' not in body
    assert 'data-testid="other-version"' in body
    listing = page("/h5/police/services/guides/", lang="en").content.decode()
    assert "Replacing a lost driving licence" in listing and "机动车驾驶证补领" not in listing


def test_large_text_is_remembered(world, published):
    guide = published()
    client = Client()
    response = client.get(f"/h5/police/services/guides/{guide.pk}/", {"large": "1"})
    assert 'class="wz-guides wz-large"' in response.content.decode()
    assert response.cookies["wz_large"].value == "1"
    again = client.get("/h5/police/services/guides/")
    assert 'class="wz-guides wz-large"' in again.content.decode()
