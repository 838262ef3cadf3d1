"""The broadcast page offers only the review steps the clerk can take (the author never sees
an approve button, the first reviewer not the final one), says why, and names its parts with
their own words: the list's send status column, the composer's schedule, the progress card
before anything is sent."""

from __future__ import annotations

import pytest
from django.utils import translation

from weizheng.broadcasts import actions, selectors
from weizheng.broadcasts.models import Broadcast, SendState
from weizheng.core.review import ReviewStatus
from weizheng.staff.models import Membership, Role

from .conftest import add_followers, signed_in

TEXT = {
    "title": "防汛提醒",
    "message_type": "text",
    "text": "【平安市公安局】今夜有暴雨，请减少外出。",
    "audience_kind": "all",
}


def url(account, path=""):
    return f"/office/accounts/{account.pk}/broadcasts/{path}"


def submitted(world, author):
    if not world["police"].followers.exists():
        add_followers(world["police"], 2, prefix="oReview")
    broadcast = actions.check_save_broadcast(account=world["police"], data=TEXT, actor=author)
    return actions.check_submit(broadcast=broadcast, actor=author)


def review_card(client, broadcast):
    page = client.get(url(broadcast.account, f"{broadcast.pk}/"))
    assert page.status_code == 200
    return page.context["offer"], page.content.decode()


@pytest.fixture
def dave(world, django_user_model):
    """A second administrator of the police department."""
    user = django_user_model.objects.create_user("dave", password="pw-dave-123456", is_staff=True)
    department = world["alice"].memberships.get().department
    Membership.objects.create(user=user, department=department, role=Role.ADMINISTRATOR)
    return user


@pytest.mark.django_db
def test_the_author_is_not_offered_the_final_approval_and_is_told_why(world, dave):
    broadcast = submitted(world, world["alice"])
    actions.check_approve_broadcast(broadcast=broadcast, actor=world["rita"])

    offer, html = review_card(signed_in(world["alice"]), broadcast)
    assert not offer["can_approve"] and 'data-testid="approve-broadcast"' not in html
    assert "You are the author: another administrator gives the final approval." in html
    assert offer["can_return"]  # core.review lets the author's administrator send it back

    offer, html = review_card(signed_in(dave), broadcast)
    assert offer["can_approve"] and 'data-testid="approve-broadcast"' in html
    assert 'data-testid="review-note"' not in html
    # What the page offers, the action takes.
    approved = actions.check_approve_broadcast(broadcast=broadcast, actor=dave)
    assert approved.review_status == ReviewStatus.APPROVED


@pytest.mark.django_db
def test_each_clerk_sees_only_the_step_they_can_take(world):
    broadcast = submitted(world, world["bob"])
    # First review: the author (an editor) and nobody without broadcasts.review gets a button.
    offer, html = review_card(signed_in(world["bob"]), broadcast)
    assert offer == {
        "can_approve": False,
        "can_return": False,
        "note": "Awaiting the first review of a reviewer of this account.",
    }
    assert 'data-testid="return-broadcast"' not in html
    offer, _ = review_card(signed_in(world["rita"]), broadcast)
    assert offer["can_approve"] and offer["can_return"]

    # Final review, first-approved by alice: she may not give the final approval too; rita,
    # a reviewer, cannot give it at all.
    actions.check_approve_broadcast(broadcast=broadcast, actor=world["alice"])
    offer, html = review_card(signed_in(world["alice"]), broadcast)
    assert not offer["can_approve"] and 'data-testid="approve-broadcast"' not in html
    assert "You gave the first review" in offer["note"]
    offer, html = review_card(signed_in(world["rita"]), broadcast)
    assert not offer["can_approve"] and not offer["can_return"]
    assert "Awaiting the final approval" in offer["note"]

    # Cancelled: nothing to offer.
    actions.do_cancel_broadcast(broadcast=broadcast, actor=world["bob"])
    broadcast.refresh_from_db()
    assert selectors.review_offer(broadcast, world["alice"]) == {
        "can_approve": False,
        "can_return": False,
        "note": "",
    }


@pytest.mark.django_db
def test_the_progress_card_says_not_sent_before_sending(world):
    broadcast = submitted(world, world["bob"])
    client = signed_in(world["alice"])
    _, html = review_card(client, broadcast)
    assert 'data-testid="progress-heading">Not sent yet<' in html
    assert client.get(url(world["police"], f"{broadcast.pk}/progress/")).json()["heading"] == (
        "Not sent yet"
    )
    Broadcast.objects.filter(pk=broadcast.pk).update(state=SendState.SENDING)
    assert client.get(url(world["police"], f"{broadcast.pk}/progress/")).json()["heading"] == (
        "Delivery"
    )


@pytest.mark.django_db
def test_labels_shared_with_other_apps_carry_a_context(world):
    """ "When" (the replies editor's 触发条件) and "Sending" (a state) are not the composer's
    schedule nor the list's column: both pages use msgids of their own."""
    submitted(world, world["bob"])
    client = signed_in(world["bob"])
    with translation.override("zh-hans"):
        when = translation.gettext("When")
        sending = translation.gettext("Sending")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    composer = client.get(url(world["police"], "new/")).content.decode()
    listing = client.get(url(world["police"])).content.decode()
    if when != "When":  # the catalogue translates the shared msgid: it must not show here
        assert when not in composer
    if sending != "Sending":
        assert f"<th>{sending}</th>" not in listing
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "<th>Send status</th>" in client.get(url(world["police"])).content.decode()
