"""Demo 微信问政 on the city account `gov` (平安市政务服务): categories routed to the traffic
police (交通出行), the water company (供水) and the city's service centre (市容环境, 其他), the
jurisdiction's box around 平安市 (its centre, the 市民中心, at 30.58 N, 114.30 E: the requests
below, the Open311 demo's and the phone simulator's places all lie in it), twenty-two requests of
the last two months in every state — some overdue, some rated, some on the public board, one
reopened, one similar to another, one with an extension waiting — and a classifier trained on the
answered ones. publish_demo() publishes the account's menu (我要问政 / 我的诉求 / 问政公开).

The requests are written as rows with their history (backdated, so the figures have months);
no notification is queued for them (their citizens are not on the mock platform). Safe to run
again: nothing is added when the account already has requests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from weizheng.core.workdays import add_workdays
from weizheng.wechat.models import OfficialAccount

CENTER = (30.5800, 114.3000)
BOX = {
    "min_latitude": 30.30,
    "max_latitude": 30.90,
    "min_longitude": 114.00,
    "max_longitude": 114.60,
}
TRAFFIC = "平安市公安局交警支队"
WATER = "平安水务集团客服中心"
CITY = "平安市政务服务中心"

CATEGORIES = [
    # code, name, department, sign, reply, urgent, other, description
    ("traffic", "交通出行", TRAFFIC, 1, 5, False, False, "信号灯、违章停车、道路交通秩序"),
    ("water", "供水", WATER, 1, 3, False, False, "停水、水质、水压、水费"),
    ("water-burst", "供水抢修", WATER, 0, 0, True, False, "爆管、大面积停水等紧急情况，当日响应"),
    ("city", "市容环境", CITY, 1, 5, False, False, "垃圾清运、路灯、噪音、油烟、共享单车"),
    ("other", "其他", CITY, 1, 10, False, True, "不属于以上类别的咨询、建议和投诉"),
]

# category, description, address, (dlat, dlng) from the centre, days ago, state, reply, rating
# (score, resolved) or None, consent to publish, named
REQUESTS: list[dict[str, Any]] = [
    {
        "c": "traffic",
        "d": "解放大道与中山路交叉口早高峰红绿灯配时不合理，左转车辆排队很长，建议延长左转绿灯。",
        "a": "解放大道与中山路交叉口",
        "at": (0.010, 0.012),
        "ago": 52,
        "state": "closed",
        "reply": "经现场观测，已于本周将早高峰（7:30–9:00）左转绿灯由25秒延长至40秒，并将持续跟踪通行效果。感谢您的建议。",
        "rating": (3, True),
        "consent": True,
    },
    {
        "c": "traffic",
        "d": "平安小学门口上下学时段车辆乱停乱放，堵住了校门，孩子过马路很危险。",
        "a": "平安小学南门",
        "at": (-0.008, 0.004),
        "ago": 40,
        "state": "rated",
        "reply": "交警支队已在上下学时段安排警力值守，并在校门两侧施划禁停黄线、设置临时停车接送区。",
        "rating": (2, True),
        "consent": True,
    },
    {
        "c": "traffic",
        "d": "滨江大道夜间经常有改装车飙车，噪音很大，影响附近居民休息。",
        "a": "滨江大道中段",
        "at": (0.002, -0.010),
        "ago": 21,
        "state": "replied",
        "reply": "已将滨江大道纳入夜间重点整治路段，每周开展不少于两次噪音车专项整治，查处改装车辆12辆。",
        "consent": True,
    },
    {
        "c": "traffic",
        "d": "人民路公交站台被出租车长期占用，公交车无法进站，乘客只能到马路中间上车。",
        "a": "人民路公交站",
        "at": (-0.004, -0.006),
        "ago": 5,
        "state": "in_progress",
    },
    {
        "c": "traffic",
        "d": "新华路路口信号灯坏了，已经两天没有修，车辆通行很混乱。",
        "a": "新华路与建设街路口",
        "at": (0.015, 0.020),
        "ago": 3,
        "state": "received",
    },
    {
        "c": "traffic",
        "d": "建设街单行道标志不清楚，外地车辆经常逆行，差点撞到行人。",
        "a": "建设街",
        "at": (0.012, 0.018),
        "ago": 14,
        "state": "in_progress",
    },
    {
        "c": "traffic",
        "d": "锦绣路小区门口的消防通道和人行道被私家车长期占用停车，行人只能走机动车道，很危险。",
        "a": "锦绣路人行道",
        "at": (-0.014, -0.008),
        "ago": 38,
        "state": "closed",
        "reply": "已在锦绣路人行道加装隔离桩，并对占道违停车辆依法处罚，后续将纳入日常巡查。",
        "rating": (3, True),
        "consent": True,
    },
    {
        "c": "traffic",
        "d": "东风路夜间大货车违规通行，车速很快，噪音和安全隐患都很大。",
        "a": "东风路",
        "at": (0.016, 0.006),
        "ago": 27,
        "state": "rated",
        "reply": "已在东风路设置夜间货车禁行标志，并加强夜间巡逻查处。",
        "rating": (2, True),
        "consent": True,
    },
    {
        "c": "water",
        "d": "幸福里小区从昨天晚上开始停水，没有看到任何停水通知，请问什么时候恢复？",
        "a": "幸福里小区",
        "at": (-0.012, 0.015),
        "ago": 33,
        "state": "closed",
        "reply": "经查，系小区进水管阀门故障，抢修人员已于当日14时恢复供水。今后计划停水将提前24小时在小区公告栏和本公众号发布通知。",
        "rating": (3, True),
        "consent": True,
        "named": True,
    },
    {
        "c": "water",
        "d": "自来水烧开后有白色沉淀，是不是水质有问题？",
        "a": "光明路68号",
        "at": (0.006, 0.009),
        "ago": 26,
        "state": "rated",
        "reply": "白色沉淀主要为水中钙镁离子受热析出的水垢，属正常现象。我公司出厂水各项指标均符合国家生活饮用水卫生标准。",
        "rating": (1, False),
        "consent": True,
    },
    {
        "c": "water",
        "d": "光明路一带水压太低，六楼以上白天基本用不上水。",
        "a": "光明路一带",
        "at": (0.007, 0.010),
        "ago": 16,
        "state": "replied",
        "reply": "已对光明路片区管网进行调压，并计划于下月完成该片区二次加压泵站改造。",
        "consent": True,
    },
    {
        "c": "water",
        "d": "水表井盖破损，路过的老人差点踩空，很危险。",
        "a": "和平路与长江路交叉口东北角",
        "at": (-0.002, 0.003),
        "ago": 1,
        "state": "received",
    },
    {
        "c": "water",
        "d": "本月水费账单比平时高出三倍，家里没有漏水，请核查。",
        "a": "东湖花园5栋",
        "at": (0.020, -0.015),
        "ago": 9,
        "state": "in_progress",
        "extension": (3, "需上门校验水表并调取近六个月抄表记录。"),
    },
    {
        "c": "city",
        "d": "东湖公园北门附近垃圾桶满了好几天没人清运，气味很大。",
        "a": "东湖公园北门",
        "at": (0.018, -0.012),
        "ago": 30,
        "state": "closed",
        "reply": "已通知环卫部门当日清运，并将该点位清运频次由每日一次调整为每日两次。",
        "rating": (3, True),
        "consent": True,
    },
    {
        "c": "city",
        "d": "长江路人行道上的共享单车堆积严重，行人无法通行。",
        "a": "长江路步行街口",
        "at": (-0.006, 0.002),
        "ago": 23,
        "state": "rated",
        "reply": "已约谈三家共享单车企业，清理堆积车辆300余辆，并在该路段施划停放区。",
        "rating": (2, True),
        "consent": True,
    },
    {
        "c": "city",
        "d": "和平里小区楼下烧烤店油烟直排，熏得整栋楼没法开窗，电话13912345678。",
        "a": "和平里小区3栋楼下",
        "at": (-0.003, 0.001),
        "ago": 19,
        "state": "rated",
        "reply": "执法人员已责令该店限期安装油烟净化设施。",
        "rating": (1, False),
        "consent": False,
        "named": True,
    },
    {
        "c": "city",
        "d": "滨江大道16号门口路灯不亮已经一周了，晚上很黑。",
        "a": "滨江大道16号",
        "at": (0.0010, 0.0010),
        "ago": 4,
        "state": "signed",
    },
    {
        "c": "city",
        "d": "滨江大道16号门口的路灯不亮了，晚上走路很不安全。",
        "a": "滨江大道16号附近",
        "at": (0.0013, 0.0012),
        "ago": 2,
        "state": "received",
    },
    {
        "c": "city",
        "d": "文化广场晚上广场舞音响声音太大，一直到十点多，影响孩子写作业。",
        "a": "文化广场",
        "at": (0.004, 0.004),
        "ago": 58,
        "state": "closed",
        "reply": "社区已与广场舞队伍协商，音响音量控制在60分贝以下，活动时间调整为19:00–21:00。",
        "rating": (2, True),
        "consent": True,
    },
    {
        "c": "other",
        "d": "我家楼下的消防通道被私家车长期占用，物业不管，万一着火消防车进不来。",
        "a": "锦绣家园2期",
        "at": (-0.015, -0.010),
        "ago": 10,
        "state": "received",
    },
    {
        "c": "other",
        "d": "小区二次供水水箱多年没有清洗，担心水质，希望有关部门检查。",
        "a": "新村小区",
        "at": (0.009, -0.004),
        "ago": 2,
        "state": "received",
    },
    {
        "c": "other",
        "d": "建议在市民中心增设便民自助办证机，方便上班族在周末办理业务。",
        "a": "平安市市民中心",
        "at": (0.000, 0.000),
        "ago": 45,
        "state": "closed",
        "reply": "感谢您的建议。市民中心已于本月在一楼大厅增设两台自助办证终端，周末9:00–17:00开放。",
        "rating": (3, True),
        "consent": True,
    },
]
DEMO_OPENID_PREFIX = "oDEMOGOV"
TEMPLATES = [
    (
        "inquiries.received",
        "TPL_WENZHENG_RECEIVED",
        {
            "first": "您反映的问题已受理",
            "keyword1": "{public_id}",
            "keyword2": "{category}",
            "remark": "承办部门将于 {due} 前答复。",
        },
    ),
    (
        "inquiries.reply",
        "TPL_WENZHENG_REPLY",
        {
            "first": "您的诉求已答复",
            "keyword1": "{public_id}",
            "keyword2": "{department}",
            "keyword3": "{reply}",
            "remark": "请点击详情对答复作出评价。",
        },
    ),
]


def _clerk(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()


def load_demo() -> None:
    from weizheng.staff.models import Department

    from .actions import do_train_classifier
    from .models import Category, Inquiry, InquirySettings

    account = OfficialAccount.objects.filter(slug="gov").first()
    if account is None:
        return
    departments = {d.name: d for d in Department.objects.filter(name__in=[TRAFFIC, WATER, CITY])}
    if len(departments) < 3:
        return
    with transaction.atomic():
        InquirySettings.objects.get_or_create(account=account, defaults=BOX)
        for position, (code, name, dept, sign, reply, urgent, other, text) in enumerate(CATEGORIES):
            Category.objects.get_or_create(
                account=account,
                code=code,
                defaults={
                    "name": name,
                    "department": departments[dept],
                    "sign_workdays": sign,
                    "reply_workdays": reply,
                    "is_urgent": urgent,
                    "is_other": other,
                    "description": text,
                    "position": position,
                },
            )
        if Inquiry.objects.filter(account=account).exists():
            return
        categories = {c.code: c for c in Category.objects.filter(account=account)}
        for number, spec in enumerate(REQUESTS, start=1):
            _demo_request(account, categories[spec["c"]], spec, number)
        do_train_classifier(account=account, actor=None)
        _suggest_for_other(account)
    _templates(account)


def _templates(account: Any) -> None:
    """Template messages for the receipt and the reply, used once the citizen's 48-hour window
    has closed."""
    from weizheng.notifications.actions import check_save_template
    from weizheng.notifications.models import NotificationTemplate

    for kind, template_id, fields in TEMPLATES:
        if not NotificationTemplate.objects.filter(account=account, kind=kind).exists():
            check_save_template(
                account=account, kind=kind, template_id=template_id, fields=fields, actor=None
            )


def _demo_request(account: Any, category: Any, spec: dict[str, Any], number: int) -> Any:
    from .actions import find_duplicate
    from .models import (
        EventKind,
        ExtensionRequest,
        Inquiry,
        InquiryEvent,
        InquiryRating,
    )

    now = timezone.now()
    submitted = now - timedelta(days=spec["ago"], hours=number % 7)
    lat = round(CENTER[0] + spec["at"][0], 6)
    lng = round(CENTER[1] + spec["at"][1], 6)
    sign_due = add_workdays(start=submitted, n=category.sign_limit)
    reply_due = add_workdays(start=submitted, n=category.reply_limit)
    state = spec["state"]
    duplicate, similarity = find_duplicate(
        account=account, description=spec["d"], latitude=lat, longitude=lng, now=submitted
    )
    named = spec.get("named", False)
    inquiry = Inquiry.objects.create(
        account=account,
        public_id=f"WZ{timezone.localtime(submitted):%Y%m%d}{900000 + number:06d}",
        channel="wechat" if number % 3 else "h5",
        openid=f"{DEMO_OPENID_PREFIX}{number:020d}",
        category=category,
        department=category.department,
        description=spec["d"],
        latitude=lat,
        longitude=lng,
        address=spec["a"],
        is_anonymous=not named,
        contact_name="陈建华" if named else "",
        consent_publish=spec.get("consent", False),
        status="received",
        submitted_at=submitted,
        sign_due_at=sign_due,
        reply_due_at=reply_due,
        due_at=sign_due,
        duplicate_of=duplicate,
        similarity=similarity if duplicate else None,
    )
    clerk = _clerk(
        {"平安市公安局交警支队": "police_handler", "平安水务集团客服中心": "water_handler"}.get(
            category.department.name, "gov_handler"
        )
    )
    events = [(EventKind.SUBMITTED, "", "received", None, submitted, "")]
    changes: dict[str, Any] = {}
    order = ["received", "signed", "in_progress", "replied", "rated", "closed"]
    reached = order.index(state)
    signed_at = submitted + timedelta(hours=5)
    if reached >= 1:
        events.append((EventKind.SIGNED, "received", "signed", clerk, signed_at, ""))
        changes.update(status="signed", signed_at=signed_at, due_at=reply_due)
    if reached >= 2:
        started = signed_at + timedelta(hours=2)
        events.append(
            (EventKind.STARTED, "signed", "in_progress", clerk, started, "已安排人员核实处理")
        )
        changes.update(status="in_progress", status_note="已安排人员核实处理")
    if reached >= 3:
        replied_at = min(submitted + timedelta(days=3, hours=2), now - timedelta(hours=1))
        events.append(
            (EventKind.REPLIED, "in_progress", "replied", clerk, replied_at, spec["reply"][:500])
        )
        changes.update(
            status="replied",
            reply=spec["reply"],
            status_note=spec["reply"][:500],
            replied_at=replied_at,
            replied_on_time=replied_at <= reply_due,
            due_at=None,
        )
    if reached >= 4 and spec.get("rating"):
        score, resolved = spec["rating"]
        InquiryRating.objects.create(
            inquiry=inquiry, round=0, openid=inquiry.openid, score=score, is_resolved=resolved
        )
        events.append(
            (
                EventKind.RATED,
                "replied",
                "rated",
                None,
                changes["replied_at"] + timedelta(hours=6),
                "",
            )
        )
        changes.update(status="rated")
    if reached >= 5:
        closed_at = changes["replied_at"] + timedelta(days=7)
        events.append((EventKind.CLOSED, "rated", "closed", None, closed_at, ""))
        changes.update(status="closed", closed_at=closed_at)
    if changes:
        Inquiry.objects.filter(pk=inquiry.pk).update(**changes)
    for kind, frm, to, actor, when, note in events:
        event = InquiryEvent.objects.create(
            inquiry=inquiry,
            kind=kind,
            from_status=frm,
            to_status=to,
            actor=actor,
            actor_label=""
            if actor
            else ("citizen" if kind in (EventKind.SUBMITTED, EventKind.RATED) else "system"),
            to_department=category.department,
            note=note,
        )
        InquiryEvent.objects.filter(pk=event.pk).update(created_at=when)
    if spec.get("extension") and clerk is not None:
        days, reason = spec["extension"]
        ExtensionRequest.objects.create(
            inquiry=inquiry, workdays=days, reason=reason, requested_by=clerk
        )
        InquiryEvent.objects.create(
            inquiry=inquiry,
            kind=EventKind.EXTENSION_REQUESTED,
            actor=clerk,
            note=f"+{days}: {reason}",
        )
    return inquiry


def _suggest_for_other(account: Any) -> None:
    """The classifier's suggestion on the waiting 其他 requests (as if they came in now)."""
    from .actions import suggest_department
    from .models import Inquiry

    for inquiry in Inquiry.objects.filter(
        account=account, category__is_other=True, status="received"
    ):
        department, confidence = suggest_department(
            account=account, description=inquiry.description
        )
        if department is not None:
            Inquiry.objects.filter(pk=inquiry.pk).update(
                suggested_department=department, suggestion_confidence=confidence
            )


