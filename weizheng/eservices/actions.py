"""Writes of the eservices app: service guides, their 三审 and publication, bilingual versions.
One transaction per action with its audit row; the search index changes inside the publishing
(and retracting) transaction, so a guide is findable exactly when it is published."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.core.review import (
    EDITABLE,
    ReviewPolicy,
    ReviewStatus,
    check_approve,
    check_return,
    do_submit_for_review,
)
from weizheng.search import api as search
from weizheng.wechat.models import OfficialAccount

from .models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    FieldKind,
    GuideMaterial,
    GuidePublication,
    GuideQuestion,
    HandlingMode,
    Language,
    MaterialForm,
    ServiceGuide,
)

GUIDE_POLICY = ReviewPolicy(
    "eservices.guide",
    submit_permission="guides.edit",
    first_review_permission="guides.review",
    final_review_permission="guides.approve",
)

GUIDE_FIELDS = (
    "language",
    "title",
    "code",
    "category",
    "department",
    "conditions",
    "fee_fen",
    "fee_basis",
    "statutory_days",
    "promised_days",
    "steps",
    "place",
    "hours",
    "phone",
    "mode",
)
SHORT_TEXT = {
    "title": 200,
    "code": 64,
    "category": 50,
    "department": 100,
    "fee_basis": 500,
    "place": 300,
    "hours": 200,
    "phone": 50,
}
MAX_MATERIALS = 50
MAX_QUESTIONS = 30
MAX_DAYS = 365
# A fee above this is a typing mistake (fen for yuan): 100,000 yuan.
MAX_FEE_FEN = 10_000_000


def _require(actor: Any, permission: str, account: OfficialAccount) -> None:
    from weizheng.staff.selectors import can

    if actor is not None and not can(actor, permission, account):
        raise AppError("forbidden", _("Your roles do not allow this on this account."), status=403)


def _require_editable(guide: ServiceGuide) -> None:
    if not ServiceGuide.objects.filter(pk=guide.pk, review_status__in=EDITABLE).exists():
        raise AppError(
            "not_editable", _("Only a draft or a returned guide can be changed."), status=409
        )


# --- validation -------------------------------------------------------------------------------
def clean_guide_data(data: dict[str, Any]) -> dict[str, Any]:
    """Validated field values of a guide; AppError naming the field otherwise."""
    unknown = set(data) - set(GUIDE_FIELDS)
    if unknown:
        raise AppError(
            "bad_field", _("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    cleaned = dict(data)
    for name, limit in SHORT_TEXT.items():
        if name in cleaned:
            cleaned[name] = " ".join(str(cleaned[name] or "").split())
            if len(cleaned[name]) > limit:
                raise AppError(
                    "too_long",
                    _("This is longer than %(limit)d characters.") % {"limit": limit},
                    field=name,
                )
    for name in ("conditions", "steps"):
        if name in cleaned:
            cleaned[name] = "\n".join(
                line.strip() for line in str(cleaned[name] or "").strip().splitlines()
            )
    for name, message in (
        ("title", _("A title is required.")),
        ("category", _("Choose or type a category.")),
        ("department", _("Name the handling department.")),
    ):
        if name in cleaned and not cleaned[name]:
            raise AppError(f"{name}_missing", message, field=name)
    if "language" in cleaned and cleaned["language"] not in Language.values:
        raise AppError("bad_language", _("The language must be zh-hans or en."), field="language")
    if "mode" in cleaned and cleaned["mode"] not in HandlingMode.values:
        raise AppError(
            "bad_mode", _("The handling mode must be online, offline or both."), field="mode"
        )
    if "fee_fen" in cleaned:
        fee = cleaned["fee_fen"]
        if fee is None:
            fee = 0
        if not isinstance(fee, int) or isinstance(fee, bool) or fee < 0 or fee > MAX_FEE_FEN:
            raise AppError(
                "bad_fee",
                _("The fee is an amount in yuan from 0 (free) to 100,000."),
                field="fee_fen",
            )
        cleaned["fee_fen"] = fee
    for name in ("statutory_days", "promised_days"):
        if name in cleaned and cleaned[name] is not None:
            days = cleaned[name]
            if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
                raise AppError(
                    "bad_days",
                    _("A time limit is a number of working days from 0 to %(max)d.")
                    % {"max": MAX_DAYS},
                    field=name,
                )
    return cleaned


def clean_materials(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The materials table: each row named, a known form, 1 to 20 copies."""
    if len(rows) > MAX_MATERIALS:
        raise AppError(
            "too_many", _("A guide lists at most %(n)d materials.") % {"n": MAX_MATERIALS}
        )
    cleaned = []
    for number, row in enumerate(rows, start=1):
        name = " ".join(str(row.get("name") or "").split())
        if not name:
            raise AppError(
                "material_name", _("Material %(n)d needs a name.") % {"n": number}, row=number
            )
        form = row.get("form") or MaterialForm.ORIGINAL
        if form not in MaterialForm.values:
            raise AppError(
                "material_form",
                _("Material %(n)d: choose original, copy, both or electronic.") % {"n": number},
                row=number,
            )
        copies = row.get("copies", 1)
        if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= 20:
            raise AppError(
                "material_copies",
                _("Material %(n)d: from 1 to 20 copies.") % {"n": number},
                row=number,
            )
        note = " ".join(str(row.get("note") or "").split())
        if len(name) > 200 or len(note) > 300:
            raise AppError(
                "material_too_long",
                _("Material %(n)d: the name is limited to 200 characters, the note to 300.")
                % {"n": number},
                row=number,
            )
        cleaned.append(
            {
                "name": name,
                "form": form,
                "copies": copies,
                "is_required": bool(row.get("is_required", True)),
                "note": note,
            }
        )
    return cleaned


