"""Reads of 微信问政: who may handle or supervise a request, the department's queue, the
citizen's requests, the public board, the figures — and the reads of the Open311 adapter.

Access (docs/adr/0007-inquiries-routed-across-departments.md): a request belongs to the account it
was asked on and is assigned to one department, which need not run that account (the traffic
police answer the city's 问政). A member of the assigned department whose role grants
`cases.handle` handles it; a member holding `inquiries.supervise` on the account supervises it
(transfers, extensions, escalations, reopening); superusers do both.

For the Open311 adapter (weizheng/open311), the stable reads are:

- ``api_categories(account=…)`` → active categories (``code`` = service_code, ``name`` =
  service_name, ``description``, ``department.name`` = the agency; group: ``"问政"``).
- ``api_inquiries(account=…, category_codes=[…] | None, start=datetime | None,
  end=datetime | None, status="open" | "closed" | "", limit=1000)`` → a queryset, newest
  first, filtered on ``submitted_at`` (start inclusive, end exclusive).
- ``api_inquiry(account=…, public_id=…)`` → the ``Inquiry`` or ``None``.
- ``open311_status(inquiry)`` → ``"open"`` or ``"closed"``; ``status_note(inquiry)`` → the last
  word to the citizen (the reply, else the current state's description).
- ``public_description(inquiry)`` → the description anonymised (phone and ID numbers masked),
  ``""`` unless the citizen consented to publication; an API answer should show only that.
- Fields an adapter reads on ``Inquiry``: ``public_id``, ``category.code``, ``latitude``,
  ``longitude``, ``address``, ``submitted_at`` (requested_datetime), ``updated_at``,
  ``reply_due_at`` (expected_datetime), ``department.name`` (agency_responsible),
  ``media.filter(kind="link")`` (media_url).
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.wechat.models import OfficialAccount

from .models import (
    ANSWERED_STATUSES,
    OPEN_STATUSES,
    Category,
    ExtensionRequest,
    ExtensionStatus,
    Inquiry,
    InquiryStatus,
)

PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
ID_RE = re.compile(r"(?<![0-9Xx])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9Xx])")


# --- access -------------------------------------------------------------------------------------
def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def handled_departments(user: Any) -> QuerySet[Any]:
    """The departments in which `user` holds a role granting cases.handle."""
    from weizheng.staff.models import Department
    from weizheng.staff.permissions import roles_granting

    if not _active(user):
        return Department.objects.none()
    return Department.objects.filter(
        memberships__user=user, memberships__role__in=roles_granting("cases.handle")
    ).distinct()


def may_supervise(user: Any, inquiry: Inquiry) -> bool:
    """A supervisor of the request's account (inquiries.supervise), or a superuser."""
    from weizheng.staff.selectors import can

    if not _active(user):
        return False
    return bool(user.is_superuser or can(user, "inquiries.supervise", inquiry.account))


def may_handle(user: Any, inquiry: Inquiry) -> bool:
    """A handler of the assigned department, or a supervisor of the account."""
    if not _active(user):
        return False
    if handled_departments(user).filter(pk=inquiry.department_id).exists():
        return True
    return may_supervise(user, inquiry)


def access_inquiry(user: Any, inquiry_id: Any) -> Inquiry:
    """A request `user` may handle or supervise, else 404 (nothing says it exists)."""
    if not str(inquiry_id).isdigit():
        raise Http404("No such request.")
    inquiry = (
        Inquiry.objects.select_related("account", "category", "department", "duplicate_of")
        .filter(pk=inquiry_id)
        .first()
    )
    if inquiry is None or not may_handle(user, inquiry):
        raise Http404("No such request.")
    return inquiry


def supervised_accounts(user: Any) -> QuerySet[OfficialAccount]:
    from weizheng.staff.selectors import accounts_for

    return accounts_for(user, "inquiries.supervise")


