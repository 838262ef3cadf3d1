"""The citizen's pages of online applications: from the guide to a receipt, drafts, correction
and resubmission, 好差评, progress by receipt number — for a bound citizen only, and never showing
another citizen's application (the same 404 as an unknown one)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.eservices.actions import check_rate_application, check_transition
from weizheng.eservices.models import (
    Application,
    ApplicationRating,
    ApplicationStatus,
)
from weizheng.notifications.models import Notification

from .conftest import CITIZEN, OTHER, PDF, WATER_ANSWERS, as_citizen, stored_files

pytestmark = pytest.mark.django_db

H5 = "/h5/water/services"


def form_data(action="submit", **answers):
    data = {f"a-{k}": v for k, v in {**WATER_ANSWERS, **answers}.items()}
    data["action"] = action
    return data


@pytest.fixture
def zhang(world):
    return as_citizen(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), world["water"], CITIZEN)


@pytest.fixture
def li(world):
    return as_citizen(Client(), world["water"], OTHER)


def apply_url(guide):
    return f"{H5}/guides/{guide.pk}/apply/"


def certificate():
    return SimpleUploadedFile("产权证.pdf", PDF, content_type="application/pdf")


def submit_through_h5(client, guide):
    response = client.post(apply_url(guide), {**form_data(), "f-certificate": certificate()})
    assert response.status_code == 302, response.content.decode()[:500]
    return Application.objects.get(), response


def test_the_guide_offers_apply_online_only_when_enabled(world, online, zhang):
    page = zhang.get(f"{H5}/guides/{online.pk}/").content.decode()
    assert 'data-test="apply-online"' in page and apply_url(online) in page
    online.accepts_online = False
    online.save(update_fields=["accepts_online"])
    assert 'data-test="apply-online"' not in zhang.get(f"{H5}/guides/{online.pk}/").content.decode()
    assert zhang.get(apply_url(online)).status_code == 404


def test_an_unbound_citizen_is_sent_to_bind_first(world, online):
    client = as_citizen(Client(), world["water"], "oNOTBOUND00000000000000000003")
    response = client.get(apply_url(online))
    assert response.status_code == 302
    assert response["Location"].startswith("/h5/water/id/?next=")


def test_the_form_is_prefilled_from_the_binding_masked(online, zhang):
    page = zhang.get(apply_url(online)).content.decode()
    assert "张*" in page and "110105********002X" in page and "138****8000" in page
    assert "11010519491231002X" not in page and "13800138000" not in page


def test_draft_then_submit_then_receipt(world, online, zhang):
    response = zhang.post(apply_url(online), form_data("save", area="", use=""))
    draft = Application.objects.get()
    assert response["Location"] == f"{H5}/applications/{draft.pk}/"
    assert draft.status == ApplicationStatus.DRAFT and draft.receipt_no == ""
    assert "use" not in draft.answers and not draft.files.exists()
    assert draft.answers["name"] == "张三" and draft.answers["id_number"] == "11010519491231002X"
    # Opening the guide's form again continues the draft.
    assert zhang.get(apply_url(online))["Location"] == f"{H5}/applications/{draft.pk}/edit/"
    response = zhang.post(
        f"{H5}/applications/{draft.pk}/edit/", {**form_data(), "f-certificate": certificate()}
    )
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED and draft.receipt_no.startswith("WB")
    assert response["Location"] == f"{H5}/applications/{draft.pk}/receipt/"
    receipt = zhang.get(response["Location"]).content.decode()
    assert draft.receipt_no in receipt
    assert 'data-test="deadlines"' in receipt and ">10<" not in receipt
    deadlines = receipt.split('data-test="deadlines"')[1]
    assert "10" in deadlines  # the promised limit, in working days
    assert 'data-test="promised-by"' in receipt
    mine = zhang.get(f"{H5}/applications/").content.decode()
    assert draft.receipt_no in mine and "用水报装" in mine


def test_a_citizen_cannot_change_the_values_from_the_binding(world, online, zhang):
    submit_through_h5(zhang, online)
    posted = Application.objects.get()
    assert posted.answers["id_number"] == "11010519491231002X"
    zhang_forged = form_data(id_number="110105194912310037", name="王五")
    zhang.post(apply_url(online), {**zhang_forged, "f-certificate": certificate()})
    assert {a.answers["name"] for a in Application.objects.all()} == {"张三"}


def test_missing_required_fields_are_refused_with_the_reason_and_nothing_saved(
    world, online, zhang, _private_media
):
    response = zhang.post(
        apply_url(online), {**form_data(address=""), "f-certificate": certificate()}
    )
    assert response.status_code == 400
    page = response.content.decode()
    error = page.split('data-test="error-address">')[1].split("</div>")[0]
    assert "用水地址" in error
    assert not Application.objects.exists() and stored_files(_private_media) == []
    assert not Notification.objects.exists()


def test_a_wrong_file_type_is_refused_on_the_form(world, online, zhang, _private_media):
    fake = SimpleUploadedFile("证书.pdf", b"MZ\x90\x00" + b"\x00" * 60)
    response = zhang.post(apply_url(online), {**form_data(), "f-certificate": fake})
    assert response.status_code == 400
    assert 'data-test="error-certificate"' in response.content.decode()
    assert not Application.objects.exists() and stored_files(_private_media) == []


def test_returned_then_corrected_and_resubmitted(world, online, zhang):
    application, _ = submit_through_h5(zhang, online)
    check_transition(
        application=application,
        to=ApplicationStatus.RETURNED,
        actor=world["hugo"],
        note="用水地址请写明门牌号。",
    )
    page = zhang.get(f"{H5}/applications/{application.pk}/").content.decode()
    assert "用水地址请写明门牌号" in page and 'data-test="correct"' in page
    form = zhang.get(f"{H5}/applications/{application.pk}/edit/").content.decode()
    assert "用水地址请写明门牌号" in form and "产权证.pdf" in form  # the file already attached
    response = zhang.post(
        f"{H5}/applications/{application.pk}/edit/",
        form_data(address="平安市滨江大道 16 号 3 栋 201 室"),
    )
    application.refresh_from_db()
    assert response["Location"].endswith("/receipt/")
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.answers["address"].endswith("201 室")
    assert application.files.count() == 1
    assert list(application.events.values_list("to_status", flat=True)) == [
        "submitted",
        "returned",
        "submitted",
    ]
    timeline = zhang.get(f"{H5}/applications/{application.pk}/").content.decode()
    assert timeline.count('data-to="submitted"') == 2


def test_another_citizens_application_is_the_same_404_as_an_unknown_one(world, online, zhang, li):
    application, _ = submit_through_h5(zhang, online)
    unknown = application.pk + 1000
    for suffix in ("", "edit/", "receipt/"):
        theirs = li.get(f"{H5}/applications/{application.pk}/{suffix}")
        missing = li.get(f"{H5}/applications/{unknown}/{suffix}")
        assert theirs.status_code == missing.status_code == 404
        assert theirs.content == missing.content
    refused = li.post(f"{H5}/applications/{application.pk}/rate/", {"score": "1"})
    assert refused.status_code == 404
    refused = li.post(f"{H5}/applications/{application.pk}/edit/", form_data(address="x"))
    assert refused.status_code == 404
    application.refresh_from_db()
    assert application.answers["address"] == WATER_ANSWERS["address"]


def test_progress_by_receipt_number_answers_someone_elses_like_an_unknown_one(
    world, online, zhang, li
):
    application, _ = submit_through_h5(zhang, online)
    own = zhang.get(f"{H5}/applications/progress/", {"no": application.receipt_no.lower()})
    assert "用水报装" in own.content.decode()
    theirs = li.get(f"{H5}/applications/progress/", {"no": application.receipt_no}).content
    other_number = application.receipt_no[:-6] + (
        "000000" if application.receipt_no[-6:] != "000000" else "000001"
    )
    unknown = li.get(f"{H5}/applications/progress/", {"no": other_number}).content
    assert theirs.decode().replace(application.receipt_no, "N") == unknown.decode().replace(
        other_number, "N"
    )
    assert "用水报装" not in theirs.decode()


def complete(world, application):
    for to in ("accepted", "under_review", "approved", "completed"):
        application = check_transition(application=application, to=to, actor=world["hugo"])
    return application


def test_a_completed_application_is_rated_once_by_its_applicant(world, online, zhang):
    application, _ = submit_through_h5(zhang, online)
    assert (
        'data-test="rate-form"'
        not in zhang.get(f"{H5}/applications/{application.pk}/").content.decode()
    )
    refused = zhang.post(f"{H5}/applications/{application.pk}/rate/", {"score": "5"})
    assert refused.status_code == 302 and not ApplicationRating.objects.exists()
    application = complete(world, application)
    page = zhang.get(f"{H5}/applications/{application.pk}/").content.decode()
    assert 'data-test="rate-form"' in page
    # The five grades of 好差评 (非常满意 … 非常不满意 once the catalogue is compiled).
    assert page.count('name="score"') == 5
    zhang.post(f"{H5}/applications/{application.pk}/rate/", {"score": "4", "comment": "上门很快"})
    rating = ApplicationRating.objects.get()
    assert (rating.score, rating.comment, rating.openid) == (4, "上门很快", CITIZEN)
    assert AuditLog.objects.filter(action="eservices.application.rated").count() == 1
    zhang.post(f"{H5}/applications/{application.pk}/rate/", {"score": "1"})
    assert ApplicationRating.objects.get().score == 4
    page = zhang.get(f"{H5}/applications/{application.pk}/").content.decode()
    assert 'data-test="rate-form"' not in page and 'data-test="rating"' in page


def test_rating_rules_in_the_action(world, online, zhang):
    application, _ = submit_through_h5(zhang, online)
    with pytest.raises(AppError) as refused:
        check_rate_application(application=application, openid=CITIZEN, score=5)
    assert refused.value.code == "not_completed"
    application = complete(world, application)
    with pytest.raises(AppError) as refused:
        check_rate_application(application=application, openid=OTHER, score=5)
    assert refused.value.status == 404
    with pytest.raises(AppError) as refused:
        check_rate_application(application=application, openid=CITIZEN, score=6)
    assert refused.value.code == "bad_score"
    check_rate_application(application=application, openid=CITIZEN, score=5)
    with pytest.raises(AppError) as refused:
        check_rate_application(application=application, openid=CITIZEN, score=3)
    assert refused.value.code == "already_rated" and refused.value.status == 409
    assert ApplicationRating.objects.get().score == 5


def test_one_rating_per_case_is_a_database_constraint(world, online, zhang):
    from django.db import IntegrityError, transaction

    application, _ = submit_through_h5(zhang, online)
    ApplicationRating.objects.create(application=application, openid=CITIZEN, score=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationRating.objects.create(application=application, openid=CITIZEN, score=1)


def test_each_notification_names_the_receipt_and_links_to_the_application(
    world, online, zhang, settings
):
    settings.PUBLIC_BASE_URL = "https://wx.example.gov.cn"
    application, _ = submit_through_h5(zhang, online)
    check_transition(
        application=application, to="returned", actor=world["hugo"], note="证书照片不清晰。"
    )
    texts = {}
    from weizheng.notifications import registry

    for notification in Notification.objects.filter(openid=CITIZEN).order_by("pk"):
        kind = registry.get(notification.kind)
        texts[notification.kind] = (
            kind.render_text(notification.variables),
            kind.render_url(notification.variables),
        )
    link = f"https://wx.example.gov.cn{H5}/applications/{application.pk}/"
    text, url = texts["eservices.status"]
    assert text.startswith(
        f"【办件进度】您申请的“用水报装”（受理编号 {application.receipt_no}）已提交"
    )
    assert url == link
    text, url = texts["eservices.returned"]
    assert "需要补正：证书照片不清晰。请打开办件页面" in text  # one full stop, not two
    assert url == link


def test_pages_speak_english_when_asked(world, online):
    client = as_citizen(Client(), world["water"], CITIZEN)
    page = client.get(apply_url(online), {"lang": "en"}).content.decode()
    assert "Save draft" in page and "From your real-name binding." in page