def clean_questions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FAQ pairs: both the question and the answer."""
    if len(rows) > MAX_QUESTIONS:
        raise AppError("too_many", _("A guide has at most %(n)d questions.") % {"n": MAX_QUESTIONS})
    cleaned = []
    for number, row in enumerate(rows, start=1):
        question = " ".join(str(row.get("question") or "").split())
        answer = str(row.get("answer") or "").strip()
        if not question or not answer:
            raise AppError(
                "question_incomplete",
                _("Question %(n)d needs both the question and its answer.") % {"n": number},
                row=number,
            )
        if len(question) > 200:
            raise AppError(
                "question_too_long",
                _("Question %(n)d is longer than 200 characters.") % {"n": number},
                row=number,
            )
        cleaned.append({"question": question, "answer": answer})
    return cleaned


# --- editing ----------------------------------------------------------------------------------
def check_save_guide(
    *,
    account: OfficialAccount,
    actor: Any,
    data: dict[str, Any],
    materials: list[dict[str, Any]] | None = None,
    questions: list[dict[str, Any]] | None = None,
    guide: ServiceGuide | None = None,
) -> ServiceGuide:
    """Create a guide (a draft, `actor` its author) or change an editable one. `materials` and
    `questions`, when given, replace the guide's lists; all of it is saved or none."""
    _require(actor, "guides.edit", account)
    cleaned = clean_guide_data(data)
    material_rows = clean_materials(materials) if materials is not None else None
    question_rows = clean_questions(questions) if questions is not None else None
    statutory = cleaned.get("statutory_days", guide.statutory_days if guide else None)
    promised = cleaned.get("promised_days", guide.promised_days if guide else None)
    if statutory is not None and promised is not None and promised > statutory:
        raise AppError(
            "promise_over_statute",
            _("The promised time limit cannot be longer than the statutory one."),
            field="promised_days",
        )
    try:
        with transaction.atomic():
            if guide is None:
                for name, message in (
                    ("title", _("A title is required.")),
                    ("category", _("Choose or type a category.")),
                    ("department", _("Name the handling department.")),
                ):
                    if not cleaned.get(name):
                        raise AppError(f"{name}_missing", message, field=name)
                guide = ServiceGuide.objects.create(
                    account=account,
                    author=actor if getattr(actor, "is_authenticated", False) else None,
                    **cleaned,
                )
                action = "eservices.guide.create"
            else:
                _require_editable(guide)
                if "language" in cleaned and cleaned["language"] != guide.language:
                    if (
                        ServiceGuide.objects.filter(group=guide.group, language=cleaned["language"])
                        .exclude(pk=guide.pk)
                        .exists()
                    ):
                        raise AppError(
                            "language_taken",
                            _("This guide already has a version in that language."),
                            field="language",
                        )
                for name, value in cleaned.items():
                    setattr(guide, name, value)
                guide.save(update_fields=[*cleaned.keys(), "updated_at"])
                action = "eservices.guide.update"
            if material_rows is not None:
                guide.materials.all().delete()
                GuideMaterial.objects.bulk_create(
                    GuideMaterial(guide=guide, position=n, **row)
                    for n, row in enumerate(material_rows)
                )
            if question_rows is not None:
                guide.questions.all().delete()
                GuideQuestion.objects.bulk_create(
                    GuideQuestion(guide=guide, position=n, **row)
                    for n, row in enumerate(question_rows)
                )
            do_audit(
                action=action,
                actor=actor,
                account=account,
                target=guide,
                detail={
                    "title": guide.title,
                    "fields": sorted(cleaned),
                    "materials": len(material_rows) if material_rows is not None else None,
                    "questions": len(question_rows) if question_rows is not None else None,
                },
            )
    except IntegrityError as exc:
        raise AppError(
            "duplicate_code",
            _("This account already has a guide with the code %(code)s in this language.")
            % {"code": cleaned.get("code") or (guide.code if guide else "")},
            field="code",
        ) from exc
    return guide


