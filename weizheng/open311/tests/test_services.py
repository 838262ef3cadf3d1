"""Discovery, the service list and service definitions, in JSON and XML, against the Swagger
document's field lists; the jurisdiction rule (jurisdiction_id needed only when several accounts
run 问政); unknown service codes and formats refused in the spec's error shape."""

from __future__ import annotations

import json

import pytest

from weizheng.inquiries.models import Category

from .conftest import SWAGGER, assert_schema, children, fields, submit, xml


def test_discovery_names_the_endpoint_its_formats_and_the_one_jurisdiction(world, api):
    response = api.get("/open311/v2/discovery.json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "changeset",
        "contact",
        "key_service",
        "endpoints",
        "jurisdiction_id_required",
        "jurisdictions",
    }
    [endpoint] = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert body["jurisdiction_id_required"] is False
    assert body["jurisdictions"] == [{"jurisdiction_id": "gov", "name": "平安市政务服务"}]

    root = xml(api.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    assert root.findtext("jurisdiction_id_required") == "false"
    assert root.findtext("jurisdictions/jurisdiction/jurisdiction_id") == "gov"


def test_services_list_the_active_categories_with_the_spec_fields(world, api):
    Category.objects.filter(code="water").update(is_active=False)
    response = api.get("/open311/v2/services.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert [s["service_code"] for s in body] == ["traffic", "city"]
    for service in body:
        assert_schema(service, "Service")
    assert body[0] == {
        "service_code": "traffic",
        "service_name": "交通出行",
        "description": "红绿灯、道路拥堵、违停",
        "metadata": True,
        "type": "realtime",
        "keywords": "交通出行",
        "group": "问政",
    }

    root = xml(api.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    items = root.findall("service")
    assert [children(s)["service_code"] for s in items] == ["traffic", "city"]
    assert all(set(children(s)) == fields("Service") for s in items)
    assert children(items[0])["service_name"] == "交通出行"
    assert children(items[0])["metadata"] == "true"
    assert children(items[1])["description"] == ""


def test_a_service_definition_asks_for_consent_and_states_the_time_limits(world, api):
    response = api.get("/open311/v2/services/traffic.json")
    assert response.status_code == 200
    body = response.json()
    assert_schema(body, "ServiceDefinition")
    assert body["service_code"] == "traffic"
    consent, limits = body["attributes"]
    for attribute in body["attributes"]:
        assert_schema(attribute, "ServiceAttribute")
    assert consent["code"] == "consent_publish"
    assert consent["variable"] is True
    assert consent["datatype"] == "singlevaluelist"
    assert consent["required"] is False
    assert consent["order"] == 1
    assert [v["key"] for v in consent["values"]] == ["yes", "no"]
    for value in consent["values"]:
        assert_schema(value, "AttributeValue")
    assert limits["variable"] is False
    assert limits["datatype"] == "text"
    assert limits["description"] == (
        "The department signs for a request within 1 working day and replies within 5 working days."
    )

    urgent = api.get("/open311/v2/services/water.json").json()
    assert "urgent" in urgent["attributes"][1]["description"]

    root = xml(api.get("/open311/v2/services/traffic.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "traffic"
    attributes = root.findall("attributes/attribute")
    assert len(attributes) == 2
    assert set(children(attributes[0])) == fields("ServiceAttribute")
    assert children(attributes[0])["variable"] == "true"
    assert [v.findtext("key") for v in attributes[0].findall("values/value")] == ["yes", "no"]
    assert {c.tag for c in attributes[0].find("values/value")} == fields("AttributeValue")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_a_400_in_the_spec_error_list(world, api, fmt):
    response = api.get(f"/open311/v2/services/potholes.{fmt}")
    assert response.status_code == 400
    if fmt == "json":
        assert response.json() == [
            {
                "code": 400,
                "description": "There is no service “potholes”; see services.json for the list.",
            }
        ]
    else:
        root = xml(response)
        assert root.tag == "errors"
        [error] = root.findall("error")
        assert error.findtext("code") == "400"
        assert "potholes" in error.findtext("description")


def test_an_unsupported_format_is_refused_in_json(world, api):
    response = api.get("/open311/v2/services.html")
    assert response.status_code == 400
    assert response.json() == [
        {"code": 400, "description": "Only the formats json and xml are served."}
    ]


def test_a_method_other_than_get_is_refused_on_services(world, api):
    response = api.post("/open311/v2/services.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()[0]["code"] == 405


@pytest.fixture
def second_jurisdiction(world):
    Category.objects.create(
        account=world["police_account"], code="parking", name="违停", department=world["traffic"]
    )
    return world["police_account"]


def test_with_two_accounts_running_wenzheng_jurisdiction_id_is_required(
    world, api, second_jurisdiction
):
    discovery = api.get("/open311/v2/discovery.json").json()
    assert discovery["jurisdiction_id_required"] is True
    assert [j["jurisdiction_id"] for j in discovery["jurisdictions"]] == ["gov", "police"]

    response = api.get("/open311/v2/services.json")
    assert response.status_code == 400
    assert response.json()[0]["description"] == (
        "This endpoint serves several jurisdictions: give jurisdiction_id (one of gov, police)."
    )
    police = api.get("/open311/v2/services.json", {"jurisdiction_id": "police"}).json()
    assert [s["service_code"] for s in police] == ["parking"]
    gov = api.get("/open311/v2/services.xml", {"jurisdiction_id": "gov"})
    assert len(xml(gov).findall("service")) == 3


def test_a_client_limited_to_one_account_needs_no_jurisdiction_id(world, api, second_jurisdiction):
    response = api.get("/open311/v2/services.json", {"api_key": world["county_key"]})
    assert [s["service_code"] for s in response.json()] == ["parking"]


def test_an_unknown_jurisdiction_is_a_404(world, api):
    response = api.get("/open311/v2/services.xml", {"jurisdiction_id": "atlantis"})
    assert response.status_code == 404
    root = xml(response)
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description") == "There is no jurisdiction “atlantis” here."
    # An account that does not run 问政 is no jurisdiction either.
    response = api.get("/open311/v2/services.json", {"jurisdiction_id": "police"})
    assert response.status_code == 404
    assert json.loads(response.content)[0]["code"] == 404


def test_every_path_of_the_swagger_document_is_served_in_both_formats(world, api):
    inquiry = submit(world)
    values = {"service_code": "traffic", "service_request_id": inquiry.public_id}
    values["token_id"] = inquiry.public_id
    for path, operations in SWAGGER["paths"].items():
        for fmt in ("json", "xml"):
            url = "/open311/v2" + path.format(response_format=fmt, **values)
            for method in operations:
                if method == "post":
                    response = api.post(
                        url,
                        {
                            "api_key": world["key"],
                            "service_code": "city",
                            "description": "路灯不亮",
                            "address_string": "滨江大道16号",
                        },
                    )
                else:
                    response = api.get(url)
                assert response.status_code == 200, (method, url, response.content)
                expected = "application/json" if fmt == "json" else "text/xml"
                assert response["Content-Type"].startswith(expected)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
@pytest.mark.parametrize(
    "path", ["discovery", "services", "services/city", "requests/{id}", "tokens/{id}"]
)
def test_a_write_to_a_read_only_resource_is_the_specs_405_never_the_csrf_page(
    world, fmt, method, path
):
    """A browser-less client without cookies, as real API clients are: CSRF is not checked on
    a key-authenticated API, the method is."""
    from django.test import Client

    inquiry = submit(world)
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    url = f"/open311/v2/{path.format(id=inquiry.public_id)}.{fmt}"
    response = getattr(strict, method)(url, {"api_key": "whatever"})
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert b"CSRF" not in response.content
    if fmt == "json":
        assert response.json() == [
            {"code": 405, "description": "This address does not accept that method."}
        ]
    else:
        [error] = xml(response).findall("error")
        assert error.findtext("code") == "405"
        assert error.findtext("description") == "This address does not accept that method."


def test_a_put_to_requests_is_405_with_post_allowed(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    response = strict.put("/open311/v2/requests.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, HEAD"
    assert response.json()[0]["code"] == 405
