"""The back-office pages: compose, the audience and quota shown, review through the pages,
sending through the mock, progress JSON, the paused lane's banner; another department gets 404
and changes nothing."""

from __future__ import annotations

import pytest

from weizheng.broadcasts.models import Broadcast, BroadcastLane, SendState
from weizheng.core.models import AuditLog
from weizheng.wechat_mock.models import Channel, MockDelivered

from .conftest import add_followers, signed_in, tag


def url(account, path=""):
    return f"/office/accounts/{account.pk}/broadcasts/{path}"


FORM = {
    "title": "防诈骗提醒",
    "message_type": "text",
    "text": "【平安市公安局】警惕冒充客服退款诈骗！",
    "audience_kind": "segment",
}


@pytest.mark.django_db
def test_compose_shows_audience_and_quota_then_review_by_pages(world):
    police = world["police"]
    drivers = add_followers(police, 3, prefix="oPage")
    t = tag(police, "车主", drivers[:2])
    bob = signed_in(world["bob"])
    assert bob.get(url(police)).status_code == 200
    response = bob.post(url(police, "new/"), {**FORM, "tag_ids": [str(t.pk)]})
    broadcast = Broadcast.objects.get()
    assert response.status_code == 302 and response["Location"] == url(police, f"{broadcast.pk}/")
    page = bob.get(url(police, f"{broadcast.pk}/"))
    assert page.context["summary"] == {"count": 2, "at_limit": 0, "reachable": 2}
    assert b'data-testid="submit-broadcast"' in page.content

    bob.post(url(police, f"{broadcast.pk}/submit/"))
    broadcast.refresh_from_db()
    assert broadcast.review_status == "first_review"
    # The author cannot approve; the page says why and nothing moves.
    bob.post(url(police, f"{broadcast.pk}/approve/"))
    broadcast.refresh_from_db()
    assert broadcast.review_status == "first_review"
    signed_in(world["rita"]).post(url(police, f"{broadcast.pk}/approve/"), {"note": "可以"})
    broadcast.refresh_from_db()
    assert broadcast.review_status == "final_review"


@pytest.mark.django_db
def test_the_composer_refuses_with_the_reason(world):
    police = world["police"]
    bob = signed_in(world["bob"])
    response = bob.post(url(police, "new/"), {**FORM, "text": "长" * 700, "audience_kind": "all"})
    assert response.status_code == 200
    assert "2048 bytes" in response.content.decode()
    assert not Broadcast.objects.exists()


