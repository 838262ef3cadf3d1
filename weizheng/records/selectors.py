"""Reads of the record-query configuration: which types an account offers and the connector
that answers each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from . import links, registry
from .connectors.demo import demo_connector
from .connectors.http import HttpConnector
from .connectors.transport import DEFAULT_MAX_BYTES, Endpoint
from .models import HttpConnectorConfig, Mode, QuerySetting
from .registry import QueryType


@dataclass(frozen=True, slots=True)
class TypeSetting:
    """One row of the back office's overview."""

    query_type: QueryType
    mode: str
    http: HttpConnectorConfig | None
    setting: QuerySetting | None


def settings_overview(*, account: Any) -> list[TypeSetting]:
    """Every registered query type with the account's choice (off when none was made)."""
    chosen = {s.query_type: s for s in QuerySetting.objects.filter(account=account)}
    http = {c.query_type: c for c in HttpConnectorConfig.objects.filter(account=account)}
    return [
        TypeSetting(
            query_type=qt,
            mode=chosen[qt.code].mode if qt.code in chosen else Mode.OFF,
            http=http.get(qt.code),
            setting=chosen.get(qt.code),
        )
        for qt in registry.all_types()
    ]


def enabled_types(*, account: Any) -> list[QueryType]:
    """The query types the account offers its citizens, in registry order."""
    return [row.query_type for row in settings_overview(account=account) if _is_live(row)]


def _is_live(row: TypeSetting) -> bool:
    if row.mode == Mode.DEMO:
        return demo_connector(row.query_type) is not None
    return row.mode == Mode.HTTP and row.http is not None


def http_config(*, account: Any, query_type: str) -> HttpConnectorConfig | None:
    return HttpConnectorConfig.objects.filter(account=account, query_type=query_type).first()


def http_connector(config: HttpConnectorConfig, query_type: QueryType) -> HttpConnector:
    """The connector object of a saved configuration."""
    return HttpConnector(
        query_type=query_type,
        url_template=config.url_template,
        endpoint=Endpoint(
            method=config.method,
            auth=config.auth_kind,
            username=config.auth_username,
            secret=config.auth_secret or "",
            signature_header=config.signature_header,
            timeout_seconds=config.timeout_seconds,
            max_bytes=int(getattr(settings, "RECORDS_MAX_ANSWER_BYTES", DEFAULT_MAX_BYTES)),
        ),
        mapping=config.mapping,
        body_template=config.body_template or {},
    )


@dataclass(frozen=True, slots=True)
class ActiveConnector:
    connector: Any
    # Changes whenever the configuration does: part of the result cache key, so a result fetched
    # through yesterday's connector is not served after a change.
    version: str


def connector_for(*, account: Any, query_type: QueryType) -> ActiveConnector | None:
    """The connector answering this type for the account, or None when it is off."""
    setting = QuerySetting.objects.filter(account=account, query_type=query_type.code).first()
    if setting is None or setting.mode == Mode.OFF:
        return None
    if setting.mode == Mode.DEMO:
        connector = demo_connector(query_type)
        return (
            ActiveConnector(connector, f"demo:{setting.updated_at.timestamp()}")
            if connector
            else None
        )
    config = http_config(account=account, query_type=query_type.code)
    if config is None:
        return None
    return ActiveConnector(
        http_connector(config, query_type),
        f"http:{setting.updated_at.timestamp()}:{config.updated_at.timestamp()}",
    )


def remembered_params(*, token: str, account: Any, openid: str, code: str) -> dict[str, str] | None:
    """The parameters a WeChat reply's link stands for (actions.do_remember_params), or None when
    the token is unknown, expired, or another citizen's, account's or query's."""
    if not token or len(token) > 64:
        return None
    saved = cache.get(links.link_cache_key(token))
    if not isinstance(saved, dict):
        return None
    if (saved.get("account_id"), saved.get("openid"), saved.get("code")) != (
        account.pk,
        openid,
        code,
    ):
        return None
    return dict(saved.get("params") or {})


def suggested_params(*, account: Any, query_type: QueryType, subject: Any) -> dict[str, list[str]]:
    """Values to offer as quick picks on the query page (the demo connector's plates of the
    citizen); empty for connectors that have none."""
    active = connector_for(account=account, query_type=query_type)
    suggest = getattr(active.connector, "suggested_params", None) if active else None
    return suggest(subject) if suggest else {}
