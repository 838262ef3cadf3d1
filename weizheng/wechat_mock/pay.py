"""The mock WeChat Pay (API v3), mounted at /wxmock/pay/: a merchant's gateway
(`wechatpayv3`'s `core._gate_way`) points at http://<host>/wxmock/pay.

It plays WeChat Pay as the merchant sees it:
- JSAPI order (`POST /v3/pay/transactions/jsapi`; the same out_trade_no with the same content
  answers the same prepay_id, with other content 400 INVALID_REQUEST), query by out_trade_no and
  by transaction_id, close (400 ORDERPAID once paid), refunds (idempotent by out_refund_no;
  more than the rest of the order is 400 INVALID_REQUEST) and refund query, the trade bill
  (`/v3/bill/tradebill` → a download_url; the file is WeChat's CSV with backtick-prefixed fields).
- Every 2xx answer is signed with the platform key (Wechatpay-* headers), as WeChat does; when a
  merchant registered its public key, requests are checked against their Authorization header
  (401 SIGN_ERROR otherwise).
- Notifies (TRANSACTION.SUCCESS, REFUND.SUCCESS) are signed and their resource AES-256-GCM
  encrypted with the merchant's APIv3 key, exactly as WeChat sends them.

The payment itself is the user's act in WeChat: the control API `_control/pay/confirm` (used by
the phone simulator's payment sheet and by tests) marks an order paid and posts its notify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

import requests
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from weizheng.payments import protocol

from .models import (
    MockPayMerchant,
    MockPayOrder,
    MockPayPlatform,
    MockPayRefund,
    MockTradeState,
)

logger = logging.getLogger(__name__)

MOUNT = "/wxmock/pay"
NOTIFY_TIMEOUT_SECONDS = 5.0


class PayError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# --- platform and merchants ---------------------------------------------------------------------
def platform() -> MockPayPlatform:
    """The platform key pair, generated on first use and kept."""
    existing = MockPayPlatform.objects.filter(pk=1).first()
    if existing:
        return existing
    private = protocol.generate_private_key_pem()
    try:
        with transaction.atomic():
            return MockPayPlatform.objects.create(
                pk=1,
                private_key=private,
                public_key=protocol.public_key_pem(private),
                public_key_id="PUB_KEY_ID_" + secrets.token_hex(16).upper(),
            )
    except IntegrityError:
        return MockPayPlatform.objects.get(pk=1)


def register_merchant(
    *,
    mchid: str,
    appid: str,
    apiv3_key: str,
    merchant_public_key: str = "",
    merchant_serial: str = "",
    name: str = "",
) -> MockPayMerchant:
    """Create or update a merchant; its platform key is `platform()`'s."""
    if len(apiv3_key.encode()) != 32:
        raise ValueError("the APIv3 key is 32 bytes")
    merchant, _ = MockPayMerchant.objects.update_or_create(
        mchid=mchid,
        defaults={
            "appid": appid,
            "apiv3_key": apiv3_key,
            "merchant_public_key": merchant_public_key,
            "merchant_serial": merchant_serial,
            "name": name,
        },
    )
    return merchant


