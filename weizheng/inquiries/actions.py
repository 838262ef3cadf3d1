"""Writes of 微信问政: submitting a request (from the chat, the H5 form or an Open311 client), the
department's steps on the working-day clock, the reply and the citizen's rating, reminders,
escalations and closing, the settings and the classifier.

One transaction per action with its event row and audit row; notifications to the citizen are
queued inside it (delivered after commit); e-mails to staff after commit.

For the Open311 adapter (weizheng/open311), the stable entry points are:

- ``check_submit_inquiry(account=…, category_code=…, description=…, channel=Channel.OPEN311,
  latitude=…, longitude=…, address=…, media_url=…, api_client=<client label>,
  contact_name=…, contact_phone=…, contact_email=…, is_anonymous=…)`` → ``Inquiry``.
  It validates everything (AppError codes: ``description_missing``, ``description_too_long``,
  ``unknown_category``, ``location_missing``, ``bad_location``, ``outside_jurisdiction``,
  ``bad_media_url``, ``contact_too_long``) and writes nothing on refusal. An API request has no
  openid; with ``is_anonymous=True`` the contact fields are ignored and nothing personal is
  stored. ``inquiry.public_id`` is the service_request_id.
- Reads (service list, request list with filters, one request, the status note): see
  ``selectors.py``.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.core.workdays import add_workdays
from weizheng.wechat.models import OfficialAccount

from . import text as textmod
from .models import (
    OPEN_STATUSES,
    Category,
    Channel,
    Classifier,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Inquiry,
    InquiryEvent,
    InquiryMedia,
    InquiryRating,
    InquirySettings,
    InquiryStatus,
    MediaKind,
    RatingScore,
)

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 4000  # Open311 GeoReport v2's limit on a description
MAX_ADDRESS = 200
# A typed place shorter than this, or without a letter or a Chinese character, finds nothing.
MIN_ADDRESS = 3
MAX_NOTE = 500
MAX_REPLY = 4000
MAX_COMMENT = 300
MAX_EXTENSION_WORKDAYS = 30
MAX_MEDIA = 9
MAX_MEDIA_BYTES = 10 * 1024 * 1024
PUBLIC_ID_PREFIX = "WZ"
PRIVATE_DIR = "private/inquiries"
# Fewer handled requests than this per department and the classifier suggests nothing.
MIN_TRAINING = 10
MIN_CONFIDENCE = 0.5

# The only table that moves a status: (from, to) → the step's event kind.
TRANSITIONS: dict[tuple[str, str], str] = {
    (InquiryStatus.RECEIVED, InquiryStatus.SIGNED): EventKind.SIGNED,
    (InquiryStatus.SIGNED, InquiryStatus.IN_PROGRESS): EventKind.STARTED,
    (InquiryStatus.SIGNED, InquiryStatus.REPLIED): EventKind.REPLIED,
    (InquiryStatus.IN_PROGRESS, InquiryStatus.REPLIED): EventKind.REPLIED,
    (InquiryStatus.REPLIED, InquiryStatus.RATED): EventKind.RATED,
    (InquiryStatus.REPLIED, InquiryStatus.CLOSED): EventKind.CLOSED,
    (InquiryStatus.RATED, InquiryStatus.CLOSED): EventKind.CLOSED,
    (InquiryStatus.REPLIED, InquiryStatus.IN_PROGRESS): EventKind.REOPENED,
    (InquiryStatus.RATED, InquiryStatus.IN_PROGRESS): EventKind.REOPENED,
    # A transfer hands the request to another department, which signs for it again.
    (InquiryStatus.RECEIVED, InquiryStatus.RECEIVED): EventKind.TRANSFERRED,
    (InquiryStatus.SIGNED, InquiryStatus.RECEIVED): EventKind.TRANSFERRED,
    (InquiryStatus.IN_PROGRESS, InquiryStatus.RECEIVED): EventKind.TRANSFERRED,
}


# --- helpers ------------------------------------------------------------------------------------
def settings_for(account: OfficialAccount) -> InquirySettings:
    """The account's 问政 settings (defaults, unsaved, when it has none)."""
    found = InquirySettings.objects.filter(account=account).first()
    return found or InquirySettings(account=account)


def _clean_text(value: Any) -> str:
    return "\n".join(line.strip() for line in str(value or "").strip().splitlines()).strip()


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def _new_public_id(now: datetime) -> str:
    local = timezone.localtime(now)
    return f"{PUBLIC_ID_PREFIX}{local:%Y%m%d}{secrets.randbelow(10**6):06d}"


def _actor_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def inquiry_link(inquiry: Inquiry) -> str:
    """The absolute address of the citizen's page of the request ("" without PUBLIC_BASE_URL)."""
    from weizheng.search.links import public_base_url

    base = public_base_url()
    if not base:
        return ""
    return base + reverse(
        "inquiries:detail",
        kwargs={"account_slug": inquiry.account.slug, "public_id": inquiry.public_id},
    )


def _sentence_part(value: str) -> str:
    return value.strip().rstrip("。.！!；;，, ")


# --- validation ---------------------------------------------------------------------------------
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
# A landline with its area code: 0 + 2–3 digits, then 7–8 digits (010-12345678, 0571 8765 4321).
LANDLINE_RE = re.compile(r"0\d{2,3}\d{7,8}")


def clean_contact_phone(value: Any) -> str:
    """A number a clerk can call back: a mainland mobile (1[3-9] and 9 digits) or a landline
    with its area code; spaces, hyphens, brackets and +86 are dropped (a landline keeps one
    hyphen after the area code)."""
    number = re.sub(r"[\s\-()（）]", "", str(value or ""))
    for prefix in ("+86", "0086"):
        if number.startswith(prefix):
            number = number[len(prefix) :]
    if MOBILE_RE.fullmatch(number):
        return number
    if LANDLINE_RE.fullmatch(number):
        area = 3 if number[1] in "12" else 4  # 010, 02x; others 0xxx
        return f"{number[:area]}-{number[area:]}"
    raise AppError(
        "bad_phone",
        _(
            "Enter a phone number we can call back: a mobile number of 11 digits starting with "
            "1 (e.g. 13800138000) or a landline with its area code (e.g. 0571-87654321)."
        ),
        field="contact",
    )


