"""Notifications of online applications: every status change reaches the applicant."""

from django.utils.translation import gettext_lazy as _

from weizheng.notifications.registry import NotificationKind, register

APPLICATION_STATUS = register(
    NotificationKind(
        code="eservices.status",
        label=_("Online application: status changed"),
        variables=("service", "receipt_no", "status"),
        text="【办件进度】您申请的“{service}”（受理编号 {receipt_no}）{status}。回复“查进度 {receipt_no}”可随时查询。",
        example={"service": "居住证办理", "receipt_no": "WB20261008123456", "status": "已受理"},
    )
)
APPLICATION_RETURNED = register(
    NotificationKind(
        code="eservices.returned",
        label=_("Online application: returned for correction"),
        variables=("service", "receipt_no", "reason"),
        text="【办件进度】您申请的“{service}”（受理编号 {receipt_no}）需要补正：{reason}。请在本公众号“服务事项”中补正后重新提交。",
        example={
            "service": "居住证办理",
            "receipt_no": "WB20261008123456",
            "reason": "居住证明不清晰，请重新上传",
        },
    )
)
