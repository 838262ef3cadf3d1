"""Reads of the Open311 adapter: which accounts it serves (jurisdictions), who is calling (API
keys), the service definitions, and a request as an API client may see it.

Requests are read through the inquiries app's Open311 selectors; what a client sees is decided
here, privacy first (docs/open311.md): a request whose submitter did not consent to publication
shows only its category, status, dates and the department — no description, place or reply —
unless the calling client sent it itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weizheng.core.errors import AppError
from weizheng.inquiries import selectors as inquiries
from weizheng.inquiries.models import Category, Inquiry
from weizheng.wechat.models import OfficialAccount

from .keys import key_hash
from .models import ApiClient

GROUP = "问政"
CONSENT = "consent_publish"
TIME_LIMIT = "time_limit"


# --- who is calling -----------------------------------------------------------------------------
def client_for_key(key: str) -> ApiClient | None:
    """The active client holding `key`, or None."""
    if not key or len(key) > 200:
        return None
    return ApiClient.objects.filter(key_hash=key_hash(key), is_active=True).first()


def may_use(client: ApiClient, account: OfficialAccount) -> bool:
    """A client limited to some accounts may use only those."""
    allowed = list(client.accounts.values_list("pk", flat=True))
    return not allowed or account.pk in allowed


# --- jurisdictions ------------------------------------------------------------------------------
def jurisdictions() -> QuerySet[OfficialAccount]:
    """The active accounts running 问政 (at least one active category): one jurisdiction each,
    named by the account's slug."""
    running = Category.objects.filter(is_active=True).values("account_id")
    return OfficialAccount.objects.filter(pk__in=running, is_active=True).order_by("slug")


def resolve_jurisdiction(
    jurisdiction_id: str, *, client: ApiClient | None = None
) -> OfficialAccount:
    """The account a call is about. `jurisdiction_id` (the account's slug) may be left out when
    the endpoint serves one jurisdiction, or when the calling client is limited to one."""
    candidates = jurisdictions()
    if jurisdiction_id:
        found = candidates.filter(slug=jurisdiction_id[:50]).first()
        if found is None:
            raise AppError(
                "unknown_jurisdiction",
                _("There is no jurisdiction “%(id)s” here.") % {"id": jurisdiction_id[:50]},
                status=404,
            )
        return found
    if client is not None and client.accounts.exists():
        candidates = candidates.filter(pk__in=client.accounts.values("pk"))
    found_list = list(candidates[:2])
    if len(found_list) == 1:
        return found_list[0]
    if not found_list:
        raise AppError(
            "no_jurisdiction",
            _("No account runs questions and complaints here yet."),
            status=404,
        )
    raise AppError(
        "jurisdiction_missing",
        _("This endpoint serves several jurisdictions: give jurisdiction_id (one of %(ids)s).")
        % {"ids": ", ".join(candidates.values_list("slug", flat=True))},
    )


# --- services -----------------------------------------------------------------------------------
def services(*, account: OfficialAccount) -> list[Category]:
    return list(inquiries.api_categories(account=account))


def service(*, account: OfficialAccount, code: str) -> Category:
    """An active category by its code, else a 400 naming it (Open311 treats an unknown
    service_code as a bad request)."""
    for category in inquiries.api_categories(account=account):
        if category.code == code:
            return category
    raise AppError(
        "unknown_service_code",
        _("There is no service “%(code)s”; see services.json for the list.") % {"code": code[:40]},
    )


@dataclass(frozen=True)
class Attribute:
    code: str
    variable: bool
    datatype: str
    required: bool
    datatype_description: str
    order: int
    description: str
    values: tuple[tuple[str, str], ...] = ()


def _workdays(n: int) -> str:
    return ngettext("%(n)d working day", "%(n)d working days", n) % {"n": n}


def attributes(category: Category) -> list[Attribute]:
    """The questions a client asks besides the standard fields. Every service asks whether the
    citizen consents to publication on the public board; each also states, as information only
    (variable false), its time limits, which come from the category."""
    if category.is_urgent:
        limits = _(
            "Requests of this kind are urgent: signed for and answered the same working day."
        )
    else:
        limits = _(
            "The department signs for a request within %(sign)s and replies within %(reply)s."
        ) % {"sign": _workdays(category.sign_limit), "reply": _workdays(category.reply_limit)}
    return [
        Attribute(
            code=CONSENT,
            variable=True,
            datatype="singlevaluelist",
            required=False,
            datatype_description=_("Choose yes or no; no when left out."),
            order=1,
            description=_(
                "May the request be published: its description and place (rounded to about 100 m "
                "for others) through this interface from the start, and with its reply on the "
                "public board, with phone and ID numbers masked and no name?"
            ),
            values=(("yes", _("Yes, it may be published")), ("no", _("No, keep it private"))),
        ),
        Attribute(
            code=TIME_LIMIT,
            variable=False,
            datatype="text",
            required=False,
            datatype_description="",
            order=2,
            description=limits,
        ),
    ]


