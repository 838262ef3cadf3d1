"""Back-office pages of service guides: the list and queues, the editor's formsets, each review
step through its page, and denial (404 for another department's account, 403 without the
permission) with nothing changed."""

from __future__ import annotations

import pytest

from weizheng.core.models import AuditLog
from weizheng.core.review import ReviewStatus
from weizheng.eservices.actions import do_submit_guide
from weizheng.eservices.models import GuidePublication, ServiceGuide

from .conftest import make_guide, office, publish, signed_in

pytestmark = pytest.mark.django_db


def editor_post(**overrides):
    data = {
        "title": "居住证办理",
        "language": "zh-hans",
        "code": "PA-ZA-0120",
        "category": "户政业务",
        "department": "平安市公安局各派出所",
        "mode": "offline",
        "conditions": "在本市居住半年以上。",
        "fee_yuan": "0",
        "fee_basis": "首次申领免费",
        "statutory_days": "15",
        "promised_days": "10",
        "steps": "提交申请\n采集照片\n领取",
        "place": "居住地派出所",
        "hours": "工作日 8:30–17:30",
        "phone": "0000-87654321",
        "materials-TOTAL_FORMS": "3",
        "materials-INITIAL_FORMS": "0",
        "materials-MIN_NUM_FORMS": "0",
        "materials-MAX_NUM_FORMS": "50",
        "materials-0-name": "居民身份证",
        "materials-0-form": "original",
        "materials-0-copies": "1",
        "materials-0-is_required": "on",
        "materials-1-name": "居住证明",
        "materials-1-form": "both",
        "materials-1-copies": "1",
        "materials-1-note": "租赁合同或产权证明",
        "materials-2-name": "",
        "materials-2-form": "original",
        "materials-2-copies": "1",
        "materials-2-is_required": "on",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "30",
        "questions-0-question": "有效期多久？",
        "questions-0-answer": "每年签注一次。",
    }
    data.update(overrides)
    return data


