"""Menu presses counted from the callback, per key and Beijing day."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from weizheng.menus.actions import do_record_click
from weizheng.menus.models import MenuClick
from weizheng.menus.selectors import click_counts
from weizheng.wechat.testing import event_xml, post_to_callback
from weizheng.wechat_mock import actions as mock

pytestmark = pytest.mark.django_db(transaction=True)

ZHANG = "oZHANGWEI000000000000000000001"


def next_second() -> None:
    """WeChat identifies an event by user, second, event and key (WECHAT.md rule 8): two
    presses of one button in the same second are one event to it, so a test waits a second."""
    second = int(time.time())
    while int(time.time()) == second:
        time.sleep(0.02)


def test_clicks_through_the_platform_are_counted(mock_account, citizen):
    for _ in range(2):
        next_second()
        result = mock.user_clicks(mock_account.app_id, citizen.openid, "POLICE_VIOLATIONS")
        assert result.ok, result.error
    mock.user_clicks(mock_account.app_id, citizen.openid, "POLICE_CONTACT")

    today = timezone.localdate()
    assert click_counts(account=mock_account, since=today) == {
        "POLICE_VIOLATIONS": 2,
        "POLICE_CONTACT": 1,
    }


def test_scan_photo_and_location_buttons_are_counted_view_buttons_are_not(mock_account, citizen):
    app, openid = mock_account.app_id, citizen.openid
    presses = [
        (
            "scancode_push",
            {
                "EventKey": "SCAN_PLATE",
                "ScanCodeInfo": {"ScanType": "qrcode", "ScanResult": "粤A12345"},
            },
        ),
        (
            "pic_sysphoto",
            {
                "EventKey": "ACCIDENT_PHOTO",
                "SendPicsInfo": {"Count": 1, "PicList": [{"PicMd5Sum": "1b5f7c23b5bf7568"}]},
            },
        ),
        (
            "location_select",
            {
                "EventKey": "POLICE_ASSESSMENT_SITES",
                "SendLocationInfo": {
                    "Location_X": "23.1",
                    "Location_Y": "113.3",
                    "Scale": "15",
                    "Label": "平安市交警支队定损中心",
                    "Poiname": "",
                },
            },
        ),
    ]
    for event, fields in presses:
        result = mock.user_sends_event(app, openid, event, fields=fields)
        assert result.ok, result.error
    assert mock.user_views(app, openid, "https://demo.weizheng.gov.cn/h5/guides/").ok

    assert click_counts(account=mock_account, since=timezone.localdate()) == {
        "ACCIDENT_PHOTO": 1,
        "POLICE_ASSESSMENT_SITES": 1,
        "SCAN_PLATE": 1,
    }


def test_a_retried_click_is_counted_once(plain_account):
    client = Client()
    xml = event_xml(plain_account, ZHANG, "CLICK", EventKey="POLICE_TRAFFIC")
    for _ in range(3):  # WeChat retries the same event when the answer is slow
        post_to_callback(client, plain_account, xml)
    assert click_counts(account=plain_account, since=timezone.localdate()) == {"POLICE_TRAFFIC": 1}


def test_clicks_are_counted_per_beijing_day(plain_account):
    # 16:30 UTC on 1 January is half past midnight on 2 January in Beijing.
    do_record_click(
        account=plain_account, key="POLICE_TRAFFIC", at=datetime(2026, 1, 1, 15, 30, tzinfo=UTC)
    )
    do_record_click(
        account=plain_account, key="POLICE_TRAFFIC", at=datetime(2026, 1, 1, 16, 30, tzinfo=UTC)
    )
    do_record_click(
        account=plain_account, key="POLICE_TRAFFIC", at=datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
    )

    rows = MenuClick.objects.order_by("day").values_list("day", "count")
    assert list(rows) == [(date(2026, 1, 1), 1), (date(2026, 1, 2), 2)]
    assert click_counts(account=plain_account, since=date(2026, 1, 2)) == {"POLICE_TRAFFIC": 2}
    assert click_counts(account=plain_account, since=date(2026, 1, 1), until=date(2026, 1, 1)) == {
        "POLICE_TRAFFIC": 1
    }


def test_an_empty_key_is_not_counted(plain_account):
    do_record_click(account=plain_account, key="  ", at=timezone.now())
    assert not MenuClick.objects.exists()


def test_simultaneous_first_clicks_of_the_day_are_all_counted(plain_account):
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    at = timezone.now()
    errors: list[BaseException] = []

    def press() -> None:
        try:
            barrier.wait()
            do_record_click(account=plain_account, key="POLICE_EMERGENCY", at=at)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert MenuClick.objects.get(key="POLICE_EMERGENCY").count == threads_count
