"""Back-office pages of the payments app: orders with their ledger and refunds (payments.view,
refunds payments.refund), reconciliation with WeChat Pay's trade bill and CSV exports
(payments.view), billers and the merchant (payments.configure)."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.records.formatting import format_yuan
from weizheng.staff.decorators import account_page
from weizheng.staff.selectors import can

from . import actions, selectors
from .models import (
    Biller,
    BillerKind,
    LedgerAccount,
    Merchant,
    OrderState,
    PaymentEvent,
    ReconciliationRun,
    Refund,
    RefundState,
    WriteOffState,
)


def _csv_cell(value: Any) -> str:
    """A CSV value that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_text(value: str | None) -> str:
    """A long number kept as text: WeChat Pay's own bill prefixes such values with a backtick,
    so that Excel shows 4200001234567890123456789012, not 4.2E+27, and readers of its bill
    (ours: actions.parse_trade_bill) strip it. We do the same for transaction ids, account and
    decision numbers: strip one leading backtick to get the value back."""
    return f"`{value}" if value else ""


def _csv_response(filename: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return response


def _yuan(fen: int | None) -> str:
    return "" if fen is None else format_yuan(fen).lstrip("¥").replace(",", "")


@account_page("payments.view")
def orders(request: HttpRequest, account: Any) -> HttpResponse:
    state = request.GET.get("state", "")
    query = request.GET.get("q", "").strip()
    found = selectors.staff_orders(account=account, state=state, query=query)
    follow_up = request.GET.get("follow_up", "") == "reversal"
    if follow_up:
        found = found.filter(write_off__state=WriteOffState.REVERSAL_DUE)
    if request.GET.get("format") == "csv":
        do_audit(
            action="payments.orders_exported",
            actor=request.user,
            account=account,
            detail={"state": state, "q": query},
        )
        return _csv_response(
            f"orders-{account.slug}-{timezone.localdate():%Y%m%d}.csv",
            [
                _("Order number"),
                _("WeChat Pay transaction"),
                _("Biller"),
                _("Reference"),
                _("Bill period"),
                _("Amount (yuan)"),
                _("Refunded (yuan)"),
                _("State"),
                _("Created"),
                _("Paid at"),
                _("Written off at"),
            ],
            [
                [
                    o.out_trade_no,
                    _csv_text(o.transaction_id),
                    o.biller.name,
                    _csv_text(o.reference),
                    o.period,
                    _yuan(o.amount_fen),
                    _yuan(o.refunded_fen),
                    o.get_state_display(),
                    timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    timezone.localtime(o.paid_at).strftime("%Y-%m-%d %H:%M:%S")
                    if o.paid_at
                    else "",
                    timezone.localtime(o.settled_at).strftime("%Y-%m-%d %H:%M:%S")
                    if o.settled_at
                    else "",
                ]
                for o in found[:10000]
            ],
        )
    balances = selectors.ledger_balances(account=account)
    return render(
        request,
        "payments/staff/orders.html",
        {
            "account": account,
            "orders": found[:200],
            "states": OrderState.choices,
            "state": state,
            "q": query,
            "balances": [
                (label, format_yuan(balances.get(value, 0), signed=True))
                for value, label in LedgerAccount.choices
            ],
            "ledger_total": sum(balances.values()),
            "follow_up": follow_up,
            "reversals_due": selectors.reversals_due(account=account).count(),
        },
    )


class RefundForm(forms.Form):
    amount_yuan = forms.DecimalField(
        label=gettext_lazy("Amount (yuan)"), min_value=0, max_digits=10, decimal_places=2
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=80)
    out_refund_no = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


MOVEMENTS = {
    "pay": gettext_lazy("Payment received"),
    "settle": gettext_lazy("Written off at the biller"),
    "refund": gettext_lazy("Refund"),
}
EVENT_SOURCES = {
    "notify": gettext_lazy("Payment notify"),
    "query": gettext_lazy("Payment query"),
    "refund_notify": gettext_lazy("Refund notify"),
    "refund_query": gettext_lazy("Refund query"),
}


WRITE_OFF_ERRORS = {
    "unavailable": gettext_lazy("The biller's system could not be reached."),
    "timeout": gettext_lazy("The biller's system did not answer in time."),
    "malformed": gettext_lazy("The biller's system gave an answer that cannot be read."),
    "refused": gettext_lazy("The biller refused it."),
    "not_found": gettext_lazy("The biller does not know this bill."),
    "invalid_reference": gettext_lazy("The reference is not in the biller's format."),
}


def _write_off_error(last_error: str) -> tuple[str, str]:
    """A write-off's last error ("<outcome>: <detail>") → (what finance reads, the raw detail)."""
    outcome, _sep, _detail = last_error.partition(": ")
    label = WRITE_OFF_ERRORS.get(outcome)
    return (str(label), last_error) if label else (last_error, "")


REFUND_ERRORS = {
    "unavailable": gettext_lazy("WeChat Pay could not be reached."),
    "server_error": gettext_lazy("WeChat Pay had a problem on its side."),
    "refused": gettext_lazy("WeChat Pay refused the request."),
    "processing": gettext_lazy("WeChat Pay is still processing it."),
    "closed": gettext_lazy("WeChat Pay closed the refund."),
    "abnormal": gettext_lazy(
        "WeChat Pay could not pay the refund back (for example, the citizen's card was closed)."
    ),
}


def _refund_words(error: str) -> str:
    outcome, _sep, _detail = error.partition(": ")
    return str(REFUND_ERRORS.get(outcome, error))


def _refund_note(refund: Refund) -> str:
    """Why a processing refund is being retried, or why a refund failed, as finance reads it."""
    if not refund.last_error:
        return ""
    if refund.state == RefundState.PROCESSING:
        return _(
            "WeChat Pay has not confirmed this refund yet: it is checked again automatically "
            "at %(time)s. Last check: %(why)s"
        ) % {
            "time": timezone.localtime(refund.next_attempt_at).strftime("%H:%M"),
            "why": _refund_words(refund.last_error),
        }
    if refund.state == RefundState.FAILED:
        if refund.last_error.startswith("gave_up: "):
            return _(
                "WeChat Pay did not confirm this refund within a day, so it was given up; "
                "it can be asked for again. Last check: %(why)s"
            ) % {"why": _refund_words(refund.last_error.removeprefix("gave_up: "))}
        return _("WeChat Pay did not make this refund: %(why)s") % {
            "why": _refund_words(refund.last_error)
        }
    return ""


def _movement_label(movement: str) -> str:
    """pay:/settle:/refund:<number> as finance reads it; the raw name stays in the title."""
    kind, _sep, _number = movement.partition(":")
    return str(MOVEMENTS.get(kind, movement))


@account_page("payments.view")
def order_detail(request: HttpRequest, account: Any, pk: int) -> HttpResponse:
    order = selectors.staff_order_or_404(account=account, pk=pk)
    can_refund = can(request.user, "payments.refund", account)
    form = RefundForm(
        initial={
            "amount_yuan": _yuan(order.amount_fen - order.refunded_fen),
            "out_refund_no": f"RF{order.out_trade_no[2:]}{order.refunds.count() + 1:02d}",
        }
    )
    return render(
        request,
        "payments/staff/order.html",
        {
            "account": account,
            "order": order,
            "amount": format_yuan(order.amount_fen),
            "ledger": [
                (e, format_yuan(e.amount_fen, signed=True), _movement_label(e.movement))
                for e in order.ledger_entries.all()
            ],
            "events": [
                (e, EVENT_SOURCES.get(e.source, e.source))
                for e in PaymentEvent.objects.filter(order=order)[:50]
            ],
            "write_off": getattr(order, "write_off", None),
            "write_off_error": _write_off_error(
                getattr(getattr(order, "write_off", None), "last_error", "")
            ),
            "refunds": [
                (r, format_yuan(r.amount_fen), _refund_note(r)) for r in order.refunds.all()
            ],
            "can_refund": can_refund
            and order.state in (OrderState.PAID, OrderState.SETTLED)
            and order.refunded_fen < order.amount_fen,
            "form": form,
            "write_off_failed": getattr(getattr(order, "write_off", None), "state", "")
            == WriteOffState.FAILED,
            "reversal_due": getattr(getattr(order, "write_off", None), "state", "")
            == WriteOffState.REVERSAL_DUE,
            "can_mark_reversed": can_refund,
        },
    )


@require_POST
@account_page("payments.refund")
def mark_reversed(request: HttpRequest, account: Any, pk: int) -> HttpResponse:
    """Finance confirms the biller reversed the write-off of an order refunded in full."""
    order = selectors.staff_order_or_404(account=account, pk=pk)
    if actions.do_mark_reversed(order=order, actor=request.user):
        messages.success(request, _("The biller's reversal of this payment was recorded."))
    return redirect("office-payments:order", account_id=account.pk, pk=order.pk)


@require_POST
@account_page("payments.refund")
def refund(request: HttpRequest, account: Any, pk: int) -> HttpResponse:
    order = selectors.staff_order_or_404(account=account, pk=pk)
    form = RefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give an amount in yuan and a reason."))
        return redirect("office-payments:order", account_id=account.pk, pk=order.pk)
    amount_fen = int(form.cleaned_data["amount_yuan"] * 100)
    notify_url = request.build_absolute_uri(reverse("payments:notify", args=[account.slug]))
    try:
        result = actions.check_request_refund(
            order=order,
            amount_fen=amount_fen,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            out_refund_no=form.cleaned_data["out_refund_no"] or "",
            notify_url=notify_url,
        )
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The refund %(number)s of %(amount)s yuan was sent to WeChat Pay.")
            % {"number": result.out_refund_no, "amount": _yuan(result.amount_fen)},
        )
    return redirect("office-payments:order", account_id=account.pk, pk=order.pk)