# --- requests -----------------------------------------------------------------------------------
def by_public_ids(*, account: OfficialAccount, public_ids: list[str]) -> list[Inquiry]:
    """Requests by number (GET requests' service_request_id list), newest first. The inquiries
    selectors fetch one at a time; a client may ask for many."""
    wanted = [value[:20] for value in public_ids if value][:1000]
    return list(
        Inquiry.objects.filter(account=account, public_id__in=wanted)
        .select_related("category", "department")
        .prefetch_related("media")
        .order_by("-submitted_at", "-pk")
    )


def listed(
    *,
    account: OfficialAccount,
    category_codes: list[str] | None,
    start: datetime,
    end: datetime,
    status: str,
    limit: int = 1000,
) -> list[Inquiry]:
    found = inquiries.api_inquiries(
        account=account,
        category_codes=category_codes,
        start=start,
        end=end,
        status=status,
        limit=limit,
    )
    return list(found.prefetch_related("media"))


def one(*, account: OfficialAccount, public_id: str) -> Inquiry:
    found = inquiries.api_inquiry(account=account, public_id=public_id)
    if found is None:
        raise AppError(
            "unknown_request",
            _("There is no request “%(id)s”.") % {"id": public_id[:20]},
            status=404,
        )
    return found


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def is_shown(inquiry: Inquiry, client: ApiClient | None) -> bool:
    """Whether the description, the place and the reply may be shown to this caller: the
    citizen consented (and no supervisor hid it), or the caller sent the request itself."""
    if client is not None and inquiry.api_client == client.label:
        return True
    return bool(inquiry.consent_publish and not inquiry.is_hidden)


def service_notice(inquiry: Inquiry) -> str:
    """While the department owes the reply: by when it will come."""
    if inquiry.reply_due_at is None or not inquiry.is_open:
        return ""
    return _("The department replies by %(due)s.") % {
        "due": f"{timezone.localtime(inquiry.reply_due_at):%Y-%m-%d %H:%M}"
    }


# Coordinates shown to anyone but the client that filed the request are rounded to 3 decimals
# (about 100 m): enough to see where the street lamp is, not which door the citizen lives behind.
PUBLIC_DECIMALS = 3


def _public_point(value: float | None, *, own: bool) -> float | None:
    if value is None or own:
        return value
    return round(value, PUBLIC_DECIMALS)


def request_fields(inquiry: Inquiry, client: ApiClient | None = None) -> dict[str, Any]:
    """One request in Open311's fields, in the spec's order. Never a name, phone, e-mail or
    openid; withheld parts are null. Others than the filing client get the address with phone
    and ID numbers masked and the coordinates rounded (PUBLIC_DECIMALS)."""
    shown = is_shown(inquiry, client)
    own = client is not None and inquiry.api_client == client.label
    if shown:
        description: str | None = inquiries.mask_text(inquiry.description)
        note = inquiries.mask_text(inquiries.status_note(inquiry))
    else:
        description = None
        # What the state means, without the department's words (they may name the citizen).
        note = inquiries.status_note(Inquiry(status=inquiry.status))
    links = [m.url for m in inquiry.media.all() if m.kind == "link" and m.url]
    status = inquiries.open311_status(inquiry)
    # The spec: for a closed request, when it was closed — for 问政, when it was answered (a
    # later rating or closing changes nothing an API client follows).
    updated = (
        inquiry.replied_at
        if status == "closed" and inquiry.replied_at and not inquiry.reopen_count
        else inquiry.updated_at
    )
    return {
        "service_request_id": inquiry.public_id,
        "status": status,
        "status_notes": note,
        "service_name": inquiry.category.name,
        "service_code": inquiry.category.code,
        "description": description,
        "agency_responsible": inquiry.department.name,
        "service_notice": service_notice(inquiry) or None,
        "requested_datetime": _when(inquiry.submitted_at),
        "updated_datetime": _when(updated),
        "expected_datetime": _when(inquiry.reply_due_at),
        "address": (
            (inquiry.address if own else inquiries.mask_text(inquiry.address)) or None
            if shown
            else None
        ),
        "address_id": None,
        "zipcode": None,
        "lat": _public_point(inquiry.latitude, own=own) if shown else None,
        "long": _public_point(inquiry.longitude, own=own) if shown else None,
        "media_url": (links[0] if links else None) if shown else None,
    }
