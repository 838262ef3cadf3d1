"""Service guides: editing with materials and FAQ, 三审 with its audit trail, publication into
the search index inside the same transaction, retraction out of it, bilingual versions, and the
refusals that save nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.core.review import ReviewStatus
from weizheng.eservices.actions import (
    check_approve_guide,
    check_create_translation,
    check_reopen_guide,
    check_retract_guide,
    check_return_guide,
    check_save_guide,
    do_delete_draft,
    do_submit_guide,
)
from weizheng.eservices.models import GuidePublication, ServiceGuide
from weizheng.eservices.selectors import search_guides
from weizheng.search.models import SearchEntry

from .conftest import GUIDE, MATERIALS, make_guide, publish

pytestmark = pytest.mark.django_db


def actions_of(guide):
    return list(
        AuditLog.objects.filter(target_type="eservices.serviceguide", target_id=str(guide.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_an_editor_creates_a_draft_with_its_materials_and_questions(world):
    guide = make_guide(world["police"], world["bob"])
    assert guide.review_status == ReviewStatus.DRAFT
    assert guide.author == world["bob"]
    assert [(m.name, m.is_required) for m in guide.materials.all()] == [
        ("居民身份证", True),
        ("委托书", False),
    ]
    assert guide.questions.get().answer == "不能，补领后原证作废。"
    assert guide.fee_yuan == "10"
    entry = AuditLog.objects.get(action="eservices.guide.create")
    assert entry.actor == world["bob"] and entry.detail["materials"] == 2


@pytest.mark.parametrize(
    ("fields", "materials", "code"),
    [
        ({"promised_days": 5, "statutory_days": 3}, MATERIALS, "promise_over_statute"),
        ({"fee_fen": -1}, MATERIALS, "bad_fee"),
        ({"mode": "fax"}, MATERIALS, "bad_mode"),
        ({"department": "  "}, MATERIALS, "department_missing"),
        ({}, [{"name": "", "form": "original", "copies": 1}], "material_name"),
        ({}, [{"name": "身份证", "form": "original", "copies": 0}], "material_copies"),
        ({}, [{"name": "身份证", "form": "stamped", "copies": 1}], "material_form"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(world, fields, materials, code):
    with pytest.raises(AppError) as refused:
        make_guide(world["police"], world["bob"], materials=materials, **fields)
    assert refused.value.code == code
    assert not ServiceGuide.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="eservices").exists()


def test_a_question_without_an_answer_is_refused(world):
    with pytest.raises(AppError, match="Question 1"):
        make_guide(world["police"], world["bob"], questions=[{"question": "多久？", "answer": ""}])
    assert not ServiceGuide.objects.exists()


def test_a_second_guide_with_the_same_code_is_refused_but_another_account_may_use_it(world):
    make_guide(world["police"], world["bob"])
    with pytest.raises(AppError) as refused:
        make_guide(world["police"], world["bob"], title="另一个")
    assert refused.value.code == "duplicate_code"
    assert ServiceGuide.objects.count() == 1
    make_guide(world["water"], world["carol"])
    assert ServiceGuide.objects.count() == 2


def test_a_clerk_of_another_department_cannot_write_guides_here(world):
    with pytest.raises(AppError) as refused:
        make_guide(world["police"], world["carol"])
    assert refused.value.status == 403
    assert not ServiceGuide.objects.exists()


def test_three_people_review_and_the_final_approval_publishes_and_indexes(world):
    guide = make_guide(world["police"], world["bob"])
    do_submit_guide(guide=guide, actor=world["bob"])
    check_approve_guide(guide=guide, actor=world["rita"], note="材料齐全")
    assert not SearchEntry.objects.exists()
    guide = check_approve_guide(guide=guide, actor=world["alice"])
    assert guide.review_status == ReviewStatus.APPROVED
    assert guide.publication == GuidePublication.PUBLISHED and guide.published_at
    assert actions_of(guide) == [
        "eservices.guide.create",
        "eservices.guide.review.submit",
        "eservices.guide.review.first_approve",
        "eservices.guide.review.final_approve",
        "eservices.guide.publish",
    ]
    entry = SearchEntry.objects.get(key=f"eservices.guide:{guide.pk}")
    assert entry.facets["kind"] == "guide" and entry.topic == "驾驶证业务"
    assert entry.url == f"/h5/police/services/guides/{guide.pk}/"
    results = search_guides(account=world["police"], query="补领驾驶证")
    assert [hit.key for hit in results.hits] == [guide.search_key]


def test_the_author_cannot_approve_and_the_first_reviewer_cannot_finish(world):
    guide = make_guide(world["police"], world["alice"])
    do_submit_guide(guide=guide, actor=world["alice"])
    with pytest.raises(AppError) as refused:
        check_approve_guide(guide=guide, actor=world["alice"])
    assert refused.value.code == "own_item"
    check_approve_guide(guide=guide, actor=world["dave"])
    guide.refresh_from_db()
    with pytest.raises(AppError) as refused:
        check_approve_guide(guide=guide, actor=world["dave"])
    assert refused.value.code == "same_reviewer"
    guide.refresh_from_db()
    assert guide.publication == GuidePublication.UNPUBLISHED
    assert not SearchEntry.objects.exists()


def test_an_editor_cannot_review(world):
    guide = make_guide(world["police"], world["alice"])
    do_submit_guide(guide=guide, actor=world["alice"])
    with pytest.raises(AppError) as refused:
        check_approve_guide(guide=guide, actor=world["bob"])
    assert refused.value.status == 403
    guide.refresh_from_db()
    assert guide.review_status == ReviewStatus.FIRST_REVIEW
    assert "eservices.guide.review.first_approve" not in actions_of(guide)


def test_a_returned_guide_is_editable_again_and_resubmitted(world):
    guide = make_guide(world["police"], world["bob"])
    do_submit_guide(guide=guide, actor=world["bob"])
    with pytest.raises(AppError):
        check_save_guide(
            account=world["police"], actor=world["bob"], data={"title": "改"}, guide=guide
        )
    guide = check_return_guide(guide=guide, actor=world["rita"], reason="请补充收费依据")
    assert guide.review_status == ReviewStatus.RETURNED and guide.review_note == "请补充收费依据"
    check_save_guide(
        account=world["police"], actor=world["bob"], data={"fee_basis": "省定标准"}, guide=guide
    )
    guide = do_submit_guide(guide=guide, actor=world["bob"])
    assert guide.review_status == ReviewStatus.FIRST_REVIEW
    assert AuditLog.objects.get(action="eservices.guide.review.return").detail == {
        "reason": "请补充收费依据"
    }


def test_a_guide_without_steps_or_materials_cannot_be_submitted(world):
    guide = make_guide(world["police"], world["bob"], steps="", materials=[])
    with pytest.raises(AppError, match="steps"):
        do_submit_guide(guide=guide, actor=world["bob"])
    check_save_guide(
        account=world["police"], actor=world["bob"], data={"steps": "提交申请"}, guide=guide
    )
    guide.refresh_from_db()
    with pytest.raises(AppError, match="materials"):
        do_submit_guide(guide=guide, actor=world["bob"])
    guide.refresh_from_db()
    assert guide.review_status == ReviewStatus.DRAFT


def test_retraction_takes_the_guide_out_of_the_index_and_reopening_makes_a_draft(world):
    guide = publish(
        make_guide(world["police"], world["bob"]),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )
    with pytest.raises(AppError) as refused:
        check_retract_guide(guide=guide, actor=world["bob"], reason="过时")
    assert refused.value.status == 403
    assert SearchEntry.objects.filter(key=guide.search_key).exists()
    with pytest.raises(AppError, match="why"):
        check_retract_guide(guide=guide, actor=world["alice"], reason=" ")
    guide = check_retract_guide(guide=guide, actor=world["alice"], reason="收费标准调整")
    assert guide.publication == GuidePublication.RETRACTED
    assert not SearchEntry.objects.filter(key=guide.search_key).exists()
    assert AuditLog.objects.get(action="eservices.guide.retract").actor == world["alice"]
    guide = check_reopen_guide(guide=guide, actor=world["bob"])
    assert guide.review_status == ReviewStatus.DRAFT
    assert guide.publication == GuidePublication.UNPUBLISHED
    # Reviewed anew before citizens see it again.
    guide = publish(guide, author=world["bob"], first=world["rita"], final=world["alice"])
    assert SearchEntry.objects.filter(key=guide.search_key).exists()


def test_when_indexing_fails_the_guide_is_not_published(world, monkeypatch):
    guide = make_guide(world["police"], world["bob"])
    do_submit_guide(guide=guide, actor=world["bob"])
    check_approve_guide(guide=guide, actor=world["rita"])
    guide.refresh_from_db()

    def broken(docs):
        raise RuntimeError("index unavailable")

    monkeypatch.setattr("weizheng.search.api.index_documents", broken)
    with pytest.raises(RuntimeError), transaction.atomic():
        check_approve_guide(guide=guide, actor=world["alice"])
    guide.refresh_from_db()
    assert guide.review_status == ReviewStatus.FINAL_REVIEW
    assert guide.publication == GuidePublication.UNPUBLISHED
    assert "eservices.guide.publish" not in actions_of(guide)


def test_the_english_version_shares_the_group_and_copies_the_facts(world):
    guide = make_guide(world["police"], world["bob"])
    english = check_create_translation(guide=guide, actor=world["bob"])
    assert english.language == "en" and english.group == guide.group
    assert english.fee_fen == GUIDE["fee_fen"] and english.code == GUIDE["code"]
    assert english.materials.count() == 2 and english.steps == ""
    with pytest.raises(AppError) as refused:
        check_create_translation(guide=guide, actor=world["bob"])
    assert refused.value.code == "language_taken"


def test_only_an_unpublished_draft_is_deleted(world):
    draft = make_guide(world["police"], world["bob"])
    do_delete_draft(guide=draft, actor=world["bob"])
    assert not ServiceGuide.objects.exists()
    assert AuditLog.objects.filter(action="eservices.guide.delete").count() == 1
    published = publish(
        make_guide(world["police"], world["bob"]),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )
    with pytest.raises(AppError):
        do_delete_draft(guide=published, actor=world["bob"])
    assert ServiceGuide.objects.filter(pk=published.pk).exists()
