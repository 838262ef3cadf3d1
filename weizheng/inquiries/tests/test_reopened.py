"""A reopened request: the first reply's time and punctuality stay (the figures count them as
answered on time); the new round runs on its own deadline and the pages show the round's state,
never 超期 for a reply that came on time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from weizheng.inquiries import actions, selectors
from weizheng.staff.testing import login_staff

from .conftest import CITIZEN, as_citizen, submit

SH = ZoneInfo("Asia/Shanghai")


def at(day, hour=10):
    return time_machine.travel(datetime(2026, 12, day, hour, tzinfo=SH), tick=False)


@pytest.fixture
def reopened(world):
    with at(1):  # Tuesday: reply due Tuesday 8 December
        inquiry = submit(world, category="traffic", description="解放路口红绿灯时间太短")
        actions.check_sign(inquiry=inquiry, actor=world["pete"])
    with at(2):
        inquiry = actions.check_reply(inquiry=inquiry, actor=world["pete"], reply="已延长绿灯。")
        actions.check_rate(inquiry=inquiry, openid=CITIZEN, score=1, is_resolved=False)
    with at(3):
        inquiry.refresh_from_db()
        return actions.check_reopen(inquiry=inquiry, openid=CITIZEN, reason="还是太短")


def office_page(world, inquiry) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    login_staff(client, world["pete"])
    url = f"/office/accounts/{world['police_account'].pk}/inquiries/{inquiry.pk}/"
    return client.get(url).content.decode()


def test_reopening_keeps_the_first_reply_on_time_in_the_figures(world, reopened):
    assert reopened.replied_on_time is True
    assert reopened.replied_at == datetime(2026, 12, 2, 10, tzinfo=SH)
    [row] = selectors.figures(selectors.visible_inquiries(world["pete"]))
    assert (row["answered"], row["on_time"], row["on_time_rate"]) == (1, 1, 100.0)


def test_the_reopened_request_page_shows_the_first_reply_on_time_and_the_open_round(
    world, reopened
):
    with at(4):
        html = office_page(world, reopened)
    first = html.split('data-testid="first-reply"', 1)[1].split("</td>", 1)[0]
    assert "2026-12-02 10:00" in first and "按期" in first and "超期" not in first
    assert 'data-testid="round-reply"' in html
    assert 'data-testid="overdue"' not in html


def test_a_late_reply_in_the_new_round_is_late_there_and_the_first_stays_on_time(world, reopened):
    # The new round (reopened Thursday 3 December) is due Thursday 10 December.
    assert reopened.reply_due_at.date().isoformat() == "2026-12-10"
    with at(14):
        inquiry = actions.check_reply(inquiry=reopened, actor=world["pete"], reply="已改为40秒。")
        html = office_page(world, inquiry)
    assert inquiry.replied_at == datetime(2026, 12, 2, 10, tzinfo=SH)
    assert inquiry.replied_on_time is True
    rounds = selectors.reply_rounds(inquiry)
    assert rounds["round_at"] == datetime(2026, 12, 14, 10, tzinfo=SH)
    assert rounds["round_on_time"] is False
    first = html.split('data-testid="first-reply"', 1)[1].split("</td>", 1)[0]
    again = html.split('data-testid="round-reply"', 1)[1].split("</td>", 1)[0]
    assert "按期" in first and "2026-12-14 10:00" in again and "超期" in again
    [row] = selectors.figures(selectors.visible_inquiries(world["pete"]))
    assert (row["answered"], row["on_time"]) == (1, 1)


def test_the_citizen_sees_the_date_of_the_reply_he_reads(world, reopened):
    with at(7):
        inquiry = actions.check_reply(inquiry=reopened, actor=world["pete"], reply="已改为40秒。")
    client = as_citizen(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), world["gov"], CITIZEN)
    html = client.get(f"/h5/gov/wenzheng/r/{inquiry.public_id}/").content.decode()
    assert "已改为40秒。" in html
    assert 'data-test="replied-at">2026-12-07 10:00<' in html
