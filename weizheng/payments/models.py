"""Payments: merchants, billers, orders, the notify log, the ledger, write-offs, refunds and
reconciliation. Money is integer fen everywhere; docs/payments.md tells the whole story."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weizheng.core.fields import EncryptedTextField
from weizheng.wechat.models import OfficialAccount


class Merchant(models.Model):
    """The account's WeChat Pay merchant (直连商户): keys sealed at rest. `api_base_url` empty =
    settings.WECHATPAY_API_BASE_URL."""

    account = models.OneToOneField(
        OfficialAccount, on_delete=models.CASCADE, related_name="merchant"
    )
    name = models.CharField(_("merchant name"), max_length=100)
    mchid = models.CharField(_("merchant id"), max_length=32)
    apiv3_key = EncryptedTextField(_("APIv3 key"))
    private_key = EncryptedTextField(_("merchant API private key"))
    serial_no = models.CharField(_("merchant certificate serial number"), max_length=64)
    platform_public_key = models.TextField(_("WeChat Pay platform public key"))
    platform_public_key_id = models.CharField(_("platform public key id"), max_length=64)
    api_base_url = models.CharField(_("gateway address"), max_length=200, blank=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.mchid})"


class BillerKind(models.TextChoices):
    WATER = "water", _("Water")
    POWER = "power", _("Electricity")
    GAS = "gas", _("Gas")
    FINE = "fine", _("Traffic fine")


class Biller(models.Model):
    """Whom a payment is for (a utility or the traffic police) and how to reach its system.
    `connector` "demo" uses weizheng/payments/connectors.py's demo backends; "http" calls
    `base_url` through records' transport (JSON, HMAC-signed)."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=BillerKind.choices)
    connector = models.CharField(_("connector"), max_length=8, default="demo")
    base_url = models.CharField(_("backend address"), max_length=300, blank=True)
    secret = EncryptedTextField(_("HMAC key"), blank=True)
    # A regular expression the whole (normalised) reference must match before it is sent to the
    # biller; empty = the default of the kind (connectors.DEFAULT_REFERENCE_PATTERNS).
    reference_pattern = models.CharField(_("reference format"), max_length=100, blank=True)
    # Demo backends only: answer as if the biller's system were down (to show retries).
    demo_unavailable = models.BooleanField(_("simulate an outage"), default=False)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "code"], name="payments_biller_code")
        ]

    def __str__(self) -> str:
        return self.name


class OrderKind(models.TextChoices):
    BILL = "bill", _("Utility bill")
    FINE = "fine", _("Traffic fine")


class OrderState(models.TextChoices):
    CREATED = "created", _("Being placed")
    PAYING = "paying", _("Awaiting payment")
    PAID = "paid", _("Paid")
    SETTLED = "settled", _("Written off")
    CLOSED = "closed", _("Closed unpaid")
    REFUNDED = "refunded", _("Refunded")


# States in which an order holds its bill: a second order for the same bill is refused.
HOLDING_STATES = [OrderState.CREATED, OrderState.PAYING, OrderState.PAID, OrderState.SETTLED]


class Order(models.Model):
    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    openid = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=OrderKind.choices)
    biller = models.ForeignKey(Biller, on_delete=models.PROTECT, related_name="orders")
    reference = models.CharField(_("account or decision number"), max_length=64)
    period = models.CharField(_("bill period"), max_length=32, blank=True)
    description = models.CharField(max_length=127)
    payer_label = models.CharField(max_length=64, blank=True)  # masked name shown by the biller
    amount_fen = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=OrderState.choices, default=OrderState.CREATED)
    out_trade_no = models.CharField(max_length=32, unique=True)
    prepay_id = models.CharField(max_length=64, blank=True)
    transaction_id = models.CharField(max_length=32, null=True, blank=True, unique=True)
    refunded_fen = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["biller", "reference", "period"],
                condition=Q(state__in=HOLDING_STATES),
                name="payments_one_live_order_per_bill",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="payments_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=models.F("amount_fen")),
                name="payments_refund_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["account", "state", "paid_at"])]

    def __str__(self) -> str:
        return self.out_trade_no

    @property
    def is_paid(self) -> bool:
        return self.state in (OrderState.PAID, OrderState.SETTLED, OrderState.REFUNDED)


class EventOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ALREADY = "already", _("Already applied")
    REJECTED = "rejected", _("Not applied")


