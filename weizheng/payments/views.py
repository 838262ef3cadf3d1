"""Citizen H5 pages of 缴费 (look up a bill or fine, pay with WeChat Pay, the electronic receipt)
and WeChat Pay's notify endpoint. Fines need a real-name binding: a fine is looked up in the
bound citizen's name."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.identity.decorators import binding_page_url
from weizheng.identity.selectors import active_binding
from weizheng.records.connectors.base import Subject
from weizheng.records.formatting import format_yuan
from weizheng.wechat.models import OfficialAccount
from weizheng.wechat.oauth import citizen_page

from . import actions, selectors, wechatpay
from .models import BillerKind, OrderState

logger = logging.getLogger(__name__)
# A WeChat Pay notify is about 1 KB; anything far larger is not one.
NOTIFY_MAX_BYTES = 64 * 1024


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def notify_url(request: HttpRequest, account: OfficialAccount) -> str:
    path = reverse("payments:notify", args=[account.slug])
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


@citizen_page
def index(request: HttpRequest) -> HttpResponse:
    """缴费: the billers of this account and the citizen's recent payments."""
    account = request.account  # type: ignore[attr-defined]
    openid = request.citizen_openid  # type: ignore[attr-defined]
    billers = list(selectors.enabled_billers(account=account))
    # What this account takes (its own billers' kinds), not every kind there is.
    kinds = list(dict.fromkeys(str(b.get_kind_display()) for b in billers))
    return _no_store(
        render(
            request,
            "payments/h5/index.html",
            {
                "account": account,
                "billers": billers,
                "offered": pgettext("list separator", ", ").join(kinds),
                "orders": selectors.citizen_orders(account=account, openid=openid)[:20],
            },
        )
    )


def _subject(request: HttpRequest, biller: Any) -> tuple[Subject | None, HttpResponse | None]:
    if biller.kind != BillerKind.FINE:
        return None, None
    binding = active_binding(account=request.account, openid=request.citizen_openid)  # type: ignore[attr-defined]
    if binding is None:
        next_url = request.get_full_path()
        return None, HttpResponseRedirect(binding_page_url(request.account, next_url=next_url))  # type: ignore[attr-defined]
    return Subject.from_binding(binding), None


@citizen_page
def lookup(request: HttpRequest, biller_code: str) -> HttpResponse:
    """One biller: the form (account number or decision number) and, after a POST, the bill."""
    account = request.account  # type: ignore[attr-defined]
    biller = selectors.biller_or_404(account=account, code=biller_code)
    subject, redirect = _subject(request, biller)
    if redirect:
        return redirect
    context: dict[str, Any] = {
        "account": account,
        "biller": biller,
        "is_fine": biller.kind == BillerKind.FINE,
        "reference": "",
        "suggestions": selectors.suggestions(biller=biller, subject=subject),
        # The demo fines backend knows all of the citizen's fines: "none" is then an answer.
        "lists_fines": biller.kind == BillerKind.FINE and biller.connector == "demo",
    }
    status = 200
    if request.method == "POST":
        reference = request.POST.get("reference", "").strip()
        context["reference"] = reference
        if not reference:
            context["error"] = (
                _("Please enter the decision number.")
                if biller.kind == BillerKind.FINE
                else _("Please enter the account number.")
            )
            status = 400
        else:
            outcome = "ok"
            try:
                bill = actions.check_lookup(biller=biller, reference=reference, subject=subject)
                context["bill"] = bill
                context["amount"] = format_yuan(bill.amount_fen)
            except AppError as exc:
                outcome = exc.code
                status = 200 if exc.code in ("not_found", "already_paid") else exc.status
                if exc.code == "already_paid":
                    # Not an error: a notice, with the receipt when the citizen paid it here.
                    context["notice"] = exc.message
                    context["paid_order"] = selectors.citizen_paid_order(
                        account=account,
                        openid=request.citizen_openid,  # type: ignore[attr-defined]
                        biller=biller,
                        reference=reference,
                    )
                else:
                    context["error"] = exc.message
            if subject is not None:
                # A fine is looked up in the bound citizen's name: an access to personal data.
                do_audit(
                    action="payments.fine_lookup",
                    actor_label=f"citizen:{request.citizen_openid}",  # type: ignore[attr-defined]
                    account=account,
                    detail={"decision_number": reference, "outcome": outcome},
                    ip_address=client_ip(request),
                )
    return _no_store(render(request, "payments/h5/lookup.html", context, status=status))


