"""Reads of the eservices app: the back-office guide list and review queues, the citizen's version
of a guide, categories, and guide search."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from weizheng.core.review import ReviewStatus
from weizheng.search import api as search
from weizheng.wechat.models import OfficialAccount

from .models import GuidePublication, Language, ServiceGuide

GUIDE_FACETS = {"kind": "guide"}


# --- the back office --------------------------------------------------------------------------
def access_guide(*, account: OfficialAccount, guide_id: Any) -> ServiceGuide:
    """A guide of this account, or 404 (another department's guide does not exist here)."""
    if not str(guide_id).isdigit():
        raise Http404("No such guide.")
    guide = (
        ServiceGuide.objects.select_related("account", "author", "first_reviewer", "final_reviewer")
        .filter(account=account, pk=guide_id)
        .first()
    )
    if guide is None:
        raise Http404("No such guide.")
    return guide


def guides_of(
    *,
    account: OfficialAccount,
    language: str = "",
    review: str = "",
    publication: str = "",
    category: str = "",
    query: str = "",
) -> QuerySet[ServiceGuide]:
    """The account's guides, filtered as on the list page."""
    guides = ServiceGuide.objects.filter(account=account).select_related("author")
    if language in Language.values:
        guides = guides.filter(language=language)
    if review in ReviewStatus.values:
        guides = guides.filter(review_status=review)
    if publication in GuidePublication.values:
        guides = guides.filter(publication=publication)
    if category:
        guides = guides.filter(category=category)
    if query:
        guides = guides.filter(Q(title__icontains=query) | Q(code__icontains=query))
    return guides.order_by("-updated_at", "-pk")


def review_queue(
    *, account: OfficialAccount, user: Any, permissions: frozenset[str]
) -> dict[str, QuerySet[ServiceGuide]]:
    """The guides waiting for this user's review steps (never their own; the final review never
    the one they passed first)."""
    queues: dict[str, QuerySet[ServiceGuide]] = {}
    mine = ServiceGuide.objects.filter(account=account).exclude(author=user)
    if "guides.review" in permissions:
        queues["first"] = mine.filter(review_status=ReviewStatus.FIRST_REVIEW).order_by(
            "submitted_at"
        )
    if "guides.approve" in permissions:
        queues["final"] = (
            mine.filter(review_status=ReviewStatus.FINAL_REVIEW)
            .exclude(first_reviewer=user)
            .order_by("first_reviewed_at")
        )
    return queues


def categories_of(*, account: OfficialAccount) -> list[str]:
    """Every category the account's guides use (published or not), for the editor's suggestions."""
    return sorted(
        set(ServiceGuide.objects.filter(account=account).values_list("category", flat=True))
    )


def versions_of(guide: ServiceGuide) -> list[ServiceGuide]:
    return list(ServiceGuide.objects.filter(group=guide.group).order_by("language"))


# --- citizens ---------------------------------------------------------------------------------
def published_guides(*, account: OfficialAccount) -> QuerySet[ServiceGuide]:
    return ServiceGuide.objects.filter(account=account, publication=GuidePublication.PUBLISHED)


def public_guides(
    *, account: OfficialAccount, language: str, category: str = ""
) -> list[ServiceGuide]:
    """One entry per guide (group): the reader's language where published, else the other."""
    guides = published_guides(account=account)
    if category:
        guides = guides.filter(category=category)
    chosen: dict[Any, ServiceGuide] = {}
    for guide in guides.order_by("category", "title", "pk")[:1000]:
        current = chosen.get(guide.group)
        if current is None or (guide.language == language and current.language != language):
            chosen[guide.group] = guide
    return sorted(chosen.values(), key=lambda g: (g.category, g.title, g.pk))


def public_categories(*, account: OfficialAccount, language: str) -> list[tuple[str, int]]:
    """The categories of the published guides a reader sees, with how many guides each has."""
    counts: dict[str, int] = {}
    for guide in public_guides(account=account, language=language):
        counts[guide.category] = counts.get(guide.category, 0) + 1
    return sorted(counts.items())


@dataclass(frozen=True)
class GuideReading:
    """The version shown to a reader, and whether it is the language they wanted."""

    guide: ServiceGuide
    wanted: str
    other_versions: list[ServiceGuide]

    @property
    def is_fallback(self) -> bool:
        return self.guide.language != self.wanted


def reading_for(*, account: OfficialAccount, guide_id: Any, language: str) -> GuideReading:
    """The published version of the guide in `language`, or another published version (the page
    says so). 404 when none is published — a draft or retracted guide does not exist here."""
    if not str(guide_id).isdigit():
        raise Http404("No such guide.")
    group = (
        ServiceGuide.objects.filter(account=account, pk=guide_id)
        .values_list("group", flat=True)
        .first()
    )
    if group is None:
        raise Http404("No such guide.")
    versions = list(
        published_guides(account=account)
        .filter(group=group)
        .select_related("account")
        .prefetch_related("materials", "questions")
    )
    if not versions:
        raise Http404("No such guide.")
    shown = next((v for v in versions if v.language == language), None)
    if shown is None:
        shown = next((v for v in versions if v.pk == int(guide_id)), None) or versions[0]
    return GuideReading(shown, language, [v for v in versions if v.pk != shown.pk])


def search_guides(
    *, account: OfficialAccount, query: str, language: str | None = None, limit: int = 10
) -> search.SearchResults:
    """Published guides matching a query (AppError for an empty or over-long query)."""
    return search.search(
        account_id=account.pk, query=query, language=language, facets=GUIDE_FACETS, limit=limit
    )


# --- online applications ----------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """Where an application stands against its working-day deadline at `now`."""

    due_at: Any  # datetime | None: None when the department owes nothing (returned, finished)
    workdays_left: int  # working days left after today (0: due today); 0 when late
    workdays_late: int  # working days past the deadline's day; 0 when on time

    @property
    def is_late(self) -> bool:
        return self.workdays_late > 0


def clock_of(application: Any, *, now: Any = None) -> Clock:
    """The SLA clock of an application, in working days (weizheng.core.workdays)."""
    from django.utils import timezone

    from weizheng.core.workdays import current_calendar

    if application.due_at is None:
        return Clock(None, 0, 0)
    now = now or timezone.now()
    calendar = current_calendar()
    if now > application.due_at:
        # Late from the first working day after the deadline's day (at least one: past the
        # end of a working day, a case is late even before the next working day starts).
        return Clock(
            application.due_at, 0, max(1, calendar.workdays_between(application.due_at, now))
        )
    return Clock(application.due_at, calendar.workdays_between(now, application.due_at), 0)


def application_for_citizen(*, account: OfficialAccount, openid: str, receipt_no: str) -> Any:
    """The citizen's own submitted application with this receipt number, or None — the same
    None for a number that does not exist and for someone else's, so nothing leaks."""
    from .models import Application, ApplicationStatus

    receipt_no = (receipt_no or "").strip().upper()
    if not openid or not receipt_no:
        return None
    return (
        Application.objects.filter(account=account, openid=openid, receipt_no=receipt_no)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("guide")
        .first()
    )


def applications_of_citizen(*, account: OfficialAccount, openid: str, limit: int = 5) -> list[Any]:
    """The citizen's latest submitted applications on this account."""
    from .models import Application, ApplicationStatus

    if not openid:
        return []
    return list(
        Application.objects.filter(account=account, openid=openid)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("guide")
        .order_by("-submitted_at", "-pk")[:limit]
    )


def department_queue(*, account: OfficialAccount) -> QuerySet[Any]:
    """Applications waiting for the department, the soonest deadline first."""
    from .models import Application, ApplicationStatus

    return (
        Application.objects.filter(
            account=account,
            status__in=(
                ApplicationStatus.SUBMITTED,
                ApplicationStatus.ACCEPTED,
                ApplicationStatus.UNDER_REVIEW,
                ApplicationStatus.APPROVED,
            ),
        )
        .select_related("guide")
        .order_by("due_at", "submitted_at", "pk")
    )


def access_application(*, account: OfficialAccount, application_id: Any) -> Any:
    """A submitted application of this account, or 404."""
    from .models import Application, ApplicationStatus

    if not str(application_id).isdigit():
        raise Http404("No such application.")
    application = (
        Application.objects.filter(account=account, pk=application_id)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("guide", "account")
        .first()
    )
    if application is None:
        raise Http404("No such application.")
    return application


OPEN_STATUSES = ("submitted", "accepted", "under_review", "approved")


def office_applications(
    *, account: OfficialAccount, status: str = "", guide_id: Any = None
) -> QuerySet[Any]:
    """The department's list: by default the applications waiting for it (soonest deadline
    first); `status` one status ("all": every submitted application, newest first)."""
    from .models import Application, ApplicationStatus

    applications = (
        Application.objects.filter(account=account)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("guide", "rating")
    )
    if str(guide_id or "").isdigit():
        applications = applications.filter(guide_id=int(guide_id))
    if status == "all":
        return applications.order_by("-submitted_at", "-pk")
    if status in ApplicationStatus.values and status != ApplicationStatus.DRAFT:
        return applications.filter(status=status).order_by("due_at", "-submitted_at", "pk")
    return applications.filter(status__in=OPEN_STATUSES).order_by("due_at", "submitted_at", "pk")


def guides_with_forms(*, account: OfficialAccount) -> QuerySet[ServiceGuide]:
    """The account's guides with their form's size and online switch, for the designer's list."""
    from django.db.models import Count

    return (
        ServiceGuide.objects.filter(account=account)
        .annotate(field_count=Count("form_fields"))
        .order_by("category", "title", "pk")
    )


def citizen_application(*, account: OfficialAccount, openid: str, application_id: Any) -> Any:
    """The citizen's own application (a draft too), or 404 — the same 404 for another
    citizen's application as for one that does not exist."""
    from .models import Application

    if not openid or not str(application_id).isdigit():
        raise Http404("No such application.")
    application = (
        Application.objects.filter(account=account, openid=openid, pk=application_id)
        .select_related("guide", "account")
        .first()
    )
    if application is None:
        raise Http404("No such application.")
    return application


def citizen_applications(*, account: OfficialAccount, openid: str) -> list[Any]:
    """All the citizen's applications on this account, drafts included, newest first."""
    from .models import Application

    if not openid:
        return []
    return list(
        Application.objects.filter(account=account, openid=openid)
        .select_related("guide")
        .order_by("-updated_at", "-pk")[:200]
    )


def draft_for(*, account: OfficialAccount, openid: str, guide: ServiceGuide) -> Any:
    """The citizen's latest draft for this service, to continue rather than start again."""
    from .models import Application, ApplicationStatus

    return (
        Application.objects.filter(
            account=account, openid=openid, guide=guide, status=ApplicationStatus.DRAFT
        )
        .order_by("-updated_at", "-pk")
        .first()
    )


def online_guide(*, account: OfficialAccount, guide_id: Any) -> ServiceGuide:
    """A published guide open to online application, or 404."""
    from .models import HandlingMode

    if not str(guide_id).isdigit():
        raise Http404("No such guide.")
    guide = (
        published_guides(account=account)
        .filter(pk=guide_id, accepts_online=True)
        .exclude(mode=HandlingMode.OFFLINE)
        .first()
    )
    if guide is None:
        raise Http404("No such guide.")
    return guide


def application_file(*, application: Any, file_id: Any) -> Any:
    """A file attached to this application, or 404."""
    if not str(file_id).isdigit():
        raise Http404("No such file.")
    found = application.files.filter(pk=file_id).first()
    if found is None:
        raise Http404("No such file.")
    return found


@dataclass(frozen=True)
class AnswerRow:
    """One answer as a page shows it: masked where it is an ID or phone number."""

    key: str
    label: str
    value: str
    file: Any = None
    is_removed: bool = False


def answer_rows(application: Any, *, mask_name_too: bool = False) -> list[AnswerRow]:
    """The application's answers in the form's order, ID and phone numbers masked, files by
    name; answers to fields removed from the form since come last. With `mask_name_too` (the
    citizen's pages, as the form shows it) the name from the binding is masked as well; the
    department's page shows it in full, as the applicant's name is what it decides on."""
    from weizheng.core.masking import mask_id_number, mask_name, mask_phone

    from .models import FieldKind, Prefill

    answers = application.answers
    files = {f.field_key: f for f in application.files.all()}
    rows = []
    seen = set()
    for field in application.guide.form_fields.all():
        seen.add(field.key)
        value = answers.get(field.key, "")
        if field.kind == FieldKind.ID_NUMBER or field.prefill == Prefill.ID_NUMBER:
            value = mask_id_number(value)
        elif field.kind == FieldKind.PHONE or field.prefill == Prefill.PHONE:
            value = mask_phone(value)
        elif mask_name_too and field.prefill == Prefill.NAME and value:
            value = mask_name(value)
        rows.append(AnswerRow(field.key, field.label, value, files.get(field.key)))
    for key, value in answers.items():
        if key not in seen:
            rows.append(AnswerRow(key, key, value, is_removed=True))
    for key, found in files.items():
        if key not in seen:
            rows.append(AnswerRow(key, key, "", found, is_removed=True))
    return rows


def promised_by(application: Any) -> Any:
    """The latest day the decision is due if the department takes all its time: the end of the
    acceptance window plus the decision limit (once accepted, `due_at` itself)."""
    from weizheng.core.workdays import add_workdays

    from .actions import decision_workdays
    from .models import ApplicationStatus

    if application.status in (ApplicationStatus.ACCEPTED, ApplicationStatus.UNDER_REVIEW):
        return application.due_at
    if application.status == ApplicationStatus.SUBMITTED and application.due_at:
        return add_workdays(start=application.due_at, n=decision_workdays(application.guide))
    return None