def do_delete_draft(*, guide: ServiceGuide, actor: Any) -> None:
    """Delete a guide never published (a draft or a returned one)."""
    _require(actor, "guides.edit", guide.account)
    with transaction.atomic():
        deleted = ServiceGuide.objects.filter(
            pk=guide.pk, review_status__in=EDITABLE, publication=GuidePublication.UNPUBLISHED
        )
        if not deleted.exists():
            raise AppError(
                "not_editable", _("Only an unpublished draft can be deleted."), status=409
            )
        do_audit(
            action="eservices.guide.delete",
            actor=actor,
            account=guide.account,
            target=guide,
            detail={"title": guide.title},
        )
        deleted.delete()


# --- 三审 and publication ---------------------------------------------------------------------
def do_submit_guide(*, guide: ServiceGuide, actor: Any) -> ServiceGuide:
    """The author hands the guide to the first reviewer; a guide without steps or materials
    tells a citizen nothing and is refused."""
    if not guide.step_list:
        raise AppError("incomplete", _("Write the steps before submitting."), field="steps")
    if not guide.materials.exists():
        raise AppError("incomplete", _("List the materials before submitting."), field="materials")
    return do_submit_for_review(item=guide, actor=actor, policy=GUIDE_POLICY)  # type: ignore[return-value]


def check_approve_guide(*, guide: ServiceGuide, actor: Any, note: str = "") -> ServiceGuide:
    """A review step; the final approval publishes the guide and indexes it, in one transaction."""
    with transaction.atomic():
        guide = check_approve(item=guide, actor=actor, policy=GUIDE_POLICY, note=note)  # type: ignore[assignment]
        if guide.review_status == ReviewStatus.APPROVED:
            _publish(guide, actor=actor)
    guide.refresh_from_db()
    return guide


def check_return_guide(*, guide: ServiceGuide, actor: Any, reason: str) -> ServiceGuide:
    """A reviewer sends the guide back to its author with a reason."""
    return check_return(item=guide, actor=actor, policy=GUIDE_POLICY, reason=reason)  # type: ignore[return-value]


