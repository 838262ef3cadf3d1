"""Reads of the payments app, with the access checks of citizens' and staff's pages."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.records.connectors.base import Subject
from weizheng.wechat.models import OfficialAccount

from . import connectors
from .models import (
    HOLDING_STATES,
    Biller,
    BillerKind,
    DemoBillerPayment,
    LedgerEntry,
    Order,
    ReconciliationRun,
    WriteOffState,
)


def enabled_billers(*, account: OfficialAccount) -> QuerySet[Biller]:
    return Biller.objects.filter(account=account, is_enabled=True)


def biller_or_404(*, account: OfficialAccount, code: str) -> Biller:
    biller = enabled_billers(account=account).filter(code=code).first()
    if biller is None:
        raise Http404(_("This biller is not offered here."))
    return biller


def citizen_orders(*, account: OfficialAccount, openid: str) -> QuerySet[Order]:
    return (
        Order.objects.filter(account=account, openid=openid)
        .exclude(state__in=["created"])
        .select_related("biller")
    )


def citizen_order_or_404(*, account: OfficialAccount, openid: str, out_trade_no: str) -> Order:
    """A citizen's own order; another citizen's is a 404, as if it did not exist."""
    order = (
        Order.objects.filter(account=account, openid=openid, out_trade_no=out_trade_no)
        .select_related("biller", "account")
        .first()
    )
    if order is None:
        raise Http404(_("No such payment."))
    return order


def suggestions(*, biller: Biller, subject: Subject | None) -> list[str]:
    """Quick picks for demo billers: demo account numbers, or the bound citizen's unpaid fines."""
    if biller.connector != "demo":
        return []
    if biller.kind == BillerKind.FINE:
        if subject is None:
            return []
        fines = connectors.citizen_fines(subject.id_number, timezone.localdate())
        unpaid = [f["decision_number"] for f in fines if not f["paid_elsewhere"]]
        # Paid here (or being paid: the order holds it), or written off at the demo biller.
        held = set(
            Order.objects.filter(
                biller=biller, reference__in=unpaid, state__in=HOLDING_STATES
            ).values_list("reference", flat=True)
        ) | set(
            DemoBillerPayment.objects.filter(
                biller_code=biller.code, reference__in=unpaid
            ).values_list("reference", flat=True)
        )
        return [number for number in unpaid if number not in held][-3:]
    # Not the demo numbers whose bill of this period is paid already (here or at the biller).
    period = connectors.bill_period(timezone.localdate())
    paid = set(
        DemoBillerPayment.objects.filter(biller_code=biller.code, period=period).values_list(
            "reference", flat=True
        )
    ) | set(
        Order.objects.filter(biller=biller, period=period, state__in=HOLDING_STATES).values_list(
            "reference", flat=True
        )
    )
    return [n for n in connectors.DEMO_ACCOUNTS.get(BillerKind(biller.kind), []) if n not in paid]


def citizen_paid_order(
    *, account: OfficialAccount, openid: str, biller: Biller, reference: str
) -> Order | None:
    """The citizen's own paid order of this bill or fine (for the link to its receipt)."""
    return (
        Order.objects.filter(
            account=account,
            openid=openid,
            biller=biller,
            reference=connectors.normalise_reference(reference),
            state__in=["paid", "settled"],
        )
        .order_by("-paid_at")
        .first()
    )


def staff_orders(*, account: OfficialAccount, state: str = "", query: str = "") -> QuerySet[Order]:
    orders = Order.objects.filter(account=account).select_related("biller")
    if state:
        orders = orders.filter(state=state)
    if query:
        orders = orders.filter(out_trade_no__icontains=query) | orders.filter(
            reference__icontains=query
        )
    return orders


def reversals_due(*, account: OfficialAccount) -> QuerySet[Order]:
    """Orders refunded in full after their write-off: the biller must reverse it (冲正)."""
    return Order.objects.filter(account=account, write_off__state=WriteOffState.REVERSAL_DUE)


def staff_order_or_404(*, account: OfficialAccount, pk: int) -> Order:
    order = Order.objects.filter(account=account, pk=pk).select_related("biller").first()
    if order is None:
        raise Http404
    return order


def ledger_balances(*, account: OfficialAccount) -> dict[str, int]:
    rows = (
        LedgerEntry.objects.filter(account=account)
        .values("ledger_account")
        .annotate(total=Sum("amount_fen"))
    )
    return {r["ledger_account"]: r["total"] for r in rows}


def reconciliation_runs(*, account: OfficialAccount) -> QuerySet[ReconciliationRun]:
    return ReconciliationRun.objects.filter(account=account).prefetch_related("findings")


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)