def queue_for(
    user: Any, *, status: str = "", overdue: bool = False, department: Any = None
) -> QuerySet[Inquiry]:
    """The requests `user` works: those assigned to their departments and, for supervisors,
    every request of the accounts they supervise. Open ones first by deadline."""
    if not _active(user):
        return Inquiry.objects.none()
    requests = Inquiry.objects.select_related("account", "category", "department")
    if not user.is_superuser:
        requests = requests.filter(
            Q(department__in=handled_departments(user)) | Q(account__in=supervised_accounts(user))
        )
    if status == "open":
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif status in InquiryStatus.values:
        requests = requests.filter(status=status)
    if overdue:
        requests = requests.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    if department is not None:
        requests = requests.filter(department=department)
    return requests.order_by("due_at", "-submitted_at", "-pk")


def pending_extensions(user: Any) -> QuerySet[ExtensionRequest]:
    """Extension requests waiting for `user`'s decision (accounts they supervise)."""
    extensions = ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING).select_related(
        "inquiry", "inquiry__department", "requested_by"
    )
    if not getattr(user, "is_superuser", False):
        extensions = extensions.filter(inquiry__account__in=supervised_accounts(user))
    return extensions


def reply_rounds(inquiry: Inquiry) -> dict[str, Any]:
    """The replies of a request as its pages show them: the first reply (`replied_at`,
    `replied_on_time`: what the figures count) and, once reopened, the new round's reply (the
    last REPLIED event after the reopening) judged against the round's deadline
    (`reply_due_at`), or None while the department still owes it."""
    from .models import EventKind

    events = list(
        inquiry.events.filter(kind__in=(EventKind.REPLIED, EventKind.REOPENED)).order_by(
            "created_at", "pk"
        )
    )
    replies = [e for e in events if e.kind == EventKind.REPLIED]
    reopened = [e for e in events if e.kind == EventKind.REOPENED]
    round_reply = None
    if reopened:
        after = reopened[-1].pk
        later = [e for e in replies if e.pk > after]
        round_reply = later[-1] if later else None
    round_at = round_reply.created_at if round_reply else None
    return {
        "is_reopened": bool(inquiry.reopen_count),
        "first_at": inquiry.replied_at,
        "first_on_time": inquiry.replied_on_time,
        "round_at": round_at,
        "round_on_time": (
            None
            if round_at is None
            else inquiry.reply_due_at is None or round_at <= inquiry.reply_due_at
        ),
        # When the reply the citizen reads now was sent.
        "last_at": round_at or inquiry.replied_at,
    }


def is_overdue(inquiry: Inquiry, now: datetime | None = None) -> bool:
    return bool(inquiry.is_open and inquiry.due_at and (now or timezone.now()) > inquiry.due_at)


# --- the citizen --------------------------------------------------------------------------------
# Whether an account runs 问政 (has an active category) is read for every text, image, voice and
# location message any account receives (the chat conversation listens to them all), so it is
# cached in-process for a few seconds: a change applies at once in the process that made it
# (a signal on Category forgets it), within the TTL elsewhere. A conversation can only start on
# an account that runs 问政, so an account that does not needs no conversation lookup.
_RUNS_TTL_SECONDS = 10.0
_runs_cache: dict[int, tuple[float, bool]] = {}


def runs_inquiries(account_id: int) -> bool:
    now = time.monotonic()
    hit = _runs_cache.get(account_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    runs = Category.objects.filter(account_id=account_id, is_active=True).exists()
    _runs_cache[account_id] = (now + _RUNS_TTL_SECONDS, runs)
    return runs


def forget_runs_inquiries() -> None:
    _runs_cache.clear()


def active_categories(*, account: OfficialAccount) -> QuerySet[Category]:
    return Category.objects.filter(account=account, is_active=True).select_related("department")


def citizen_inquiry(*, account: OfficialAccount, openid: str, public_id: str) -> Inquiry:
    """The citizen's own request by its number, else 404."""
    inquiry = (
        Inquiry.objects.select_related("category", "department", "account")
        .filter(account=account, public_id=str(public_id)[:20], openid=openid)
        .exclude(openid="")
        .first()
    )
    if inquiry is None:
        raise Http404("No such request.")
    return inquiry


def citizen_inquiries(*, account: OfficialAccount, openid: str) -> QuerySet[Inquiry]:
    if not openid:
        return Inquiry.objects.none()
    return Inquiry.objects.filter(account=account, openid=openid).select_related(
        "category", "department"
    )


def mask_text(value: str) -> str:
    """Phone and ID numbers in free text masked (the board and API clients show this)."""
    value = PHONE_RE.sub(r"\1****\2", value or "")
    return ID_RE.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), value)