def _publish(guide: ServiceGuide, *, actor: Any) -> None:
    now = timezone.now()
    claimed = ServiceGuide.objects.filter(
        pk=guide.pk,
        review_status=ReviewStatus.APPROVED,
        publication=GuidePublication.UNPUBLISHED,
    ).update(publication=GuidePublication.PUBLISHED, published_at=now)
    if not claimed:
        return
    guide.refresh_from_db()
    do_audit(
        action="eservices.guide.publish",
        actor=actor,
        account=guide.account,
        target=guide,
        detail={"title": guide.title},
    )
    search.index_documents([search_document(guide)])


def check_retract_guide(*, guide: ServiceGuide, actor: Any, reason: str) -> ServiceGuide:
    """Take a published guide off the citizens' pages and out of the search index."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise AppError("reason_missing", _("Say why the guide is retracted."))
    _require(actor, "guides.approve", guide.account)
    with transaction.atomic():
        moved = ServiceGuide.objects.filter(
            pk=guide.pk, publication=GuidePublication.PUBLISHED
        ).update(
            publication=GuidePublication.RETRACTED,
            retracted_at=timezone.now(),
            retracted_by=actor if getattr(actor, "is_authenticated", False) else None,
            retraction_reason=reason[:500],
        )
        if not moved:
            raise AppError(
                "publication_state", _("Only a published guide can be retracted."), status=409
            )
        do_audit(
            action="eservices.guide.retract",
            actor=actor,
            account=guide.account,
            target=guide,
            detail={"reason": reason[:500], "title": guide.title},
        )
        search.remove_documents([guide.search_key])
    guide.refresh_from_db()
    return guide


def check_reopen_guide(*, guide: ServiceGuide, actor: Any) -> ServiceGuide:
    """A retracted guide becomes a draft again, to be corrected and reviewed anew."""
    _require(actor, "guides.edit", guide.account)
    with transaction.atomic():
        moved = ServiceGuide.objects.filter(
            pk=guide.pk, publication=GuidePublication.RETRACTED
        ).update(
            publication=GuidePublication.UNPUBLISHED,
            review_status=ReviewStatus.DRAFT,
            published_at=None,
        )
        if not moved:
            raise AppError(
                "publication_state", _("Only a retracted guide can be edited again."), status=409
            )
        do_audit(action="eservices.guide.reopen", actor=actor, account=guide.account, target=guide)
    guide.refresh_from_db()
    return guide


def check_create_translation(*, guide: ServiceGuide, actor: Any) -> ServiceGuide:
    """A draft in the other language, in the same group, with the facts (fees, limits, mode,
    code) and the materials copied, to be translated."""
    other = Language.EN if guide.language == Language.ZH_HANS else Language.ZH_HANS
    if ServiceGuide.objects.filter(group=guide.group, language=other).exists():
        raise AppError("language_taken", _("This guide already has a version in that language."))
    data = {
        name: getattr(guide, name)
        for name in GUIDE_FIELDS
        if name not in ("language", "conditions", "steps")
    }
    data["language"] = other
    materials = [
        {
            "name": m.name,
            "form": m.form,
            "copies": m.copies,
            "is_required": m.is_required,
            "note": m.note,
        }
        for m in guide.materials.all()
    ]
    with transaction.atomic():
        translation = check_save_guide(
            account=guide.account, actor=actor, data=data, materials=materials
        )
        ServiceGuide.objects.filter(pk=translation.pk).update(group=guide.group)
        translation.group = guide.group
        do_audit(
            action="eservices.guide.translation.create",
            actor=actor,
            account=guide.account,
            target=translation,
            detail={"of": guide.pk, "language": other},
        )
    return translation


# --- search -----------------------------------------------------------------------------------
def search_document(guide: ServiceGuide) -> search.Document:
    """What the search index holds for a published guide: its facts, materials, steps and FAQ."""
    parts = [
        guide.code,
        guide.department,
        guide.conditions,
        "\n".join(m.name for m in guide.materials.all()),
        guide.steps,
        guide.place,
        "\n".join(f"{q.question}\n{q.answer}" for q in guide.questions.all()),
    ]
    return search.Document(
        key=guide.search_key,
        account_id=guide.account_id,
        language=guide.language,
        title=guide.title,
        body="\n".join(part for part in parts if part),
        facets={
            "kind": "guide",
            "issuer": guide.department,
            "topic": guide.category,
            "mode": guide.mode,
        },
        url=reverse(
            "eservices:guide", kwargs={"account_slug": guide.account.slug, "guide_id": guide.pk}
        ),
        published_at=guide.published_at,
    )


# --- online applications (网办) ---------------------------------------------------------------
# 行政许可法 art. 32: within five (working) days the department accepts the application or tells
# the applicant once and for all what to correct.
ACCEPTANCE_WORKDAYS = 5
# When the guide promises nothing, the statutory general limit of 行政许可法 art. 42.
DEFAULT_DECISION_WORKDAYS = 20
MAX_ANSWER_LENGTH = 500
RECEIPT_PREFIX = "WB"

# (from, to) → who may take the step. The whole state machine: nothing else moves a status.
CITIZEN, STAFF = "citizen", "staff"
TRANSITIONS: dict[tuple[str, str], str] = {
    (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED): CITIZEN,
    (ApplicationStatus.RETURNED, ApplicationStatus.SUBMITTED): CITIZEN,
    (ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED): STAFF,
    (ApplicationStatus.SUBMITTED, ApplicationStatus.RETURNED): STAFF,
    (ApplicationStatus.ACCEPTED, ApplicationStatus.UNDER_REVIEW): STAFF,
    (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.APPROVED): STAFF,
    (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.REJECTED): STAFF,
    (ApplicationStatus.APPROVED, ApplicationStatus.COMPLETED): STAFF,
}
# Steps that must say why (the citizen reads it).
NEEDS_REASON = {ApplicationStatus.RETURNED, ApplicationStatus.REJECTED}
# What the citizen's notification says of each new status (notification texts are Chinese,
# as the other kinds' are).
STATUS_WORDS = {
    ApplicationStatus.SUBMITTED: "已提交，等待受理",
    ApplicationStatus.ACCEPTED: "已受理",
    ApplicationStatus.UNDER_REVIEW: "正在审查",
    ApplicationStatus.APPROVED: "已审批通过",
    ApplicationStatus.REJECTED: "未予批准，原因：{note}",
    ApplicationStatus.COMPLETED: "已办结",
}


def clean_answers(
    *, guide: ServiceGuide, answers: dict[str, Any], complete: bool
) -> dict[str, str]:
    """The answers to the guide's form, each checked by its kind; with `complete`, every
    required field must be answered. AppError names the first bad field."""
    from weizheng.identity.idcard import InvalidIdNumber, check_id_number

    fields = {f.key: f for f in guide.form_fields.all()}
    unknown = set(answers) - set(fields)
    if unknown:
        raise AppError(
            "bad_field", _("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    cleaned: dict[str, str] = {}
    for key, field in fields.items():
        value = " ".join(str(answers.get(key) or "").split())
        if not value:
            if complete and field.is_required:
                raise AppError(
                    "answer_missing",
                    _("“%(label)s” is required.") % {"label": field.label},
                    field=key,
                )
            continue
        if len(value) > MAX_ANSWER_LENGTH:
            raise AppError(
                "answer_too_long",
                _("“%(label)s” is longer than %(n)d characters.")
                % {"label": field.label, "n": MAX_ANSWER_LENGTH},
                field=key,
            )
        if field.kind == FieldKind.NUMBER:
            try:
                Decimal(value)
            except InvalidOperation as exc:
                raise AppError(
                    "bad_number",
                    _("“%(label)s” must be a number.") % {"label": field.label},
                    field=key,
                ) from exc
        elif field.kind == FieldKind.DATE:
            try:
                date.fromisoformat(value)
            except ValueError as exc:
                raise AppError(
                    "bad_date",
                    _("“%(label)s” is a date written as 2026-10-01.") % {"label": field.label},
                    field=key,
                ) from exc
        elif field.kind == FieldKind.SELECT and value not in field.choices:
            raise AppError(
                "bad_choice",
                _("Choose one of the options of “%(label)s”.") % {"label": field.label},
                field=key,
            )
        elif field.kind == FieldKind.ID_NUMBER:
            try:
                value = check_id_number(value)
            except InvalidIdNumber as exc:
                raise AppError(
                    "bad_id_number",
                    _("“%(label)s” is not a valid resident ID number (check the last digit).")
                    % {"label": field.label},
                    field=key,
                ) from exc
        cleaned[key] = value
    return cleaned


def _require_binding(*, account: OfficialAccount, openid: str) -> None:
    from weizheng.identity.selectors import active_binding

    if active_binding(account=account, openid=openid) is None:
        raise AppError(
            "binding_required",
            _("Bind your real name to this account before applying online."),
            status=403,
        )


def check_save_draft(
    *,
    account: OfficialAccount,
    guide: ServiceGuide,
    openid: str,
    answers: dict[str, Any],
    application: Application | None = None,
) -> Application:
    """Create or change the citizen's draft (answers checked by kind, required ones not yet)."""
    _require_binding(account=account, openid=openid)
    if guide.account_id != account.pk or not guide.is_public or guide.mode == HandlingMode.OFFLINE:
        raise AppError("not_online", _("This service cannot be applied for online."), status=404)
    cleaned = clean_answers(guide=guide, answers=answers, complete=False)
    with transaction.atomic():
        if application is None:
            application = Application.objects.create(
                account=account,
                guide=guide,
                openid=openid,
                sealed_answers=Application.seal(cleaned),
            )
        else:
            if application.openid != openid or application.account_id != account.pk:
                raise AppError("not_found", _("No such application."), status=404)
            changed = Application.objects.filter(
                pk=application.pk,
                status__in=(ApplicationStatus.DRAFT, ApplicationStatus.RETURNED),
            ).update(sealed_answers=Application.seal(cleaned), updated_at=timezone.now())
            if not changed:
                raise AppError(
                    "not_editable",
                    _("Only a draft or an application returned for correction can be changed."),
                    status=409,
                )
            application.refresh_from_db()
        do_audit(
            action="eservices.application.save",
            actor_label="citizen",
            account=account,
            target=application,
            detail={"guide": guide.pk, "fields": sorted(cleaned)},
        )
    return application