def gov_menu_structure(h5_base: str) -> dict[str, Any]:
    h5 = h5_base.rstrip("/")
    return {
        "button": [
            {"type": "click", "name": "我要问政", "key": "WENZHENG"},
            {"type": "view", "name": "我的诉求", "url": f"{h5}/gov/wenzheng/mine/"},
            {"type": "view", "name": "问政公开", "url": f"{h5}/gov/wenzheng/board/"},
        ]
    }


def publish_demo(stdout: Any, stderr: Any) -> None:
    """Publish the gov account's menu on the mock platform (once)."""
    from weizheng.core.errors import AppError
    from weizheng.menus.actions import do_publish_menu, do_save_menu
    from weizheng.menus.models import Menu

    account = OfficialAccount.objects.filter(slug="gov").first()
    if account is None:
        return
    if Menu.objects.filter(account=account, status="published", is_conditional=False).exists():
        return
    from weizheng.search.links import public_base_url

    base = public_base_url() or "http://127.0.0.1:8000"
    menu = do_save_menu(
        account=account,
        structure=gov_menu_structure(f"{base}/h5"),
        actor=None,
        name="问政服务",
        actor_label="demo",
    )
    try:
        do_publish_menu(menu=menu, actor=None, actor_label="demo")
    except AppError as exc:
        stderr.write(f"The 问政 menu was not published: {exc.message}")
        return
    stdout.write(f"Published the menu of {account.name}: 我要问政 / 我的诉求 / 问政公开.")
