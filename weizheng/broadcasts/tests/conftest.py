"""Personas and helpers of the broadcasts tests.

alice administers the police department (final review), bob edits for it, rita reviews for it
(first review), carol administers the water department (another department: 404 on police pages).
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_account
from weizheng.followers.models import Follower, FollowerTag
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff


def staff_world(police, django_user_model):
    water = make_account(
        "water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken", name="平安水务集团"
    )
    police_department = Department.objects.create(name="平安市公安局交警支队")
    police_department.accounts.add(police)
    water_department = Department.objects.create(name="平安水务集团客服中心")
    water_department.accounts.add(water)
    people = {}
    for username, department, role in (
        ("alice", police_department, Role.ADMINISTRATOR),
        ("bob", police_department, Role.EDITOR),
        ("rita", police_department, Role.REVIEWER),
        ("carol", water_department, Role.ADMINISTRATOR),
    ):
        people[username] = django_user_model.objects.create_user(
            username, password=f"pw-{username}-123456", is_staff=True
        )
        Membership.objects.create(user=people[username], department=department, role=role)
    return {"police": police, "water": water, **people}


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


def add_followers(
    account,
    count: int,
    *,
    on_mock: bool = False,
    prefix: str = "",
    language: str = "zh_CN",
    first_subscribed_at: datetime | None = None,
    **fields,
) -> list[Follower]:
    """`count` following followers of the account in our table (and, with on_mock, the same
    openids as users of the mock platform)."""
    if on_mock:
        from weizheng.wechat_mock import actions as mock

        openids = mock.create_users_bulk(
            account.app_id, count=count, language=language, openid_prefix=prefix
        )
    else:
        base = prefix or "oTest"
        openids = [f"{base}{n:0{28 - len(base)}d}" for n in range(count)]
    when = first_subscribed_at or timezone.now()
    Follower.objects.bulk_create(
        [
            Follower(
                account=account,
                openid=openid,
                is_subscribed=True,
                first_subscribed_at=when,
                last_subscribed_at=when,
                subscribe_count=1,
                language=language,
                **fields,
            )
            for openid in openids
        ],
        batch_size=2_000,
    )
    return list(Follower.objects.filter(account=account, openid__in=openids).order_by("pk"))


def tag(account, name: str, followers=(), wechat_id: int | None = None) -> FollowerTag:
    created = FollowerTag.objects.create(account=account, name=name, wechat_id=wechat_id)
    created.followers.add(*followers)
    return created


@pytest.fixture
def world(plain_account, django_user_model):
    return staff_world(plain_account, django_user_model)


@pytest.fixture
def mock_world(mock_account, django_user_model):
    return staff_world(mock_account, django_user_model)


@pytest.fixture(autouse=True)
def _english_messages():
    """Refusals are asserted in English (the msgids); pages negotiate their own language."""
    from django.utils import translation

    with translation.override("en"):
        yield
