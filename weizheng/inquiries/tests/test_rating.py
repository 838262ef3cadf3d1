"""The citizen rates the reply (submitter only, once per reply) and may reopen an unresolved
request once; it returns flagged to the department on a new clock."""

from __future__ import annotations

import pytest

from weizheng.core.errors import AppError
from weizheng.inquiries import actions
from weizheng.inquiries.models import InquiryRating, InquiryStatus

from .conftest import CITIZEN, OTHER, as_citizen, submit


@pytest.fixture
def answered(world):
    inquiry = submit(world, category="traffic", description="解放路口红绿灯时间太短")
    actions.check_sign(inquiry=inquiry, actor=world["pete"])
    return actions.check_reply(inquiry=inquiry, actor=world["pete"], reply="已延长行人绿灯。")


def test_the_submitter_rates_once(world, answered):
    rating = actions.check_rate(inquiry=answered, openid=CITIZEN, score=3, is_resolved=True)
    answered.refresh_from_db()
    assert answered.status == InquiryStatus.RATED
    assert (rating.score, rating.is_resolved, rating.round) == (3, True, 0)
    with pytest.raises(AppError) as again:
        actions.check_rate(inquiry=answered, openid=CITIZEN, score=1, is_resolved=False)
    assert again.value.code == "already_rated"
    assert again.value.message == "You have already rated this reply."
    assert InquiryRating.objects.count() == 1


def test_someone_else_cannot_rate(world, answered):
    with pytest.raises(AppError) as refused:
        actions.check_rate(inquiry=answered, openid=OTHER, score=1, is_resolved=False)
    assert refused.value.status == 403
    assert refused.value.message == "Only the person who asked can rate the reply."
    assert not InquiryRating.objects.exists()
    answered.refresh_from_db()
    assert answered.status == InquiryStatus.REPLIED


def test_a_request_not_yet_answered_cannot_be_rated(world):
    inquiry = submit(world)
    with pytest.raises(AppError) as refused:
        actions.check_rate(inquiry=inquiry, openid=CITIZEN, score=3, is_resolved=True)
    assert refused.value.code == "not_replied"


def test_a_bad_score_is_refused(world, answered):
    with pytest.raises(AppError) as refused:
        actions.check_rate(inquiry=answered, openid=CITIZEN, score=5, is_resolved=True)
    assert refused.value.code == "bad_score"


def test_an_unresolved_request_is_reopened_once_and_rated_again(world, answered):
    actions.check_rate(inquiry=answered, openid=CITIZEN, score=1, is_resolved=False)
    answered.refresh_from_db()
    with pytest.raises(AppError) as stranger:
        actions.check_reopen(inquiry=answered, openid=OTHER, reason="还是太短")
    assert stranger.value.status == 403
    inquiry = actions.check_reopen(
        inquiry=answered, openid=CITIZEN, reason="绿灯只有20秒，老人过不去"
    )
    assert inquiry.status == InquiryStatus.IN_PROGRESS
    assert inquiry.reopen_count == 1
    assert inquiry.due_at == inquiry.reply_due_at
    assert inquiry.status_note == "绿灯只有20秒，老人过不去"
    inquiry = actions.check_reply(inquiry=inquiry, actor=world["pete"], reply="已调整为35秒。")
    actions.check_rate(inquiry=inquiry, openid=CITIZEN, score=2, is_resolved=True)
    inquiry.refresh_from_db()
    assert list(inquiry.ratings.values_list("round", "score")) == [(0, 1), (1, 2)]
    with pytest.raises(AppError) as twice:
        actions.check_reopen(inquiry=inquiry, openid=CITIZEN, reason="再看看")
    assert twice.value.code == "already_reopened"


def test_a_resolved_and_satisfied_request_cannot_be_reopened_by_the_citizen(world, answered):
    actions.check_rate(inquiry=answered, openid=CITIZEN, score=3, is_resolved=True)
    answered.refresh_from_db()
    with pytest.raises(AppError) as refused:
        actions.check_reopen(inquiry=answered, openid=CITIZEN, reason="再看看")
    assert refused.value.code == "not_reopenable"


def test_the_rating_form_on_the_citizens_page(world, answered, client):
    as_citizen(client, world["gov"], CITIZEN)
    page = client.get(f"/h5/gov/wenzheng/r/{answered.public_id}/").content.decode()
    assert 'data-test="rate-form"' in page and "已延长行人绿灯。" in page
    response = client.post(
        f"/h5/gov/wenzheng/r/{answered.public_id}/rate/", {"score": "2", "resolved": "0"}
    )
    assert response.status_code == 302
    page = client.get(f"/h5/gov/wenzheng/r/{answered.public_id}/").content.decode()
    assert 'data-test="rating"' in page and 'data-test="reopen-form"' in page


def test_a_rating_posted_by_another_citizen_is_refused_with_the_reason(world, answered, client):
    as_citizen(client, world["gov"], OTHER)
    response = client.post(
        f"/h5/gov/wenzheng/r/{answered.public_id}/rate/", {"score": "1", "resolved": "0"}
    )
    assert response.status_code == 403
    # the government account's pages are served in Chinese
    assert "只有反映人本人可以评价答复" in response.content.decode()
    assert not InquiryRating.objects.exists()
