"""Demo appointments: the police account's 车管所 windows (驾驶证业务 1 号窗口, 机动车登记 2 号窗口)
and the 出入境办证大厅 window, the water account's 营业厅 用水报装 window, all open on working days
8:30–12:00 and 14:00–17:30 (the water hall until 17:00) in 30-minute slots; and a booking for
each persona the identity demo bound (周明, 吴建国) on the next working days, so 我的预约 answers
and the office's queue has people in it. Idempotent: a window that exists is left as it is, and
a persona with a booking at a window gets no other."""

from __future__ import annotations

from datetime import date, datetime, time

from weizheng.core.errors import AppError
from weizheng.core.workdays import TIMEZONE
from weizheng.identity.models import Binding
from weizheng.wechat.models import OfficialAccount

from . import actions
from .actions import PeriodInput
from .models import Booking, Slot, Window

POLICE_HALL = "平安市公安局交警支队车辆管理所（平安市人民路 88 号）一楼综合服务大厅"
EXIT_ENTRY_HALL = "平安市公安局出入境管理支队办证大厅（平安市政务服务中心二楼）"
WATER_HALL = "平安水务集团客户服务中心（平安市滨江大道 16 号）营业大厅"


def _hours(afternoon_ends: time = time(17, 30)) -> list[PeriodInput]:
    return [
        PeriodInput(weekday, starts, ends)
        for weekday in range(5)
        for starts, ends in ((time(8, 30), time(12, 0)), (time(14, 0), afternoon_ends))
    ]


# account slug, name, place, guide code, capacity, what to bring, afternoon closing time
WINDOWS = (
    (
        "police",
        "驾驶证业务 1 号窗口",
        f"{POLICE_HALL} 1 号窗口",
        "PA-JJ-0101",
        6,
        "请携带居民身份证和驾驶证（补领的除外）；换证、补证需近期一寸白底免冠彩色照片或数码照片回执。",
        time(17, 30),
    ),
    (
        "police",
        "机动车登记 2 号窗口",
        f"{POLICE_HALL} 2 号窗口",
        "",
        4,
        "请携带机动车所有人身份证明、购车发票、合格证或进口凭证、交强险保单，并将车辆开至查验区。",
        time(17, 30),
    ),
    (
        "police",
        "出入境办证大厅",
        EXIT_ENTRY_HALL,
        "",
        5,
        "办理护照、往来港澳台通行证请携带居民身份证；现场免费采集照片和指纹。",
        time(17, 30),
    ),
    (
        "water",
        "营业厅 用水报装",
        f"{WATER_HALL} 3 号窗口",
        "PA-SW-0001",
        4,
        "请携带用水申请表、产权证明或土地使用证明、申请人身份证明；单位申请另带营业执照。",
        time(17, 0),
    ),
)

# account slug, window name, persona's real name, which offered day (0 = first after today), time
BOOKINGS = (
    ("police", "驾驶证业务 1 号窗口", "周明", 0, time(9, 30)),
    ("police", "出入境办证大厅", "吴建国", 1, time(10, 0)),
    ("water", "营业厅 用水报装", "周明", 0, time(14, 30)),
)


def _window(account: OfficialAccount, spec) -> Window:
    _slug, name, place, guide_code, capacity, notes, closes = spec
    existing = Window.objects.filter(account=account, name=name).first()
    if existing is not None:
        return existing
    from weizheng.eservices.models import ServiceGuide

    guide = (
        ServiceGuide.objects.filter(account=account, code=guide_code).first()
        if guide_code
        else None
    )
    return actions.check_save_window(
        account=account,
        data={
            "name": name,
            "place": place,
            "notes": notes,
            "slot_minutes": 30,
            "capacity": capacity,
            "days_ahead": 7,
            "cutoff_minutes": 60,
            "checkin_before_minutes": 30,
            "checkin_after_minutes": 15,
            "no_show_limit": 3,
            "no_show_days": 90,
            "block_days": 30,
            "is_active": True,
        },
        periods=_hours(closes),
        guide=guide,
        actor=None,
    )


def _future_days(window: Window) -> list[date]:
    today = actions.local_today()
    return [day for day in actions.offered_days(window) if day > today]


def load_demo() -> None:
    windows: dict[tuple[str, str], Window] = {}
    for spec in WINDOWS:
        account = OfficialAccount.objects.filter(slug=spec[0]).first()
        if account is not None:
            windows[(spec[0], spec[1])] = _window(account, spec)
    for slug, name, person, which, starts in BOOKINGS:
        window = windows.get((slug, name))
        if window is None:
            continue
        binding = next(
            (
                b
                for b in Binding.objects.filter(account=window.account, unbound_at__isnull=True)
                if b.name == person
            ),
            None,
        )
        if binding is None or Booking.objects.filter(window=window, openid=binding.openid).exists():
            continue
        days = _future_days(window)
        if len(days) <= which:
            continue
        actions.do_prepare_day(window=window, day=days[which])
        moment = datetime.combine(days[which], starts, tzinfo=TIMEZONE)
        slot = Slot.objects.filter(window=window, starts_at=moment).first()
        slot = slot or Slot.objects.filter(window=window, day=days[which]).first()
        if slot is None:
            continue
        try:
            actions.check_book(account=window.account, openid=binding.openid, slot_id=slot.pk)
        except AppError:
            continue  # full or blocked: the demo goes on without this booking
