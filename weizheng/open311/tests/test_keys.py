"""API keys from the command line: open311_key_add prints a new key once and keeps only its
hash, optionally limited to accounts; open311_key_revoke stops it at once; both audited."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from weizheng.core.models import AuditLog
from weizheng.open311.models import ApiClient
from weizheng.open311.selectors import client_for_key


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def test_key_add_prints_a_key_that_is_stored_only_as_its_hash(world):
    key, note = run("open311_key_add", "--name", "hotline-12345", "--account", "gov")
    assert key.startswith("o311_") and len(key) > 40
    assert "hotline-12345 (gov)" in note
    client = ApiClient.objects.get(name="hotline-12345")
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(list(ApiClient.objects.values()))
    assert client.key_prefix == key[:9]
    assert list(client.accounts.all()) == [world["gov"]]
    assert client_for_key(key) == client
    assert AuditLog.objects.filter(
        action="open311.client.created", target_id=str(client.pk)
    ).exists()
    listing, _ = run("open311_key_list")
    assert f"hotline-12345\t{key[:9]}…\tactive\tgov" in listing
    assert key not in listing


def test_key_add_refuses_a_taken_name_an_unknown_account_and_a_bad_name(world):
    with pytest.raises(CommandError, match="There is already a client named “hotline”"):
        run("open311_key_add", "--name", "hotline")
    with pytest.raises(CommandError, match="There is no account 'nowhere'"):
        run("open311_key_add", "--name", "new", "--account", "nowhere")
    for bad in ("has space", "热线12345", ""):
        with pytest.raises(CommandError, match="Latin letters, digits, hyphens or underscores"):
            run("open311_key_add", "--name", bad)
    assert ApiClient.objects.count() == 2


def test_key_revoke_stops_the_key_at_once(world, api):
    assert client_for_key(world["key"]) == world["hotline"]
    out, _ = run("open311_key_revoke", "--name", "hotline")
    assert out == "Revoked the key of Open311 client hotline."
    assert client_for_key(world["key"]) is None
    response = api.get("/open311/v2/services.json", {"api_key": world["key"]})
    assert response.status_code == 403
    assert AuditLog.objects.filter(action="open311.client.revoked").count() == 1
    with pytest.raises(CommandError, match="There is no client named “ghost”"):
        run("open311_key_revoke", "--name", "ghost")


def test_a_superuser_revokes_a_key_in_the_admin(world, django_user_model):
    from django.test import Client

    from weizheng.staff.testing import login_staff

    root = django_user_model.objects.create_superuser("root", password="pw-root-123456")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_staff(browser, root)
    listing = browser.get("/admin/open311/apiclient/")
    assert listing.status_code == 200
    assert world["key"].encode() not in listing.content
    response = browser.post(
        "/admin/open311/apiclient/",
        {"action": "revoke", "_selected_action": [world["hotline"].pk]},
    )
    assert response.status_code == 302
    assert client_for_key(world["key"]) is None
    assert client_for_key(world["county_key"]) == world["county_app"]
    assert AuditLog.objects.get(action="open311.client.revoked").actor_label == "admin:root"
