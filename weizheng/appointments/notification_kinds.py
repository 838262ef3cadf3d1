"""Notifications of appointments: a booking confirmed, rescheduled, cancelled (by the citizen, by
the office, or because the real-name binding ended), the reminder the day before, and a no-show
recorded. Each links to the booking."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from weizheng.notifications.registry import NotificationKind, register

EXAMPLE = {
    "window": "驾驶证业务 1 号窗口",
    "time": "12月1日（周二）09:00–09:30",
    "place": "车管所一楼综合服务大厅",
    "code": "7KQ2M8XA",
    "link": "https://wx.pingan.gov.cn/h5/police/appointments/b/7KQ2M8XA/",
}

BOOKED = register(
    NotificationKind(
        code="appointments.booked",
        label=_("Appointment: booked"),
        variables=("window", "time", "place", "code", "link"),
        text="【预约成功】您已预约“{window}”，时间 {time}，地点 {place}，预约号 {code}。请携带身份证件按时到场，到场后可在线取号。",
        url="{link}",
        example=EXAMPLE,
    )
)
RESCHEDULED = register(
    NotificationKind(
        code="appointments.rescheduled",
        label=_("Appointment: rescheduled"),
        variables=("window", "time", "place", "code", "link"),
        text="【预约改期】您的“{window}”预约已改到 {time}，地点 {place}，预约号 {code}。原时间的预约已取消。",
        url="{link}",
        example=EXAMPLE,
    )
)
CANCELLED = register(
    NotificationKind(
        code="appointments.cancelled",
        citizen_label=pgettext_lazy("notification kind, to the citizen", "Booking cancelled"),
        label=_("Appointment: cancelled by the citizen"),
        variables=("window", "time", "code", "link"),
        text="【预约取消】您预约的“{window}”（{time}，预约号 {code}）已取消。如需办理，请重新预约。",
        url="{link}",
        example=EXAMPLE,
    )
)
CANCELLED_BY_OFFICE = register(
    NotificationKind(
        code="appointments.cancelled_by_office",
        citizen_label=pgettext_lazy("notification kind, to the citizen", "Booking cancelled"),
        label=_("Appointment: cancelled by the office"),
        variables=("window", "time", "code", "reason", "link"),
        text="【预约取消】因{reason}，您预约的“{window}”（{time}，预约号 {code}）已取消，给您带来不便，敬请谅解。您可以重新预约其他时间。",
        url="{link}",
        example={**EXAMPLE, "reason": "系统升级暂停办理"},
    )
)
CANCELLED_UNBOUND = register(
    NotificationKind(
        code="appointments.cancelled_unbound",
        citizen_label=pgettext_lazy("notification kind, to the citizen", "Booking cancelled"),
        label=_("Appointment: cancelled as the real-name binding ended"),
        variables=("window", "time", "code", "reason", "link"),
        text="【预约取消】因{reason}，您预约的“{window}”（{time}，预约号 {code}）已取消。如需办理，请重新完成实名绑定后再预约。",
        url="{link}",
        example={**EXAMPLE, "reason": "您已解除实名绑定"},
    )
)
REMINDER = register(
    NotificationKind(
        code="appointments.reminder",
        label=_("Appointment: reminder the day before"),
        variables=("window", "time", "place", "code", "link"),
        text="【预约提醒】您预约的“{window}”将于 {time} 办理，地点 {place}，预约号 {code}。请携带身份证件，到场后可在线取号；如不能前往，请提前取消。",
        url="{link}",
        example=EXAMPLE,
    )
)
NO_SHOW = register(
    NotificationKind(
        code="appointments.no_show",
        label=_("Appointment: no-show recorded"),
        variables=("window", "time", "code", "rule", "link"),
        text="【爽约记录】您预约的“{window}”（{time}，预约号 {code}）未按时到场，已记爽约一次。{rule}",
        url="{link}",
        example={**EXAMPLE, "rule": "90 天内爽约 3 次将暂停预约 30 天。"},
    )
)
