"""Citizen H5 pages of the eservices app, under /h5/<account_slug>/services/.

Service guides: the list by category with a search box, and a guide laid out like a 政务服务 guide
(materials table, time limits, fee in yuan, place and hours, FAQ) — public information, no WeChat
sign-in forced. Online applications (网办): the form from a guide's "apply online", drafts, the
receipt, "my applications", an application's page (timeline, the department's note, correction,
好差评), progress by receipt number and the citizen's own files — signed in through WeChat and
bound (`application_page`). Large-text mode (?large=1 / 0, the `wz_large` cookie shared with the
other H5 pages)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.identity.decorators import binding_required
from weizheng.wechat.models import OfficialAccount
from weizheng.wechat.oauth import citizen_openid, citizen_page

from . import actions
from .guide_actions import actions_for
from .models import (
    ApplicationRating,
    ApplicationStatus,
    DateLimit,
    FileType,
    HandlingMode,
    Language,
    Prefill,
    RatingScore,
)
from .selectors import (
    answer_rows,
    application_file,
    application_for_citizen,
    citizen_application,
    citizen_applications,
    draft_for,
    online_guide,
    promised_by,
    public_categories,
    public_guides,
    reading_for,
    search_guides,
)

LARGE_FONT_COOKIE = "wz_large"
YEAR_SECONDS = 365 * 24 * 3600
SEARCH_LIMIT = 30

View = Callable[..., HttpResponse]


def _language(request: HttpRequest, account: OfficialAccount) -> str:
    """?lang= first, then the follower's WeChat language when the session knows them, then the
    account's default."""
    requested = request.GET.get("lang", "")
    if requested in Language.values:
        return requested
    openid = citizen_openid(request, account)
    if openid:
        from weizheng.followers.models import Follower

        spoken = (
            Follower.objects.filter(account=account, openid=openid)
            .values_list("language", flat=True)
            .first()
        )
        if spoken:
            return Language.EN if spoken.lower().startswith("en") else Language.ZH_HANS
    return account.default_language if account.default_language in Language.values else "zh-hans"


def _as_reader(request: HttpRequest, view: View, *args: Any, **kwargs: Any) -> HttpResponse:
    """Set request.reader_language and request.large_font, render in the reader's language and
    keep a large-text switch in its cookie (request.account is set)."""
    request.reader_language = _language(request, request.account)  # type: ignore[attr-defined]
    asked = request.GET.get("large")
    request.large_font = (  # type: ignore[attr-defined]
        asked == "1" if asked in ("0", "1") else request.COOKIES.get(LARGE_FONT_COOKIE) == "1"
    )
    with translation.override(request.reader_language):  # type: ignore[attr-defined]
        response = view(request, *args, **kwargs)
    if asked in ("0", "1"):
        response.set_cookie(
            LARGE_FONT_COOKIE, asked, max_age=YEAR_SECONDS, samesite="Lax", httponly=True
        )
    return response


