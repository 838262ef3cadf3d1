"""Demo connectors: plausible, stable records for any bound citizen, derived from a hash of their
ID number, so every demo citizen sees their own results and sees the same ones again. Events are
tied to calendar months, not to "n days ago": a violation on 2026-03-14 stays on that date; new
months bring new events and old ones leave the window.

The traffic data hang together: a citizen has one or two vehicles (their plates derived from the
ID number; another plate is "not registered to you"), their violations are generated once for all
of them, and the licence points are those of the violations handled within the current scoring
cycle (kept under 12, the licence stays valid).

The place names and companies are of the demo's fictional city 平安市.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from .base import NotFound, QueryRequest, QueryResult, Subject

# behaviour, code, fine (fen), points — after the 2022 scoring rules (公安部令第163号).
VIOLATIONS = [
    ("机动车违反禁止标线指示的", "13450", 10_000, 1),
    ("驾驶机动车违反道路交通信号灯通行的", "16250", 20_000, 6),
    ("驾驶机动车在城市道路上超过规定时速10%以上未达到20%的", "13525", 10_000, 1),
    ("机动车违反规定停放、临时停车且驾驶人不在现场，妨碍其他车辆、行人通行的", "10390", 15_000, 0),
    ("驾驶机动车行经人行横道，不按规定减速、停车、避让行人的", "13570", 20_000, 3),
    ("驾驶机动车时拨打、接听手持电话的", "16690", 5_000, 3),
    ("机动车驾驶人未按规定使用安全带的", "60110", 5_000, 1),
    ("机动车不按规定车道行驶的", "12080", 10_000, 0),
    ("机动车在高速公路上行驶超过规定时速20%以上未达到50%的", "16362", 20_000, 6),
]
CITY_PLACES = [
    "平安市人民路与中山路交叉口",
    "平安市解放路88号路段",
    "平安市滨江大道与建设路交叉口",
    "平安市光明路体育中心东门",
    "平安市新华路与胜利街交叉口",
    "平安市火车站南广场临时停车区",
]
HIGHWAY_PLACES = [
    "平安绕城高速K45+600（往安宁方向）",
    "沿江高速平安段K103+200",
]
HIGHWAY_CODES = {"16362"}  # violations only possible on a motorway
PLACES = CITY_PLACES + HIGHWAY_PLACES
# City letters of the demo's plates (粤 + a letter not I or O).
PLATE_CITIES = "ABCDEFGHJKLMN"
# A licence with 12 points in a cycle is suspended (满分): the demo keeps its citizens below.
FULL_POINTS = 12
AUTHORITIES = [
    "平安市公安局交通警察支队一大队",
    "平安市公安局交通警察支队二大队",
    "平安市公安局交通警察支队高速公路大队",
]
EMPLOYERS = [
    "平安市城市建设投资集团有限公司",
    "平安恒达电子科技有限公司",
    "平安市第一人民医院",
    "平安顺通物流有限公司",
    "平安市实验中学",
    "平安新华书店有限公司",
]
LICENCE_CLASSES = ["C1", "C1", "C1", "C2", "C1E", "B2", "A2"]
DOCUMENTS = [
    ("普通护照", ("首次申领", "换发", "补发")),
    ("往来港澳通行证", ("首次申领", "换发", "签注（个人旅游）", "签注（探亲）")),
    ("往来台湾通行证", ("首次申领", "签注（团队旅游）")),
]


def _rng(*parts: Any) -> random.Random:
    """A generator seeded by the parts: the same citizen and month give the same numbers."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - demo data, not security


