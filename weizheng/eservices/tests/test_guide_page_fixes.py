"""What a citizen sees around a guide: list entries laid out as blocks (padding, not flush with
the screen's edge), a promised limit of 0 said as 即办, the guide page's actions — 在线办理
(its own form) and 预约 (offered by the appointments app through guide_actions when one of its
windows serves the guide, in either language version) — and the materials' "Note" column
translated as a note on a material, not as a reviewer's 审核意见."""

from __future__ import annotations

from datetime import time

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import translation

from weizheng.appointments.actions import PeriodInput, check_save_window
from weizheng.eservices.actions import check_create_translation, check_save_guide

from .conftest import make_guide, office, publish, signed_in

pytestmark = pytest.mark.django_db

H5 = "/h5/police/services/guides/"


def on_the_spot(language: str) -> str:
    with translation.override(language):
        return translation.pgettext("time limit", "On the spot")


def in_language(language: str, message: str, context: str = "") -> str:
    with translation.override(language):
        return translation.pgettext(context, message) if context else translation.gettext(message)


@pytest.fixture
def licence(world):
    """机动车驾驶证补领, published on the police account, promised 0 days (即办)."""
    return publish(
        make_guide(world["police"], world["bob"]),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )


def window_for(guide, *, name="驾驶证业务 1 号窗口", is_active=True):
    return check_save_window(
        account=guide.account,
        data={"name": name, "place": "车管所一楼综合服务大厅", "is_active": is_active},
        periods=[PeriodInput(0, time(8, 30), time(12, 0))],
        guide=guide,
        actor=None,
    )


def test_list_and_search_entries_are_padded_blocks(licence):
    listing = Client().get(H5).content.decode()
    found = Client().get(H5, {"q": "驾驶证"}).content.decode()
    stylesheet = open(finders.find("eservices/h5.css"), encoding="utf-8").read()

    assert 'class="wz-guides' in listing and 'class="weui-media-box weui-media-box_text"' in listing
    assert 'class="weui-media-box weui-media-box_text"' in found
    rule = ".wz-guides .weui-media-box { display: block; padding: 14px 16px;"
    assert rule in stylesheet


def test_a_promised_limit_of_zero_days_reads_on_the_spot(world, licence):
    listing = Client().get(H5).content.decode()
    guide_page = Client().get(f"{H5}{licence.pk}/").content.decode()
    office_page = signed_in(world["alice"]).get(office(world["police"], f"guides/{licence.pk}/"))

    assert "promised in 0" not in listing and "0 个工作日" not in listing
    assert in_language("zh-hans", "handled on the spot") in listing
    assert f'data-field="promised">{on_the_spot("zh-hans")}<' in guide_page
    assert on_the_spot("en") in office_page.content.decode()


def test_the_guide_page_offers_booking_where_a_window_serves_the_guide(world, licence):
    before = Client().get(f"{H5}{licence.pk}/").content.decode()
    window = window_for(licence)
    english = check_create_translation(guide=licence, actor=world["bob"])
    check_save_guide(
        account=world["police"],
        actor=world["bob"],
        data={"title": "Replacing a lost driving licence", "steps": "Apply\nCollect"},
        guide=english,
    )
    publish(english, author=world["bob"], first=world["rita"], final=world["alice"])

    chinese_page = Client().get(f"{H5}{licence.pk}/").content.decode()
    english_page = Client().get(f"{H5}{english.pk}/", {"lang": "en"}).content.decode()

    assert 'data-test="book-appointment"' not in before
    book = f'href="/h5/police/appointments/w/{window.pk}/" data-test="book-appointment"'
    assert book in chinese_page and book in english_page
    assert in_language("zh-hans", "Book an appointment") in chinese_page
    assert "Book an appointment" in english_page


def test_several_windows_lead_to_the_list_and_closed_ones_are_not_offered(world, licence):
    window_for(licence, name="驾驶证业务 3 号窗口（暂停）", is_active=False)
    assert 'data-test="book-appointment"' not in Client().get(f"{H5}{licence.pk}/").content.decode()

    window_for(licence, name="驾驶证业务 1 号窗口")
    window_for(licence, name="驾驶证业务 2 号窗口")
    page = Client().get(f"{H5}{licence.pk}/").content.decode()

    assert 'href="/h5/police/appointments/" data-test="book-appointment"' in page


def test_apply_online_comes_first_then_booking(online):
    window_for(online, name="营业厅 用水报装")

    page = Client().get(f"/h5/water/services/guides/{online.pk}/").content.decode()

    assert 'data-test="guide-actions"' in page
    assert page.index('data-test="apply-online"') < page.index('data-test="book-appointment"')
    assert in_language("zh-hans", "Apply online") in page


def test_the_materials_note_column_is_not_the_reviewers_note(world, licence):
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    from weizheng.staff.testing import login_staff

    login_staff(chinese, world["alice"])
    page = chinese.get(office(world["police"], f"guides/{licence.pk}/")).content.decode()
    editor = chinese.get(office(world["police"], "guides/new/")).content.decode()

    review_note = in_language("zh-hans", "Note")
    material_note = in_language("zh-hans", "Note", "material")
    assert f"<th>{review_note}</th>" not in page and f"<th>{material_note}</th>" in page
    assert f"<th>{review_note}</th>" not in editor and f"<th>{material_note}</th>" in editor