def clean_typed_address(value: Any) -> str:
    """A place the citizen typed in the chat: a name a clerk can find (a street with its number,
    a landmark), not a stray "3" or "好"; at most MAX_ADDRESS characters."""
    text = " ".join(str(value or "").split())
    if len(text) > MAX_ADDRESS:
        raise AppError(
            "address_too_long",
            _("The address is limited to %(n)d characters.") % {"n": MAX_ADDRESS},
            field="address",
        )
    if len(text) < MIN_ADDRESS or not any(ch.isalpha() for ch in text):
        raise AppError(
            "address_unclear",
            _(
                "“%(text)s” is not a place we can find. Type the street with its number or a "
                "landmark (for example 解放路88号 or 幸福里小区北门), or send your location "
                "(+ → Location)."
            )
            % {"text": text[:20]},
            field="address",
        )
    return text


def clean_description(value: Any) -> str:
    """The request's text: not empty, at most 4,000 characters."""
    description = _clean_text(value)
    if not description:
        raise AppError(
            "description_missing", _("Describe your question or complaint."), field="description"
        )
    if len(description) > MAX_DESCRIPTION:
        raise AppError(
            "description_too_long",
            _("The description is %(length)d characters long; at most %(limit)d are accepted.")
            % {"length": len(description), "limit": MAX_DESCRIPTION},
            field="description",
        )
    return description


def category_by_code(*, account: OfficialAccount, code: Any) -> Category:
    """An active category of the account, or AppError("unknown_category")."""
    found = Category.objects.filter(
        account=account, code=str(code or "")[:40], is_active=True
    ).first()
    if found is None:
        raise AppError(
            "unknown_category",
            _("There is no category “%(code)s”; choose one of the listed categories.")
            % {"code": str(code or "")[:40]},
            field="category",
        )
    return found


def clean_location(
    *, account: OfficialAccount, latitude: Any, longitude: Any, required: bool = False
) -> tuple[float | None, float | None]:
    """A WGS-84 point inside the account's jurisdiction, or (None, None) when none was given and
    none is required."""
    if latitude in (None, "") and longitude in (None, ""):
        if required:
            raise AppError(
                "location_missing", _("Give the place: a location or an address."), field="location"
            )
        return None, None
    try:
        lat, lng = float(latitude), float(longitude)
    except (TypeError, ValueError) as exc:
        raise AppError(
            "bad_location",
            _("The location needs both a latitude and a longitude, as numbers."),
            field="location",
        ) from exc
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or lat != lat or lng != lng:
        raise AppError("bad_location", _("This is not a place on the earth."), field="location")
    if not settings_for(account).contains(lat, lng):
        raise AppError(
            "outside_jurisdiction",
            _(
                "This place is outside the area this government serves; ask the government of "
                "that place."
            ),
            field="location",
        )
    return lat, lng


@dataclass(frozen=True)
class PendingMedia:
    """A photo or voice message checked and waiting to be written with the request."""

    kind: str
    data: bytes
    content_type: str
    recognition: str = ""


IMAGE_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
VOICE_MAGIC = {b"#!AMR": "audio/amr", b"ID3": "audio/mpeg", b"\xff\xfb": "audio/mpeg"}


def check_media(*, kind: str, data: bytes, recognition: str = "") -> PendingMedia:
    """A photo (JPEG or PNG) or a voice message (AMR or MP3), recognised by its first bytes."""
    if not data:
        raise AppError("empty_file", _("The file is empty."), field="media")
    if len(data) > MAX_MEDIA_BYTES:
        raise AppError("file_too_large", _("A file may be at most 10 MB."), field="media")
    table = IMAGE_MAGIC if kind == MediaKind.IMAGE else VOICE_MAGIC
    for magic, content_type in table.items():
        if data.startswith(magic):
            return PendingMedia(
                kind=kind, data=data, content_type=content_type, recognition=recognition[:500]
            )
    raise AppError(
        "bad_file_type",
        _("Photos must be JPEG or PNG pictures.")
        if kind == MediaKind.IMAGE
        else _("Voice messages must be AMR or MP3 recordings."),
        field="media",
    )


def _write_media(pending: PendingMedia, *, inquiry_id: int) -> str:
    import uuid
    from pathlib import Path

    from django.conf import settings

    suffix = {"image/jpeg": "jpg", "image/png": "png", "audio/amr": "amr"}.get(
        pending.content_type, "mp3"
    )
    relative = f"{PRIVATE_DIR}/{inquiry_id}/{uuid.uuid4().hex}.{suffix}"
    full = Path(settings.MEDIA_ROOT) / relative
    full.parent.mkdir(parents=True, exist_ok=True)
    with open(full, "xb") as out:
        out.write(pending.data)
    full.chmod(0o600)
    return relative


def _remove_media(relative: str) -> None:
    from pathlib import Path

    from django.conf import settings

    if not relative.startswith(PRIVATE_DIR + "/") or ".." in Path(relative).parts:
        return
    (Path(settings.MEDIA_ROOT) / relative).unlink(missing_ok=True)


# --- routing ------------------------------------------------------------------------------------
def suggest_department(*, account: OfficialAccount, description: str) -> tuple[Any, float | None]:
    """The classifier's department for this text and its confidence, or (None, None) when it
    has too little data, no opinion, or less than MIN_CONFIDENCE."""
    from weizheng.staff.models import Department

    classifier = Classifier.objects.filter(account=account).first()
    if classifier is None or classifier.training_size < MIN_TRAINING:
        return None, None
    guess = textmod.predict(classifier.model, description)
    if guess is None or guess.confidence < MIN_CONFIDENCE:
        return None, None
    department = Department.objects.filter(pk=int(guess.label)).first()
    return department, (round(guess.confidence, 3) if department else None)


