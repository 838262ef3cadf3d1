"""Staff sign-in: TOTP enrolment and the audit rows of signing in and out."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def do_start_totp_enrollment(*, user: Any) -> TOTPDevice:
    """The unconfirmed authenticator a staff member is setting up (one at a time).

    Refused once a confirmed one exists: whoever knows only the password must not be able to
    enrol a second authenticator of their own."""
    if confirmed_device(user) is not None:
        raise AppError("already_enrolled", _("Two-factor sign-in is already set up."), status=409)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def check_confirm_totp(*, user: Any, token: str, ip_address: str | None = None) -> TOTPDevice:
    """Confirm the pending authenticator with a code it shows; audited."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None or confirmed_device(user) is not None:
            raise AppError("no_enrollment", _("There is no authenticator waiting for a code."))
        allowed, _details = device.verify_is_allowed()
        if not allowed or not device.verify_token(token):
            raise AppError("wrong_code", _("The code is wrong or has expired; try the next one."))
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        do_audit(
            action="staff.totp.enrolled",
            actor=user,
            target=device,
            detail={"device": device.name},
            ip_address=ip_address,
        )
    return device


def check_totp(*, user: Any, token: str, ip_address: str | None = None) -> TOTPDevice:
    """The second step of signing in. django-otp throttles a device after failed codes."""
    device = confirmed_device(user)
    if device is None:
        raise AppError("not_enrolled", _("Set up two-factor sign-in first."))
    allowed, details = device.verify_is_allowed()
    if not allowed:
        raise AppError(
            "throttled",
            _("Too many wrong codes: wait a little before trying again."),
            status=429,
            **{k: str(v) for k, v in (details or {}).items()},
        )
    if not device.verify_token(token):
        do_audit(action="staff.login.wrong_code", actor=user, target=device, ip_address=ip_address)
        raise AppError("wrong_code", _("The code is wrong or has expired; try the next one."))
    do_audit(
        action="staff.login", actor=user, detail={"second_factor": "totp"}, ip_address=ip_address
    )
    return device


def do_record_login(*, user: Any, ip_address: str | None = None) -> None:
    """Sign-in without a second factor (only where the deployment turned TOTP off)."""
    do_audit(
        action="staff.login", actor=user, detail={"second_factor": None}, ip_address=ip_address
    )


def do_record_logout(*, user: Any, ip_address: str | None = None) -> None:
    do_audit(action="staff.logout", actor=user, ip_address=ip_address)