def public_description(inquiry: Inquiry) -> str:
    """The description as the public may read it: only with consent, numbers masked."""
    if not inquiry.consent_publish or inquiry.is_hidden:
        return ""
    return mask_text(inquiry.description)


def board(*, account: OfficialAccount) -> QuerySet[Inquiry]:
    """The public board: answered requests whose submitter consented, not hidden."""
    return (
        Inquiry.objects.filter(
            account=account,
            consent_publish=True,
            is_hidden=False,
            status__in=ANSWERED_STATUSES,
        )
        .select_related("category", "department")
        .order_by("-replied_at", "-pk")
    )


# A word with a digit or the mask's star is matched against the masked text in Python: a LIKE on
# the stored text would find a request by the full phone or ID number the board never shows.
_MASKABLE = re.compile(r"[0-9*＊]")
MAX_SCANNED = 2000


def _board_text(inquiry: Inquiry) -> str:
    """What the board shows of a request, as one text to search: the masked description and
    reply, the category and the masked address."""
    return "\n".join(
        (
            mask_text(inquiry.description),
            mask_text(inquiry.reply),
            inquiry.category.name,
            mask_text(inquiry.address),
        )
    ).lower()


def search_board(items: QuerySet[Inquiry], query: str) -> QuerySet[Inquiry]:
    """Board entries containing every word of the query (jieba precise mode, as search cuts
    queries) in what the board shows: the description and the reply with phone and ID numbers
    masked, the category, the address. Words without digits are a LIKE each (masking leaves
    them as they are); words with digits or stars are matched on the masked text, among the
    newest MAX_SCANNED entries the other words left. A few hundred answered requests a month:
    this is enough (docs/adr/0005 chose the database for search)."""
    from weizheng.search.segment import query_words

    words = [w for w in (query_words(query)[:8] or [query]) if w.strip()]
    masked_words = [w.lower().replace("＊", "*") for w in words if _MASKABLE.search(w)]
    for word in words:
        if _MASKABLE.search(word):
            continue
        items = items.filter(
            Q(description__icontains=word)
            | Q(reply__icontains=word)
            | Q(category__name__icontains=word)
            | Q(address__icontains=word)
        )
    if not masked_words:
        return items
    matching = [
        inquiry.pk
        for inquiry in items.select_related("category")[:MAX_SCANNED]
        if all(word in _board_text(inquiry) for word in masked_words)
    ]
    return items.filter(pk__in=matching)


def board_inquiry(*, account: OfficialAccount, public_id: str) -> Inquiry:
    found = board(account=account).filter(public_id=str(public_id)[:20]).first()
    if found is None:
        raise Http404("No such request.")
    return found


# --- Open311 ------------------------------------------------------------------------------------
def api_categories(*, account: OfficialAccount) -> QuerySet[Category]:
    """Open311 services: the account's active categories, in their order."""
    return active_categories(account=account)


def api_inquiries(
    *,
    account: OfficialAccount,
    category_codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    status: str = "",
    limit: int = 1000,
) -> QuerySet[Inquiry]:
    """Open311 GET requests: filtered by service codes, submission time [start, end) and
    open/closed, newest first, at most `limit`."""
    requests = Inquiry.objects.filter(account=account).select_related("category", "department")
    if category_codes:
        requests = requests.filter(category__code__in=category_codes)
    if start is not None:
        requests = requests.filter(submitted_at__gte=start)
    if end is not None:
        requests = requests.filter(submitted_at__lt=end)
    if status == "open":
        requests = requests.filter(status__in=OPEN_STATUSES)
    elif status == "closed":
        requests = requests.exclude(status__in=OPEN_STATUSES)
    return requests.order_by("-submitted_at", "-pk")[:limit]  # type: ignore[return-value]


