"""Notifications of 微信问政: the receipt of a request (H5 form; in the chat the receipt is the
reply to the last answer), an approved extension's new deadline, and the department's reply.

Besides the declared variables, a notification carries `link`, the absolute address of the
citizen's page of the request (empty without PUBLIC_BASE_URL): a customer-service message ends
with a "详情" link to it, a template message opens it. The reply goes as a customer-service
message while the citizen's 48-hour window is open, as a template message otherwise (the
notification service's channel order)."""

from django.utils.translation import gettext_lazy as _

from weizheng.notifications.registry import NotificationKind, register

RECEIVED = register(
    NotificationKind(
        code="inquiries.received",
        label=_("Questions and complaints: request received"),
        variables=("public_id", "category", "due"),
        text="【微信问政】您反映的“{category}”问题已受理，编号 {public_id}，承办部门将于 {due} 前答复。回复“问政进度 {public_id}”可随时查询。",
        url="{link}",
        example={
            "public_id": "WZ20261126123456",
            "category": "市容环境",
            "due": "2026-12-03 23:59",
        },
    )
)
REPLY = register(
    NotificationKind(
        code="inquiries.reply",
        label=_("Questions and complaints: the department replied"),
        variables=("public_id", "department", "reply"),
        text="【微信问政】您的诉求（编号 {public_id}）已由{department}答复：{reply}\n请打开详情页对答复作出评价。",
        url="{link}",
        example={
            "public_id": "WZ20261126123456",
            "department": "平安市政府办公室",
            "reply": "经核实，路灯已于今日修复。感谢您的监督。",
        },
    )
)
EXTENDED = register(
    NotificationKind(
        code="inquiries.extended",
        label=_("Questions and complaints: more time approved"),
        variables=("public_id", "department", "due"),
        text="【微信问政】您的诉求（编号 {public_id}）经批准延期办理，{department}将于 {due} 前答复。",
        url="{link}",
        example={
            "public_id": "WZ20261126123456",
            "department": "平安水务集团客服中心",
            "due": "2026-12-08 23:59",
        },
    )
)
