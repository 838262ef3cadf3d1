"""Writes of real-name binding: SMS codes, binding, unbinding, and the audit rows for reads.

The SMS limits live in the database (SmsGuard rows, locked with select_for_update), so they hold
whatever the number of web processes: a code is valid for CODE_TTL; another is sent to the same
openid or phone only after RESEND_INTERVAL; MAX_WRONG_CODES wrong codes for an openid or a phone
start a COOL_DOWN during which neither may ask for or try a code.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from weizheng.core.actions import do_audit
from weizheng.core.crypto import blind_index
from weizheng.core.errors import AppError
from weizheng.core.masking import mask_id_number, mask_phone
from weizheng.notifications import sms

from .idcard import InvalidIdNumber, check_id_number
from .models import ID_NUMBER_CONTEXT, PHONE_CONTEXT, Binding, Consent, SmsChallenge, SmsGuard
from .notice import NOTICE_VERSION, PURPOSE
from .phones import InvalidPhone, check_phone
from .verifiers import VerifierUnavailable, identity_verifier

logger = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=5)
RESEND_INTERVAL = dt.timedelta(seconds=60)
MAX_WRONG_CODES = 5
COOL_DOWN = dt.timedelta(minutes=15)
MAX_NAME_LENGTH = 30
MAX_REASON_LENGTH = 200


@dataclass(frozen=True)
class Identity:
    """Checked input of the binding form."""

    name: str
    id_number: str
    phone: str

    @property
    def id_number_index(self) -> str:
        return blind_index(self.id_number, context=ID_NUMBER_CONTEXT)

    @property
    def phone_index(self) -> str:
        return blind_index(self.phone, context=PHONE_CONTEXT)


def check_identity(*, name: str, id_number: str, phone: str) -> Identity:
    """Normalised input, or AppError(field=...) with the reason for the first bad field."""
    name = " ".join((name or "").split())
    if not name:
        raise AppError("invalid_name", _("Enter your name as it is on your ID card."), field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise AppError(
            "invalid_name",
            _("A name has at most %(limit)d characters.") % {"limit": MAX_NAME_LENGTH},
            field="name",
        )
    try:
        number = check_id_number(id_number)
    except InvalidIdNumber as exc:
        raise AppError(f"invalid_id_{exc.code}", str(exc.reason), field="id_number") from None
    try:
        mobile = check_phone(phone)
    except InvalidPhone as exc:
        raise AppError("invalid_phone", str(exc.reason), field="phone") from None
    return Identity(name=name, id_number=number, phone=mobile)


def phone_index(phone: str) -> str:
    return blind_index(phone, context=PHONE_CONTEXT)


def id_number_index(id_number: str) -> str:
    return blind_index(id_number, context=ID_NUMBER_CONTEXT)


# --- SMS codes --------------------------------------------------------------------------------
def _code_hash(salt: str, code: str) -> str:
    return salted_hmac(
        "weizheng.identity.sms_code", f"{salt}:{code}", algorithm="sha256"
    ).hexdigest()


def _guard(account: Any, kind: str, key: str) -> SmsGuard:
    """The guard row, created when missing, locked until the transaction ends."""
    try:
        with transaction.atomic():
            SmsGuard.objects.get_or_create(account=account, kind=kind, key=key)
    except IntegrityError:
        pass  # another process created it first
    return SmsGuard.objects.select_for_update().get(account=account, kind=kind, key=key)


def _guards(account: Any, *, openid: str, phone_index: str) -> list[SmsGuard]:
    # Always in the same order (openid, then phone) so two requests cannot deadlock.
    return [
        _guard(account, SmsGuard.Kind.OPENID, openid),
        _guard(account, SmsGuard.Kind.PHONE, phone_index),
    ]


def _refuse_if_cooling_down(guards: list[SmsGuard], now: dt.datetime) -> None:
    until = max(
        (g.locked_until for g in guards if g.locked_until and g.locked_until > now), default=None
    )
    if until is None:
        return
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    raise AppError(
        "cooling_down",
        ngettext(
            "Too many wrong codes. Please try again in %(minutes)d minute.",
            "Too many wrong codes. Please try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
        status=429,
        retry_after=math.ceil((until - now).total_seconds()),
    )


def sms_text(*, account: Any, code: str) -> str:
    with translation.override(getattr(account, "default_language", "") or "zh-hans"):
        return _(
            "[%(account)s] Your real-name binding code is %(code)s, valid for %(minutes)d "
            "minutes. If you did not ask for it, ignore this message."
        ) % {"account": account.name, "code": code, "minutes": CODE_TTL.seconds // 60}


def check_send_code(
    *, account: Any, openid: str, identity: Identity, ip_address: str | None = None
) -> SmsChallenge:
    """Send a 6-digit code to the identity's phone for this openid, within the limits."""
    gateway = sms.gateway()
    if gateway is None:
        raise AppError(
            "sms_unavailable",
            _("Text messages cannot be sent at the moment. Please try again later."),
            status=503,
        )
    if Binding.objects.filter(account=account, openid=openid, unbound_at__isnull=True).exists():
        raise AppError("already_bound", _("You have already bound your real name."), status=409)
    index = identity.phone_index
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        now = timezone.now()
        guards = _guards(account, openid=openid, phone_index=index)
        _refuse_if_cooling_down(guards, now)
        last = max((g.last_sent_at for g in guards if g.last_sent_at), default=None)
        if last is not None and now - last < RESEND_INTERVAL:
            seconds = max(1, math.ceil((last + RESEND_INTERVAL - now).total_seconds()))
            raise AppError(
                "too_soon",
                ngettext(
                    "A code was sent a moment ago. You can ask for another in %(seconds)d second.",
                    "A code was sent a moment ago. You can ask for another in %(seconds)d seconds.",
                    seconds,
                )
                % {"seconds": seconds},
                status=429,
                retry_after=seconds,
            )
        for guard in guards:
            guard.last_sent_at = now
            guard.save(update_fields=["last_sent_at"])
        # Only the newest code of an openid is valid.
        SmsChallenge.objects.filter(account=account, openid=openid, closed_at__isnull=True).update(
            closed_at=now
        )
        salt = secrets.token_hex(8)
        challenge = SmsChallenge.objects.create(
            account=account,
            openid=openid,
            phone_index=index,
            salt=salt,
            code_hash=_code_hash(salt, code),
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        do_audit(
            action="identity.sms_code_sent",
            actor_label="citizen",
            account=account,
            target=challenge,
            detail={"phone": mask_phone(identity.phone)},
            ip_address=ip_address,
        )
    # After the commit: the text goes out only for a code that is stored.
    try:
        gateway.send(identity.phone, sms_text(account=account, code=code))
    except Exception:
        logger.exception("SMS gateway failed for a binding code on %s", account.slug)
        SmsChallenge.objects.filter(pk=challenge.pk).update(closed_at=timezone.now())
        raise AppError(
            "sms_failed",
            _("The text message could not be sent. Please try again in a minute."),
            status=503,
        ) from None
    return challenge


def _wrong_code(
    challenge: SmsChallenge,
    guards: list[SmsGuard],
    now: dt.datetime,
    *,
    account: Any,
    identity: Identity,
) -> AppError:
    """Count a wrong code (saved and audited: the caller commits before raising) and say what is
    left."""
    challenge.attempts += 1
    tries_left = MAX_WRONG_CODES
    locked = False
    for guard in guards:
        if guard.last_failure_at is None or now - guard.last_failure_at > COOL_DOWN:
            guard.failures = 0  # old mistakes are forgiven
        guard.failures += 1
        guard.last_failure_at = now
        if guard.failures >= MAX_WRONG_CODES:
            guard.failures = 0
            guard.locked_until = now + COOL_DOWN
            locked = True
        tries_left = min(tries_left, MAX_WRONG_CODES - guard.failures)
        guard.save(update_fields=["failures", "last_failure_at", "locked_until"])
    if locked:
        challenge.closed_at = now
    challenge.save(update_fields=["attempts", "closed_at"])
    masked = mask_phone(identity.phone)
    do_audit(
        action="identity.code.wrong",
        actor_label="citizen",
        account=account,
        target=challenge,
        detail={
            "phone": masked,
            "attempts": challenge.attempts,
            "tries_left": 0 if locked else tries_left,
        },
    )
    if locked:
        do_audit(
            action="identity.code.cooldown",
            actor_label="citizen",
            account=account,
            target=challenge,
            detail={
                "phone": masked,
                "until": (now + COOL_DOWN).isoformat(),
                "wrong_codes": MAX_WRONG_CODES,
            },
        )
        minutes = COOL_DOWN.seconds // 60
        return AppError(
            "cooling_down",
            _(
                "The code is wrong, and that was the last try. Please wait %(minutes)d minutes "
                "and ask for a new code."
            )
            % {"minutes": minutes},
            status=429,
            field="code",
        )
    return AppError(
        "wrong_code",
        ngettext(
            "The code is wrong. You have %(tries)d more try.",
            "The code is wrong. You have %(tries)d more tries.",
            tries_left,
        )
        % {"tries": tries_left},
        field="code",
    )


def check_code(*, account: Any, openid: str, identity: Identity, code: str) -> SmsChallenge:
    """Use up the openid's valid code for this phone (the challenge is returned), or raise with
    the reason (counting wrong codes towards the cool-down)."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) != 6:
        raise AppError(
            "invalid_code", _("Enter the 6-digit code from the text message."), field="code"
        )
    index = identity.phone_index
    refusal: AppError | None = None
    with transaction.atomic():
        now = timezone.now()
        guards = _guards(account, openid=openid, phone_index=index)
        _refuse_if_cooling_down(guards, now)
        challenge = (
            SmsChallenge.objects.select_for_update()
            .filter(account=account, openid=openid, phone_index=index, closed_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if challenge is None:
            raise AppError(
                "no_code",
                _("Ask for a code for this phone number first."),
                field="code",
            )
        if challenge.expires_at <= now:
            challenge.closed_at = now
            challenge.save(update_fields=["closed_at"])
            refusal = AppError(
                "code_expired",
                _("The code has expired (codes are valid for 5 minutes). Ask for a new one."),
                field="code",
            )
        elif not hmac.compare_digest(challenge.code_hash, _code_hash(challenge.salt, code)):
            refusal = _wrong_code(challenge, guards, now, account=account, identity=identity)
        else:
            challenge.closed_at = now
            challenge.save(update_fields=["closed_at"])
            for guard in guards:
                guard.failures = 0
                guard.save(update_fields=["failures"])
    # Raised after the commit, so the count of wrong codes is kept.
    if refusal is not None:
        raise refusal
    return challenge


def _keep_code_for_a_corrected_try(challenge: SmsChallenge) -> bool:
    """The code proved the phone but the binding was refused for the ID (already bound, not
    matching the name, verifier down): the code stays valid until it expires, so the citizen can
    correct the ID and press "Bind" again. Each such refusal counts as a try (the same limit as
    wrong codes), so one code cannot test many ID numbers; a newer code wins."""
    with transaction.atomic():
        locked = SmsChallenge.objects.select_for_update().filter(pk=challenge.pk).first()
        now = timezone.now()
        if locked is None or locked.expires_at <= now or locked.attempts + 1 >= MAX_WRONG_CODES:
            return False
        newer = SmsChallenge.objects.filter(
            account_id=locked.account_id, openid=locked.openid, closed_at__isnull=True
        ).exclude(pk=locked.pk)
        if newer.exists():
            return False
        locked.attempts += 1
        locked.closed_at = None
        locked.save(update_fields=["attempts", "closed_at"])
    return True


def _with_code_state(refusal: AppError, kept: bool) -> AppError:
    """The refusal, saying whether the code may be used again."""
    hint = (
        _("Your code is still valid: correct the details and press “Bind” again.")
        if kept
        else _("Ask for a new code to try again.")
    )
    return AppError(
        refusal.code,
        f"{refusal.message} {hint}",
        status=refusal.status,
        **{**refusal.extra, "code_kept": kept},
    )


# --- Binding ----------------------------------------------------------------------------------
def _id_taken() -> AppError:
    return AppError(
        "id_number_taken",
        _(
            "This ID number is already bound to another WeChat user of this account. If that is "
            "not you, or you changed your WeChat, unbind it there, or go to a service hall with "
            "your ID card."
        ),
        status=409,
        field="id_number",
    )


def check_bind(
    *,
    account: Any,
    openid: str,
    identity: Identity,
    code: str,
    notice_version: str,
    ip_address: str | None = None,
) -> Binding:
    """Bind the openid to the identity once the SMS code and the identity check pass; the binding,
    the consent and the audit row are written together or not at all."""
    if notice_version != NOTICE_VERSION:
        raise AppError(
            "consent_required",
            _("Please read the privacy notice and agree to it first."),
            status=400,
        )
    if Binding.objects.filter(account=account, openid=openid, unbound_at__isnull=True).exists():
        raise AppError("already_bound", _("You have already bound your real name."), status=409)
    challenge = check_code(account=account, openid=openid, identity=identity, code=code)
    try:
        index = identity.id_number_index
        if Binding.objects.filter(
            account=account, id_number_index=index, unbound_at__isnull=True
        ).exists():
            raise _id_taken()
        try:
            verdict = identity_verifier().verify(name=identity.name, id_number=identity.id_number)
        except VerifierUnavailable:
            raise AppError(
                "verifier_unavailable",
                _("Your identity cannot be checked at the moment. Please try again later."),
                status=503,
            ) from None
        if not verdict.accepted:
            raise AppError(
                "identity_refused",
                verdict.reason
                or _("The name and the ID number do not match. Check both and try again."),
                field="id_number",
            )
        return do_bind(
            account=account,
            openid=openid,
            identity=identity,
            notice_version=notice_version,
            verified_by=verdict.verifier,
            ip_address=ip_address,
        )
    except AppError as refused:
        if refused.code == "already_bound":
            raise
        raise _with_code_state(refused, _keep_code_for_a_corrected_try(challenge)) from None


def do_bind(
    *,
    account: Any,
    openid: str,
    identity: Identity,
    notice_version: str,
    verified_by: str,
    actor_label: str = "citizen",
    ip_address: str | None = None,
) -> Binding:
    """Write the binding, its consent and the audit row in one transaction (the checks are done:
    check_bind for citizens, the demo for its personas). AppError when the openid or the ID number
    is already bound."""
    now = timezone.now()
    index = identity.id_number_index
    try:
        with transaction.atomic():
            binding = Binding.objects.create(
                account=account,
                openid=openid,
                name=identity.name,
                id_number=identity.id_number,
                phone=identity.phone,
                id_number_index=index,
                phone_index=identity.phone_index,
                verified_by=verified_by[:64],
                bound_at=now,
            )
            consent = Consent.objects.create(
                account=account,
                openid=openid,
                binding=binding,
                purpose=PURPOSE,
                notice_version=notice_version,
                given_at=now,
            )
            do_audit(
                action="identity.bound",
                actor_label=actor_label,
                account=account,
                target=binding,
                detail={
                    "id_number": mask_id_number(identity.id_number),
                    "phone": mask_phone(identity.phone),
                    "notice_version": consent.notice_version,
                    "verified_by": binding.verified_by,
                },
                ip_address=ip_address,
            )
    except IntegrityError:
        # Two requests at once: the constraint decided which one bound.
        if Binding.objects.filter(account=account, openid=openid, unbound_at__isnull=True).exists():
            raise AppError(
                "already_bound", _("You have already bound your real name."), status=409
            ) from None
        raise _id_taken() from None
    return binding


def do_unbind(
    *,
    binding: Binding,
    actor: Any = None,
    reason: str = "",
    ip_address: str | None = None,
) -> Binding:
    """End a binding: wipe the personal fields and indexes, withdraw the consent, audit it. By the
    citizen (actor None) or by a staff member on the citizen's request (actor and reason)."""
    reason = " ".join((reason or "").split())
    if actor is not None and not reason:
        raise AppError("reason_required", _("Say why the binding is removed."), field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise AppError(
            "reason_too_long",
            _("The reason has at most %(limit)d characters.") % {"limit": MAX_REASON_LENGTH},
            field="reason",
        )
    with transaction.atomic():
        locked = Binding.objects.select_for_update().filter(pk=binding.pk).first()
        if locked is None or locked.unbound_at is not None:
            raise AppError("not_bound", _("This binding has already been removed."), status=409)
        now = timezone.now()
        locked.name = locked.id_number = locked.phone = ""
        locked.id_number_index = locked.phone_index = ""
        locked.unbound_at = now
        locked.unbound_by = actor if actor is not None and actor.is_authenticated else None
        locked.unbind_reason = reason or "citizen"
        locked.save(
            update_fields=[
                "name",
                "id_number",
                "phone",
                "id_number_index",
                "phone_index",
                "unbound_at",
                "unbound_by",
                "unbind_reason",
            ]
        )
        withdrawn = Consent.objects.filter(binding=locked, withdrawn_at__isnull=True).update(
            withdrawn_at=now
        )
        # What other apps end with the binding (upcoming bookings...): see personal_data.
        from .personal_data import run_unbind_hooks

        run_unbind_hooks(binding=locked, actor=actor, ip_address=ip_address)
        do_audit(
            action="identity.unbound",
            actor=actor,
            actor_label="" if actor is not None else "citizen",
            account=locked.account,
            target=locked,
            detail={
                "by": "staff" if actor is not None else "citizen",
                "reason": reason,
                "consents_withdrawn": withdrawn,
            },
            ip_address=ip_address,
        )
    return locked


# --- Audited reads ----------------------------------------------------------------------------
def do_audit_citizen_view(
    *, account: Any, openid: str, binding: Binding | None, page: str, ip_address: str | None
) -> None:
    """A citizen looked at their own personal data (the read is the action)."""
    from weizheng.followers.h5_selectors import mask_openid

    with transaction.atomic():
        do_audit(
            action="identity.h5.view_own_data",
            actor_label="citizen",
            account=account,
            target=binding,
            detail={"openid": mask_openid(openid), "page": page, "bound": binding is not None},
            ip_address=ip_address,
        )


def do_audit_staff_lookup(
    *, actor: Any, account: Any, by: str, term: str, found: list[Binding], ip_address: str | None
) -> None:
    """A staff member searched the bindings: what they searched for (masked) and what they saw."""
    with transaction.atomic():
        do_audit(
            action="identity.office.lookup",
            actor=actor,
            account=account,
            detail={"by": by, "term": term, "found": [b.pk for b in found]},
            ip_address=ip_address,
        )