def find_duplicate(
    *,
    account: OfficialAccount,
    description: str,
    latitude: float | None,
    longitude: float | None,
    now: datetime,
    exclude: int | None = None,
) -> tuple[Inquiry | None, float]:
    """The most similar earlier request near the same place within the account's window
    (Jaccard of words and two-character shingles ≥ the threshold, haversine distance ≤ the
    limit), and the similarity. Requests without a location are never duplicates."""
    if latitude is None or longitude is None:
        return None, 0.0
    config = settings_for(account)
    since = now - timedelta(days=config.duplicate_days)
    # A degree of latitude is about 111 km: a coarse box first, the exact distance after.
    pad = config.duplicate_distance_m / 111_000 * 1.5
    candidates = Inquiry.objects.filter(
        account=account,
        submitted_at__gte=since,
        latitude__range=(latitude - pad, latitude + pad),
        longitude__range=(longitude - pad * 2, longitude + pad * 2),
    ).only("pk", "description", "latitude", "longitude", "duplicate_of_id")
    if exclude:
        candidates = candidates.exclude(pk=exclude)
    mine = textmod.shingles(description)
    best: tuple[Inquiry | None, float] = (None, 0.0)
    for other in candidates.order_by("submitted_at", "pk")[:500]:
        if (
            textmod.distance_m(latitude, longitude, other.latitude, other.longitude)  # type: ignore[arg-type]
            > config.duplicate_distance_m
        ):
            continue
        score = textmod.jaccard(mine, textmod.shingles(other.description))
        if score >= config.duplicate_similarity and score > best[1]:
            best = (other, score)
    found, score = best
    if found is not None and found.duplicate_of_id:
        # Link to the first of the group, not to another copy.
        found = Inquiry.objects.get(pk=found.duplicate_of_id)
    return found, round(score, 3)


