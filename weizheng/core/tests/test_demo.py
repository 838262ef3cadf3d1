"""make demo's data: loads, and loads again without duplicating anything."""

import pytest
from django.core.management import call_command

from weizheng.replies.models import KeywordRule
from weizheng.staff.models import Membership
from weizheng.staff.selectors import accounts_for
from weizheng.wechat.models import OfficialAccount
from weizheng.wechat_mock.models import MockApp, MockUser

pytestmark = pytest.mark.django_db


def test_demo_data_loads_twice_without_duplicates(django_user_model):
    call_command("demo_load", "--port", "8000")
    first = (
        OfficialAccount.objects.count(),
        MockApp.objects.count(),
        MockUser.objects.count(),
        KeywordRule.objects.count(),
        Membership.objects.count(),
    )
    call_command("demo_load", "--port", "8000")
    again = (
        OfficialAccount.objects.count(),
        MockApp.objects.count(),
        MockUser.objects.count(),
        KeywordRule.objects.count(),
        Membership.objects.count(),
    )
    assert first == again
    assert first[0] == 4 and first[3] >= 6
    police_editor = django_user_model.objects.get(username="police_editor")
    assert [a.slug for a in accounts_for(police_editor, "account.view")] == ["police"]
    assert MockApp.objects.get(
        appid=OfficialAccount.objects.get(slug="police").app_id
    ).callback_url.endswith("/wx/police/")
