"""Back-office pages of automatic replies: subscribe greetings (default and per QR scene), keyword
rules, the default reply, and the "test this rule" box. Each view parses its input and calls one
action; the actions validate as WeChat would and audit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weizheng.core.errors import AppError
from weizheng.staff.decorators import account_page
from weizheng.staff.selectors import can
from weizheng.wechat.models import OfficialAccount

from .actions import (
    TEXT_REPLY_MAX_BYTES,
    do_delete_button_reply,
    do_delete_greeting,
    do_delete_keyword_rule,
    do_save_button_reply,
    do_save_default_reply,
    do_save_greeting,
    do_save_keyword_rule,
)
from .forms import (
    TYPE_FIELDS,
    ButtonReplyForm,
    DefaultReplyForm,
    GreetingForm,
    KeywordRuleForm,
    ReplyContentForm,
    ReplyTestForm,
)
from .models import MatchMode
from .selectors import (
    access_button_reply,
    access_greeting,
    access_rule,
    button_replies_of,
    default_reply_of,
    greeting_exists,
    greetings_of,
    reply_preview,
    reply_summary,
    rules_of,
    try_follow,
    try_message,
)


def _index_url(account: OfficialAccount) -> str:
    return reverse("office-replies:index", kwargs={"account_id": account.pk})


def _editor(
    request: HttpRequest,
    account: OfficialAccount,
    form: ReplyContentForm,
    *,
    title: str,
    kind: str,
    **extra: Any,
) -> HttpResponse:
    return render(
        request,
        "replies/editor.html",
        {
            "account": account,
            "form": form,
            "title": title,
            "kind": kind,
            "reply_config": {
                "typeFields": {key: list(fields) for key, fields in TYPE_FIELDS.items()},
                "maxArticles": form.max_articles,
                "textLimit": TEXT_REPLY_MAX_BYTES,
                "bytes": _("bytes"),
                "noPattern": [MatchMode.ANY],
            },
            **extra,
        },
    )


@account_page("account.view")
def index(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """The account's greetings, keyword rules and default reply, and the test box."""
    test_form = ReplyTestForm(request.GET if "text" in request.GET else None)
    result = None
    if test_form.is_bound and test_form.is_valid():
        result = try_message(
            account=account, text=test_form.cleaned_data["text"], at=test_form.moment()
        )
    scene = request.GET.get("scene")
    follow = None
    if scene is not None:
        reply, is_scene_greeting = try_follow(account=account, scene=scene[:64])
        follow = {
            "scene": scene[:64],
            "preview": reply_preview(reply),
            "is_scene_greeting": is_scene_greeting,
        }
    rules = rules_of(account=account)
    greetings = greetings_of(account=account)
    default = default_reply_of(account=account)
    buttons = button_replies_of(account=account)
    answered = {b.key for b in buttons}
    from weizheng.menus.selectors import click_keys

    unanswered = [(key, name) for key, name in click_keys(account=account) if key not in answered]
    return render(
        request,
        "replies/index.html",
        {
            "account": account,
            "can_edit": can(request.user, "replies.edit", account),
            "rules": [(rule, reply_summary(rule)) for rule in rules],
            "greetings": [(greeting, reply_summary(greeting)) for greeting in greetings],
            "default": default,
            "default_summary": reply_summary(default) if default else "",
            "buttons": [(button, reply_summary(button)) for button in buttons],
            "unanswered_keys": unanswered,
            "test_form": test_form,
            "result": result,
            "result_preview": reply_preview(result.reply) if result else None,
            "follow": follow,
        },
    )


# --- keyword rules -----------------------------------------------------------------------------
def _save_rule(
    request: HttpRequest, account: OfficialAccount, form: KeywordRuleForm, rule: Any
) -> bool:
    if not form.is_valid():
        return False
    try:
        saved = do_save_keyword_rule(
            account=account, data=form.data_for_action(), actor=request.user, rule=rule
        )
    except AppError as error:
        form.add_refusal(error)
        return False
    messages.success(request, _("The keyword rule “%(name)s” is saved.") % {"name": saved.name})
    return True