@account_page("payments.view")
def reconciliation(request: HttpRequest, account: Any) -> HttpResponse:
    runs = list(selectors.reconciliation_runs(account=account)[:30])
    return render(
        request,
        "payments/staff/reconciliation.html",
        {
            "account": account,
            "runs": runs,
            "default_date": selectors.yesterday().isoformat(),
            "has_merchant": Merchant.objects.filter(account=account).exists(),
        },
    )


@require_POST
@account_page("payments.view")
def reconcile(request: HttpRequest, account: Any) -> HttpResponse:
    try:
        bill_date = dt.date.fromisoformat(request.POST.get("bill_date", ""))
    except ValueError:
        messages.error(request, _("Please choose a day."))
        return redirect("office-payments:reconciliation", account_id=account.pk)
    if bill_date >= timezone.localdate():
        messages.error(
            request,
            _("WeChat Pay's bill of a day is ready the next morning: choose an earlier day."),
        )
        return redirect("office-payments:reconciliation", account_id=account.pk)
    try:
        run = actions.do_reconcile(account=account, bill_date=bill_date, actor=request.user)
    except AppError as exc:
        messages.error(request, exc.message)
        return redirect("office-payments:reconciliation", account_id=account.pk)
    if run.error:
        messages.error(
            request,
            _("WeChat Pay's bill could not be downloaded: %(error)s") % {"error": run.error},
        )
    else:
        messages.success(
            request,
            _("Reconciled %(day)s: %(count)s findings.")
            % {"day": bill_date.isoformat(), "count": run.findings.count()},
        )
    return redirect("office-payments:reconciliation", account_id=account.pk)


