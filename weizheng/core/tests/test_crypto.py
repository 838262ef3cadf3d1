"""Encryption of secrets and personal data at rest."""

import pytest
from django.db import connection

from weizheng.core.crypto import DecryptionError, decrypt_str, encrypt_str, generate_key


def test_round_trip_and_fresh_nonce_each_time():
    a = encrypt_str("身份证 110101199003074477", context="c")
    b = encrypt_str("身份证 110101199003074477", context="c")
    assert a != b
    assert decrypt_str(a, context="c") == decrypt_str(b, context="c") == "身份证 110101199003074477"


def test_a_value_sealed_for_one_column_does_not_open_in_another():
    token = encrypt_str("secret", context="wechat.officialaccount.app_secret")
    with pytest.raises(DecryptionError):
        decrypt_str(token, context="other.column")


def test_tampered_ciphertext_is_refused():
    token = encrypt_str("secret", context="c")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        decrypt_str(tampered, context="c")


def test_key_rotation_keeps_old_values_readable(settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    token = encrypt_str("old", context="c")
    settings.FIELD_ENCRYPTION_KEYS = [generate_key(), old_key]
    assert decrypt_str(token, context="c") == "old"
    new_token = encrypt_str("new", context="c")
    assert new_token.split(":")[1] != token.split(":")[1]
    settings.FIELD_ENCRYPTION_KEYS = [generate_key()]
    with pytest.raises(DecryptionError):
        decrypt_str(token, context="c")


def test_app_secret_is_not_stored_in_plaintext(plain_account):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT app_secret FROM wechat_officialaccount WHERE id = %s", [plain_account.pk]
        )
        stored = cursor.fetchone()[0]
    assert "secret-police" not in stored
    assert stored.startswith("v1:")
    plain_account.refresh_from_db()
    assert plain_account.app_secret == "secret-police"