def _new_receipt_no(now: datetime) -> str:
    local = timezone.localtime(now)
    return f"{RECEIPT_PREFIX}{local:%Y%m%d}{secrets.randbelow(10**6):06d}"


def _due_for(application: Application, to: str, now: datetime) -> datetime | None:
    """The working-day clock after moving to `to` (None: nobody in the department owes a step)."""
    from weizheng.core.workdays import add_workdays

    if to == ApplicationStatus.SUBMITTED:
        return add_workdays(start=now, n=ACCEPTANCE_WORKDAYS)
    if to == ApplicationStatus.ACCEPTED:
        guide = application.guide
        limit = guide.promised_days
        if limit is None:
            limit = guide.statutory_days
        return add_workdays(start=now, n=DEFAULT_DECISION_WORKDAYS if limit is None else limit)
    if to in (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.APPROVED):
        return application.due_at  # the decision's clock keeps running until completion
    return None


def _move_application(
    application: Application,
    *,
    to: str,
    actor: Any,
    actor_label: str,
    note: str,
    extra: dict[str, Any] | None = None,
) -> Application:
    """The one place a status changes: a conditional update from the status read, the event
    row, the audit row and the citizen's notification, in one transaction."""
    from weizheng.notifications.actions import notify

    now = timezone.now()
    frm = application.status
    due = _due_for(application, to, now)
    changes: dict[str, Any] = {
        "status": to,
        "due_at": due,
        "updated_at": now,
        "last_note": note[:500] if to in NEEDS_REASON else "",
        **(extra or {}),
    }
    stamp = {
        ApplicationStatus.SUBMITTED: "submitted_at",
        ApplicationStatus.ACCEPTED: "accepted_at",
        ApplicationStatus.APPROVED: "decided_at",
        ApplicationStatus.REJECTED: "decided_at",
        ApplicationStatus.COMPLETED: "completed_at",
    }.get(to)
    if stamp:
        changes[stamp] = now
    with transaction.atomic():
        moved = Application.objects.filter(pk=application.pk, status=frm).update(**changes)
        if not moved:
            raise AppError(
                "application_state",
                _("This application has moved on meanwhile; reload the page."),
                status=409,
            )
        application.refresh_from_db()
        event = ApplicationEvent.objects.create(
            application=application,
            from_status=frm,
            to_status=to,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=actor_label,
            note=note[:500],
            due_at=due,
        )
        do_audit(
            action=f"eservices.application.{to}",
            actor=actor,
            actor_label=actor_label,
            account=application.account,
            target=application,
            detail={
                "receipt_no": application.receipt_no,
                "from": frm,
                "note": note[:500],
                "due_at": due.isoformat() if due else None,
            },
        )
        service = application.guide.title
        if to == ApplicationStatus.RETURNED:
            notify(
                account=application.account,
                openid=application.openid,
                kind="eservices.returned",
                variables={
                    "service": service,
                    "receipt_no": application.receipt_no,
                    "reason": note[:500],
                },
                dedupe_key=f"eservices.application:{application.pk}:event:{event.pk}",
            )
        else:
            notify(
                account=application.account,
                openid=application.openid,
                kind="eservices.status",
                variables={
                    "service": service,
                    "receipt_no": application.receipt_no,
                    "status": STATUS_WORDS[to].format(note=note[:200]),
                },
                dedupe_key=f"eservices.application:{application.pk}:event:{event.pk}",
            )
    return application