@pytest.mark.django_db
def test_another_department_gets_404_and_changes_nothing(world):
    police = world["police"]
    add_followers(police, 2, prefix="oCross")
    bob = signed_in(world["bob"])
    bob.post(url(police, "new/"), {**FORM, "audience_kind": "all"})
    broadcast = Broadcast.objects.get()
    audit_rows = AuditLog.objects.count()
    carol = signed_in(world["carol"])
    for path in ("", "new/", f"{broadcast.pk}/", f"{broadcast.pk}/progress/"):
        assert carol.get(url(police, path)).status_code == 404
    for path in ("submit/", "approve/", "cancel/", "delete/", "preview/", "return/"):
        assert carol.post(url(police, f"{broadcast.pk}/{path}")).status_code == 404
    assert carol.post(url(police, "resume/")).status_code == 404
    # Her own account does not know the police broadcast either.
    water = world["water"]
    assert carol.get(url(water, f"{broadcast.pk}/")).status_code == 404
    broadcast.refresh_from_db()
    assert broadcast.review_status == "draft" and broadcast.state == SendState.WAITING
    assert AuditLog.objects.count() == audit_rows
    # A reviewer may not compose.
    assert signed_in(world["rita"]).get(url(police, "new/")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_sent_through_the_pages_with_progress_and_results(mock_world, settings):
    settings.WECHAT_MOCK_SYNC_CALLBACKS = True
    police = mock_world["police"]
    followers = add_followers(police, 4, on_mock=True, prefix="oFlow")
    bob = signed_in(mock_world["bob"])
    bob.post(url(police, "new/"), {**FORM, "audience_kind": "all"})
    broadcast = Broadcast.objects.get()
    bob.post(url(police, f"{broadcast.pk}/submit/"))
    signed_in(mock_world["rita"]).post(url(police, f"{broadcast.pk}/approve/"))
    alice = signed_in(mock_world["alice"])
    alice.post(url(police, f"{broadcast.pk}/approve/"))
    broadcast.refresh_from_db()
    assert broadcast.state == SendState.SENT
    got = set(MockDelivered.objects.filter(channel=Channel.MASS).values_list("openid", flat=True))
    assert got == {f.openid for f in followers}
    progress = alice.get(url(police, f"{broadcast.pk}/progress/")).json()
    assert progress["percent"] == 100 and progress["results"]["sent"] == 4
    assert progress["is_finished"]


@pytest.mark.django_db
def test_a_paused_lane_shows_a_banner_with_resume(world):
    police = world["police"]
    BroadcastLane.objects.create(account=police, is_paused=True, errcode=45009)
    page = signed_in(world["alice"]).get(url(police))
    assert b'data-testid="lane-paused"' in page.content
    assert b'data-testid="resume-lane"' in page.content
    # An editor sees the banner but not the button.
    page = signed_in(world["bob"]).get(url(police))
    assert b'data-testid="lane-paused"' in page.content
    assert b'data-testid="resume-lane"' not in page.content
    response = signed_in(world["alice"]).post(url(police, "resume/"))
    assert response.status_code == 302
    assert not BroadcastLane.objects.get(account=police).is_paused


@pytest.mark.django_db
def test_refusals_keep_their_status_on_the_page(world):
    police = world["police"]
    add_followers(police, 3, prefix="oRefuse")
    bob = signed_in(world["bob"])
    bob.post(url(police, "new/"), {**FORM, "audience_kind": "all"})
    broadcast = Broadcast.objects.get()
    bob.post(url(police, f"{broadcast.pk}/submit/"))
    # The author may not approve his own broadcast: 403, the page with the reason.
    response = bob.post(url(police, f"{broadcast.pk}/approve/"))
    assert response.status_code == 403
    assert "The author of an item cannot approve it." in response.content.decode()
    assert response.context["broadcast"].pk == broadcast.pk
    # Cancelled twice: the second is a state conflict, 409, with the reason.
    assert bob.post(url(police, f"{broadcast.pk}/cancel/")).status_code == 302
    response = bob.post(url(police, f"{broadcast.pk}/cancel/"))
    assert response.status_code == 409
    assert "Only a broadcast that has not gone out can be cancelled." in response.content.decode()
    assert b'data-testid="cancel-broadcast"' not in response.content
    # The progress poll rewrites the results sentence from this template.
    assert b'data-template="Results of __N__ call(s) received so far;' in response.content
    # Editing it now is a conflict too; a form that does not validate stays 200.
    response = bob.post(url(police, f"{broadcast.pk}/edit/"), {**FORM, "audience_kind": "all"})
    assert response.status_code == 302  # the page says it cannot be edited
    response = bob.post(url(police, "new/"), {**FORM, "text": "长" * 700, "audience_kind": "all"})
    assert response.status_code == 200
    progress = bob.get(url(police, f"{broadcast.pk}/progress/")).json()
    assert progress["is_finished"] and not progress["is_cancellable"]


@pytest.mark.django_db
def test_each_broadcast_has_its_own_send_token(world):
    police = world["police"]
    bob = signed_in(world["bob"])
    bob.post(url(police, "new/"), {**FORM, "audience_kind": "all"})
    bob.post(url(police, "new/"), {**FORM, "audience_kind": "all"})
    tokens = list(Broadcast.objects.values_list("send_token", flat=True))
    assert len(set(tokens)) == 2 and all(len(t) == 8 for t in tokens)