@citizen_page
@require_POST
def create_order(request: HttpRequest, biller_code: str) -> HttpResponse:
    """Order and place the payment of the bill shown; then the pay page."""
    account = request.account  # type: ignore[attr-defined]
    biller = selectors.biller_or_404(account=account, code=biller_code)
    subject, redirect = _subject(request, biller)
    if redirect:
        return redirect
    raw_amount = request.POST.get("amount_fen", "")
    try:
        amount_fen = int(raw_amount) if raw_amount else None
    except ValueError:
        amount_fen = -1
    try:
        order = actions.check_create_order(
            account=account,
            openid=request.citizen_openid,  # type: ignore[attr-defined]
            biller=biller,
            reference=request.POST.get("reference", ""),
            subject=subject,
            amount_fen=amount_fen,
            notify_url=notify_url(request, account),
        )
    except AppError as exc:
        context = {
            "account": account,
            "biller": biller,
            "is_fine": biller.kind == BillerKind.FINE,
            "reference": request.POST.get("reference", ""),
            "error": exc.message,
            "suggestions": [],
        }
        return _no_store(render(request, "payments/h5/lookup.html", context, status=exc.status))
    return HttpResponseRedirect(reverse("payments:pay", args=[account.slug, order.out_trade_no]))


@citizen_page
def pay(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """The pay page: amount and biller, and the button that opens WeChat's payment sheet."""
    account = request.account  # type: ignore[attr-defined]
    order = selectors.citizen_order_or_404(
        account=account,
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        out_trade_no=out_trade_no,
    )
    if order.state != OrderState.PAYING:
        return HttpResponseRedirect(reverse("payments:receipt", args=[account.slug, out_trade_no]))
    parameters = wechatpay.jsapi_parameters(actions.merchant_of(account), prepay_id=order.prepay_id)
    return _no_store(
        render(
            request,
            "payments/h5/pay.html",
            {
                "account": account,
                "order": order,
                "amount": format_yuan(order.amount_fen),
                "parameters": parameters,
                "receipt_url": reverse("payments:receipt", args=[account.slug, out_trade_no]),
            },
        )
    )


@citizen_page
def receipt(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """The electronic receipt. An order still "paying" is asked about at WeChat Pay first (the
    fallback when the notify is late or lost)."""
    account = request.account  # type: ignore[attr-defined]
    order = selectors.citizen_order_or_404(
        account=account,
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        out_trade_no=out_trade_no,
    )
    if order.state == OrderState.PAYING:
        order = actions.do_sync_order(order=order)
    return _no_store(
        render(
            request,
            "payments/h5/receipt.html",
            {
                "account": account,
                "order": order,
                "amount": format_yuan(order.amount_fen),
                "refunded": format_yuan(order.refunded_fen) if order.refunded_fen else "",
                "write_off": getattr(order, "write_off", None),
            },
        )
    )


@citizen_page
@require_POST
def cancel(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    order = selectors.citizen_order_or_404(
        account=account,
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        out_trade_no=out_trade_no,
    )
    try:
        actions.do_close_order(order=order, actor_label=f"citizen:{order.openid}")
    except AppError as exc:
        logger.info("payments: close of %s failed: %s", out_trade_no, exc.code)
    return HttpResponseRedirect(reverse("payments:index", args=[account.slug]))


@csrf_exempt
@require_POST
def notify(request: HttpRequest, account_slug: str) -> HttpResponse:
    """WeChat Pay's notify (payments and refunds). Success: 204, no body. Refused: 4xx with
    {"code": "FAIL", "message"} — WeChat then tries again (15 s, 15 s, 30 s, 3 min, …)."""
    account = OfficialAccount.objects.filter(slug=account_slug, is_active=True).first()
    if account is None:
        raise Http404
    if len(request.body) > NOTIFY_MAX_BYTES:
        return JsonResponse({"code": "FAIL", "message": "The notify is too large."}, status=413)
    body = request.body.decode("utf-8", errors="replace")
    try:
        actions.check_notify(account=account, headers=dict(request.headers), body=body)
    except AppError as exc:
        return JsonResponse(
            {"code": "FAIL", "message": exc.message}, status=exc.status if exc.status < 500 else 500
        )
    return HttpResponse(status=204)
