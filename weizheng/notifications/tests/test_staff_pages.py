"""The notification pages of the back office: figures, templates, a paused lane."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_account
from weizheng.core.models import AuditLog
from weizheng.notifications.models import LanePause, Notification, NotificationTemplate, Status
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(plain_account, django_user_model):
    water = make_account(
        "water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken", name="平安水务集团"
    )
    police_dept = Department.objects.create(name="交警支队")
    police_dept.accounts.add(plain_account)
    water_dept = Department.objects.create(name="水务集团")
    water_dept.accounts.add(water)
    people = {}
    for name, dept, role in (
        ("alice", police_dept, Role.ADMINISTRATOR),
        ("ann", police_dept, Role.ANALYST),
        ("carol", water_dept, Role.ADMINISTRATOR),
    ):
        people[name] = django_user_model.objects.create_user(name, password="pw-2026-x!")
        Membership.objects.create(user=people[name], department=dept, role=role)
    return {"police": plain_account, "water": water, **people}


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(client, user)
    return client


def url(account, path=""):
    return f"/office/accounts/{account.pk}/notifications/{path}"


def test_figures_show_what_was_sent_waits_and_failed(world):
    police = world["police"]
    now = timezone.now()
    for i, status in enumerate([Status.SENT, Status.SENT, Status.PENDING, Status.FAILED]):
        Notification.objects.create(
            account=police,
            openid=f"o{i}",
            kind="office.notice",
            variables={},
            dedupe_key=f"k{i}",
            status=status,
            next_attempt_at=now,
            channel="template" if status == Status.SENT else "",
            last_error="no channel" if status == Status.FAILED else "",
        )
    page = signed_in(world["ann"]).get(url(police)).content.decode()
    assert 'data-testid="total">4<' in page
    assert "no channel" in page


def test_an_administrator_maps_a_kind_to_a_template_and_bad_fields_are_refused(world):
    police = world["police"]
    client = signed_in(world["alice"])
    refused = client.post(
        url(police, "templates/office.notice/"),
        {"template_id": "TPL1", "fields": '{"keyword1": "{receipt_no}"}'},
    )
    assert refused.status_code == 200
    assert not NotificationTemplate.objects.exists()
    broken = client.post(
        url(police, "templates/office.notice/"), {"template_id": "TPL1", "fields": "{"}
    )
    assert "valid JSON" in broken.content.decode()
    saved = client.post(
        url(police, "templates/office.notice/"),
        {"template_id": "TPL1", "fields": '{"first": "{title}", "keyword1": "{content}"}'},
    )
    assert saved.status_code == 302
    assert NotificationTemplate.objects.get(account=police).fields["keyword1"] == "{content}"
    assert AuditLog.objects.filter(
        action="notifications.template.save", actor=world["alice"]
    ).exists()


def test_an_analyst_sees_figures_but_cannot_set_templates_or_resume(world):
    police = world["police"]
    LanePause.objects.create(
        account=police,
        api="message/template/send",
        reason="45009",
        paused_at=timezone.now(),
        until=timezone.now() + timedelta(hours=3),
    )
    client = signed_in(world["ann"])
    page = client.get(url(police)).content.decode()
    assert 'data-testid="paused-lane"' in page
    assert (
        client.post(
            url(police, "templates/office.notice/"),
            {"template_id": "T", "fields": '{"first": "{title}"}'},
        ).status_code
        == 403
    )
    assert (
        client.post(url(police, "lanes/resume/"), {"api": "message/template/send"}).status_code
        == 403
    )
    assert LanePause.objects.exists()
    assert (
        signed_in(world["alice"])
        .post(url(police, "lanes/resume/"), {"api": "message/template/send"})
        .status_code
        == 302
    )
    assert not LanePause.objects.exists()


def test_another_departments_administrator_gets_404_and_changes_nothing(world):
    police = world["police"]
    client = signed_in(world["carol"])
    before = AuditLog.objects.count()
    assert client.get(url(police)).status_code == 404
    assert (
        client.post(
            url(police, "templates/office.notice/"),
            {"template_id": "T", "fields": '{"first": "{title}"}'},
        ).status_code
        == 404
    )
    assert not NotificationTemplate.objects.exists()
    assert AuditLog.objects.count() == before