@account_page("payments.view")
def reconciliation_csv(request: HttpRequest, account: Any, pk: int) -> HttpResponse:
    run = ReconciliationRun.objects.filter(account=account, pk=pk).first()
    if run is None:
        raise Http404
    do_audit(
        action="payments.reconciliation_exported", actor=request.user, account=account, target=run
    )
    return _csv_response(
        f"reconciliation-{account.slug}-{run.bill_date:%Y%m%d}.csv",
        [
            _("Finding"),
            _("Order number"),
            _("WeChat Pay transaction"),
            _("Refund number"),
            _("Our amount (yuan)"),
            _("WeChat Pay's amount (yuan)"),
        ],
        [
            [
                f.get_kind_display(),
                f.out_trade_no,
                _csv_text(f.transaction_id),
                f.out_refund_no,
                _yuan(f.our_amount_fen),
                _yuan(f.their_amount_fen),
            ]
            for f in run.findings.all()
        ],
    )


class MerchantForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Merchant name"), max_length=100)
    mchid = forms.CharField(label=gettext_lazy("Merchant id"), max_length=32)
    apiv3_key = forms.CharField(
        label=gettext_lazy("APIv3 key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the stored key."),
    )
    private_key = forms.CharField(
        label=gettext_lazy("Merchant API private key (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=gettext_lazy("Leave empty to keep the stored key."),
    )
    serial_no = forms.CharField(
        label=gettext_lazy("Merchant certificate serial number"), max_length=64
    )
    platform_public_key = forms.CharField(
        label=gettext_lazy("WeChat Pay platform public key (PEM)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    platform_public_key_id = forms.CharField(
        label=gettext_lazy("Platform public key id"), max_length=64
    )
    api_base_url = forms.CharField(
        label=gettext_lazy("Gateway"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Empty: the deployment's default WeChat Pay gateway."),
    )
    is_enabled = forms.BooleanField(label=gettext_lazy("Take payments"), required=False)


@account_page("payments.configure")
def billers(request: HttpRequest, account: Any) -> HttpResponse:
    merchant = Merchant.objects.filter(account=account).first()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = MerchantForm(request.POST)
        if form.is_valid():
            try:
                actions.check_save_merchant(
                    account=account, data=form.cleaned_data, actor=request.user
                )
            except AppError as exc:
                errors = exc.extra.get("errors", {})
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The merchant was saved."))
                return redirect("office-payments:billers", account_id=account.pk)
    else:
        initial: dict[str, Any] = {"is_enabled": True}
        if merchant is not None:
            initial = {
                name: getattr(merchant, name)
                for name in MerchantForm.base_fields
                if name not in ("apiv3_key", "private_key")
            }
        form = MerchantForm(initial=initial)
    return render(
        request,
        "payments/staff/billers.html",
        {
            "account": account,
            "billers": Biller.objects.filter(account=account),
            "merchant": merchant,
            "form": form,
            "errors": errors,
        },
    )


class BillerForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=32)
    name = forms.CharField(label=gettext_lazy("Biller name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BillerKind.choices)
    connector = forms.ChoiceField(
        label=gettext_lazy("Connector"),
        choices=[("demo", gettext_lazy("Demo")), ("http", gettext_lazy("HTTP"))],
    )
    base_url = forms.CharField(
        label=gettext_lazy("Backend address"), required=False, max_length=300
    )
    reference_pattern = forms.CharField(
        label=gettext_lazy("Reference format"),
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "A regular expression the whole account or decision number must match, for example "
            "[0-9]{8,12}. Leave empty for the default: 6 to 20 digits, or 15 or 16 digits for "
            "traffic fines."
        ),
    )
    secret = forms.CharField(
        label=gettext_lazy("HMAC key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the stored key."),
    )


@account_page("payments.configure")
def biller_edit(request: HttpRequest, account: Any, pk: int | None = None) -> HttpResponse:
    """Add a biller (pk None) or change one."""
    biller = None
    if pk is not None:
        biller = Biller.objects.filter(account=account, pk=pk).first()
        if biller is None:
            raise Http404
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = BillerForm(request.POST)
        if form.is_valid():
            try:
                actions.check_save_biller(
                    account=account, data=form.cleaned_data, actor=request.user, biller=biller
                )
            except AppError as exc:
                errors = exc.extra.get("errors", {})
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The biller was saved."))
                return redirect("office-payments:billers", account_id=account.pk)
    else:
        form = BillerForm(
            initial={
                "code": biller.code,
                "name": biller.name,
                "kind": biller.kind,
                "connector": biller.connector,
                "base_url": biller.base_url,
                "reference_pattern": biller.reference_pattern,
            }
            if biller
            else {"connector": "demo"}
        )
    return render(
        request,
        "payments/staff/biller.html",
        {"account": account, "biller": biller, "form": form, "errors": errors},
    )


@require_POST
@account_page("payments.configure")
def biller_toggle(request: HttpRequest, account: Any, pk: int) -> HttpResponse:
    """Enable or disable a biller, or (demo backends) simulate its outage."""
    biller = Biller.objects.filter(account=account, pk=pk).first()
    field = request.POST.get("field")
    if biller is None or field not in ("is_enabled", "demo_unavailable"):
        messages.error(request, _("Nothing was changed."))
        return redirect("office-payments:billers", account_id=account.pk)
    value = request.POST.get("value") == "1"
    Biller.objects.filter(pk=biller.pk).update(**{field: value})
    do_audit(
        action="payments.biller_changed",
        actor=request.user,
        account=account,
        target=biller,
        detail={field: value},
    )
    messages.success(request, _("The biller %(name)s was updated.") % {"name": biller.name})
    return redirect("office-payments:billers", account_id=account.pk)
