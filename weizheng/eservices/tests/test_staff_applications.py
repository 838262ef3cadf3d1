"""The department's side of online applications: the queue with its working-day clock, an
application's page (answers masked, every view audited), the steps as POSTs, a stale page's 409;
404 for a clerk of another department, 403 without cases.handle — and nothing written on denial.
And the form designer (eservices.manage)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.eservices.actions import (
    check_rate_application,
    check_save_application,
    check_save_form,
    check_transition,
)
from weizheng.eservices.models import (
    Application,
    ApplicationField,
    ApplicationStatus,
    FieldKind,
)
from weizheng.notifications.models import Notification

from .conftest import CITIZEN, PDF, WATER_ANSWERS, WATER_FORM, signed_in

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def office(account, path=""):
    return f"/office/accounts/{account.pk}/eservices/{path}"


def submit(world, guide, when=datetime(2026, 9, 29, 10, tzinfo=SHANGHAI)):
    with time_machine.travel(when, tick=False):
        return check_save_application(
            account=world["water"],
            guide=guide,
            openid=CITIZEN,
            answers=WATER_ANSWERS,
            files={"certificate": SimpleUploadedFile("产权证.pdf", PDF)},
            submit=True,
        )


@pytest.fixture
def calendar_2026(db):
    call_command("holidays_load", "--year", "2026", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_queue_shows_the_clock_and_highlights_late_applications(world, online, calendar_2026):
    on_time = submit(world, online, datetime(2026, 10, 9, 10, tzinfo=SHANGHAI))
    late = submit(world, online)  # due end of Monday 12 October
    with time_machine.travel(datetime(2026, 10, 14, 9, tzinfo=SHANGHAI), tick=False):
        response = signed_in(world["hugo"]).get(office(world["water"], "applications/"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(late.receipt_no) < page.index(on_time.receipt_no)  # soonest deadline first
    late_row = page.split(f'data-receipt="{late.receipt_no}"')[1].split("</tr>")[0]
    assert late_row.startswith(' class="is-late"')
    assert "2 working days late" in late_row
    on_time_row = page.split(f'data-receipt="{on_time.receipt_no}"')[1].split("</tr>")[0]
    assert "2026-10-15" in on_time_row and "1 left" in on_time_row  # 10 (make-up), 12–15


def test_the_queue_filters_by_status_and_service(world, online):
    first = submit(world, online)
    second = submit(world, online)
    check_transition(application=second, to="accepted", actor=world["hugo"])
    client = signed_in(world["hugo"])
    accepted = client.get(office(world["water"], "applications/"), {"status": "accepted"})
    page = accepted.content.decode()
    assert second.receipt_no in page and first.receipt_no not in page
    by_guide = client.get(office(world["water"], "applications/"), {"guide": online.pk + 999})
    assert first.receipt_no not in by_guide.content.decode()


def test_another_departments_clerk_gets_404_and_a_clerk_without_cases_handle_403(world, online):
    application = submit(world, online)
    police_admin = signed_in(world["alice"])
    for path in ("applications/", f"applications/{application.pk}/"):
        assert police_admin.get(office(world["water"], path)).status_code == 404
    # Through the police account, the water application does not exist either.
    assert (
        police_admin.get(office(world["police"], f"applications/{application.pk}/")).status_code
        == 404
    )
    editor = signed_in(world["wendy"])  # water editor: no cases.handle
    assert editor.get(office(world["water"], "applications/")).status_code == 403
    assert editor.get(office(world["water"], f"applications/{application.pk}/")).status_code == 403
    refused = editor.post(
        office(world["water"], f"applications/{application.pk}/step/"),
        {"to": "accepted", "seen": "submitted"},
    )
    assert refused.status_code == 403
    refused = police_admin.post(
        office(world["water"], f"applications/{application.pk}/step/"),
        {"to": "accepted", "seen": "submitted"},
    )
    assert refused.status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not AuditLog.objects.filter(
        action__in=("eservices.application.view", "eservices.application.accepted")
    ).exists()


def test_the_detail_masks_id_and_phone_and_every_view_is_audited(world, online):
    application = submit(world, online)
    client = signed_in(world["hugo"])
    for _ in range(2):
        page = client.get(
            office(world["water"], f"applications/{application.pk}/")
        ).content.decode()
    assert "110105********002X" in page and "138****8000" in page
    assert "11010519491231002X" not in page and "13800138000" not in page
    assert "平安市滨江大道 16 号 3 栋 201" in page and "产权证.pdf" in page
    views = AuditLog.objects.filter(action="eservices.application.view", actor=world["hugo"])
    assert views.count() == 2 and views.first().detail["receipt_no"] == application.receipt_no


def test_a_clerk_accepts_reviews_approves_and_completes_through_the_page(world, online):
    application = submit(world, online)
    client = signed_in(world["hugo"])
    url = office(world["water"], f"applications/{application.pk}/step/")
    seen = "submitted"
    for to in ("accepted", "under_review", "approved", "completed"):
        response = client.post(url, {"to": to, "seen": seen, "note": ""})
        assert response.status_code == 302, response.content.decode()[:300]
        seen = to
    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMPLETED
    assert Notification.objects.filter(openid=CITIZEN).count() == 5
    check_rate_application(application=application, openid=CITIZEN, score=5, comment="很方便")
    page = client.get(office(world["water"], f"applications/{application.pk}/")).content.decode()
    assert 'data-testid="rating"' in page and "很方便" in page


def test_return_and_reject_need_a_reason(world, online):
    application = submit(world, online)
    client = signed_in(world["hugo"])
    url = office(world["water"], f"applications/{application.pk}/step/")
    response = client.post(url, {"to": "returned", "seen": "submitted", "note": "  "})
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    response = client.post(
        url, {"to": "returned", "seen": "submitted", "note": "请补充产权证第二页"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    assert application.last_note == "请补充产权证第二页"


def test_a_stale_page_gets_409_and_changes_nothing(world, online):
    application = submit(world, online)
    check_transition(application=application, to="accepted", actor=world["carol"])
    client = signed_in(world["hugo"])
    # hugo's page still showed "submitted": his "return" must not act on the accepted case.
    response = client.post(
        office(world["water"], f"applications/{application.pk}/step/"),
        {"to": "returned", "seen": "submitted", "note": "材料不全"},
    )
    assert response.status_code == 409
    assert "moved on meanwhile" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert not AuditLog.objects.filter(action="eservices.application.returned").exists()


def test_a_step_the_state_machine_does_not_allow_is_409(world, online):
    application = submit(world, online)
    response = signed_in(world["hugo"]).post(
        office(world["water"], f"applications/{application.pk}/step/"),
        {"to": "completed", "seen": "submitted"},
    )
    assert response.status_code == 409
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_drafts_are_not_in_the_department_queue(world, online):
    draft = check_save_application(
        account=world["water"], guide=online, openid=CITIZEN, answers=WATER_ANSWERS
    )
    client = signed_in(world["hugo"])
    assert client.get(office(world["water"], f"applications/{draft.pk}/")).status_code == 404
    page = client.get(office(world["water"], "applications/"), {"status": "all"})
    assert 'data-testid="empty"' in page.content.decode()


# --- the form designer --------------------------------------------------------------------------
def designer_post(rows, accepts_online=True, **extra):
    data = {
        "fields-TOTAL_FORMS": str(len(rows)),
        "fields-INITIAL_FORMS": "0",
        "fields-MIN_NUM_FORMS": "0",
        "fields-MAX_NUM_FORMS": "40",
        **extra,
    }
    if accepts_online:
        data["accepts_online"] = "on"
    for n, row in enumerate(rows):
        for key, value in row.items():
            if isinstance(value, list):
                data[f"fields-{n}-{key}"] = value
            elif isinstance(value, bool):
                if value:
                    data[f"fields-{n}-{key}"] = "on"
            else:
                data[f"fields-{n}-{key}"] = str(value)
    return data


def test_the_designer_saves_a_form_in_the_given_order(world, online):
    client = signed_in(world["carol"])
    rows = [
        {"label": "用水地址", "key": "address", "kind": "address", "is_required": True, "ORDER": 2},
        {
            "label": "申请人姓名",
            "key": "name",
            "kind": "text",
            "prefill": "name",
            "is_required": True,
            "ORDER": 1,
        },
        {
            "label": "不动产权证书",
            "key": "certificate",
            "kind": "file",
            "file_types": ["pdf", "png"],
            "max_size_kb": 4096,
            "is_required": True,
            "ORDER": 3,
        },
        {"label": "", "key": "", "kind": "text", "is_required": True},  # an untouched row
    ]
    response = client.post(office(world["water"], f"guides/{online.pk}/form/"), designer_post(rows))
    assert response.status_code == 302, [f.errors for f in response.context["fields"]] + [
        response.context["switch"].errors,
        response.context["fields"].non_form_errors(),
    ]
    fields = list(online.form_fields.all())
    assert [f.key for f in fields] == ["name", "address", "certificate"]
    assert fields[0].prefill == "name"
    assert (fields[2].file_types, fields[2].max_size_kb) == (["pdf", "png"], 4096)
    audit = AuditLog.objects.filter(action="eservices.form.update").latest("pk")
    assert audit.actor == world["carol"] and audit.detail["fields"] == [
        "name",
        "address",
        "certificate",
    ]


@pytest.mark.parametrize(
    ("row", "field", "code"),
    [
        (
            {"label": "用水性质", "key": "use", "kind": "select", "choices": "居民"},
            "choices",
            "choices_missing",
        ),
        (
            {"label": "证书", "key": "cert", "kind": "file", "max_size_kb": 100},
            "file_types",
            "file_types_missing",
        ),
        (
            {"label": "证书", "key": "cert", "kind": "file", "file_types": ["pdf"]},
            "max_size_kb",
            "bad_max_size",
        ),
        ({"label": "姓名", "key": "Name!", "kind": "text"}, "key", "bad_key"),
        (
            {"label": "电话", "key": "tel", "kind": "date", "prefill": "phone"},
            "prefill",
            "prefill_kind",
        ),
    ],
)
def test_the_designer_refuses_bad_fields_with_a_clear_error_and_saves_nothing(
    world, online, row, field, code
):
    before = list(online.form_fields.values_list("key", flat=True))
    response = signed_in(world["carol"]).post(
        office(world["water"], f"guides/{online.pk}/form/"), designer_post([row])
    )
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert list(online.form_fields.values_list("key", flat=True)) == before
    with pytest.raises(AppError) as refused:
        check_save_form(guide=online, actor=world["carol"], fields=[row], accepts_online=True)
    assert refused.value.code == code and refused.value.extra["field"] == field


def test_the_designer_refuses_duplicate_keys_and_an_empty_enabled_form(world, online):
    with pytest.raises(AppError) as refused:
        check_save_form(
            guide=online,
            actor=world["carol"],
            fields=[WATER_FORM[0], {**WATER_FORM[3], "key": "name"}],
            accepts_online=True,
        )
    assert refused.value.code == "duplicate_key" and refused.value.extra["row"] == 2
    response = signed_in(world["carol"]).post(
        office(world["water"], f"guides/{online.pk}/form/"), designer_post([])
    )
    assert response.status_code == 400
    assert online.form_fields.count() == len(WATER_FORM)


def test_an_offline_guide_cannot_be_opened_to_online_applications(world, online):
    online.mode = "offline"
    online.save(update_fields=["mode"])
    with pytest.raises(AppError) as refused:
        check_save_form(guide=online, actor=world["carol"], fields=WATER_FORM, accepts_online=True)
    assert refused.value.code == "offline_guide"


def test_only_eservices_manage_designs_forms(world, online):
    assert (
        signed_in(world["hugo"])
        .get(office(world["water"], f"guides/{online.pk}/form/"))
        .status_code
        == 403
    )
    assert (
        signed_in(world["alice"])
        .get(office(world["water"], f"guides/{online.pk}/form/"))
        .status_code
        == 404
    )
    with pytest.raises(AppError) as refused:
        check_save_form(guide=online, actor=world["hugo"], fields=[], accepts_online=False)
    assert refused.value.status == 403
    assert online.form_fields.count() == len(WATER_FORM)
    page = signed_in(world["carol"]).get(office(world["water"], "forms/")).content.decode()
    assert "用水报装" in page


def test_a_new_required_field_is_asked_for_at_resubmission(world, online):
    application = submit(world, online)
    check_transition(application=application, to="returned", actor=world["hugo"], note="补充")
    check_save_form(
        guide=online,
        actor=world["carol"],
        fields=[
            *WATER_FORM,
            {"key": "meter", "label": "水表口径", "kind": "select", "choices": ["DN15", "DN20"]},
        ],
        accepts_online=True,
    )
    with pytest.raises(AppError) as refused:
        check_save_application(
            account=world["water"],
            guide=online,
            openid=CITIZEN,
            answers=WATER_ANSWERS,
            application=application,
            submit=True,
        )
    assert refused.value.extra["field"] == "meter"
    assert ApplicationField.objects.filter(guide=online, kind=FieldKind.SELECT).count() == 2
    assert Application.objects.get().status == ApplicationStatus.RETURNED
