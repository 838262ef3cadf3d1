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
    assert first[0] == 5 and first[3] >= 6
    police_editor = django_user_model.objects.get(username="police_editor")
    assert [a.slug for a in accounts_for(police_editor, "account.view")] == ["police"]
    assert MockApp.objects.get(
        appid=OfficialAccount.objects.get(slug="police").app_id
    ).callback_url.endswith("/wx/police/")


@pytest.mark.django_db(transaction=True)
def test_demo_publish_creates_the_menu_and_qr_codes_on_the_platform_once(live_server):
    from urllib.parse import urlsplit

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from weizheng.menus.models import Menu
    from weizheng.wechat.models import QrCode
    from weizheng.wechat_mock.models import MockMenu, MockQrCode

    port = str(urlsplit(live_server.url).port)
    call_command("demo_load", "--port", port, "--mock-base-url", live_server.url + "/wxmock")
    call_command("demo_publish", "--port", port)
    call_command("demo_publish", "--port", port)
    assert sorted(QrCode.objects.values_list("scene", flat=True)) == [
        "expo-checkin",
        "hall-1",
        "poster-2026",
    ]
    assert MockQrCode.objects.count() == 3
    assert Menu.objects.filter(account__slug="police", status="published").count() == 1
    # The police menu, the city's 问政 menu and the water account's 生活缴费 menu (payments' demo),
    # each once.
    assert sorted(
        MockMenu.objects.filter(is_conditional=False).values_list("app__appid", flat=True)
    ) == sorted(
        OfficialAccount.objects.filter(slug__in=["police", "water", "gov"]).values_list(
            "app_id", flat=True
        )
    )
    # The citizens follow through the callback: the app knows them, once.
    from weizheng.followers.models import Follower

    zhang = MockUser.objects.get(
        app__appid=OfficialAccount.objects.get(slug="police").app_id, nickname="张伟"
    )
    assert zhang.is_subscribed
    assert Follower.objects.get(account__slug="police", openid=zhang.openid).subscribe_count == 1
    # The demo notice reached 张伟 as a customer-service message (he had just followed).
    from weizheng.notifications.models import Notification

    notice = Notification.objects.get(dedupe_key="demo:notice:licence-renewal")
    assert (notice.status, notice.channel, notice.openid) == ("sent", "custom", zhang.openid)
    # Every demo login has the demo authenticator, so the DEBUG sign-in page can show its code.
    from weizheng.core.management.commands.demo_load import DEPARTMENTS

    logins = 1 + len({username for _name, _slugs, clerks in DEPARTMENTS for username, _ in clerks})
    assert logins == 15
    assert TOTPDevice.objects.filter(name="demo", confirmed=True).count() == logins
