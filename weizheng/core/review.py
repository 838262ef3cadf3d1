"""三审: the review every publication goes through before citizens see it.

Draft → first review (初审) → final review (终审) → approved. The author never approves their own
item, and the final reviewer is not the first one. A reviewer may send the item back with a reason
(returned: editable again, then resubmitted). Each step is one conditional update — two reviewers
pressing at once move the item once — and one audit row in the same transaction.

Models take the fields from `Reviewable`; each app decides what "approved" leads to (content is
published, a broadcast is sent) and which permissions review it (`ReviewPolicy`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .actions import do_audit
from .errors import AppError


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    FIRST_REVIEW = "first_review", gettext_lazy("Awaiting first review")
    FINAL_REVIEW = "final_review", gettext_lazy("Awaiting final review")
    RETURNED = "returned", gettext_lazy("Returned for changes")
    APPROVED = "approved", gettext_lazy("Approved")


EDITABLE = (ReviewStatus.DRAFT, ReviewStatus.RETURNED)


class Reviewable(models.Model):
    """The review fields of an item that goes through 三审."""

    review_status = models.CharField(
        gettext_lazy("review"),
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.DRAFT,
        db_index=True,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("author"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(gettext_lazy("submitted"), null=True, blank=True)
    first_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("first reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_reviewed_at = models.DateTimeField(gettext_lazy("first reviewed"), null=True, blank=True)
    final_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("final reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    final_reviewed_at = models.DateTimeField(gettext_lazy("final reviewed"), null=True, blank=True)
    review_note = models.CharField(gettext_lazy("review note"), max_length=500, blank=True)

    class Meta:
        abstract = True

    @property
    def is_editable(self) -> bool:
        return self.review_status in EDITABLE


@dataclass(frozen=True)
class ReviewPolicy:
    """How one kind of item is reviewed: the audit action prefix ("content", "broadcasts") and the
    permissions of each step, checked on the item's account by staff.selectors.can."""

    audit_prefix: str
    submit_permission: str
    first_review_permission: str
    final_review_permission: str


def _require(user: Any, permission: str, account: Any) -> None:
    from weizheng.staff.selectors import can

    if not can(user, permission, account):
        raise AppError(
            "forbidden",
            _("Your roles do not allow this step of the review on this account."),
            status=403,
        )


def _move(
    item: Reviewable,
    *,
    expected: tuple[str, ...],
    changes: dict[str, Any],
    policy: ReviewPolicy,
    step: str,
    actor: Any,
    detail: dict[str, Any] | None = None,
) -> Reviewable:
    model: Any = type(item)  # a concrete model; the abstract base has no manager
    with transaction.atomic():
        moved = model.objects.filter(pk=item.pk, review_status__in=expected).update(**changes)
        if not moved:
            current = model.objects.filter(pk=item.pk).values_list("review_status", flat=True)
            raise AppError(
                "review_state",
                _("This item is no longer at this step of the review (now: %(status)s).")
                % {"status": ReviewStatus(current.first()).label if current else "—"},
                status=409,
            )
        do_audit(
            action=f"{policy.audit_prefix}.review.{step}",
            actor=actor,
            account=getattr(item, "account", None),
            target=item,
            detail=detail or {},
        )
    item.refresh_from_db()
    return item


def do_submit_for_review(*, item: Reviewable, actor: Any, policy: ReviewPolicy) -> Reviewable:
    """The author (or an editor) hands a draft to the first reviewer."""
    _require(actor, policy.submit_permission, item.account)  # type: ignore[attr-defined]
    extra: dict[str, Any] = {}
    if item.author_id is None:
        # An imported item or one made by a script: whoever submits it answers for it, and so
        # may not review it — 三审 always takes three people.
        extra["author"] = actor
    return _move(
        item,
        expected=EDITABLE,
        changes={
            **extra,
            "review_status": ReviewStatus.FIRST_REVIEW,
            "submitted_at": timezone.now(),
            "first_reviewer": None,
            "first_reviewed_at": None,
            "final_reviewer": None,
            "final_reviewed_at": None,
            "review_note": "",
        },
        policy=policy,
        step="submit",
        actor=actor,
    )


