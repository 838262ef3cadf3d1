"""Parametric QR codes: created on WeChat (the mock), listed with the follows and scans each
brought, refused before any call when malformed."""

from __future__ import annotations

import pytest
from django.test import Client

from weizheng.core.errors import AppError
from weizheng.core.models import AuditLog
from weizheng.staff.models import Department, Membership, Role
from weizheng.staff.testing import login_staff
from weizheng.wechat.actions import check_create_qrcode
from weizheng.wechat.models import ApiCall, QrCode
from weizheng.wechat_mock import actions as mock
from weizheng.wechat_mock.models import MockQrCode

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def editor(mock_account, django_user_model):
    department = Department.objects.create(name="平安市公安局出入境管理支队")
    department.accounts.add(mock_account)
    user = django_user_model.objects.create_user("bob", password="pw-bob-2026!")
    Membership.objects.create(user=user, department=department, role=Role.EDITOR)
    return user


def test_a_clerk_creates_a_code_and_sees_the_follows_it_brought(mock_account, editor, citizen):
    office = Client()
    login_staff(office, editor)
    response = office.post(
        f"/office/accounts/{mock_account.pk}/qrcodes/",
        {"name": "出入境办证大厅", "scene": "hall-1", "is_permanent": "on"},
    )
    assert response.status_code == 302
    code = QrCode.objects.get(account=mock_account, scene="hall-1")
    assert MockQrCode.objects.filter(ticket=code.ticket, scene_str="hall-1").exists()
    assert AuditLog.objects.filter(action="wechat.qrcode.create", actor=editor).exists()

    # A new citizen follows by scanning it; 张伟 (already following) scans it.
    newcomer = mock.create_user(mock_account.app_id, nickname="李娜", is_subscribed=False)
    mock.user_subscribes(mock_account.app_id, newcomer.openid, ticket=code.ticket)
    mock.user_scans(mock_account.app_id, citizen.openid, code.ticket)

    page = office.get(f"/office/accounts/{mock_account.pk}/qrcodes/").content.decode()
    row = page.split("hall-1")[1].split("</tr>")[0]
    counts = [cell.split("</td>")[0] for cell in row.split("<td>")[2:4]]
    assert counts == ["1", "1"]
    png = office.get(f"/office/accounts/{mock_account.pk}/qrcodes/{code.pk}.png")
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("scene", "code"),
    [("", "invalid_scene"), ("大厅", "invalid_scene"), ("x" * 65, "invalid_scene")],
)
def test_a_malformed_scene_is_refused_before_any_call(mock_account, scene, code):
    with pytest.raises(AppError) as refused:
        check_create_qrcode(account=mock_account, name="大厅", scene=scene)
    assert refused.value.code == code
    assert not ApiCall.objects.filter(api__contains="qrcode").exists()
    assert not QrCode.objects.exists()


def test_a_duplicate_scene_and_a_bad_lifetime_are_refused(mock_account):
    check_create_qrcode(account=mock_account, name="海报", scene="poster")
    with pytest.raises(AppError) as duplicate:
        check_create_qrcode(account=mock_account, name="海报二", scene="poster")
    assert duplicate.value.code == "duplicate_scene"
    with pytest.raises(AppError) as lifetime:
        check_create_qrcode(
            account=mock_account, name="临时", scene="tmp", is_permanent=False, expire_seconds=10
        )
    assert lifetime.value.code == "invalid_lifetime"
    assert QrCode.objects.count() == 1


def test_a_wechat_refusal_saves_nothing(mock_account):
    mock.inject_fault(kind="errcode", api="cgi-bin/qrcode/create", value=45009, remaining=5)
    with pytest.raises(AppError) as refused:
        check_create_qrcode(account=mock_account, name="海报", scene="poster")
    assert refused.value.code == "wechat_refused"
    assert not QrCode.objects.exists()
    assert not AuditLog.objects.filter(action="wechat.qrcode.create").exists()


def test_a_temporary_code_records_when_it_expires(mock_account):
    code = check_create_qrcode(
        account=mock_account,
        name="投洽会签到",
        scene="checkin-0908",
        is_permanent=False,
        expire_seconds=86400,
    )
    assert code.expires_at is not None
    assert MockQrCode.objects.get(ticket=code.ticket).action_name == "QR_STR_SCENE"