# --- resources as WeChat Pay shows them ----------------------------------------------------------
def _rfc3339(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def transaction_resource(order: MockPayOrder) -> dict[str, Any]:
    data: dict[str, Any] = {
        "appid": order.appid,
        "mchid": order.merchant.mchid,
        "out_trade_no": order.out_trade_no,
        "attach": order.attach,
        "trade_state": order.trade_state,
        "trade_state_desc": MockTradeState(order.trade_state).label,
        "payer": {"openid": order.payer_openid},
        "amount": {"total": order.total, "currency": "CNY"},
    }
    if order.trade_state in (MockTradeState.SUCCESS, MockTradeState.REFUND):
        data.update(
            {
                "transaction_id": order.transaction_id,
                "trade_type": "JSAPI",
                "bank_type": "OTHERS",
                "success_time": _rfc3339(order.success_time),
            }
        )
        data["amount"].update({"payer_total": order.total, "payer_currency": "CNY"})
    return data


def refund_resource(refund: MockPayRefund) -> dict[str, Any]:
    order = refund.order
    return {
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": order.transaction_id,
        "out_trade_no": order.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "create_time": _rfc3339(refund.created_at),
        "success_time": _rfc3339(refund.success_time),
        "status": refund.status,
        "amount": {
            "total": order.total,
            "refund": refund.amount,
            "payer_total": order.total,
            "payer_refund": refund.amount,
            "currency": "CNY",
        },
    }


def build_notify(
    merchant: MockPayMerchant, *, event_type: str, summary: str, original_type: str, payload: dict
) -> tuple[dict[str, str], str]:
    """The headers and body of one notify, signed and encrypted as WeChat Pay does."""
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "create_time": _rfc3339(timezone.now()),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": protocol.encrypt_resource(
                apiv3_key=merchant.apiv3_key, payload=payload, original_type=original_type
            ),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    keys = platform()
    headers = protocol.platform_headers(
        private_pem=keys.private_key, serial=keys.public_key_id, body=body
    )
    headers["Content-Type"] = "application/json"
    return headers, body


def pay_notify(order: MockPayOrder) -> tuple[dict[str, str], str]:
    resource = transaction_resource(order)
    resource["mchid"] = order.merchant.mchid
    return build_notify(
        order.merchant,
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        payload=resource,
    )


def refund_notify(refund: MockPayRefund) -> tuple[dict[str, str], str]:
    payload = refund_resource(refund)
    payload["mchid"] = refund.merchant.mchid
    payload["refund_status"] = payload.pop("status")
    return build_notify(
        refund.merchant,
        event_type="REFUND.SUCCESS",
        summary="退款成功",
        original_type="refund",
        payload=payload,
    )


def post_notify(url: str, headers: dict[str, str], body: str) -> int | None:
    """Post one notify; the merchant's HTTP status (None when unreachable)."""
    try:
        response = requests.post(
            url, data=body.encode(), headers=headers, timeout=NOTIFY_TIMEOUT_SECONDS
        )
    except requests.RequestException as exc:
        logger.warning("mock pay: notify to %s failed: %s", url, type(exc).__name__)
        return None
    return response.status_code


_notify_threads: set[threading.Thread] = set()
_notify_threads_lock = threading.Lock()


def _post_and_forget(url: str, headers: dict[str, str], body: str) -> None:
    try:
        post_notify(url, headers, body)
    finally:
        with _notify_threads_lock:
            _notify_threads.discard(threading.current_thread())


def _post_later(url: str, headers: dict[str, str], body: str) -> None:
    # A thread with everything prepared: it never reads the database.
    thread = threading.Thread(target=_post_and_forget, args=(url, headers, body), daemon=True)
    with _notify_threads_lock:
        _notify_threads.add(thread)
    thread.start()


def wait_for_notifies(timeout: float = 10.0) -> None:
    """Wait until every notify posted in the background has been answered (tests: before the
    test database is emptied, no merchant handler may still be writing to it)."""
    with _notify_threads_lock:
        pending = list(_notify_threads)
    for thread in pending:
        thread.join(timeout)


# --- the user's act: paying ---------------------------------------------------------------------
def confirm_payment(*, prepay_id: str, openid: str, send_notify: bool = True) -> MockPayOrder:
    """The user paid in WeChat's payment sheet: the order is SUCCESS (once) and its notify is
    posted. Paying an order twice changes nothing and posts the notify again."""
    with transaction.atomic():
        order = (
            MockPayOrder.objects.select_for_update()
            .select_related("merchant")
            .filter(prepay_id=prepay_id)
            .first()
        )
        if order is None:
            raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
        if order.payer_openid != openid:
            raise PayError(403, "NO_AUTH", "该订单不属于当前用户")
        if order.trade_state == MockTradeState.CLOSED:
            raise PayError(400, "ORDER_CLOSED", "订单已关闭")
        if order.trade_state == MockTradeState.NOTPAY:
            order.trade_state = MockTradeState.SUCCESS
            order.success_time = timezone.now()
            order.transaction_id = _transaction_id()
            order.save(update_fields=["trade_state", "success_time", "transaction_id"])
    if send_notify:
        headers, body = pay_notify(order)
        post_notify(order.notify_url, headers, body)
    return order