class PaymentEvent(models.Model):
    """Every notify and query answer we received, with what we did and why. An applied event's
    (source, event_id) is unique: a replayed notify cannot be applied twice."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=16)  # notify, query, refund_notify, refund_query
    event_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=10, choices=EventOutcome.choices)
    reason = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event_id"],
                condition=Q(outcome="applied") & ~Q(event_id=""),
                name="payments_event_applied_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.event_id} {self.outcome}"


class LedgerAccount(models.TextChoices):
    WECHATPAY_RECEIVABLE = "wechatpay_receivable", _("Due from WeChat Pay")
    CITIZEN_CLEARING = "citizen_clearing", _("Citizen payments awaiting write-off")
    BILLER_PAYABLE = "biller_payable", _("Due to billers")
    REFUNDS = "refunds", _("Refunds paid")


class LedgerEntry(models.Model):
    """One leg of a movement. Debits positive, credits negative; every movement's legs sum to
    zero and are written in one transaction. (movement, ledger_account) is unique: a movement is
    posted once, whatever retries happen."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="ledger_entries")
    movement = models.CharField(max_length=80)
    ledger_account = models.CharField(max_length=24, choices=LedgerAccount.choices)
    amount_fen = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["movement", "ledger_account"], name="payments_ledger_leg_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.movement} {self.ledger_account} {self.amount_fen}"


class WriteOffState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Written off")
    FAILED = "failed", _("Refused by the biller")
    # Refunded in full before the biller wrote it off: never sent to the biller; nothing to do.
    CALLED_OFF = "called_off", _("Called off (refunded in full)")
    # Refunded in full after the write-off: the biller still has the bill paid, finance must have
    # it reverse the write-off (冲正) and then mark it reversed.
    REVERSAL_DUE = "reversal_due", _("The biller must be told to reverse it")
    REVERSED = "reversed", _("Reversed by the biller")


class WriteOff(models.Model):
    """The outbox row of a paid order: retried with backoff until the biller confirms."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="write_off")
    state = models.CharField(
        max_length=12, choices=WriteOffState.choices, default=WriteOffState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    biller_receipt_no = models.CharField(max_length=64, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"write-off of {self.order_id}: {self.state}"


class RefundState(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Refund failed")


# A refund still "processing" this long after it was asked for (or its last check) is asked
# about at WeChat Pay by the sweep (`actions.sync_stale_refunds`).
REFUND_CHECK_AFTER_SECONDS = 60


def refund_check_time() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=REFUND_CHECK_AFTER_SECONDS)


class Refund(models.Model):
    """A refund asked of WeChat Pay. While it is "processing" the sweep asks WeChat about it (and
    sends it again if it never got there) at next_attempt_at, with backoff, until it is confirmed
    or given up; last_error says why it is still being retried ("<outcome>: <detail>")."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=64, unique=True)
    refund_id = models.CharField(max_length=32, blank=True)
    amount_fen = models.PositiveIntegerField()
    reason = models.CharField(max_length=80)
    state = models.CharField(
        max_length=12, choices=RefundState.choices, default=RefundState.PROCESSING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=refund_check_time)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    notify_url = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gte=1), name="payments_refund_positive")
        ]

    def __str__(self) -> str:
        return self.out_refund_no


class FindingKind(models.TextChoices):
    MISSING_THERE = "missing_there", _("Paid here, missing from WeChat Pay's bill")
    MISSING_HERE = "missing_here", _("In WeChat Pay's bill, not paid here")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")
    REFUND_NOT_THERE = "refund_not_there", _("Refunded here, missing from WeChat Pay's bill")
    REFUND_NOT_HERE = "refund_not_here", _("Refund in WeChat Pay's bill, not refunded here")
    REFUND_AMOUNT = "refund_amount", _("Refund amounts differ")


class ReconciliationRun(models.Model):
    """One account's reconciliation of one (Beijing) day against WeChat Pay's trade bill; run
    again, it replaces its findings."""

    account = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="+")
    bill_date = models.DateField()
    ran_at = models.DateTimeField()
    our_count = models.PositiveIntegerField(default=0)
    our_total_fen = models.BigIntegerField(default=0)
    their_count = models.PositiveIntegerField(default=0)
    their_total_fen = models.BigIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-bill_date"]
        constraints = [
            models.UniqueConstraint(fields=["account", "bill_date"], name="payments_recon_day")
        ]

    def __str__(self) -> str:
        return f"reconciliation {self.bill_date}"


class ReconciliationFinding(models.Model):
    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=16, choices=FindingKind.choices)
    out_trade_no = models.CharField(max_length=32)
    transaction_id = models.CharField(max_length=32, blank=True)
    out_refund_no = models.CharField(max_length=64, blank=True)  # refund findings
    our_amount_fen = models.BigIntegerField(null=True, blank=True)
    their_amount_fen = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "out_trade_no"]

    def __str__(self) -> str:
        return f"{self.kind} {self.out_trade_no}"


class DemoBillerPayment(models.Model):
    """The demo billers' own books (they stand for outside systems): what was written off."""

    biller_code = models.CharField(max_length=32)
    reference = models.CharField(max_length=64)
    period = models.CharField(max_length=32, blank=True)
    amount_fen = models.PositiveIntegerField()
    order_no = models.CharField(max_length=32, unique=True)
    receipt_no = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["biller_code", "reference", "period"], name="payments_demo_bill_paid_once"
            )
        ]

    def __str__(self) -> str:
        return self.order_no
