"""Personas and a window for the appointments tests.

Time: Monday 7 December 2026, 08:00 in Beijing (frozen by the `frozen` fixture; tests move it).
Citizens on the police account: 张三 (bound, ZHANG), 李四 (bound, another ID number, LI), 王五
(not bound, WANG). Staff: alice, administrator of the police department (eservices.manage and
cases.handle); hank, a handler of it (cases.handle only); bob, an editor of it (neither);
carol, administrator of the water department (cannot see police).
The window: 驾驶证业务 1 号窗口, Monday to Friday 08:30–12:00 and 14:00–17:30, 30-minute slots
of 2 places, 5 working days ahead, cut-off 60 minutes.
"""

from __future__ import annotations

from datetime import datetime, time

import pytest
import time_machine
from django.core.cache import cache

from weizheng.appointments import actions
from weizheng.appointments.actions import PeriodInput
from weizheng.appointments.models import Slot
from weizheng.core.workdays import TIMEZONE
from weizheng.identity.testing import make_binding
from weizheng.wechat.oauth import OPENIDS_KEY

ZHANG = "oZHANGSAN0000000000000000001"
LI = "oLISI000000000000000000000002"
WANG = "oWANGWU00000000000000000003"
ZHANG_ID = "11010519491231002X"
LI_ID = "440305199003071236"
MONDAY_8 = datetime(2026, 12, 7, 8, 0, tzinfo=TIMEZONE)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026, Beijing time."""
    return datetime(2026, 12, day, hour, minute, tzinfo=TIMEZONE)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    """The clock stopped at Monday 08:00; `frozen.move_to(at(...))` moves it."""
    with time_machine.travel(MONDAY_8, tick=False) as traveller:
        yield traveller


def as_citizen(client, account, openid):
    session = client.session
    session[OPENIDS_KEY] = {str(account.pk): openid}
    session.save()
    return client


@pytest.fixture
def zhang(plain_account):
    return make_binding(account=plain_account, openid=ZHANG, name="张三", id_number=ZHANG_ID)


@pytest.fixture
def li(plain_account):
    from weizheng.identity.idcard import check_digit

    id_number = LI_ID[:17] + check_digit(LI_ID[:17])
    return make_binding(
        account=plain_account, openid=LI, name="李四", id_number=id_number, phone="13900139000"
    )


WEEKDAY_HOURS = [
    PeriodInput(weekday, start, end)
    for weekday in range(5)
    for start, end in ((time(8, 30), time(12, 0)), (time(14, 0), time(17, 30)))
]


def make_window(account, *, name="驾驶证业务 1 号窗口", capacity=2, **overrides):
    data = {
        "name": name,
        "place": "车管所一楼综合服务大厅",
        "slot_minutes": 30,
        "capacity": capacity,
        "days_ahead": 5,
        "cutoff_minutes": 60,
        "checkin_before_minutes": 30,
        "checkin_after_minutes": 15,
        "no_show_limit": 3,
        "no_show_days": 90,
        "block_days": 30,
        "is_active": True,
        **overrides,
    }
    return actions.check_save_window(account=account, data=data, periods=WEEKDAY_HOURS, actor=None)


@pytest.fixture
def window(plain_account):
    return make_window(plain_account)


def slot_at(window, moment: datetime) -> Slot:
    """The window's slot starting at `moment` (its day's slots written first)."""
    actions.do_prepare_day(window=window, day=moment.date())
    return Slot.objects.get(window=window, starts_at=moment)


@pytest.fixture
def water_account(db):
    from conftest import make_account

    return make_account(
        "water", mode="plain", app_id="wx2222222222222222", token="watertoken", name="平安水务集团"
    )


@pytest.fixture
def staff(plain_account, water_account, django_user_model):
    from weizheng.staff.models import Department, Membership, Role

    police = Department.objects.create(name="平安市公安局交警支队")
    police.accounts.add(plain_account)
    water = Department.objects.create(name="平安水务集团客服中心")
    water.accounts.add(water_account)
    users = {}
    for username, department, role in (
        ("alice", police, Role.ADMINISTRATOR),
        ("hank", police, Role.HANDLER),
        ("bob", police, Role.EDITOR),
        ("carol", water, Role.ADMINISTRATOR),
    ):
        user = django_user_model.objects.create_user(username, password=f"pw-{username}-2026!")
        Membership.objects.create(user=user, department=department, role=role)
        users[username] = user
    return users


@pytest.fixture(autouse=True)
def _english_messages():
    """Refusals are asserted in English (the msgids); pages negotiate their own language."""
    from django.utils import translation

    with translation.override("en"):
        yield
