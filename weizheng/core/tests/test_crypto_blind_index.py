import pytest
from django.core.exceptions import ImproperlyConfigured

from weizheng.core.crypto import blind_index, generate_key


def test_blind_index_is_stable_and_depends_on_the_value_and_the_column():
    first = blind_index("11010519491231002X", context="identity.id_number")
    assert first == blind_index("11010519491231002X", context="identity.id_number")
    assert len(first) == 64
    assert first != blind_index("110105194912310021", context="identity.id_number")
    assert first != blind_index("11010519491231002X", context="identity.phone")


def test_blind_index_changes_with_the_key(settings):
    before = blind_index("13800138000", context="identity.phone")
    settings.FIELD_BLIND_INDEX_KEY = generate_key()
    assert blind_index("13800138000", context="identity.phone") != before


def test_blind_index_refuses_a_missing_or_short_key(settings):
    settings.FIELD_BLIND_INDEX_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        blind_index("13800138000", context="identity.phone")
    settings.FIELD_BLIND_INDEX_KEY = "c2hvcnQ="
    with pytest.raises(ImproperlyConfigured):
        blind_index("13800138000", context="identity.phone")