def api_inquiry(*, account: OfficialAccount, public_id: str) -> Inquiry | None:
    return (
        Inquiry.objects.select_related("category", "department")
        .filter(account=account, public_id=str(public_id)[:20])
        .first()
    )


def open311_status(inquiry: Inquiry) -> str:
    """Open311's two states: open while the department owes a step, closed once answered."""
    return "open" if inquiry.status in OPEN_STATUSES else "closed"


def status_note(inquiry: Inquiry) -> str:
    """The last word to the citizen: the reply (or a note of the department), else what the
    current state means."""
    if inquiry.status_note:
        return inquiry.status_note
    return {
        InquiryStatus.RECEIVED: _("The request was received and waits for the department."),
        InquiryStatus.SIGNED: _("The department has taken the request on."),
        InquiryStatus.IN_PROGRESS: _("The department is working on the request."),
        InquiryStatus.REPLIED: _("The department has replied."),
        InquiryStatus.RATED: _("The department has replied."),
        InquiryStatus.CLOSED: _("The request is closed."),
    }[InquiryStatus(inquiry.status)]


# --- figures ------------------------------------------------------------------------------------
def visible_inquiries(user: Any) -> QuerySet[Inquiry]:
    """Requests whose figures `user` may read: their departments', and every request of the
    accounts they supervise or analyse (analytics.view)."""
    from weizheng.staff.selectors import accounts_for

    if not _active(user):
        return Inquiry.objects.none()
    requests = Inquiry.objects.all()
    if user.is_superuser:
        return requests
    return requests.filter(
        Q(department__in=handled_departments(user))
        | Q(account__in=supervised_accounts(user))
        | Q(account__in=accounts_for(user, "analytics.view"))
    )


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def figures(requests: QuerySet[Inquiry]) -> list[dict[str, Any]]:
    """Per department and month of submission (Asia/Shanghai): how many were received; the
    response rate (answered / received), the on-time rate (answered by the deadline / answered),
    the resolution rate (rated resolved / rated) and the satisfaction rate (满意 or 基本满意 /
    rated), the last rating of each request counting. Newest month first."""
    from .models import InquiryRating

    last_rating: dict[int, InquiryRating] = {}
    for rating in InquiryRating.objects.filter(inquiry__in=requests).order_by("round"):
        last_rating[rating.inquiry_id] = rating
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for inquiry in requests.select_related("department").only(
        "pk", "submitted_at", "replied_at", "replied_on_time", "department__name", "status"
    ):
        month = f"{timezone.localtime(inquiry.submitted_at):%Y-%m}"
        row = groups.setdefault(
            (month, inquiry.department.name),
            {
                "month": month,
                "department": inquiry.department.name,
                "received": 0,
                "answered": 0,
                "on_time": 0,
                "rated": 0,
                "resolved": 0,
                "satisfied": 0,
            },
        )
        row["received"] += 1
        if inquiry.replied_at is not None:
            row["answered"] += 1
            row["on_time"] += 1 if inquiry.replied_on_time else 0
        last = last_rating.get(inquiry.pk)
        if last is not None:
            row["rated"] += 1
            row["resolved"] += 1 if last.is_resolved else 0
            row["satisfied"] += 1 if last.score >= 2 else 0
    rows = sorted(groups.values(), key=lambda r: (r["month"], r["department"]), reverse=True)
    for row in rows:
        row["response_rate"] = _rate(row["answered"], row["received"])
        row["on_time_rate"] = _rate(row["on_time"], row["answered"])
        row["resolution_rate"] = _rate(row["resolved"], row["rated"])
        row["satisfaction_rate"] = _rate(row["satisfied"], row["rated"])
    return rows


def overdue(requests: QuerySet[Inquiry]) -> QuerySet[Inquiry]:
    """Open requests past their deadline, the longest overdue first."""
    return (
        requests.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
        .select_related("department", "category", "account")
        .order_by("due_at", "pk")
    )