def guide_page(view: View) -> View:
    """404 for an unknown account; sets request.account, request.reader_language and
    request.large_font, and renders in the reader's language."""

    @wraps(view)
    def wrapped(request: HttpRequest, account_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        account = OfficialAccount.objects.filter(slug=account_slug, is_active=True).first()
        if account is None:
            raise Http404("No such official account.")
        request.account = account  # type: ignore[attr-defined]
        return _as_reader(request, view, *args, **kwargs)

    return wrapped


def application_page(view: View) -> View:
    """A page of online applications: the citizen signed in through WeChat (`citizen_page`),
    with an active real-name binding (`binding_required`: otherwise to the binding page and
    back), in the reader's language."""

    @wraps(view)
    def as_reader(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _as_reader(request, view, *args, **kwargs)

    return citizen_page(binding_required(as_reader))


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "account": request.account,  # type: ignore[attr-defined]
        "large_font": request.large_font,  # type: ignore[attr-defined]
        "reader_language": request.reader_language,  # type: ignore[attr-defined]
        **extra,
    }


def home(request: HttpRequest, account_slug: str) -> HttpResponse:
    """/h5/<slug>/services/: the guides for now (online applications will join them)."""
    return redirect(reverse("eservices:guides", kwargs={"account_slug": account_slug}))


@guide_page
def guide_list(request: HttpRequest) -> HttpResponse:
    """Guides by category (?category=), or the guides matching ?q= through the search index."""
    account = request.account  # type: ignore[attr-defined]
    language = request.reader_language  # type: ignore[attr-defined]
    query = request.GET.get("q")
    category = request.GET.get("category", "")[:50]
    context = _context(
        request,
        categories=public_categories(account=account, language=language),
        category=category,
        query=query or "",
        searched=query is not None and query.strip() != "",
        error="",
        hits=[],
        total=0,
        guides=[],
    )
    if context["searched"]:
        try:
            results = search_guides(account=account, query=query or "", limit=SEARCH_LIMIT)
        except AppError as refused:
            context["error"] = refused.message
        else:
            context.update(hits=results.hits, total=results.total, terms=results.terms)
    else:
        context["guides"] = public_guides(account=account, language=language, category=category)
    return render(request, "eservices/h5/guides.html", context)


@guide_page
def guide_detail(request: HttpRequest, guide_id: int) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    reading = reading_for(
        account=account,
        guide_id=guide_id,
        language=request.reader_language,  # type: ignore[attr-defined]
    )
    guide = reading.guide
    return render(
        request,
        "eservices/h5/guide.html",
        _context(
            request,
            guide=guide,
            reading=reading,
            materials=list(guide.materials.all()),
            questions=list(guide.questions.all()),
            list_url=reverse("eservices:guides", kwargs={"account_slug": account.slug}),
            apply_url=(
                reverse(
                    "eservices:apply", kwargs={"account_slug": account.slug, "guide_id": guide.pk}
                )
                if guide.accepts_online
                and guide.mode != HandlingMode.OFFLINE
                and guide.form_fields.exists()
                else ""
            ),
            mine_url=reverse("eservices:applications", kwargs={"account_slug": account.slug}),
            # 预约 and the like, from the apps that serve this guide (see guide_actions).
            other_actions=actions_for(guide=guide),
        ),
    )


# --- online applications (网办) ---------------------------------------------------------------
ANSWER_PREFIX = "a-"
FILE_PREFIX = "f-"


def _slug(request: HttpRequest) -> str:
    return request.account.slug  # type: ignore[attr-defined]


def _application_url(request: HttpRequest, name: str, application: Any) -> str:
    return reverse(
        f"eservices:{name}",
        kwargs={"account_slug": _slug(request), "application_id": application.pk},
    )


def _form_rows(
    request: HttpRequest, guide: Any, application: Any, values: dict[str, str]
) -> list[dict[str, Any]]:
    """What the form template shows for each field: the value to put back, the masked value of
    a field filled from the binding, the file already attached."""
    from weizheng.core.masking import mask_id_number, mask_name, mask_phone

    from .uploads import allowed_types, human_size, limit_kb

    binding = request.binding  # type: ignore[attr-defined]
    masked = {
        Prefill.NAME: mask_name(binding.name),
        Prefill.ID_NUMBER: mask_id_number(binding.id_number),
        Prefill.PHONE: mask_phone(binding.phone),
    }
    files = {f.field_key: f for f in application.files.all()} if application else {}
    fields = list(guide.form_fields.all())
    labels = {f.key: f.label for f in fields}
    today = timezone.localdate().isoformat()
    rows = []
    for field in fields:
        row: dict[str, Any] = {
            "field": field,
            "name": (FILE_PREFIX if field.is_file else ANSWER_PREFIX) + field.key,
            "value": values.get(field.key, ""),
            "prefilled": masked.get(field.prefill, "") if field.prefill else "",
            "file": files.get(field.key),
            "max": today if field.date_limit == DateLimit.NOT_AFTER_TODAY else "",
            "min": today if field.date_limit == DateLimit.NOT_BEFORE_TODAY else "",
            "condition": _("Required when “%(other)s” is “%(value)s”.")
            % {"other": labels[field.required_when_field], "value": field.required_when_value}
            if field.required_when_field in labels
            else "",
        }
        if field.is_file:
            types = allowed_types(field)
            row["accept"] = ",".join(
                {
                    "pdf": ".pdf,application/pdf",
                    "jpeg": ".jpg,.jpeg,image/jpeg",
                    "png": ".png,image/png",
                }[t]
                for t in types
            )
            row["limits"] = _("%(types)s, at most %(size)s") % {
                "types": " / ".join(FileType(t).label for t in types),
                "size": human_size(limit_kb(field) * 1024),
            }
        rows.append(row)
    return rows


def _render_form(
    request: HttpRequest,
    *,
    guide: Any,
    application: Any,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    summary: str = "",
    status: int = 200,
) -> HttpResponse:
    account = request.account  # type: ignore[attr-defined]
    return render(
        request,
        "eservices/h5/apply.html",
        _context(
            request,
            guide=guide,
            application=application,
            rows=_form_rows(request, guide, application, values),
            errors=errors or {},
            summary=summary,
            had_files=bool(request.FILES),
            guide_url=reverse(
                "eservices:guide", kwargs={"account_slug": account.slug, "guide_id": guide.pk}
            ),
        ),
        status=status,
    )


def _posted(request: HttpRequest, guide: Any) -> tuple[dict[str, str], dict[str, Any]]:
    answers = {}
    files = {}
    for field in guide.form_fields.all():
        if field.is_file:
            upload = request.FILES.get(FILE_PREFIX + field.key)
            if upload is not None:
                files[field.key] = upload
        elif not field.prefill:
            answers[field.key] = request.POST.get(ANSWER_PREFIX + field.key, "")[:2000]
    return answers, files


def _save_posted(request: HttpRequest, guide: Any, application: Any) -> HttpResponse:
    """Save (action=save) or submit (action=submit) the posted form; on refusal the form again
    with the reason on its field and the refusal's status."""
    account = request.account  # type: ignore[attr-defined]
    answers, files = _posted(request, guide)
    submit = request.POST.get("action") == "submit"
    try:
        saved = actions.check_save_application(
            account=account,
            guide=guide,
            openid=request.citizen_openid,  # type: ignore[attr-defined]
            answers=answers,
            files=files,
            application=application,
            submit=submit,
        )
    except AppError as refused:
        field = str(refused.extra.get("field") or "")
        return _render_form(
            request,
            guide=guide,
            application=application,
            values=answers,
            errors=refused.extra.get("errors") or {field or "__all__": refused.message},
            summary=refused.message,
            status=refused.status,
        )
    if submit:
        return redirect(_application_url(request, "receipt", saved))
    messages.success(request, _("Your draft is saved. You can come back to it at any time."))
    return redirect(_application_url(request, "application", saved))


@application_page
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, guide_id: int) -> HttpResponse:
    """在线办理 from a guide: a new application's form (or the citizen's draft of it)."""
    account = request.account  # type: ignore[attr-defined]
    guide = online_guide(account=account, guide_id=guide_id)
    openid = request.citizen_openid  # type: ignore[attr-defined]
    if request.method == "POST":
        return _save_posted(request, guide, None)
    draft = draft_for(account=account, openid=openid, guide=guide)
    if draft is not None:
        return redirect(_application_url(request, "edit", draft))
    return _render_form(request, guide=guide, application=None, values={})


