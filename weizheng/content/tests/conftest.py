"""Personas of the content tests: the police department has alice (administrator), bob (editor),
rita (reviewer) and dave (a second administrator); the water department has carol
(administrator). Media files go to a temporary MEDIA_ROOT."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import make_account
from weizheng.content.actions import check_save_item
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(plain_account, django_user_model):
    police = plain_account
    water = make_account(
        "water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken", name="平安水务集团"
    )
    police_department = Department.objects.create(name="平安市公安局")
    police_department.accounts.add(police)
    water_department = Department.objects.create(name="平安水务集团")
    water_department.accounts.add(water)
    people = {}
    for username, department, role in (
        ("alice", police_department, Role.ADMINISTRATOR),
        ("bob", police_department, Role.EDITOR),
        ("rita", police_department, Role.REVIEWER),
        ("dave", police_department, Role.ADMINISTRATOR),
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


BODY = "第一条 为规范住房公积金提取，制定本办法。\n\n第二条 本办法适用于本市行政区域内的住房公积金提取。"


def make_policy(account, author, **fields):
    data = {
        "kind": "policy",
        "title": "平安市住房公积金提取管理办法",
        "document_number": "平政发〔2024〕12号",
        "issuer": "平安市人民政府",
        "topic": "住房保障",
        "body": BODY,
        **fields,
    }
    return check_save_item(account=account, actor=author, data=data)


def publish(item, *, author, first, final):
    """Through 三审 to publication."""
    from weizheng.content.actions import check_approve_item, do_submit

    do_submit(item=item, actor=author)
    check_approve_item(item=item, actor=first)
    return check_approve_item(item=item, actor=final)


def office(account, path=""):
    return f"/office/accounts/{account.pk}/content/{path}"


@pytest.fixture(autouse=True)
def _english_messages():
    """Refusals are asserted in English (the msgids); pages negotiate their own language."""
    from django.utils import translation

    with translation.override("en"):
        yield
