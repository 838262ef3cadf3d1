"""Back-office pages of 综合查询: records.configure only, per account; the HTTP connector's
mapping validated on save, secrets sealed at rest and never shown back, test connection."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client

from weizheng.core.models import AuditLog
from weizheng.records.models import HttpConnectorConfig, QuerySetting
from weizheng.staff.testing import login_staff

from .test_http_connector import ANSWER, VIOLATIONS_MAPPING

pytestmark = pytest.mark.django_db


def office(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


def base(account):
    return f"/office/accounts/{account.pk}/records/"


def connector_form(url, **overrides):
    data = {
        "url_template": url,
        "method": "GET",
        "body_template": "",
        "auth_kind": "bearer",
        "auth_username": "",
        "secret": "tok-SECRET-9f8e7d",
        "signature_header": "X-Weizheng-Signature",
        "timeout_seconds": "2",
        "mapping": json.dumps(VIOLATIONS_MAPPING, ensure_ascii=False),
    }
    data.update(overrides)
    return data


def test_an_administrator_sees_every_query_type_and_turns_one_on(plain_account, staff):
    client = office(staff["alice"])
    page = client.get(base(plain_account))
    assert page.status_code == 200
    for code in ("violations", "licence-points", "social-insurance", "housing-fund", "exit-entry"):
        assert f'data-type="{code}"' in page.content.decode()

    answer = client.post(base(plain_account) + "violations/mode/", {"mode": "demo"})

    assert answer.status_code == 302
    assert QuerySetting.objects.get(account=plain_account, query_type="violations").mode == "demo"
    row = AuditLog.objects.get(action="records.mode_changed")
    assert row.actor == staff["alice"] and row.detail == {
        "query_type": "violations",
        "from": "off",
        "to": "demo",
    }


def test_a_clerk_without_records_configure_gets_403_and_changes_nothing(plain_account, staff):
    client = office(staff["bob"])
    assert client.get(base(plain_account)).status_code == 403
    assert (
        client.post(base(plain_account) + "violations/mode/", {"mode": "demo"}).status_code == 403
    )
    assert (
        client.post(
            base(plain_account) + "violations/http/", connector_form("https://x.gov.cn/a")
        ).status_code
        == 403
    )
    assert not QuerySetting.objects.exists() and not HttpConnectorConfig.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="records.").exists()


def test_an_administrator_of_another_account_gets_404_and_changes_nothing(plain_account, staff):
    client = office(staff["carol"])
    assert client.get(base(plain_account)).status_code == 404
    assert (
        client.post(base(plain_account) + "violations/mode/", {"mode": "demo"}).status_code == 404
    )
    assert (
        client.post(
            base(plain_account) + "violations/http/", connector_form("https://x.gov.cn/a")
        ).status_code
        == 404
    )
    assert client.post(base(plain_account) + "violations/http/test/", {}).status_code == 404
    assert not QuerySetting.objects.exists() and not HttpConnectorConfig.objects.exists()


def test_someone_not_signed_in_is_sent_to_the_login(plain_account):
    answer = Client().get(base(plain_account))
    assert answer.status_code == 302 and "/office/" in answer["Location"]


def test_choosing_the_http_connector_before_configuring_it_is_refused(plain_account, staff):
    client = office(staff["alice"])
    page = client.post(base(plain_account) + "violations/mode/", {"mode": "http"}, follow=True)
    assert "Configure the HTTP connector" in page.content.decode()
    assert not QuerySetting.objects.exists()


def test_saving_a_connector_seals_the_secret_and_never_shows_it_back(plain_account, staff):
    client = office(staff["alice"])

    answer = client.post(
        base(plain_account) + "violations/http/",
        connector_form("https://jj.pingan.gov.cn/wf?hphm={plate}&sfzh={id_number}"),
    )

    assert answer.status_code == 302
    config = HttpConnectorConfig.objects.get(account=plain_account, query_type="violations")
    assert config.auth_secret == "tok-SECRET-9f8e7d"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT auth_secret FROM records_httpconnectorconfig WHERE id = %s", [config.pk]
        )
        stored = cursor.fetchone()[0]
    assert "tok-SECRET" not in stored and len(stored) > 20
    page = client.get(base(plain_account) + "violations/http/").content.decode()
    assert "tok-SECRET" not in page and "9f8e7d" not in page
    assert "A secret is stored" in page
    audit = AuditLog.objects.get(action="records.connector_saved")
    assert "tok-SECRET" not in json.dumps(audit.detail)
    assert audit.detail["secret_changed"] is True and audit.detail["host"] == "jj.pingan.gov.cn"


def test_an_empty_secret_keeps_the_stored_one_and_no_auth_removes_it(plain_account, staff):
    client = office(staff["alice"])
    url = base(plain_account) + "violations/http/"
    client.post(url, connector_form("https://jj.pingan.gov.cn/wf?hphm={plate}"))
    client.post(url, connector_form("https://jj.pingan.gov.cn/v2/wf?hphm={plate}", secret=""))
    config = HttpConnectorConfig.objects.get()
    assert config.auth_secret == "tok-SECRET-9f8e7d" and "/v2/" in config.url_template

    client.post(
        url,
        connector_form("https://jj.pingan.gov.cn/v2/wf?hphm={plate}", auth_kind="none", secret=""),
    )
    config.refresh_from_db()
    assert config.auth_secret == "" and config.auth_kind == "none"


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        (
            {"mapping": json.dumps({"records": "data.list", "fields": {"behaviour": "wfxw"}})},
            "Record fields without a path",
        ),
        (
            {
                "mapping": json.dumps(
                    {
                        **VIOLATIONS_MAPPING,
                        "fields": {**VIOLATIONS_MAPPING["fields"], "colour": "ys"},
                    }
                )
            },
            "is not a record field",
        ),
        (
            {"mapping": json.dumps({**VIOLATIONS_MAPPING, "records": "data..list"})},
            "is not a valid path",
        ),
        ({"mapping": "{not json"}, "not valid JSON"),
        (
            {
                "mapping": json.dumps(
                    {
                        **VIOLATIONS_MAPPING,
                        "fields": {
                            **VIOLATIONS_MAPPING["fields"],
                            "place": {"path": "wfdz", "unit": "yuan"},
                        },
                    }
                )
            },
            "only amounts have a unit",
        ),
        ({"url_template": "ftp://jj.pingan.gov.cn/wf"}, "http:// or https://"),
        ({"url_template": "https://{plate}.pingan.gov.cn/wf"}, "may not be part of the host"),
        ({"url_template": "https://jj.pingan.gov.cn/wf?x={password}"}, "Unknown placeholders"),
        ({"auth_kind": "basic", "auth_username": ""}, "user name"),
        ({"auth_kind": "hmac", "auth_username": "k", "secret": ""}, "needs a secret"),
        ({"timeout_seconds": "60"}, "less than or equal to 15"),
        ({"body_template": json.dumps({"sfzh": "{id_number}"})}, "Only a POST sends a body"),
    ],
)
def test_a_bad_connector_is_refused_with_the_reason_and_nothing_is_saved(
    plain_account, staff, overrides, field_error
):
    client = office(staff["alice"])
    answer = client.post(
        base(plain_account) + "violations/http/",
        connector_form("https://jj.pingan.gov.cn/wf?hphm={plate}", **overrides),
    )

    assert answer.status_code == 400
    assert field_error in answer.content.decode()
    assert not HttpConnectorConfig.objects.exists()
    assert not AuditLog.objects.filter(action="records.connector_saved").exists()
    assert "tok-SECRET" not in answer.content.decode()


def test_test_connection_calls_the_saved_connector_and_shows_the_mapped_records(
    plain_account, staff, backend
):
    backend.json("/wf", ANSWER)
    client = office(staff["alice"])
    client.post(
        base(plain_account) + "violations/http/",
        connector_form(backend.url + "/wf?hphm={plate}&sfzh={id_number}"),
    )

    page = client.post(
        base(plain_account) + "violations/http/test/",
        {
            "test-name": "张三",
            "test-id_number": "11010519491231002X",
            "test-phone": "",
            "test-plate": "粤B12345",
        },
    )

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-outcome="ok"' in html and "机动车违反禁止标线指示的" in html and "¥200.00" in html
    assert backend.requests[0]["headers"]["Authorization"] == "Bearer tok-SECRET-9f8e7d"
    assert "tok-SECRET" not in html
    config = HttpConnectorConfig.objects.get()
    assert config.last_test_outcome == "ok" and config.last_tested_at is not None
    assert AuditLog.objects.get(action="records.connector_tested").detail["outcome"] == "ok"


def test_test_connection_shows_a_failure(plain_account, staff, backend):
    backend.raw("/wf", b"oops", status=500)
    client = office(staff["alice"])
    client.post(
        base(plain_account) + "violations/http/", connector_form(backend.url + "/wf?hphm={plate}")
    )

    page = client.post(
        base(plain_account) + "violations/http/test/",
        {"test-name": "张三", "test-id_number": "11010519491231002X", "test-plate": "粤B12345"},
    )

    assert 'data-outcome="unavailable"' in page.content.decode()
    assert HttpConnectorConfig.objects.get().last_test_outcome == "unavailable"


def test_the_http_connector_serves_citizens_once_chosen(plain_account, staff, backend, zhang):
    from .conftest import ZHANG, as_citizen

    backend.json("/wf", ANSWER)
    client = office(staff["alice"])
    client.post(
        base(plain_account) + "violations/http/",
        connector_form(backend.url + "/wf?hphm={plate}&sfzh={id_number}"),
    )
    client.post(base(plain_account) + "violations/mode/", {"mode": "http"})

    page = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="en"), plain_account, ZHANG).post(
        "/h5/police/records/violations/", {"plate": "粤B12345"}
    )

    assert page.status_code == 200
    assert "机动车违反禁止标线指示的" in page.content.decode()
    assert AuditLog.objects.get(action="records.query").detail["connector"] == "http"


class _FormReader(HTMLParser):
    """The fields of the connector form as a browser would post them back."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.inside = False
        self.textarea = ""
        self.select = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("data-testid") == "connector-form"
        elif not self.inside:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.data[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.data[self.textarea] = ""
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = ""
        elif tag == "select":
            self.select = ""

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def posted_back(page) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(page.content.decode())
    reader.data["body_template"] = reader.data.get("body_template", "").lstrip("\n")
    reader.data["mapping"] = reader.data.get("mapping", "").lstrip("\n")
    return reader.data


@pytest.mark.parametrize("legacy_units", [False, True])
def test_the_demo_connector_saves_again_unchanged(plain_account, staff, legacy_units):
    """Saving the edit form as shown, without changes, saves (a unit was written on every field
    and then refused on the non-amount ones)."""
    from weizheng.records.demo import _save_exit_entry_connector

    _save_exit_entry_connector(plain_account)
    config = HttpConnectorConfig.objects.get()
    assert all("unit" not in entry for entry in config.mapping["fields"].values())
    if legacy_units:  # as saved before the fix: "unit": "fen" on every field
        config.mapping["fields"] = {
            name: {**entry, "unit": "fen"} for name, entry in config.mapping["fields"].items()
        }
        config.save(update_fields=["mapping"])
    client = office(staff["alice"])
    url = base(plain_account) + "exit-entry/http/"
    form = client.get(url)
    data = posted_back(form)
    assert '"unit"' not in data["mapping"]  # the rendered mapping: each field its path alone
    assert data["secret"] == "" and data["method"] == "POST" and data["auth_kind"] == "hmac"

    answer = client.post(url, data)

    assert answer.status_code == 302, answer.content.decode()
    saved = HttpConnectorConfig.objects.get()
    assert saved.mapping["fields"]["document"] == {"path": "zjzl"}
    assert saved.auth_secret  # kept
    assert AuditLog.objects.filter(action="records.connector_saved").count() == 2


def test_an_amount_in_yuan_keeps_its_unit_through_the_form(plain_account, staff):
    client = office(staff["alice"])
    url = base(plain_account) + "violations/http/"
    assert (
        client.post(url, connector_form("https://jj.pingan.gov.cn/wf?hphm={plate}")).status_code
        == 302
    )
    data = posted_back(client.get(url))
    assert json.loads(data["mapping"])["fields"]["fine"] == {"path": "fkje", "unit": "yuan"}
    assert json.loads(data["mapping"])["fields"]["place"] == "wfdz"

    assert client.post(url, data).status_code == 302
    fields = HttpConnectorConfig.objects.get().mapping["fields"]
    assert fields["fine"] == {"path": "fkje", "unit": "yuan"} and fields["place"] == {
        "path": "wfdz"
    }


def test_the_connector_page_keeps_long_fields_inside_the_card_and_names_the_persons_name(
    plain_account, staff
):
    from weizheng.records.forms import TestSubjectForm

    client = office(staff["alice"])
    page = client.get(base(plain_account) + "violations/http/").content.decode()
    assert 'class="card rq-connector"' in page
    assert ".rq-connector textarea" in page and "box-sizing: border-box" in page
    # "Name" of a person (姓名), not of a thing (名称): its own msgctxt.
    from django.utils import translation
    from django.utils.translation import trans_real

    with translation.override("zh-hans"):
        catalog = trans_real.translation("zh-hans")._catalog
        saved = catalog.get("person\x04Name")
        catalog["person\x04Name"] = "姓名"
        try:
            assert str(TestSubjectForm.base_fields["name"].label) == "姓名"
        finally:
            if saved is None:
                del catalog["person\x04Name"]
            else:
                catalog["person\x04Name"] = saved
