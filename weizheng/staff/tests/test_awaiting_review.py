"""The dashboard's "awaiting my review" panel: across the accounts where a clerk reviews or
approves, the content items, broadcasts and service guides waiting for the step they may take —
the first review where they review, the final one where they approve — never their own items,
nor at the final step those they first-reviewed; another department's items never show."""

from __future__ import annotations

import itertools

import pytest

from conftest import make_account
from weizheng.broadcasts import actions as broadcasts
from weizheng.broadcasts.models import Broadcast
from weizheng.broadcasts.tests.conftest import add_followers
from weizheng.content.actions import check_approve_item, do_submit
from weizheng.content.tests.conftest import make_policy
from weizheng.eservices.actions import do_submit_guide
from weizheng.eservices.tests.conftest import make_guide
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.selectors import awaiting_review_by
from weizheng.staff.testing import login_staff


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted in English (the msgids), whatever the catalogue holds."""
    from django.utils import translation

    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(plain_account, django_user_model):
    """police: alice and ann administer, bob edits; water: wendy edits; expo: erin edits, eve
    administers; the city office's rex reviews for police and water (not expo)."""
    water = make_account(
        "water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken", name="平安水务集团"
    )
    expo = make_account(
        "expo", mode="plain", app_id="wx1a2b3c4d5e6f7081", token="expotoken", name="投洽会"
    )
    departments = {}
    for key, name, accounts in (
        ("police", "平安市公安局交警支队", [plain_account]),
        ("water", "平安水务集团客服中心", [water]),
        ("expo", "投洽会组委会", [expo]),
        ("office", "平安市政府办公室", [plain_account, water]),
    ):
        departments[key] = Department.objects.create(name=name)
        departments[key].accounts.add(*accounts)
    people = {}
    for username, department, role in (
        ("alice", "police", Role.ADMINISTRATOR),
        ("ann", "police", Role.ADMINISTRATOR),
        ("bob", "police", Role.EDITOR),
        ("wendy", "water", Role.EDITOR),
        ("erin", "expo", Role.EDITOR),
        ("eve", "expo", Role.ADMINISTRATOR),
        ("rex", "office", Role.REVIEWER),
    ):
        people[username] = django_user_model.objects.create_user(
            username, password=f"pw-{username}-123456", is_staff=True
        )
        Membership.objects.create(
            user=people[username], department=departments[department], role=role
        )
    return {"police": plain_account, "water": water, "expo": expo, **people}


NUMBERS = itertools.count(1)


def submitted_item(account, author, title):
    item = make_policy(
        account, author, title=title, document_number=f"平政发〔2025〕{next(NUMBERS)}号"
    )
    return do_submit(item=item, actor=author)


def submitted_broadcast(account, author, title):
    add_followers(account, 1, prefix=f"o{account.slug[:4]}")
    broadcast = broadcasts.check_save_broadcast(
        account=account,
        data={"title": title, "message_type": "text", "text": "停水通知", "audience_kind": "all"},
        actor=author,
    )
    return broadcasts.check_submit(broadcast=broadcast, actor=author)


def titles(user):
    return {row["item"].title for row in awaiting_review_by(user)}


def test_the_reviewer_sees_the_first_reviews_of_police_and_water_not_expo(world):
    submitted_item(world["police"], world["bob"], "交通管理办法")
    submitted_broadcast(world["water"], world["wendy"], "停水群发")
    do_submit_guide(
        guide=make_guide(world["water"], world["wendy"], title="水表报装"), actor=world["wendy"]
    )
    submitted_item(world["expo"], world["erin"], "投洽会议程")
    make_policy(
        world["police"], world["bob"], title="草稿", document_number="平政发〔2025〕99号"
    )  # a draft waits for nobody

    rows = awaiting_review_by(world["rex"])
    assert {(row["item"].title, row["account"].slug, row["is_final"]) for row in rows} == {
        ("交通管理办法", "police", False),
        ("停水群发", "water", False),
        ("水表报装", "water", False),
    }
    assert {str(row["kind"]) for row in rows} == {"Content item", "Broadcast", "Service guide"}
    # The expo administrator sees the expo item, and nothing of police or water.
    assert titles(world["eve"]) == {"投洽会议程"}
    # Once rex first-approved it, the item waits for an administrator, not for him.
    traffic = next(row["item"] for row in rows if row["item"].title == "交通管理办法")
    check_approve_item(item=traffic, actor=world["rex"])
    assert "交通管理办法" not in titles(world["rex"])
    assert "交通管理办法" in titles(world["alice"])


def test_nobody_sees_their_own_item_or_the_one_they_first_reviewed(world):
    own = submitted_item(world["police"], world["alice"], "局长撰写的通知")
    check_approve_item(item=own, actor=world["rex"])
    # alice wrote it: not awaiting her final approval; ann, the other administrator, has it.
    assert "局长撰写的通知" not in titles(world["alice"])
    assert "局长撰写的通知" in titles(world["ann"])

    other = submitted_item(world["police"], world["bob"], "编辑撰写的通知")
    check_approve_item(item=other, actor=world["ann"])
    assert "编辑撰写的通知" not in titles(world["ann"])  # she gave the first review
    assert "编辑撰写的通知" in titles(world["alice"])
    # The author never sees it, whatever the step.
    assert titles(world["bob"]) == set()


def test_a_cancelled_broadcast_waits_for_nobody(world):
    broadcast = submitted_broadcast(world["water"], world["wendy"], "取消的群发")
    assert "取消的群发" in titles(world["rex"])
    broadcasts.do_cancel_broadcast(broadcast=broadcast, actor=world["wendy"])
    assert Broadcast.objects.get(pk=broadcast.pk).state == "cancelled"
    assert "取消的群发" not in titles(world["rex"])


def test_the_dashboard_lists_them_with_links_only_for_those_who_review(world, client):
    item = submitted_item(world["police"], world["bob"], "交通管理办法")
    guide = make_guide(world["water"], world["wendy"], title="水表报装")
    do_submit_guide(guide=guide, actor=world["wendy"])
    login_staff(client, world["rex"])
    page = client.get("/office/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="awaiting-review"' in page
    assert f'href="/office/accounts/{world["police"].pk}/content/{item.pk}/"' in page
    assert f'href="/office/accounts/{world["water"].pk}/eservices/guides/{guide.pk}/"' in page
    assert page.count('data-testid="awaiting-row"') == 2

    # An editor reviews nothing: no panel at all.
    login_staff(client, world["bob"])
    page = client.get("/office/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="awaiting-review"' not in page
    # An administrator with nothing waiting is told so.
    login_staff(client, world["eve"])
    page = client.get("/office/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="nothing-awaiting"' in page
