"""三审 of policies and news: draft → first review → final review → published, never by the
author, never both reviews by one person; returns with a reason; a stale step is a 409; every
step in the audit log, and nothing written on a refusal."""

from __future__ import annotations

import pytest

from weizheng.content.actions import check_approve_item, check_return_item, do_submit
from weizheng.content.models import Item, Publication
from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.core.review import ReviewStatus

from .conftest import make_policy, office, publish, signed_in

pytestmark = pytest.mark.django_db


def audit(action, item):
    return AuditLog.objects.filter(
        action=action, target_type="content.item", target_id=str(item.pk)
    )


def test_draft_goes_through_first_and_final_review_and_is_published(world):
    item = make_policy(world["police"], world["bob"])
    assert item.review_status == ReviewStatus.DRAFT and item.author == world["bob"]

    do_submit(item=item, actor=world["bob"])
    assert item.review_status == ReviewStatus.FIRST_REVIEW
    check_approve_item(item=item, actor=world["rita"], note="文号核对无误")
    assert item.review_status == ReviewStatus.FINAL_REVIEW
    assert item.publication == Publication.UNPUBLISHED
    check_approve_item(item=item, actor=world["alice"])

    item.refresh_from_db()
    assert item.review_status == ReviewStatus.APPROVED
    assert item.publication == Publication.PUBLISHED and item.published_at is not None
    assert (item.first_reviewer, item.final_reviewer) == (world["rita"], world["alice"])
    for action in (
        "content.create",
        "content.review.submit",
        "content.review.first_approve",
        "content.review.final_approve",
        "content.publish",
    ):
        assert audit(action, item).count() == 1, action


def test_author_cannot_approve_their_own_item(world):
    item = make_policy(world["police"], world["alice"])
    do_submit(item=item, actor=world["alice"])
    with pytest.raises(AppError) as refused:
        check_approve_item(item=item, actor=world["alice"])
    assert refused.value.code == "own_item" and refused.value.status == 403
    check_approve_item(item=item, actor=world["rita"])
    with pytest.raises(AppError) as refused:
        check_approve_item(item=item, actor=world["alice"])
    assert refused.value.code == "own_item"
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.FINAL_REVIEW
    assert item.publication == Publication.UNPUBLISHED
    assert not audit("content.review.final_approve", item).exists()


def test_one_person_cannot_do_both_reviews(world):
    item = make_policy(world["police"], world["bob"])
    do_submit(item=item, actor=world["bob"])
    check_approve_item(item=item, actor=world["alice"])
    with pytest.raises(AppError) as refused:
        check_approve_item(item=item, actor=world["alice"])
    assert refused.value.code == "same_reviewer"
    check_approve_item(item=item, actor=world["dave"])
    assert Item.objects.get(pk=item.pk).publication == Publication.PUBLISHED


def test_reviewer_cannot_do_the_final_review(world):
    item = make_policy(world["police"], world["bob"])
    do_submit(item=item, actor=world["bob"])
    check_approve_item(item=item, actor=world["alice"])
    with pytest.raises(AppError) as refused:
        check_approve_item(item=item, actor=world["rita"])
    assert refused.value.status == 403


def test_returned_item_carries_the_reason_and_can_be_resubmitted(world):
    item = make_policy(world["police"], world["bob"])
    do_submit(item=item, actor=world["bob"])
    with pytest.raises(AppError):
        check_return_item(item=item, actor=world["rita"], reason="  ")
    check_return_item(item=item, actor=world["rita"], reason="施行日期缺失")
    item.refresh_from_db()
    assert item.review_status == ReviewStatus.RETURNED and item.review_note == "施行日期缺失"
    assert audit("content.review.return", item).get().detail == {"reason": "施行日期缺失"}
    do_submit(item=item, actor=world["bob"])
    assert item.review_status == ReviewStatus.FIRST_REVIEW


def test_approving_a_step_already_taken_is_a_409_page_and_changes_nothing(world):
    item = make_policy(world["police"], world["bob"])
    do_submit(item=item, actor=world["bob"])
    rita, dave = signed_in(world["rita"]), signed_in(world["dave"])
    assert rita.get(office(world["police"], f"{item.pk}/")).status_code == 200
    # dave passes the first review while rita's page is still open.
    assert dave.post(office(world["police"], f"{item.pk}/approve/")).status_code == 302
    before = AuditLog.objects.count()
    response = rita.post(office(world["police"], f"{item.pk}/approve/"))
    assert response.status_code == 403  # at the final step now: reviewers may not approve
    response = rita.post(office(world["police"], f"{item.pk}/return/"), {"reason": "再看看"})
    assert response.status_code == 403
    alice = signed_in(world["alice"])
    assert alice.post(office(world["police"], f"{item.pk}/approve/")).status_code == 302
    response = dave.post(office(world["police"], f"{item.pk}/return/"), {"reason": "晚了"})
    assert response.status_code == 409
    assert "no longer at this step" in response.content.decode()
    assert dave.post(office(world["police"], f"{item.pk}/approve/")).status_code == 409
    # alice's final approval and the publication; nothing for rita's or dave's refused steps.
    assert AuditLog.objects.count() == before + 2
    assert not audit("content.review.return", item).exists()


def test_author_sees_no_approve_button_and_a_forged_post_is_refused(world):
    item = make_policy(world["police"], world["alice"])
    do_submit(item=item, actor=world["alice"])
    alice = signed_in(world["alice"])
    page = alice.get(office(world["police"], f"{item.pk}/")).content.decode()
    assert 'data-testid="approve"' not in page
    assert "someone else reviews it" in page
    response = alice.post(office(world["police"], f"{item.pk}/approve/"))
    assert response.status_code == 403
    assert not audit("content.review.first_approve", item).exists()


def test_review_queues_show_each_role_its_items(world):
    police = world["police"]
    waiting_first = make_policy(police, world["bob"], title="甲", document_number="")
    do_submit(item=waiting_first, actor=world["bob"])
    waiting_final = make_policy(police, world["bob"], title="乙", document_number="")
    do_submit(item=waiting_final, actor=world["bob"])
    check_approve_item(item=waiting_final, actor=world["alice"])

    rita_page = signed_in(world["rita"]).get(office(police)).content.decode()
    assert 'data-testid="queue-first">1<' in rita_page and "queue-final" not in rita_page
    # alice did the first review of 乙: it is not in her final queue; dave's it is.
    alice = signed_in(world["alice"]).get(office(police, "?queue=final")).content.decode()
    assert 'data-testid="queue-final">0<' in alice
    dave = signed_in(world["dave"]).get(office(police, "?queue=final")).content.decode()
    assert 'data-testid="queue-final">1<' in dave and f'data-item="{waiting_final.pk}"' in dave


def test_publish_helper_used_by_other_tests(world):
    item = publish(
        make_policy(world["police"], world["bob"]),
        author=world["bob"],
        first=world["rita"],
        final=world["alice"],
    )
    assert item.publication == Publication.PUBLISHED
