"""Back-office pages of the followers app. Follower records are personal data: every page that
shows them writes an audit row."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.core.models import AuditLog
from weizheng.notifications.selectors import history_for as notification_history
from weizheng.staff.decorators import account_page
from weizheng.staff.selectors import can

from . import actions, selectors
from .models import Follower, FollowerTag

STATES = [
    ("", gettext_lazy("All")),
    ("following", gettext_lazy("Following")),
    ("left", gettext_lazy("Unfollowed")),
    ("blacklisted", gettext_lazy("Blacklisted")),
]


class FollowerFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("OpenID or remark"), required=False, max_length=64)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False, choices=STATES)
    tag = forms.TypedChoiceField(
        label=gettext_lazy("Tag"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, account: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", _("Any tag"))] + [
            (t.pk, t.name) for t in FollowerTag.objects.filter(account=account).order_by("name")
        ]


class BlacklistForm(forms.Form):
    is_blacklisted = forms.BooleanField(required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=200)


def _posted_tag(request: HttpRequest, account: Any) -> FollowerTag | None:
    """The account's tag named by the form's `tag` field; None for a missing, foreign or
    malformed id (a form error, not a server error)."""
    value = request.POST.get("tag", "")
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        return None
    return FollowerTag.objects.filter(account=account, pk=int(value)).first()


def _blacklisting(follower: Follower) -> AuditLog | None:
    """The audit row that blacklisted the follower, for its reason, author and time (Follower
    keeps no reason of its own); None when they are not blacklisted."""
    if not follower.is_blacklisted:
        return None
    return (
        AuditLog.objects.filter(
            account=follower.account,
            action="followers.blacklist",
            target_type=follower._meta.label_lower,
            target_id=str(follower.pk),
        )
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )


@account_page("followers.view")
def follower_list(request: HttpRequest, account: Any) -> HttpResponse:
    form = FollowerFilterForm(request.GET or None, account=account)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"query": data["q"], "state": data["state"], "tag_id": data["tag"]}
    followers = selectors.followers_for_staff(account=account, **filters)
    page = Paginator(followers, 50).get_page(request.GET.get("page"))
    do_audit(
        action="followers.list",
        actor=request.user,
        account=account,
        detail={k: v for k, v in filters.items() if v} | {"page": page.number},
        ip_address=client_ip(request),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "followers/staff/list.html",
        {
            "account": account,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "counts": selectors.follower_counts(account=account),
        },
    )


@account_page("followers.view")
def follower_detail(request: HttpRequest, account: Any, follower_id: int) -> HttpResponse:
    follower = selectors.access_follower(account=account, follower_id=follower_id)
    do_audit(
        action="followers.view",
        actor=request.user,
        account=account,
        target=follower,
        detail={"openid": follower.openid},
        ip_address=client_ip(request),
    )
    timeline = [
        {"message": m, "summary": selectors.timeline_summary(m)}
        for m in selectors.follower_timeline(account=account, openid=follower.openid)
    ]
    last_window = selectors.last_window_interaction(account=account, openid=follower.openid)
    window_closes = last_window + selectors.SERVICE_WINDOW if last_window else None
    return render(
        request,
        "followers/staff/detail.html",
        {
            "account": account,
            "follower": follower,
            "timeline": timeline,
            "locations": follower.locations.order_by("-recorded_at")[:20],
            "window_open": selectors.is_service_window_open(
                account=account, openid=follower.openid
            ),
            "window_closes": window_closes,
            "may_manage": can(request.user, "followers.manage", account),
            "blacklisting": _blacklisting(follower),
            "notifications": notification_history(account=account, openid=follower.openid),
            "other_tags": FollowerTag.objects.filter(account=account)
            .exclude(pk__in=follower.tags.values("pk"))
            .order_by("name"),
        },
    )


@require_POST
@account_page("followers.view")
def follower_blacklist(request: HttpRequest, account: Any, follower_id: int) -> HttpResponse:
    if not can(request.user, "followers.manage", account):
        raise PermissionDenied(_("Your roles do not allow managing followers of this account."))
    follower = selectors.access_follower(account=account, follower_id=follower_id)
    form = BlacklistForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The blacklist change was not understood."))
    else:
        actions.do_set_blacklisted(
            follower=follower,
            is_blacklisted=form.cleaned_data["is_blacklisted"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("Blacklisted: their messages are logged and not answered.")
            if follower.is_blacklisted
            else _("Removed from the blacklist."),
        )
    return redirect("office-followers:detail", account_id=account.pk, follower_id=follower.pk)


def _require_manage(request: HttpRequest, account: Any) -> None:
    if not can(request.user, "followers.manage", account):
        raise PermissionDenied(_("Your roles do not allow managing followers of this account."))


@require_POST
@account_page("followers.view")
def follower_tag(request: HttpRequest, account: Any, follower_id: int) -> HttpResponse:
    """Add or remove one tag on one follower (on WeChat first)."""
    _require_manage(request, account)
    follower = selectors.access_follower(account=account, follower_id=follower_id)
    tag = _posted_tag(request, account)
    if tag is None:
        messages.error(request, _("Choose one of the account's tags."))
    else:
        remove = request.POST.get("remove") == "1"
        try:
            actions.do_tag_followers(
                tag=tag, followers=[follower], actor=request.user, remove=remove
            )
        except AppError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                (_("Tag “%(name)s” removed.") if remove else _("Tagged “%(name)s”."))
                % {"name": tag.name},
            )
    return redirect("office-followers:detail", account_id=account.pk, follower_id=follower.pk)


class TagForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Tag name"), max_length=30)


@account_page("followers.view")
def tag_list(request: HttpRequest, account: Any) -> HttpResponse:
    """The account's tags, kept in step with WeChat: create, rename, delete, pull."""
    may_manage = can(request.user, "followers.manage", account)
    form = TagForm(request.POST or None)
    if request.method == "POST":
        _require_manage(request, account)
        op = request.POST.get("op", "create")
        try:
            if op == "pull":
                count = actions.do_pull_tags(account=account, actor=request.user)
                messages.success(request, _("%(count)d tags read from WeChat.") % {"count": count})
                return redirect("office-followers:tags", account_id=account.pk)
            if op in ("rename", "delete"):
                tag = _posted_tag(request, account)
                if tag is None:
                    raise AppError("unknown_tag", _("Choose one of the account's tags."))
                if op == "delete":
                    actions.do_delete_tag(tag=tag, actor=request.user)
                    messages.success(request, _("Tag deleted on WeChat and here."))
                else:
                    actions.do_rename_tag(
                        tag=tag, name=request.POST.get("name", ""), actor=request.user
                    )
                    messages.success(request, _("Tag renamed."))
                return redirect("office-followers:tags", account_id=account.pk)
            if form.is_valid():
                actions.do_create_tag(
                    account=account, name=form.cleaned_data["name"], actor=request.user
                )
                messages.success(request, _("Tag created on WeChat."))
                return redirect("office-followers:tags", account_id=account.pk)
        except AppError as exc:
            form.add_error(None, exc.message)
    tags = (
        FollowerTag.objects.filter(account=account).annotate(n=Count("followers")).order_by("name")
    )
    return render(
        request,
        "followers/staff/tags.html",
        {"account": account, "tags": tags, "form": form, "may_manage": may_manage},
    )