def check_submit_application(*, application: Application, openid: str) -> Application:
    """The citizen submits a draft (a receipt number is given) or resubmits a corrected one;
    every required field must be answered."""
    if application.openid != openid:
        raise AppError("not_found", _("No such application."), status=404)
    _require_binding(account=application.account, openid=openid)
    if (application.status, ApplicationStatus.SUBMITTED) not in TRANSITIONS:
        raise AppError(
            "application_state", _("This application has already been submitted."), status=409
        )
    clean_answers(guide=application.guide, answers=application.answers, complete=True)
    extra: dict[str, Any] = {}
    if not application.receipt_no:
        for _attempt in range(5):
            receipt = _new_receipt_no(timezone.now())
            if not Application.objects.filter(receipt_no=receipt).exists():
                extra["receipt_no"] = receipt
                break
        else:  # pragma: no cover - a million numbers a day
            raise AppError("busy", _("Please try again in a moment."), status=503)
    try:
        return _move_application(
            application,
            to=ApplicationStatus.SUBMITTED,
            actor=None,
            actor_label="citizen",
            note="",
            extra=extra,
        )
    except IntegrityError as exc:  # two submissions drew the same number at once
        raise AppError("busy", _("Please try again in a moment."), status=503) from exc


def check_transition(
    *, application: Application, to: str, actor: Any, note: str = ""
) -> Application:
    """A department's step on an application (accept, return for correction, review, approve,
    reject, complete), refused unless the state machine allows it from the current status."""
    _require(actor, "cases.handle", application.account)
    if actor is None:
        raise AppError("forbidden", _("A staff member takes this step."), status=403)
    note = " ".join((note or "").split())
    if TRANSITIONS.get((application.status, to)) != STAFF:
        raise AppError(
            "application_state",
            _("An application that is “%(current)s” cannot become “%(next)s”.")
            % {
                "current": ApplicationStatus(application.status).label,
                "next": ApplicationStatus(to).label if to in ApplicationStatus.values else to,
            },
            status=409,
        )
    if to in NEEDS_REASON and not note:
        raise AppError("reason_missing", _("Tell the applicant why."), field="note")
    return _move_application(application, to=to, actor=actor, actor_label="", note=note)
