"""Back-office pages of service guides: the list with the review queues, the editor (materials
and FAQ as formsets), a guide's page (review, retraction, versions, history). Each view parses its
input and calls one action; refusals keep their HTTP status (403 for a step the roles do not
allow, 409 for a step already taken by someone else)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from weizheng.core.errors import AppError
from weizheng.core.http import client_ip
from weizheng.core.models import AuditLog
from weizheng.core.review import ReviewStatus
from weizheng.staff.decorators import account_page
from weizheng.staff.review_views import ReviewPages, review_step_views
from weizheng.staff.selectors import permissions_on
from weizheng.wechat.models import OfficialAccount

from . import actions, selectors
from .forms import (
    FieldFormSet,
    GuideForm,
    MaterialFormSet,
    OnlineSwitchForm,
    QuestionFormSet,
    StepForm,
    field_rows,
    rows_of,
)
from .models import (
    ApplicationRating,
    ApplicationStatus,
    GuidePublication,
    Language,
    ServiceGuide,
)
from .selectors import (
    access_application,
    access_guide,
    answer_rows,
    categories_of,
    clock_of,
    guides_of,
    guides_with_forms,
    office_applications,
    review_queue,
    versions_of,
)

GUIDE_PERMISSIONS = ("guides.edit", "guides.review", "guides.approve")


def _permissions(request: HttpRequest, account: OfficialAccount) -> frozenset[str]:
    held = permissions_on(request.user, account)
    if not any(p in held for p in GUIDE_PERMISSIONS):
        raise PermissionDenied("Your roles give no access to service guides on this account.")
    return held


def _guide_url(guide: ServiceGuide) -> str:
    return reverse(
        "office-eservices:guide", kwargs={"account_id": guide.account_id, "guide_id": guide.pk}
    )


@account_page("account.view")
def guides(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """The account's guides with filters, and the review queues of the user's roles."""
    held = _permissions(request, account)
    filters = {
        "language": request.GET.get("language", ""),
        "review": request.GET.get("review", ""),
        "publication": request.GET.get("publication", ""),
        "category": request.GET.get("category", "")[:50],
        "query": request.GET.get("q", "").strip()[:100],
    }
    queues = review_queue(account=account, user=request.user, permissions=held)
    queue = request.GET.get("queue", "")
    listed = queues[queue] if queue in queues else guides_of(account=account, **filters)
    page = Paginator(listed, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "eservices/office/guides.html",
        {
            "account": account,
            "page": page,
            "filters": filters,
            "queue": queue,
            "queues": {name: q.count() for name, q in queues.items()},
            "can_edit": "guides.edit" in held,
            "categories": categories_of(account=account),
            "languages": Language.choices,
            "review_statuses": ReviewStatus.choices,
            "publications": GuidePublication.choices,
        },
    )


def _editor(
    request: HttpRequest,
    account: OfficialAccount,
    *,
    form: GuideForm,
    materials: Any,
    questions: Any,
    guide: ServiceGuide | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "eservices/office/editor.html",
        {
            "account": account,
            "form": form,
            "materials": materials,
            "questions": questions,
            "guide": guide,
            "categories": categories_of(account=account),
        },
        status=status,
    )


def _save(
    request: HttpRequest, account: OfficialAccount, guide: ServiceGuide | None
) -> HttpResponse:
    form = GuideForm(request.POST)
    materials = MaterialFormSet(request.POST, prefix="materials")
    questions = QuestionFormSet(request.POST, prefix="questions")
    if form.is_valid() and materials.is_valid() and questions.is_valid():
        try:
            saved = actions.check_save_guide(
                account=account,
                actor=request.user,
                data=form.data_for_action(),
                materials=rows_of(materials),
                questions=rows_of(questions),
                guide=guide,
            )
        except AppError as error:
            form.add_refusal(error)
            status = error.status
        else:
            messages.success(request, _("The draft “%(title)s” is saved.") % {"title": saved.title})
            return redirect(_guide_url(saved))
    else:
        status = 400
    return _editor(
        request,
        account,
        form=form,
        materials=materials,
        questions=questions,
        guide=guide,
        status=status,
    )


@account_page("guides.edit")
def guide_new(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    if request.method == "POST":
        return _save(request, account, None)
    return _editor(
        request,
        account,
        form=GuideForm(initial={"language": account.default_language, "fee_yuan": 0}),
        materials=MaterialFormSet(prefix="materials"),
        questions=QuestionFormSet(prefix="questions"),
        guide=None,
    )


@account_page("guides.edit")
def guide_edit(request: HttpRequest, account: OfficialAccount, guide_id: int) -> HttpResponse:
    guide = access_guide(account=account, guide_id=guide_id)
    if not guide.is_editable:
        messages.error(request, _("Only a draft or a returned guide can be changed."))
        return redirect(_guide_url(guide))
    if request.method == "POST":
        return _save(request, account, guide)
    initial = {name: getattr(guide, name) for name in GuideForm.base_fields if hasattr(guide, name)}
    initial["fee_yuan"] = guide.fee_yuan
    return _editor(
        request,
        account,
        form=GuideForm(initial=initial),
        materials=MaterialFormSet(
            prefix="materials",
            initial=[
                {
                    "name": m.name,
                    "form": m.form,
                    "copies": m.copies,
                    "is_required": m.is_required,
                    "note": m.note,
                }
                for m in guide.materials.all()
            ],
        ),
        questions=QuestionFormSet(
            prefix="questions",
            initial=[{"question": q.question, "answer": q.answer} for q in guide.questions.all()],
        ),
        guide=guide,
    )


def _detail(
    request: HttpRequest,
    account: OfficialAccount,
    guide: ServiceGuide,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    held = _permissions(request, account)
    if error:
        messages.error(request, error)
    history = (
        AuditLog.objects.filter(target_type="eservices.serviceguide", target_id=str(guide.pk))
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    user_id = request.user.pk
    reviewing = guide.review_status in (ReviewStatus.FIRST_REVIEW, ReviewStatus.FINAL_REVIEW)
    return render(
        request,
        "eservices/office/guide.html",
        {
            "account": account,
            "guide": guide,
            "materials": list(guide.materials.all()),
            "questions": list(guide.questions.all()),
            "versions": versions_of(guide),
            "history": history,
            "can_edit": "guides.edit" in held and guide.is_editable,
            "can_first_review": "guides.review" in held
            and guide.review_status == ReviewStatus.FIRST_REVIEW
            and guide.author_id != user_id,
            "can_final_review": "guides.approve" in held
            and guide.review_status == ReviewStatus.FINAL_REVIEW
            and guide.author_id != user_id
            and guide.first_reviewer_id != user_id,
            "is_reviewing": reviewing,
            "can_retract": "guides.approve" in held
            and guide.publication == GuidePublication.PUBLISHED,
            "can_reopen": "guides.edit" in held and guide.publication == GuidePublication.RETRACTED,
            "can_translate": "guides.edit" in held,
            "can_design_form": "eservices.manage" in held,
            "is_own": guide.author_id == user_id,
            "public_url": (
                reverse(
                    "eservices:guide",
                    kwargs={"account_slug": account.slug, "guide_id": guide.pk},
                )
                if guide.is_public
                else None
            ),
        },
        status=status,
    )


@account_page("account.view")
def guide_detail(request: HttpRequest, account: OfficialAccount, guide_id: int) -> HttpResponse:
    _permissions(request, account)
    return _detail(request, account, access_guide(account=account, guide_id=guide_id))


_REVIEW = review_step_views(
    ReviewPages(
        edit_permission="guides.edit",
        retract_permission="guides.approve",
        check_access=_permissions,
        fetch=lambda account, pk: access_guide(account=account, guide_id=pk),
        render=_detail,
        url=_guide_url,
        submit=lambda guide, actor: actions.do_submit_guide(guide=guide, actor=actor),
        approve=lambda guide, actor, note: actions.check_approve_guide(
            guide=guide, actor=actor, note=note
        ),
        send_back=lambda guide, actor, reason: actions.check_return_guide(
            guide=guide, actor=actor, reason=reason
        ),
        retract=lambda guide, actor, reason: actions.check_retract_guide(
            guide=guide, actor=actor, reason=reason
        ),
        reopen=lambda guide, actor: actions.check_reopen_guide(guide=guide, actor=actor),
        first_passed=gettext_lazy("First review passed: the guide awaits the final review."),
        final_passed=gettext_lazy("Final review passed: the guide is published."),
        reopened=gettext_lazy("The guide is a draft again."),
    )
)
guide_submit = _REVIEW["submit"]
guide_approve = _REVIEW["approve"]
guide_return = _REVIEW["return"]
guide_retract = _REVIEW["retract"]
guide_reopen = _REVIEW["reopen"]


@require_POST
@account_page("guides.edit")
def guide_delete(request: HttpRequest, account: OfficialAccount, guide_id: int) -> HttpResponse:
    guide = access_guide(account=account, guide_id=guide_id)
    try:
        actions.do_delete_draft(guide=guide, actor=request.user)
    except AppError as error:
        return _detail(request, account, guide, status=error.status, error=error.message)
    messages.success(request, _("The draft is deleted."))
    return redirect(reverse("office-eservices:guides", kwargs={"account_id": account.pk}))


@require_POST
@account_page("guides.edit")
def guide_translate(request: HttpRequest, account: OfficialAccount, guide_id: int) -> HttpResponse:
    guide = access_guide(account=account, guide_id=guide_id)
    try:
        translation = actions.check_create_translation(guide=guide, actor=request.user)
    except AppError as error:
        return _detail(request, account, guide, status=error.status, error=error.message)
    messages.success(
        request, _("A draft of the other language version is created: translate its text.")
    )
    return redirect(
        reverse(
            "office-eservices:guide-edit",
            kwargs={"account_id": account.pk, "guide_id": translation.pk},
        )
    )


# --- online applications: the department's queue ---------------------------------------------
STEP_LABELS = {
    ApplicationStatus.ACCEPTED: pgettext_lazy("application step", "Accept"),
    ApplicationStatus.RETURNED: pgettext_lazy("application step", "Return for correction"),
    ApplicationStatus.UNDER_REVIEW: pgettext_lazy("application step", "Start the review"),
    ApplicationStatus.APPROVED: pgettext_lazy("application step", "Approve"),
    ApplicationStatus.REJECTED: pgettext_lazy("application step", "Reject"),
    ApplicationStatus.COMPLETED: pgettext_lazy("application step", "Complete"),
}


def _application_url(application: Any) -> str:
    return reverse(
        "office-eservices:application",
        kwargs={"account_id": application.account_id, "application_id": application.pk},
    )


@account_page("account.view")
def applications(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """The department's queue: waiting applications by deadline with their working-day clock,
    filtered by status and service. Needs cases.handle (form designers go to their list)."""
    held = permissions_on(request.user, account)
    if "cases.handle" not in held:
        if "eservices.manage" in held:
            return redirect(reverse("office-eservices:forms", kwargs={"account_id": account.pk}))
        raise PermissionDenied("Handling applications needs the cases.handle permission.")
    status = request.GET.get("status", "")
    guide_id = request.GET.get("guide", "")
    listed = office_applications(account=account, status=status, guide_id=guide_id)
    page = Paginator(listed, 30).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(application, clock_of(application, now=now)) for application in page]
    return render(
        request,
        "eservices/office/applications.html",
        {
            "account": account,
            "page": page,
            "rows": rows,
            "status": status,
            "guide_id": guide_id,
            "statuses": [c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT],
            "guides": ServiceGuide.objects.filter(account=account, applications__isnull=False)
            .distinct()
            .order_by("title"),
            "can_design": "eservices.manage" in held,
        },
    )


def _application_detail(
    request: HttpRequest,
    account: OfficialAccount,
    application: Any,
    *,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    actions.do_audit_application_read(
        application=application, actor=request.user, ip_address=client_ip(request)
    )
    if error:
        messages.error(request, error)
    steps = [
        (to, STEP_LABELS[to], to in actions.NEEDS_REASON)
        for (frm, to), who in actions.TRANSITIONS.items()
        if frm == application.status and who == actions.STAFF
    ]
    return render(
        request,
        "eservices/office/application.html",
        {
            "account": account,
            "application": application,
            "rows": answer_rows(application),
            "events": list(application.events.select_related("actor")),
            "clock": clock_of(application),
            "rating": ApplicationRating.objects.filter(application=application).first(),
            "steps": steps,
        },
        status=status,
    )


@account_page("cases.handle")
def application_detail(
    request: HttpRequest, account: OfficialAccount, application_id: int
) -> HttpResponse:
    """One application: answers (ID and phone numbers masked), files, history, the steps the
    state machine allows now. Every view is audited."""
    return _application_detail(
        request, account, access_application(account=account, application_id=application_id)
    )


@require_POST
@account_page("cases.handle")
def application_step(
    request: HttpRequest, account: OfficialAccount, application_id: int
) -> HttpResponse:
    """Accept / return / review / approve / reject / complete: one POST, one action. A page
    that showed another status than the current one gets 409."""
    application = access_application(account=account, application_id=application_id)
    form = StepForm(request.POST)
    if not form.is_valid():
        return _application_detail(
            request, account, application, status=400, error=_("Choose a step.")
        )
    try:
        actions.check_transition(
            application=application,
            to=form.cleaned_data["to"],
            actor=request.user,
            note=form.cleaned_data["note"],
            seen_status=form.cleaned_data["seen"],
        )
    except AppError as refused:
        application.refresh_from_db()
        return _application_detail(
            request, account, application, status=refused.status, error=refused.message
        )
    application.refresh_from_db()
    messages.success(
        request,
        _("%(number)s is now “%(status)s”; the applicant is notified.")
        % {"number": application.receipt_no, "status": application.get_status_display()},
    )
    return redirect(_application_url(application))


@account_page("cases.handle")
def application_file(
    request: HttpRequest, account: OfficialAccount, application_id: int, file_id: int
) -> HttpResponse:
    """A file attached to an application of this account, audited."""
    from .views import private_file_response

    application = access_application(account=account, application_id=application_id)
    attached = selectors.application_file(application=application, file_id=file_id)
    actions.do_audit_application_read(
        application=application,
        actor=request.user,
        what="file",
        file=attached,
        ip_address=client_ip(request),
    )
    return private_file_response(attached)


# --- the application form designer -------------------------------------------------------------
@account_page("eservices.manage")
def forms_list(request: HttpRequest, account: OfficialAccount) -> HttpResponse:
    """The account's guides with their application form and whether citizens can apply online."""
    return render(
        request,
        "eservices/office/forms.html",
        {"account": account, "guides": guides_with_forms(account=account)},
    )