def check_approve(
    *, item: Reviewable, actor: Any, policy: ReviewPolicy, note: str = ""
) -> Reviewable:
    """First review → final review, or final review → approved. Refused to the author, and at
    the final step to the first reviewer."""
    if item.author_id is not None and item.author_id == getattr(actor, "pk", None):
        raise AppError("own_item", _("The author of an item cannot approve it."), status=403)
    if item.review_status == ReviewStatus.FIRST_REVIEW:
        _require(actor, policy.first_review_permission, item.account)  # type: ignore[attr-defined]
        return _move(
            item,
            expected=(ReviewStatus.FIRST_REVIEW,),
            changes={
                "review_status": ReviewStatus.FINAL_REVIEW,
                "first_reviewer": actor,
                "first_reviewed_at": timezone.now(),
                "review_note": note[:500],
            },
            policy=policy,
            step="first_approve",
            actor=actor,
            detail={"note": note[:500]} if note else None,
        )
    if item.review_status == ReviewStatus.FINAL_REVIEW:
        _require(actor, policy.final_review_permission, item.account)  # type: ignore[attr-defined]
        if item.first_reviewer_id == getattr(actor, "pk", None):
            raise AppError(
                "same_reviewer",
                _("The final review needs someone other than the first reviewer."),
                status=403,
            )
        return _move(
            item,
            expected=(ReviewStatus.FINAL_REVIEW,),
            changes={
                "review_status": ReviewStatus.APPROVED,
                "final_reviewer": actor,
                "final_reviewed_at": timezone.now(),
                "review_note": note[:500],
            },
            policy=policy,
            step="final_approve",
            actor=actor,
            detail={"note": note[:500]} if note else None,
        )
    raise AppError(
        "review_state",
        _("Only an item awaiting review can be approved."),
        status=409,
    )


def check_return(*, item: Reviewable, actor: Any, policy: ReviewPolicy, reason: str) -> Reviewable:
    """A reviewer sends the item back to its author with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise AppError("reason_missing", _("Say what needs to change."))
    permission = (
        policy.final_review_permission
        if item.review_status == ReviewStatus.FINAL_REVIEW
        else policy.first_review_permission
    )
    _require(actor, permission, item.account)  # type: ignore[attr-defined]
    return _move(
        item,
        expected=(ReviewStatus.FIRST_REVIEW, ReviewStatus.FINAL_REVIEW),
        changes={"review_status": ReviewStatus.RETURNED, "review_note": reason[:500]},
        policy=policy,
        step="return",
        actor=actor,
        detail={"reason": reason[:500]},
    )


# After approval: a published item may be taken down again (retracted, with a reason) and then
# reopened as a draft for a new round of review. Content and service guides share this.


class Retractable(models.Model):
    """Who took a published item down, when and why."""

    retracted_at = models.DateTimeField(gettext_lazy("retracted"), null=True, blank=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("retracted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retraction_reason = models.CharField(
        gettext_lazy("retraction reason"), max_length=500, blank=True
    )

    class Meta:
        abstract = True


def _require_reason(reason: str, message: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise AppError("reason_missing", message)
    return reason[:500]


def do_retract(
    *,
    item: Any,
    actor: Any,
    reason: str,
    permission: str,
    from_states: tuple[str, ...],
    retracted_state: str,
    audit_action: str,
    messages: tuple[str, str],
) -> Any:
    """A published item (in one of `from_states` of its `publication` field) → `retracted_state`,
    in one conditional update, with an audit row and its search entry removed in the same
    transaction. `messages`: (reason missing, not in a retractable state)."""
    from weizheng.search import api as search

    reason = _require_reason(reason, messages[0])
    _require(actor, permission, item.account)
    model: Any = type(item)
    with transaction.atomic():
        moved = model.objects.filter(pk=item.pk, publication__in=from_states).update(
            publication=retracted_state,
            retracted_at=timezone.now(),
            retracted_by=actor if getattr(actor, "is_authenticated", False) else None,
            retraction_reason=reason,
        )
        if not moved:
            raise AppError("publication_state", messages[1], status=409)
        do_audit(
            action=audit_action,
            actor=actor,
            account=item.account,
            target=item,
            detail={"reason": reason, "title": item.title},
        )
        search.remove_documents([item.search_key])
    item.refresh_from_db()
    return item


def do_reopen(
    *,
    item: Any,
    actor: Any,
    permission: str,
    retracted_state: str,
    changes: dict[str, Any],
    audit_action: str,
    refused: str,
) -> Any:
    """A retracted item becomes a draft again (`changes` set its unpublished state), to be
    corrected and go through 三审 anew."""
    _require(actor, permission, item.account)
    model: Any = type(item)
    with transaction.atomic():
        moved = model.objects.filter(pk=item.pk, publication=retracted_state).update(
            review_status=ReviewStatus.DRAFT, published_at=None, **changes
        )
        if not moved:
            raise AppError("publication_state", refused, status=409)
        do_audit(action=audit_action, actor=actor, account=item.account, target=item)
    item.refresh_from_db()
    return item
