"""Creating and editing official accounts: the command, the back office, the audit log."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from weizheng.core.models import AuditLog
from weizheng.staff.testing import login_staff
from weizheng.wechat.models import OfficialAccount

pytestmark = pytest.mark.django_db

AES = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def test_account_add_creates_an_account_and_audits_it(capsys):
    call_command(
        "account_add",
        "--slug",
        "water",
        "--name",
        "平安水务",
        "--appid",
        "wx2222222222222222",
        "--secret",
        "s3cret",
        "--token",
        "watertoken",
        "--aes-key",
        AES,
        "--mode",
        "safe",
    )
    account = OfficialAccount.objects.get(slug="water")
    assert (account.name, account.message_mode, account.app_secret) == (
        "平安水务",
        "safe",
        "s3cret",
    )
    assert "/wx/water/" in capsys.readouterr().out
    entry = AuditLog.objects.get(action="wechat.account.create")
    assert entry.actor_label == "cli"
    assert "s3cret" not in str(entry.detail)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--mode", "safe"], "EncodingAESKey"),
        (["--aes-key", "short"], "EncodingAESKey"),
        (["--appid", "not-an-appid"], "AppID"),
        (["--token", "a b"], "token"),
    ],
)
def test_account_add_refuses_bad_values_and_writes_nothing(args, reason):
    base = {
        "--slug": "bad",
        "--name": "x",
        "--appid": "wx3333333333333333",
        "--secret": "s",
        "--token": "tok123",
    }
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    flat = [item for pair in base.items() for item in pair]
    with pytest.raises(CommandError, match=reason):
        call_command("account_add", *flat)
    assert OfficialAccount.objects.count() == 0
    assert AuditLog.objects.count() == 0


def test_duplicate_slug_is_refused(plain_account):
    with pytest.raises(CommandError, match="slug"):
        call_command(
            "account_add",
            "--slug",
            "police",
            "--name",
            "x",
            "--appid",
            "wx4444444444444444",
            "--secret",
            "s",
            "--token",
            "tok123",
        )


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser(
        "admin", "admin@example.gov.cn", "pw-123456-admin"
    )
    login_staff(client, user)
    return client


def test_back_office_edit_keeps_the_secret_when_left_empty(admin_client, plain_account):
    response = admin_client.post(
        f"/admin/wechat/officialaccount/{plain_account.pk}/change/",
        {
            "name": "平安市公安局（新）",
            "slug": "police",
            "app_id": plain_account.app_id,
            "app_secret": "",
            "token": plain_account.token,
            "encoding_aes_key": "",
            "message_mode": "plain",
            "default_language": "zh-hans",
            "api_base_url": plain_account.api_base_url,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    plain_account.refresh_from_db()
    assert plain_account.name == "平安市公安局（新）"
    assert plain_account.app_secret == "secret-police"
    entry = AuditLog.objects.get(action="wechat.account.update")
    assert entry.actor.username == "admin"
    assert entry.detail["fields"] == ["name"]


def test_back_office_refuses_safe_mode_without_a_key(admin_client, plain_account):
    response = admin_client.post(
        f"/admin/wechat/officialaccount/{plain_account.pk}/change/",
        {
            "name": "x",
            "slug": "police",
            "app_id": plain_account.app_id,
            "app_secret": "",
            "token": plain_account.token,
            "encoding_aes_key": "",
            "message_mode": "safe",
            "default_language": "zh-hans",
            "api_base_url": plain_account.api_base_url,
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert (
        "EncodingAESKey" in response.content.decode()
        or "消息加解密密钥" in response.content.decode()
    )
    plain_account.refresh_from_db()
    assert plain_account.message_mode == "plain"
    assert not AuditLog.objects.filter(action="wechat.account.update").exists()
