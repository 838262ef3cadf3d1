"""Writes of the payments app: orders and their state machine, notifies and the fallback query,
the ledger, write-offs with the biller, refunds and reconciliation.

Money is never lost, taken twice or left unaccounted because:
- an order goes created → paying → paid → settled (or closed / refunded) only through
  conditional updates under a row lock (`select_for_update`), so five copies of one notify and a
  racing query apply the payment once;
- `Order.transaction_id` is unique: one WeChat Pay transaction pays one order once;
- each ledger movement's legs are unique by (movement, ledger account), balanced, and written in
  the same transaction as the state change they record;
- a paid order's write-off is an outbox row written in that same transaction and retried until
  the biller confirms it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import secrets
import time
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.notifications.actions import notify
from weizheng.records.connectors.base import Subject
from weizheng.records.formatting import format_yuan
from weizheng.wechat.models import OfficialAccount

from . import connectors, protocol, wechatpay
from .models import (
    Biller,
    BillerKind,
    EventOutcome,
    FindingKind,
    LedgerAccount,
    LedgerEntry,
    Merchant,
    Order,
    OrderKind,
    OrderState,
    PaymentEvent,
    ReconciliationFinding,
    ReconciliationRun,
    Refund,
    RefundState,
    WriteOff,
    WriteOffState,
)

logger = logging.getLogger(__name__)

# Seconds before the n-th retry of a write-off the biller could not take; then every hour.
WRITE_OFF_BACKOFF = (30, 60, 120, 300, 600, 1800)
WRITE_OFF_CLAIM_SECONDS = 120
# Refunds still "processing" (`sync_stale_refunds`): a claim lasts this long; checks are
# REFUND_CHECK_AFTER_SECONDS after the request, then 1 min doubling up to 1 h apart; a refund
# WeChat Pay still cannot confirm a day after it was asked for is given up (failed).
REFUND_CLAIM_SECONDS = 120
REFUND_RETRY_FIRST_SECONDS = 60
REFUND_RETRY_MAX_SECONDS = 3600
REFUND_GIVE_UP_SECONDS = 24 * 3600
# An order still "paying" after this long is asked about (the notify may have been lost).
QUERY_AFTER_SECONDS = 60
# How long a second order request of the same citizen (a double tap) waits for the first one to
# be placed with WeChat Pay: the connect timeout and the read timeout of that call.
ORDER_PLACING_WAIT_SECONDS = 5 + settings.WECHATPAY_HTTP_TIMEOUT_SECONDS
# An order nobody paid within this long is closed (at WeChat Pay first), freeing its bill.
EXPIRE_AFTER_SECONDS = 30 * 60


def _yuan(fen: int) -> str:
    return format_yuan(fen).lstrip("¥")


def new_out_trade_no() -> str:
    """WZ + Beijing time to the second + 8 random digits: 24 characters (WeChat allows 32)."""
    return f"WZ{timezone.localtime():%Y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


def merchant_of(account: OfficialAccount) -> Merchant:
    merchant = Merchant.objects.filter(account=account, is_enabled=True).first()
    if merchant is None:
        raise AppError("no_merchant", _("This account does not take payments yet."), status=404)
    return merchant


# --- the ledger ---------------------------------------------------------------------------------
def _post(order: Order, movement: str, legs: Mapping[str, int]) -> bool:
    """Write one balanced movement; False (and nothing written) when it was posted before."""
    if sum(legs.values()) != 0:
        raise ValueError(f"movement {movement} does not balance: {dict(legs)}")
    if LedgerEntry.objects.filter(movement=movement).exists():
        return False
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                account_id=order.account_id,
                order=order,
                movement=movement,
                ledger_account=name,
                amount_fen=amount,
            )
            for name, amount in legs.items()
        ]
    )
    return True


# --- looking a bill up and ordering ---------------------------------------------------------------
def check_reference(*, biller: Biller, reference: str) -> str:
    """The reference normalised (full-width digits, spaces, hyphens) and checked against the
    biller's format: nothing else is ever sent to a biller, ordered or written off."""
    try:
        return connectors.check_reference(biller, reference)
    except connectors.InvalidReference as exc:
        if biller.kind == BillerKind.FINE:
            message = _(
                "A decision number is 15 or 16 digits. Please check the number on your "
                "notice of penalty."
            )
        elif biller.reference_pattern:
            message = _(
                "This is not an account number of this biller. Please check the number on "
                "your bill."
            )
        else:
            message = _(
                "An account number is 6 to 20 digits. Please check the number on your bill."
            )
        raise AppError("invalid_reference", message, status=400) from exc


def check_lookup(*, biller: Biller, reference: str, subject: Subject | None) -> connectors.Bill:
    """The bill or fine as the biller has it; AppError when there is none or it cannot be paid
    here (already paid, nothing due)."""
    reference = check_reference(biller=biller, reference=reference)
    try:
        bill = connectors.connector_for(biller).lookup(reference, subject=subject)
    except connectors.NotFound as exc:
        message = (
            _("No unpaid fine has this decision number in your name.")
            if biller.kind == BillerKind.FINE
            else _("The biller has no bill for this account number.")
        )
        raise AppError("not_found", message, status=404) from exc
    except connectors.BackendUnavailable as exc:
        raise AppError(
            "biller_unavailable",
            _("The biller's system cannot be reached. Please try again later."),
            status=503,
        ) from exc
    except connectors.ConnectorError as exc:
        logger.warning("payments: lookup at %s failed: %s", biller.code, exc)
        raise AppError(
            "biller_refused", _("The biller could not answer this query."), status=502
        ) from exc
    if bill.is_paid:
        message = (
            _("This fine has been paid already.")
            if biller.kind == BillerKind.FINE
            else _("This bill has been paid already.")
        )
        raise AppError("already_paid", message, status=409)
    if bill.amount_fen < 1:
        raise AppError("nothing_due", _("Nothing is due on this bill."), status=409)
    return bill