@application_page
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, application_id: int) -> HttpResponse:
    """Continue a draft, or correct an application returned for correction (补正)."""
    application = citizen_application(
        account=request.account,  # type: ignore[attr-defined]
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        application_id=application_id,
    )
    if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
        return redirect(_application_url(request, "application", application))
    if request.method == "POST":
        return _save_posted(request, application.guide, application)
    return _render_form(
        request, guide=application.guide, application=application, values=application.answers
    )


@application_page
def applications(request: HttpRequest) -> HttpResponse:
    """我的办件: every application of the citizen on this account, drafts included."""
    account = request.account  # type: ignore[attr-defined]
    return render(
        request,
        "eservices/h5/applications.html",
        _context(
            request,
            applications=citizen_applications(
                account=account,
                openid=request.citizen_openid,  # type: ignore[attr-defined]
            ),
            guides_url=reverse("eservices:guides", kwargs={"account_slug": account.slug}),
        ),
    )


@application_page
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    """One application: status, what the department said, the timeline, the answers (ID and
    phone numbers masked), the files; the correction button when returned; the rating once
    completed."""
    account = request.account  # type: ignore[attr-defined]
    found = citizen_application(
        account=account,
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        application_id=application_id,
    )
    rating = ApplicationRating.objects.filter(application=found).first()
    return render(
        request,
        "eservices/h5/application.html",
        _context(
            request,
            application=found,
            rows=answer_rows(found, mask_name_too=True),
            events=list(found.events.all()),
            rating=rating,
            can_rate=found.status == ApplicationStatus.COMPLETED and rating is None,
            scores=RatingScore.choices,
            promised=promised_by(found),
            mine_url=reverse("eservices:applications", kwargs={"account_slug": account.slug}),
        ),
    )