def _transaction_id() -> str:
    return "42000" + timezone.localtime().strftime("%Y%m%d") + f"{secrets.randbelow(10**15):015d}"


# --- the merchant's API ---------------------------------------------------------------------------
def _answer(data: Any, status: int = 200) -> HttpResponse:
    body = "" if data is None else json.dumps(data, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type="application/json")
    if 200 <= status < 300:
        keys = platform()
        for name, value in protocol.platform_headers(
            private_pem=keys.private_key, serial=keys.public_key_id, body=body
        ).items():
            response[name] = value
    response["Request-ID"] = uuid.uuid4().hex
    return response


def _error(status: int, code: str, message: str) -> HttpResponse:
    return _answer({"code": code, "message": message}, status=status)


def _authenticate(request: HttpRequest) -> MockPayMerchant:
    header = request.headers.get("Authorization", "")
    auth = protocol.parse_authorization(header)
    if auth is None:
        raise PayError(401, "SIGN_ERROR", "Authorization 格式不正确")
    merchant = MockPayMerchant.objects.filter(mchid=auth.mchid).first()
    if merchant is None:
        raise PayError(400, "MCH_NOT_EXISTS", "商户号不存在")
    if merchant.merchant_public_key:
        target = request.get_full_path()
        if target.startswith(MOUNT):
            target = target[len(MOUNT) :]
        message = protocol.request_message(
            request.method or "GET",
            target,
            auth.timestamp,
            auth.nonce,
            request.body.decode() if request.body else "",
        )
        if not protocol.rsa_verify(merchant.merchant_public_key, message, auth.signature):
            raise PayError(401, "SIGN_ERROR", "签名错误")
    return merchant