def test_the_list_shows_the_guides_and_the_reviewer_s_queue(world):
    guide = make_guide(world["police"], world["bob"])
    do_submit_guide(guide=guide, actor=world["bob"])
    response = signed_in(world["rita"]).get(office(world["police"], "guides/"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "机动车驾驶证补领" in body
    assert 'data-testid="queue-first">1<' in body
    assert 'data-testid="queue-final"' not in body


def test_an_editor_creates_a_guide_with_materials_and_questions_from_the_form(world):
    client = signed_in(world["bob"])
    assert client.get(office(world["police"], "guides/new/")).status_code == 200
    response = client.post(office(world["police"], "guides/new/"), editor_post())
    guide = ServiceGuide.objects.get()
    assert response.status_code == 302
    assert response["Location"] == office(world["police"], f"guides/{guide.pk}/")
    assert guide.fee_fen == 0 and guide.promised_days == 10 and guide.author == world["bob"]
    assert [(m.name, m.form, m.is_required, m.note) for m in guide.materials.all()] == [
        ("居民身份证", "original", True, ""),
        ("居住证明", "both", False, "租赁合同或产权证明"),
    ]
    assert guide.questions.get().question == "有效期多久？"
    assert AuditLog.objects.filter(action="eservices.guide.create", actor=world["bob"]).exists()


def test_the_fee_in_yuan_is_stored_in_fen(world):
    signed_in(world["bob"]).post(
        office(world["police"], "guides/new/"), editor_post(fee_yuan="12.5")
    )
    assert ServiceGuide.objects.get().fee_fen == 1250


def test_a_refused_form_keeps_its_input_and_saves_nothing(world):
    client = signed_in(world["bob"])
    response = client.post(
        office(world["police"], "guides/new/"),
        editor_post(promised_days="20", **{"materials-0-copies": "0"}),
    )
    assert response.status_code == 400
    assert not ServiceGuide.objects.exists()
    response = client.post(office(world["police"], "guides/new/"), editor_post(promised_days="20"))
    assert response.status_code == 400
    assert "cannot be longer than the statutory one" in response.content.decode()
    assert "居住证明" in response.content.decode()
    assert not ServiceGuide.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="eservices").exists()


def test_editing_replaces_the_materials(world):
    guide = make_guide(world["police"], world["bob"])
    client = signed_in(world["bob"])
    page = client.get(office(world["police"], f"guides/{guide.pk}/edit/"))
    assert page.status_code == 200 and "委托书" in page.content.decode()
    response = client.post(
        office(world["police"], f"guides/{guide.pk}/edit/"),
        editor_post(code="PA-JJ-0101", **{"materials-1-DELETE": "on"}),
    )
    assert response.status_code == 302
    assert [m.name for m in guide.materials.all()] == ["居民身份证"]
    assert AuditLog.objects.filter(action="eservices.guide.update").count() == 1


def test_review_through_the_pages_publishes_and_shows_the_history(world):
    guide = make_guide(world["police"], world["bob"])
    url = office(world["police"], f"guides/{guide.pk}/")
    assert signed_in(world["bob"]).post(url + "submit/").status_code == 302
    assert signed_in(world["rita"]).post(url + "approve/", {"note": "可以"}).status_code == 302
    assert signed_in(world["alice"]).post(url + "approve/").status_code == 302
    guide.refresh_from_db()
    assert guide.publication == GuidePublication.PUBLISHED
    page = signed_in(world["alice"]).get(url).content.decode()
    for action in ("review.submit", "review.first_approve", "review.final_approve", "publish"):
        assert f"eservices.guide.{action}" in page
    assert f"/h5/police/services/guides/{guide.pk}/" in page


def test_a_step_taken_twice_answers_409_and_changes_nothing(world):
    guide = make_guide(world["police"], world["bob"])
    url = office(world["police"], f"guides/{guide.pk}/")
    signed_in(world["bob"]).post(url + "submit/")
    response = signed_in(world["bob"]).post(url + "submit/")
    assert response.status_code == 409
    assert AuditLog.objects.filter(action="eservices.guide.review.submit").count() == 1


def test_the_return_needs_a_reason_and_shows_it(world):
    guide = make_guide(world["police"], world["bob"])
    do_submit_guide(guide=guide, actor=world["bob"])
    url = office(world["police"], f"guides/{guide.pk}/")
    assert signed_in(world["rita"]).post(url + "return/", {"reason": ""}).status_code == 400
    signed_in(world["rita"]).post(url + "return/", {"reason": "请补充办理地点"})
    guide.refresh_from_db()
    assert guide.review_status == ReviewStatus.RETURNED
    assert "请补充办理地点" in signed_in(world["bob"]).get(url).content.decode()


def test_retraction_from_the_page(world):
    guide = publish(
        make_guide(world["police"], world["bob"]),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )
    url = office(world["police"], f"guides/{guide.pk}/retract/")
    assert signed_in(world["bob"]).post(url, {"reason": "x"}).status_code == 403
    assert signed_in(world["alice"]).post(url, {"reason": "事项调整"}).status_code == 302
    guide.refresh_from_db()
    assert guide.publication == GuidePublication.RETRACTED


def test_a_clerk_of_another_department_gets_404_everywhere_and_changes_nothing(world):
    guide = make_guide(world["police"], world["bob"])
    do_submit_guide(guide=guide, actor=world["bob"])
    carol = signed_in(world["carol"])
    for path in ("guides/", f"guides/{guide.pk}/", f"guides/{guide.pk}/edit/", "guides/new/"):
        assert carol.get(office(world["police"], path)).status_code == 404
    assert carol.post(office(world["police"], f"guides/{guide.pk}/approve/")).status_code == 404
    assert carol.post(office(world["police"], "guides/new/"), editor_post()).status_code == 404
    # Her own account does not reach the police guide either.
    assert carol.get(office(world["water"], f"guides/{guide.pk}/")).status_code == 404
    guide.refresh_from_db()
    assert guide.review_status == ReviewStatus.FIRST_REVIEW
    assert ServiceGuide.objects.count() == 1
    assert not AuditLog.objects.filter(actor=world["carol"]).exists()


def test_missing_permissions_get_403_and_change_nothing(world):
    guide = make_guide(world["police"], world["bob"])
    hank = signed_in(world["hank"])  # a handler: sees the account, no guide role
    assert hank.get(office(world["police"], "guides/")).status_code == 403
    assert hank.get(office(world["police"], f"guides/{guide.pk}/")).status_code == 403
    rita = signed_in(world["rita"])  # a reviewer: does not write
    assert rita.get(office(world["police"], "guides/new/")).status_code == 403
    assert rita.post(office(world["police"], "guides/new/"), editor_post()).status_code == 403
    assert rita.post(office(world["police"], f"guides/{guide.pk}/submit/")).status_code == 403
    guide.refresh_from_db()
    assert guide.review_status == ReviewStatus.DRAFT
    assert ServiceGuide.objects.count() == 1
    assert not AuditLog.objects.filter(actor__in=[world["hank"], world["rita"]]).exists()


def test_the_other_language_version_is_created_from_the_page(world):
    guide = make_guide(world["police"], world["bob"])
    response = signed_in(world["bob"]).post(
        office(world["police"], f"guides/{guide.pk}/translate/")
    )
    english = ServiceGuide.objects.get(language="en")
    assert response["Location"] == office(world["police"], f"guides/{english.pk}/edit/")