@application_page
def receipt(request: HttpRequest, application_id: int) -> HttpResponse:
    """回执: the receipt number and the promised deadlines, right after submission."""
    account = request.account  # type: ignore[attr-defined]
    found = citizen_application(
        account=account,
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        application_id=application_id,
    )
    if not found.receipt_no:
        return redirect(_application_url(request, "edit", found))
    return render(
        request,
        "eservices/h5/receipt.html",
        _context(
            request,
            application=found,
            promised=promised_by(found),
            decision_days=actions.decision_workdays(found.guide),
            acceptance_days=actions.ACCEPTANCE_WORKDAYS,
            mine_url=reverse("eservices:applications", kwargs={"account_slug": account.slug}),
        ),
    )


@application_page
@require_POST
def rate(request: HttpRequest, application_id: int) -> HttpResponse:
    """好差评: the applicant's one rating of a completed application."""
    found = citizen_application(
        account=request.account,  # type: ignore[attr-defined]
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        application_id=application_id,
    )
    try:
        actions.check_rate_application(
            application=found,
            openid=request.citizen_openid,  # type: ignore[attr-defined]
            score=request.POST.get("score"),
            comment=request.POST.get("comment", "")[:1000],
        )
    except AppError as refused:
        messages.error(request, refused.message)
        return redirect(_application_url(request, "application", found))
    messages.success(request, _("Thank you for your rating."))
    return redirect(_application_url(request, "application", found))


@application_page
def citizen_file(request: HttpRequest, application_id: int, file_id: int) -> HttpResponse:
    """A file the citizen attached: theirs only (404 otherwise), every download audited."""
    found = citizen_application(
        account=request.account,  # type: ignore[attr-defined]
        openid=request.citizen_openid,  # type: ignore[attr-defined]
        application_id=application_id,
    )
    attached = application_file(application=found, file_id=file_id)
    actions.do_audit_application_read(
        application=found, what="file", file=attached, ip_address=client_ip(request)
    )
    return private_file_response(attached)


def private_file_response(attached: Any) -> HttpResponse:
    """The stored file with its checked type, never cached by a proxy."""
    from .uploads import open_private

    try:
        handle = open_private(attached.path)
    except FileNotFoundError as exc:
        raise Http404("The file is missing.") from exc
    response = FileResponse(
        handle, content_type=attached.content_type, filename=attached.original_name
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@application_page
def progress(request: HttpRequest) -> HttpResponse:
    """查进度 by receipt number: the citizen's own application only; someone else's number
    gets exactly the page an unknown number gets."""
    account = request.account  # type: ignore[attr-defined]
    number = request.GET.get("no", "").strip().upper()[:20]
    found = (
        application_for_citizen(
            account=account,
            openid=request.citizen_openid,  # type: ignore[attr-defined]
            receipt_no=number,
        )
        if number
        else None
    )
    return render(
        request,
        "eservices/h5/progress.html",
        _context(
            request,
            number=number,
            found=found,
            url=_application_url(request, "application", found) if found else "",
            mine_url=reverse("eservices:applications", kwargs={"account_slug": account.slug}),
        ),
    )