def check_create_order(
    *,
    account: OfficialAccount,
    openid: str,
    biller: Biller,
    reference: str,
    subject: Subject | None,
    amount_fen: int | None,
    notify_url: str,
) -> Order:
    """Order the payment of a bill or fine and place it with WeChat Pay (state "paying").

    The amount is always the biller's: a posted amount that differs (below one fen, part of the
    bill, above it) is refused. A bill held by a live order is refused, unless that order is the
    same citizen's own unpaid one, which is handed back to pay."""
    merchant = merchant_of(account)
    bill = check_lookup(biller=biller, reference=reference, subject=subject)
    if amount_fen is not None and amount_fen != bill.amount_fen:
        logger.info(
            "payments: refused amount %s for %s %s (bill %s)",
            amount_fen,
            biller.code,
            bill.reference,
            bill.amount_fen,
        )
        raise AppError(
            "amount_mismatch",
            _("The amount must be exactly the amount of the bill, %(amount)s yuan.")
            % {"amount": _yuan(bill.amount_fen)},
            status=400,
        )
    kind = OrderKind.FINE if biller.kind == BillerKind.FINE else OrderKind.BILL
    description = (
        f"{biller.name} 罚款 {bill.reference}"
        if kind == OrderKind.FINE
        else f"{biller.name} {bill.period} {bill.reference}"
    )[:127]
    try:
        with transaction.atomic():
            order = Order.objects.create(
                account=account,
                openid=openid,
                kind=kind,
                biller=biller,
                reference=bill.reference,
                period=bill.period,
                description=description,
                payer_label=bill.holder,
                amount_fen=bill.amount_fen,
                out_trade_no=new_out_trade_no(),
            )
            do_audit(
                action="payments.order_created",
                actor_label=f"citizen:{openid}",
                account=account,
                target=order,
                detail={"amount_fen": order.amount_fen, "biller": biller.code},
            )
    except IntegrityError:
        live = Order.objects.filter(
            biller=biller,
            reference=bill.reference,
            period=bill.period,
            state__in=[OrderState.CREATED, OrderState.PAYING, OrderState.PAID, OrderState.SETTLED],
        ).first()
        if live is not None and live.openid == openid and live.state == OrderState.CREATED:
            # A double tap: the citizen's own first order is being placed with WeChat Pay right
            # now (in another request). Wait for it rather than call it someone else's.
            live = _wait_while_created(live)
            if live.state == OrderState.CLOSED:
                raise AppError(
                    "gateway_unavailable",
                    _("WeChat Pay cannot be reached right now. Please try again later."),
                    status=503,
                ) from None
        if live is not None and live.openid == openid and live.state == OrderState.PAYING:
            return live
        if live is not None and live.state in (OrderState.PAID, OrderState.SETTLED):
            raise AppError(
                "already_paid", _("This bill has been paid already."), status=409
            ) from None
        raise AppError(
            "bill_in_payment",
            _(
                "This bill is being paid right now. An unpaid payment holds the bill for up to "
                "30 minutes; please try again later."
            ),
            status=409,
        ) from None
    try:
        prepay_id = wechatpay.create_jsapi_order(
            merchant,
            out_trade_no=order.out_trade_no,
            description=order.description,
            amount_fen=order.amount_fen,
            openid=openid,
            notify_url=notify_url,
        )
    except wechatpay.GatewayError as exc:
        logger.warning("payments: JSAPI order %s failed: %s", order.out_trade_no, exc)
        # Free the bill; WeChat has no order (or will close it unpaid).
        Order.objects.filter(pk=order.pk, state=OrderState.CREATED).update(
            state=OrderState.CLOSED, closed_at=timezone.now()
        )
        raise AppError(
            "gateway_unavailable",
            _("WeChat Pay cannot be reached right now. Please try again later."),
            status=503,
        ) from exc
    Order.objects.filter(pk=order.pk, state=OrderState.CREATED).update(
        state=OrderState.PAYING, prepay_id=prepay_id
    )
    order.refresh_from_db()
    return order


def _wait_while_created(order: Order) -> Order:
    """The order once it has left "created" (placed, or closed when WeChat Pay failed), or as it
    is after the longest a WeChat Pay call may take."""
    deadline = time.monotonic() + ORDER_PLACING_WAIT_SECONDS
    while order.state == OrderState.CREATED and time.monotonic() < deadline:
        time.sleep(0.1)
        order.refresh_from_db()
    return order