@account_page("replies.edit")
def rule_new(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    if request.method == "POST":
        form = KeywordRuleForm(request.POST)
        if _save_rule(request, account, form, None):
            return redirect(_index_url(account))
    else:
        form = KeywordRuleForm()
    return _editor(request, account, form, title=_("New keyword rule"), kind="rule")


@account_page("replies.edit")
def rule_edit(request: HttpRequest, account: OfficialAccount, rule_id: int) -> HttpResponse:
    rule = access_rule(account=account, rule_id=rule_id)
    if request.method == "POST":
        form = KeywordRuleForm(request.POST)
        if _save_rule(request, account, form, rule):
            return redirect(_index_url(account))
    else:
        initial = KeywordRuleForm.initial_from(rule)
        initial.update(
            {
                field: getattr(rule, field)
                for field in (
                    "name",
                    "match",
                    "pattern",
                    "priority",
                    "active_from",
                    "active_until",
                    "is_active",
                )
            }
        )
        form = KeywordRuleForm(initial=initial)
    return _editor(
        request,
        account,
        form,
        title=_("Keyword rule “%(name)s”") % {"name": rule.name},
        kind="rule",
        rule=rule,
        test_form=ReplyTestForm(),
    )


@require_POST
@account_page("replies.edit")
def rule_toggle(request: HttpRequest, account: OfficialAccount, rule_id: int) -> HttpResponse:
    """Switch a rule on or off (kept, not deleted: an out-of-hours reply is seasonal)."""
    rule = access_rule(account=account, rule_id=rule_id)
    try:
        do_save_keyword_rule(
            account=account, data={"is_active": not rule.is_active}, actor=request.user, rule=rule
        )
    except AppError as error:
        messages.error(request, error.message)
    else:
        if rule.is_active:
            messages.success(request, _("The rule “%(name)s” is on.") % {"name": rule.name})
        else:
            messages.success(request, _("The rule “%(name)s” is off.") % {"name": rule.name})
    return redirect(_index_url(account))


@require_POST
@account_page("replies.edit")
def rule_delete(request: HttpRequest, account: OfficialAccount, rule_id: int) -> HttpResponse:
    rule = access_rule(account=account, rule_id=rule_id)
    do_delete_keyword_rule(rule=rule, actor=request.user)
    messages.success(request, _("The rule “%(name)s” is deleted.") % {"name": rule.name})
    return redirect(_index_url(account))


# --- greetings ---------------------------------------------------------------------------------
@account_page("replies.edit")
def greeting_new(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    if request.method == "POST":
        form = GreetingForm(request.POST)
        if form.is_valid():
            scene = form.cleaned_data["scene"].strip()
            if greeting_exists(account=account, scene=scene):
                form.add_error(
                    "scene",
                    _("This scene has a greeting already: edit that one.")
                    if scene
                    else _("The account has a default greeting already: edit that one."),
                )
            else:
                try:
                    do_save_greeting(
                        account=account,
                        scene=scene,
                        data={"is_active": form.cleaned_data["is_active"], **form.content()},
                        actor=request.user,
                    )
                except AppError as error:
                    form.add_refusal(error)
                else:
                    messages.success(request, _("The greeting is saved."))
                    return redirect(_index_url(account))
    else:
        form = GreetingForm(initial={"scene": request.GET.get("scene", "")[:64]})
    return _editor(request, account, form, title=_("New subscribe greeting"), kind="greeting")


@account_page("replies.edit")
def greeting_edit(request: HttpRequest, account: OfficialAccount, greeting_id: int) -> HttpResponse:
    greeting = access_greeting(account=account, greeting_id=greeting_id)
    initial = {
        **GreetingForm.initial_from(greeting),
        "scene": greeting.scene,
        "is_active": greeting.is_active,
    }
    if request.method == "POST":
        form = GreetingForm(request.POST, initial=initial, scene_is_fixed=True)
        if form.is_valid():
            try:
                do_save_greeting(
                    account=account,
                    scene=greeting.scene,
                    data={"is_active": form.cleaned_data["is_active"], **form.content()},
                    actor=request.user,
                )
            except AppError as error:
                form.add_refusal(error)
            else:
                messages.success(request, _("The greeting is saved."))
                return redirect(_index_url(account))
    else:
        form = GreetingForm(initial=initial, scene_is_fixed=True)
    title = (
        _("Greeting for the QR scene “%(scene)s”") % {"scene": greeting.scene}
        if greeting.scene
        else _("Default greeting")
    )
    return _editor(request, account, form, title=title, kind="greeting", greeting=greeting)


@require_POST
@account_page("replies.edit")
def greeting_delete(
    request: HttpRequest, account: OfficialAccount, greeting_id: int
) -> HttpResponse:
    greeting = access_greeting(account=account, greeting_id=greeting_id)
    do_delete_greeting(greeting=greeting, actor=request.user)
    messages.success(request, _("The greeting is deleted."))
    return redirect(_index_url(account))


# --- the default reply -------------------------------------------------------------------------
@account_page("replies.edit")
def default_reply(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    current = default_reply_of(account=account)
    if request.method == "POST":
        form = DefaultReplyForm(request.POST)
        if form.is_valid():
            try:
                do_save_default_reply(
                    account=account,
                    data={"is_active": form.cleaned_data["is_active"], **form.content()},
                    actor=request.user,
                )
            except AppError as error:
                form.add_refusal(error)
            else:
                messages.success(request, _("The default reply is saved."))
                return redirect(_index_url(account))
    else:
        initial = (
            {**DefaultReplyForm.initial_from(current), "is_active": current.is_active}
            if current
            else None
        )
        form = DefaultReplyForm(initial=initial)
    return _editor(request, account, form, title=_("Default reply"), kind="default")


# --- menu button replies -----------------------------------------------------------------------
def _save_button(
    request: HttpRequest, account: OfficialAccount, form: ButtonReplyForm, key: str
) -> bool:
    try:
        do_save_button_reply(
            account=account,
            key=key,
            data={"is_active": form.cleaned_data["is_active"], **form.content()},
            actor=request.user,
        )
    except AppError as error:
        form.add_refusal(error)
        return False
    messages.success(request, _("The reply to the button “%(key)s” is saved.") % {"key": key})
    return True


@account_page("replies.edit")
def button_new(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    from .models import ButtonReply

    if request.method == "POST":
        form = ButtonReplyForm(request.POST)
        if form.is_valid():
            key = form.cleaned_data["key"].strip()
            if ButtonReply.objects.filter(account=account, key=key).exists():
                form.add_error("key", _("This key has a reply already: edit that one."))
            elif _save_button(request, account, form, key):
                return redirect(_index_url(account))
    else:
        form = ButtonReplyForm(initial={"key": request.GET.get("key", "")[:128]})
    return _editor(request, account, form, title=_("New menu button reply"), kind="button")


@account_page("replies.edit")
def button_edit(request: HttpRequest, account: OfficialAccount, reply_id: int) -> HttpResponse:
    button = access_button_reply(account=account, reply_id=reply_id)
    initial = {
        **ButtonReplyForm.initial_from(button),
        "key": button.key,
        "is_active": button.is_active,
    }
    if request.method == "POST":
        form = ButtonReplyForm(request.POST, initial=initial, key_is_fixed=True)
        if form.is_valid() and _save_button(request, account, form, button.key):
            return redirect(_index_url(account))
    else:
        form = ButtonReplyForm(initial=initial, key_is_fixed=True)
    title = _("Reply to the menu button “%(key)s”") % {"key": button.key}
    return _editor(request, account, form, title=title, kind="button")


@require_POST
@account_page("replies.edit")
def button_delete(request: HttpRequest, account: OfficialAccount, reply_id: int) -> HttpResponse:
    button = access_button_reply(account=account, reply_id=reply_id)
    do_delete_button_reply(reply=button, actor=request.user)
    messages.success(request, _("The button reply is deleted."))
    return redirect(_index_url(account))
