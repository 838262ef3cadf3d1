"""Writes of the records app: running a citizen's query (rate-limited, cached, audited) and
configuring connectors in the back office (audited, secrets never logged)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.core.masking import mask_id_number, mask_name

from . import links, ratelimit, registry, selectors
from .connectors.base import ConnectorError, QueryRequest, QueryResult, Subject, result_from_cache
from .connectors.http import METHODS, check_body_template, check_url_template
from .connectors.mapping import MappingError, check_mapping
from .connectors.transport import AUTH_KINDS
from .models import AuthKind, HttpConnectorConfig, Mode, QuerySetting
from .registry import QueryType

logger = logging.getLogger(__name__)

OK = "ok"
MIN_TIMEOUT_SECONDS = 0.5
MAX_TIMEOUT_SECONDS = 15.0


def cache_seconds() -> int:
    return int(getattr(settings, "RECORDS_CACHE_SECONDS", 60))


@dataclass(frozen=True, slots=True)
class QueryOutcome:
    """What a query came to: `status` is "ok" or a ConnectorError outcome ("not_found",
    "timeout", "unavailable", "malformed", "refused", "error"); `result` only when ok."""

    query_type: QueryType
    params: dict[str, str]
    status: str
    result: QueryResult | None = None
    is_cached: bool = False

    @property
    def is_ok(self) -> bool:
        return self.status == OK

    @property
    def is_retryable(self) -> bool:
        return self.status in ("timeout", "unavailable", "error")


def link_seconds() -> int:
    return int(getattr(settings, "RECORDS_LINK_SECONDS", 30 * 60))


def do_remember_params(*, account: Any, openid: str, code: str, params: dict[str, str]) -> str:
    """A short-lived random token standing for a query's parameters, for the link of a WeChat
    reply: a plate never goes into a URL (access logs, browser history, forwarded links). Only
    the same citizen of the same account can use it (selectors.remembered_params)."""
    token = secrets.token_urlsafe(16)
    cache.set(
        links.link_cache_key(token),
        {"account_id": account.pk, "openid": openid, "code": code, "params": dict(params)},
        timeout=link_seconds(),
    )
    return token


def mask_openid(openid: str) -> str:
    return f"{openid[:3]}****{openid[-4:]}" if len(openid) > 8 else "*" * len(openid)


def result_cache_key(
    *,
    account_id: int,
    openid: str,
    binding_id: int,
    code: str,
    params: dict[str, str],
    version: str,
) -> str:
    """One citizen's (openid and binding) result of one query: never shared between citizens."""
    material = json.dumps(
        [account_id, openid, binding_id, code, sorted(params.items()), version],
        ensure_ascii=False,
    )
    return "records:result:" + hashlib.sha256(material.encode()).hexdigest()


def _query_type(code: str) -> QueryType:
    query_type = registry.get(code)
    if query_type is None:
        raise AppError("not_offered", _("This query is not offered here."), status=404)
    return query_type


