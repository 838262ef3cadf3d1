"""Kinds of notification this app defines. Each app puts its own in `notification_kinds.py`
(found at start-up)."""

from django.utils.translation import gettext_lazy as _

from .registry import NotificationKind, register

OFFICE_NOTICE = register(
    NotificationKind(
        code="office.notice",
        label=_("Notice from the department"),
        variables=("title", "content"),
        text="【{title}】{content}",
        example={
            "title": "办理提醒",
            "content": "您预约的驾驶证换证业务将于明天上午 9:00 办理，请携带身份证。",
        },
    )
)
EMERGENCY_ALERT = register(
    NotificationKind(
        code="alerts.emergency",
        label=_("Emergency alert"),
        variables=("headline", "instruction"),
        text="【紧急提醒】{headline}\n{instruction}",
        is_emergency=True,
        example={"headline": "暴雨红色预警", "instruction": "请减少外出，远离低洼地带。"},
    )
)
