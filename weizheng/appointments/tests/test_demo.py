"""The demo: the police windows (车管所 1 and 2, 出入境办证大厅) and the water 用水报装 window
with realistic hours, bookings for the bound personas, and loading twice changes nothing."""

from __future__ import annotations

import pytest

from conftest import make_account
from weizheng.appointments import demo
from weizheng.appointments.models import Booking, Slot, Window
from weizheng.identity.testing import make_binding

from .conftest import at

pytestmark = pytest.mark.django_db

ZHOU = "oZHOUMING000000000000000000001"
WU = "oWUJIANGUO00000000000000000002"


@pytest.fixture
def accounts(db):
    police = make_account("police", mode="plain", app_id="wx5a3f0c1d2e4b6a70", token="policetoken")
    water = make_account("water", mode="plain", app_id="wx7c2e9a4b1d3f5e80", token="watertoken")
    make_binding(account=police, openid=ZHOU, name="周明", id_number="440304198506120035")
    make_binding(account=police, openid=WU, name="吴建国", id_number="440305195210010059")
    make_binding(account=water, openid=ZHOU, name="周明", id_number="440304198506120035")
    return police, water


def test_the_demo_windows_bookings_and_a_second_load_that_changes_nothing(frozen, accounts):
    police, water = accounts

    demo.load_demo()
    demo.load_demo()

    names = sorted(Window.objects.filter(account=police).values_list("name", flat=True))
    assert names == ["出入境办证大厅", "机动车登记 2 号窗口", "驾驶证业务 1 号窗口"]
    licence = Window.objects.get(name="驾驶证业务 1 号窗口")
    assert licence.slot_minutes == 30 and 4 <= licence.capacity <= 6
    assert [
        (f"{p.starts:%H:%M}", f"{p.ends:%H:%M}") for p in licence.periods.filter(weekday=0)
    ] == [
        ("08:30", "12:00"),
        ("14:00", "17:30"),
    ]
    assert not licence.periods.filter(weekday__gte=5).exists()
    assert Window.objects.get(account=water).name == "营业厅 用水报装"
    # Frozen on Monday 7 December: the next working days are Tuesday and Wednesday.
    bookings = {
        (b.window.name, b.openid): b.slot.starts_at
        for b in Booking.objects.select_related("window", "slot")
    }
    assert bookings == {
        ("驾驶证业务 1 号窗口", ZHOU): at(8, 9, 30),
        ("出入境办证大厅", WU): at(9, 10, 0),
        ("营业厅 用水报装", ZHOU): at(8, 14, 30),
    }
    assert Slot.objects.get(window=licence, starts_at=at(8, 9, 30)).booked == 1


def test_the_demo_skips_accounts_that_do_not_exist(frozen, db):
    demo.load_demo()

    assert not Window.objects.exists()
