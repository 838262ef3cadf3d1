"""Writes of the Open311 adapter: API clients and their keys, and a client's new request.

A new request goes through the inquiries app's ``check_submit_inquiry`` (channel open311), so it
is validated, routed and clocked exactly like one from the chat or the H5 form."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.inquiries.actions import check_submit_inquiry
from weizheng.inquiries.models import Channel, Inquiry
from weizheng.wechat.models import OfficialAccount

from . import selectors
from .keys import KEY_PREFIX, key_hash, new_key
from .models import ApiClient

logger = logging.getLogger(__name__)

MAX_NAME = 50


# --- clients ------------------------------------------------------------------------------------
def do_create_client(
    *,
    name: str,
    accounts: Iterable[OfficialAccount] = (),
    actor_label: str = "cli",
    key: str = "",
) -> tuple[ApiClient, str]:
    """A new client and its key (returned once; only its hash is kept). `key` is for the demo's
    published key only; real clients get a random one."""
    name = (name or "").strip()
    if (
        not name
        or len(name) > MAX_NAME
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in name)
    ):
        raise AppError(
            "bad_client_name",
            _("A client's name is 1 to 50 Latin letters, digits, hyphens or underscores."),
        )
    key = key or new_key()
    try:
        with transaction.atomic():
            client = ApiClient.objects.create(
                name=name, key_hash=key_hash(key), key_prefix=key[: len(KEY_PREFIX) + 4]
            )
            accounts = list(accounts)
            client.accounts.set(accounts)
            do_audit(
                action="open311.client.created",
                actor_label=actor_label,
                target=client,
                detail={"name": name, "accounts": [a.slug for a in accounts]},
            )
    except IntegrityError as exc:
        raise AppError(
            "client_exists", _("There is already a client named “%(name)s”.") % {"name": name}
        ) from exc
    return client, key


def do_revoke_client(*, name: str, actor_label: str = "cli") -> ApiClient:
    """The client's key stops working at once."""
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().filter(name=name).first()
        if client is None:
            raise AppError(
                "unknown_client", _("There is no client named “%(name)s”.") % {"name": name}
            )
        if client.is_active:
            client.is_active = False
            client.revoked_at = timezone.now()
            client.save(update_fields=["is_active", "revoked_at"])
            do_audit(action="open311.client.revoked", actor_label=actor_label, target=client)
    return client


# --- rate limit ---------------------------------------------------------------------------------
def post_limit() -> int:
    return int(getattr(settings, "OPEN311_POST_LIMIT", 60))


def post_window_seconds() -> int:
    return int(getattr(settings, "OPEN311_POST_WINDOW_SECONDS", 60))


def take_post(client: ApiClient) -> int:
    """Count one POST of the client in the cache (shared by every process): 0 when allowed,
    else the seconds until the window ends. A refused POST does not count."""
    window = post_window_seconds()
    now = time.time()
    key = f"open311:posts:{client.pk}:{int(now // window)}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        count = 1
    if count <= post_limit():
        return 0
    cache.decr(key)
    return max(1, int(window - now % window))


# --- a new request ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Submission:
    """A POST's form body, read by the view: the standard fields and the attributes."""

    service_code: str
    description: str
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    media_url: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    attributes: Mapping[str, list[str]] | None = None


def _consent(category: Any, answers: Mapping[str, list[str]]) -> bool:
    known = {a.code: a for a in selectors.attributes(category) if a.variable}
    for code, values in answers.items():
        attribute = known.get(code)
        if attribute is None:
            raise AppError(
                "unknown_attribute",
                _("The service “%(service)s” has no attribute “%(code)s”.")
                % {"service": category.code, "code": code[:40]},
            )
        keys = {key for key, _name in attribute.values}
        if len(values) != 1 or values[0] not in keys:
            raise AppError(
                "bad_attribute",
                _("The attribute “%(code)s” takes one of: %(keys)s.")
                % {"code": code, "keys": ", ".join(sorted(keys))},
            )
    return answers.get(selectors.CONSENT, ["no"])[0] == "yes"


def check_post_request(
    *,
    client: ApiClient,
    account: OfficialAccount,
    submission: Submission,
    ip_address: str | None = None,
) -> Inquiry:
    """A client's new request: the client must be within its rate limit (every POST counts, so
    refusals cannot flood the audit log either) and allowed on the account; the service must
    exist; a place (lat/long or an address) is required, as Open311 asks. Audited with the
    client's name and address; refusals are audited too."""
    try:
        wait = take_post(client)
        if wait:
            raise AppError(
                "rate_limited",
                _("Too many requests from this API key; try again in %(n)d seconds.") % {"n": wait},
                status=429,
                retry_after=wait,
            )
        if not selectors.may_use(client, account):
            raise AppError(
                "client_not_allowed",
                _("This API key may not post to the jurisdiction “%(id)s”.") % {"id": account.slug},
                status=403,
            )
        category = selectors.service(account=account, code=submission.service_code)
        consent = _consent(category, submission.attributes or {})
        address = submission.address_string.strip() or submission.address_id.strip()
        if not (submission.lat.strip() or submission.long.strip() or address):
            raise AppError(
                "location_missing",
                _("Give the place: lat and long, address_string or address_id."),
            )
        name = (submission.last_name.strip() + submission.first_name.strip()).strip()
        phone, email = submission.phone.strip(), submission.email.strip()
        with transaction.atomic():
            inquiry = check_submit_inquiry(
                account=account,
                category_code=category.code,
                description=submission.description,
                channel=Channel.OPEN311,
                latitude=submission.lat.strip() or None,
                longitude=submission.long.strip() or None,
                address=address,
                media_url=submission.media_url,
                api_client=client.label,
                is_anonymous=not (name or phone or email),
                contact_name=name,
                contact_phone=phone,
                contact_email=email,
                consent_publish=consent,
            )
            do_audit(
                action="open311.request.created",
                actor_label=client.label,
                account=account,
                target=inquiry,
                detail={"public_id": inquiry.public_id, "service_code": category.code},
                ip_address=ip_address,
            )
    except AppError as error:
        if error.code == "rate_limited":
            # A flood must not fill the audit log: the first POSTs of the window are there.
            logger.warning("open311: %s is over its rate limit", client.label)
            raise
        do_audit(
            action="open311.request.refused",
            actor_label=client.label,
            account=account,
            detail={"code": error.code, "service_code": submission.service_code[:40]},
            ip_address=ip_address,
        )
        raise
    return inquiry