def _field_initial(guide: ServiceGuide) -> list[dict[str, Any]]:
    return [
        {
            "label": f.label,
            "key": f.key,
            "kind": f.kind,
            "is_required": f.is_required,
            "prefill": f.prefill,
            "choices": "\n".join(f.choices),
            "file_types": f.file_types,
            "max_size_kb": f.max_size_kb,
            "help_text": f.help_text,
            "date_limit": f.date_limit,
            "required_when_field": f.required_when_field,
            "required_when_value": f.required_when_value,
            "ORDER": n + 1,
        }
        for n, f in enumerate(guide.form_fields.all())
    ]


@account_page("eservices.manage")
def form_designer(request: HttpRequest, account: OfficialAccount, guide_id: int) -> HttpResponse:
    """Design a guide's online application form and switch online application on or off."""
    guide = access_guide(account=account, guide_id=guide_id)
    status = 200
    if request.method == "POST":
        switch = OnlineSwitchForm(request.POST)
        fields = FieldFormSet(request.POST, prefix="fields")
        if switch.is_valid() and fields.is_valid():
            try:
                actions.check_save_form(
                    guide=guide,
                    actor=request.user,
                    fields=field_rows(fields),
                    accepts_online=switch.cleaned_data["accepts_online"],
                )
            except AppError as refused:
                status = refused.status
                _place_refusal(refused, switch, fields)
            else:
                messages.success(request, _("The application form is saved."))
                return redirect(
                    reverse(
                        "office-eservices:form",
                        kwargs={"account_id": account.pk, "guide_id": guide.pk},
                    )
                )
        else:
            status = 400
    else:
        switch = OnlineSwitchForm(initial={"accepts_online": guide.accepts_online})
        fields = FieldFormSet(prefix="fields", initial=_field_initial(guide))
    return render(
        request,
        "eservices/office/form_designer.html",
        {
            "account": account,
            "guide": guide,
            "switch": switch,
            "fields": fields,
            "public_url": reverse(
                "eservices:guide", kwargs={"account_slug": account.slug, "guide_id": guide.pk}
            )
            if guide.is_public
            else None,
        },
        status=status,
    )


def _place_refusal(refused: AppError, switch: Any, fields: Any) -> None:
    """Put an action's refusal on the row and field it names (rows are counted among the filled
    ones, in the saved order), else on the form."""
    field = refused.extra.get("field")
    if field == "accepts_online":
        switch.add_error("accepts_online", refused.message)
        return
    number = refused.extra.get("row")
    filled = [
        form
        for form in fields.forms
        if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
    ]
    ordered = sorted(
        enumerate(filled),
        key=lambda item: (
            item[1].cleaned_data.get("ORDER") is None,
            item[1].cleaned_data.get("ORDER") or 0,
            item[0],
        ),
    )
    if isinstance(number, int) and 1 <= number <= len(ordered):
        form = ordered[number - 1][1]
        form.add_error(field if field in form.fields else None, refused.message)
    else:
        switch.add_error(None, refused.message)