# --- notifies and the fallback query --------------------------------------------------------------
def _log_event(
    *,
    account: OfficialAccount,
    source: str,
    outcome: str,
    reason: str = "",
    event_id: str = "",
    order: Order | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    if outcome == EventOutcome.REJECTED:
        logger.warning(
            "payments: %s %s rejected (%s) for account %s", source, event_id, reason, account.slug
        )
    PaymentEvent.objects.create(
        account=account,
        order=order,
        source=source,
        event_id=event_id,
        outcome=outcome,
        reason=reason,
        detail=detail or {},
    )


def check_notify(*, account: OfficialAccount, headers: Mapping[str, str], body: str) -> str:
    """A notify from WeChat Pay: verify, decrypt, apply. Returns the outcome; raises AppError
    (the answer is then a 4xx/5xx so that WeChat tries again later) when it was refused."""
    merchant = merchant_of(account)
    try:
        event = protocol.verify_notify(
            headers=headers,
            body=body,
            platform_public_key=merchant.platform_public_key,
            platform_public_key_id=merchant.platform_public_key_id,
            apiv3_key=merchant.apiv3_key,
        )
    except protocol.NotifyRejected as exc:
        _log_event(
            account=account,
            source="notify",
            outcome=EventOutcome.REJECTED,
            reason=exc.reason,
            detail={"detail": exc.detail[:200]},
        )
        raise AppError("notify_rejected", "The notify was refused.", status=401) from exc
    if event.event_type.startswith("REFUND."):
        return do_apply_refund_result(
            account=account, resource=event.resource, source="refund_notify", event_id=event.id
        )
    if event.event_type != "TRANSACTION.SUCCESS":
        _log_event(
            account=account,
            source="notify",
            outcome=EventOutcome.ALREADY,
            reason="ignored_event_type",
            event_id=event.id,
            detail={"event_type": event.event_type},
        )
        return EventOutcome.ALREADY
    return do_apply_transaction(
        account=account,
        merchant=merchant,
        resource=event.resource,
        source="notify",
        event_id=event.id,
    )


def do_apply_transaction(
    *,
    account: OfficialAccount,
    merchant: Merchant,
    resource: Mapping[str, Any],
    source: str,
    event_id: str = "",
) -> str:
    """Apply what WeChat Pay says about a transaction (a notify or a query answer). A SUCCESS
    for our order, mchid, appid and amount pays the order once: ledger pair, write-off outbox,
    the citizen told. Anything else is logged with its reason and changes nothing."""
    out_trade_no = str(resource.get("out_trade_no", ""))
    transaction_id = str(resource.get("transaction_id") or "")
    amount = resource.get("amount") or {}
    total = amount.get("total") if isinstance(amount, Mapping) else None
    payer_total = amount.get("payer_total", total) if isinstance(amount, Mapping) else None
    detail = {"out_trade_no": out_trade_no, "transaction_id": transaction_id, "total": total}

    def reject(reason: str, order: Order | None = None) -> str:
        _log_event(
            account=account,
            source=source,
            outcome=EventOutcome.REJECTED,
            reason=reason,
            event_id=event_id,
            order=order,
            detail=detail,
        )
        return EventOutcome.REJECTED

    if resource.get("mchid") != merchant.mchid:
        return reject("mchid_mismatch")
    if resource.get("appid") != account.app_id:
        return reject("appid_mismatch")
    if resource.get("trade_state") != "SUCCESS":
        return reject(f"trade_state_{resource.get('trade_state')}")
    if not transaction_id:
        return reject("no_transaction_id")
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(account=account, out_trade_no=out_trade_no)
            .first()
        )
        if order is None:
            return reject("unknown_order")
        if total != order.amount_fen or payer_total != order.amount_fen:
            return reject("amount_mismatch", order)
        if order.transaction_id:
            if order.transaction_id == transaction_id:
                _log_event(
                    account=account,
                    source=source,
                    outcome=EventOutcome.ALREADY,
                    reason="already_paid",
                    event_id=event_id,
                    order=order,
                    detail=detail,
                )
                return EventOutcome.ALREADY
            return reject("paid_by_another_transaction", order)
        if order.state not in (OrderState.CREATED, OrderState.PAYING, OrderState.CLOSED):
            return reject(f"order_{order.state}", order)
        if order.state == OrderState.CLOSED:
            # The money arrived although we had closed the order: it must not be lost.
            logger.warning("payments: %s paid after it was closed", order.out_trade_no)
        now = timezone.now()
        try:
            with transaction.atomic():
                updated = Order.objects.filter(pk=order.pk, transaction_id__isnull=True).update(
                    state=OrderState.PAID,
                    transaction_id=transaction_id,
                    paid_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            # The transaction paid another order, or (an order we had closed) its bill has a
            # new live order meanwhile: finance must sort it out (refund); never silently lost.
            return reject("constraint_conflict", order)
        if updated != 1:  # pragma: no cover - the row lock makes this impossible
            return reject("lost_race", order)
        order.refresh_from_db()
        _post(
            order,
            f"pay:{order.out_trade_no}",
            {
                LedgerAccount.WECHATPAY_RECEIVABLE: order.amount_fen,
                LedgerAccount.CITIZEN_CLEARING: -order.amount_fen,
            },
        )
        write_off = WriteOff.objects.create(order=order, next_attempt_at=now)
        _record_applied(
            account=account,
            source=source,
            event_id=event_id,
            order=order,
            detail=detail,
            audit_action="payments.paid",
        )
        notify(
            account=account,
            openid=order.openid,
            kind="payments.paid",
            variables={
                "biller": order.biller.name,
                "reference": order.reference,
                "amount": _yuan(order.amount_fen),
                "order_no": order.out_trade_no,
                "link": receipt_link(order),
            },
            dedupe_key=f"payments.paid:{order.out_trade_no}",
        )
        write_off_id = write_off.pk
        transaction.on_commit(lambda: _kick_write_off(write_off_id))
    return EventOutcome.APPLIED


def receipt_link(order: Order) -> str:
    if not settings.PUBLIC_BASE_URL:
        return ""
    path = reverse("payments:receipt", args=[order.account.slug, order.out_trade_no])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def _record_applied(
    *,
    account: Any,
    source: str,
    event_id: str,
    order: Order,
    detail: dict[str, Any],
    audit_action: str,
) -> None:
    """A WeChat Pay answer (notify or query) that moved money: its event row and its audit row,
    in the caller's transaction."""
    _log_event(
        account=account,
        source=source,
        outcome=EventOutcome.APPLIED,
        event_id=event_id,
        order=order,
        detail=detail,
    )
    do_audit(
        action=audit_action,
        actor_label=f"wechatpay:{source}",
        account=account,
        target=order,
        detail=detail,
    )


def do_sync_order(*, order: Order) -> Order:
    """The fallback when no notify came: ask WeChat Pay about the order and apply its answer."""
    if order.state not in (OrderState.CREATED, OrderState.PAYING):
        return order
    merchant = merchant_of(order.account)
    try:
        resource = wechatpay.query_order(merchant, out_trade_no=order.out_trade_no)
    except wechatpay.GatewayError as exc:
        logger.info("payments: query of %s failed: %s", order.out_trade_no, exc)
        return order
    if resource.get("trade_state") == "SUCCESS":
        do_apply_transaction(
            account=order.account, merchant=merchant, resource=resource, source="query"
        )
    elif resource.get("trade_state") == "CLOSED":
        Order.objects.filter(pk=order.pk, state=OrderState.PAYING).update(
            state=OrderState.CLOSED, closed_at=timezone.now()
        )
    order.refresh_from_db()
    return order


def do_close_order(*, order: Order, actor_label: str) -> Order:
    """Give an unpaid order up (the citizen cancelled, or it expired): closed at WeChat Pay
    first, so no payment can arrive afterwards; ORDERPAID means it was paid — then sync."""
    if order.state not in (OrderState.CREATED, OrderState.PAYING):
        return order
    merchant = merchant_of(order.account)
    if order.state == OrderState.PAYING:
        try:
            wechatpay.close_order(merchant, out_trade_no=order.out_trade_no)
        except wechatpay.GatewayError as exc:
            if exc.code == "ORDERPAID":
                return do_sync_order(order=order)
            if exc.code != "ORDER_NOT_EXIST":
                raise AppError(
                    "gateway_unavailable",
                    _("WeChat Pay cannot be reached right now. Please try again later."),
                    status=503,
                ) from exc
    with transaction.atomic():
        closed = Order.objects.filter(
            pk=order.pk, state__in=[OrderState.CREATED, OrderState.PAYING]
        ).update(state=OrderState.CLOSED, closed_at=timezone.now())
        if closed:
            do_audit(
                action="payments.closed",
                actor_label=actor_label,
                account=order.account,
                target=order,
            )
    order.refresh_from_db()
    return order


def sync_stale_orders(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Query every order left "paying" for a while (a lost notify); close those nobody paid
    within EXPIRE_AFTER_SECONDS, so their bills can be paid again."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=QUERY_AFTER_SECONDS)
    expired = now - dt.timedelta(seconds=EXPIRE_AFTER_SECONDS)
    orders = Order.objects.filter(state=OrderState.PAYING, created_at__lte=cutoff).select_related(
        "account", "biller"
    )[:limit]
    count = 0
    for order in orders:
        order = do_sync_order(order=order)
        if order.state == OrderState.PAYING and order.created_at <= expired:
            try:
                do_close_order(order=order, actor_label="payments:expired")
            except AppError as exc:
                logger.info("payments: %s not closed yet: %s", order.out_trade_no, exc.code)
        count += 1
    return count


# --- write-off with the biller ----------------------------------------------------------------------
def _kick_write_off(write_off_id: int) -> None:
    from .tasks import write_off_order

    write_off_order.enqueue(write_off_id)


def do_attempt_write_off(*, write_off_id: int, now: dt.datetime | None = None) -> str:
    """One attempt to write a paid order off at its biller. The row is claimed with a conditional
    update, so two workers never call the biller for it at once; the biller's write-off is
    idempotent by our order number anyway. Returns the write-off's state afterwards."""
    now = now or timezone.now()
    claimed = (
        WriteOff.objects.filter(
            pk=write_off_id, state=WriteOffState.PENDING, next_attempt_at__lte=now
        )
        .exclude(claimed_until__gt=now)
        .update(
            claimed_until=now + dt.timedelta(seconds=WRITE_OFF_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return "not_due"
    write_off = WriteOff.objects.select_related("order__biller", "order__account").get(
        pk=write_off_id
    )
    order = write_off.order
    try:
        receipt_no = connectors.connector_for(order.biller).write_off(
            bill_reference=order.reference,
            period=order.period,
            amount_fen=order.amount_fen,
            order_no=order.out_trade_no,
            transaction_id=order.transaction_id or "",
        )
    except connectors.Refused as exc:
        with transaction.atomic():
            WriteOff.objects.filter(pk=write_off.pk).update(
                state=WriteOffState.FAILED,
                claimed_until=None,
                last_error=f"{exc.outcome}: {exc}"[:200],
            )
            do_audit(
                action="payments.write_off_refused",
                actor_label="payments",
                account=order.account,
                target=order,
                detail={"error": str(exc)[:200]},
            )
        logger.error("payments: %s refused the write-off of %s", order.biller.code, order)
        return WriteOffState.FAILED
    except connectors.ConnectorError as exc:
        delay = WRITE_OFF_BACKOFF[min(write_off.attempts - 1, len(WRITE_OFF_BACKOFF) - 1)]
        if write_off.attempts > len(WRITE_OFF_BACKOFF):
            delay = 3600
        WriteOff.objects.filter(pk=write_off.pk).update(
            claimed_until=None,
            next_attempt_at=timezone.now() + dt.timedelta(seconds=delay),
            # "<outcome>: <detail>": the back office shows the outcome in words.
            last_error=f"{exc.outcome}: {exc}"[:200],
        )
        logger.info("payments: write-off of %s postponed %ss: %s", order, delay, exc)
        return WriteOffState.PENDING
    with transaction.atomic():
        done = WriteOff.objects.filter(pk=write_off.pk, state=WriteOffState.PENDING).update(
            state=WriteOffState.DONE,
            claimed_until=None,
            biller_receipt_no=receipt_no,
            done_at=timezone.now(),
            last_error="",
        )
        if not done:  # called off meanwhile (refunded)
            return WriteOff.objects.get(pk=write_off.pk).state
        Order.objects.filter(pk=order.pk, state=OrderState.PAID).update(
            state=OrderState.SETTLED, settled_at=timezone.now()
        )
        _post(
            order,
            f"settle:{order.out_trade_no}",
            {
                LedgerAccount.CITIZEN_CLEARING: order.amount_fen,
                LedgerAccount.BILLER_PAYABLE: -order.amount_fen,
            },
        )
        do_audit(
            action="payments.settled",
            actor_label="payments",
            account=order.account,
            target=order,
            detail={"receipt_no": receipt_no},
        )
        notify(
            account=order.account,
            openid=order.openid,
            kind="payments.settled",
            variables={
                "biller": order.biller.name,
                "reference": order.reference,
                "amount": _yuan(order.amount_fen),
                "receipt_no": receipt_no,
                "link": receipt_link(order),
            },
            dedupe_key=f"payments.settled:{order.out_trade_no}",
        )
    return WriteOffState.DONE


def process_due_write_offs(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Attempt every write-off that is due; how many were attempted."""
    now = now or timezone.now()
    due = list(
        WriteOff.objects.filter(state=WriteOffState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        do_attempt_write_off(write_off_id=pk, now=now)
    return len(due)


# --- refunds ------------------------------------------------------------------------------------
def check_request_refund(
    *,
    order: Order,
    amount_fen: int,
    reason: str,
    actor: Any,
    out_refund_no: str = "",
    notify_url: str,
) -> Refund:
    """Refund all or part of a paid order. Idempotent by out_refund_no: asking again with the
    same number returns the same refund (and asks WeChat Pay again if it was not confirmed)."""
    reason = reason.strip()
    if not reason:
        raise AppError("no_reason", _("Please give the reason for the refund."))
    out_refund_no = out_refund_no or f"RF{order.out_trade_no[2:]}{secrets.randbelow(10**4):04d}"
    existing = Refund.objects.filter(out_refund_no=out_refund_no).select_related("order").first()
    if existing is not None:
        if existing.order_id != order.pk or existing.amount_fen != amount_fen:
            raise AppError(
                "refund_number_used", _("This refund number belongs to another refund."), status=409
            )
        refund = existing
    else:
        if amount_fen < 1:
            raise AppError("amount_too_small", _("A refund is at least one fen."))
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            if locked.state not in (OrderState.PAID, OrderState.SETTLED, OrderState.REFUNDED):
                raise AppError("not_paid", _("Only a paid order can be refunded."), status=409)
            if locked.refunded_fen + amount_fen > locked.amount_fen:
                raise AppError(
                    "amount_too_large",
                    _("At most %(amount)s yuan of this order can still be refunded.")
                    % {"amount": _yuan(locked.amount_fen - locked.refunded_fen)},
                )
            if locked.state == OrderState.PAID:
                _call_off_write_off(locked, amount_fen)
            Order.objects.filter(pk=order.pk).update(refunded_fen=F("refunded_fen") + amount_fen)
            refund = Refund.objects.create(
                order=locked,
                out_refund_no=out_refund_no,
                amount_fen=amount_fen,
                reason=reason[:80],
                notify_url=notify_url[:300],
                requested_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            do_audit(
                action="payments.refund_requested",
                actor=actor,
                account=order.account,
                target=order,
                detail={"out_refund_no": out_refund_no, "amount_fen": amount_fen},
            )
    if refund.state != RefundState.PROCESSING:
        return refund
    try:
        _send_refund(refund, notify_url=notify_url)
    except wechatpay.GatewayError as exc:
        logger.warning("payments: refund %s not accepted yet: %s", refund.out_refund_no, exc)
        if exc.is_retryable:
            # The sweep asks WeChat Pay about it (and sends it again) from next_attempt_at on.
            Refund.objects.filter(pk=refund.pk, state=RefundState.PROCESSING).update(
                last_error=_refund_error(exc)
            )
        else:
            _fail_refund(refund, str(exc))
    refund.refresh_from_db()
    return refund


def _send_refund(refund: Refund, *, notify_url: str) -> None:
    """Ask WeChat Pay for the refund (idempotent there by out_refund_no) and apply an answer
    that says it is done already; GatewayError when it was not accepted."""
    order = refund.order
    answer = wechatpay.refund(
        merchant_of(order.account),
        out_trade_no=order.out_trade_no,
        out_refund_no=refund.out_refund_no,
        refund_fen=refund.amount_fen,
        total_fen=order.amount_fen,
        reason=refund.reason,
        notify_url=notify_url,
    )
    if answer.get("refund_id"):
        Refund.objects.filter(pk=refund.pk, refund_id="").update(refund_id=answer["refund_id"])
    if answer.get("status") == "SUCCESS":
        do_apply_refund_result(
            account=order.account, resource=answer, source="refund_query", event_id=""
        )


def _refund_error(exc: wechatpay.GatewayError) -> str:
    """ "<outcome>: <detail>" of a refund WeChat Pay did not take or answer about; the back office
    shows the outcome in words."""
    if exc.status is None:
        outcome = "unavailable"
    elif exc.status >= 500 or exc.status == 429:
        outcome = "server_error"
    else:
        outcome = "refused"
    return f"{outcome}: {exc}"[:200]


def _refund_delay(attempts: int) -> int:
    """Seconds before the next check of a refund checked `attempts` times: 1 min doubling, ≤ 1 h."""
    return min(REFUND_RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0), REFUND_RETRY_MAX_SECONDS)


def do_attempt_refund(*, refund_id: int, now: dt.datetime | None = None) -> str:
    """One check of a refund still "processing": claimed with a conditional update (so two workers
    never act on it at once), then WeChat Pay is asked about it. Known there: its status is applied
    through `do_apply_refund_result` (once, whatever notify comes too). Unknown there (the request
    never arrived): it is sent again with the same out_refund_no. Otherwise it is checked again
    later with backoff, and given up (failed, with the reason) after REFUND_GIVE_UP_SECONDS.
    Returns what happened: not_due, applied, resent, retry, failed or gave_up."""
    now = now or timezone.now()
    claimed = (
        Refund.objects.filter(pk=refund_id, state=RefundState.PROCESSING, next_attempt_at__lte=now)
        .exclude(claimed_until__gt=now)
        .update(
            claimed_until=now + dt.timedelta(seconds=REFUND_CLAIM_SECONDS),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return "not_due"
    refund = Refund.objects.select_related("order__account").get(pk=refund_id)
    order = refund.order
    merchant = merchant_of(order.account)
    outcome = "retry"
    error = ""
    try:
        answer = wechatpay.query_refund(merchant, out_refund_no=refund.out_refund_no)
    except wechatpay.GatewayError as exc:
        if exc.status != 404:
            error = _refund_error(exc)
        else:  # WeChat Pay never got it: send it again, same number (idempotent there)
            notify_url = refund.notify_url or _notify_url(order.account)
            try:
                _send_refund(refund, notify_url=notify_url)
                outcome, error = "resent", "processing: sent again to WeChat Pay"
            except wechatpay.GatewayError as send_exc:
                if not send_exc.is_retryable:
                    _fail_refund(refund, str(send_exc))
                    outcome, error = "failed", _refund_error(send_exc)
                else:
                    error = _refund_error(send_exc)
    else:
        if answer.get("refund_id"):
            Refund.objects.filter(pk=refund.pk, refund_id="").update(refund_id=answer["refund_id"])
        status = str(answer.get("status") or "")
        if status in ("SUCCESS", "CLOSED", "ABNORMAL"):
            do_apply_refund_result(
                account=order.account, resource=answer, source="refund_query", event_id=""
            )
            outcome = "applied"
        else:
            error = f"processing: WeChat Pay says {status or 'nothing'}"[:200]
    refund.refresh_from_db()
    settled = refund.state != RefundState.PROCESSING
    if settled and outcome == "retry":
        outcome = "applied"
    give_up = now >= refund.created_at + dt.timedelta(seconds=REFUND_GIVE_UP_SECONDS)
    with transaction.atomic():
        if settled:
            Refund.objects.filter(pk=refund.pk).update(claimed_until=None)
        else:  # conditional: a notify may settle it meanwhile
            Refund.objects.filter(pk=refund.pk, state=RefundState.PROCESSING).update(
                claimed_until=None,
                next_attempt_at=timezone.now()
                + dt.timedelta(seconds=_refund_delay(refund.attempts)),
                last_error=error,
            )
        do_audit(
            action="payments.refund_retry",
            actor_label="payments",
            account=order.account,
            target=order,
            detail={
                "out_refund_no": refund.out_refund_no,
                "attempt": refund.attempts,
                "outcome": outcome,
                "error": error,
            },
        )
    if settled:
        return outcome
    logger.info("payments: refund %s, check %s: %s", refund.out_refund_no, refund.attempts, error)
    # Known to WeChat Pay and still processing there: never given up (it may still succeed).
    if give_up and not error.startswith("processing"):
        _fail_refund(refund, f"gave_up: {error}")
        return "gave_up"
    return outcome


def sync_stale_refunds(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Check every refund left "processing" whose next check is due (its request may never have
    reached WeChat Pay, or its notify was lost); how many were checked."""
    now = now or timezone.now()
    due = list(
        Refund.objects.filter(state=RefundState.PROCESSING, next_attempt_at__lte=now)
        .exclude(claimed_until__gt=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(do_attempt_refund(refund_id=pk, now=now) != "not_due" for pk in due)


def _notify_url(account: OfficialAccount) -> str:
    """Where WeChat Pay posts notifies of a refund that has no stored notify address (one asked
    for before it was stored); none without PUBLIC_BASE_URL: the sweep's query confirms it."""
    if not settings.PUBLIC_BASE_URL:
        return ""
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("payments:notify", args=[account.slug])


def _call_off_write_off(order: Order, amount_fen: int) -> None:
    """An order not written off yet is refunded in full, and its write-off is called off, so the
    biller never books money the citizen got back. Not while a worker is asking the biller."""
    if amount_fen != order.amount_fen - order.refunded_fen:
        raise AppError(
            "refund_in_full",
            _(
                "This payment is not written off at the biller yet: it can only be refunded "
                "in full, %(amount)s yuan."
            )
            % {"amount": _yuan(order.amount_fen - order.refunded_fen)},
        )
    now = timezone.now()
    pending = WriteOff.objects.filter(order=order, state=WriteOffState.PENDING)
    called_off = pending.exclude(claimed_until__gt=now).update(
        state=WriteOffState.CALLED_OFF, last_error=""
    )
    if not called_off and pending.exists():
        raise AppError(
            "write_off_running",
            _(
                "The biller is being asked to write this payment off right now. Try again in a minute."
            ),
            status=409,
        )


def do_mark_reversed(*, order: Order, actor: Any) -> bool:
    """Finance confirms that the biller reversed the write-off of an order refunded in full
    (冲正). False when there was nothing to confirm."""
    with transaction.atomic():
        done = WriteOff.objects.filter(order=order, state=WriteOffState.REVERSAL_DUE).update(
            state=WriteOffState.REVERSED
        )
        if done:
            do_audit(action="payments.reversed", actor=actor, account=order.account, target=order)
    return bool(done)


def _fail_refund(refund: Refund, error: str) -> None:
    with transaction.atomic():
        failed = Refund.objects.filter(pk=refund.pk, state=RefundState.PROCESSING).update(
            state=RefundState.FAILED, claimed_until=None, last_error=error[:200]
        )
        if failed:
            Order.objects.filter(pk=refund.order_id).update(
                refunded_fen=F("refunded_fen") - refund.amount_fen
            )
            do_audit(
                action="payments.refund_failed",
                actor_label="wechatpay",
                account=refund.order.account,
                target=refund.order,
                detail={"out_refund_no": refund.out_refund_no, "error": error[:200]},
            )


def do_apply_refund_result(
    *, account: OfficialAccount, resource: Mapping[str, Any], source: str, event_id: str
) -> str:
    """A refund notify (or query answer): SUCCESS marks the refund done once, posts its ledger
    movement and tells the citizen; the order is "refunded" when nothing is left."""
    out_refund_no = str(resource.get("out_refund_no", ""))
    status = resource.get("refund_status") or resource.get("status")
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update()
            .select_related("order__biller")
            .filter(out_refund_no=out_refund_no, order__account=account)
            .first()
        )
        detail = {"out_refund_no": out_refund_no, "status": status}
        if refund is None:
            _log_event(
                account=account,
                source=source,
                outcome=EventOutcome.REJECTED,
                reason="unknown_refund",
                event_id=event_id,
                detail=detail,
            )
            return EventOutcome.REJECTED
        amount = resource.get("amount") or {}
        if amount.get("refund") != refund.amount_fen:
            _log_event(
                account=account,
                source=source,
                outcome=EventOutcome.REJECTED,
                reason="amount_mismatch",
                event_id=event_id,
                order=refund.order,
                detail=detail,
            )
            return EventOutcome.REJECTED
        if refund.state != RefundState.PROCESSING or status != "SUCCESS":
            if status in ("CLOSED", "ABNORMAL") and refund.state == RefundState.PROCESSING:
                _fail_refund(refund, f"{str(status).lower()}: refund {status}")
            _log_event(
                account=account,
                source=source,
                outcome=EventOutcome.ALREADY,
                reason=f"refund_{refund.state}_{status}",
                event_id=event_id,
                order=refund.order,
                detail=detail,
            )
            return EventOutcome.ALREADY
        order = refund.order
        Refund.objects.filter(pk=refund.pk).update(
            state=RefundState.SUCCEEDED,
            succeeded_at=timezone.now(),
            refund_id=str(resource.get("refund_id") or refund.refund_id),
        )
        # Before the write-off the money is still the citizen's (clearing); after it, the
        # refund is a cost until the biller returns it.
        debit = (
            LedgerAccount.CITIZEN_CLEARING if order.settled_at is None else LedgerAccount.REFUNDS
        )
        _post(
            order,
            f"refund:{refund.out_refund_no}",
            {debit: refund.amount_fen, LedgerAccount.WECHATPAY_RECEIVABLE: -refund.amount_fen},
        )
        order.refresh_from_db()
        if order.refunded_fen == order.amount_fen:
            Order.objects.filter(pk=order.pk).update(state=OrderState.REFUNDED)
            # Written off already: the biller still has the bill paid. Finance has it reversed.
            flagged = WriteOff.objects.filter(order=order, state=WriteOffState.DONE).update(
                state=WriteOffState.REVERSAL_DUE
            )
            if flagged:
                do_audit(
                    action="payments.reversal_due",
                    actor_label=f"wechatpay:{source}",
                    account=account,
                    target=order,
                    detail={"out_refund_no": out_refund_no},
                )
        _record_applied(
            account=account,
            source=source,
            event_id=event_id,
            order=order,
            detail=detail,
            audit_action="payments.refunded",
        )
        notify(
            account=account,
            openid=order.openid,
            kind="payments.refunded",
            variables={
                "biller": order.biller.name,
                "reference": order.reference,
                "amount": _yuan(refund.amount_fen),
                "link": receipt_link(order),
            },
            dedupe_key=f"payments.refunded:{refund.out_refund_no}",
        )
    return EventOutcome.APPLIED


# --- reconciliation -----------------------------------------------------------------------------
def _bill_fen(text: str) -> int:
    try:
        return int((Decimal(text) * 100).to_integral_exact())
    except (InvalidOperation, ValueError):
        return -1


def parse_trade_bill(text: str) -> dict[str, dict[str, Any]]:
    """WeChat's trade bill → {out_trade_no: {"transaction_id", "amount_fen"}} of its SUCCESS
    rows. Values carry a leading backtick; the summary rows after the data are skipped."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return {}
    header = [h.strip() for h in rows[0]]
    try:
        col_state = header.index("交易状态")
        col_out = header.index("商户订单号")
        col_txn = header.index("微信订单号")
        col_total = header.index("订单金额")
    except ValueError as exc:
        raise AppError("bad_bill", _("WeChat Pay's trade bill has an unexpected header.")) from exc
    found: dict[str, dict[str, Any]] = {}
    for row in rows[1:]:
        if not row or row[0].startswith("总交易单数"):
            break
        values = [v.lstrip("`").strip() for v in row]
        if len(values) <= max(col_state, col_out, col_txn, col_total):
            continue
        if values[col_state] != "SUCCESS":
            continue
        found[values[col_out]] = {
            "transaction_id": values[col_txn],
            "amount_fen": _bill_fen(values[col_total]),
        }
    return found


def parse_trade_bill_refunds(text: str) -> dict[str, dict[str, Any]]:
    """The successful refunds (REFUND rows) of WeChat's trade bill → {out_refund_no:
    {"out_trade_no", "amount_fen"}}."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return {}
    header = [h.strip() for h in rows[0]]
    try:
        cols = [
            header.index(name)
            for name in ("交易状态", "商户订单号", "商户退款单号", "退款金额", "退款状态")
        ]
    except ValueError as exc:
        raise AppError("bad_bill", _("WeChat Pay's trade bill has an unexpected header.")) from exc
    col_state, col_out, col_refund, col_amount, col_status = cols
    found: dict[str, dict[str, Any]] = {}
    for row in rows[1:]:
        if not row or row[0].startswith("总交易单数"):
            break
        values = [v.lstrip("`").strip() for v in row]
        if len(values) <= max(cols) or values[col_state] != "REFUND":
            continue
        if values[col_status] != "SUCCESS":
            continue
        found[values[col_refund]] = {
            "out_trade_no": values[col_out],
            "amount_fen": _bill_fen(values[col_amount]),
        }
    return found


def _refund_findings(
    account: OfficialAccount, start: dt.datetime, text: str
) -> list[ReconciliationFinding]:
    """Our refunds that succeeded that day against the bill's REFUND rows."""
    theirs = parse_trade_bill_refunds(text) if text else {}
    ours = {
        r.out_refund_no: r
        for r in Refund.objects.filter(
            order__account=account,
            state=RefundState.SUCCEEDED,
            succeeded_at__gte=start,
            succeeded_at__lt=start + dt.timedelta(days=1),
        ).select_related("order")
    }
    findings = []
    for number, refund in ours.items():
        row = theirs.get(number)
        if row is None or row["amount_fen"] != refund.amount_fen:
            findings.append(
                ReconciliationFinding(
                    kind=FindingKind.REFUND_NOT_THERE if row is None else FindingKind.REFUND_AMOUNT,
                    out_trade_no=refund.order.out_trade_no,
                    transaction_id=refund.order.transaction_id or "",
                    out_refund_no=number,
                    our_amount_fen=refund.amount_fen,
                    their_amount_fen=None if row is None else row["amount_fen"],
                )
            )
    for number, row in theirs.items():
        if number not in ours:
            known = Refund.objects.filter(out_refund_no=number, order__account=account).first()
            findings.append(
                ReconciliationFinding(
                    kind=FindingKind.REFUND_NOT_HERE,
                    out_trade_no=row["out_trade_no"],
                    out_refund_no=number,
                    our_amount_fen=known.amount_fen if known else None,
                    their_amount_fen=row["amount_fen"],
                )
            )
    return findings


def do_reconcile(
    *,
    account: OfficialAccount,
    bill_date: dt.date,
    actor: Any = None,
    now: dt.datetime | None = None,
) -> ReconciliationRun:
    """Compare our payments of one Beijing day with WeChat Pay's trade bill; store the findings
    (paid here but missing there, there but not paid here, amounts that differ)."""
    merchant = merchant_of(account)
    text = ""
    error = ""
    try:
        text = wechatpay.download_trade_bill(merchant, bill_date=bill_date.isoformat())
    except wechatpay.GatewayError as exc:
        error = str(exc)[:200]
    theirs = parse_trade_bill(text) if text else {}
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(bill_date, dt.time.min, tzinfo=tz)
    ours = {
        o.out_trade_no: o
        for o in Order.objects.filter(
            account=account, paid_at__gte=start, paid_at__lt=start + dt.timedelta(days=1)
        )
    }
    findings: list[ReconciliationFinding] = []
    if not error:
        for out_trade_no, order in ours.items():
            row = theirs.get(out_trade_no)
            if row is None:
                findings.append(
                    ReconciliationFinding(
                        kind=FindingKind.MISSING_THERE,
                        out_trade_no=out_trade_no,
                        transaction_id=order.transaction_id or "",
                        our_amount_fen=order.amount_fen,
                    )
                )
            elif row["amount_fen"] != order.amount_fen:
                findings.append(
                    ReconciliationFinding(
                        kind=FindingKind.AMOUNT_MISMATCH,
                        out_trade_no=out_trade_no,
                        transaction_id=row["transaction_id"],
                        our_amount_fen=order.amount_fen,
                        their_amount_fen=row["amount_fen"],
                    )
                )
        for out_trade_no, row in theirs.items():
            if out_trade_no not in ours:
                known = Order.objects.filter(account=account, out_trade_no=out_trade_no).first()
                findings.append(
                    ReconciliationFinding(
                        kind=FindingKind.MISSING_HERE,
                        out_trade_no=out_trade_no,
                        transaction_id=row["transaction_id"],
                        our_amount_fen=known.amount_fen if known else None,
                        their_amount_fen=row["amount_fen"],
                    )
                )
        findings += _refund_findings(account, start, text)
    with transaction.atomic():
        run, _created = ReconciliationRun.objects.update_or_create(
            account=account,
            bill_date=bill_date,
            defaults={
                "ran_at": now or timezone.now(),
                "our_count": len(ours),
                "our_total_fen": sum(o.amount_fen for o in ours.values()),
                "their_count": len(theirs),
                "their_total_fen": sum(r["amount_fen"] for r in theirs.values()),
                "error": error,
            },
        )
        run.findings.all().delete()
        for finding in findings:
            finding.run = run
        ReconciliationFinding.objects.bulk_create(findings)
        do_audit(
            action="payments.reconciled",
            actor=actor,
            actor_label="" if actor else "payments",
            account=account,
            target=run,
            detail={"bill_date": bill_date.isoformat(), "findings": len(findings), "error": error},
        )
    return run


# WeChat Pay's trade bill of a day is ready the next morning (after 9:00 Beijing time); the daily
# reconciliation runs from this hour, and a day whose bill could not be had is tried again hourly.
RECONCILE_FROM_HOUR = 10
RECONCILE_RETRY_SECONDS = 3600


def reconcile_due(*, now: dt.datetime | None = None) -> int:
    """The daily reconciliation (`payments_work --loop` calls it every round): from 10:00
    Beijing time, reconcile yesterday for every enabled merchant that has no run for it yet, or
    whose run failed (no bill) over an hour ago. Idempotent per merchant and day, and safe in
    several processes: a day is claimed with a unique row (or a conditional update) first.
    Returns how many accounts were reconciled."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < RECONCILE_FROM_HOUR:
        return 0
    bill_date = local.date() - dt.timedelta(days=1)
    count = 0
    for merchant in Merchant.objects.filter(is_enabled=True).select_related("account"):
        account = merchant.account
        run = ReconciliationRun.objects.filter(account=account, bill_date=bill_date).first()
        if run is None:
            try:
                with transaction.atomic():
                    ReconciliationRun.objects.create(
                        account=account, bill_date=bill_date, ran_at=now, error="running"
                    )
            except IntegrityError:
                continue  # another process claimed it
        elif not run.error or run.ran_at > now - dt.timedelta(seconds=RECONCILE_RETRY_SECONDS):
            continue
        elif not ReconciliationRun.objects.filter(pk=run.pk, ran_at=run.ran_at).update(ran_at=now):
            continue
        try:
            do_reconcile(account=account, bill_date=bill_date, now=now)
        except AppError as exc:  # a bill we cannot read: kept as the run's error, tried again
            logger.warning("payments: reconciliation of %s failed: %s", account.slug, exc.code)
            ReconciliationRun.objects.filter(account=account, bill_date=bill_date).update(
                ran_at=now, error=str(exc.message)[:200]
            )
        count += 1
    return count


# --- configuration --------------------------------------------------------------------------------
def check_save_merchant(
    *, account: OfficialAccount, data: Mapping[str, Any], actor: Any
) -> Merchant:
    """Create or change the account's merchant. The APIv3 key and the private key are write-only:
    left empty, the stored ones are kept. Keys are checked before anything is saved."""
    merchant = Merchant.objects.filter(account=account).first() or Merchant(account=account)
    errors: dict[str, str] = {}
    apiv3_key = str(data.get("apiv3_key") or "").strip()
    private_key = str(data.get("private_key") or "").strip()
    if apiv3_key:
        if len(apiv3_key.encode()) != 32:
            errors["apiv3_key"] = _("The APIv3 key is 32 characters.")
        merchant.apiv3_key = apiv3_key
    elif not merchant.apiv3_key:
        errors["apiv3_key"] = _("Please enter the APIv3 key.")
    if private_key:
        try:
            protocol.load_private_key(private_key)
        except (ValueError, TypeError):
            errors["private_key"] = _("This is not an RSA private key in PEM format.")
        merchant.private_key = private_key
    elif not merchant.private_key:
        errors["private_key"] = _("Please enter the merchant's API private key.")
    public_key = str(data.get("platform_public_key") or "").strip()
    try:
        protocol.load_public_key(public_key)
    except (ValueError, TypeError):
        errors["platform_public_key"] = _("This is not an RSA public key in PEM format.")
    for name in ("name", "mchid", "serial_no", "platform_public_key_id"):
        if not str(data.get(name) or "").strip():
            errors[name] = _("This field is required.")
    if errors:
        raise AppError("invalid_merchant", _("Please correct the marked fields."), errors=errors)
    merchant.name = str(data["name"]).strip()
    merchant.mchid = str(data["mchid"]).strip()
    merchant.serial_no = str(data["serial_no"]).strip()
    merchant.platform_public_key = public_key
    merchant.platform_public_key_id = str(data["platform_public_key_id"]).strip()
    merchant.api_base_url = str(data.get("api_base_url") or "").strip()
    merchant.is_enabled = bool(data.get("is_enabled"))
    with transaction.atomic():
        merchant.save()
        do_audit(
            action="payments.merchant_saved",
            actor=actor,
            account=account,
            target=merchant,
            detail={  # never the secrets
                "mchid": merchant.mchid,
                "platform_public_key_id": merchant.platform_public_key_id,
                "secrets_changed": [
                    n for n, v in (("apiv3_key", apiv3_key), ("private_key", private_key)) if v
                ],
            },
        )
    return merchant


def check_save_biller(
    *, account: OfficialAccount, data: Mapping[str, Any], actor: Any, biller: Biller | None = None
) -> Biller:
    """Add a biller or change one: name, kind, connector (demo or http), the backend address and
    its HMAC key (write-only: left empty, the stored key is kept)."""
    from urllib.parse import urlsplit

    errors: dict[str, str] = {}
    code = str(data.get("code") or (biller.code if biller else "")).strip()
    name = str(data.get("name") or "").strip()
    kind = str(data.get("kind") or "")
    connector = str(data.get("connector") or "demo")
    base_url = str(data.get("base_url") or "").strip()
    if not re.fullmatch(r"[a-z0-9-]{2,32}", code):
        errors["code"] = _("The code is 2 to 32 lower-case letters, digits or hyphens.")
    elif (
        Biller.objects.filter(account=account, code=code)
        .exclude(pk=(biller.pk or 0) if biller else 0)
        .exists()
    ):
        errors["code"] = _("Another biller of this account has this code.")
    if not name:
        errors["name"] = _("This field is required.")
    if kind not in BillerKind.values:
        errors["kind"] = _("Choose the kind of biller.")
    if connector not in ("demo", "http"):
        errors["connector"] = _("Choose the demo or the HTTP connector.")
    if connector == "http" and (
        urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc
    ):
        errors["base_url"] = _("The HTTP connector needs the address of the biller's system.")
    pattern = str(data.get("reference_pattern") or "").strip()
    if pattern:
        try:
            compiled = re.compile(pattern)
        except re.error:
            compiled = None
        # The pattern must not let through what a URL path segment would carry elsewhere.
        if compiled is None or any(compiled.fullmatch(p) for p in ("..", "a/b", "a?b", "a#b")):
            errors["reference_pattern"] = _(
                "The format is a regular expression of the allowed characters, such as [0-9]{8,12}."
            )
    if errors:
        raise AppError("invalid_biller", _("Please correct the marked fields."), errors=errors)
    target = biller or Biller(account=account, code=code)
    target.reference_pattern = pattern
    target.name = name[:100]
    target.kind = kind
    target.connector = connector
    target.base_url = base_url
    if data.get("secret"):
        target.secret = str(data["secret"]).strip()
    with transaction.atomic():
        target.save()
        do_audit(
            action="payments.biller_saved",
            actor=actor,
            account=account,
            target=target,
            detail={"code": code, "connector": connector, "base_url": base_url},
        )
    return target
