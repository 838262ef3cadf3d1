"""GET requests.{format}, requests/{id}.{format} and tokens/{id}.{format}: the spec's fields,
filters (service_request_id list, service_code, status, start/end date, the 90-day default, at
most 1000), privacy (no personal data, nothing unconsented shown), XML escaping, and a request
followed from open to closed with the department's reply as its status notes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from weizheng.inquiries import actions as inquiry_actions
from weizheng.inquiries.models import Inquiry, InquiryStatus
from weizheng.inquiries.selectors import queue_for
from weizheng.open311.actions import do_create_client

from .conftest import CITIZEN, INSIDE, assert_schema, children, fields, submit, xml

SH = ZoneInfo("Asia/Shanghai")


def at(day, hour=10, month=11, year=2026):
    return time_machine.travel(datetime(year, month, day, hour, 0, tzinfo=SH), tick=False)


def ids(response):
    return [r["service_request_id"] for r in response.json()]


@pytest.fixture
def published(world):
    """A consented request with a phone number in its text, signed and replied by the police."""
    with at(23):  # Monday
        inquiry = submit(
            world,
            category="traffic",
            description="解放路口红绿灯太短，联系我13912345678",
            consent_publish=True,
            address="解放路与中山路交叉口",
            contact_name="王小明",
            contact_phone="13912345678",
            is_anonymous=False,
        )
    with at(24):
        inquiry_actions.check_sign(inquiry=inquiry, actor=world["pete"])
        inquiry_actions.check_reply(
            inquiry=inquiry, actor=world["pete"], reply="已将行人绿灯延长至35秒。"
        )
    return Inquiry.objects.get(pk=inquiry.pk)


@pytest.fixture
def private(world):
    """An unconsented request, still waiting to be signed for."""
    with at(25):
        return submit(world, category="city", description="我家楼下餐馆油烟扰民，我是王小明")


def test_the_list_has_the_spec_fields_and_no_personal_data_in_json(world, api, published, private):
    with at(26):
        response = api.get("/open311/v2/requests.json")
    assert response.status_code == 200
    body = response.json()
    assert [r["service_request_id"] for r in body] == [private.public_id, published.public_id]
    for item in body:
        assert_schema(item, "Request")
    shown, hidden = body[1], body[0]
    assert shown == {
        "service_request_id": published.public_id,
        "status": "closed",
        "status_notes": "已将行人绿灯延长至35秒。",
        "service_name": "交通出行",
        "service_code": "traffic",
        "description": "解放路口红绿灯太短，联系我139****5678",
        "agency_responsible": "平安市公安局交警支队",
        "service_notice": None,
        "requested_datetime": "2026-11-23T10:00:00+08:00",
        "updated_datetime": "2026-11-24T10:00:00+08:00",
        "expected_datetime": "2026-11-30T23:59:59+08:00",
        "address": "解放路与中山路交叉口",
        "address_id": None,
        "zipcode": None,
        "lat": INSIDE[0],
        "long": INSIDE[1],
        "media_url": None,
    }
    # Unconsented: the category, state, dates and department only.
    assert hidden["status"] == "open"
    assert hidden["description"] is None
    assert hidden["address"] is None
    assert hidden["lat"] is None and hidden["long"] is None
    assert hidden["status_notes"] == "The request was received and waits for the department."
    assert hidden["service_notice"].startswith("The department replies by 2026-")
    text = response.content.decode()
    for personal in ("王小明", "13912345678", CITIZEN):
        assert personal not in text


def test_the_list_in_xml_is_service_requests_of_request(world, api, published, private):
    with at(26):
        root = xml(api.get("/open311/v2/requests.xml"))
    assert root.tag == "service_requests"
    items = root.findall("request")
    assert len(items) == 2
    for item in items:
        assert set(children(item)) == fields("Request")
    shown = children(items[1])
    assert shown["status"] == "closed"
    assert shown["status_notes"] == "已将行人绿灯延长至35秒。"
    assert shown["lat"] == str(INSIDE[0])
    assert shown["description"] == "解放路口红绿灯太短，联系我139****5678"
    assert children(items[0])["description"] == ""
    assert "王小明".encode() not in api.get("/open311/v2/requests.xml").content


def test_one_request_in_json_and_xml(world, api, published):
    response = api.get(f"/open311/v2/requests/{published.public_id}.json")
    assert response.status_code == 200
    [item] = response.json()
    assert_schema(item, "Request")
    assert item["service_request_id"] == published.public_id
    root = xml(api.get(f"/open311/v2/requests/{published.public_id}.xml"))
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert set(children(request)) == fields("Request")
    assert request.findtext("status") == "closed"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_request_id_is_404(world, api, fmt):
    response = api.get(f"/open311/v2/requests/WZ20261126000000.{fmt}")
    assert response.status_code == 404
    description = "There is no request “WZ20261126000000”."
    if fmt == "json":
        assert response.json() == [{"code": 404, "description": description}]
    else:
        assert xml(response).findtext("error/description") == description


def test_a_request_of_another_jurisdiction_is_404(world, api, published):
    from weizheng.inquiries.models import Category

    Category.objects.create(
        account=world["police_account"], code="parking", name="违停", department=world["traffic"]
    )
    response = api.get(
        f"/open311/v2/requests/{published.public_id}.json", {"jurisdiction_id": "police"}
    )
    assert response.status_code == 404


def test_the_token_maps_to_the_request_id_in_json_and_xml(world, api, published):
    response = api.get(f"/open311/v2/tokens/{published.public_id}.json")
    assert response.status_code == 200
    assert response.json() == [
        {"service_request_id": published.public_id, "token": published.public_id}
    ]
    assert_schema(response.json()[0], "TokenResponse")
    root = xml(api.get(f"/open311/v2/tokens/{published.public_id}.xml"))
    assert root.tag == "service_requests"
    assert set(children(root.find("request"))) == fields("TokenResponse")
    assert api.get("/open311/v2/tokens/nope.json").status_code == 404


def test_filters_by_service_code_and_status(world, api, published, private):
    with at(26):
        assert ids(api.get("/open311/v2/requests.json", {"service_code": "traffic"})) == [
            published.public_id
        ]
        assert ids(api.get("/open311/v2/requests.json", {"service_code": "traffic,city"})) == [
            private.public_id,
            published.public_id,
        ]
        assert ids(api.get("/open311/v2/requests.json", {"status": "open"})) == [private.public_id]
        assert ids(api.get("/open311/v2/requests.json", {"status": "closed"})) == [
            published.public_id
        ]
        assert len(ids(api.get("/open311/v2/requests.json", {"status": "open,closed"}))) == 2
        bad_code = api.get("/open311/v2/requests.json", {"service_code": "potholes"})
        bad_status = api.get("/open311/v2/requests.xml", {"status": "pending"})
    assert bad_code.status_code == 400
    assert bad_code.json()[0]["description"].startswith("There is no service “potholes”")
    assert bad_status.status_code == 400
    assert xml(bad_status).findtext("error/description") == (
        "status is open, closed or both (open,closed)."
    )


def test_filters_by_start_and_end_date(world, api, published, private):
    with at(26):
        get = lambda **q: ids(api.get("/open311/v2/requests.json", q))  # noqa: E731
        assert get(start_date="2026-11-24T00:00:00+08:00") == [private.public_id]
        assert get(end_date="2026-11-24T00:00:00+08:00") == [published.public_id]
        assert get(start_date="2026-11-23T02:00:00Z", end_date="2026-11-25T02:00:00Z") == [
            published.public_id
        ]
        for bad, reason in (
            ({"start_date": "yesterday"}, "start_date must be a W3C date and time"),
            (
                {
                    "start_date": "2026-11-25T00:00:00+08:00",
                    "end_date": "2026-11-24T00:00:00+08:00",
                },
                "end_date is before start_date.",
            ),
            (
                {
                    "start_date": "2026-01-01T00:00:00+08:00",
                    "end_date": "2026-11-24T00:00:00+08:00",
                },
                "start_date and end_date may span at most 90 days.",
            ),
        ):
            response = api.get("/open311/v2/requests.json", bad)
            assert response.status_code == 400
            assert response.json()[0]["description"].startswith(reason)


def test_service_request_id_takes_a_comma_list_and_overrides_other_filters(
    world, api, published, private
):
    response = api.get(
        "/open311/v2/requests.json",
        {
            "service_request_id": f"{published.public_id},WZ00000000000000,{private.public_id}",
            "status": "open",
            "service_code": "water",
        },
    )
    assert ids(response) == [private.public_id, published.public_id]


def test_the_default_span_is_the_last_90_days(world, api):
    with at(20, month=8):
        old = submit(world, description="八月的旧诉求：滨江路井盖松动")
    with at(1, month=9):
        recent = submit(world, description="九月的诉求：滨江路井盖又松动了")
    with at(26):  # 29 August is 89 days before 26 November
        assert ids(api.get("/open311/v2/requests.json")) == [recent.public_id]
        assert ids(
            api.get("/open311/v2/requests.json", {"start_date": "2026-08-01T00:00:00+08:00"})
        ) == [recent.public_id, old.public_id]


def test_at_most_1000_requests_are_listed_newest_first(world, api):
    now = timezone.now()
    category = world["categories"]["city"]
    Inquiry.objects.bulk_create(
        Inquiry(
            account=world["gov"],
            public_id=f"WZBULK{n:06d}",
            channel="h5",
            category=category,
            department=world["office"],
            description=f"第{n}条",
            submitted_at=now - timedelta(minutes=n),
        )
        for n in range(1001)
    )
    listed = ids(api.get("/open311/v2/requests.json"))
    assert len(listed) == 1000
    assert listed[0] == "WZBULK000000"
    assert listed[-1] == "WZBULK000999"


def test_xml_escapes_chinese_and_markup_in_descriptions(world, api):
    text = '路灯<script>alert("x")</script> & 井盖 ]]> <![CDATA[ 损坏'
    inquiry = submit(world, description=text, consent_publish=True)
    response = api.get(f"/open311/v2/requests/{inquiry.public_id}.xml")
    assert b"<script>" not in response.content
    assert b"&lt;script&gt;" in response.content
    assert b"&amp; " in response.content
    assert "井盖".encode() in response.content  # UTF-8 as is, not character references
    assert xml(response).findtext("request/description") == text
    assert (
        api.get(f"/open311/v2/requests/{inquiry.public_id}.json").json()[0]["description"] == text
    )


def test_the_client_that_sent_a_request_sees_its_text_though_unconsented(world, api):
    response = api.post(
        "/open311/v2/requests.json",
        {
            "api_key": world["key"],
            "service_code": "city",
            "description": "建设路菜市场门口垃圾堆积",
            "address_string": "建设路菜市场",
        },
    )
    public_id = response.json()[0]["service_request_id"]
    anonymous = api.get(f"/open311/v2/requests/{public_id}.json").json()[0]
    assert anonymous["description"] is None
    _client, other_key = do_create_client(name="other")
    other = api.get(f"/open311/v2/requests/{public_id}.json", {"api_key": other_key}).json()[0]
    assert other["description"] is None
    own = api.get(f"/open311/v2/requests/{public_id}.json", {"api_key": world["key"]}).json()[0]
    assert own["description"] == "建设路菜市场门口垃圾堆积"
    assert own["address"] == "建设路菜市场"
    bad = api.get(f"/open311/v2/requests/{public_id}.json", {"api_key": "o311_wrong"})
    assert bad.status_code == 403


def test_an_open311_request_is_worked_in_the_back_office_and_closes_with_the_reply(world, api):
    with at(25):
        response = api.post(
            "/open311/v2/requests.xml",
            {
                "api_key": world["key"],
                "service_code": "traffic",
                "description": "人民路学校门口早高峰违停严重",
                "lat": str(INSIDE[0]),
                "long": str(INSIDE[1]),
                "media_url": "https://hotline.example.cn/photos/1.jpg",
                "attribute[consent_publish]": "yes",
            },
        )
    public_id = xml(response).findtext("request/service_request_id")
    url = f"/open311/v2/requests/{public_id}.json"
    [inquiry] = queue_for(world["pete"])
    assert inquiry.public_id == public_id
    before = api.get(url).json()[0]
    assert before["status"] == "open"
    assert before["status_notes"] == "The request was received and waits for the department."
    assert before["media_url"] == "https://hotline.example.cn/photos/1.jpg"
    with at(26):
        inquiry_actions.check_sign(inquiry=inquiry, actor=world["pete"])
        assert api.get(url).json()[0]["status_notes"] == "The department has taken the request on."
        inquiry_actions.check_reply(
            inquiry=Inquiry.objects.get(pk=inquiry.pk),
            actor=world["pete"],
            reply="已安排交警早高峰在校门口执勤，违停将被处罚。",
        )
        after = api.get(url).json()[0]
    assert after["status"] == "closed"
    assert after["status_notes"] == "已安排交警早高峰在校门口执勤，违停将被处罚。"
    assert after["updated_datetime"] == "2026-11-26T10:00:00+08:00"
    assert Inquiry.objects.get(pk=inquiry.pk).status == InquiryStatus.REPLIED
    root = xml(api.get(f"/open311/v2/requests/{public_id}.xml"))
    assert root.findtext("request/status") == "closed"
    assert root.findtext("request/status_notes") == "已安排交警早高峰在校门口执勤，违停将被处罚。"


def test_a_reopened_request_is_open_again_with_the_masked_reason(world, api, published):
    with at(25):
        inquiry_actions.check_reopen(
            inquiry=published, reason="绿灯还是太短，请回电13912345678", openid=CITIZEN
        )
        [item] = api.get(f"/open311/v2/requests/{published.public_id}.json").json()
    assert item["status"] == "open"
    assert item["status_notes"] == "绿灯还是太短，请回电139****5678"


def test_a_consented_request_hidden_by_a_supervisor_is_withheld(world, api, published):
    Inquiry.objects.filter(pk=published.pk).update(is_hidden=True)
    [item] = api.get(f"/open311/v2/requests/{published.public_id}.json").json()
    assert item["description"] is None
    assert item["address"] is None
    assert item["status_notes"] == "The department has replied."


def test_a_closed_request_is_dated_by_its_reply_not_by_the_rating(world, api, published):
    with at(27):
        inquiry_actions.check_rate(inquiry=published, openid=CITIZEN, score=3, is_resolved=True)
    [item] = api.get(f"/open311/v2/requests/{published.public_id}.json").json()
    assert item["status"] == "closed"
    assert item["updated_datetime"] == "2026-11-24T10:00:00+08:00"


def test_others_see_the_place_rounded_to_about_100_m_and_numbers_in_the_address_masked(world, api):
    """A citizen's consented request: the exact point and an address with a phone number go to
    nobody; the hotline's own request comes back to the hotline as it sent it."""
    from weizheng.open311.selectors import request_fields

    citizens = submit(
        world,
        location=(30.583217, 114.296145),
        address="幸福里3栋 13912345678",
        consent_publish=True,
    )
    item = api.get(f"/open311/v2/requests/{citizens.public_id}.json").json()[0]
    assert (item["lat"], item["long"]) == (30.583, 114.296)
    assert item["address"] == "幸福里3栋 139****5678"
    body = api.get(f"/open311/v2/requests/{citizens.public_id}.xml").content.decode()
    assert "<lat>30.583</lat>" in body and "30.583217" not in body and "13912345678" not in body
    # the same rounding for any other client; the filer's own request is as it was sent
    assert request_fields(citizens, world["hotline"])["lat"] == 30.583
    filed = submit(
        world,
        location=(30.583217, 114.296145),
        channel="open311",
        openid="",
        api_client=world["hotline"].label,
    )
    mine = request_fields(filed, world["hotline"])
    assert (mine["lat"], mine["long"]) == (30.583217, 114.296145)
    assert request_fields(filed, world["county_app"])["lat"] is None  # no consent: withheld
