"""Submitting a request: validation of every bad input, routing by category, the clock, the
citizen's notification, anonymity and the H5 form."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.inquiries.models import Inquiry, InquiryEvent, InquiryStatus
from weizheng.notifications.models import Notification

from .conftest import CITIZEN, INSIDE, OUTSIDE, as_citizen, submit

SH = ZoneInfo("Asia/Shanghai")


def refused(world, **kwargs) -> AppError:
    with pytest.raises(AppError) as caught:
        submit(world, **kwargs)
    assert Inquiry.objects.count() == 0
    assert not AuditLog.objects.filter(action__startswith="inquiries.").exists()
    assert not Notification.objects.exists()
    return caught.value


def test_a_request_is_routed_by_its_category_and_clocked(world):
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False):  # Wednesday
        inquiry = submit(world, category="traffic", description="解放路与中山路口红绿灯时间太短")
    assert inquiry.department == world["traffic"]
    assert inquiry.status == InquiryStatus.RECEIVED
    assert inquiry.public_id.startswith("WZ20261125")
    # Sign for within 1 working day (Thursday), reply within 5 (next Wednesday).
    assert inquiry.sign_due_at == datetime(2026, 11, 26, 23, 59, 59, 999999, tzinfo=SH)
    assert inquiry.reply_due_at == datetime(2026, 12, 2, 23, 59, 59, 999999, tzinfo=SH)
    assert inquiry.due_at == inquiry.sign_due_at
    assert InquiryEvent.objects.get(inquiry=inquiry).kind == "submitted"
    assert AuditLog.objects.filter(
        action="inquiries.inquiry.submitted", target_id=str(inquiry.pk)
    ).exists()
    note = Notification.objects.get(openid=CITIZEN, kind="inquiries.received")
    assert note.variables["public_id"] == inquiry.public_id
    assert note.variables["due"] == "2026-12-02 23:59"


def test_an_urgent_category_is_due_the_same_day(world):
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False):
        inquiry = submit(world, category="water", description="人民路整条街停水了，没有任何通知")
    assert inquiry.department == world["water"]
    assert inquiry.sign_due_at == datetime(2026, 11, 25, 23, 59, 59, 999999, tzinfo=SH)
    assert inquiry.reply_due_at == inquiry.sign_due_at


def test_empty_text_is_refused(world):
    assert refused(world, description="   \n ").code == "description_missing"


def test_text_over_4000_characters_is_refused_with_its_length(world):
    error = refused(world, description="路" * 4001)
    assert error.code == "description_too_long"
    assert "4001" in error.message and "4000" in error.message


def test_text_of_exactly_4000_characters_is_accepted(world):
    assert len(submit(world, description="路" * 4000).description) == 4000


def test_an_unknown_category_is_refused(world):
    error = refused(world, category="weather")
    assert error.code == "unknown_category"
    assert error.extra["field"] == "category"


def test_an_inactive_category_is_refused(world):
    world["categories"]["city"].is_active = False
    world["categories"]["city"].save()
    assert refused(world, category="city").code == "unknown_category"


def test_a_place_outside_the_jurisdiction_is_refused(world):
    error = refused(world, location=OUTSIDE)
    assert error.code == "outside_jurisdiction"
    assert "outside the area" in error.message


def test_a_half_location_is_refused(world):
    with pytest.raises(AppError) as caught:
        submit(world, location=(30.5, None))
    assert caught.value.code == "bad_location"


def test_an_address_without_coordinates_is_accepted(world):
    inquiry = submit(world, location=None, address="滨江大道16号")
    assert inquiry.latitude is None and inquiry.address == "滨江大道16号"


def test_an_anonymous_request_stores_no_name(world):
    inquiry = submit(world, is_anonymous=True, contact_name="张三", contact_phone="13800138000")
    assert (inquiry.contact_name, inquiry.contact_phone, inquiry.contact_email) == ("", "", "")


def test_a_named_request_takes_the_name_and_phone_from_the_binding(world):
    from weizheng.identity.testing import make_binding

    make_binding(account=world["gov"], openid=CITIZEN, name="王五", phone="13800138000")
    inquiry = submit(world, is_anonymous=False)
    inquiry.refresh_from_db()
    assert (inquiry.contact_name, inquiry.contact_phone) == ("王五", "13800138000")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM inquiries_inquiry WHERE id = %s", [inquiry.pk])
        raw = cursor.fetchone()[0]
    assert "13800138000" not in raw  # sealed at rest


def test_an_open311_client_may_send_without_openid(world):
    inquiry = submit(
        world,
        openid="",
        channel="open311",
        api_client="city-app",
        is_anonymous=False,
        contact_name="Li Si",
        contact_email="lisi@example.com",
        media_url="https://example.com/p.jpg",
    )
    assert inquiry.api_client == "city-app"
    assert inquiry.media.get().url == "https://example.com/p.jpg"
    assert not Notification.objects.exists()


def test_a_photo_that_is_not_a_picture_is_refused(world):
    from weizheng.inquiries.actions import check_media

    with pytest.raises(AppError) as caught:
        check_media(kind="image", data=b"%PDF-1.4 not a photo")
    assert caught.value.code == "bad_file_type"


# --- the H5 form ------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_the_form_submits_and_shows_the_request(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    as_citizen(client, world["gov"], CITIZEN)
    response = client.post(
        "/h5/gov/wenzheng/new/",
        {
            "category": "city",
            "description": "小区门口垃圾三天没人清运",
            "latitude": str(INSIDE[0]),
            "longitude": str(INSIDE[1]),
            "address": "幸福里小区北门",
            "named": "0",
            "consent": "1",
            "photos": [SimpleUploadedFile("a.png", PNG, content_type="image/png")],
        },
    )
    inquiry = Inquiry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/h5/gov/wenzheng/r/{inquiry.public_id}/"
    assert inquiry.channel == "h5" and inquiry.consent_publish and inquiry.is_anonymous
    assert inquiry.media.get().content_type == "image/png"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "小区门口垃圾三天没人清运" in page.content.decode()


# the government account's form is served in Chinese
@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ({"description": ""}, "description", "请描述您要反映的问题"),
        ({"description": "路" * 4001}, "description", "最多 4000 字"),
        ({"category": "nope"}, "category", "没有“nope”这个类别"),
        ({"latitude": "39.9", "longitude": "116.4"}, "location", "不在本级政府的管辖范围内"),
    ],
)
def test_the_form_shows_each_refusal_on_its_field(world, client, data, field, reason):
    as_citizen(client, world["gov"], CITIZEN)
    post = {"category": "city", "description": "路灯不亮", "named": "0", **data}
    response = client.post("/h5/gov/wenzheng/new/", post)
    assert response.status_code == 400
    assert f'data-test="error-{field}"' in response.content.decode()
    assert reason in response.content.decode()
    assert not Inquiry.objects.exists()


def test_another_citizen_cannot_open_a_request_page(world, client):
    from .conftest import OTHER

    inquiry = submit(world)
    as_citizen(client, world["gov"], OTHER)
    assert client.get(f"/h5/gov/wenzheng/r/{inquiry.public_id}/").status_code == 404


def test_a_named_request_without_any_contact_is_refused(world):
    error = refused(world, is_anonymous=False)
    assert error.code == "contact_missing"


def test_the_form_takes_a_typed_name_and_phone_from_an_unbound_citizen(world, client):
    as_citizen(client, world["gov"], CITIZEN)
    page = client.get("/h5/gov/wenzheng/new/").content.decode()
    assert 'data-test="contact-name"' in page
    response = client.post(
        "/h5/gov/wenzheng/new/",
        {
            "category": "city",
            "description": "路灯不亮",
            "named": "1",
            "contact_name": "赵六",
            "contact_phone": "13700137000",
        },
    )
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert (inquiry.is_anonymous, inquiry.contact_name, inquiry.contact_phone) == (
        False,
        "赵六",
        "13700137000",
    )


def test_a_refused_browser_location_is_dropped_from_the_form_and_the_address_then_works(
    world, client
):
    as_citizen(client, world["gov"], CITIZEN)
    form = {"category": "city", "description": "路灯不亮", "named": "0", "address": "滨江大道16号"}
    refused_page = client.post(
        "/h5/gov/wenzheng/new/", {**form, "latitude": "39.904200", "longitude": "116.407400"}
    )
    html = refused_page.content.decode()
    assert refused_page.status_code == 400
    assert "不在本级政府的管辖范围内" in html
    assert "39.904200" not in html and "116.407400" not in html
    assert 'name="latitude" id="id_latitude" value=""' in html
    assert 'value="滨江大道16号"' in html
    # the re-rendered form posts no coordinates: the address is used
    assert client.post("/h5/gov/wenzheng/new/", form).status_code == 302
    inquiry = Inquiry.objects.get()
    assert (inquiry.address, inquiry.latitude, inquiry.longitude) == ("滨江大道16号", None, None)


def test_clear_the_location_shows_the_form_again_without_the_coordinates(world, client):
    as_citizen(client, world["gov"], CITIZEN)
    located = {"category": "city", "description": "路灯不亮", "named": "0"}
    page = client.get("/h5/gov/wenzheng/new/").content.decode()
    assert 'data-test="clear-location" hidden' in page
    cleared = client.post(
        "/h5/gov/wenzheng/new/",
        {**located, "latitude": "30.58", "longitude": "114.3", "clear_location": "1"},
    )
    html = cleared.content.decode()
    assert cleared.status_code == 200
    assert "30.58" not in html and 'value="路灯不亮"' not in html  # a textarea keeps the text
    assert "路灯不亮" in html
    assert not Inquiry.objects.exists()


def test_the_consent_says_what_is_published_and_where(world, client):
    """Consent publishes the description and the place through Open311 from the start, not
    only the answer on the board: the sentence says so (the catalogue's Chinese comes with the
    merge; the names Open311 and 100 m are in both languages)."""
    from weizheng.inquiries.wechat_handlers import consent_question

    as_citizen(client, world["gov"], CITIZEN)
    html = client.get("/h5/gov/wenzheng/new/").content.decode()
    label = html.split('data-test="consent"', 1)[1].split("</label>", 1)[0]
    assert "Open311" in label and "100" in label
    assert "同意将答复匿名公开在问政公开栏（不显示姓名）" not in html
    assert "Open311" in consent_question() and "100" in consent_question()
