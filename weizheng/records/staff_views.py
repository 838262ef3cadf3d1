"""Back-office pages of 综合查询: which connector answers each query type, and the generic HTTP
connector's configuration with its "test connection" button. Permission records.configure."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.staff.decorators import account_page

from . import actions, registry, selectors
from .connectors.base import Subject
from .connectors.http import allowed_placeholders
from .connectors.mapping import render_mapping
from .forms import HttpConnectorForm, ModeForm, TestSubjectForm
from .presentation import record_cards, summary_rows
from .registry import QueryType

PERMISSION = "records.configure"


def _query_type(code: str) -> QueryType:
    query_type = registry.get(code)
    if query_type is None:
        raise Http404("No such query type.")
    return query_type


@account_page(PERMISSION)
def index(request: HttpRequest, account: Any) -> HttpResponse:
    return render(
        request,
        "records/staff/index.html",
        {
            "account": account,
            "rows": selectors.settings_overview(account=account),
            "modes": ModeForm.base_fields["mode"].choices,
        },
    )


@require_POST
@account_page(PERMISSION)
def set_mode(request: HttpRequest, account: Any, code: str) -> HttpResponse:
    query_type = _query_type(code)
    form = ModeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose off, the demo connector or the HTTP connector."))
        return redirect("office-records:index", account_id=account.pk)
    try:
        actions.do_set_mode(
            account=account,
            code=code,
            mode=form.cleaned_data["mode"],
            actor=request.user,
            ip_address=client_ip(request),
        )
    except AppError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("“%(type)s” is saved.") % {"type": query_type.label})
    return redirect("office-records:index", account_id=account.pk)


def example_mapping(query_type: QueryType) -> dict[str, Any]:
    """A starting point: each field at a path of the same name."""
    mapping: dict[str, Any] = {}
    if query_type.schema.record:
        mapping["records"] = "data.records"
        mapping["fields"] = {f.name: f.name for f in query_type.schema.record}
    if query_type.summary_is_mapped:
        mapping["summary"] = {f.name: f"data.{f.name}" for f in query_type.schema.summary}
    return mapping


def _test_form(query_type: QueryType, data: Any = None) -> TestSubjectForm:
    form = TestSubjectForm(data, prefix="test")
    for param in query_type.params:
        form.fields[param.name] = forms.CharField(
            label=param.label, initial=query_type.sample_params.get(param.name, ""), max_length=64
        )
    return form


def _render_http(
    request: HttpRequest,
    account: Any,
    query_type: QueryType,
    form: HttpConnectorForm,
    config: Any,
    *,
    test_form: TestSubjectForm | None = None,
    test: Any = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "records/staff/http.html",
        {
            "account": account,
            "query_type": query_type,
            "form": form,
            "config": config,
            "has_secret": bool(config and config.auth_secret),
            "placeholders": ["{" + name + "}" for name in allowed_placeholders(query_type)],
            "schema": query_type.schema,
            "summary_is_mapped": query_type.summary_is_mapped,
            "test_form": test_form or _test_form(query_type),
            "test": test,
            "test_summary": summary_rows(query_type, test.result) if test and test.result else [],
            "test_cards": record_cards(query_type, test.result) if test and test.result else [],
        },
        status=status,
    )


def _initial(query_type: QueryType, config: Any) -> dict[str, Any]:
    if config is None:
        return {
            "method": "GET",
            "auth_kind": "none",
            "signature_header": "X-Weizheng-Signature",
            "timeout_seconds": 5.0,
            "mapping": example_mapping(query_type),
        }
    return {
        "url_template": config.url_template,
        "method": config.method,
        "body_template": config.body_template,
        "auth_kind": config.auth_kind,
        "auth_username": config.auth_username,
        "signature_header": config.signature_header,
        "timeout_seconds": config.timeout_seconds,
        "mapping": render_mapping(config.mapping),
    }


@account_page(PERMISSION)
def http_edit(request: HttpRequest, account: Any, code: str) -> HttpResponse:
    """The generic HTTP connector of one query type: URL, method, auth, timeout, mapping."""
    query_type = _query_type(code)
    config = selectors.http_config(account=account, query_type=code)
    if request.method != "POST":
        form = HttpConnectorForm(initial=_initial(query_type, config))
        return _render_http(request, account, query_type, form, config)
    form = HttpConnectorForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.check_save_http_connector(
                account=account,
                code=code,
                data=actions.HttpConnectorInput(
                    url_template=data["url_template"],
                    method=data["method"],
                    auth_kind=data["auth_kind"],
                    auth_username=data["auth_username"],
                    secret=data["secret"] or None,
                    signature_header=data["signature_header"],
                    timeout_seconds=data["timeout_seconds"],
                    mapping=data["mapping"],
                    body_template=data["body_template"],
                ),
                actor=request.user,
                ip_address=client_ip(request),
            )
        except AppError as refused:
            form.add_error(None, refused.message)
            for name, message in refused.extra.get("fields", {}).items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("The HTTP connector is saved."))
            return redirect("office-records:http", account_id=account.pk, code=code)
    return _render_http(request, account, query_type, form, config, status=400)


@require_POST
@account_page(PERMISSION)
def http_test(request: HttpRequest, account: Any, code: str) -> HttpResponse:
    """Test connection: the saved connector, once, against a sample subject."""
    query_type = _query_type(code)
    config = selectors.http_config(account=account, query_type=code)
    form = HttpConnectorForm(initial=_initial(query_type, config))
    test_form = _test_form(query_type, request.POST)
    if config is None:
        messages.error(request, _("Save the connector before testing it."))
        return redirect("office-records:http", account_id=account.pk, code=code)
    if not test_form.is_valid():
        return _render_http(
            request, account, query_type, form, config, test_form=test_form, status=400
        )
    data = test_form.cleaned_data
    try:
        test = actions.do_test_connector(
            account=account,
            code=code,
            subject=Subject(name=data["name"], id_number=data["id_number"], phone=data["phone"]),
            raw_params={p.name: data[p.name] for p in query_type.params},
            actor=request.user,
            ip_address=client_ip(request),
        )
    except AppError as refused:
        for name, message in refused.extra.get("fields", {}).items():
            test_form.add_error(name if name in test_form.fields else None, message)
        if not refused.extra.get("fields"):
            test_form.add_error(None, refused.message)
        return _render_http(
            request, account, query_type, form, config, test_form=test_form, status=400
        )
    config.refresh_from_db()
    return _render_http(request, account, query_type, form, config, test_form=test_form, test=test)
