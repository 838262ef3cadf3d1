"""Notifications of online applications: every status change reaches the applicant.

Besides the declared variables, a notification carries `link`, the absolute address of the
citizen's page of the application (empty without PUBLIC_BASE_URL, and then no link is shown):
a customer-service message ends with a "详情" link to it, a template message opens it."""

from django.utils.translation import gettext_lazy as _

from weizheng.notifications.registry import NotificationKind, register

APPLICATION_STATUS = register(
    NotificationKind(
        code="eservices.status",
        label=_("Online application: status changed"),
        variables=("service", "receipt_no", "status"),
        text="【办件进度】您申请的“{service}”（受理编号 {receipt_no}）{status}。回复“查进度 {receipt_no}”可随时查询。",
        url="{link}",
        example={
            "service": "居住证办理",
            "receipt_no": "WB20261008123456",
            "status": "已受理，正在办理",
        },
    )
)
APPLICATION_RETURNED = register(
    NotificationKind(
        code="eservices.returned",
        label=_("Online application: returned for correction"),
        variables=("service", "receipt_no", "reason"),
        text="【办件进度】您申请的“{service}”（受理编号 {receipt_no}）需要补正：{reason}。请打开办件页面（或在“我的信息 → 我的办件”中）补正后重新提交，补正期间办理时限暂停计算。",
        url="{link}",
        example={
            "service": "居住证办理",
            "receipt_no": "WB20261008123456",
            "reason": "居住证明不清晰，请重新上传",
        },
    )
)