def pay_api(method: str) -> Callable[[Callable[..., Any]], Callable[..., HttpResponse]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != method:
                return _error(405, "METHOD_NOT_ALLOWED", "请求方法不正确")
            try:
                merchant = _authenticate(request)
                body: dict[str, Any] = {}
                if request.body:
                    try:
                        body = json.loads(request.body)
                    except ValueError:
                        raise PayError(400, "PARAM_ERROR", "请求体不是 JSON") from None
                answer = view(request, merchant, body, *args, **kwargs)
            except PayError as exc:
                return _error(exc.status, exc.code, exc.message)
            if isinstance(answer, HttpResponse):
                return answer
            return _answer(answer, status=204 if answer is None else 200)

        return wrapped

    return decorator


def _need(data: dict[str, Any], name: str) -> Any:
    value = data.get(name)
    if value in (None, ""):
        raise PayError(
            400, "PARAM_ERROR", f"输入源“/body/{name}”映射到字段“{name}”必填性规则校验失败"
        )
    return value


@pay_api("POST")
def jsapi(request: HttpRequest, merchant: MockPayMerchant, body: dict[str, Any]) -> Any:
    if _need(body, "mchid") != merchant.mchid:
        raise PayError(400, "PARAM_ERROR", "mchid 与请求方商户号不一致")
    appid = _need(body, "appid")
    if appid != merchant.appid:
        raise PayError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
    out_trade_no = str(_need(body, "out_trade_no"))
    amount = body.get("amount") or {}
    total = amount.get("total")
    if not isinstance(total, int) or isinstance(total, bool) or total < 1:
        raise PayError(400, "PARAM_ERROR", "订单金额必须为大于 0 的整数（分）")
    openid = str((body.get("payer") or {}).get("openid") or "")
    if not openid:
        raise PayError(400, "PARAM_ERROR", "JSAPI 下单必须传 payer.openid")
    fields = {
        "appid": appid,
        "description": str(_need(body, "description"))[:127],
        "total": total,
        "payer_openid": openid,
        "notify_url": str(_need(body, "notify_url")),
        "attach": str(body.get("attach") or ""),
    }
    with transaction.atomic():
        order = (
            MockPayOrder.objects.select_for_update()
            .filter(merchant=merchant, out_trade_no=out_trade_no)
            .first()
        )
        if order is not None:
            same = all(getattr(order, k) == v for k, v in fields.items() if k != "notify_url")
            if not same:
                raise PayError(400, "INVALID_REQUEST", "201 商户订单号重复")
            if order.trade_state == MockTradeState.SUCCESS:
                raise PayError(400, "ORDERPAID", "该订单已支付")
            if order.trade_state == MockTradeState.CLOSED:
                raise PayError(400, "ORDER_CLOSED", "订单已关闭")
            return {"prepay_id": order.prepay_id}
        order = MockPayOrder.objects.create(
            merchant=merchant,
            out_trade_no=out_trade_no,
            prepay_id="wx" + timezone.localtime().strftime("%d%H%M%S") + secrets.token_hex(12),
            created_at=timezone.now(),
            **fields,
        )
    return {"prepay_id": order.prepay_id}


def _order_by(merchant: MockPayMerchant, **lookup: str) -> MockPayOrder:
    order = MockPayOrder.objects.select_related("merchant").filter(merchant=merchant, **lookup)
    found = order.first()
    if found is None:
        raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
    return found


@pay_api("GET")
def query_by_out_trade_no(
    request: HttpRequest, merchant: MockPayMerchant, body: dict, out_trade_no: str
) -> Any:
    return transaction_resource(_order_by(merchant, out_trade_no=out_trade_no))


@pay_api("GET")
def query_by_transaction_id(
    request: HttpRequest, merchant: MockPayMerchant, body: dict, transaction_id: str
) -> Any:
    if not transaction_id:
        raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
    return transaction_resource(_order_by(merchant, transaction_id=transaction_id))


@pay_api("POST")
def close(request: HttpRequest, merchant: MockPayMerchant, body: dict, out_trade_no: str) -> Any:
    with transaction.atomic():
        order = (
            MockPayOrder.objects.select_for_update()
            .filter(merchant=merchant, out_trade_no=out_trade_no)
            .first()
        )
        if order is None:
            raise PayError(404, "ORDER_NOT_EXIST", "订单不存在")
        if order.trade_state in (MockTradeState.SUCCESS, MockTradeState.REFUND):
            raise PayError(400, "ORDERPAID", "该订单已支付")
        if order.trade_state != MockTradeState.CLOSED:
            order.trade_state = MockTradeState.CLOSED
            order.save(update_fields=["trade_state"])
    return None


@pay_api("POST")
def create_refund(request: HttpRequest, merchant: MockPayMerchant, body: dict) -> Any:
    out_refund_no = str(_need(body, "out_refund_no"))
    amount = body.get("amount") or {}
    refund_fen, total = amount.get("refund"), amount.get("total")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (refund_fen, total)):
        raise PayError(400, "PARAM_ERROR", "退款金额和原订单金额必填，单位为分")
    with transaction.atomic():
        lookup = (
            {"transaction_id": body["transaction_id"]}
            if body.get("transaction_id")
            else {"out_trade_no": str(_need(body, "out_trade_no"))}
        )
        order = (
            MockPayOrder.objects.select_for_update()
            .select_related("merchant")
            .filter(merchant=merchant, **lookup)
            .first()
        )
        if order is None:
            raise PayError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        existing = MockPayRefund.objects.filter(merchant=merchant, out_refund_no=out_refund_no)
        refund = existing.select_related("order", "merchant").first()
        if refund is not None:
            if refund.order_id != order.pk or refund.amount != refund_fen:
                raise PayError(400, "INVALID_REQUEST", "商户退款单号重复，且退款参数不一致")
            return refund_resource(refund)
        if order.trade_state not in (MockTradeState.SUCCESS, MockTradeState.REFUND):
            raise PayError(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if total != order.total:
            raise PayError(400, "PARAM_ERROR", "订单金额与原订单不一致")
        refunded = sum(r.amount for r in order.refunds.all())
        if not isinstance(refund_fen, int) or refund_fen < 1 or refunded + refund_fen > order.total:
            raise PayError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        now = timezone.now()
        refund = MockPayRefund.objects.create(
            merchant=merchant,
            order=order,
            out_refund_no=out_refund_no,
            refund_id="50" + f"{secrets.randbelow(10**28):028d}",
            amount=refund_fen,
            reason=str(body.get("reason") or "")[:80],
            notify_url=str(body.get("notify_url") or ""),
            status="SUCCESS",
            created_at=now,
            success_time=now,
        )
        order.trade_state = MockTradeState.REFUND
        order.save(update_fields=["trade_state"])
    answer = refund_resource(refund)
    answer["status"] = "PROCESSING"  # WeChat answers PROCESSING; the notify says SUCCESS
    if refund.notify_url:
        headers, notify_body = refund_notify(refund)
        url = refund.notify_url
        transaction.on_commit(lambda: _post_later(url, headers, notify_body))
    return answer


@pay_api("GET")
def query_refund(
    request: HttpRequest, merchant: MockPayMerchant, body: dict, out_refund_no: str
) -> Any:
    refund = (
        MockPayRefund.objects.select_related("order", "merchant")
        .filter(merchant=merchant, out_refund_no=out_refund_no)
        .first()
    )
    if refund is None:
        raise PayError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return refund_resource(refund)


# --- trade bill ----------------------------------------------------------------------------------
BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
BILL_SUMMARY_HEADER = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)
FEE_PER_MILLE = 6  # 0.6 %, WeChat's usual rate


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _fee(fen: int) -> str:
    return f"{fen * FEE_PER_MILLE / 1000 / 100:.5f}"


