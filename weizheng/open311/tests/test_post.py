"""POST requests.{format}: an API client's request lands in the department's queue through the
inquiries app's action, audited; a bad key, an unknown service, empty or over-long text, a place
outside the jurisdiction, a foreign jurisdiction and a burst beyond the rate limit are refused
with the reason — and nothing is created."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.core.models import AuditLog
from weizheng.inquiries.models import Channel, Inquiry, InquiryStatus
from weizheng.inquiries.selectors import queue_for

from .conftest import INSIDE, OUTSIDE, fields, xml

URL = "/open311/v2/requests.{fmt}"


def post(api, world, fmt="json", **data):
    body = {
        "api_key": world["key"],
        "service_code": "traffic",
        "description": "解放路与中山路口的行人绿灯只有15秒，老人过不去",
        "lat": str(INSIDE[0]),
        "long": str(INSIDE[1]),
        **data,
    }
    return api.post(URL.format(fmt=fmt), {k: v for k, v in body.items() if v is not None})


def test_a_client_posts_a_request_that_reaches_the_department_queue(world, api):
    response = post(api, world, address_string="解放路与中山路交叉口")
    assert response.status_code == 200
    [answer] = response.json()
    assert set(answer) <= fields("RequestResponse")
    assert all(isinstance(value, str) for value in answer.values())
    inquiry = Inquiry.objects.get()
    assert answer["service_request_id"] == inquiry.public_id
    assert answer["service_notice"].startswith("The department replies by ")
    assert inquiry.channel == Channel.OPEN311
    assert inquiry.api_client == "open311:hotline"
    assert inquiry.openid == ""
    assert inquiry.is_anonymous is True
    assert inquiry.consent_publish is False
    assert inquiry.address == "解放路与中山路交叉口"
    assert (inquiry.latitude, inquiry.longitude) == INSIDE
    assert inquiry.department == world["traffic"]
    assert inquiry.status == InquiryStatus.RECEIVED
    assert list(queue_for(world["pete"])) == [inquiry]
    assert list(queue_for(world["dan"])) == []
    created = AuditLog.objects.get(action="open311.request.created")
    assert created.actor_label == "open311:hotline"
    assert created.ip_address == "127.0.0.1"
    assert created.detail == {"public_id": inquiry.public_id, "service_code": "traffic"}
    assert AuditLog.objects.filter(
        action="inquiries.inquiry.submitted", actor_label="open311:hotline"
    ).exists()


def test_a_post_answers_in_xml_with_service_requests_and_request(world, api):
    response = post(api, world, fmt="xml", **{"attribute[consent_publish]": "yes"})
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "service_requests"
    [request] = root.findall("request")
    assert {child.tag for child in request} <= fields("RequestResponse")
    inquiry = Inquiry.objects.get()
    assert request.findtext("service_request_id") == inquiry.public_id
    assert inquiry.consent_publish is True


def test_contact_details_make_a_named_request(world, api):
    post(api, world, first_name="小明", last_name="王", phone="13912345678", email="w@example.cn")
    inquiry = Inquiry.objects.get()
    assert inquiry.is_anonymous is False
    assert inquiry.contact_name == "王小明"
    assert inquiry.contact_phone == "13912345678"
    assert inquiry.contact_email == "w@example.cn"


def test_the_api_post_needs_no_csrf_token(world):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    assert post(strict, world).status_code == 200
    assert Inquiry.objects.count() == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", ["", "o311_not-a-key", "revoked"])
def test_a_missing_bad_or_revoked_key_is_403_and_nothing_is_created(world, api, fmt, key):
    if key == "revoked":
        from weizheng.open311.actions import do_revoke_client

        do_revoke_client(name="hotline")
        key = world["key"]
    response = post(api, world, fmt=fmt, api_key=key)
    assert response.status_code == 403
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 403
        assert error["description"] in (
            "The api_key is not valid.",
            "An api_key is required to post.",
        )
    else:
        assert xml(response).findtext("error/code") == "403"
    assert not Inquiry.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="open311.request").exists()


def refused(response, status, description, fmt="json"):
    assert response.status_code == status
    if fmt == "json":
        assert response.json() == [{"code": status, "description": description}]
    else:
        root = xml(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == str(status)
        assert root.findtext("error/description") == description
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_400(world, api, fmt):
    refused(
        post(api, world, fmt=fmt, service_code="potholes"),
        400,
        "There is no service “potholes”; see services.json for the list.",
        fmt,
    )
    audit = AuditLog.objects.get(action="open311.request.refused")
    assert audit.actor_label == "open311:hotline"
    assert audit.detail == {"code": "unknown_service_code", "service_code": "potholes"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_empty_description_is_400(world, api, fmt):
    refused(
        post(api, world, fmt=fmt, description="  \n "),
        400,
        "Describe your question or complaint.",
        fmt,
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_description_over_4000_characters_is_400(world, api, fmt):
    refused(
        post(api, world, fmt=fmt, description="路" * 4001),
        400,
        "The description is 4001 characters long; at most 4000 are accepted.",
        fmt,
    )


def test_a_description_of_exactly_4000_characters_is_accepted(world, api):
    assert post(api, world, description="路" * 4000).status_code == 200
    assert len(Inquiry.objects.get().description) == 4000


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_place_outside_the_jurisdiction_is_400(world, api, fmt):
    refused(
        post(api, world, fmt=fmt, lat=str(OUTSIDE[0]), long=str(OUTSIDE[1])),
        400,
        "This place is outside the area this government serves; ask the government of that place.",
        fmt,
    )


def test_a_request_without_any_place_is_400(world, api):
    refused(
        post(api, world, lat=None, long=None),
        400,
        "Give the place: lat and long, address_string or address_id.",
    )


def test_an_address_alone_is_a_place(world, api):
    assert post(api, world, lat=None, long=None, address_string="滨江大道16号").status_code == 200
    inquiry = Inquiry.objects.get()
    assert inquiry.latitude is None
    assert inquiry.address == "滨江大道16号"


def test_an_unknown_attribute_or_value_is_400(world, api):
    refused(
        post(api, world, **{"attribute[colour]": "red"}),
        400,
        "The service “traffic” has no attribute “colour”.",
    )
    refused(
        post(api, world, **{"attribute[consent_publish]": "maybe"}),
        400,
        "The attribute “consent_publish” takes one of: no, yes.",
    )


def test_a_media_url_that_is_not_http_is_400(world, api):
    refused(
        post(api, world, media_url="javascript:alert(1)"),
        400,
        "The media address must be an http(s) URL.",
    )


def test_a_key_limited_to_another_account_may_not_post_here(world, api):
    refused(
        post(api, world, api_key=world["county_key"], jurisdiction_id="gov"),
        403,
        "This API key may not post to the jurisdiction “gov”.",
    )


def test_posts_beyond_the_rate_limit_are_429_until_the_window_ends(world, api, settings):
    settings.OPEN311_POST_LIMIT = 2
    assert post(api, world).status_code == 200
    assert post(api, world, description="第二条：解放路公交站台破损").status_code == 200
    response = post(api, world, description="第三条")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()[0]["description"].startswith("Too many requests from this API key")
    assert Inquiry.objects.count() == 2
    assert AuditLog.objects.filter(action="open311.request.created").count() == 2
    assert not AuditLog.objects.filter(action="open311.request.refused").exists()
    # Another client's allowance is its own.
    from weizheng.open311.actions import do_create_client

    _client, other_key = do_create_client(name="other")
    assert post(api, world, api_key=other_key, description="第三条").status_code == 200


def test_parameters_in_the_query_string_are_read_as_the_swagger_document_declares(world, api):
    query = (
        f"api_key={world['key']}&jurisdiction_id=gov&service_code=city"
        "&address_string=%E6%BB%A8%E6%B1%9F%E5%A4%A7%E9%81%93&attribute[consent_publish]=yes"
    )
    response = api.post(f"/open311/v2/requests.json?{query}", {"description": "滨江大道路灯不亮"})
    assert response.status_code == 200
    inquiry = Inquiry.objects.get()
    assert (inquiry.category.code, inquiry.address, inquiry.consent_publish) == (
        "city",
        "滨江大道",
        True,
    )