def _months_back(today: dt.date, count: int) -> list[tuple[int, int]]:
    """(year, month) for this month and the `count - 1` before it, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append((year, month))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return months[::-1]


def _birth_date(id_number: str) -> dt.date:
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except (ValueError, IndexError):
        return dt.date(1985, 6, 15)


def _aware(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone()
    )


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def citizen_plates(id_number: str) -> list[str]:
    """The one or two vehicles registered to a demo citizen (normalised plates)."""
    rng = _rng("plates", id_number)
    count = 2 if rng.random() < 0.4 else 1
    plates: list[str] = []
    while len(plates) < count:
        city = rng.choice(PLATE_CITIES)
        if rng.random() < 0.3:  # a small new-energy car: D + a letter or digit + four digits
            plate = f"粤{city}D{rng.choice('ABCDEFGHJK0123456789')}{rng.randint(0, 9999):04d}"
        else:
            plate = f"粤{city}{rng.randint(10000, 99999)}"
        if plate not in plates:
            plates.append(plate)
    return plates


@dataclass(frozen=True, slots=True)
class _Licence:
    licence_class: str
    cycle_start: dt.date
    cycle_end: dt.date
    valid_until: dt.date


def _licence(id_number: str, today: dt.date) -> _Licence:
    rng = _rng("licence", id_number)
    birth = _birth_date(id_number)
    issued = _add_years(birth, rng.randint(18, 30)).replace(day=rng.randint(1, 28))
    if issued > today:
        issued = today - dt.timedelta(days=400)
    years = max(0, today.year - issued.year - 1)
    start = _add_years(issued, years)
    while _add_years(start, 1) <= today:
        start = _add_years(start, 1)
    valid_until = _add_years(issued, 6)
    while valid_until < today:
        valid_until = _add_years(valid_until, 10)
    return _Licence(
        licence_class=rng.choice(LICENCE_CLASSES),
        cycle_start=start,
        cycle_end=_add_years(start, 1) - dt.timedelta(days=1),
        valid_until=valid_until,
    )


# Recent violations the demo persona 周明 (weizheng/identity/demo.py) always has, handled (a
# decision issued) and not paid yet, so that 缴纳罚款 has something to pay whatever the date:
# (days ago, index in VIOLATIONS, hour, minute, place).
PINNED_VIOLATIONS: dict[str, list[tuple[int, int, int, int, str]]] = {
    "440304198506120035": [
        (9, 0, 8, 42, "平安市人民路与中山路交叉口"),
        (23, 3, 19, 15, "平安市解放路88号路段"),
    ],
}


def _pinned_violations(id_number: str, today: dt.date) -> list[dict[str, Any]]:
    plates = citizen_plates(id_number)
    pinned = []
    for days_ago, index, hour, minute, place in PINNED_VIOLATIONS.get(id_number, []):
        behaviour, code, fine, points = VIOLATIONS[index]
        pinned.append(
            {
                "plate": plates[0],
                "behaviour": behaviour,
                "code": code,
                "fine": fine,
                "points": points,
                "occurred_at": _aware(today - dt.timedelta(days=days_ago), hour, minute),
                "place": place,
                "authority": AUTHORITIES[0],
                "is_handled": True,
            }
        )
    return pinned


def _citizen_violations(id_number: str, today: dt.date) -> list[dict[str, Any]]:
    """Every violation of the citizen's vehicles in the last 18 months, oldest first, each with
    its plate and whether its points count in the current cycle (handled, within the cycle)."""
    licence = _licence(id_number, today)
    drafts = _pinned_violations(id_number, today)
    for plate in citizen_plates(id_number):
        for year, month in _months_back(today, 18):
            rng = _rng("violations", id_number, plate, year, month)
            if rng.random() >= 0.22:
                continue
            day = dt.date(year, month, rng.randint(1, 28))
            if day > today:
                continue
            behaviour, code, fine, points = rng.choice(VIOLATIONS)
            age = (today - day).days
            drafts.append(
                {
                    "plate": plate,
                    "behaviour": behaviour,
                    "code": code,
                    "fine": fine,
                    "points": points,
                    "occurred_at": _aware(day, rng.randint(7, 21), rng.randint(0, 59)),
                    "place": rng.choice(HIGHWAY_PLACES if code in HIGHWAY_CODES else CITY_PLACES),
                    "authority": rng.choice(
                        AUTHORITIES[2:] if code in HIGHWAY_CODES else AUTHORITIES[:2]
                    ),
                    "is_handled": rng.random() < (0.9 if age > 45 else 0.3),
                }
            )
    records, total = [], 0
    for record in sorted(drafts, key=lambda r: r["occurred_at"]):
        counts = (
            record["is_handled"]
            and record["points"] > 0
            and licence.cycle_start <= record["occurred_at"].date() <= today
        )
        if counts and total + record["points"] >= FULL_POINTS:
            continue  # the demo's citizens keep a valid licence
        total += record["points"] if counts else 0
        records.append({**record, "counts_in_cycle": counts})
    return records


# --- generators: (subject id number, params, today) -> (summary, records) -----------------------
def violations(id_number: str, params: Mapping[str, str], today: dt.date) -> tuple[dict, list]:
    plate = params["plate"]
    if plate not in citizen_plates(id_number):
        raise NotFound("no vehicle with this plate is registered to the subject")
    records = [
        {k: v for k, v in r.items() if k not in ("plate", "counts_in_cycle")}
        for r in _citizen_violations(id_number, today)
        if r["plate"] == plate
    ]
    return {}, records


def licence_points(id_number: str, params: Mapping[str, str], today: dt.date) -> tuple[dict, list]:
    licence = _licence(id_number, today)
    counted = [r for r in _citizen_violations(id_number, today) if r["counts_in_cycle"]]
    records = [
        {
            "behaviour": r["behaviour"],
            "points": r["points"],
            "occurred_at": r["occurred_at"],
            "place": r["place"],
        }
        for r in counted
    ]
    summary = {
        "points": sum(r["points"] for r in counted),
        "status": "正常",
        "licence_class": licence.licence_class,
        "cycle_start": licence.cycle_start,
        "cycle_end": licence.cycle_end,
        "valid_until": licence.valid_until,
    }
    return summary, records


def social_insurance(
    id_number: str, params: Mapping[str, str], today: dt.date
) -> tuple[dict, list]:
    rng = _rng("social", id_number)
    employer = rng.choice(EMPLOYERS)
    base = rng.randint(45, 150) * 100 * 100  # a contribution base of ¥4,500–15,000, in fen
    started = max(_add_years(_birth_date(id_number), 22), dt.date(1995, 1, 1))
    months_paid = max(
        1, (today.year - started.year) * 12 + today.month - started.month - rng.randint(0, 18)
    )
    records = []
    # Contributions are collected for a month during that month; this month's arrive by the 15th.
    for year, month in _months_back(today, 12):
        records.append(
            {
                "period": f"{year}-{month:02d}",
                "employer": employer,
                "base": base,
                "personal": base * 105 // 1000,  # pension 8%, medical 2%, unemployment 0.5%
                "employer_part": base * 244 // 1000,  # 16% + 7.5% + 0.5% + 0.4% injury
                "is_paid": (year, month) != (today.year, today.month) or today.day >= 15,
            }
        )
    summary = {
        "status": "正常参保",
        "employer": employer,
        "months_paid": months_paid,
        "pension_balance": months_paid * base * 8 // 100 * 112 // 100,
    }
    return summary, records


def housing_fund(id_number: str, params: Mapping[str, str], today: dt.date) -> tuple[dict, list]:
    rng = _rng("fund", id_number)
    employer = rng.choice(EMPLOYERS)
    base = rng.randint(45, 150) * 100  # yuan
    monthly = base * 12 // 100 * 2 * 100  # you and the employer, 12% each, whole yuan, in fen
    balance = rng.randint(8_000, 160_000) * 100
    records = []
    for year, month in _months_back(today, 12):
        month_rng = _rng("fund-month", id_number, year, month)
        deposit_day = dt.date(year, month, 10)
        if deposit_day <= today:
            balance += monthly
            records.append(
                {
                    "kind": "汇缴",
                    "occurred_on": deposit_day,
                    "amount": monthly,
                    "balance_after": balance,
                    "note": f"{year}年{month:02d}月 单位和个人缴存",
                }
            )
        if month in (3, 6, 9, 12) and month_rng.random() < 0.35:
            day = dt.date(year, month, 20)
            if day <= today:
                amount = min(balance, 4_500_00)
                balance -= amount
                records.append(
                    {
                        "kind": "提取",
                        "occurred_on": day,
                        "amount": -amount,
                        "balance_after": balance,
                        "note": "租房提取",
                    }
                )
        if month == 6 and dt.date(year, 6, 30) <= today:
            interest = balance * 15 // 1000
            balance += interest
            records.append(
                {
                    "kind": "结息",
                    "occurred_on": dt.date(year, 6, 30),
                    "amount": interest,
                    "balance_after": balance,
                    "note": "年度结息（年利率1.5%）",
                }
            )
    paid_until = max((r["occurred_on"] for r in records if r["kind"] == "汇缴"), default=None)
    summary = {
        "balance": balance,
        "status": "正常缴存",
        "monthly_deposit": monthly,
        "account_number": f"8{rng.randint(10**10, 10**11 - 1)}",
        "employer": employer,
        "paid_until": f"{paid_until:%Y-%m}" if paid_until else "",
    }
    return summary, records


_STAGES = [  # (days after acceptance, status, hour)
    (0, "已受理", 10),
    (2, "审批中", 15),
    (4, "制证中", 11),
    (6, "已制证，待寄出", 16),
    (7, "已寄出", 9),
    (10, "已签收", 14),
]


def exit_entry(id_number: str, params: Mapping[str, str], today: dt.date) -> tuple[dict, list]:
    records = []
    for year, month in _months_back(today, 6):
        rng = _rng("exit-entry", id_number, year, month)
        if rng.random() >= 0.3:
            continue
        accepted = dt.date(year, month, rng.randint(1, 28))
        if accepted > today:
            continue
        document, businesses = rng.choice(DOCUMENTS)
        by_post = rng.random() < 0.7
        age = (today - accepted).days
        days, status, hour = next(s for s in reversed(_STAGES) if s[0] <= age)
        if not by_post and status in ("已寄出", "已签收"):
            status = "可领取" if status == "已寄出" else "已领取"
        records.append(
            {
                "application_no": f"{id_number[:6]}{accepted:%Y%m%d}{rng.randint(0, 9999):04d}",
                "document": document,
                "business": rng.choice(businesses),
                "accepted_on": accepted,
                "status": status,
                "updated_at": _aware(accepted + dt.timedelta(days=days), hour, rng.randint(0, 59)),
                "delivery": "EMS 邮寄" if by_post else "出入境办证大厅自取",
                "tracking_no": f"11{rng.randint(10**10, 10**11 - 1)}"
                if by_post and status in ("已寄出", "已签收")
                else "",
            }
        )
    return {}, records


Generator = Callable[[str, Mapping[str, str], dt.date], tuple[dict, list]]
# Quick picks for the query page: the demo citizen's own plates, so a demo user can try it.
SUGGESTIONS: dict[str, Callable[[str], dict[str, list[str]]]] = {
    "violations": lambda id_number: {"plate": citizen_plates(id_number)},
}
GENERATORS: dict[str, Generator] = {
    "violations": violations,
    "licence-points": licence_points,
    "social-insurance": social_insurance,
    "housing-fund": housing_fund,
    "exit-entry": exit_entry,
}


@dataclass(frozen=True, slots=True)
class DemoConnector:
    query_type: Any
    generate: Generator
    source: str = "demo"

    def fetch(self, request: QueryRequest) -> QueryResult:
        summary, records = self.generate(
            request.subject.id_number, request.params, timezone.localdate()
        )
        return self.query_type.build_result(summary=summary, records=records, source=self.source)

    def suggested_params(self, subject: Subject) -> dict[str, list[str]]:
        suggest = SUGGESTIONS.get(self.query_type.code)
        return suggest(subject.id_number) if suggest else {}


def demo_connector(query_type: Any) -> DemoConnector | None:
    generate = GENERATORS.get(query_type.code)
    return DemoConnector(query_type, generate) if generate else None