# --- submission ---------------------------------------------------------------------------------
def check_submit_inquiry(
    *,
    account: OfficialAccount,
    category_code: str,
    description: str,
    channel: str,
    openid: str = "",
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    is_anonymous: bool = True,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    consent_publish: bool = False,
    media: Sequence[PendingMedia] = (),
    media_url: str = "",
    api_client: str = "",
) -> Inquiry:
    """A citizen's (or an API client's) new request, validated, routed, clocked and linked to a
    similar earlier one; the citizen gets a notification with its number.

    A named WeChat/H5 request without contact fields takes the name and phone from the
    citizen's real-name binding; an anonymous one stores no name, phone or e-mail. A location
    (if given) must lie in the jurisdiction; an address alone is accepted. Refusals are
    AppErrors naming the field; nothing is written on refusal."""
    if channel not in Channel.values:
        raise AppError("bad_channel", _("Unknown channel."))
    description = clean_description(description)
    category = category_by_code(account=account, code=category_code)
    address = _one_line(address)
    if len(address) > MAX_ADDRESS:
        raise AppError(
            "address_too_long",
            _("The address is limited to %(n)d characters.") % {"n": MAX_ADDRESS},
            field="address",
        )
    lat, lng = clean_location(account=account, latitude=latitude, longitude=longitude)
    media_url = (media_url or "").strip()
    if media_url:
        parsed = urlparse(media_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(media_url) > 500:
            raise AppError(
                "bad_media_url", _("The media address must be an http(s) URL."), field="media_url"
            )
    if len(media) > MAX_MEDIA:
        raise AppError(
            "too_many_files", _("At most %(n)d photos or recordings.") % {"n": MAX_MEDIA}
        )
    if channel != Channel.OPEN311 and not openid:
        raise AppError("no_citizen", _("Sign in through WeChat first."), status=403)
    name = phone = email = ""
    if not is_anonymous:
        name, phone, email = (_one_line(v) for v in (contact_name, contact_phone, contact_email))
        if openid and not (name or phone):
            from weizheng.identity.selectors import active_binding

            binding = active_binding(account=account, openid=openid)
            if binding is not None:
                name, phone = binding.name, binding.phone
        if not (name or phone or email):
            raise AppError(
                "contact_missing",
                _("Give your name and a way to reach you, or ask anonymously."),
                field="contact",
            )
        if len(name) > 50 or len(phone) > 30 or len(email) > 100:
            raise AppError("contact_too_long", _("A contact detail is too long."), field="contact")
        if phone:
            phone = clean_contact_phone(phone)
    suggested, confidence = (None, None)
    if category.is_other:
        suggested, confidence = suggest_department(account=account, description=description)
    now = timezone.now()
    written: list[str] = []
    try:
        with transaction.atomic():
            duplicate, similarity = find_duplicate(
                account=account, description=description, latitude=lat, longitude=lng, now=now
            )
            sign_due = add_workdays(start=now, n=category.sign_limit)
            reply_due = add_workdays(start=now, n=category.reply_limit)
            inquiry = Inquiry.objects.create(
                account=account,
                public_id=_new_public_id(now),
                channel=channel,
                openid=openid,
                api_client=api_client[:64],
                category=category,
                department=category.department,
                description=description,
                latitude=lat,
                longitude=lng,
                address=address,
                is_anonymous=is_anonymous,
                contact_name=name,
                contact_phone=phone,
                contact_email=email,
                consent_publish=consent_publish,
                status=InquiryStatus.RECEIVED,
                submitted_at=now,
                sign_due_at=sign_due,
                reply_due_at=reply_due,
                due_at=sign_due,
                duplicate_of=duplicate,
                similarity=similarity if duplicate else None,
                suggested_department=suggested,
                suggestion_confidence=confidence,
            )
            for item in media:
                path = _write_media(item, inquiry_id=inquiry.pk)
                written.append(path)
                InquiryMedia.objects.create(
                    inquiry=inquiry,
                    kind=item.kind,
                    path=path,
                    content_type=item.content_type,
                    size=len(item.data),
                    recognition=item.recognition,
                )
            if media_url:
                InquiryMedia.objects.create(inquiry=inquiry, kind=MediaKind.LINK, url=media_url)
            InquiryEvent.objects.create(
                inquiry=inquiry,
                kind=EventKind.SUBMITTED,
                to_status=InquiryStatus.RECEIVED,
                actor_label=api_client or "citizen",
                to_department=category.department,
                due_at=sign_due,
            )
            do_audit(
                action="inquiries.inquiry.submitted",
                actor_label=api_client or "citizen",
                account=account,
                target=inquiry,
                detail={
                    "public_id": inquiry.public_id,
                    "channel": channel,
                    "category": category.code,
                    "department": category.department_id,
                    "duplicate_of": duplicate.public_id if duplicate else None,
                    "anonymous": is_anonymous,
                },
            )
            # In the chat the receipt is the passive reply to the last answer: not sent twice.
            if openid and channel != Channel.WECHAT:
                from weizheng.notifications.actions import notify

                notify(
                    account=account,
                    openid=openid,
                    kind="inquiries.received",
                    variables={
                        "public_id": inquiry.public_id,
                        "category": category.name,
                        "due": f"{timezone.localtime(reply_due):%Y-%m-%d %H:%M}",
                        "link": inquiry_link(inquiry),
                    },
                    dedupe_key=f"inquiries.inquiry:{inquiry.pk}:received",
                )
            transaction.on_commit(lambda: written.clear())
    except IntegrityError as exc:
        for path in written:
            _remove_media(path)
        raise AppError("busy", _("Please try again in a moment."), status=503) from exc
    except BaseException:
        for path in written:
            _remove_media(path)
        raise
    return inquiry


# --- the department's steps ---------------------------------------------------------------------
def _require_handler(actor: Any, inquiry: Inquiry) -> None:
    from .selectors import may_handle

    if actor is None or not may_handle(actor, inquiry):
        raise AppError(
            "forbidden", _("Only the assigned department handles this request."), status=403
        )


def _require_supervisor(actor: Any, inquiry: Inquiry) -> None:
    from .selectors import may_supervise

    if actor is None or not may_supervise(actor, inquiry):
        raise AppError("forbidden", _("Only a supervisor of this account may do this."), status=403)


def _refuse_step(inquiry: Inquiry, to: str) -> AppError:
    return AppError(
        "inquiry_state",
        _("A request that is “%(current)s” cannot become “%(next)s”.")
        % {
            "current": InquiryStatus(inquiry.status).label,
            "next": InquiryStatus(to).label if to in InquiryStatus.values else to,
        },
        status=409,
    )


def _move(
    inquiry: Inquiry,
    *,
    to: str,
    actor: Any,
    actor_label: str = "",
    note: str = "",
    changes: dict[str, Any] | None = None,
    seen_status: str = "",
    to_department: Any = None,
) -> tuple[Inquiry, InquiryEvent]:
    """The one place a status changes: checked against TRANSITIONS, a conditional update from
    the status read, the event row and the audit row, in the caller's transaction or its own."""
    frm = inquiry.status
    if seen_status and seen_status != frm:
        raise AppError(
            "inquiry_state", _("This request has moved on meanwhile; reload the page."), status=409
        )
    kind = TRANSITIONS.get((frm, to))
    if kind is None:
        raise _refuse_step(inquiry, to)
    now = timezone.now()
    values = {"status": to, "updated_at": now, **(changes or {})}
    with transaction.atomic():
        moved = Inquiry.objects.filter(pk=inquiry.pk, status=frm).update(**values)
        if not moved:
            raise AppError(
                "inquiry_state",
                _("This request has moved on meanwhile; reload the page."),
                status=409,
            )
        from_department_id = inquiry.department_id
        inquiry.refresh_from_db()
        event = InquiryEvent.objects.create(
            inquiry=inquiry,
            kind=kind,
            from_status=frm,
            to_status=to,
            actor=_actor_or_none(actor),
            actor_label=actor_label,
            from_department_id=from_department_id,
            to_department=to_department or inquiry.department,
            note=note[:MAX_NOTE],
            due_at=inquiry.due_at,
        )
        do_audit(
            action=f"inquiries.inquiry.{kind}",
            actor=actor,
            actor_label=actor_label,
            account=inquiry.account,
            target=inquiry,
            detail={
                "public_id": inquiry.public_id,
                "from": frm,
                "to": to,
                "note": note[:MAX_NOTE],
                "department": inquiry.department_id,
                "due_at": inquiry.due_at.isoformat() if inquiry.due_at else None,
            },
        )
    return inquiry, event


def check_sign(*, inquiry: Inquiry, actor: Any, seen_status: str = "") -> Inquiry:
    """The assigned department signs for (签收) a received request; the reply clock runs on."""
    _require_handler(actor, inquiry)
    moved, _event = _move(
        inquiry,
        to=InquiryStatus.SIGNED,
        actor=actor,
        seen_status=seen_status,
        changes={"signed_at": timezone.now(), "due_at": inquiry.reply_due_at},
    )
    return moved


def check_start(*, inquiry: Inquiry, actor: Any, note: str = "", seen_status: str = "") -> Inquiry:
    """The department starts working on a signed request (办理中); the note goes to the
    citizen's page."""
    _require_handler(actor, inquiry)
    note = _one_line(note)[:MAX_NOTE]
    changes: dict[str, Any] = {"status_note": note} if note else {}
    moved, _event = _move(
        inquiry,
        to=InquiryStatus.IN_PROGRESS,
        actor=actor,
        note=note,
        changes=changes,
        seen_status=seen_status,
    )
    return moved


def check_reply(*, inquiry: Inquiry, actor: Any, reply: str, seen_status: str = "") -> Inquiry:
    """The department answers (答复): the citizen gets the reply (customer-service message in the
    48-hour window, template message otherwise: the notification service decides) with a link
    to rate it; the answer's punctuality is recorded."""
    _require_handler(actor, inquiry)
    reply = _clean_text(reply)
    if not reply:
        raise AppError("reply_missing", _("Write the reply to the citizen."), field="reply")
    if len(reply) > MAX_REPLY:
        raise AppError(
            "reply_too_long",
            _("The reply is limited to %(n)d characters.") % {"n": MAX_REPLY},
            field="reply",
        )
    now = timezone.now()
    on_time = inquiry.reply_due_at is None or now <= inquiry.reply_due_at
    changes: dict[str, Any] = {"reply": reply, "status_note": reply[:MAX_NOTE], "due_at": None}
    if inquiry.replied_at is None:
        # The first reply is what the figures count (docs/inquiries.md, "Reopened requests");
        # a reopened round's reply is its REPLIED event, judged against the round's deadline.
        changes.update(replied_at=now, replied_on_time=on_time)
    with transaction.atomic():
        moved, event = _move(
            inquiry,
            to=InquiryStatus.REPLIED,
            actor=actor,
            seen_status=seen_status,
            note=reply[:MAX_NOTE],
            changes=changes,
        )
        if moved.openid:
            from weizheng.notifications.actions import notify

            notify(
                account=moved.account,
                openid=moved.openid,
                kind="inquiries.reply",
                variables={
                    "public_id": moved.public_id,
                    "department": moved.department.name,
                    "reply": _shorten(reply, 600),
                    "link": inquiry_link(moved),
                },
                dedupe_key=f"inquiries.inquiry:{moved.pk}:event:{event.pk}",
            )
    return moved


def _shorten(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def check_transfer(
    *, inquiry: Inquiry, actor: Any, department: Any, reason: str, seen_status: str = ""
) -> Inquiry:
    """A supervisor hands an open request to another department, with a reason; it waits to be
    signed for there, on fresh clocks (the reply deadline never moves earlier)."""
    _require_supervisor(actor, inquiry)
    reason = _one_line(reason)
    if not reason:
        raise AppError("reason_missing", _("Say why the request is transferred."), field="reason")
    if department is None:
        raise AppError("department_missing", _("Choose the department."), field="department")
    if department.pk == inquiry.department_id:
        raise AppError(
            "same_department",
            _("The request is already with this department."),
            field="department",
        )
    now = timezone.now()
    sign_due = add_workdays(start=now, n=inquiry.category.sign_limit)
    reply_due = add_workdays(start=now, n=inquiry.category.reply_limit)
    if inquiry.reply_due_at and inquiry.reply_due_at > reply_due:
        reply_due = inquiry.reply_due_at
    moved, _event = _move(
        inquiry,
        to=InquiryStatus.RECEIVED,
        actor=actor,
        note=reason[:MAX_NOTE],
        seen_status=seen_status,
        to_department=department,
        changes={
            "department": department,
            "sign_due_at": sign_due,
            "reply_due_at": reply_due,
            "due_at": sign_due,
            "signed_at": None,
        },
    )
    return moved


def check_request_extension(
    *, inquiry: Inquiry, actor: Any, workdays: Any, reason: str
) -> ExtensionRequest:
    """The department asks for more working days to reply (one request waiting at a time)."""
    _require_handler(actor, inquiry)
    try:
        days = int(workdays)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_EXTENSION_WORKDAYS:
        raise AppError(
            "bad_workdays",
            _("Ask for 1 to %(n)d working days.") % {"n": MAX_EXTENSION_WORKDAYS},
            field="workdays",
        )
    reason = _one_line(reason)
    if not reason:
        raise AppError("reason_missing", _("Say why more time is needed."), field="reason")
    if inquiry.status not in (InquiryStatus.SIGNED, InquiryStatus.IN_PROGRESS):
        raise AppError(
            "inquiry_state",
            _("More time can be asked for once the request is signed for and before the reply."),
            status=409,
        )
    try:
        with transaction.atomic():
            extension = ExtensionRequest.objects.create(
                inquiry=inquiry, workdays=days, reason=reason[:MAX_NOTE], requested_by=actor
            )
            InquiryEvent.objects.create(
                inquiry=inquiry,
                kind=EventKind.EXTENSION_REQUESTED,
                actor=_actor_or_none(actor),
                note=f"+{days}: {reason}"[:MAX_NOTE],
            )
            do_audit(
                action="inquiries.extension.requested",
                actor=actor,
                account=inquiry.account,
                target=inquiry,
                detail={"public_id": inquiry.public_id, "workdays": days, "reason": reason},
            )
    except IntegrityError as exc:
        raise AppError(
            "extension_pending",
            _("An extension request is already waiting for approval."),
            status=409,
        ) from exc
    return extension


def check_decide_extension(
    *, extension: ExtensionRequest, actor: Any, approve: bool, note: str = ""
) -> ExtensionRequest:
    """A supervisor approves (the reply deadline moves by the working days asked for) or refuses
    a waiting extension request."""
    inquiry = extension.inquiry
    _require_supervisor(actor, inquiry)
    note = _one_line(note)[:MAX_NOTE]
    if not approve and not note:
        raise AppError("reason_missing", _("Say why the extension is refused."), field="note")
    now = timezone.now()
    with transaction.atomic():
        decided = ExtensionRequest.objects.filter(
            pk=extension.pk, status=ExtensionStatus.PENDING
        ).update(
            status=ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED,
            decided_by=actor,
            decided_at=now,
            decision_note=note,
        )
        if not decided:
            raise AppError(
                "extension_decided", _("This extension request was already decided."), status=409
            )
        extension.refresh_from_db()
        if approve:
            locked = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
            base = locked.reply_due_at or now
            new_due = add_workdays(start=base, n=extension.workdays)
            changes: dict[str, Any] = {"reply_due_at": new_due}
            if locked.status in (InquiryStatus.SIGNED, InquiryStatus.IN_PROGRESS):
                changes["due_at"] = new_due
            Inquiry.objects.filter(pk=inquiry.pk).update(**changes)
            inquiry.refresh_from_db()
        event = InquiryEvent.objects.create(
            inquiry=inquiry,
            kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED,
            actor=_actor_or_none(actor),
            note=note or f"+{extension.workdays}",
            due_at=inquiry.reply_due_at,
        )
        if approve and inquiry.openid and inquiry.reply_due_at is not None:
            from weizheng.notifications.actions import notify

            notify(
                account=inquiry.account,
                openid=inquiry.openid,
                kind="inquiries.extended",
                variables={
                    "public_id": inquiry.public_id,
                    "department": inquiry.department.name,
                    "due": f"{timezone.localtime(inquiry.reply_due_at):%Y-%m-%d %H:%M}",
                    "link": inquiry_link(inquiry),
                },
                dedupe_key=f"inquiries.inquiry:{inquiry.pk}:event:{event.pk}",
            )
        do_audit(
            action="inquiries.extension." + ("approved" if approve else "refused"),
            actor=actor,
            account=inquiry.account,
            target=inquiry,
            detail={
                "public_id": inquiry.public_id,
                "workdays": extension.workdays,
                "reply_due_at": inquiry.reply_due_at.isoformat() if inquiry.reply_due_at else None,
            },
        )
    return extension


def check_close(*, inquiry: Inquiry, actor: Any, note: str = "") -> Inquiry:
    """A supervisor closes an answered request (the task closes stale ones, actor None)."""
    if actor is not None:
        _require_supervisor(actor, inquiry)
    moved, _event = _move(
        inquiry,
        to=InquiryStatus.CLOSED,
        actor=actor,
        actor_label="" if actor is not None else "system",
        note=_one_line(note),
        changes={"closed_at": timezone.now()},
    )
    return moved


# --- the citizen's rating and reopening ---------------------------------------------------------
def check_rate(
    *, inquiry: Inquiry, openid: str, score: Any, is_resolved: Any, comment: str = ""
) -> InquiryRating:
    """The submitter rates the reply (满意 / 基本满意 / 不满意) and says whether it is resolved;
    once per reply (a database constraint)."""
    if not openid or inquiry.openid != openid:
        raise AppError(
            "not_submitter", _("Only the person who asked can rate the reply."), status=403
        )
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in RatingScore.values:
        raise AppError(
            "bad_score",
            _("Choose satisfied, fairly satisfied or dissatisfied."),
            field="score",
        )
    resolved = str(is_resolved).lower() in ("1", "true", "yes", "on")
    comment = _one_line(comment)
    if len(comment) > MAX_COMMENT:
        raise AppError(
            "comment_too_long",
            _("The comment is limited to %(n)d characters.") % {"n": MAX_COMMENT},
            field="comment",
        )
    if InquiryRating.objects.filter(inquiry=inquiry, round=inquiry.reopen_count).exists():
        raise AppError("already_rated", _("You have already rated this reply."), status=409)
    if inquiry.status != InquiryStatus.REPLIED:
        raise AppError(
            "not_replied", _("A request can be rated once it has been answered."), status=409
        )
    try:
        with transaction.atomic():
            rating = InquiryRating.objects.create(
                inquiry=inquiry,
                round=inquiry.reopen_count,
                openid=openid,
                score=score,
                is_resolved=resolved,
                comment=comment,
            )
            _move(
                inquiry,
                to=InquiryStatus.RATED,
                actor=None,
                actor_label="citizen",
                # The score and resolution are the rating row's (shown translated); the note
                # keeps the citizen's own words only.
                note=comment,
            )
    except IntegrityError as exc:
        raise AppError(
            "already_rated", _("You have already rated this reply."), status=409
        ) from exc
    return rating


def may_reopen(inquiry: Inquiry) -> bool:
    """Whether the citizen may still reopen: answered, not closed, never reopened, and either
    unrated or rated unresolved or dissatisfied."""
    if inquiry.reopen_count or inquiry.status not in (InquiryStatus.REPLIED, InquiryStatus.RATED):
        return False
    rating = inquiry.ratings.filter(round=inquiry.reopen_count).first()
    return rating is None or not rating.is_resolved or rating.score == RatingScore.DISSATISFIED


def check_reopen(*, inquiry: Inquiry, reason: str, openid: str = "", actor: Any = None) -> Inquiry:
    """The submitter (or a supervisor) reopens an unresolved answer, once: it returns to the
    department in progress, flagged, with a new reply clock. The first reply's time and
    punctuality stay (the figures count them); the new round is judged on its own deadline."""
    if actor is not None:
        _require_supervisor(actor, inquiry)
    elif not openid or inquiry.openid != openid:
        raise AppError(
            "not_submitter", _("Only the person who asked can reopen the request."), status=403
        )
    reason = _one_line(reason)
    if not reason:
        raise AppError("reason_missing", _("Say what is still unresolved."), field="reason")
    if len(reason) > MAX_NOTE:
        raise AppError(
            "reason_too_long",
            _("The reason is limited to %(n)d characters.") % {"n": MAX_NOTE},
            field="reason",
        )
    if inquiry.reopen_count:
        raise AppError("already_reopened", _("A request can be reopened only once."), status=409)
    if not may_reopen(inquiry) and actor is None:
        raise AppError(
            "not_reopenable",
            _("Only an answered request that is not resolved can be reopened."),
            status=409,
        )
    reply_due = add_workdays(start=timezone.now(), n=inquiry.category.reply_limit)
    moved, _event = _move(
        inquiry,
        to=InquiryStatus.IN_PROGRESS,
        actor=actor,
        actor_label="" if actor is not None else "citizen",
        note=reason,
        changes={
            "reopen_count": inquiry.reopen_count + 1,
            "reply_due_at": reply_due,
            "due_at": reply_due,
            "status_note": reason,
        },
    )
    return moved


# --- the clock: reminders, escalations, closing -------------------------------------------------
def _staff_emails(*, account: OfficialAccount, department: Any, permission: str) -> list[str]:
    """E-mail addresses of the department's members whose role grants `permission` (for a
    reminder) or of the account's members who hold it (an escalation, department None)."""
    from django.contrib.auth import get_user_model

    from weizheng.staff.permissions import roles_granting

    roles = roles_granting(permission)
    users = get_user_model().objects.filter(is_active=True, memberships__role__in=roles)
    if department is not None:
        users = users.filter(memberships__department=department)
    else:
        users = users.filter(memberships__department__accounts=account)
    return sorted({u.email for u in users.distinct() if u.email})


def _mail_after_commit(subject: str, body: str, recipients: list[str]) -> None:
    if not recipients:
        return

    def send() -> None:
        from django.core.mail import send_mail

        try:
            send_mail(subject, body, None, recipients)
        except OSError:
            logger.exception("inquiries: could not e-mail %s", recipients)

    transaction.on_commit(send)


def do_send_reminders(*, now: datetime | None = None) -> int:
    """Remind the department of every open request whose deadline is within the account's
    reminder window: once per deadline (a conditional update claims it). Returns how many."""
    now = now or timezone.now()
    horizon = now + timedelta(hours=72)
    count = 0
    for inquiry in Inquiry.objects.filter(
        status__in=OPEN_STATUSES, due_at__gt=now, due_at__lte=horizon
    ).select_related("account", "department"):
        window = timedelta(hours=settings_for(inquiry.account).remind_hours)
        if inquiry.due_at - window > now or inquiry.reminded_for == inquiry.due_at:  # type: ignore[operator]
            continue
        with transaction.atomic():
            claimed = (
                Inquiry.objects.filter(pk=inquiry.pk, due_at=inquiry.due_at)
                .exclude(reminded_for=inquiry.due_at)
                .update(reminded_for=inquiry.due_at)
            )
            if not claimed:
                continue
            InquiryEvent.objects.create(
                inquiry=inquiry,
                kind=EventKind.REMINDED,
                actor_label="system",
                due_at=inquiry.due_at,
            )
            do_audit(
                action="inquiries.inquiry.reminded",
                account=inquiry.account,
                target=inquiry,
                detail={"public_id": inquiry.public_id, "due_at": inquiry.due_at.isoformat()},  # type: ignore[union-attr]
            )
            _mail_after_commit(
                _("Request %(number)s is due soon") % {"number": inquiry.public_id},
                _("Request %(number)s (%(status)s) is due at %(due)s. Please handle it in time.")
                % {
                    "number": inquiry.public_id,
                    "status": InquiryStatus(inquiry.status).label,
                    "due": f"{timezone.localtime(inquiry.due_at):%Y-%m-%d %H:%M}",  # type: ignore[arg-type]
                },
                _staff_emails(
                    account=inquiry.account,
                    department=inquiry.department,
                    permission="cases.handle",
                ),
            )
            count += 1
    return count


def do_escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate every open request past its deadline to the account's supervisors: once per
    deadline (an extension or a transfer gives a new one). Returns how many."""
    now = now or timezone.now()
    count = 0
    for inquiry in Inquiry.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now).select_related(
        "account", "department"
    ):
        if inquiry.escalated_for == inquiry.due_at:
            continue
        with transaction.atomic():
            claimed = (
                Inquiry.objects.filter(pk=inquiry.pk, due_at=inquiry.due_at)
                .exclude(escalated_for=inquiry.due_at)
                .update(escalated_for=inquiry.due_at, escalated_at=now)
            )
            if not claimed:
                continue
            InquiryEvent.objects.create(
                inquiry=inquiry,
                kind=EventKind.ESCALATED,
                actor_label="system",
                due_at=inquiry.due_at,
            )
            do_audit(
                action="inquiries.inquiry.escalated",
                account=inquiry.account,
                target=inquiry,
                detail={
                    "public_id": inquiry.public_id,
                    "due_at": inquiry.due_at.isoformat(),  # type: ignore[union-attr]
                    "department": inquiry.department_id,
                },
            )
            _mail_after_commit(
                _("Request %(number)s is overdue") % {"number": inquiry.public_id},
                _(
                    "Request %(number)s (%(department)s, %(status)s) was due at %(due)s and is "
                    "overdue. Please follow it up."
                )
                % {
                    "number": inquiry.public_id,
                    "department": inquiry.department.name,
                    "status": InquiryStatus(inquiry.status).label,
                    "due": f"{timezone.localtime(inquiry.due_at):%Y-%m-%d %H:%M}",  # type: ignore[arg-type]
                },
                _staff_emails(
                    account=inquiry.account, department=None, permission="inquiries.supervise"
                ),
            )
            count += 1
    return count


def do_close_stale(*, now: datetime | None = None) -> int:
    """Close answered requests (replied or rated) the account's close_after_days after the
    reply. Returns how many."""
    now = now or timezone.now()
    count = 0
    for inquiry in Inquiry.objects.filter(
        status__in=(InquiryStatus.REPLIED, InquiryStatus.RATED),
        replied_at__lt=now - timedelta(days=1),
    ).select_related("account"):
        limit = timedelta(days=settings_for(inquiry.account).close_after_days)
        replied = inquiry.replied_at
        if inquiry.reopen_count:  # replied_at is the first reply's: the round's reply counts
            from .selectors import reply_rounds

            replied = reply_rounds(inquiry)["last_at"] or now
        if replied + limit > now:  # type: ignore[operator]
            continue
        try:
            check_close(inquiry=inquiry, actor=None, note="")
        except AppError:
            continue  # moved on meanwhile
        count += 1
    return count


# --- audit of reads -----------------------------------------------------------------------------
def do_audit_inquiry_read(
    *, inquiry: Inquiry, actor: Any, what: str = "view", ip_address: str | None = None
) -> None:
    """An audit row for a clerk's look at a request's contact details or attachments."""
    do_audit(
        action=f"inquiries.inquiry.{what}",
        actor=actor,
        account=inquiry.account,
        target=inquiry,
        detail={"public_id": inquiry.public_id},
        ip_address=ip_address,
    )


def check_reveal_contact(
    *, inquiry: Inquiry, actor: Any, ip_address: str | None = None
) -> dict[str, str]:
    """The full name and phone of a named request, for a clerk who may handle it (a handler of
    the assigned department or a supervisor) to call the citizen back: audited, returned for one
    page view, never kept on screen otherwise. An anonymous request has nothing to reveal."""
    from .selectors import may_handle

    if not may_handle(actor, inquiry):
        raise AppError(
            "not_handler",
            _("Only a clerk who handles this request may see the contact."),
            status=403,
        )
    if inquiry.is_anonymous or not (inquiry.contact_name or inquiry.contact_phone):
        raise AppError(
            "no_contact", _("This request was sent anonymously: there is no contact."), status=409
        )
    revealed = {"name": inquiry.contact_name, "phone": inquiry.contact_phone}
    do_audit(
        action="inquiries.inquiry.contact_revealed",
        actor=actor,
        account=inquiry.account,
        target=inquiry,
        detail={
            "public_id": inquiry.public_id,
            "fields": [key for key, value in revealed.items() if value],
        },
        ip_address=ip_address,
    )
    return revealed


# --- the classifier -----------------------------------------------------------------------------
def do_train_classifier(*, account: OfficialAccount, actor: Any = None) -> Classifier:
    """Train the department classifier on the account's handled requests (answered ones: the
    department that answered is the label) and store its parameters with the training size
    and date, replacing the previous model. Below MIN_TRAINING examples the model is kept but
    suggests nothing (the catch-all category's department takes the request)."""
    examples = list(
        Inquiry.objects.filter(
            account=account,
            status__in=(InquiryStatus.REPLIED, InquiryStatus.RATED, InquiryStatus.CLOSED),
        )
        .order_by("-replied_at", "-pk")
        .values_list("description", "department_id")[:5000]
    )
    model = textmod.train((text, str(label)) for text, label in examples)
    now = timezone.now()
    with transaction.atomic():
        classifier, _created = Classifier.objects.update_or_create(
            account=account,
            defaults={"model": model, "training_size": len(examples), "trained_at": now},
        )
        do_audit(
            action="inquiries.classifier.trained",
            actor=actor,
            account=account,
            target=classifier,
            detail={"training_size": len(examples), "labels": sorted(model["labels"])},
        )
    return classifier


# --- settings -----------------------------------------------------------------------------------
def _require_configure(actor: Any, account: OfficialAccount) -> None:
    from weizheng.staff.selectors import can

    if actor is None or not can(actor, "inquiries.configure", account):
        raise AppError("forbidden", _("Your roles do not allow this on this account."), status=403)


def _number(value: Any, *, field: str, low: float, high: float, integer: bool = True) -> Any:
    try:
        number = int(value) if integer else float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise AppError(
            "bad_number",
            _("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            field=field,
        )
    return number


def check_save_category(
    *,
    account: OfficialAccount,
    actor: Any,
    code: str,
    name: str,
    department: Any,
    description: str = "",
    sign_workdays: Any = 1,
    reply_workdays: Any = 5,
    is_urgent: bool = False,
    is_other: bool = False,
    is_active: bool = True,
    category: Category | None = None,
) -> Category:
    """Create or change a category: its routing rule (the department) and its time limits."""
    import re

    _require_configure(actor, account)
    code = (code or "").strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", code):
        raise AppError(
            "bad_code",
            _("The code is 1 to 40 lower-case letters, digits, - or _."),
            field="code",
        )
    name = _one_line(name)
    if not name or len(name) > 50:
        raise AppError("bad_name", _("The name is 1 to 50 characters."), field="name")
    if department is None:
        raise AppError("department_missing", _("Choose the department."), field="department")
    sign = _number(sign_workdays, field="sign_workdays", low=0, high=30)
    reply = _number(reply_workdays, field="reply_workdays", low=0, high=60)
    if reply < sign:
        raise AppError(
            "reply_before_sign",
            _("The reply cannot be due before the signing."),
            field="reply_workdays",
        )
    values = {
        "code": code,
        "name": name,
        "department": department,
        "description": _one_line(description)[:300],
        "sign_workdays": sign,
        "reply_workdays": reply,
        "is_urgent": bool(is_urgent),
        "is_other": bool(is_other),
        "is_active": bool(is_active),
    }
    try:
        with transaction.atomic():
            if category is None:
                category = Category.objects.create(
                    account=account,
                    position=Category.objects.filter(account=account).count(),
                    **values,
                )
            else:
                for key, value in values.items():
                    setattr(category, key, value)
                category.save()
            do_audit(
                action="inquiries.category.saved",
                actor=actor,
                account=account,
                target=category,
                detail={**values, "department": department.pk},
            )
    except IntegrityError as exc:
        raise AppError(
            "duplicate_category",
            _("Another category has this code, or is already the catch-all one."),
            field="code",
        ) from exc
    return category


SETTINGS_FIELDS = {
    "min_latitude": (-90, 90),
    "max_latitude": (-90, 90),
    "min_longitude": (-180, 180),
    "max_longitude": (-180, 180),
}


def check_save_settings(
    *, account: OfficialAccount, actor: Any, values: dict[str, Any]
) -> InquirySettings:
    """The jurisdiction's box (all four edges or none), the duplicate detector's window,
    distance and similarity, the reminder window and the closing delay."""
    _require_configure(actor, account)
    cleaned: dict[str, Any] = {}
    edges = [values.get(name) for name in SETTINGS_FIELDS]
    if all(v in (None, "") for v in edges):
        cleaned.update(dict.fromkeys(SETTINGS_FIELDS))
    else:
        for name, (low, high) in SETTINGS_FIELDS.items():
            cleaned[name] = _number(values.get(name), field=name, low=low, high=high, integer=False)
        if (
            cleaned["min_latitude"] >= cleaned["max_latitude"]
            or cleaned["min_longitude"] >= cleaned["max_longitude"]
        ):
            raise AppError(
                "bad_box",
                _("The southern and western edges must lie below the northern and eastern ones."),
                field="min_latitude",
            )
    cleaned["duplicate_days"] = _number(
        values.get("duplicate_days", 30), field="duplicate_days", low=1, high=365
    )
    cleaned["duplicate_distance_m"] = _number(
        values.get("duplicate_distance_m", 500), field="duplicate_distance_m", low=10, high=50_000
    )
    cleaned["duplicate_similarity"] = _number(
        values.get("duplicate_similarity", 0.4),
        field="duplicate_similarity",
        low=0.1,
        high=1,
        integer=False,
    )
    cleaned["remind_hours"] = _number(
        values.get("remind_hours", 4), field="remind_hours", low=1, high=72
    )
    cleaned["close_after_days"] = _number(
        values.get("close_after_days", 7), field="close_after_days", low=1, high=90
    )
    with transaction.atomic():
        found, _created = InquirySettings.objects.update_or_create(
            account=account, defaults=cleaned
        )
        do_audit(
            action="inquiries.settings.saved",
            actor=actor,
            account=account,
            target=found,
            detail={k: v for k, v in cleaned.items()},
        )
    return found


def check_set_hidden(*, inquiry: Inquiry, actor: Any, hidden: bool) -> Inquiry:
    """A supervisor keeps a consented answer off the public board (or puts it back)."""
    _require_supervisor(actor, inquiry)
    with transaction.atomic():
        Inquiry.objects.filter(pk=inquiry.pk).update(is_hidden=bool(hidden))
        inquiry.refresh_from_db()
        do_audit(
            action="inquiries.inquiry." + ("hidden" if hidden else "shown"),
            actor=actor,
            account=inquiry.account,
            target=inquiry,
            detail={"public_id": inquiry.public_id},
        )
    return inquiry