def check_run_query(
    *,
    account: Any,
    openid: str,
    binding: Any,
    code: str,
    raw_params: dict[str, Any],
    channel: str = "h5",
    ip_address: str | None = None,
) -> QueryOutcome:
    """Validate the parameters, take one from the citizen's rate limit, answer from the short
    cache or the connector, and audit the query (who, which type, masked parameters, outcome —
    never the results). A refusal (not offered, bad parameters, too many queries) raises
    AppError and is not audited. A connector failure is an outcome, never an exception."""
    query_type = _query_type(code)
    active = selectors.connector_for(account=account, query_type=query_type)
    if active is None:
        raise AppError("not_offered", _("This query is not offered here."), status=404)
    if binding is None or binding.account_id != account.pk or binding.openid != openid:
        raise AppError("not_bound", _("Bind your real name first."), status=403)
    try:
        params = query_type.clean_params(raw_params)
    except ValidationError as exc:
        messages = [str(m) for errors in exc.message_dict.values() for m in errors]
        raise AppError(
            "invalid_params", " ".join(messages), status=400, fields=exc.message_dict
        ) from exc
    wait = ratelimit.take(account_id=account.pk, openid=openid)
    if wait:
        raise AppError(
            "rate_limited",
            _(
                "You have made many queries in a short time. Please try again in %(seconds)d seconds."
            )
            % {"seconds": wait},
            status=429,
            retry_after=wait,
        )

    key = result_cache_key(
        account_id=account.pk,
        openid=openid,
        binding_id=binding.pk,
        code=query_type.code,
        params=params,
        version=active.version,
    )
    started = time.monotonic()
    result: QueryResult | None = None
    cached = cache.get(key)
    if cached is not None:
        result, status, is_cached = result_from_cache(cached), OK, True
    else:
        is_cached = False
        request = QueryRequest(query_type.code, Subject.from_binding(binding), params)
        try:
            result = active.connector.fetch(request)
            status = OK
        except ConnectorError as exc:
            status = exc.outcome
            logger.warning(
                "Record query %s for account %s: %s (%s)",
                query_type.code,
                account.slug,
                status,
                exc,
            )
        except Exception:
            # A connector bug must cost the citizen a clear message, not a 500.
            status = "error"
            logger.exception("Record query %s for account %s failed", query_type.code, account.slug)
        if result is not None:
            cache.set(key, result.to_cache(), timeout=cache_seconds())
    with transaction.atomic():
        do_audit(
            action="records.query",
            actor_label="citizen",
            account=account,
            target=binding,
            detail={
                "query_type": query_type.code,
                "params": query_type.masked_params(params),
                "openid": mask_openid(openid),
                "subject": f"{mask_name(binding.name)} {mask_id_number(binding.id_number)}",
                "channel": channel,
                "connector": getattr(active.connector, "source", ""),
                "outcome": status,
                "cached": is_cached,
                "duration_ms": int((time.monotonic() - started) * 1000),
            },
            ip_address=ip_address,
        )
    return QueryOutcome(
        query_type=query_type, params=params, status=status, result=result, is_cached=is_cached
    )


# --- back office ------------------------------------------------------------------------------
def do_set_mode(
    *, account: Any, code: str, mode: str, actor: Any, ip_address: str | None = None
) -> QuerySetting:
    """Offer a query type through the demo or the HTTP connector, or turn it off."""
    query_type = _query_type(code)
    if mode not in Mode.values:
        raise AppError("invalid_mode", _("Choose off, the demo connector or the HTTP connector."))
    if mode == Mode.HTTP and selectors.http_config(account=account, query_type=code) is None:
        raise AppError(
            "no_http_connector",
            _("Configure the HTTP connector of “%(type)s” before choosing it.")
            % {"type": query_type.label},
            status=409,
        )
    with transaction.atomic():
        setting = (
            QuerySetting.objects.select_for_update()
            .filter(account=account, query_type=code)
            .first()
        )
        previous = setting.mode if setting else Mode.OFF
        if setting is None:
            setting = QuerySetting.objects.create(
                account=account, query_type=code, mode=mode, updated_by=actor
            )
        else:
            setting.mode, setting.updated_by = mode, actor
            setting.save(update_fields=["mode", "updated_by", "updated_at"])
        do_audit(
            action="records.mode_changed",
            actor=actor,
            account=account,
            target=setting,
            detail={"query_type": code, "from": previous, "to": mode},
            ip_address=ip_address,
        )
    return setting


@dataclass(frozen=True, slots=True)
class HttpConnectorInput:
    """What the back-office form gives. `secret` None keeps the stored one."""

    url_template: str
    method: str
    auth_kind: str
    auth_username: str
    secret: str | None
    signature_header: str
    timeout_seconds: float
    mapping: Any
    body_template: Any = None