def trade_bill_csv(merchant: MockPayMerchant, bill_date: dt.date) -> str:
    """Every payment and refund of the (Beijing) day, in WeChat's CSV: each value prefixed with
    a backtick so spreadsheets keep long numbers; then the summary rows."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(bill_date, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    rows: list[list[str]] = []
    paid_total = refund_total = fee_total = 0
    for order in MockPayOrder.objects.filter(
        merchant=merchant, success_time__gte=start, success_time__lt=end
    ).order_by("success_time", "pk"):
        paid_total += order.total
        rows.append(
            [
                timezone.localtime(order.success_time).strftime("%Y-%m-%d %H:%M:%S"),
                order.appid,
                merchant.mchid,
                "0",
                "",
                order.transaction_id,
                order.out_trade_no,
                order.payer_openid,
                "JSAPI",
                "SUCCESS",
                "OTHERS",
                "CNY",
                _yuan(order.total),
                "0.00",
                "0",
                "0",
                "0.00",
                "0.00",
                "",
                "",
                order.description,
                order.attach,
                _fee(order.total),
                "0.60%",
                _yuan(order.total),
                "0.00",
                "",
            ]
        )
        fee_total += order.total * FEE_PER_MILLE
    for refund in (
        MockPayRefund.objects.filter(
            merchant=merchant, success_time__gte=start, success_time__lt=end
        )
        .select_related("order")
        .order_by("success_time", "pk")
    ):
        order = refund.order
        refund_total += refund.amount
        rows.append(
            [
                timezone.localtime(refund.success_time).strftime("%Y-%m-%d %H:%M:%S"),
                order.appid,
                merchant.mchid,
                "0",
                "",
                order.transaction_id,
                order.out_trade_no,
                order.payer_openid,
                "JSAPI",
                "REFUND",
                "OTHERS",
                "CNY",
                "0.00",
                "0.00",
                refund.refund_id,
                refund.out_refund_no,
                _yuan(refund.amount),
                "0.00",
                "ORIGINAL",
                "SUCCESS",
                order.description,
                order.attach,
                "-" + _fee(refund.amount),
                "0.60%",
                _yuan(order.total),
                _yuan(refund.amount),
                "",
            ]
        )
        fee_total -= refund.amount * FEE_PER_MILLE
    lines = [BILL_HEADER]
    lines += [",".join("`" + value for value in row) for row in rows]
    lines.append(BILL_SUMMARY_HEADER)
    summary = [
        str(len(rows)),
        _yuan(paid_total),
        _yuan(refund_total),
        "0.00",
        f"{fee_total / 1000 / 100:.5f}",
        _yuan(paid_total),
        _yuan(refund_total),
    ]
    lines.append(",".join("`" + value for value in summary))
    return "\r\n".join(lines) + "\r\n"


@pay_api("GET")
def trade_bill(request: HttpRequest, merchant: MockPayMerchant, body: dict) -> Any:
    try:
        bill_date = dt.date.fromisoformat(request.GET.get("bill_date", ""))
    except ValueError:
        raise PayError(400, "PARAM_ERROR", "账单日期格式不正确") from None
    if bill_date >= timezone.localdate():
        raise PayError(400, "NO_STATEMENT_EXIST", "账单日期须早于今天（次日 9 点后生成）")
    token = f"{merchant.mchid}.{bill_date:%Y%m%d}.{secrets.token_hex(4)}"
    base = request.build_absolute_uri(MOUNT)
    content = trade_bill_csv(merchant, bill_date)
    return {
        "hash_type": "SHA1",
        "hash_value": hashlib.sha1(content.encode(), usedforsecurity=False).hexdigest(),
        "download_url": f"{base}/v3/billdownload/file?token={token}",
    }


@pay_api("GET")
def bill_download(request: HttpRequest, merchant: MockPayMerchant, body: dict) -> Any:
    token = request.GET.get("token", "")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != merchant.mchid:
        raise PayError(400, "PARAM_ERROR", "token 无效")
    try:
        bill_date = dt.datetime.strptime(parts[1], "%Y%m%d").date()  # noqa: DTZ007 - a date
    except ValueError:
        raise PayError(400, "PARAM_ERROR", "token 无效") from None
    response = HttpResponse(
        trade_bill_csv(merchant, bill_date).encode(), content_type="text/plain; charset=utf-8"
    )
    return response


ROUTES = [
    ("v3/pay/transactions/jsapi", jsapi, "pay-jsapi"),
    ("v3/pay/transactions/out-trade-no/<str:out_trade_no>", query_by_out_trade_no, "pay-query"),
    ("v3/pay/transactions/id/<str:transaction_id>", query_by_transaction_id, "pay-query-id"),
    ("v3/pay/transactions/out-trade-no/<str:out_trade_no>/close", close, "pay-close"),
    ("v3/refund/domestic/refunds", create_refund, "pay-refund"),
    ("v3/refund/domestic/refunds/<str:out_refund_no>", query_refund, "pay-refund-query"),
    ("v3/bill/tradebill", trade_bill, "pay-tradebill"),
    ("v3/billdownload/file", bill_download, "pay-bill-download"),
]


@csrf_exempt
def control_confirm(request: HttpRequest) -> HttpResponse:
    """POST {"prepay_id", "openid", "notify": true}: the user pays in WeChat's payment sheet.
    The simulator's sheet and tests call it; answers the order as a query would."""
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        data = json.loads(request.body or b"{}")
        order = confirm_payment(
            prepay_id=str(data.get("prepay_id", "")),
            openid=str(data.get("openid", "")),
            send_notify=bool(data.get("notify", True)),
        )
    except ValueError:
        return _error(400, "PARAM_ERROR", "请求体不是 JSON")
    except PayError as exc:
        return _error(exc.status, exc.code, exc.message)
    return _answer(transaction_resource(order))


@csrf_exempt
def control_order(request: HttpRequest, prepay_id: str) -> HttpResponse:
    """GET: what the payment sheet shows (merchant name, description, amount)."""
    order = MockPayOrder.objects.select_related("merchant").filter(prepay_id=prepay_id).first()
    if order is None:
        return _error(404, "ORDER_NOT_EXIST", "订单不存在")
    return _answer(
        {
            "merchant_name": order.merchant.name or order.merchant.mchid,
            "description": order.description,
            "total": order.total,
            "trade_state": order.trade_state,
            "payer_openid": order.payer_openid,
        }
    )
