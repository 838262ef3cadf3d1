"""What a citizen is told about their payment. `link` is the receipt page (empty without
PUBLIC_BASE_URL)."""

from django.utils.translation import gettext_lazy as _

from weizheng.notifications.registry import NotificationKind, register

PAID = register(
    NotificationKind(
        code="payments.paid",
        label=_("Payment: received"),
        variables=("biller", "reference", "amount", "order_no"),
        text="【缴费成功】您为{biller}（{reference}）缴纳的 {amount} 元已支付成功，订单号 {order_no}。正在向{biller}销账，完成后会再通知您。",
        url="{link}",
        example={
            "biller": "平安市自来水有限公司",
            "reference": "3100012345",
            "amount": "65.55",
            "order_no": "WZ20261126103000123456",
        },
        citizen_label=_("Payment received"),
    )
)
SETTLED = register(
    NotificationKind(
        code="payments.settled",
        label=_("Payment: written off at the biller"),
        variables=("biller", "reference", "amount", "receipt_no"),
        text="【销账完成】您缴纳的 {amount} 元已在{biller}销账（{reference}），销账凭证号 {receipt_no}。电子回执可在缴费记录中查看。",
        url="{link}",
        example={
            "biller": "平安市自来水有限公司",
            "reference": "3100012345",
            "amount": "65.55",
            "receipt_no": "WA2026112612345678",
        },
        citizen_label=_("Payment written off"),
    )
)
REFUNDED = register(
    NotificationKind(
        code="payments.refunded",
        label=_("Payment: refunded"),
        variables=("biller", "reference", "amount"),
        text="【退款到账】您为{biller}（{reference}）缴纳的款项已退回 {amount} 元，将原路退回微信零钱或银行卡。",
        url="{link}",
        example={"biller": "平安市自来水有限公司", "reference": "3100012345", "amount": "65.55"},
        citizen_label=_("Payment refunded"),
    )
)