def check_http_connector(
    query_type: QueryType, data: HttpConnectorInput, *, has_secret: bool
) -> dict[str, Any]:
    """The validated fields of an HTTP connector, or AppError("invalid_connector") whose
    `fields` name each bad one."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    try:
        clean["url_template"] = check_url_template(query_type, data.url_template)
    except MappingError as exc:
        errors["url_template"] = str(exc)
    if data.method not in METHODS:
        errors["method"] = _("Choose GET or POST.")
    clean["method"] = data.method
    try:
        body = check_body_template(query_type, data.body_template)
        if body and data.method != "POST":
            raise MappingError(_("Only a POST sends a body."))
        clean["body_template"] = body
    except MappingError as exc:
        errors["body_template"] = str(exc)
    try:
        clean["mapping"] = check_mapping(query_type, data.mapping)
    except MappingError as exc:
        errors["mapping"] = str(exc)
    if data.auth_kind not in AUTH_KINDS:
        errors["auth_kind"] = _("Choose a kind of authentication.")
    clean["auth_kind"] = data.auth_kind
    if data.auth_kind in (AuthKind.BEARER, AuthKind.BASIC, AuthKind.HMAC):
        if not (data.secret or has_secret):
            errors["secret"] = _("This kind of authentication needs a secret.")
    if data.auth_kind in (AuthKind.BASIC, AuthKind.HMAC) and not data.auth_username.strip():
        errors["auth_username"] = _("Give the user name (HTTP basic) or the key id (HMAC).")
    clean["auth_username"] = data.auth_username.strip() if data.auth_kind != AuthKind.NONE else ""
    header = (data.signature_header or "").strip()
    if not header.replace("-", "").isalnum():
        errors["signature_header"] = _("A header name has letters, digits and hyphens only.")
    clean["signature_header"] = header
    if not MIN_TIMEOUT_SECONDS <= float(data.timeout_seconds) <= MAX_TIMEOUT_SECONDS:
        errors["timeout_seconds"] = _("The timeout is between %(low)s and %(high)s seconds.") % {
            "low": MIN_TIMEOUT_SECONDS,
            "high": MAX_TIMEOUT_SECONDS,
        }
    clean["timeout_seconds"] = float(data.timeout_seconds)
    if errors:
        raise AppError(
            "invalid_connector",
            _("The connector was not saved: correct the fields marked."),
            fields=errors,
        )
    return clean


def check_save_http_connector(
    *, account: Any, code: str, data: HttpConnectorInput, actor: Any, ip_address: str | None = None
) -> HttpConnectorConfig:
    """Validate and save the account's HTTP connector of a query type (nothing is saved when any
    field is wrong). The audit row names what changed, never the secret."""
    query_type = _query_type(code)
    with transaction.atomic():
        config = (
            HttpConnectorConfig.objects.select_for_update()
            .filter(account=account, query_type=code)
            .first()
        )
        clean = check_http_connector(
            query_type, data, has_secret=bool(config and config.auth_secret)
        )
        created = config is None
        if config is None:
            config = HttpConnectorConfig(account=account, query_type=code)
        secret_changed = False
        if clean["auth_kind"] == AuthKind.NONE:
            secret_changed = bool(config.auth_secret)
            config.auth_secret = ""
        elif data.secret:
            secret_changed = data.secret != (config.auth_secret or "")
            config.auth_secret = data.secret
        for name, value in clean.items():
            setattr(config, name, value)
        config.updated_by = actor
        config.save()
        do_audit(
            action="records.connector_saved",
            actor=actor,
            account=account,
            target=config,
            detail={
                "query_type": code,
                "created": created,
                "host": urlsplit(clean["url_template"]).hostname or "",
                "method": clean["method"],
                "auth": clean["auth_kind"],
                "secret_changed": secret_changed,
            },
            ip_address=ip_address,
        )
    return config


@dataclass(frozen=True, slots=True)
class TestOutcome:
    status: str
    result: QueryResult | None
    message: str
    duration_ms: int


def do_test_connector(
    *,
    account: Any,
    code: str,
    subject: Subject,
    raw_params: dict[str, Any],
    actor: Any,
    ip_address: str | None = None,
) -> TestOutcome:
    """Run the saved HTTP connector once against a sample subject and show what came back (the
    back office's "test connection"). Audited with its outcome; nothing is cached."""
    query_type = _query_type(code)
    config = selectors.http_config(account=account, query_type=code)
    if config is None:
        raise AppError("no_http_connector", _("Save the connector before testing it."), status=409)
    try:
        params = query_type.clean_params(raw_params)
    except ValidationError as exc:
        messages = [str(m) for errors in exc.message_dict.values() for m in errors]
        raise AppError("invalid_params", " ".join(messages), fields=exc.message_dict) from exc
    connector = selectors.http_connector(config, query_type)
    started = time.monotonic()
    result, message, status = None, "", OK
    try:
        result = connector.fetch(QueryRequest(code, subject, params))
    except ConnectorError as exc:
        status, message = exc.outcome, str(exc)
    except Exception as exc:  # shown to the administrator testing it, not to citizens
        logger.exception("Testing the %s connector of %s failed", code, account.slug)
        status, message = "error", f"{type(exc).__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        HttpConnectorConfig.objects.filter(pk=config.pk).update(
            last_tested_at=timezone.now(), last_test_outcome=status
        )
        do_audit(
            action="records.connector_tested",
            actor=actor,
            account=account,
            target=config,
            detail={"query_type": code, "outcome": status, "duration_ms": duration},
            ip_address=ip_address,
        )
    return TestOutcome(status=status, result=result, message=message, duration_ms=duration)
